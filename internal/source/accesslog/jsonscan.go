package accesslog

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads one JSON object from a line. It is written for access
// logs, where encoding/json's reflection and allocation would cost more
// than everything else done with a line: plain strings point into the line,
// and only the members of the top level (and of a "labels" object) are
// handed out. Nested objects and arrays elsewhere are checked and skipped.
type scanner struct {
	s   string
	pos int
}

// maxDepth bounds the nesting of skipped values.
const maxDepth = 64

func (sc *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("JSON at byte %d: %s", sc.pos+1, fmt.Sprintf(format, args...))
}

func (sc *scanner) space() {
	for sc.pos < len(sc.s) {
		switch sc.s[sc.pos] {
		case ' ', '\t', '\r', '\n':
			sc.pos++
		default:
			return
		}
	}
}

func (sc *scanner) peek() byte {
	if sc.pos < len(sc.s) {
		return sc.s[sc.pos]
	}
	return 0
}

// object reads the line's object, calling member for each scalar member
// and label for each scalar member of a "labels" object; anything after
// the object but spaces is an error.
func (sc *scanner) object(member func(key string, v jval) error, label func(name string, v jval)) error {
	sc.space()
	if sc.peek() != '{' {
		return sc.errorf("want an object, {...}, one per line")
	}
	err := sc.members(func(key string) error {
		if key == "labels" && sc.peek() == '{' {
			return sc.members(func(name string) error {
				v, err := sc.value(1)
				if err == nil {
					label(name, v)
				}
				return err
			})
		}
		v, err := sc.value(1)
		if err != nil {
			return err
		}
		return member(key, v)
	})
	if err != nil {
		return err
	}
	sc.space()
	if sc.pos != len(sc.s) {
		return sc.errorf("more after the object's closing }")
	}
	return nil
}

// members reads an object at sc.pos, calling fn for each member with sc at
// the member's value; fn must read the value.
func (sc *scanner) members(fn func(key string) error) error {
	sc.pos++ // the '{'
	sc.space()
	if sc.peek() == '}' {
		sc.pos++
		return nil
	}
	for {
		sc.space()
		if sc.peek() != '"' {
			return sc.errorf("want a member name in double quotes")
		}
		key, err := sc.str()
		if err != nil {
			return err
		}
		sc.space()
		if sc.peek() != ':' {
			return sc.errorf("want ':' after the member name %q", key)
		}
		sc.pos++
		sc.space()
		if err := fn(key); err != nil {
			return err
		}
		sc.space()
		switch sc.peek() {
		case ',':
			sc.pos++
		case '}':
			sc.pos++
			return nil
		default:
			return sc.errorf("want ',' or '}' after the value of %q", key)
		}
	}
}

// value reads a value. Scalars are returned; objects and arrays are
// skipped and returned as null, since no field is read from them.
func (sc *scanner) value(depth int) (jval, error) {
	if depth > maxDepth {
		return jval{}, sc.errorf("nested more than %d deep", maxDepth)
	}
	switch c := sc.peek(); {
	case c == '"':
		s, err := sc.str()
		return jval{kind: 's', s: s}, err
	case c == '-' || c >= '0' && c <= '9':
		n, err := sc.number()
		return jval{kind: 'n', s: n}, err
	case c == '{':
		return jval{}, sc.members(func(string) error {
			_, err := sc.value(depth + 1)
			return err
		})
	case c == '[':
		return jval{}, sc.array(depth)
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if strings.HasPrefix(sc.s[sc.pos:], lit) {
				sc.pos += len(lit)
				if lit == "null" {
					return jval{}, nil
				}
				return jval{kind: 'b', s: lit}, nil
			}
		}
		if c == 0 {
			return jval{}, sc.errorf("the line ends inside the object")
		}
		return jval{}, sc.errorf("want a value, got %q", c)
	}
}

func (sc *scanner) array(depth int) error {
	sc.pos++ // the '['
	sc.space()
	if sc.peek() == ']' {
		sc.pos++
		return nil
	}
	for {
		sc.space()
		if _, err := sc.value(depth + 1); err != nil {
			return err
		}
		sc.space()
		switch sc.peek() {
		case ',':
			sc.pos++
		case ']':
			sc.pos++
			return nil
		default:
			return sc.errorf("want ',' or ']' in an array")
		}
	}
}

// number reads a number as JSON writes it and returns its text.
func (sc *scanner) number() (string, error) {
	start := sc.pos
	if sc.peek() == '-' {
		sc.pos++
	}
	digits := func() int {
		n := 0
		for sc.pos < len(sc.s) && sc.s[sc.pos] >= '0' && sc.s[sc.pos] <= '9' {
			sc.pos++
			n++
		}
		return n
	}
	if digits() == 0 {
		return "", sc.errorf("want digits in a number")
	}
	if sc.peek() == '.' {
		sc.pos++
		if digits() == 0 {
			return "", sc.errorf("want digits after a decimal point")
		}
	}
	if c := sc.peek(); c == 'e' || c == 'E' {
		sc.pos++
		if c := sc.peek(); c == '+' || c == '-' {
			sc.pos++
		}
		if digits() == 0 {
			return "", sc.errorf("want digits in an exponent")
		}
	}
	return sc.s[start:sc.pos], nil
}

var errControl = errors.New("a control character inside a string: JSON writes it escaped")

// str reads a string at sc.pos. Without escapes it points into the line;
// with them it is decoded into a new string.
func (sc *scanner) str() (string, error) {
	sc.pos++ // the opening quote
	start := sc.pos
	for i := start; i < len(sc.s); i++ {
		switch c := sc.s[i]; {
		case c == '"':
			sc.pos = i + 1
			return sc.s[start:i], nil
		case c == '\\':
			return sc.escaped(start)
		case c < 0x20:
			sc.pos = i
			return "", sc.errorf("%v", errControl)
		}
	}
	return "", sc.errorf("a string has no closing quote")
}

// escaped decodes a string holding escapes, from its first byte at start.
func (sc *scanner) escaped(start int) (string, error) {
	var b strings.Builder
	i := start
	for i < len(sc.s) {
		c := sc.s[i]
		switch {
		case c == '"':
			sc.pos = i + 1
			return b.String(), nil
		case c < 0x20:
			sc.pos = i
			return "", sc.errorf("%v", errControl)
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(sc.s) {
			break
		}
		sc.pos = i
		switch e := sc.s[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, err := sc.unicode(i)
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
			i += n
			continue
		default:
			return "", sc.errorf("unknown escape \\%c", e)
		}
		i += 2
	}
	sc.pos = len(sc.s)
	return "", sc.errorf("a string has no closing quote")
}

// unicode reads \uXXXX at i, with its low surrogate when it is a high one,
// and returns the rune and the bytes read.
func (sc *scanner) unicode(i int) (rune, int, error) {
	hex := func(at int) (rune, bool) {
		if at+6 > len(sc.s) || sc.s[at] != '\\' || sc.s[at+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range []byte(sc.s[at+2 : at+6]) {
			switch {
			case c >= '0' && c <= '9':
				c -= '0'
			case c >= 'a' && c <= 'f':
				c -= 'a' - 10
			case c >= 'A' && c <= 'F':
				c -= 'A' - 10
			default:
				return 0, false
			}
			r = r<<4 | rune(c)
		}
		return r, true
	}
	r, ok := hex(i)
	if !ok {
		return 0, 0, sc.errorf("want four hex digits after \\u")
	}
	if utf16.IsSurrogate(r) {
		if lo, ok := hex(i + 6); ok {
			if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
				return dec, 12, nil
			}
		}
		return utf8.RuneError, 6, nil
	}
	return r, 6, nil
}
