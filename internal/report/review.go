package report

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Review is the seed's quarterly SLO review, one section per SLO: how the
// quarter went, what spent the budget, whether the alerts and the budget
// policy worked, and what to change. docs/review.md gives its rules.
type Review struct {
	// Quarter is the quarter reviewed, as 2026-Q4; From and End bound it
	// (UTC), MeasuredTo is End or, while it runs, the report's time.
	Quarter    string    `json:"quarter"`
	From       time.Time `json:"from"`
	End        time.Time `json:"end"`
	MeasuredTo time.Time `json:"measured_to"`
	// Partial is set while the quarter runs: its figures are the quarter so far.
	Partial bool        `json:"partial"`
	Time    time.Time   `json:"time"`
	SLOs    []SLOReview `json:"slos"`
}

// SLOReview is one objective's quarter. SLIs, targets and budget shares
// are ratios, as in the API: 0.999 for 99.9%.
type SLOReview struct {
	Service string  `json:"service"`
	SLO     string  `json:"slo"`
	Target  float64 `json:"target"`
	Window  string  `json:"window"`
	// Compliance is the quarter's; Months each month's of it, to now.
	Compliance Compliance   `json:"compliance"`
	Months     []Compliance `json:"months"`
	// Violations are the stretches when the SLO window's budget was spent.
	Violations []Violation `json:"violations"`
	// Incidents are the incident annotations that spent at least
	// ImpactPercent of the budget, and Alerts the alert episodes that did,
	// most expensive first.
	Incidents    []Cost        `json:"incidents"`
	Alerts       []Cost        `json:"alerts"`
	OnCall       OnCall        `json:"on_call"`
	Dependencies *Dependencies `json:"dependencies"`
	Policy       PolicyCheck   `json:"budget_policy"`
	// Recommendation is the one change, or none, the figures suggest.
	Recommendation Recommendation `json:"recommendation"`
}

// Compliance is an objective's SLI over a period from its counts, against
// its target.
type Compliance struct {
	// Period is 2026-Q4 or 2026-10; From and To bound what was read.
	Period  string    `json:"period"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Partial bool      `json:"partial"`
	// DataFrom is when the counts of the period begin (to the minute); the
	// SLI covers [DataFrom, To). Nil without data.
	DataFrom *time.Time `json:"data_from"`
	Good     float64    `json:"good"`
	Valid    float64    `json:"valid"`
	SLI      *float64   `json:"sli"`
	Met      *bool      `json:"met"`
	// BudgetSpent is the period's bad events over the (1-target) x valid
	// its own events allow: the share of its budget spent.
	BudgetSpent *float64 `json:"budget_spent"`
	// CustomersMissed counts the customers whose SLI over the period is
	// below their tier's target, for SLOs measured per customer.
	CustomersMissed int `json:"customers_missed,omitempty"`
}

// Violation is a stretch when the SLO window's budget was below zero, read
// hourly from the history.
type Violation struct {
	Start time.Time `json:"start"`
	// End is the first hour back at or above zero; the last hour read when
	// Ongoing.
	End     time.Time `json:"end"`
	Ongoing bool      `json:"ongoing"`
	// WorstSLI is the lowest SLO-window SLI in it; WorstBudgetRemaining
	// the lowest share of the budget left (negative).
	WorstSLI             float64 `json:"worst_sli"`
	WorstBudgetRemaining float64 `json:"worst_budget_remaining"`
}

// Cost is what an incident or an alert episode spent of one SLO's budget.
type Cost struct {
	// Kind is the annotation's kind, or "alert".
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
	// Text is the annotation's text, or the alert's rule and severity.
	Text string    `json:"text"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Spend
}

// OnCall is the seed's on-call question: were the alerts real?
type OnCall struct {
	Alerts int `json:"alerts"`
	// Impacting counts the episodes that spent at least ImpactPercent of
	// the budget.
	Impacting      int      `json:"slo_impacting"`
	ImpactingShare *float64 `json:"slo_impacting_share"`
	Reading        string   `json:"reading"`
}

// Dependencies is whether the hard dependencies capped the objective: the
// ceiling with measured figures where the quarter has them.
type Dependencies struct {
	Ceiling
	// Capped is set when the target is above the ceiling: the dependencies
	// cannot give what the SLO asks.
	Capped bool `json:"capped"`
}

// PolicyCheck is whether the budget policy held: deploys made while the
// status at their time forbade feature development.
type PolicyCheck struct {
	Deploys   int           `json:"deploys"`
	Forbidden []DeployCheck `json:"forbidden_deploys"`
	Held      bool          `json:"held"`
}

// DeployCheck is a deploy with the status it was made at.
type DeployCheck struct {
	ID     int64     `json:"id"`
	Time   time.Time `json:"time"`
	Text   string    `json:"text"`
	Status string    `json:"status"`
	// Rule is the policy rule applied and Message what it says.
	Rule    string `json:"rule"`
	Message string `json:"message,omitempty"`
}

// Recommendation is a change of target, or none.
type Recommendation struct {
	// Action is tighten, loosen or keep.
	Action string `json:"action"`
	// Target is the target proposed, when the rule names one.
	Target *float64 `json:"target,omitempty"`
	// Rule names the rule of docs/review.md that applied; Reason says why,
	// in the seed's questions.
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// ImpactPercent is the budget an alert's episode must spend to count as
// SLO-impacting in the on-call analysis, and an incident or an alert to be
// listed as having spent the budget.
const ImpactPercent = 1.0

// buildReview reviews req.Quarter, by default the quarter holding req.Now,
// measured to Now while it runs.
func buildReview(ctx context.Context, src Source, req Request) (Report, error) {
	ps, err := pick(src.Data, req)
	if err != nil {
		return nil, err
	}
	from := req.Quarter
	if from.IsZero() {
		from = req.Now
	}
	from = from.UTC() // the first instant of the quarter holding it
	from = time.Date(from.Year(), from.Month()-(from.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
	if from.After(req.Now) {
		return nil, &ParamError{"quarter", quarterName(from), "has not started yet"}
	}
	r := &Review{Quarter: quarterName(from), From: from, End: from.AddDate(0, 3, 0), Time: req.Now}
	r.MeasuredTo = r.End
	if req.Now.Before(r.End) {
		r.MeasuredTo, r.Partial = req.Now, true
	}
	var notes []store.Annotation
	if src.Records != nil {
		if notes, err = src.Records.Annotations(ctx, "", r.From, r.MeasuredTo); err != nil {
			return nil, fmt.Errorf("review: annotations: %w", err)
		}
	}
	for _, p := range ps {
		s, err := reviewSLO(ctx, src, r, p, notes)
		if err != nil {
			return nil, fmt.Errorf("review of %s: %w", p.key(), err)
		}
		r.SLOs = append(r.SLOs, s)
	}
	return r, nil
}

func quarterName(t time.Time) string { return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3) }

func reviewSLO(ctx context.Context, src Source, r *Review, p picked, notes []store.Annotation) (SLOReview, error) {
	o := p.obj
	s := SLOReview{Service: p.svc.Name, SLO: o.Name, Target: o.Target, Window: o.Window.String(),
		Months: []Compliance{}, Violations: []Violation{}, Incidents: []Cost{}, Alerts: []Cost{}}
	var err error
	if s.Compliance, err = compliance(ctx, src.Data, p, r.Quarter, r.From, r.End, r.MeasuredTo); err != nil {
		return s, err
	}
	for m := r.From; m.Before(r.MeasuredTo); m = m.AddDate(0, 1, 0) {
		c, err := compliance(ctx, src.Data, p, m.Format("2006-01"), m, m.AddDate(0, 1, 0), r.MeasuredTo)
		if err != nil {
			return s, err
		}
		s.Months = append(s.Months, c)
	}
	if s.Violations, err = violations(ctx, src.Data, p, r.From, r.MeasuredTo); err != nil {
		return s, err
	}
	if s.Incidents, err = incidentCosts(ctx, src, p, notes, r.MeasuredTo); err != nil {
		return s, err
	}
	var episodes []Cost
	if episodes, err = alertCosts(ctx, src, p, r.From, r.MeasuredTo); err != nil {
		return s, err
	}
	s.OnCall = onCall(episodes, s.Compliance.Met)
	for _, c := range episodes {
		if c.Percent() >= ImpactPercent {
			s.Alerts = append(s.Alerts, c)
		}
	}
	if s.Dependencies, err = dependencies(ctx, src.Data, p, r.From, r.MeasuredTo); err != nil {
		return s, err
	}
	if s.Policy, err = policyCheck(ctx, src.Data, p, notes); err != nil {
		return s, err
	}
	s.Recommendation = recommend(&s)
	return s, nil
}

// compliance counts [from, min(end, now)) of the objective: the total's
// SLI against the target, and each customer's against its tier's.
func compliance(ctx context.Context, d Data, p picked, name string, from, end, now time.Time) (Compliance, error) {
	c := Compliance{Period: name, From: from, To: earlier(end, now), Partial: now.Before(end)}
	ts, err := d.Counts(ctx, p.key(), c.From, c.To)
	if err != nil {
		return c, err
	}
	for _, t := range ts {
		if t.Customer != "" {
			if missedTier(d, p, t) {
				c.CustomersMissed++
			}
			continue
		}
		c.Good, c.Valid = t.Good, t.Valid
	}
	b := slo.Budget{Target: p.obj.Target, Good: c.Good, Valid: c.Valid}
	sli, ok := b.SLI()
	if !ok {
		return c, nil
	}
	first, err := firstCounts(ctx, d, p.key(), c.From, c.To, 0)
	if err != nil {
		return c, err
	}
	met := sli >= p.obj.Target
	c.DataFrom, c.SLI, c.Met, c.BudgetSpent = &first, &sli, &met, fptr(b.ConsumedRatio())
	return c, nil
}

// missedTier reports whether a customer's counts miss its tier's target,
// as the engine last placed it.
func missedTier(d Data, p picked, t store.Total) bool {
	target := p.obj.Target
	if ev, ok := d.Evaluation(slo.Series{Objective: p.key(), Customer: t.Customer}); ok && ev.Target > 0 {
		target = ev.Target
	}
	sli, ok := slo.Budget{Good: t.Good, Valid: t.Valid}.SLI()
	return ok && sli < target
}

// concerns reports whether an annotation is about the objective: its own,
// or its service's as a whole.
func concerns(a store.Annotation, p picked) bool {
	return a.Service == p.svc.Name && (a.Objective == "" || a.Objective == p.obj.Name)
}

// incidentCosts attributes the quarter's incident annotations of the
// objective, most expensive first, leaving out those that spent less than
// ImpactPercent of the budget.
func incidentCosts(ctx context.Context, src Source, p picked, notes []store.Annotation, now time.Time) ([]Cost, error) {
	out := []Cost{}
	for _, a := range notes {
		if a.Kind != "incident" || !concerns(a, p) {
			continue
		}
		from, to, err := AnnotationRange(ctx, src.Records, a, now)
		if err != nil {
			return nil, err
		}
		sp, err := spent(ctx, src.Data, p.obj, from, to, now)
		if err != nil {
			return nil, err
		}
		if sp.Percent() >= ImpactPercent {
			out = append(out, Cost{Kind: a.Kind, ID: a.ID, Text: a.Text, From: from, To: to, Spend: sp})
		}
	}
	rank(out)
	return out, nil
}

// alertCosts attributes each alert episode of the objective in the
// quarter, [active, resolved or now), most expensive first.
func alertCosts(ctx context.Context, src Source, p picked, from, now time.Time) ([]Cost, error) {
	if src.Records == nil {
		return nil, nil
	}
	as, err := src.Records.Alerts(ctx, store.AlertQuery{Service: p.svc.Name, SLO: p.obj.Name, From: from, To: now})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	var out []Cost
	for _, a := range as {
		if a.Customer != "" || a.FiredAt.IsZero() {
			continue
		}
		start, end := a.ActiveAt, a.ResolvedAt
		if start.IsZero() || start.After(a.FiredAt) {
			start = a.FiredAt
		}
		if end.IsZero() || end.After(now) {
			end = now
		}
		sp, err := spent(ctx, src.Data, p.obj, start, end, now)
		if err != nil {
			return nil, err
		}
		out = append(out, Cost{Kind: "alert", ID: a.ID, Text: a.Rule + " (" + a.Severity + ")", From: start, To: end, Spend: sp})
	}
	rank(out)
	return out, nil
}

// rank sorts costs by budget spent, the most first; ties by time.
func rank(cs []Cost) {
	sort.SliceStable(cs, func(i, j int) bool {
		if a, b := cs[i].Percent(), cs[j].Percent(); a != b {
			return a > b
		}
		return cs[i].From.Before(cs[j].From)
	})
}
