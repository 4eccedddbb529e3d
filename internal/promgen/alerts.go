package promgen

import (
	"fmt"
	"maps"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
)

// The alertnames, the same as slo serve's, so that one Alertmanager route
// serves both ways of running.
const (
	BurnRateAlert = "SLOBurnRate"
	BudgetAlert   = "SLOErrorBudget"
)

// alerts writes one alert per tier and one per budget alert.
func (b builder) alerts() []Rule {
	a := b.o.Alerting
	if a.Disabled {
		return nil
	}
	var out []Rule
	for _, t := range a.Tiers {
		out = append(out, b.tierAlert(t))
	}
	for _, ba := range a.BudgetAlerts {
		if r, ok := b.budgetAlert(ba); ok {
			out = append(out, r)
		}
	}
	return out
}

// burn is the burn rate over w: the error ratio over the budget.
func (b builder) burn(w time.Duration) parser.Expr {
	return promsli.Binary(parser.DIV, b.sel(ErrorRatio(w)), num(round(b.o.BudgetRatio())))
}

// tierAlert fires while the burn rate over both windows is at or above the
// tier's, and the long window holds the low-traffic guard's valid events.
// Its value is the long window's burn rate.
func (b builder) tierAlert(t slo.AlertTier) Rule {
	threshold := round(t.BurnRate)
	expr := promsli.Binary(parser.GTE, b.burn(t.Long), num(threshold))
	if t.Short > 0 {
		expr = promsli.Binary(parser.LAND, expr, promsli.Binary(parser.GTE, b.burn(t.Short), num(threshold)))
	}
	if t.MinValid > 0 {
		expr = promsli.Binary(parser.LAND, expr, promsli.Binary(parser.GTE, b.sel(Valid(t.Long)), num(t.MinValid)))
	}
	own := map[string]string{"tier": t.Name, "long_window": slo.FormatDuration(t.Long)}
	if t.Short > 0 {
		own["short_window"] = slo.FormatDuration(t.Short)
	}
	l := b.alertLabels(t.Labels, own, t.Severity)
	ann := b.annotations()
	maps.Copy(ann, t.Annotations)
	ann["summary"], ann["description"] = describeTier(b.o, t)
	return Rule{Alert: BurnRateAlert, Expr: expr.String(), For: promDuration(t.For), KeepFiringFor: promDuration(t.KeepFiringFor), Labels: l, Annotations: ann}
}

// budgetAlert fires while the budget left over the SLO window is at or past
// the alert's status: at or below the Above of every healthier status. A
// status no healthier one bounds (the policy's first) would always hold,
// so it gives no alert.
func (b builder) budgetAlert(ba slo.BudgetAlert) (Rule, bool) {
	limit := b.budgetLimit(ba)
	if math.IsInf(limit, 1) {
		return Rule{}, false
	}
	expr := promsli.Binary(parser.LTE, b.sel(BudgetRemaining), num(round(limit)))
	l := b.alertLabels(nil, map[string]string{"budget_status": ba.Status.String()}, ba.Severity)
	ann := b.annotations()
	ann["summary"] = fmt.Sprintf("%s error budget is %s", b.o.Key(), ba.Status)
	ann["description"] = fmt.Sprintf("%s%% or less of the %s error budget is left: the budget policy's %s status applies.",
		strconv.FormatFloat(100*round(limit), 'g', -1, 64), slo.FormatDuration(window(b.o)), ba.Status)
	return Rule{Alert: BudgetAlert, Expr: expr.String(), Labels: l, Annotations: ann}, true
}

// budgetLimit is the budget left at or below which ba's status applies;
// +Inf when every budget left does.
func (b builder) budgetLimit(ba slo.BudgetAlert) float64 {
	limit := math.Inf(1)
	for _, r := range b.o.Policy.Rules {
		if r.Status < ba.Status {
			limit = math.Min(limit, r.Above)
		}
	}
	return round(limit)
}

// alertLabels are an alert's labels: the spec's for every alert of the
// objective, then extra (a tier's), then the ones that identify the alert,
// which the spec cannot override, as slo serve's.
func (b builder) alertLabels(extra, own map[string]string, severity string) map[string]string {
	l := map[string]string{}
	maps.Copy(l, b.o.Alerting.Labels)
	maps.Copy(l, extra)
	maps.Copy(l, own)
	maps.Copy(l, b.ident())
	l["severity"] = severity
	return l
}

func (b builder) annotations() map[string]string {
	ann := map[string]string{}
	maps.Copy(ann, b.o.Alerting.Annotations)
	if b.o.Alerting.RunbookURL != "" {
		ann["runbook_url"] = b.o.Alerting.RunbookURL
	}
	return ann
}

// describeTier writes a tier alert's summary and description. They are
// fixed text, without $value, so that promtool unit tests can expect them.
func describeTier(o *slo.Objective, t slo.AlertTier) (summary, description string) {
	burn := strconv.FormatFloat(round(t.BurnRate), 'g', -1, 64)
	summary = fmt.Sprintf("%s is burning its error budget at %sx or faster (%s)", o.Key(), burn, t.Name)
	windows := slo.FormatDuration(t.Long)
	if t.Short > 0 {
		windows += " and over " + slo.FormatDuration(t.Short)
	}
	spent := 100 * t.BurnRate * t.Long.Seconds() / window(o).Seconds()
	description = fmt.Sprintf("The burn rate is at least %sx over %s: at that rate %s%% of the %s error budget goes in %s. Action: %s.",
		burn, windows, strconv.FormatFloat(round(spent), 'g', 3, 64), slo.FormatDuration(window(o)), slo.FormatDuration(t.Long), t.Action)
	return summary, description
}

// promDuration writes d as a rule's for or keep_firing_for; empty for 0.
func promDuration(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return promsli.Range(d)
}
