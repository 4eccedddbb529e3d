package grafana

import (
	"fmt"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
)

// Flavour says which series a dashboard reads.
type Flavour string

const (
	// Rules reads the recording rules of slo rules (slo:sli:ratio, ...).
	Rules Flavour = "rules"
	// Serve reads the /metrics of slo serve (slo_sli_ratio, ...).
	Serve Flavour = "serve"
)

// ParseFlavour reads a flavour name.
func ParseFlavour(s string) (Flavour, error) {
	switch f := Flavour(s); f {
	case Rules, Serve:
		return f, nil
	}
	return "", fmt.Errorf("unknown flavour %q: use rules or serve", s)
}

// seedWindows are the burn-rate windows of the seed's dashboard.
var seedWindows = []time.Duration{time.Hour, 6 * time.Hour, slo.Day}

// source is what a flavour reads: every figure the panels show, as PromQL
// over the SLOs the dashboard's variables pick.
type source interface {
	// varMetric is the series whose labels list the services and SLOs.
	varMetric() string
	sli() parser.Expr
	objective() parser.Expr
	budgetRemaining() parser.Expr
	budgetMinutes() parser.Expr
	burnRate(w time.Duration) parser.Expr
	// valid and bad count events over the SLO window.
	valid() parser.Expr
	bad() parser.Expr
	// burnWindows are the burn-rate panel's windows, with a sentence for
	// its description when they are not the seed's.
	burnWindows() ([]time.Duration, string)
}

// serve reads slo serve's /metrics (internal/api/metrics.go). The engine
// evaluates engine.StandardWindows for every objective, so 1h, 6h and 1d
// are always there; window labels are written by slo.FormatDuration.
type serve struct{}

func (serve) varMetric() string            { return "slo_objective_ratio" }
func (serve) sli() parser.Expr             { return selector("slo_sli_ratio") }
func (serve) objective() parser.Expr       { return selector("slo_objective_ratio") }
func (serve) budgetRemaining() parser.Expr { return selector("slo_error_budget_remaining_ratio") }
func (serve) budgetMinutes() parser.Expr   { return selector("slo_error_budget_remaining_minutes") }
func (serve) valid() parser.Expr           { return selector("slo_window_valid_events") }

func (serve) bad() parser.Expr {
	return promsli.Binary(parser.SUB, selector("slo_window_valid_events"), selector("slo_window_good_events"))
}

func (serve) burnRate(w time.Duration) parser.Expr {
	return selector("slo_burn_rate", equal("window", slo.FormatDuration(w)))
}

func (serve) burnWindows() ([]time.Duration, string) { return seedWindows, "" }
