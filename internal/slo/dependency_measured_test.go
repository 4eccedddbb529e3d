package slo

import (
	"reflect"
	"testing"
)

// measuredDeps is the seed's chain with the database measured by its own
// availability SLO.
func measuredDeps() []Dependency {
	deps := seedDeps()
	deps[0].MeasuredBy = "database/availability"
	return deps
}

func measures(m map[string]float64) Measure {
	return func(ref string) (float64, bool) {
		a, ok := m[ref]
		return a, ok
	}
}

func TestMeasuredCeiling(t *testing.T) {
	tests := []struct {
		name    string
		deps    []Dependency
		measure Measure
		want    float64
	}{
		// 0.9990 replaces 0.9999 x 0.9999 (storage is in the measure):
		// 0.999 x 0.9995 x 0.999.
		{"a measured dependency counts at its SLI, without what it stands on", measuredDeps(),
			measures(map[string]float64{"database/availability": 0.999}), 0.999 * 0.9995 * 0.999},
		{"without data the published chain counts", measuredDeps(), measures(nil), 0.998300809885005},
		{"a nil measure is the static ceiling", measuredDeps(), nil, 0.998300809885005},
		{"a measure for an objective nobody names changes nothing", seedDeps(),
			measures(map[string]float64{"database/availability": 0.9}), 0.998300809885005},
		// 1 - (1 - 0.99)(1 - 0.999) = 0.99999.
		{"a measured member of a redundancy group counts in the group", []Dependency{
			{Name: "a", Hard: true, Availability: 0.999, Group: "g", MeasuredBy: "a/availability"},
			{Name: "b", Hard: true, Availability: 0.999, Group: "g"},
		}, measures(map[string]float64{"a/availability": 0.99}), 0.99999},
		{"a soft measured dependency bounds nothing", []Dependency{
			{Name: "a", Availability: 0.999, MeasuredBy: "a/availability"},
		}, measures(map[string]float64{"a/availability": 0.5}), 1},
		{"a nested dependency can be measured too", []Dependency{
			{Name: "a", Hard: true, Availability: 0.9999, DependsOn: []Dependency{
				{Name: "b", Hard: true, Availability: 0.9999, MeasuredBy: "b/availability"}}},
		}, measures(map[string]float64{"b/availability": 0.998}), 0.9999 * 0.998},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := MeasuredCeiling(tt.deps, "availability", tt.measure)
			if !near(got, tt.want, 1e-12) {
				t.Errorf("MeasuredCeiling = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMeasuredCeilingFactorsSayWhichFigureCounted(t *testing.T) {
	m := 0.999
	got := MeasuredCeilingFactors(measuredDeps(), "availability", measures(map[string]float64{"database/availability": m}))
	want := []CeilingFactor{
		{Name: "database", Availability: 0.9999, Path: "database", MeasuredBy: "database/availability", Measured: &m},
		{Name: "payment-provider", Availability: 0.9995, Path: "payment-provider"},
		{Name: "bank-api", Availability: 0.999, Path: "payment-provider/bank-api"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("factors =\n%+v\nwant\n%+v", got, want)
	}
	if got[0].Used() != 0.999 || got[1].Used() != 0.9995 {
		t.Errorf("Used = %v, %v; want the measured 0.999 and the published 0.9995", got[0].Used(), got[1].Used())
	}
	// Unmeasured, the database lists its storage again, at the published figure.
	if got := MeasuredCeilingFactors(measuredDeps(), "availability", measures(nil)); len(got) != 4 || got[0].Measured != nil || got[1].Path != "database/storage" {
		t.Errorf("without data: %+v", got)
	}
}
