package slo

import "time"

// Alerting is how an objective pages and files tickets: burn-rate tiers and
// budget-status alerts, with labels and annotations for every alert.
type Alerting struct {
	// Disabled turns off every alert of the objective.
	Disabled     bool
	Tiers        []AlertTier
	BudgetAlerts []BudgetAlert
	Labels       map[string]string
	Annotations  map[string]string
	RunbookURL   string
}

// AlertTier is one multi-window burn-rate condition: it fires when the burn
// rate over both the long and the short window is at or above BurnRate.
type AlertTier struct {
	Name     string
	Severity string
	// Action says what a human does: page, page_business_hours, ticket, review.
	Action string
	// BurnRate is the threshold, as a multiple of the rate that spends exactly
	// the whole budget over the SLO window.
	BurnRate float64
	// BudgetShare is the share of the whole budget that the tier spends over
	// its long window at BurnRate, when the tier was written that way; it is
	// how the tier scales to other SLO windows. Zero when BurnRate was given.
	BudgetShare float64
	Long        time.Duration
	Short       time.Duration
	// For is how long the condition must hold before the alert fires.
	For time.Duration
	// KeepFiringFor is how long a firing alert keeps firing after its
	// condition stops holding, so that a burn rate hovering at the
	// threshold does not page, resolve and page again.
	KeepFiringFor time.Duration
	// MinValid is the low-traffic guard: the tier fires only when its long
	// window holds at least this many valid events. 0 turns it off.
	MinValid    float64
	Labels      map[string]string
	Annotations map[string]string
}

// BudgetAlert fires while the budget is at or past a status (critical,
// exhausted).
type BudgetAlert struct {
	Status   Status
	Severity string
}
