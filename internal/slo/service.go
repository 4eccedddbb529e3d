// Package slo is the domain of the project: services, their objectives, SLIs,
// windows, error budgets, burn rates, alert tiers, budget policies, SLAs and
// dependencies. It is pure: it knows nothing of YAML, HTTP, SQL or Prometheus
// beyond holding PromQL text that other packages check and run.
package slo

import "time"

// Service is what one spec describes: a service, its owner and its objectives,
// with the contract (SLA) and the dependencies that bound them.
type Service struct {
	Name          string
	Owner         string
	Description   string
	ReviewCadence string
	Labels        map[string]string
	Objectives    []Objective
	SLA           *SLA
	Dependencies  []Dependency
	Customers     *Customers
	// File is the spec file the service came from, for messages.
	File string
}

// Objective returns the objective with the given name.
func (s *Service) Objective(name string) (*Objective, bool) {
	for i := range s.Objectives {
		if s.Objectives[i].Name == name {
			return &s.Objectives[i], true
		}
	}
	return nil, false
}

// Objective is one SLO: an SLI, a target for it and the window it holds over,
// with the alerting and budget policy that act on it.
type Objective struct {
	Service     string
	Name        string
	Description string
	Rationale   string
	Labels      map[string]string
	SLI         SLI
	// Target is the share of valid events (or time slices) that must be good,
	// as a ratio: 0.999 for 99.9%.
	Target     float64
	Window     Window
	Budgeting  Budgeting
	Exclusions []Maintenance
	Alerting   Alerting
	Policy     Policy
	// TierTargets holds per customer tier targets, by tier name, where the SLI
	// is measured per customer.
	TierTargets map[string]TierTarget
}

// Key names the objective across services: "service/slo".
func (o *Objective) Key() string { return o.Service + "/" + o.Name }

// BudgetRatio is the share of valid events allowed to be bad: 1 - target.
func (o *Objective) BudgetRatio() float64 { return 1 - o.Target }

// TierTarget is an objective's target for one customer tier. LatencyBelow, when
// set, replaces the latency threshold of the SLI's good-event filter for the tier.
type TierTarget struct {
	Target       float64
	LatencyBelow time.Duration
}

// Customers says how customers map to tiers, for SLIs measured per customer.
type Customers struct {
	// Tiers lists the tier names from most to least demanding or in any order
	// the owner prefers; reports keep this order.
	Tiers       []string
	DefaultTier string
	// Assignments maps a customer id to its tier, as written in the spec.
	Assignments map[string]string
	// MappingFile is a YAML or CSV file of customer,tier pairs, relative to
	// the spec file.
	MappingFile string
}

// Method is how an objective counts its budget.
type Method int

const (
	// Occurrences counts good events over valid events.
	Occurrences Method = iota
	// Timeslices counts good time slices over all slices, a slice being good
	// when its own SLI meets the slice target (OpenSLO's Timeslices).
	Timeslices
)

// String returns the spec name of the method.
func (m Method) String() string {
	if m == Timeslices {
		return "timeslices"
	}
	return "occurrences"
}

// Budgeting is the budgeting method with its time-slice parameters.
type Budgeting struct {
	Method Method
	// SliceTarget is the ratio a slice's SLI must reach for the slice to be good.
	SliceTarget float64
	// Slice is the length of one time slice.
	Slice time.Duration
}

// Tier returns the customer's tier: its assignment, else the default tier.
func (c *Customers) Tier(customer string) string {
	if t, ok := c.Assignments[customer]; ok {
		return t
	}
	return c.DefaultTier
}
