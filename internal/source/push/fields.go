package push

import (
	"fmt"
	"math/bits"
)

// object reads one item object into d.it; s is at its '{'. Problems with
// values are recorded and reading goes on; only malformed JSON stops it.
func (d *batchDecoder) object(s *scanner) *syntaxError {
	it := &d.it
	it.reset()
	s.pos++ // the '{'
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		d.field = ""
		f, key, err := s.key()
		if err != nil {
			return err
		}
		// The common separators are checked in line: the calls to expect
		// and next cost a tenth of reading an item.
		if s.pos < len(s.buf) && s.buf[s.pos] == ':' {
			s.pos++
		} else if err := s.expect(':', "':' after a field name"); err != nil {
			return err
		}
		d.field = key
		if err := d.value(s, f, key); err != nil {
			return err
		}
		d.field = ""
		if s.pos < len(s.buf) && s.buf[s.pos] == ',' {
			s.pos++
		} else if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

// value reads the value of field f, named key (f is 0 for unknown keys).
func (d *batchDecoder) value(s *scanner, f field, key string) *syntaxError {
	it := &d.it
	c := s.peek()
	switch {
	case f == 0:
		d.problemAt(key, "unknown field")
		return s.skip(0)
	case it.seen&f != 0:
		d.problem(f, "given more than once")
		it.bad |= f
		return s.skip(0)
	case c == 'n' && s.literal("null") == nil:
		return nil // null is as good as leaving the field out
	}
	it.seen |= f
	switch f {
	case fSLO:
		return d.str(s, c, f, &it.slo)
	case fStream:
		return d.str(s, c, f, &it.stream)
	case fCustomer:
		return d.str(s, c, f, &it.customer)
	case fPath:
		return d.str(s, c, f, &it.path)
	case fMethod:
		return d.str(s, c, f, &it.method)
	case fGood:
		return d.num(s, c, f, &it.good, &it.goodT)
	case fValid:
		return d.num(s, c, f, &it.valid, &it.validT)
	case fStatus:
		return d.num(s, c, f, &it.status, &it.statT)
	case fLatency:
		return d.num(s, c, f, &it.lat, &it.latT)
	case fTime:
		if c == '"' {
			v, err := s.strAt()
			it.timeText = v
			return err
		}
		it.timeIsNum = true
		return d.num(s, c, f, &it.timeNum, &it.timeText)
	default: // fLabels
		return d.labels(s)
	}
}

// str reads a string field, reporting any other type; c is the value's
// first byte.
func (d *batchDecoder) str(s *scanner, c byte, f field, dst *string) *syntaxError {
	if c != '"' {
		return d.wrongType(s, f, "a string")
	}
	v, err := s.strAt()
	*dst = v
	return err
}

// num reads a number field, reporting any other type; c is the value's
// first byte.
func (d *batchDecoder) num(s *scanner, c byte, f field, dst *float64, text *string) *syntaxError {
	switch c {
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
	default:
		if f == fTime {
			return d.wrongType(s, f, "an RFC 3339 string or unix seconds")
		}
		return d.wrongType(s, f, "a number")
	}
	v, t, err := s.number()
	*dst, *text = v, t
	return err
}

func (d *batchDecoder) wrongType(s *scanner, f field, want string) *syntaxError {
	d.problem(f, fmt.Sprintf("want %s, got %s", want, s.kind()))
	d.it.bad |= f
	return s.skip(0)
}

// labels reads the labels object: names to string values.
func (d *batchDecoder) labels(s *scanner) *syntaxError {
	it := &d.it
	if s.peek() != '{' {
		return d.wrongType(s, fLabels, "an object of strings")
	}
	s.pos++
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		name, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':', "':' after a label name"); err != nil {
			return err
		}
		if s.peek() != '"' {
			d.problem(fLabels, fmt.Sprintf("label %q: want a string, got %s", name, s.kind()))
			it.bad |= fLabels
			if err := s.skip(0); err != nil {
				return err
			}
		} else {
			v, err := s.str()
			if err != nil {
				return err
			}
			it.labels = append(it.labels, label{name, v})
		}
		if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

// key reads an item's field name. The known names are matched in place,
// quote included, which costs less than scanning them as strings and then
// switching on them; other names take the long way.
func (s *scanner) key() (field, string, *syntaxError) {
	if s.peek() == '"' {
		if f := knownKey(s.buf[s.pos+1:]); f != 0 {
			name := fieldNames[bits.TrailingZeros16(uint16(f))]
			s.pos += len(name) + 2
			return f, name, nil
		}
	}
	k, err := s.str()
	return fieldOf(k), k, err
}

// knownKey returns the field whose name and closing quote b starts with.
// The comparisons with short constants compile to a load and a compare or
// two each.
func knownKey(b []byte) field {
	if len(b) < 4 {
		return 0
	}
	has := func(k string) bool { return len(b) >= len(k) && string(b[:len(k)]) == k }
	switch b[0] {
	case 's':
		switch {
		case has(`stream"`):
			return fStream
		case has(`status"`):
			return fStatus
		case has(`slo"`):
			return fSLO
		}
	case 't':
		if has(`time"`) {
			return fTime
		}
	case 'p':
		if has(`path"`) {
			return fPath
		}
	case 'm':
		if has(`method"`) {
			return fMethod
		}
	case 'l':
		switch {
		case has(`latency_ms"`):
			return fLatency
		case has(`labels"`):
			return fLabels
		}
	case 'c':
		if has(`customer"`) {
			return fCustomer
		}
	case 'g':
		if has(`good"`) {
			return fGood
		}
	case 'v':
		if has(`valid"`) {
			return fValid
		}
	}
	return 0
}
