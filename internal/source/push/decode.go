package push

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// batchDecoder reads the items of one request body, checks each, and
// counts them into a tally for as long as the batch has no problem.
type batchDecoder struct {
	r    *Router
	t    *tally
	opts Options
	// now is the request's time; items outside [oldest, latest] are
	// refused.
	now, oldest, latest time.Time
	errs                errorList
	// items is the number of items read so far; index and line place the
	// current one, field the field being read, for messages.
	items, index, line int
	field              string
	// stopped is set when malformed JSON ended the reading; notObject
	// when the current item is not an object.
	stopped, notObject bool
	it                 item
	times              timeParser
	ev                 request
}

func newBatchDecoder(r *Router, opts Options) *batchDecoder {
	now := opts.Now()
	return &batchDecoder{
		r:      r,
		t:      r.newTally(),
		opts:   opts,
		now:    now,
		oldest: now.Add(-opts.MaxAge),
		latest: now.Add(opts.MaxFuture),
		errs:   errorList{max: opts.MaxErrors},
	}
}

// problem records a problem of the current item with field f (0 for the
// item as a whole).
func (d *batchDecoder) problem(f field, msg string) {
	name := ""
	if f != 0 {
		name = f.String()
	}
	d.problemAt(name, msg)
}

func (d *batchDecoder) problemAt(name, msg string) {
	d.errs.add(ItemError{Item: d.index, Line: d.line, Field: strings.Clone(name), Message: msg})
}

// syntax records malformed JSON in the current item.
func (d *batchDecoder) syntax(err *syntaxError) {
	off := err.off
	d.errs.add(ItemError{Item: d.index, Line: d.line, Field: strings.Clone(d.field), Offset: &off, Message: err.Error()})
}

// ndjson reads one item per line; blank lines are skipped. Lines stand
// alone, so malformed JSON on one line does not stop the others being
// checked.
func (d *batchDecoder) ndjson(body []byte) {
	line := 0
	for pos := 0; pos < len(body); {
		end := bytes.IndexByte(body[pos:], '\n')
		if end < 0 {
			end = len(body)
		} else {
			end += pos
		}
		line++
		s := scanner{buf: body[pos:end], base: pos}
		pos = end + 1
		if s.atEnd() {
			continue
		}
		d.begin(line)
		err := d.item(&s)
		if err == nil && !s.atEnd() {
			err = s.fail("unexpected %q after the item: NDJSON has one item per line", s.buf[s.pos])
		}
		d.end(err)
	}
}

// json reads a JSON array of items, or an object holding one in "items".
// Malformed JSON ends the reading: nothing after it can be placed.
func (d *batchDecoder) json(body []byte) {
	s := scanner{buf: body}
	lc := lineCounter{body: body}
	if s.atEnd() {
		d.bodyProblem(&lc, 0, "the body is empty: send an array of items")
		return
	}
	switch s.peek() {
	case '[':
		d.array(&s, &lc)
	case '{':
		found, err := d.batchObject(&s, &lc)
		if err != nil {
			d.bodySyntax(&lc, err)
			return
		}
		if !found && d.errs.total == 0 {
			d.bodyProblem(&lc, 0, `the body is an object without "items": send an array of items, or {"items": [...]}`)
			return
		}
	default:
		d.bodyProblem(&lc, s.pos, fmt.Sprintf("the body is %s: send an array of items, or {\"items\": [...]}", s.kind()))
		return
	}
	if d.stopped {
		return
	}
	if !s.atEnd() {
		d.bodySyntax(&lc, s.fail("unexpected %q after the batch", s.buf[s.pos]))
	}
}

// batchObject reads {"items": [...]}; s is at its '{'. It reports whether
// it found the items.
func (d *batchDecoder) batchObject(s *scanner, lc *lineCounter) (bool, *syntaxError) {
	s.pos++
	if s.peek() == '}' {
		s.pos++
		return false, nil
	}
	found := false
	for {
		key, err := s.str()
		if err != nil {
			return found, err
		}
		if err := s.expect(':', "':' after an object key"); err != nil {
			return found, err
		}
		switch {
		case fieldOf(key) != 0 && !found:
			d.bodyProblem(lc, 0, `the body is a single item: send an array of items, or {"items": [...]}`)
			d.stopped = true
			return true, nil
		case key == "items" && !found:
			found = true
			if s.peek() != '[' {
				d.bodyProblem(lc, s.pos, fmt.Sprintf(`"items" is %s, want an array of items`, s.kind()))
				d.stopped = true
				return found, nil
			}
			if d.array(s, lc); d.stopped {
				return found, nil
			}
		default:
			d.bodyProblem(lc, s.pos, fmt.Sprintf(`field %q: unknown field of the batch, which has only "items"`, key))
			if err := s.skip(0); err != nil {
				return found, err
			}
		}
		done, err := s.next('}')
		if done || err != nil {
			return found, err
		}
	}
}

// array reads the items of a JSON array; s is at its '['. Malformed JSON
// is reported as the item's where it was found, and sets stopped.
func (d *batchDecoder) array(s *scanner, lc *lineCounter) {
	s.pos++
	if s.peek() == ']' {
		s.pos++
		return
	}
	for {
		s.peek()
		d.begin(lc.at(s.pos))
		err := d.item(s)
		d.end(err)
		if err != nil {
			d.stopped = true
			return
		}
		done, err := s.next(']')
		if err != nil {
			// Between items: blame the item before, whose end is missing.
			d.syntax(err)
			d.stopped = true
			return
		}
		if done {
			return
		}
	}
}

// item reads the item at s, which must be an object.
func (d *batchDecoder) item(s *scanner) *syntaxError {
	if s.peek() == '{' {
		return d.object(s)
	}
	d.problem(0, "the item is "+s.kind()+", want an object")
	d.notObject = true
	return s.skip(0)
}

func (d *batchDecoder) begin(line int) {
	d.index, d.line, d.field, d.notObject = d.items, line, "", false
	d.items++
}

// end checks the item just read, or records why it could not be read.
func (d *batchDecoder) end(err *syntaxError) {
	switch {
	case err != nil:
		d.syntax(err)
	case !d.notObject:
		d.check()
	}
}

// bodyProblem records a problem with the body as a whole (item -1).
func (d *batchDecoder) bodyProblem(lc *lineCounter, off int, msg string) {
	d.errs.add(ItemError{Item: -1, Line: lc.at(off), Message: msg})
}

func (d *batchDecoder) bodySyntax(lc *lineCounter, err *syntaxError) {
	off := err.off
	d.errs.add(ItemError{Item: -1, Line: lc.at(off), Offset: &off, Message: err.Error()})
}

// lineCounter turns offsets into line numbers, counting newlines once as
// the offsets grow.
type lineCounter struct {
	body      []byte
	off, line int
}

func (c *lineCounter) at(off int) int {
	off = min(off, len(c.body))
	if off < c.off {
		c.off, c.line = 0, 0
	}
	c.line += bytes.Count(c.body[c.off:off], []byte{'\n'})
	c.off = off
	return c.line + 1
}
