package push

import (
	"fmt"
	"strconv"
)

// scanner reads JSON values from a byte slice. It is written by hand
// because encoding/json's reflection costs more than the rest of ingest put
// together; it checks the full JSON grammar all the same.
type scanner struct {
	buf []byte
	pos int
	// base is the offset of buf in the request body, for messages.
	base int
}

// syntaxError is malformed JSON at an offset of the body.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("invalid JSON at byte %d: %s", e.off, e.msg) }

func (s *scanner) fail(format string, args ...any) *syntaxError {
	return &syntaxError{off: s.base + s.pos, msg: fmt.Sprintf(format, args...)}
}

// unexpected describes the byte at the current position for a message.
func (s *scanner) unexpected(want string) *syntaxError {
	if s.pos >= len(s.buf) {
		return s.fail("unexpected end of input, want %s", want)
	}
	return s.fail("unexpected %q, want %s", s.buf[s.pos], want)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end (a NUL byte
// in the input reads as 0 too: use atEnd to tell the end).
func (s *scanner) peek() byte {
	if s.pos < len(s.buf) && s.buf[s.pos] > ' ' {
		return s.buf[s.pos] // no space to skip, the common case
	}
	s.skipSpace()
	if s.pos >= len(s.buf) {
		return 0
	}
	return s.buf[s.pos]
}

// atEnd reports whether only white space is left.
func (s *scanner) atEnd() bool {
	s.skipSpace()
	return s.pos >= len(s.buf)
}

// expect consumes c after white space.
func (s *scanner) expect(c byte, want string) *syntaxError {
	if s.peek() != c {
		return s.unexpected(want)
	}
	s.pos++
	return nil
}

// kind names the type of the value starting at the current position.
func (s *scanner) kind() string {
	if s.atEnd() {
		return "nothing"
	}
	switch s.peek() {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	default:
		return fmt.Sprintf("%q", s.buf[s.pos])
	}
}

func (s *scanner) literal(word string) *syntaxError {
	if len(s.buf)-s.pos < len(word) || string(s.buf[s.pos:s.pos+len(word)]) != word {
		return s.fail("invalid literal, want %s", word)
	}
	s.pos += len(word)
	return nil
}

// number reads a number and returns its value and its text. The text
// points into buf, as str's result does.
func (s *scanner) number() (float64, string, *syntaxError) {
	s.skipSpace()
	b := s.buf
	start, i := s.pos, s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	// mant collects the first 15 digits (exact in a float64), n counts
	// all of them, frac those after the point.
	var mant int64
	n, frac := 0, 0
	intStart := i
	for ; i < len(b) && b[i]-'0' <= 9; i++ {
		if n < 15 {
			mant = mant*10 + int64(b[i]-'0')
		}
		n++
	}
	if i == intStart {
		s.pos = i
		return 0, "", s.unexpected("a number")
	}
	if i-intStart > 1 && b[intStart] == '0' {
		s.pos = intStart
		return 0, "", s.fail("number with a leading zero")
	}
	if i < len(b) && b[i] == '.' {
		i++
		fracStart := i
		for ; i < len(b) && b[i]-'0' <= 9; i++ {
			if n < 15 {
				mant = mant*10 + int64(b[i]-'0')
			}
			n++
		}
		frac = i - fracStart
		if frac == 0 {
			s.pos = i
			return 0, "", s.unexpected("a digit after the decimal point")
		}
	}
	exact := n <= 15
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		exact = false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		expStart := i
		for i < len(b) && b[i]-'0' <= 9 {
			i++
		}
		if i == expStart {
			s.pos = i
			return 0, "", s.unexpected("a digit in the exponent")
		}
	}
	s.pos = i
	text := view(b[start:i])
	if exact {
		// Both the digits and the power of ten are exact in a float64, so
		// one division rounds correctly (Clinger's fast path): no need
		// for ParseFloat.
		v := float64(mant) / pow10[frac]
		if b[start] == '-' {
			v = -v
		}
		return v, text, nil
	}
	// The grammar is checked, so the only error left is ErrRange, with ±Inf
	// or 0 as the value: callers name an infinite value themselves.
	v, _ := strconv.ParseFloat(text, 64)
	return v, text, nil
}

// pow10 holds the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// skip consumes any one value, checking its syntax.
func (s *scanner) skip(depth int) *syntaxError {
	if depth > 64 {
		return s.fail("values nested too deep")
	}
	switch s.peek() {
	case '"':
		_, err := s.str()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	case '{':
		s.pos++
		if s.peek() == '}' {
			s.pos++
			return nil
		}
		for {
			if _, err := s.str(); err != nil {
				return err
			}
			if err := s.expect(':', "':' after an object key"); err != nil {
				return err
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if done, err := s.next('}'); done || err != nil {
				return err
			}
		}
	case '[':
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if done, err := s.next(']'); done || err != nil {
				return err
			}
		}
	default:
		_, _, err := s.number()
		return err
	}
}

// next consumes the ',' between members or the closing byte, reporting
// whether the object or array ended.
func (s *scanner) next(end byte) (bool, *syntaxError) {
	switch s.peek() {
	case ',':
		s.pos++
		return false, nil
	case end:
		s.pos++
		return true, nil
	}
	return false, s.unexpected(fmt.Sprintf("',' or '%c'", end))
}
