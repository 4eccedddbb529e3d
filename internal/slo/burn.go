package slo

import (
	"math"
	"time"
)

// BurnRate is how fast the budget is being spent, (bad/valid)/(1-target): 1
// spends exactly the whole budget over the window. False when there are no
// valid events, because no traffic is not a burn rate of 0.
func BurnRate(good, valid, target float64) (float64, bool) {
	if valid <= 0 {
		return 0, false
	}
	return spent((valid-good)/valid, 1-target), true
}

// TimeToExhaust is how long a full budget lasts at a burn rate: window/burn.
// False when burn <= 0, meaning never: a budget that is not spent does not
// run out, and a zero duration would read as "at once".
func TimeToExhaust(window time.Duration, burn float64) (time.Duration, bool) {
	if !(burn > 0) {
		return 0, false
	}
	return nanos(float64(window) / burn), true
}

// ProjectExhaustion is when the remaining budget (a ratio of the whole)
// runs out if the burn rate holds; now when it already has.
//
// Spending at rate b uses b/length of the budget per unit of time, so the
// remaining r lasts r x length / b. In a rolling window, bad events also age
// out; a rate at or under 1 spends at most the whole budget per window and
// so never exhausts it in steady state, hence false. (The seed divides by
// b-1, which assumes what ages out was spent at exactly rate 1; we do not
// know that. Ignoring it gives the earliest date, the one to plan against.)
// In a calendar window nothing ages out: any positive rate exhausts the
// budget, unless the period ends first and the budget starts afresh.
func ProjectExhaustion(now time.Time, remaining float64, w Window, burn float64) (time.Time, bool) {
	if remaining <= 0 {
		return now, true
	}
	if !w.IsCalendar() {
		if !(burn > 1) {
			return time.Time{}, false
		}
		return now.Add(nanos(remaining * float64(w.Rolling) / burn)), true
	}
	if !(burn > 0) {
		return time.Time{}, false
	}
	start, end := w.Bounds(now)
	at := now.Add(nanos(remaining * float64(end.Sub(start)) / burn))
	if !at.Before(end) {
		return time.Time{}, false
	}
	return at, true
}

// ProjectSLI is the SLI expected at the window's end if traffic is uniform
// and the rest of the window runs at burn: elapsed (the measured fraction of
// the window, clamped to 0..1) at current, the rest at 1 - burn x (1-target).
// The result is clamped to [0,1] because a high burn rate can project below 0.
func ProjectSLI(current, target, elapsed, burn float64) float64 {
	elapsed = clamp01(elapsed)
	sli := elapsed*current + (1-elapsed)*(1-burn*(1-target))
	return clamp01(sli)
}

// nanos converts float nanoseconds to a duration, capped at the longest
// duration, because converting a float out of range gives an arbitrary value.
func nanos(ns float64) time.Duration {
	if ns >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(math.Round(ns))
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }
