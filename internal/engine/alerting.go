package engine

import (
	"context"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Alerter is told after every tick of the objectives whose alert conditions
// may hold: a tier over its threshold with enough traffic, or a budget at
// a status one of its budget alerts fires at. Every other objective has
// every condition false.
type Alerter interface {
	Tick(ctx context.Context, now time.Time, evals []Evaluation)
}

// Alerting returns the last evaluation of each objective (not customer)
// that has a tier firing or a budget at a status a budget alert fires at, in no
// particular order. The tick marks them, and only these are built, so that
// 100k healthy objectives cost a scan of a slice and no allocation.
func (e *Engine) Alerting() []Evaluation {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []Evaluation
	for _, s := range e.list {
		if s.last.alertable {
			out = append(out, s.evaluation())
		}
	}
	return out
}

// alertable is whether an alert condition of the series may hold at its
// last tick; customers' series are not alerted on.
func (s *series) alertable() bool {
	if s.id.Customer != "" {
		return false
	}
	if s.plan.down != nil {
		return true // for the source-down alert
	}
	if s.last.status >= s.plan.budgetAlert && s.last.status != slo.NoData {
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
func (s *series) over(ref tierRef) bool { return s.overAt(ref, s.target) }
