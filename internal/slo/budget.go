package slo

import (
	"math"
	"time"
)

// AllowedBad is the error budget as time, (1-target) x window, rounded to the
// millisecond so that 99.9% of 30 days reads 43.2 minutes, not 43.199999.
func AllowedBad(target float64, window time.Duration) time.Duration {
	ms := (1 - target) * float64(window) / float64(time.Millisecond)
	return time.Duration(math.Round(ms)) * time.Millisecond
}

// AllowedEvents is the error budget as events: (1-target) x valid.
func AllowedEvents(target, valid float64) float64 {
	return (1 - target) * valid
}

// Budget is an objective's error budget over one window, from the good and
// valid events (or time slices) counted in it.
type Budget struct {
	// Target is the objective's target as a ratio: 0.999 for 99.9%.
	Target float64
	// Window is the window's length, for the budget in minutes.
	Window time.Duration
	// Good and Valid are the counts over the window.
	Good, Valid float64
}

// Bad is the number of valid events that were not good.
func (b Budget) Bad() float64 { return b.Valid - b.Good }

// SLI is good over valid; false when there are no valid events, because an
// empty window has no SLI, neither 0 nor 100%.
func (b Budget) SLI() (float64, bool) {
	if b.Valid <= 0 {
		return 0, false
	}
	return b.Good / b.Valid, true
}

// Allowed is the number of bad events the budget allows: (1-target) x valid.
func (b Budget) Allowed() float64 { return AllowedEvents(b.Target, b.Valid) }

// ConsumedRatio is the share of the budget spent, (bad/valid)/(1-target); 0
// with no data, so that an empty window spends nothing. It passes 1 when
// the budget is overspent.
func (b Budget) ConsumedRatio() float64 {
	if b.Valid <= 0 {
		return 0
	}
	return spent(b.Bad()/b.Valid, 1-b.Target)
}

// RemainingRatio is the share of the budget left, 1 - consumed; negative when
// overspent, since how far past zero a budget went matters to the policy.
func (b Budget) RemainingRatio() float64 { return 1 - b.ConsumedRatio() }

// TotalMinutes is the whole budget as minutes of the window: (1-target) x window.
func (b Budget) TotalMinutes() float64 { return AllowedBad(b.Target, b.Window).Minutes() }

// ConsumedMinutes is the bad share of events as minutes of the window,
// (bad/valid) x window, as the seed counts it: with uniform traffic it is the
// time spent failing. It is 0 with no data.
func (b Budget) ConsumedMinutes() float64 {
	if b.Valid <= 0 {
		return 0
	}
	return b.Bad() / b.Valid * b.Window.Minutes()
}

// RemainingMinutes is total minus consumed minutes; negative when overspent.
func (b Budget) RemainingMinutes() float64 { return b.TotalMinutes() - b.ConsumedMinutes() }

// RemainingEvents is allowed minus bad events; negative when overspent.
func (b Budget) RemainingEvents() float64 { return b.Allowed() - b.Bad() }

// spent is a bad ratio as a multiple of the budget ratio. A zero budget (a
// 100% target) is overspent without bound by any bad event, and untouched
// when there is none; dividing would give +Inf or NaN by accident.
func spent(badRatio, budget float64) float64 {
	if budget <= 0 {
		if badRatio <= 0 {
			return 0
		}
		return math.Inf(1)
	}
	return badRatio / budget
}
