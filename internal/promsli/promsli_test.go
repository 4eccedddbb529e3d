package promsli

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

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
			bad:   `sum(increase(http_requests_total{code=~"5.."}[5m])) or sum(increase(http_requests_total[5m])) * 0`,
		},
		{
			name:  "good and total",
			sli:   slo.PromSLI{Good: `sum(increase(ok_total[{{.window}}]))`, Total: `sum(increase(all_total[{{.window}}]))`},
			valid: `sum(increase(all_total[5m]))`,
			bad:   `sum(increase(all_total[5m])) - (sum(increase(ok_total[5m])) or sum(increase(all_total[5m])) * 0)`,
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
			back, err := promql.ParseExpr(q.Bad.String())
			if err != nil {
				t.Fatalf("bad does not parse back: %v", err)
			}
			if back.String() != q.Bad.String() {
				t.Errorf("bad parses back as %s", back)
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

func TestBinaryAddsParenthesesOnlyWherePrecedenceNeedsThem(t *testing.T) {
	a, b, c := &parser.VectorSelector{Name: "a"}, &parser.VectorSelector{Name: "b"}, &parser.VectorSelector{Name: "c"}
	for _, tc := range []struct {
		expr parser.Expr
		want string
	}{
		{Binary(parser.DIV, Binary(parser.SUB, a, b), c), "(a - b) / c"},
		{Binary(parser.SUB, a, Binary(parser.DIV, b, c)), "a - b / c"},
		{Binary(parser.SUB, a, Binary(parser.SUB, b, c)), "a - (b - c)"},
		{Binary(parser.SUB, Binary(parser.SUB, a, b), c), "a - b - c"},
		{Binary(parser.LAND, Binary(parser.GTE, a, b), Binary(parser.GTE, b, c)), "a >= b and b >= c"},
		{Binary(parser.POW, a, Binary(parser.POW, b, c)), "a ^ b ^ c"},
		{Binary(parser.POW, Binary(parser.POW, a, b), c), "(a ^ b) ^ c"},
	} {
		got := tc.expr.String()
		if got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
		back, err := promql.ParseExpr(got)
		if err != nil || back.String() != got {
			t.Errorf("%s parses back as %v (%v)", got, back, err)
		}
	}
}
