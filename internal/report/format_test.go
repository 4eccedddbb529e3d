package report

import (
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestPercent(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"the seed's dependency ceiling shows two decimals", 99.830081, "99.83"},
		{"trailing zeros go", 99.9, "99.9"},
		{"a whole percent has no decimals", 99, "99"},
		{"a figure two decimals would round to 100 keeps its digits", 99.99999, "99.99999"},
		{"four nines stay four nines", 99.99, "99.99"},
		{"99.999 keeps three decimals rather than show 100", 99.999, "99.999"},
		{"100 is 100", 100, "100"},
		{"0 is 0", 0, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percent(tt.in); got != tt.want {
				t.Errorf("percent(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNum(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"float noise in 43.2 minutes is hidden", 43.199999999999996, "43.2"},
		{"noise above the figure is hidden too", 0.30000000000000004, "0.3"},
		{"a burn rate keeps its decimal", 14.4, "14.4"},
		{"99.999 stays 99.999", 99.999, "99.999"},
		{"a whole number has no point", 2592000, "2592000"},
		{"a tiny ratio is not rounded away", 0.0001, "0.0001"},
		{"zero is 0", 0, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := num(tt.in); got != tt.want {
				t.Errorf("num(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTrim(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"two decimals stay", 51.84, "51.84"},
		{"a third decimal goes", 5.184, "5.18"},
		{"trailing zeros go", 2.5, "2.5"},
		{"a whole number has no point", 30, "30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trim(tt.in); got != tt.want {
				t.Errorf("trim(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHuman(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{"the page tier's detection at 100% errors is 51.84s", 51840 * time.Millisecond, "51.84s"},
		{"its detection at 10% errors, 518.4s, is 8.64m", 518400 * time.Millisecond, "8.64m"},
		{"the business hours tier at 1% errors, 12960s, is 3.6h", 12960 * time.Second, "3.6h"},
		{"a burn rate of 1 lasts 30d", 30 * slo.Day, "30d"},
		{"a minute is 1m, not 60s", time.Minute, "1m"},
		{"an hour is 1h, not 60m", time.Hour, "1h"},
		{"36 hours stay hours", 36 * time.Hour, "36h"},
		{"two days are 2d", 2 * slo.Day, "2d"},
		{"a full budget at 1000x, 43m12s, is 43.2m", 43*time.Minute + 12*time.Second, "43.2m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Human(tt.in); got != tt.want {
				t.Errorf("Human(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// seedSLI is the seed's SLI specification template: good events are 2xx or
// 4xx within 200ms; valid ones are requests to /api/, except health checks
// and internal service-to-service calls.
func seedSLI(kind slo.SourceKind) slo.SLI {
	e := &slo.EventSLI{
		Stream: "api",
		Valid:  slo.Match{PathPrefixes: []string{"/api/"}},
		Exclude: []slo.Match{
			{PathPrefixes: []string{"/api/health"}},
			{Labels: map[string]string{"caller": "internal"}},
		},
		Good: slo.Match{
			Statuses:     []slo.StatusRange{{Low: 200, High: 299}, {Low: 400, High: 499}},
			LatencyBelow: 200 * time.Millisecond,
		},
	}
	if kind == slo.SourceAccessLog {
		e.Stream = ""
		e.Log = &slo.AccessLog{Path: "/var/log/lb/access.log", Format: "combined"}
	}
	return slo.SLI{Kind: kind, Events: e}
}

func TestMeasurement(t *testing.T) {
	tests := []struct {
		name string
		sli  slo.SLI
		has  []string
	}{
		{"the seed's template over pushed events", seedSLI(slo.SourceEvents), []string{
			"pushed events of stream `api`",
			"valid: path starting `/api/`, except path starting `/api/health`, except caller=\"internal\"",
			"good: status 2xx or 4xx and within 200ms",
		}},
		{"the seed's template over the load balancer's log", seedSLI(slo.SourceAccessLog), []string{
			"access log `/var/log/lb/access.log` (combined format)",
			"; valid: path starting `/api/`, except",
			"; good: status 2xx or 4xx and within 200ms",
		}},
		{"an events SLI without filters counts every request", slo.SLI{Kind: slo.SourceEvents, Events: &slo.EventSLI{Stream: "delivery"}}, []string{
			"valid: all requests", "good: every valid request",
		}},
		{"a good over total PromQL SLI names both queries", slo.SLI{Kind: slo.SourcePrometheus, Prometheus: &slo.PromSLI{Good: "sum(good)", Total: "sum(total)"}}, []string{
			"good events `sum(good)` over valid events `sum(total)`",
		}},
		{"a bad over total PromQL SLI says bad", slo.SLI{Kind: slo.SourcePrometheus, Prometheus: &slo.PromSLI{Bad: "sum(bad)", Total: "sum(total)"}}, []string{
			"bad events `sum(bad)` over valid events `sum(total)`",
		}},
		{"a histogram SLI gives its bucket", slo.SLI{Kind: slo.SourcePrometheus, Prometheus: &slo.PromSLI{Histogram: &slo.Histogram{
			Metric: "http_request_duration_seconds", Selector: `job="api"`, Threshold: 0.2}}}, []string{
			"histogram `http_request_duration_seconds{job=\"api\"}`", "at or below 0.2",
		}},
		{"an SLI with no source says so", slo.SLI{}, []string{"not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Measurement(tt.sli)
			for _, s := range tt.has {
				if !strings.Contains(got, s) {
					t.Errorf("Measurement = %q, lacks %q", got, s)
				}
			}
		})
	}
}

func TestMatchPhrase(t *testing.T) {
	seed := seedSLI(slo.SourceEvents).Events
	tests := []struct {
		name string
		m    slo.Match
		want string
	}{
		{"the seed's good events", seed.Good, "status 2xx or 4xx and within 200ms"},
		{"the seed's valid events", seed.Valid, "path starting `/api/`"},
		{"the seed's internal calls", seed.Exclude[1], `caller="internal"`},
		{"the zero match says nothing", slo.Match{}, ""},
		{"a single status is itself", slo.Match{Statuses: []slo.StatusRange{{Low: 503, High: 503}}}, "status 503"},
		{"a partial range is written out", slo.Match{Statuses: []slo.StatusRange{{Low: 500, High: 504}}}, "status 500-504"},
		{"methods and paths join with and", slo.Match{PathPrefixes: []string{"/a", "/b"}, Methods: []string{"POST", "PUT"}},
			"path starting `/a` or `/b` and method POST or PUT"},
		{"labels come in name order", slo.Match{Labels: map[string]string{"zone": "eu", "caller": "internal"}},
			`caller="internal" and zone="eu"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchPhrase(tt.m); got != tt.want {
				t.Errorf("MatchPhrase = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestACeilingIsWrittenAsTheProductItIs(t *testing.T) {
	cases := []struct {
		name    string
		factors []FactorFigure
		want    string
	}{
		{"the seed's chain multiplies down each branch", []FactorFigure{
			{Path: "database", AvailabilityPercent: 99.99}, {Path: "database/storage", AvailabilityPercent: 99.99},
			{Path: "payment-provider", AvailabilityPercent: 99.95}, {Path: "payment-provider/bank-api", AvailabilityPercent: 99.9},
		}, "database 99.99% x storage 99.99% x payment-provider 99.95% x bank-api 99.9%"},
		{"redundant members are alternatives, each with its own chain", []FactorFigure{
			{Path: "pay-a", AvailabilityPercent: 99.9, Group: "payments"}, {Path: "pay-a/bank-a", AvailabilityPercent: 99.9},
			{Path: "db", AvailabilityPercent: 99.99},
			{Path: "pay-b", AvailabilityPercent: 99.9, Group: "payments"}, {Path: "pay-b/bank-b", AvailabilityPercent: 99.9},
		}, "((pay-a 99.9% x bank-a 99.9%) or (pay-b 99.9% x bank-b 99.9%): redundant group payments) x db 99.99%"},
		{"a group name under another parent is another group", []FactorFigure{
			{Path: "db", AvailabilityPercent: 99.99, Group: "g"}, {Path: "db/disk-a", AvailabilityPercent: 99, Group: "g"},
			{Path: "db/disk-b", AvailabilityPercent: 99, Group: "g"}, {Path: "cache", AvailabilityPercent: 99.9, Group: "g"},
		}, "((db 99.99% x (disk-a 99% or disk-b 99%: redundant group g)) or cache 99.9%: redundant group g)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := factorList(&CeilingFigures{Factors: c.factors}); got != c.want {
				t.Errorf("factorList =\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}
