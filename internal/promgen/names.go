package promgen

import (
	"time"

	"github.com/slo-dev/slo/internal/promsli"
)

// The series the rules record, each labelled service and slo. W is a window
// as a range: 5m, 1h, 30d.
const (
	// StepValid and StepBad are the valid and bad events over the five
	// minutes before each minute's evaluation: the only rules that read
	// the raw series. Every window sums them.
	StepValid = "slo:step_valid:increase5m"
	StepBad   = "slo:step_bad:increase5m"
	// ValidPrefix + W: valid events over W (slo:events_valid:increase1h).
	ValidPrefix = "slo:events_valid:increase"
	// BadPrefix + W: bad events over W.
	BadPrefix = "slo:events_bad:increase"
	// ErrorRatioPrefix + W: bad over valid events over W; no sample when
	// there were no valid events.
	ErrorRatioPrefix = "slo:error_ratio:increase"
	// SLI is good over valid events over the SLO window.
	SLI = "slo:sli:ratio"
	// Objective is the target, as a ratio: 0.999.
	Objective = "slo:objective:ratio"
	// ErrorBudget is 1 - target: the share of valid events allowed to be bad.
	ErrorBudget = "slo:error_budget:ratio"
	// BudgetRemaining is the share of the SLO window's budget left, negative
	// when overspent.
	BudgetRemaining = "slo:error_budget_remaining:ratio"
	// WindowSeconds is the SLO window's length in seconds.
	WindowSeconds = "slo:window:seconds"
)

// Valid, Bad and ErrorRatio name the series of one window.
func Valid(w time.Duration) string      { return ValidPrefix + promsli.Range(w) }
func Bad(w time.Duration) string        { return BadPrefix + promsli.Range(w) }
func ErrorRatio(w time.Duration) string { return ErrorRatioPrefix + promsli.Range(w) }
