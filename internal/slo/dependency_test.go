package slo

import (
	"reflect"
	"testing"
)

// seedDeps is the seed's chain: Database on Storage, Payment Provider on
// Bank API, and a soft cache that bounds nothing.
func seedDeps() []Dependency {
	return []Dependency{
		{Name: "database", Hard: true, Availability: 0.9999,
			DependsOn: []Dependency{{Name: "storage", Hard: true, Availability: 0.9999}}},
		{Name: "payment-provider", Hard: true, Availability: 0.9995,
			DependsOn: []Dependency{{Name: "bank-api", Hard: true, Availability: 0.999}}},
		{Name: "cache", Hard: false, Availability: 0.99,
			DependsOn: []Dependency{{Name: "redis", Hard: true, Availability: 0.9}}},
	}
}

func TestCeiling(t *testing.T) {
	tests := []struct {
		name string
		deps []Dependency
		slo  string
		want float64
		ok   bool
	}{
		// 0.9999 x 0.9999 x 0.9995 x 0.999 = 0.998300809885005.
		{"the seed's chain bounds the service at 99.83%", seedDeps(), "availability", 0.998300809885005, true},
		// 1 - (0.001 x 0.001) = 0.999999.
		{"two redundant 99.9% providers give 99.9999%", []Dependency{
			{Name: "a", Hard: true, Availability: 0.999, Group: "pay"},
			{Name: "b", Hard: true, Availability: 0.999, Group: "pay"},
		}, "x", 0.999999, true},
		// Each member is 0.999 x 0.999 = 0.998001; 1 - 0.001999^2 = 0.999996003999.
		{"redundant members count their own chains", []Dependency{
			{Name: "a", Hard: true, Availability: 0.999, Group: "pay", DependsOn: []Dependency{{Name: "c", Hard: true, Availability: 0.999}}},
			{Name: "b", Hard: true, Availability: 0.999, Group: "pay", DependsOn: []Dependency{{Name: "d", Hard: true, Availability: 0.999}}},
		}, "x", 0.999996003999, true},
		// Top group g is a alone (0.9); b's nested group g is c alone (0.9): 0.9 x 0.9.
		{"groups of the same name at different levels stay apart", []Dependency{
			{Name: "a", Hard: true, Availability: 0.9, Group: "g"},
			{Name: "b", Hard: true, Availability: 1, DependsOn: []Dependency{{Name: "c", Hard: true, Availability: 0.9, Group: "g"}}},
		}, "x", 0.81, true},
		{"soft dependencies bound nothing, with their subtree", []Dependency{
			{Name: "cache", Availability: 0.99, DependsOn: []Dependency{{Name: "redis", Hard: true, Availability: 0.9}}},
		}, "x", 1, false},
		{"no dependencies bound nothing", nil, "x", 1, false},
		{"a dependency for other objectives does not bound this one", []Dependency{
			{Name: "search", Hard: true, Availability: 0.99, SLOs: []string{"latency"}},
		}, "availability", 1, false},
		{"a dependency naming this objective bounds it", []Dependency{
			{Name: "search", Hard: true, Availability: 0.99, SLOs: []string{"latency", "availability"}},
		}, "availability", 0.99, true},
		{"nested dependencies count whatever objectives they name", []Dependency{
			{Name: "db", Hard: true, Availability: 0.999, DependsOn: []Dependency{{Name: "disk", Hard: true, Availability: 0.99, SLOs: []string{"other"}}}},
		}, "availability", 0.999 * 0.99, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Ceiling(tt.deps, tt.slo)
			if ok != tt.ok || !near(got, tt.want, 1e-12) {
				t.Errorf("Ceiling = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCeilingFactors(t *testing.T) {
	tests := []struct {
		name string
		deps []Dependency
		slo  string
		want []CeilingFactor
	}{
		{"the seed's chain lists each hard dependency before its own", seedDeps(), "availability", []CeilingFactor{
			{Name: "database", Availability: 0.9999, Path: "database"},
			{Name: "storage", Availability: 0.9999, Path: "database/storage"},
			{Name: "payment-provider", Availability: 0.9995, Path: "payment-provider"},
			{Name: "bank-api", Availability: 0.999, Path: "payment-provider/bank-api"},
		}},
		{"group members carry their group", []Dependency{
			{Name: "a", Hard: true, Availability: 0.999, Group: "pay"},
			{Name: "b", Hard: true, Availability: 0.999, Group: "pay", SLOs: []string{"other"}},
		}, "x", []CeilingFactor{{Name: "a", Availability: 0.999, Group: "pay", Path: "a"}}},
		{"nothing bounding gives no factors", seedDeps()[2:], "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CeilingFactors(tt.deps, tt.slo); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CeilingFactors =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
