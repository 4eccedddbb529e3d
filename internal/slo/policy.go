package slo

import "fmt"

// Status is the state of an objective's error budget.
type Status int

// The statuses, from no data to exhausted. Their order is their severity.
const (
	// NoData: no valid events in the window. Never healthy, never a page.
	NoData Status = iota
	Healthy
	Warning
	Critical
	Exhausted
)

var statusNames = [...]string{"no_data", "healthy", "warning", "critical", "exhausted"}

// String returns the status as the spec and the API write it.
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// ParseStatus reads a status name.
func ParseStatus(s string) (Status, bool) {
	for i, n := range statusNames {
		if n == s {
			return Status(i), true
		}
	}
	return NoData, false
}

// Policy is an error budget policy: which status applies at which budget
// remaining, and what a team may do in each.
type Policy struct {
	// Rules are ordered from healthiest to worst; the first whose Above is
	// strictly below the remaining budget applies, and the last one
	// (exhausted) is the catch-all, whatever its Above. With no rules the
	// status is exhausted, so a missing policy never reads as healthy.
	Rules []PolicyRule
	// FastBurn escalates the status while the 1h burn rate is high, as the
	// seed's dashboard does: strictly above Warning the status is at least
	// warning, strictly above Critical at least critical. Zero disables each.
	FastBurn FastBurn
}

// FastBurn holds the 1h burn rates that escalate an objective's status.
type FastBurn struct {
	Warning  float64
	Critical float64
}

// PolicyRule is one status of a policy: the budget remaining it starts
// above, and the actions it allows.
type PolicyRule struct {
	Status Status
	// Above is the budget remaining, as a ratio of the whole budget, that the
	// status needs to exceed: 0.5 for healthy in the default policy.
	Above   float64
	Actions Actions
}

// Actions is what a team may do under a status.
type Actions struct {
	FeatureDevelopment bool
	RiskyDeployments   bool
	Experiments        bool
	OnCallEscalation   string
	DeploymentApproval string
	RollbackThreshold  string
	Message            string
}
