package policy

import (
	"fmt"
	"math"
	"strings"
)

// reason says in one sentence why the decision gives outcome o to a deploy
// of risk r, with the figures it rests on.
func (d Decision) reason(r Risk, o Outcome) string {
	key := d.Service + "/" + d.SLO
	if o == Unknown || d.Actions == nil {
		return fmt.Sprintf("Cannot tell whether a %s-risk deploy may go ahead for %s: %s.", r, key, d.Unknown)
	}
	verb := "allows " + activity(r)
	if o == Blocked {
		// Name what the policy stops: feature development stops every
		// deploy, risky deployments only high-risk ones.
		verb = "stops " + activity(Low)
		if d.Actions.FeatureDevelopment {
			verb = "stops " + activity(High)
		}
	}
	rule := "while " + d.Status
	if d.Actions.Rule != d.Status {
		rule = fmt.Sprintf("under its %s rule, having none for %s", d.Actions.Rule, d.Status)
	}
	return fmt.Sprintf("A %s-risk deploy is %s: %s is %s, %s, and its policy %s %s.", r, o, key, d.Status, d.state(), verb, rule)
}

// state is the budget in a phrase: what is left, and the fast burn when it
// is what set the status.
func (d Decision) state() string {
	left := fmt.Sprintf("%s of its error budget left (%s of %s minutes)",
		percent(*d.Budget.RemainingPercent), number(*d.Budget.RemainingMinutes), number(d.Budget.TotalMinutes))
	if d.FastBurn && d.Budget.BurnRate1h != nil {
		return fmt.Sprintf("burning its error budget at %sx over the last hour with %s", number(*d.Budget.BurnRate1h), left)
	}
	return "with " + left
}

// brief is a verdict in a few words, for a list of several.
func (v Verdict) brief() string {
	if v.Actions == nil {
		return v.Unknown
	}
	s := fmt.Sprintf("%s, %s of the budget left", v.Status, percent(*v.Budget.RemainingPercent))
	if v.FastBurn && v.Budget.BurnRate1h != nil {
		s += fmt.Sprintf(", burning %sx over 1h", number(*v.Budget.BurnRate1h))
	}
	return s
}

// activity is what a deploy of risk r needs the policy to allow.
func activity(r Risk) string {
	if r == High {
		return "risky deployments"
	}
	return "feature development"
}

func percent(x float64) string { return number(x) + "%" }

// number writes a figure with two decimals below 10 and one above, less
// trailing zeros: 4.32, 43.2, 94.8, 432, 0.5.
func number(x float64) string {
	s := fmt.Sprintf("%.1f", x)
	if math.Abs(x) < 10 {
		s = fmt.Sprintf("%.2f", x)
	}
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}
