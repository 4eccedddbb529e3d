package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a spec file: where it is, which field, what is
// wrong, and how to fix it.
type Error struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Path is the field path as the file writes it: slos[0].sli.events.good.
	Path string `json:"path,omitempty"`
	Msg  string `json:"message"`
	Hint string `json:"hint,omitempty"`
	// Warning marks a problem that does not make the spec invalid.
	Warning bool `json:"warning,omitempty"`
}

// Error formats the problem as file:line:column: path: message (hint).
func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 && e.Column > 0 {
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Column)
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	} else {
		b.WriteString(e.File + ": ")
	}
	if e.Warning {
		b.WriteString("warning: ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// Errors is every problem found in one load, errors and warnings, in file order.
type Errors []*Error

// Error joins the problems, one a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Invalid returns the problems that are errors, not warnings.
func (es Errors) Invalid() Errors {
	var out Errors
	for _, e := range es {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// Warnings returns the problems that are only warnings.
func (es Errors) Warnings() Errors {
	var out Errors
	for _, e := range es {
		if e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// finish sorts the problems into file order and drops repeats: a service's
// shared alerting is checked once for each of its SLOs.
func (es Errors) finish() Errors {
	es.sort()
	var out Errors
	seen := map[string]bool{}
	for _, e := range es {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// closest returns the candidate nearest to s by edit distance, when it is
// near enough to be a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
