package slo

import "testing"

func TestSLACredit(t *testing.T) {
	// "Below 99.5% 10%, below 99% 25%", written out of order on purpose.
	sla := SLA{Target: 0.995, Credits: []Credit{{Below: 0.99, Percent: 25}, {Below: 0.995, Percent: 10}}}
	tests := []struct {
		name     string
		sla      SLA
		achieved float64
		met      bool
		percent  float64
	}{
		{"99.2% misses and earns 10%", sla, 0.992, false, 10},
		{"98.5% misses and earns 25%", sla, 0.985, false, 25},
		{"99.6% meets and earns nothing", sla, 0.996, true, 0},
		{"exactly 99.5% meets and is not below the first line", sla, 0.995, true, 0},
		{"exactly 99% is below 99.5% only", sla, 0.99, false, 10},
		{"a miss without a schedule earns nothing", SLA{Target: 0.999}, 0.9, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			met, percent := tt.sla.Credit(tt.achieved)
			if met != tt.met || !near(percent, tt.percent, 1e-12) {
				t.Errorf("Credit(%v) = %v, %v; want %v, %v", tt.achieved, met, percent, tt.met, tt.percent)
			}
		})
	}
}
