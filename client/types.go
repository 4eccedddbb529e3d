package client

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Event is one request, as the push API takes it. Zero fields are left out
// of what is sent, and the server reads them as absent.
type Event struct {
	// Stream names the event stream the SLIs read ("api").
	Stream string
	// Time is when the request was made; zero for the server's now.
	Time   time.Time
	Path   string
	Method string
	// Status is the HTTP status; 0 for none.
	Status int
	// Latency is how long the request took. It travels as latency_ms, a
	// number of milliseconds with a fraction, so it keeps nanoseconds up
	// to about a hundred days.
	Latency  time.Duration
	Customer string
	Labels   map[string]string
}

// Count is good of valid events of one SLO ("service/slo"), for one
// customer when Customer is set, at one time (zero for the server's now).
// A customer's count is part of the SLO's total too: do not send the total
// again.
type Count struct {
	SLO      string
	Customer string
	Time     time.Time
	Good     float64
	Valid    float64
}

// Result is what the server did with a batch.
type Result struct {
	// Accepted is the number of items in the batch; every one lands in
	// exactly one of Counted, Excluded, Ignored and Unmatched.
	Accepted int `json:"accepted"`
	// Counted items counted for at least one objective.
	Counted int `json:"counted"`
	// Excluded items fell in a maintenance window.
	Excluded int `json:"excluded"`
	// Ignored events were not valid for any objective of their stream.
	Ignored int `json:"ignored"`
	// Unmatched events have a stream no objective reads.
	Unmatched int `json:"unmatched"`
	// Observations is the number of per-minute sums the batch made.
	Observations int `json:"observations"`
	// Seq is the batch's sequence number in the server's store.
	Seq int64 `json:"seq"`
	// Duplicate is set when the server had the batch already and changed
	// nothing.
	Duplicate bool `json:"duplicate"`
	// BatchID is the id the batch was sent under.
	BatchID string `json:"-"`
}

// APIError is an answer other than 200: the batch was not taken. Items
// lists the problems of a rejected batch, item by item.
type APIError struct {
	StatusCode int
	Message    string
	Items      []ItemError
	// BatchID is the id the batch was sent under; Attempts how many times
	// it was sent.
	BatchID  string
	Attempts int
}

func (e *APIError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("batch %s: server answered %d after %d attempts: %s", e.BatchID, e.StatusCode, e.Attempts, e.Message)
	}
	return fmt.Sprintf("batch %s: server answered %d: %s", e.BatchID, e.StatusCode, e.Message)
}

// ItemError is one problem with one item of a batch.
type ItemError struct {
	// Item is the item's index in the batch, from 0; -1 for the body as a
	// whole.
	Item int `json:"item"`
	// Line is the body's line where the item starts, from 1.
	Line  int    `json:"line,omitempty"`
	Field string `json:"field,omitempty"`
	// Offset is the byte of the body where malformed JSON was found.
	Offset  *int   `json:"offset,omitempty"`
	Message string `json:"message"`
}

// Error writes the problem as the server does: item 3 (line 4): field
// "good": 120 is more than valid (100).
func (e ItemError) Error() string {
	where := "body"
	if e.Item >= 0 {
		where = "item " + strconv.Itoa(e.Item)
	}
	if e.Line > 0 {
		where += fmt.Sprintf(" (line %d)", e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: field %q: %s", where, e.Field, e.Message)
	}
	return where + ": " + e.Message
}

// MarshalJSON writes the event as the push API reads it.
func (e Event) MarshalJSON() ([]byte, error) { return e.appendJSON(nil), nil }

// MarshalJSON writes the count as the push API reads it.
func (c Count) MarshalJSON() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return c.appendJSON(nil), nil
}

func (e *Event) appendJSON(b []byte) []byte {
	b = append(b, `{"stream":`...)
	b = appendString(b, e.Stream)
	b = appendTime(b, e.Time)
	if e.Path != "" {
		b = appendString(append(b, `,"path":`...), e.Path)
	}
	if e.Method != "" {
		b = appendString(append(b, `,"method":`...), e.Method)
	}
	if e.Status != 0 {
		b = strconv.AppendInt(append(b, `,"status":`...), int64(e.Status), 10)
	}
	if e.Latency != 0 {
		b = strconv.AppendFloat(append(b, `,"latency_ms":`...), float64(e.Latency)/float64(time.Millisecond), 'f', -1, 64)
	}
	if e.Customer != "" {
		b = appendString(append(b, `,"customer":`...), e.Customer)
	}
	if len(e.Labels) > 0 {
		b = append(b, `,"labels":{`...)
		// Sorted, so that the same events always make the same bytes.
		for i, k := range slices.Sorted(maps.Keys(e.Labels)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = appendString(append(b, ':'), e.Labels[k])
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func (c *Count) appendJSON(b []byte) []byte {
	b = append(b, `{"slo":`...)
	b = appendString(b, c.SLO)
	if c.Customer != "" {
		b = appendString(append(b, `,"customer":`...), c.Customer)
	}
	b = appendTime(b, c.Time)
	b = strconv.AppendFloat(append(b, `,"good":`...), c.Good, 'g', -1, 64)
	b = strconv.AppendFloat(append(b, `,"valid":`...), c.Valid, 'g', -1, 64)
	return append(b, '}')
}

// check refuses what JSON cannot carry; the server checks the rest.
func (c *Count) check() error {
	if math.IsNaN(c.Good) || math.IsInf(c.Good, 0) || math.IsNaN(c.Valid) || math.IsInf(c.Valid, 0) {
		return errors.New("good and valid must be finite numbers")
	}
	return nil
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = append(b, `,"time":"`...)
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// which the server would otherwise refuse.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, `\u00`...)
				b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
