package report

import (
	"fmt"
	"math"
	"strings"
)

// The review's rules, kept apart from its figures so that they read as the
// list docs/review.md gives: the on-call reading, then one recommendation
// per SLO, the first rule that applies.

// Ladder is the targets a tightening steps through, one at a time: a
// target between two steps moves to the next one up.
var Ladder = []float64{0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99995, 0.99999}

// LargeMargin is the most of its budget every month may spend for the
// quarter to count as met by a large margin, in percent.
const LargeMargin = 25.0

// onCall reads the alert episodes the seed's way: under half SLO-impacting
// is noise; at least half, a real problem; all while the SLO is met, good
// alerts on a target tighter than it needs to be.
func onCall(episodes []Cost, met *bool) OnCall {
	oc := OnCall{Alerts: len(episodes)}
	for _, e := range episodes {
		if e.Percent() >= ImpactPercent {
			oc.Impacting++
		}
	}
	if oc.Alerts == 0 {
		oc.Reading = "no alerts fired"
		return oc
	}
	share := float64(oc.Impacting) / float64(oc.Alerts)
	oc.ImpactingShare = &share
	switch {
	case oc.Impacting == oc.Alerts && met != nil && *met:
		oc.Reading = "every alert was SLO-impacting while the SLO was met: good alerts; consider loosening the SLO"
	case share < 0.5:
		oc.Reading = "under half the alerts were SLO-impacting: the alerts are noisy; tune them"
	default:
		oc.Reading = "at least half the alerts were SLO-impacting: a real reliability problem; invest in fixes"
	}
	return oc
}

// recommend applies the first rule that fits the quarter: no data; a
// ceiling below the target; missed; met by a large margin; met with
// incidents or customers below their targets; else keep.
func recommend(s *SLOReview) Recommendation {
	c := s.Compliance
	switch {
	case c.SLI == nil:
		return Recommendation{Action: "keep", Rule: "no-data",
			Reason: "No valid events this quarter: is the SLI still measuring the right thing?"}
	case s.Dependencies != nil && s.Dependencies.Capped:
		d := s.Dependencies
		to := belowCeiling(d.Ceiling.Ceiling)
		return Recommendation{Action: "loosen", Target: &to, Rule: "ceiling",
			Reason: fmt.Sprintf("The hard dependencies allow at most %s, below the %s target: loosen to %s, or fix the dependencies (redundancy, graceful degradation, more reliable providers).",
				ratioPercent(&d.Ceiling.Ceiling), targetPercent(s.Target), targetPercent(to))}
	case !*c.Met:
		return Recommendation{Action: "keep", Rule: "missed",
			Reason: fmt.Sprintf("Missed: %s against %s. Why, and was it preventable?%s", sliText(c.SLI, s.Target), targetPercent(s.Target), topSpender(s))}
	}
	if to, worst, ok := tighterTarget(s); ok {
		return Recommendation{Action: "tighten", Target: &to, Rule: "large-margin",
			Reason: fmt.Sprintf("Met by a large margin (every month spent at most %s%% of its budget): over-invested in reliability? %s would still have been met by the worst month (%s); tighten if users expect better, or spend the budget on velocity.",
				num(LargeMargin), targetPercent(to), ratioPercent(&worst))}
	}
	var pain []string
	if n := len(s.Incidents); n > 0 {
		pain = append(pain, plural(n, "incident")+" spent budget")
	}
	if n := c.CustomersMissed; n > 0 {
		pain = append(pain, fmt.Sprintf("%s missed their tier's target", plural(n, "customer")))
	}
	if len(pain) > 0 {
		return Recommendation{Action: "tighten", Rule: "met-with-pain",
			Reason: "Met, yet " + strings.Join(pain, "; ") + ": were users unhappy? If so the target is too loose to show it; consider a tighter one." + topSpender(s)}
	}
	return Recommendation{Action: "keep", Rule: "met",
		Reason: fmt.Sprintf("Met with %s of the budget spent: the target fits.", sharePercent(c.BudgetSpent))}
}

// topSpender names the incident that spent the most, if any.
func topSpender(s *SLOReview) string {
	if len(s.Incidents) == 0 {
		return ""
	}
	top := s.Incidents[0]
	return fmt.Sprintf(" The largest: %q at %s, %s%% of the budget (%s minutes).", top.Text, stamp(top.From), trim(top.Percent()), trim(top.BudgetMinutes))
}

// tighterTarget is the next step of the Ladder above the target, when
// every month with data spent at most LargeMargin of its budget and the
// worst month's SLI meets that step; with the worst month's SLI.
func tighterTarget(s *SLOReview) (to, worst float64, ok bool) {
	worst = math.Inf(1)
	for _, m := range s.Months {
		if m.SLI == nil {
			continue
		}
		if 100**m.BudgetSpent > LargeMargin {
			return 0, 0, false
		}
		worst = min(worst, *m.SLI)
	}
	if math.IsInf(worst, 1) {
		return 0, 0, false
	}
	for _, step := range Ladder {
		if step > s.Target+1e-12 {
			return step, worst, worst >= step
		}
	}
	return 0, 0, false
}

// belowCeiling is a target the ceiling allows with room: the ceiling with
// its budget, 1-ceiling, rounded up to one significant digit. 99.83%
// gives 99.8%; 99.96% gives 99.96%.
func belowCeiling(c float64) float64 {
	b := 1 - c
	if b <= 0 {
		return c
	}
	unit := math.Pow(10, math.Floor(math.Log10(b)))
	b = math.Ceil(b/unit-1e-9) * unit
	return math.Round((1-b)*1e9) / 1e9
}
