package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// WhatIf is a series' figures recomputed under another target from the
// same counts: what the budget and status would be, now and over a past
// range, had the objective asked for Target. Nothing of the engine changes.
type WhatIf struct {
	Target float64 `json:"target"`
	// CurrentTarget is the series' own: its customer's tier's where the
	// objective sets one.
	CurrentTarget float64 `json:"current_target"`
	// Now is the last tick's evaluation under Target. Under CurrentTarget
	// it is Evaluation's, figure for figure. Under another, StatusSince is
	// the first point of the run of Points ending at the tick with Now's
	// status, so it is as fine as the step, and the tick's time when the
	// points do not reach the tick or end in another status.
	Now     Evaluation    `json:"now"`
	Points  []Point       `json:"points"`
	Summary WhatIfSummary `json:"summary"`
}

// WhatIfSummary sums up a what-if's points. Each point's status holds
// until the next point, the last one's until the range's end, so the times
// in status add up to the range.
type WhatIfSummary struct {
	// TimeInStatus has every status, no data first, exhausted last.
	TimeInStatus []StatusTime `json:"time_in_status"`
	// LowestRemaining is the least budget remaining of the points (a ratio,
	// negative when overspent) and LowestAt its first time; nil without
	// data.
	LowestRemaining *float64   `json:"lowest_budget_remaining"`
	LowestAt        *time.Time `json:"lowest_at"`
	// FirstExhausted is the first point whose status is exhausted; nil if
	// none is.
	FirstExhausted *time.Time `json:"first_exhausted"`
}

// StatusTime is how long a what-if's points spent in one status.
type StatusTime struct {
	Status   string        `json:"status"`
	Points   int           `json:"points"`
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
	// Share is Duration over the range; over the points for an empty range.
	Share float64 `json:"share"`
}

// WhatIf recomputes the series' last evaluation, and its history over
// [from, to] at step (as History), under target instead of its own. A
// target outside (0, 1) fails with ErrInvalidTarget, an unknown series with
// ErrNoSeries, a range History refuses with its error.
func (e *Engine) WhatIf(ctx context.Context, id slo.Series, target float64, from, to time.Time, step time.Duration) (WhatIf, error) {
	if !(target > 0 && target < 1) { // NaN included
		return WhatIf{}, fmt.Errorf("what-if %s: %w %v: want a ratio between 0 and 1, such as 0.999", id, ErrInvalidTarget, target)
	}
	out := WhatIf{Target: target}
	var current slo.Status
	e.mu.RLock()
	s, ok := e.series[id]
	if ok {
		out.CurrentTarget = s.target
		current = s.last.status
		out.Now = s.evaluationAt(target, s.statusAt(target))
	}
	e.mu.RUnlock()
	if !ok {
		return WhatIf{}, fmt.Errorf("what-if: %w %s", ErrNoSeries, id)
	}
	points, err := e.history(ctx, id, from, to, step, target)
	if err != nil {
		return WhatIf{}, fmt.Errorf("what-if %s: %w", id, err)
	}
	out.Points = points
	out.Summary = summarize(points, to)
	if target != out.CurrentTarget || out.Now.Status != current.String() {
		out.Now.StatusSince = statusSince(points, out.Now.Status, out.Now.Time, step)
		out.Now.StatusSinceStart = false // read from the points, not the engine's start
	}
	return out, nil
}

// statusSince is the first point of the run of points ending at the tick at
// with status; at when the points end before the tick's step or in another
// status.
func statusSince(points []Point, status string, at time.Time, step time.Duration) time.Time {
	if len(points) == 0 || points[len(points)-1].Time.Before(at.Add(-step)) {
		return at
	}
	since := at
	for i := len(points) - 1; i >= 0 && points[i].Status == status; i-- {
		since = points[i].Time
	}
	return since
}

// summarize sums up points over a range ending at to.
func summarize(points []Point, to time.Time) WhatIfSummary {
	var sum WhatIfSummary
	for st := slo.NoData; st <= slo.Exhausted; st++ {
		sum.TimeInStatus = append(sum.TimeInStatus, StatusTime{Status: st.String()})
	}
	if len(points) == 0 {
		return sum
	}
	byName := map[string]*StatusTime{}
	for i := range sum.TimeInStatus {
		byName[sum.TimeInStatus[i].Status] = &sum.TimeInStatus[i]
	}
	for i, p := range points {
		end := to
		if i+1 < len(points) {
			end = points[i+1].Time
		}
		if st, ok := byName[p.Status]; ok {
			st.Points++
			st.Duration += end.Sub(p.Time)
		}
		if r := p.BudgetRemaining; r != nil && (sum.LowestRemaining == nil || *r < *sum.LowestRemaining) {
			x, at := *r, p.Time
			sum.LowestRemaining, sum.LowestAt = &x, &at
		}
		if p.Status == slo.Exhausted.String() && sum.FirstExhausted == nil {
			at := p.Time
			sum.FirstExhausted = &at
		}
	}
	total := to.Sub(points[0].Time)
	for i := range sum.TimeInStatus {
		st := &sum.TimeInStatus[i]
		st.Seconds = st.Duration.Seconds()
		if total > 0 {
			st.Share = float64(st.Duration) / float64(total)
		} else {
			st.Share = float64(st.Points) / float64(len(points))
		}
	}
	return sum
}
