package slo

import (
	"math"
	"time"
)

// BurnFactor is the burn rate that spends share of the budget of period
// within long: share x period / long. It is 0 when long is not positive,
// since no rate spends anything in no time.
func BurnFactor(share float64, period, long time.Duration) float64 {
	if long <= 0 {
		return 0
	}
	return share * float64(period) / float64(long)
}

// ScaledTo returns the tier for an SLO window of period: when the tier was
// written as a budget share, its burn rate is recomputed so that it still
// spends that share over its long window; otherwise it is unchanged. The
// label and annotation maps are shared with t.
func (t AlertTier) ScaledTo(period time.Duration) AlertTier {
	if t.BudgetShare > 0 {
		t.BurnRate = BurnFactor(t.BudgetShare, period, t.Long)
	}
	return t
}

// DetectionTime is how long after a sudden, sustained error ratio starts,
// from a clean window, the tier fires (the SRE workbook's detection time).
// Each window's burn rate reaches BurnRate after (1-target)/errorRatio x
// window x BurnRate; both windows must, so the longer time counts, plus For.
// False when the tier never fires: errorRatio <= 0, or errorRatio/(1-target)
// below BurnRate.
func (t AlertTier) DetectionTime(target, errorRatio float64) (time.Duration, bool) {
	if !t.fires(target, errorRatio) {
		return 0, false
	}
	budget := math.Max(0, 1-target)
	reach := func(w time.Duration) float64 { return budget / errorRatio * float64(w) * t.BurnRate }
	return nanos(math.Max(reach(t.Long), reach(t.Short))) + t.For, true
}

// BudgetSpentAtDetection is the share of the whole budget of period spent by
// the time the tier fires: errorRatio x detection / ((1-target) x period).
// Without For it is BurnRate x Long / period whatever the error ratio, which
// is why tiers are chosen by budget share. False when the tier never fires.
func (t AlertTier) BudgetSpentAtDetection(target, errorRatio float64, period time.Duration) (float64, bool) {
	d, ok := t.DetectionTime(target, errorRatio)
	if !ok || period <= 0 {
		return 0, false
	}
	return spent(errorRatio*float64(d)/float64(period), 1-target), true
}

// ResetTime is how long the tier keeps firing after errors at errorRatio,
// lasting at least the short window, stop: until the short window's burn
// rate falls below BurnRate, Short x (1 - BurnRate x (1-target)/errorRatio).
// The long window is slower to recover, but both must hold for the tier to
// fire, so the short one resolves it; a tier without a short window uses the
// long one. False when the tier would not have fired.
func (t AlertTier) ResetTime(target, errorRatio float64) (time.Duration, bool) {
	if !t.fires(target, errorRatio) {
		return 0, false
	}
	w := t.Short
	if w <= 0 {
		w = t.Long
	}
	budget := math.Max(0, 1-target)
	return nanos(float64(w) * math.Max(0, 1-t.BurnRate*budget/errorRatio)), true
}

// fires reports whether a sustained errorRatio ever brings the burn rate to
// BurnRate. The threshold is eased by a relative 1e-9 because 1-0.999 is not
// exactly 0.001, and an error ratio exactly at the threshold does fire.
func (t AlertTier) fires(target, errorRatio float64) bool {
	if !(errorRatio > 0) {
		return false
	}
	return errorRatio >= t.BurnRate*math.Max(0, 1-target)*(1-1e-9)
}

// Share is the share of a period's budget the tier spends over its long
// window at its burn rate: BurnFactor the other way round.
func (t AlertTier) Share(period time.Duration) float64 {
	if period <= 0 {
		return 0
	}
	return t.BurnRate * float64(t.Long) / float64(period)
}
