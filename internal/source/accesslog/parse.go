package accesslog

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// The formats a log can be read in.
const (
	Combined = "combined"
	JSON     = "json"
)

// combinedFields are the fields of a combined line that SLIs can name, as
// labels or as the customer field: the rest (time, request, status,
// request time) are the event's own fields.
var combinedFields = []string{"remote_addr", "remote_user", "protocol", "referer", "user_agent"}

// Parser reads one log line into an event. It keeps scratch state between
// lines, so each goroutine needs its own. The strings of the event may
// point into the line: they are valid only while the line's bytes are
// unchanged.
type Parser struct {
	format string
	// customer names the field the customer id is read from, "" for none.
	customer string
	// labels are the label names the SLI's filters test: only those are
	// read, so that a line costs no map when filters test none.
	labels []string
	// needLatency is set when a filter tests the latency: a line without a
	// request time would then pass it whatever the request took.
	needLatency bool
	clf         clfTime
	rfc         rfcTime
}

// NewParser returns a parser of format (combined or json) for the SLI s:
// it reads the customer from s.CustomerField and the labels s's filters
// test. It fails when s names a field the format does not have.
func NewParser(format string, s *slo.EventSLI) (*Parser, error) {
	p := &Parser{format: format, customer: s.CustomerField}
	matches := append([]slo.Match{s.Valid, s.Good}, s.Exclude...)
	for _, m := range matches {
		for name := range m.Labels {
			if !slices.Contains(p.labels, name) {
				p.labels = append(p.labels, name)
			}
		}
		if m.LatencyBelow > 0 {
			p.needLatency = true
		}
	}
	slices.Sort(p.labels)
	switch format {
	case Combined:
		if p.customer != "" && !slices.Contains(combinedFields, p.customer) {
			return nil, fmt.Errorf("customer_field %q: a combined line has no such field; it has %s", p.customer, strings.Join(combinedFields, ", "))
		}
		for _, l := range p.labels {
			if !slices.Contains(combinedFields, l) {
				return nil, fmt.Errorf("label %q: a combined line has no such field; it has %s", l, strings.Join(combinedFields, ", "))
			}
		}
	case JSON:
	default:
		return nil, fmt.Errorf("unknown access log format %q: want combined or json", format)
	}
	return p, nil
}

// NeedsLatency tells the source that a tier's latency threshold tests
// the latency, though the SLI's own filters do not.
func (p *Parser) NeedsLatency() { p.needLatency = true }

// Parse reads line, without its newline, into e. It returns an error
// saying what is wrong with the line; e is then left in an unknown state.
func (p *Parser) Parse(line []byte, e *slo.Event) error {
	*e = slo.Event{}
	var err error
	if p.format == JSON {
		err = p.json(line, e)
	} else {
		err = p.combined(line, e)
	}
	if err != nil {
		return err
	}
	if len(e.Customer) > slo.MaxCustomer {
		return fmt.Errorf("customer %q...: %d bytes long, more than %d", e.Customer[:32], len(e.Customer), slo.MaxCustomer)
	}
	return nil
}

// wants reports whether the label name is tested by a filter.
func (p *Parser) wants(name string) bool {
	for _, l := range p.labels {
		if l == name {
			return true
		}
	}
	return false
}

// setLabel records a label the filters test.
func (p *Parser) setLabel(e *slo.Event, name, value string) {
	if value == "" || !p.wants(name) {
		return // a missing label reads as "", as it does for pushed events
	}
	if e.Labels == nil {
		e.Labels = make(map[string]string, len(p.labels))
	}
	e.Labels[name] = value
}

// requestLine splits "GET /path?q HTTP/1.1" into method, path and
// protocol. Anything that is not three fields keeps what it can: a server
// logs garbage requests too (a TLS handshake on a plain port, answered 400),
// and those are still requests it answered.
func requestLine(r string) (method, path, proto string) {
	method, rest, _ := strings.Cut(r, " ")
	path, proto, _ = strings.Cut(rest, " ")
	if r == "-" {
		method = ""
	}
	return method, cleanPath(path), proto
}

// cleanPath drops the query string and, from an absolute URL, the scheme
// and host: filters match the path alone.
func cleanPath(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		rest := p[strings.Index(p, "//")+2:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return rest[i:]
		}
		return "/"
	}
	return p
}

// maxLatency keeps latencies within a time.Duration, with room to spare.
const maxLatency = 1000 * time.Hour

var errLatencyForm = errors.New("want seconds with a decimal point (0.125), whole microseconds (125000) or a duration with its unit (125ms)")

// requestTime reads a request time as web servers write it: seconds with
// a decimal point (nginx's $request_time, 0.125), whole microseconds
// (Apache's %D, 125000), or a number with a unit (125ms, 1.5s, 250us).
// "-" is no request time: ok is false.
func requestTime(s string) (d time.Duration, ok bool, err error) {
	if s == "-" || s == "" {
		return 0, false, nil
	}
	last := s[len(s)-1]
	switch {
	case last >= 'a' && last <= 'z' || strings.HasSuffix(s, "µs"):
		d, err = time.ParseDuration(s)
		if err != nil {
			return 0, false, fmt.Errorf("request time %q: %w", s, errLatencyForm)
		}
	case strings.IndexByte(s, '.') >= 0:
		d, err = seconds(s)
		if err != nil {
			return 0, false, fmt.Errorf("request time %q: %w", s, errLatencyForm)
		}
	default:
		us, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || us > int64(maxLatency/time.Microsecond) {
			return 0, false, fmt.Errorf("request time %q: %w", s, errLatencyForm)
		}
		d = time.Duration(us) * time.Microsecond
	}
	if d < 0 || d > maxLatency {
		return 0, false, fmt.Errorf("request time %q: out of range", s)
	}
	return d, true, nil
}

// seconds reads a decimal number of seconds, such as 0.125.
func seconds(s string) (time.Duration, error) {
	// The common case, a few digits either side of the point, exactly and
	// without strconv: 0.125 is 125ms, not 124.999999ms.
	whole, frac, _ := strings.Cut(s, ".")
	if len(whole) > 0 && len(whole) <= 6 && len(frac) > 0 && len(frac) <= 9 {
		w, ok1 := atoi(whole)
		f, ok2 := atoi(frac)
		if ok1 && ok2 {
			for range 9 - len(frac) {
				f *= 10
			}
			return time.Duration(w)*time.Second + time.Duration(f), nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > maxLatency.Seconds() {
		return 0, errLatencyForm
	}
	return time.Duration(v * float64(time.Second)), nil
}

// atoi reads a short run of decimal digits.
func atoi(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// status reads an HTTP status code.
func status(s string) (int, error) {
	n, ok := atoi(s)
	if !ok || len(s) != 3 || n < 100 || n > 599 {
		return 0, fmt.Errorf("status %q is not an HTTP status: want 100 to 599", s)
	}
	return int(n), nil
}
