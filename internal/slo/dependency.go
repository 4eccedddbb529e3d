package slo

// Measure returns the measured availability of the objective a dependency
// is measured by (Dependency.MeasuredBy, SERVICE/SLO), as a ratio; false
// when it has no data, or is not known.
type Measure func(ref string) (float64, bool)

// Ceiling is the highest availability the objective named slo can reach
// given its hard dependencies, since it cannot be up when one it needs is
// down. A top-level dependency bounds slo when its SLOs list is empty or
// names slo; nested DependsOn always count, multiplying into their parent.
// Members of one Group at one level fail together only, so a group's
// availability is 1 - product(1 - member). Soft dependencies are ignored with
// everything under them. False, with 1, when nothing bounds slo. Every
// dependency counts at its published Availability: the static ceiling that
// validation checks.
func Ceiling(deps []Dependency, slo string) (float64, bool) {
	return MeasuredCeiling(deps, slo, nil)
}

// MeasuredCeiling is Ceiling with each dependency that is measured by an
// objective (MeasuredBy) counted at what measure gives for it, where it
// gives something, instead of its published figure. A measured figure
// already holds what the dependency's own dependencies cost it, so its
// DependsOn are not multiplied in again. A nil measure measures nothing.
func MeasuredCeiling(deps []Dependency, slo string, measure Measure) (float64, bool) {
	return ceiling(deps, slo, true, measure)
}

func ceiling(deps []Dependency, slo string, top bool, measure Measure) (float64, bool) {
	avail, bounded := 1.0, false
	var groups []string
	down := map[string]float64{} // per group, the chance all members are down
	for _, d := range deps {
		if !counts(d, slo, top) {
			continue
		}
		bounded = true
		eff, measured := measuredAvailability(d, measure)
		if !measured {
			if sub, ok := ceiling(d.DependsOn, slo, false, measure); ok {
				eff *= sub
			}
		}
		if d.Group == "" {
			avail *= eff
			continue
		}
		if _, ok := down[d.Group]; !ok {
			groups = append(groups, d.Group) // keeps the product's order stable
			down[d.Group] = 1
		}
		down[d.Group] *= 1 - eff
	}
	for _, g := range groups {
		avail *= 1 - down[g]
	}
	return avail, bounded
}

// measuredAvailability is d's measured figure when it has one, else its
// published one; true when measured.
func measuredAvailability(d Dependency, measure Measure) (float64, bool) {
	if measure != nil && d.MeasuredBy != "" {
		if a, ok := measure(d.MeasuredBy); ok {
			return a, true
		}
	}
	return d.Availability, false
}

// counts reports whether d bounds slo: hard, and at the top level aimed at
// slo or at every objective.
func counts(d Dependency, slo string, top bool) bool {
	if !d.Hard {
		return false
	}
	if !top || len(d.SLOs) == 0 {
		return true
	}
	for _, s := range d.SLOs {
		if s == slo {
			return true
		}
	}
	return false
}

// CeilingFactor is one hard dependency counted in a Ceiling, for explaining it.
type CeilingFactor struct {
	// Name is the dependency's name as the spec writes it.
	Name string
	// Availability is the dependency's own published figure, before its
	// dependencies multiply in.
	Availability float64
	// Group is the redundancy group at the dependency's own level; empty
	// when it stands alone.
	Group string
	// Path is the chain of names from the top level: "payment-provider/bank-api".
	Path string
	// MeasuredBy is the objective that measures the dependency, SERVICE/SLO;
	// empty when none does.
	MeasuredBy string
	// Measured is the objective's measured availability, counted in place
	// of Availability; nil when the ceiling used the published figure.
	Measured *float64
}

// Used is the availability the ceiling counted for the factor itself: the
// measured one when there is one, else the published one.
func (f CeilingFactor) Used() float64 {
	if f.Measured != nil {
		return *f.Measured
	}
	return f.Availability
}

// CeilingFactors lists the hard dependencies Ceiling counts for slo, each
// before the ones it depends on, so that explain output can show the chain.
func CeilingFactors(deps []Dependency, slo string) []CeilingFactor {
	return MeasuredCeilingFactors(deps, slo, nil)
}

// MeasuredCeilingFactors lists the factors of MeasuredCeiling: a measured
// dependency without the ones under it, which its measure already holds.
func MeasuredCeilingFactors(deps []Dependency, slo string, measure Measure) []CeilingFactor {
	return factors(deps, slo, "", measure, nil)
}

func factors(deps []Dependency, slo, prefix string, measure Measure, out []CeilingFactor) []CeilingFactor {
	for _, d := range deps {
		if !counts(d, slo, prefix == "") {
			continue
		}
		path := prefix + d.Name
		f := CeilingFactor{Name: d.Name, Availability: d.Availability, Group: d.Group, Path: path, MeasuredBy: d.MeasuredBy}
		if a, ok := measuredAvailability(d, measure); ok {
			f.Measured = &a
		}
		out = append(out, f)
		if f.Measured == nil {
			out = factors(d.DependsOn, slo, path+"/", measure, out)
		}
	}
	return out
}
