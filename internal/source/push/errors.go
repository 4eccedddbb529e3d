package push

import (
	"fmt"
	"strings"
)

// ItemError is one problem with one item of a batch, as the response lists
// it. Message is the problem alone; Error adds where it is.
type ItemError struct {
	// Item is the item's index in the batch, from 0; -1 for the body as a
	// whole.
	Item int `json:"item"`
	// Line is the body's line the item starts on, from 1.
	Line int `json:"line,omitempty"`
	// Field is the item's field at fault, empty for the item as a whole.
	Field string `json:"field,omitempty"`
	// Offset is the byte of the (decompressed) body where malformed JSON
	// was found; nil for other problems.
	Offset  *int   `json:"offset,omitempty"`
	Message string `json:"message"`
}

// Error writes the problem as `item 3 (line 4): field "good": 120 is more
// than valid (100)`.
func (e *ItemError) Error() string {
	var b strings.Builder
	if e.Item < 0 {
		b.WriteString("body")
	} else {
		fmt.Fprintf(&b, "item %d", e.Item)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Message)
	return b.String()
}

// errorList keeps the first max problems of a batch and counts them all.
type errorList struct {
	max   int
	list  []ItemError
	total int
}

func (l *errorList) add(e ItemError) {
	l.total++
	if len(l.list) < l.max {
		l.list = append(l.list, e)
	}
}

// summary is the response's one-line error for a rejected batch.
func (l *errorList) summary(items int) string {
	first := l.list[0].Error()
	if l.total == 1 {
		return "batch rejected, nothing written: " + first
	}
	return fmt.Sprintf("batch rejected, nothing written: %d problems in a batch of %d items; the first: %s", l.total, items, first)
}
