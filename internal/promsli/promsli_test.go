package promsli

import (
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestForWritesIncreasesAndFallsBackWhenTheBadSeriesAreMissing(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sli        slo.PromSLI
		valid, bad string
	}{
		{
			name:  "bad and total in Sloth's form",
			sli:   slo.PromSLI{Bad: `sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`, Total: `sum(rate(http_requests_total[{{ .window }}]))`},
			valid: `sum(increase(http_requests_total[5m]))`,
			bad:   `sum(increase(http_requests_total{code=~"5.."}[5m])) or (sum(increase(http_requests_total[5m])) * 0)`,
		},
		{
			name:  "good and total",
			sli:   slo.PromSLI{Good: `sum(increase(ok_total[{{.window}}]))`, Total: `sum(increase(all_total[{{.window}}]))`},
			valid: `sum(increase(all_total[5m]))`,
			bad:   `sum(increase(all_total[5m])) - (sum(increase(ok_total[5m])) or (sum(increase(all_total[5m])) * 0))`,
		},
		{
			name:  "histogram with an integer threshold",
			sli:   slo.PromSLI{Histogram: &slo.Histogram{Metric: "req_seconds", Selector: `job="api"`, Threshold: 1}},
			valid: `sum(increase(req_seconds_count{job="api"}[5m]))`,
			bad:   `sum(increase(req_seconds_count{job="api"}[5m])) - sum(increase(req_seconds_bucket{job="api",le=~"1|1\\.0"}[5m]))`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := For(&tc.sli, 5*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Valid.String(); got != tc.valid {
				t.Errorf("valid:\n got %s\nwant %s", got, tc.valid)
			}
			if got := q.Bad.String(); got != tc.bad {
				t.Errorf("bad:\n got %s\nwant %s", got, tc.bad)
			}
			if _, err := promql.ParseExpr(q.Bad.String()); err != nil {
				t.Errorf("bad does not parse back: %v", err)
			}
		})
	}
}

func TestForRefusesIrate(t *testing.T) {
	_, err := For(&slo.PromSLI{Bad: `sum(irate(x[{{.window}}]))`, Total: `sum(rate(y[{{.window}}]))`}, time.Minute)
	if err == nil {
		t.Fatal("irate accepted")
	}
}
