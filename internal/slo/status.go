package slo

// Status is the budget status for the remaining budget (a ratio of the
// whole, negative when overspent) and the 1h burn rate. The first rule whose
// Above is strictly below remaining applies; the last rule is the catch-all,
// whatever its Above, and no rules at all give Exhausted rather than pass for
// healthy. FastBurn then only escalates, because a fast burn shows an outage
// before the remaining budget does. NoData is for the caller to decide.
func (p *Policy) Status(remaining, burn1h float64) Status {
	s := Exhausted
	if n := len(p.Rules); n > 0 {
		s = p.Rules[n-1].Status
	}
	for _, r := range p.Rules {
		if r.Above < remaining {
			s = r.Status
			break
		}
	}
	if p.FastBurn.Critical > 0 && burn1h > p.FastBurn.Critical {
		s = max(s, Critical)
	}
	if p.FastBurn.Warning > 0 && burn1h > p.FastBurn.Warning {
		s = max(s, Warning)
	}
	return s
}

// Rule returns the policy's rule for status s, to show its actions.
func (p *Policy) Rule(s Status) (PolicyRule, bool) {
	for _, r := range p.Rules {
		if r.Status == s {
			return r, true
		}
	}
	return PolicyRule{}, false
}
