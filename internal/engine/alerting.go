package engine

import (
	"context"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Alerter is told after every tick of the objectives whose alert conditions
// may hold: a tier over its threshold with enough traffic, or a budget at
// warning or worse. Every other objective has every condition false.
type Alerter interface {
	Tick(ctx context.Context, now time.Time, evals []Evaluation)
}

// Alerting returns the last evaluation of each objective (not customer)
// that has a tier firing or a budget status of warning or worse, in spec
// order. Only these are built, so that a tick of 100k healthy objectives
// allocates nothing for the alerts.
func (e *Engine) Alerting() []Evaluation {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []Evaluation
	for _, k := range e.keys {
		s, ok := e.series[slo.Series{Objective: k}]
		if ok && s.alertable() {
			out = append(out, s.evaluation())
		}
	}
	return out
}

// alertable is whether an alert condition of the series may hold now.
func (s *series) alertable() bool {
	if s.last.status >= slo.Warning { // NoData is below Healthy
		return true
	}
	for _, ref := range s.plan.tiers {
		if s.over(ref) && ref.long >= 0 && s.last.sums[ref.long].valid >= ref.tier.MinValid {
			return true
		}
	}
	return false
}

// over is whether both of a tier's windows burn at or above its threshold.
func (s *series) over(ref tierRef) bool {
	at := func(i int) bool {
		if i < 0 {
			return false
		}
		b, ok := slo.BurnRate(s.last.sums[i].good, s.last.sums[i].valid, s.target)
		return ok && b >= ref.tier.BurnRate
	}
	return at(ref.long) && (ref.tier.Short <= 0 || at(ref.short))
}
