package slo

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SourceKind names where an SLI's events come from.
type SourceKind string

// The source kinds an SLI can read.
const (
	SourcePrometheus SourceKind = "prometheus"
	SourceEvents     SourceKind = "events"
	SourceAccessLog  SourceKind = "accesslog"
)

// SLI is good events over valid events, from exactly one source.
type SLI struct {
	Kind       SourceKind
	Prometheus *PromSLI
	// Events classifies request events; it serves both the events and the
	// accesslog kinds, which differ only in where the requests come from.
	Events *EventSLI
}

// PromSLI reads counts from PromQL: good and total, bad and total, or a
// latency histogram with a threshold. Queries may use {{.window}} where the
// range goes, as Sloth specs do.
type PromSLI struct {
	Good  string
	Bad   string
	Total string
	// Histogram, when set, replaces the three queries.
	Histogram *Histogram
	// CustomerLabel names the label that carries the customer id, for SLIs
	// measured per customer.
	CustomerLabel string
}

// Histogram is a Prometheus latency histogram: good events are observations
// at or below Threshold (an existing le bucket), valid ones are all of them.
type Histogram struct {
	// Metric is the histogram's base name, without _bucket or _count.
	Metric string
	// Selector holds label matchers, without braces: job="api",code!~"5..".
	Selector string
	// Threshold is the bucket bound, in the histogram's unit (seconds, usually).
	Threshold float64
}

// AccessLog says where an accesslog SLI reads its lines and how to parse them.
type AccessLog struct {
	Path string
	// Format is combined (NCSA combined with the request time appended) or json.
	Format string
}

// EventSLI classifies request events: an event is valid when it matches
// Valid and no Exclude; a valid event is good when it also matches Good.
type EventSLI struct {
	// Stream names the pushed event stream (events kind).
	Stream string
	// Log is set for the accesslog kind.
	Log     *AccessLog
	Valid   Match
	Exclude []Match
	Good    Match
	// CustomerField names where the customer id is: "customer" for pushed
	// events, a JSON field or label for logs. Empty when not per customer.
	CustomerField string
}

// Event is one request, as pushed or read from a log.
type Event struct {
	Stream   string
	Time     time.Time
	Path     string
	Method   string
	Status   int
	Latency  time.Duration
	Customer string
	Labels   map[string]string
}

// Class is what an event counts as for one SLI.
type Class int

// The classes of an event.
const (
	// Ignored events are not valid: they count neither way.
	Ignored Class = iota
	Good
	Bad
)

// Classify tells whether e is ignored, good or bad for the SLI.
func (s *EventSLI) Classify(e *Event) Class {
	return s.ClassifyWithin(e, 0)
}

// ClassifyWithin is Classify with the good filter's latency threshold
// replaced by latency, when latency is not zero (a customer tier's own
// threshold).
func (s *EventSLI) ClassifyWithin(e *Event, latency time.Duration) Class {
	if !s.Valid.Matches(e) {
		return Ignored
	}
	for i := range s.Exclude {
		if s.Exclude[i].Matches(e) {
			return Ignored
		}
	}
	good := s.Good
	if latency > 0 {
		good.LatencyBelow = latency
	}
	if good.Matches(e) {
		return Good
	}
	return Bad
}

// Match is a filter over request events. Every field that is set must hold;
// within a list field any one entry is enough. The zero Match matches all.
type Match struct {
	PathPrefixes []string
	PathRegex    *regexp.Regexp
	Methods      []string
	Statuses     []StatusRange
	// LatencyBelow, when set, requires a latency at or below it.
	LatencyBelow time.Duration
	// Labels must each be present on the event with the same value.
	Labels map[string]string
}

// StatusRange is an inclusive range of HTTP status codes: 2xx is 200-299.
type StatusRange struct{ Low, High int }

// String writes the range as a spec does: 404, 2xx or 500-504.
func (r StatusRange) String() string {
	switch {
	case r.Low == r.High:
		return strconv.Itoa(r.Low)
	case r.Low%100 == 0 && r.High == r.Low+99:
		return strconv.Itoa(r.Low/100) + "xx"
	default:
		return strconv.Itoa(r.Low) + "-" + strconv.Itoa(r.High)
	}
}

// Matches reports whether e passes every condition of m.
func (m *Match) Matches(e *Event) bool {
	if len(m.PathPrefixes) > 0 && !anyPrefix(e.Path, m.PathPrefixes) {
		return false
	}
	if m.PathRegex != nil && !m.PathRegex.MatchString(e.Path) {
		return false
	}
	if len(m.Methods) > 0 && !anyFold(e.Method, m.Methods) {
		return false
	}
	if len(m.Statuses) > 0 && !anyStatus(e.Status, m.Statuses) {
		return false
	}
	if m.LatencyBelow > 0 && e.Latency > m.LatencyBelow {
		return false
	}
	for k, v := range m.Labels {
		if e.Labels[k] != v {
			return false
		}
	}
	return true
}

func anyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func anyFold(s string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}

func anyStatus(code int, ranges []StatusRange) bool {
	for _, r := range ranges {
		if code >= r.Low && code <= r.High {
			return true
		}
	}
	return false
}
