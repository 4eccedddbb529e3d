package grafana

import (
	"strconv"

	"github.com/slo-dev/slo/internal/slo"
)

// statusColor is the colour of each budget status, the same in every panel.
var statusColor = map[slo.Status]string{
	slo.NoData: "text", slo.Healthy: "green", slo.Warning: "yellow", slo.Critical: "orange", slo.Exhausted: "red",
}

// defaultBudgetSteps are the default policy's statuses over the budget
// left: exhausted, critical above 0%, warning above 20%, healthy above 50%.
var defaultBudgetSteps = []Step{
	{Color: "red"}, {Color: "orange", Value: ptr(0.0)}, {Color: "yellow", Value: ptr(0.2)}, {Color: "green", Value: ptr(0.5)},
}

// budgetSteps colours the budget left by the policy's statuses. A policy
// lists them healthiest first, the last one being the catch-all; Grafana
// wants the base colour first and ascending values.
func budgetSteps(p slo.Policy) []Step {
	if len(p.Rules) == 0 {
		return []Step{{Color: statusColor[slo.Exhausted]}}
	}
	last := len(p.Rules) - 1
	steps := []Step{{Color: statusColor[p.Rules[last].Status]}}
	for i := last - 1; i >= 0; i-- {
		steps = append(steps, Step{Color: statusColor[p.Rules[i].Status], Value: ptr(p.Rules[i].Above)})
	}
	return steps
}

// sliSteps are budgetSteps moved to the SLI: with a share r of the budget
// left, the SLI is 1 - (1 - r) x (1 - target), so the SLI is coloured by
// the status it puts the budget in, and red below the target.
func sliSteps(o *slo.Objective) []Step {
	steps := budgetSteps(o.Policy)
	for i := range steps {
		if v := steps[i].Value; v != nil {
			steps[i].Value = ptr(round(1 - (1-*v)*(1-o.Target)))
		}
	}
	return steps
}

func sameSteps(a, b []Step) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Color != b[i].Color || (a[i].Value == nil) != (b[i].Value == nil) ||
			(a[i].Value != nil && *a[i].Value != *b[i].Value) {
			return false
		}
	}
	return true
}

// round drops float noise: 1 - 0.5 x 0.001 should read 0.9995, not
// 0.9994999999999999.
func round(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return r
}
