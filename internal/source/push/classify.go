package push

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// request is an event as the hot path holds it. Labels are a short list
// rather than slo.Event's map: building a map costs an insert per label
// and checking one a map iterator per filter, together more than the
// rest of classifying.
type request struct {
	stream, path, method, customer string
	status                         int
	latency                        time.Duration
	at                             time.Time
	labels                         []label
}

type label struct{ name, value string }

// label returns the value of the label name, "" when absent, as a lookup
// in slo.Event's map would. The last of repeated names wins, as in a map
// built in order.
func (q *request) label(name string) string {
	for i := len(q.labels) - 1; i >= 0; i-- {
		if q.labels[i].name == name {
			return q.labels[i].value
		}
	}
	return ""
}

// fromEvent fills q from e, reusing q's label list.
func (q *request) fromEvent(e *slo.Event) {
	labels := q.labels[:0]
	for k, v := range e.Labels {
		labels = append(labels, label{k, v})
	}
	*q = request{stream: e.Stream, path: e.Path, method: e.Method, customer: e.Customer,
		status: e.Status, latency: e.Latency, at: e.Time, labels: labels}
}

// classifier is an slo.EventSLI compiled for requests. It must decide
// exactly as EventSLI.ClassifyWithin does; classify_test.go checks it
// against that on many events and fails when slo.Match gains a field.
type classifier struct {
	valid   filter
	exclude []filter
	good    filter
}

// filter is an slo.Match with its labels as a list.
type filter struct {
	prefixes     []string
	regex        *regexp.Regexp
	methods      []string
	statuses     []slo.StatusRange
	latencyBelow time.Duration
	labels       []label
}

func compile(s *slo.EventSLI) *classifier {
	c := &classifier{valid: compileMatch(&s.Valid), good: compileMatch(&s.Good)}
	for i := range s.Exclude {
		c.exclude = append(c.exclude, compileMatch(&s.Exclude[i]))
	}
	return c
}

func compileMatch(m *slo.Match) filter {
	f := filter{prefixes: m.PathPrefixes, regex: m.PathRegex, methods: m.Methods,
		statuses: m.Statuses, latencyBelow: m.LatencyBelow}
	for k, v := range m.Labels {
		f.labels = append(f.labels, label{k, v})
	}
	// Sorted, so that a filter is the same whatever the map's order.
	slices.SortFunc(f.labels, func(a, b label) int { return strings.Compare(a.name, b.name) })
	return f
}

// classify tells whether q is ignored, good or bad; latency, when not
// zero, replaces the good filter's latency threshold.
func (c *classifier) classify(q *request, latency time.Duration) slo.Class {
	if !c.valid.matches(q, c.valid.latencyBelow) {
		return slo.Ignored
	}
	for i := range c.exclude {
		if c.exclude[i].matches(q, c.exclude[i].latencyBelow) {
			return slo.Ignored
		}
	}
	if latency <= 0 {
		latency = c.good.latencyBelow
	}
	if c.good.matches(q, latency) {
		return slo.Good
	}
	return slo.Bad
}

// matches reports whether q passes the filter, with latency as its
// latency threshold (none when 0).
func (f *filter) matches(q *request, latency time.Duration) bool {
	if len(f.prefixes) > 0 && !hasAnyPrefix(q.path, f.prefixes) {
		return false
	}
	if f.regex != nil && !f.regex.MatchString(q.path) {
		return false
	}
	if len(f.methods) > 0 && !equalsAnyFold(q.method, f.methods) {
		return false
	}
	if len(f.statuses) > 0 && !inAnyRange(q.status, f.statuses) {
		return false
	}
	if latency > 0 && q.latency > latency {
		return false
	}
	for _, l := range f.labels {
		if q.label(l.name) != l.value {
			return false
		}
	}
	return true
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func equalsAnyFold(s string, list []string) bool {
	for _, x := range list {
		if s == x || strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}

func inAnyRange(code int, ranges []slo.StatusRange) bool {
	for _, r := range ranges {
		if code >= r.Low && code <= r.High {
			return true
		}
	}
	return false
}
