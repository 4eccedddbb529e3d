// Package policy turns an objective's error budget into decisions: the
// status of its budget policy, the actions that status allows, and whether
// a deploy may go ahead (the deploy gate).
package policy

import (
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

// Decision is what an objective's budget policy says at its last
// evaluation: its status, what the status allows, and the budget figures it
// rests on.
type Decision struct {
	Service string    `json:"service"`
	SLO     string    `json:"slo"`
	Time    time.Time `json:"time"`
	// Status is the engine's status: healthy, warning, critical, exhausted
	// or no_data.
	Status string `json:"status"`
	// Actions are the policy's actions at Status; nil when the status cannot
	// be told, since a policy says nothing of an SLO nobody measures.
	Actions *Actions `json:"actions"`
	// LowRisk and HighRisk say whether a deploy of that risk may go ahead.
	LowRisk  Outcome `json:"low_risk_deploy"`
	HighRisk Outcome `json:"high_risk_deploy"`
	// FastBurn is set when the 1h burn rate made the status worse than the
	// budget left alone would: an outage shows there before it shows in the
	// budget.
	FastBurn bool `json:"fast_burn"`
	// Unknown says why the status cannot be told (no data, a source that is
	// down, not evaluated yet); empty when it can.
	Unknown string  `json:"unknown,omitempty"`
	Budget  Figures `json:"budget"`
}

// Actions is what a team may do under a status, as the policy writes it.
type Actions struct {
	// Rule is the status whose actions these are: Status itself, or the
	// next worse status the policy lists when it has no rule of its own
	// for Status (a fast burn can reach a status a custom policy leaves
	// out).
	Rule               string `json:"rule"`
	FeatureDevelopment bool   `json:"feature_development"`
	RiskyDeployments   bool   `json:"risky_deployments"`
	Experiments        bool   `json:"experiments"`
	OnCallEscalation   string `json:"on_call_escalation"`
	DeploymentApproval string `json:"deployment_approval"`
	RollbackThreshold  string `json:"rollback_threshold"`
	Message            string `json:"message"`
}

// Figures are the budget figures a decision rests on, the engine's own.
// Pointers are nil without data.
type Figures struct {
	Target float64  `json:"target"`
	Window string   `json:"window"`
	SLI    *float64 `json:"sli"`
	// RemainingPercent is the share of the budget left, in percent,
	// negative when overspent.
	RemainingPercent *float64 `json:"remaining_percent"`
	RemainingMinutes *float64 `json:"remaining_minutes"`
	TotalMinutes     float64  `json:"total_minutes"`
	// RemainingEvents and AllowedEvents count bad events: those the budget
	// still allows, and all it allows over the window.
	RemainingEvents *float64 `json:"remaining_events"`
	AllowedEvents   *float64 `json:"allowed_events"`
	BurnRate1h      *float64 `json:"burn_rate_1h"`
	// Exhaustion is when the budget runs out at the last 24 hours' burn
	// rate; nil when it does not.
	Exhaustion *time.Time `json:"exhaustion"`
}

// Decide returns the decision of policy p on evaluation ev. The status is
// the engine's, which the engine worked out from the same policy, so the
// decision and the API's status never disagree. An evaluation with no
// status (the objective is not evaluated yet), no data or a source that is
// down gives a decision that cannot tell.
func Decide(p *slo.Policy, ev engine.Evaluation) Decision {
	d := Decision{
		Service: ev.Service, SLO: ev.SLO, Time: ev.Time, Status: ev.Status,
		LowRisk: Unknown, HighRisk: Unknown,
		Budget: Figures{Target: ev.Target, Window: ev.Window, TotalMinutes: ev.Budget.TotalMinutes},
	}
	status, ok := slo.ParseStatus(ev.Status)
	switch {
	case ev.Status == "":
		d.Status = "unknown"
		d.Unknown = "it is not evaluated yet"
		return d
	case !ok:
		d.Unknown = fmt.Sprintf("its status %q is not one the policy knows", ev.Status)
		return d
	case ev.SourceDown != nil:
		d.Unknown = fmt.Sprintf("its source has been down since %s (%s)", ev.SourceDown.Since.UTC().Format(time.RFC3339), ev.SourceDown.Error)
		return d
	case status == slo.NoData || ev.SLI == nil:
		d.Unknown = fmt.Sprintf("it has no valid events in its %s window", ev.Window)
		return d
	}
	b := ev.Budget
	d.Budget.SLI = ev.SLI
	d.Budget.RemainingPercent = ptr(100 * b.RemainingRatio)
	d.Budget.RemainingMinutes = ptr(b.RemainingMinutes)
	d.Budget.RemainingEvents = ptr(b.RemainingEvents)
	d.Budget.AllowedEvents = ptr(b.AllowedEvents)
	d.Budget.BurnRate1h = ev.BurnRate1h
	d.Budget.Exhaustion = ev.Exhaustion
	if p.Status(b.RemainingRatio, 0) < status {
		d.FastBurn = true
	}
	a := actions(p, status)
	d.Actions = &a
	d.LowRisk = outcome(a.FeatureDevelopment)
	// A high-risk deploy is a deploy too: it needs both.
	d.HighRisk = outcome(a.FeatureDevelopment && a.RiskyDeployments)
	return d
}

// actions returns the rule of status s, else that of the next worse status
// the policy lists, else nothing allowed: a policy with a gap must not
// allow more than its next rule does.
func actions(p *slo.Policy, s slo.Status) Actions {
	for _, r := range p.Rules {
		if r.Status >= s {
			a := r.Actions
			return Actions{
				Rule: r.Status.String(), FeatureDevelopment: a.FeatureDevelopment, RiskyDeployments: a.RiskyDeployments,
				Experiments: a.Experiments, OnCallEscalation: a.OnCallEscalation, DeploymentApproval: a.DeploymentApproval,
				RollbackThreshold: a.RollbackThreshold, Message: a.Message,
			}
		}
	}
	return Actions{Rule: "none", Message: "The policy has no rule for this status: nothing is allowed."}
}

func outcome(allowed bool) Outcome {
	if allowed {
		return Allowed
	}
	return Blocked
}

func ptr(x float64) *float64 { return &x }
