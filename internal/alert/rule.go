package alert

import (
	"cmp"
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

// The alertnames of notifications: one for burn-rate tiers, one for budget
// statuses. Alertmanager routes on them.
const (
	BurnRateAlert   = "SLOBurnRate"
	BudgetAlert     = "SLOErrorBudget"
	SourceDownAlert = "SLOSourceDown"
)

// sourceDown is the source-down alert's rule: a warning once the source has
// failed for sourceDownFor, long enough that a restart of Prometheus or one
// slow query does not notify anyone, short enough to be told well before
// the SLO's windows go stale. It is not in the spec: every objective read
// from a source that can be down has it.
const (
	sourceDownRule     = "source_down"
	sourceDownSeverity = "warning"
	sourceDownFor      = 5 * time.Minute
)

// rule is one alert condition of an objective: a burn-rate tier, or a
// budget at or past a status.
type rule struct {
	name      string
	alertname string
	severity  string
	// rank orders the rules of one alertname: the tier's threshold, or the
	// budget status. The highest-ranked of the rules that start firing
	// together leads their notification.
	rank float64
	// tier is the tier's index in the objective's tiers and in its
	// evaluation's; -1 for a budget or source rule.
	tier int
	// source marks the source-down rule.
	source bool
	status slo.Status
	// policy maps the budget left to a status, for a budget rule.
	policy  *slo.Policy
	forDur  time.Duration
	keepFor time.Duration
}

// objective is what the manager knows of one objective from the spec.
type objective struct {
	svc   *slo.Service
	obj   *slo.Objective
	rules []rule
}

// rulesOf lists an objective's alert rules, highest-ranked first: the
// source-down rule for an SLI read from Prometheus or an access log (the
// sources that can be down; pushed events have no source to watch), and none of the others
// when its alerting is disabled.
func rulesOf(o *slo.Objective) []rule {
	var out []rule
	if o.SLI.Kind == slo.SourcePrometheus || o.SLI.Kind == slo.SourceAccessLog {
		out = append(out, rule{name: sourceDownRule, alertname: SourceDownAlert, severity: sourceDownSeverity, tier: -1, source: true, forDur: sourceDownFor})
	}
	if o.Alerting.Disabled {
		return out
	}
	for i, t := range o.Alerting.Tiers {
		out = append(out, rule{
			name: t.Name, alertname: BurnRateAlert, severity: t.Severity, rank: t.BurnRate,
			tier: i, forDur: t.For, keepFor: t.KeepFiringFor,
		})
	}
	for _, b := range o.Alerting.BudgetAlerts {
		out = append(out, rule{
			name: "budget_" + b.Status.String(), alertname: BudgetAlert, severity: b.Severity,
			rank: float64(b.Status), tier: -1, status: b.Status, policy: &o.Policy,
		})
	}
	slices.SortStableFunc(out, func(a, b rule) int { return cmp.Compare(b.rank, a.rank) })
	return out
}

// holds reports whether the rule's condition holds in ev, and the burn
// rate it goes by: the tier's long window, or the last hour's for a budget
// rule (0 when unknown).
func (r *rule) holds(ev *engine.Evaluation) (bool, float64) {
	if r.source {
		return ev.SourceDown != nil, 0
	}
	if r.tier < 0 {
		st, ok := r.budgetStatus(ev)
		return ok && st >= r.status, deref(ev.BurnRate1h)
	}
	t, ok := r.figures(ev)
	if !ok {
		return false, 0
	}
	return t.Fires(), deref(t.LongBurn)
}

// figures finds the rule's tier in ev by name: during a reload the engine
// may already evaluate the new spec, whose tiers may be in another order.
func (r *rule) figures(ev *engine.Evaluation) (engine.TierFigures, bool) {
	if r.tier >= 0 && r.tier < len(ev.Tiers) && ev.Tiers[r.tier].Name == r.name {
		return ev.Tiers[r.tier], true
	}
	for _, t := range ev.Tiers {
		if t.Name == r.name {
			return t, true
		}
	}
	return engine.TierFigures{}, false
}

// budgetStatus is the status the budget left gives, false with no data.
// It leaves out the policy's fast-burn escalation, which the evaluation's
// status has: a fast burn is the burn-rate tiers' to page on, with their
// low-traffic guard, and a budget alert says how much budget is left.
func (r *rule) budgetStatus(ev *engine.Evaluation) (slo.Status, bool) {
	if ev.SLI == nil {
		return slo.NoData, false
	}
	return r.policy.Status(ev.Budget.RemainingRatio, 0), true
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
