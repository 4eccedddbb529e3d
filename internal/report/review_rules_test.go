package report

import (
	"strings"
	"testing"
)

// month is a month's compliance with SLI sli against target 99.9%.
func monthAt(sli float64) Compliance {
	met := sli >= 0.999
	spent := (1 - sli) / 0.001
	return Compliance{SLI: &sli, Met: &met, BudgetSpent: &spent}
}

// reviewOf is a quarter of 99.9% with the months' SLIs; the quarter's is
// their plain mean, which the rules do not look into.
func reviewOf(slis ...float64) *SLOReview {
	s := &SLOReview{Target: 0.999}
	sum := 0.0
	for _, x := range slis {
		s.Months = append(s.Months, monthAt(x))
		sum += x
	}
	if len(slis) > 0 {
		s.Compliance = monthAt(sum / float64(len(slis)))
	}
	return s
}

func TestTheReviewRecommendsByTheFirstRuleThatFits(t *testing.T) {
	capped := func(s *SLOReview) *SLOReview {
		s.Dependencies = &Dependencies{Ceiling: Ceiling{Ceiling: 0.998300809885005}, Capped: true}
		return s
	}
	withIncident := func(s *SLOReview) *SLOReview {
		s.Incidents = []Cost{{Kind: "incident", Text: "outage", Spend: Spend{BudgetSpent: fptr(0.3), BudgetMinutes: 13}}}
		return s
	}
	withCustomers := func(s *SLOReview) *SLOReview { s.Compliance.CustomersMissed = 2; return s }
	tests := []struct {
		name   string
		s      *SLOReview
		action string
		rule   string
		target float64 // 0 for none
		says   string
	}{
		{"no data: keep, and ask whether the SLI measures the right thing", reviewOf(), "keep", "no-data", 0, "SLI"},
		{"a ceiling below the target loosens to the ceiling with room, before anything else", capped(reviewOf(0.9999, 0.9999, 0.9999)),
			"loosen", "ceiling", 0.998, "fix the dependencies"},
		{"missed: keep, and ask why and whether it was preventable, naming the largest incident", withIncident(reviewOf(0.9980, 0.9995)),
			"keep", "missed", 0, `Why, and was it preventable? The largest: "outage"`},
		{"every month at most a quarter of the budget: tighten a step the worst month met", reviewOf(0.99985, 0.99990, 0.99996),
			"tighten", "large-margin", 0.9995, "99.985%"},
		{"a large margin short of the next step keeps the target", func() *SLOReview {
			s := reviewOf(0.99980, 0.99990)
			s.Target, s.Months[0].BudgetSpent, s.Months[1].BudgetSpent = 0.9995, fptr(0.4), fptr(0.2)
			return s
		}(), "keep", "met", 0, "the target fits"},
		{"met with incidents: consider tighter", withIncident(reviewOf(0.9993, 0.9995)), "tighten", "met-with-pain", 0, "1 incident spent budget"},
		{"met with customers below their tiers: consider tighter", withCustomers(reviewOf(0.9993, 0.9995)), "tighten", "met-with-pain", 0, "2 customers missed"},
		{"met, using the budget as meant: keep", reviewOf(0.9993, 0.9995), "keep", "met", 0, "the target fits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recommend(tt.s)
			if got.Action != tt.action || got.Rule != tt.rule || !strings.Contains(got.Reason, tt.says) {
				t.Errorf("recommend = %+v; want %s by %s, saying %q", got, tt.action, tt.rule, tt.says)
			}
			if (got.Target == nil) != (tt.target == 0) || (got.Target != nil && !near(*got.Target, tt.target, 1e-12)) {
				t.Errorf("target = %v, want %v", got.Target, tt.target)
			}
		})
	}
}

func TestTheOnCallReadingFollowsTheSeed(t *testing.T) {
	ep := func(pcts ...float64) []Cost {
		var out []Cost
		for _, p := range pcts {
			out = append(out, Cost{Spend: Spend{BudgetSpent: fptr(p / 100)}})
		}
		return out
	}
	yes, no := true, false
	tests := []struct {
		name     string
		episodes []Cost
		met      *bool
		share    float64
		says     string
	}{
		{"under half impacting is noise", ep(5, 0.5, 0.1), &no, 1.0 / 3, "noisy"},
		{"half or more is a real problem", ep(5, 2, 0.1), &no, 2.0 / 3, "invest"},
		{"all impacting while missing is a real problem", ep(5, 2), &no, 1, "invest"},
		{"all impacting while meeting the SLO: consider loosening", ep(5, 2), &yes, 1, "loosening"},
		{"1% of the budget is the line", ep(1, 0.99), &yes, 0.5, "invest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := onCall(tt.episodes, tt.met)
			if got.ImpactingShare == nil || !near(*got.ImpactingShare, tt.share, 1e-12) || !strings.Contains(got.Reading, tt.says) {
				t.Errorf("onCall = %+v (share %v); want %v and %q", got, got.ImpactingShare, tt.share, tt.says)
			}
		})
	}
	if got := onCall(nil, &yes); got.ImpactingShare != nil || got.Reading != "no alerts fired" {
		t.Errorf("no alerts: %+v", got)
	}
}

func TestATargetBelowTheCeilingLeavesRoom(t *testing.T) {
	for _, c := range []struct{ ceiling, want float64 }{
		{0.998300809885005, 0.998}, // the seed's chain
		{0.9996, 0.9996},
		{0.99941, 0.9994},
		{0.95, 0.95},
		{0.934, 0.93},
	} {
		if got := belowCeiling(c.ceiling); !near(got, c.want, 1e-12) {
			t.Errorf("belowCeiling(%v) = %v, want %v", c.ceiling, got, c.want)
		}
	}
}

func TestAMissedSLIIsNeverWrittenAsItsTarget(t *testing.T) {
	for _, c := range []struct {
		sli, target float64
		want        string
	}{
		{0.998999, 0.999, "99.8999%"},
		{0.999, 0.999, "99.9%"},
		{0.99896, 0.999, "99.896%"},
		{0.9999999, 0.999, "100%"},
	} {
		if got := sliText(&c.sli, c.target); got != c.want {
			t.Errorf("sliText(%v, %v) = %q, want %q", c.sli, c.target, got, c.want)
		}
	}
}
