package slo

// Ceiling is the highest availability the objective named slo can reach
// given its hard dependencies, since it cannot be up when one it needs is
// down. A top-level dependency bounds slo when its SLOs list is empty or
// names slo; nested DependsOn always count, multiplying into their parent.
// Members of one Group at one level fail together only, so a group's
// availability is 1 - product(1 - member). Soft dependencies are ignored with
// everything under them. False, with 1, when nothing bounds slo.
func Ceiling(deps []Dependency, slo string) (float64, bool) {
	return ceiling(deps, slo, true)
}

func ceiling(deps []Dependency, slo string, top bool) (float64, bool) {
	avail, bounded := 1.0, false
	var groups []string
	down := map[string]float64{} // per group, the chance all members are down
	for _, d := range deps {
		if !counts(d, slo, top) {
			continue
		}
		bounded = true
		eff := d.Availability
		if sub, ok := ceiling(d.DependsOn, slo, false); ok {
			eff *= sub
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
}

// CeilingFactors lists the hard dependencies Ceiling counts for slo, each
// before the ones it depends on, so that explain output can show the chain.
func CeilingFactors(deps []Dependency, slo string) []CeilingFactor {
	return factors(deps, slo, "", nil)
}

func factors(deps []Dependency, slo, prefix string, out []CeilingFactor) []CeilingFactor {
	for _, d := range deps {
		if !counts(d, slo, prefix == "") {
			continue
		}
		path := prefix + d.Name
		out = append(out, CeilingFactor{Name: d.Name, Availability: d.Availability, Group: d.Group, Path: path})
		out = factors(d.DependsOn, slo, path+"/", out)
	}
	return out
}
