package push

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// str reads a string. Without escapes the result points into buf rather
// than being copied: the caller must not keep it past the request, unless
// it copies it.
func (s *scanner) str() (string, *syntaxError) {
	if s.peek() != '"' {
		return "", s.unexpected("a string")
	}
	return s.strAt()
}

// strAt is str when s is known to be at the opening quote.
func (s *scanner) strAt() (string, *syntaxError) {
	s.pos++
	start := s.pos
	b := s.buf[start:]
	// The common string is short plain printable ASCII: look eight bytes
	// at a time for the first byte that is not, and go byte by byte only
	// from there.
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if m := special8(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
	}
	high := false
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			s.pos = start + i + 1
			if high && !utf8.Valid(b[:i]) {
				return "", &syntaxError{off: s.base + start, msg: "string is not valid UTF-8"}
			}
			return view(b[:i]), nil
		case c == '\\':
			s.pos = start + i
			return s.escaped(start)
		case c < 0x20:
			s.pos = start + i
			return "", s.fail("control character %q in string", c)
		case c >= 0x80:
			high = true
		}
	}
	s.pos = len(s.buf)
	return "", s.fail("unterminated string")
}

// special8 marks (with the high bit of each) the bytes of x that end or
// interrupt a plain string: '"', '\\', control bytes and non-ASCII. A
// byte after a marked one may be marked wrongly by a borrow; only the
// lowest mark is used.
func special8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := x ^ ('"' * ones)
	slash := x ^ ('\\' * ones)
	below := (x - 0x20*ones) &^ x // high bit set where a byte is under 0x20
	return (below | x | (quote-ones)&^quote | (slash-ones)&^slash) & highs
}

// escaped finishes a string that holds escapes, copying it.
func (s *scanner) escaped(start int) (string, *syntaxError) {
	out := append([]byte(nil), s.buf[start:s.pos]...)
	for s.pos < len(s.buf) {
		c := s.buf[s.pos]
		switch {
		case c == '"':
			s.pos++
			if !utf8.Valid(out) {
				return "", &syntaxError{off: s.base + start, msg: "string is not valid UTF-8"}
			}
			return string(out), nil
		case c < 0x20:
			return "", s.fail("control character %q in string", c)
		case c != '\\':
			out = append(out, c)
			s.pos++
			continue
		}
		if s.pos+1 >= len(s.buf) {
			return "", s.fail("unterminated string")
		}
		e := s.buf[s.pos+1]
		s.pos += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, err := s.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if s.pos+1 < len(s.buf) && s.buf[s.pos] == '\\' && s.buf[s.pos+1] == 'u' {
					save := s.pos
					s.pos += 2
					if r2, err = s.hex4(); err != nil {
						return "", err
					}
					if utf16.DecodeRune(r, r2) == utf8.RuneError {
						s.pos = save // a lone surrogate followed by another escape
						r2 = -1
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			out = utf8.AppendRune(out, r)
		default:
			s.pos -= 2
			return "", s.fail("invalid escape %q in string", "\\"+string(e))
		}
	}
	return "", s.fail("unterminated string")
}

func (s *scanner) hex4() (rune, *syntaxError) {
	if len(s.buf)-s.pos < 4 {
		return 0, s.fail("short \\u escape")
	}
	var r rune
	for _, c := range s.buf[s.pos : s.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, s.fail("invalid \\u escape")
		}
		r = r<<4 | rune(c)
	}
	s.pos += 4
	return r, nil
}

// view returns b as a string without copying. The bytes must not change
// while the string is in use: request bodies are not written to once read.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
