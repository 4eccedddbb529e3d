package report

import (
	"fmt"

	"github.com/slo-dev/slo/internal/slo"
)

// Ceiling is the availability an objective's hard dependencies allow,
// with the figure each dependency was counted at: measured by the SLO
// that measures it where that has data, else published. Ratios, as in the
// API: 0.999 for 99.9%.
type Ceiling struct {
	Target float64 `json:"target"`
	// Ceiling counts measured figures where there are some; Published
	// counts every dependency at its published figure, as validation does.
	Ceiling   float64 `json:"ceiling"`
	Published float64 `json:"published_ceiling"`
	// AboveCeiling is set when the target is above Ceiling, and Warning
	// then says so.
	AboveCeiling bool     `json:"slo_above_ceiling"`
	Warning      string   `json:"warning,omitempty"`
	Factors      []Factor `json:"factors"`
}

// Factor is one hard dependency counted in a ceiling.
type Factor struct {
	// Path names it through its parents: payment-provider/bank-api.
	Path  string `json:"path"`
	Group string `json:"group,omitempty"`
	// Published is the spec's figure; MeasuredBy the SLO that measures it
	// (SERVICE/SLO) and Measured that SLO's SLI, nil without data.
	Published  float64  `json:"published"`
	MeasuredBy string   `json:"measured_by,omitempty"`
	Measured   *float64 `json:"measured"`
	// Used is "measured" or "published": which figure the ceiling counted.
	Used string `json:"used"`
}

// CeilingOf is o's ceiling with measured figures from measure; false when
// no hard dependency bounds o.
func CeilingOf(svc *slo.Service, o *slo.Objective, measure slo.Measure) (Ceiling, bool) {
	c, bounded := slo.MeasuredCeiling(svc.Dependencies, o.Name, measure)
	if !bounded {
		return Ceiling{}, false
	}
	pub, _ := slo.Ceiling(svc.Dependencies, o.Name)
	out := Ceiling{Target: o.Target, Ceiling: c, Published: pub, AboveCeiling: o.Target > c, Factors: []Factor{}}
	measured := false
	for _, f := range slo.MeasuredCeilingFactors(svc.Dependencies, o.Name, measure) {
		x := Factor{Path: f.Path, Group: f.Group, Published: f.Availability, MeasuredBy: f.MeasuredBy, Measured: f.Measured, Used: "published"}
		if f.Measured != nil {
			x.Used, measured = "measured", true
		}
		out.Factors = append(out.Factors, x)
	}
	if out.AboveCeiling {
		kind := "published"
		if measured {
			kind = "measured"
		}
		out.Warning = fmt.Sprintf("the objective %s is above the %s%% its hard dependencies allow (%s figures)",
			targetPercent(o.Target), percent(100*c), kind)
	}
	return out, true
}
