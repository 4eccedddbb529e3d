package slo

import (
	"math"
	"testing"
)

// seedPolicy is the seed's policy, built here because the defaults come from
// YAML elsewhere.
func seedPolicy() Policy {
	return Policy{
		Rules: []PolicyRule{
			{Status: Healthy, Above: 0.5},
			{Status: Warning, Above: 0.2},
			{Status: Critical, Above: 0},
			{Status: Exhausted, Above: math.Inf(-1)},
		},
		FastBurn: FastBurn{Warning: 5, Critical: 10},
	}
}

func TestPolicyStatus(t *testing.T) {
	seed := seedPolicy()
	noFast := seedPolicy()
	noFast.FastBurn = FastBurn{}
	finiteLast := seedPolicy()
	finiteLast.Rules[3].Above = -1
	tests := []struct {
		name              string
		policy            Policy
		remaining, burn1h float64
		want              Status
	}{
		{"62% remaining is healthy", seed, 0.62, 0, Healthy},
		{"exactly 50% remaining is warning", seed, 0.5, 0, Warning},
		{"30% remaining is warning", seed, 0.3, 0, Warning},
		{"exactly 20% remaining is critical", seed, 0.2, 0, Critical},
		{"1% remaining is critical", seed, 0.01, 0, Critical},
		{"nothing remaining is exhausted", seed, 0, 0, Exhausted},
		{"an overspent budget is exhausted", seed, -0.04, 0, Exhausted},
		{"a healthy budget burning at 11 is critical", seed, 0.62, 11, Critical},
		{"a healthy budget burning at 6 is warning", seed, 0.62, 6, Warning},
		{"a burn rate exactly at the warning rate does not escalate", seed, 0.62, 5, Healthy},
		{"a burn rate exactly at the critical rate is only warning", seed, 0.62, 10, Warning},
		{"a fast burn never de-escalates an exhausted budget", seed, -0.04, 11, Exhausted},
		{"a warning burn leaves a critical budget critical", seed, 0.1, 6, Critical},
		{"zero fast burn rates disable escalation", noFast, 0.62, 100, Healthy},
		{"the last rule catches what is below its own Above", finiteLast, -1.5, 0, Exhausted},
		{"a policy without rules gives exhausted", Policy{}, 0.9, 0, Exhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Status(tt.remaining, tt.burn1h); got != tt.want {
				t.Errorf("Status(%v, %v) = %v, want %v", tt.remaining, tt.burn1h, got, tt.want)
			}
		})
	}
}

func TestPolicyRule(t *testing.T) {
	p := seedPolicy()
	tests := []struct {
		name   string
		status Status
		above  float64
		ok     bool
	}{
		{"the warning rule starts above 20%", Warning, 0.2, true},
		{"the healthy rule starts above 50%", Healthy, 0.5, true},
		{"no data has no rule", NoData, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := p.Rule(tt.status)
			if ok != tt.ok || (ok && (r.Status != tt.status || r.Above != tt.above)) {
				t.Errorf("Rule(%v) = %+v, %v; want Above %v, %v", tt.status, r, ok, tt.above, tt.ok)
			}
		})
	}
}
