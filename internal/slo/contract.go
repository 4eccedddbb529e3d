package slo

// SLA is a contract with customers: a target over a calendar window, and the
// credits owed when it is missed.
type SLA struct {
	// SLO names the objective whose SLI measures the SLA.
	SLO         string
	Description string
	Target      float64
	Window      Window
	// Credits is the schedule; reports sort it by Below, highest first.
	Credits []Credit
}

// Credit is a line of a credit schedule: below this availability (a ratio),
// this share of the bill is credited.
type Credit struct {
	Below   float64
	Percent float64
}

// Dependency is a service this one calls. Hard dependencies bound what the
// service can achieve; soft ones are degraded around and do not.
type Dependency struct {
	Name string
	Hard bool
	// Availability is the dependency's published availability as a ratio.
	Availability float64
	// Published says what the figure comes from: sla or slo.
	Published string
	// Group names a redundancy group: members of one group back each other up,
	// so the group fails only when all of them do. Groups are per level of
	// the tree: the same name under another parent is another group.
	Group string
	// SLOs names the objectives the dependency bounds; all when empty. It
	// applies at the top level only: nested DependsOn bound what their parent does.
	SLOs []string
	// DependsOn are the dependency's own dependencies, a chain whose
	// availabilities multiply.
	DependsOn []Dependency
	// MeasuredBy names the objective of slo that measures the dependency,
	// as SERVICE/SLO; empty when only the published figure is known. Where
	// it has data, its SLI stands in for Availability (see MeasuredCeiling).
	MeasuredBy string
}
