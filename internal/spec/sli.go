package spec

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/slo"
)

var promql = parser.NewParser(parser.Options{})

// windowVar is where a query's range goes, as Sloth writes it.
var windowVar = regexp.MustCompile(`\{\{\s*\.window\s*\}\}`)

// FillWindow puts a range into a query's {{.window}} placeholders.
func FillWindow(query, window string) string {
	return windowVar.ReplaceAllLiteralString(query, window)
}

func (d *decoder) sli(path string, s *SLI) slo.SLI {
	n := 0
	for _, set := range []bool{s.Prometheus != nil, s.Events != nil, s.AccessLog != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		d.errorf(path, "give exactly one of prometheus, events, accesslog", "an SLI needs exactly one source, found %d", n)
		return slo.SLI{}
	}
	switch {
	case s.Prometheus != nil:
		return slo.SLI{Kind: slo.SourcePrometheus, Prometheus: d.promSLI(join(path, "prometheus"), s.Prometheus)}
	case s.Events != nil:
		p := join(path, "events")
		if s.Events.Stream == "" {
			d.errorf(join(p, "stream"), "the stream name clients push events under", "an events SLI needs a stream")
		}
		if s.Events.Path != "" || s.Events.Format != "" {
			d.errorf(p, "use accesslog for log files", "path and format belong to an accesslog SLI")
		}
		return slo.SLI{Kind: slo.SourceEvents, Events: d.eventSLI(p, s.Events)}
	default:
		p := join(path, "accesslog")
		if s.AccessLog.Path == "" {
			d.errorf(join(p, "path"), "the access log file to read", "an accesslog SLI needs a path")
		}
		if s.AccessLog.Stream != "" {
			d.errorf(join(p, "stream"), "use events for pushed streams", "stream belongs to an events SLI")
		}
		format := s.AccessLog.Format
		if format == "" {
			format = "combined"
		}
		if format != "combined" && format != "json" {
			d.errorf(join(p, "format"), "combined or json", "unknown access log format %q", format)
		}
		e := d.eventSLI(p, s.AccessLog)
		e.Log = &slo.AccessLog{Path: s.AccessLog.Path, Format: format}
		return slo.SLI{Kind: slo.SourceAccessLog, Events: e}
	}
}

func (d *decoder) promSLI(path string, p *PromSLI) *slo.PromSLI {
	out := &slo.PromSLI{Good: p.Good, Bad: p.Bad, Total: p.Total, CustomerLabel: p.CustomerLabel}
	if p.Histogram != nil {
		if p.Good != "" || p.Bad != "" || p.Total != "" {
			d.errorf(path, "a histogram SLI derives good and total itself", "give either histogram or good/bad with total, not both")
		}
		h := p.Histogram
		hp := join(path, "histogram")
		out.Histogram = &slo.Histogram{Metric: h.Metric, Selector: h.Selector}
		if h.Metric == "" {
			d.errorf(join(hp, "metric"), "the base name, without _bucket", "a histogram SLI needs a metric")
		} else if _, err := promql.ParseExpr(h.Metric + "_bucket"); err != nil || strings.ContainsAny(h.Metric, "{}[]()") {
			d.errorf(join(hp, "metric"), "", "%q is not a metric name", h.Metric)
		}
		if h.Selector != "" {
			if _, err := promql.ParseMetricSelector("{" + h.Selector + "}"); err != nil {
				d.errorf(join(hp, "selector"), `label matchers without braces, such as job="api",code!~"5.."`, "selector does not parse: %v", err)
			}
		}
		if h.Threshold == nil || *h.Threshold <= 0 {
			d.errorf(join(hp, "threshold"), "an le bucket bound in the histogram's unit, such as 0.5", "a histogram SLI needs a threshold above 0")
		} else {
			out.Histogram.Threshold = *h.Threshold
		}
		return out
	}
	switch {
	case p.Total == "":
		d.errorf(join(path, "total"), "total counts every valid event", "a prometheus SLI needs total with good or bad, or a histogram")
	case (p.Good == "") == (p.Bad == ""):
		d.errorf(path, "good counts good events, bad counts bad ones", "give exactly one of good and bad")
	}
	for _, q := range []struct{ field, text string }{{"good", p.Good}, {"bad", p.Bad}, {"total", p.Total}} {
		if q.text != "" {
			d.query(join(path, q.field), q.text)
		}
	}
	return out
}

// query checks a good, bad or total query: it must parse as PromQL once its
// {{.window}} is filled in, and give a number per series (an instant vector)
// or a single number (a scalar), which slo can divide. A query without
// {{.window}} is only a warning: it works, but reads the same range for every
// window.
func (d *decoder) query(path, q string) {
	expr, err := promql.ParseExpr(FillWindow(q, "5m"))
	if err != nil {
		d.errorf(path, "the query must parse as PromQL once {{.window}} is replaced by a range", "PromQL does not parse: %v", err)
		return
	}
	if t := expr.Type(); t != parser.ValueTypeVector && t != parser.ValueTypeScalar {
		d.errorf(path, "wrap it in sum(rate(...)) or sum(increase(...)), as sum(rate(x[{{.window}}]))",
			"the query gives a %s, not a count of events: it must give an instant vector or a scalar", parser.DocumentedType(t))
		return
	}
	if !windowVar.MatchString(q) {
		d.warnf(path, "put {{.window}} where the range goes, as sum(rate(x[{{.window}}]))",
			"the query has no {{.window}}: its range is fixed, so the same count is used for every alert window and for the SLO window")
	}
}

func (d *decoder) eventSLI(path string, e *EventSLI) *slo.EventSLI {
	out := &slo.EventSLI{
		Stream:        e.Stream,
		Valid:         d.match(join(path, "valid"), &e.Valid),
		Good:          d.match(join(path, "good"), &e.Good),
		CustomerField: e.CustomerField,
	}
	for i := range e.Exclude {
		out.Exclude = append(out.Exclude, d.match(index(join(path, "exclude"), i), &e.Exclude[i]))
	}
	return out
}

var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}

func (d *decoder) match(path string, m *Match) slo.Match {
	out := slo.Match{PathPrefixes: m.PathPrefix, Methods: m.Method, LatencyBelow: time.Duration(m.LatencyBelow), Labels: m.Labels}
	if m.PathRegex != "" {
		re, err := regexp.Compile(m.PathRegex)
		if err != nil {
			d.errorf(join(path, "path_regex"), "Go regular expression syntax (RE2)", "regex does not compile: %v", err)
		} else {
			out.PathRegex = re
		}
	}
	for i, method := range m.Method {
		if !contains(methods, strings.ToUpper(method)) {
			d.errorf(index(join(path, "method"), i), "one of "+strings.Join(methods, ", "), "unknown HTTP method %q", method)
		}
	}
	for i, s := range m.Status {
		r, ok := parseStatus(s)
		if !ok {
			d.errorf(index(join(path, "status"), i), "a class (2xx), a code (404) or a range (500-599)", "%q is not a status", s)
			continue
		}
		out.Statuses = append(out.Statuses, r)
	}
	return out
}

// parseStatus reads 2xx, 404 or 500-599.
func parseStatus(s string) (slo.StatusRange, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5' {
		c := int(s[0]-'0') * 100
		return slo.StatusRange{Low: c, High: c + 99}, true
	}
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || l < 100 || h > 599 || l > h {
		return slo.StatusRange{}, false
	}
	return slo.StatusRange{Low: l, High: h}, true
}
