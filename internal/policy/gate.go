package policy

import (
	"fmt"
	"strings"
)

// Risk is how risky a deploy is. A low-risk deploy is an ordinary feature
// change; a high-risk one is what the policy calls a risky deployment (a
// migration, a new dependency, a wide config change).
type Risk string

// The risks a deploy may carry.
const (
	Low  Risk = "low"
	High Risk = "high"
)

// ParseRisk reads a risk; the empty string is low, the common case.
func ParseRisk(s string) (Risk, error) {
	switch Risk(s) {
	case "", Low:
		return Low, nil
	case High:
		return High, nil
	}
	return "", fmt.Errorf("risk %q: want low or high", s)
}

// Outcome is the gate's answer.
type Outcome string

// The outcomes: a deploy may go, may not, or the budget cannot tell.
const (
	Allowed Outcome = "allowed"
	Blocked Outcome = "blocked"
	Unknown Outcome = "unknown"
)

// Verdict is one objective's answer to a deploy of one risk, with its
// decision and the reason in a sentence.
type Verdict struct {
	Decision
	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason"`
}

// Deploy returns the decision's verdict on a deploy of risk r.
func (d Decision) Deploy(r Risk) Verdict {
	o := d.LowRisk
	if r == High {
		o = d.HighRisk
	}
	return Verdict{Decision: d, Outcome: o, Reason: d.reason(r, o)}
}

// Result is the gate over a service, or one of its objectives: the outcome,
// why, and every objective's verdict.
type Result struct {
	Service string    `json:"service"`
	SLO     string    `json:"slo,omitempty"`
	Risk    Risk      `json:"risk"`
	Outcome Outcome   `json:"outcome"`
	Reason  string    `json:"reason"`
	SLOs    []Verdict `json:"slos"`
}

// Gate combines decisions, those of a service's objectives, into one
// answer to a deploy of risk r: blocked if any objective blocks it, since
// one exhausted budget is enough to stop; otherwise unknown if any cannot
// tell, since an objective nobody measures cannot vouch for the deploy;
// otherwise allowed. A service without objectives cannot tell either.
func Gate(service string, r Risk, ds []Decision) Result {
	res := Result{Service: service, Risk: r, SLOs: make([]Verdict, 0, len(ds))}
	var blocked, unknown []Verdict
	for _, d := range ds {
		v := d.Deploy(r)
		res.SLOs = append(res.SLOs, v)
		switch v.Outcome {
		case Blocked:
			blocked = append(blocked, v)
		case Unknown:
			unknown = append(unknown, v)
		}
	}
	switch {
	case len(ds) == 0:
		res.Outcome = Unknown
		res.Reason = fmt.Sprintf("Cannot tell whether a %s-risk deploy of %s may go ahead: it has no SLOs.", r, service)
	case len(blocked) > 0:
		res.Outcome, res.Reason = Blocked, several(blocked, fmt.Sprintf("A %s-risk deploy of %s is blocked by %d SLOs", r, service, len(blocked)))
	case len(unknown) > 0:
		res.Outcome, res.Reason = Unknown, several(unknown, fmt.Sprintf("Cannot tell whether a %s-risk deploy of %s may go ahead: %d SLOs cannot be measured", r, service, len(unknown)))
	case len(ds) == 1:
		res.Outcome, res.Reason = Allowed, res.SLOs[0].Reason
	default:
		res.Outcome, res.Reason = Allowed, allowedAll(service, r, res.SLOs)
	}
	return res
}

// several is the one verdict's reason, or a sentence listing them all.
func several(vs []Verdict, lead string) string {
	if len(vs) == 1 {
		return vs[0].Reason
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.SLO + " (" + v.brief() + ")"
	}
	return lead + ": " + strings.Join(parts, ", ") + "."
}

// allowedAll says that every objective allows the deploy, naming the one
// with the least budget left.
func allowedAll(service string, r Risk, vs []Verdict) string {
	low := vs[0]
	for _, v := range vs[1:] {
		if *v.Budget.RemainingPercent < *low.Budget.RemainingPercent {
			low = v
		}
	}
	return fmt.Sprintf("A %s-risk deploy of %s is allowed: all %d SLOs allow %s, and the least budget left is %s's, %s.",
		r, service, len(vs), activity(r), low.SLO, percent(*low.Budget.RemainingPercent))
}
