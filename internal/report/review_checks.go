package report

import (
	"context"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// The review's checks that read the history and the spec beside the
// counts: violations, the dependency ceiling, the budget policy.

// violations reads the history hourly and returns the stretches whose
// budget left was below zero.
func violations(ctx context.Context, d Data, p picked, from, to time.Time) ([]Violation, error) {
	if !from.Before(to) {
		return []Violation{}, nil
	}
	pts, err := d.History(ctx, slo.Series{Objective: p.key()}, from, to, time.Hour)
	if err != nil {
		return nil, err
	}
	out := []Violation{}
	var cur *Violation
	for _, pt := range pts {
		below := pt.BudgetRemaining != nil && *pt.BudgetRemaining < 0
		if !below {
			if cur != nil {
				cur.End = pt.Time
				out = append(out, *cur)
				cur = nil
			}
			continue
		}
		sli, left := *pt.SLI, *pt.BudgetRemaining
		if cur == nil {
			cur = &Violation{Start: pt.Time, WorstSLI: sli, WorstBudgetRemaining: left}
		}
		cur.End = pt.Time
		cur.WorstSLI, cur.WorstBudgetRemaining = min(cur.WorstSLI, sli), min(cur.WorstBudgetRemaining, left)
	}
	if cur != nil {
		cur.Ongoing = true
		out = append(out, *cur)
	}
	return out, nil
}

// dependencies is the objective's ceiling over the quarter, each measured
// dependency at its SLO's SLI over the same range; nil when nothing bounds
// the objective.
func dependencies(ctx context.Context, d Data, p picked, from, to time.Time) (*Dependencies, error) {
	var failed error
	measure := func(ref string) (float64, bool) {
		t, _, err := d.Count(ctx, slo.Series{Objective: ref}, from, to)
		if err != nil {
			failed = err
			return 0, false
		}
		return slo.Budget{Good: t.Good, Valid: t.Valid}.SLI()
	}
	c, ok := CeilingOf(p.svc, p.obj, measure)
	if failed != nil {
		return nil, failed
	}
	if !ok {
		return nil, nil
	}
	return &Dependencies{Ceiling: c, Capped: c.AboveCeiling}, nil
}

// policyCheck finds the deploys of the objective's service in the quarter
// made while the status at their time (from the history) forbade feature
// development.
func policyCheck(ctx context.Context, d Data, p picked, notes []store.Annotation) (PolicyCheck, error) {
	pc := PolicyCheck{Forbidden: []DeployCheck{}, Held: true}
	for _, a := range notes {
		if a.Kind != "deploy" || !concerns(a, p) {
			continue
		}
		pc.Deploys++
		pts, err := d.History(ctx, slo.Series{Objective: p.key()}, a.Start, a.Start, time.Hour)
		if err != nil {
			return pc, err
		}
		if len(pts) == 0 {
			continue
		}
		pt := pts[0]
		ev := engine.Evaluation{Service: p.svc.Name, SLO: p.obj.Name, Status: pt.Status, SLI: pt.SLI}
		if pt.BudgetRemaining != nil {
			ev.Budget.RemainingRatio = *pt.BudgetRemaining
		}
		dec := policy.Decide(&p.obj.Policy, ev)
		if dec.Actions != nil && !dec.Actions.FeatureDevelopment {
			pc.Held = false
			pc.Forbidden = append(pc.Forbidden, DeployCheck{ID: a.ID, Time: a.Start, Text: a.Text,
				Status: pt.Status, Rule: dec.Actions.Rule, Message: dec.Actions.Message})
		}
	}
	return pc, nil
}
