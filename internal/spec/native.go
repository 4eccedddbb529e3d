package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// APIVersion is the apiVersion of the native spec format.
const APIVersion = "slo/v1"

// The native format, slo/v1: one document describes one service. The
// structs mirror the YAML field for field; docs/spec.md documents each.
// Percentages are written as percents (99.9), durations as Prometheus writes
// them (5m, 30d).

// Doc is one native spec document.
type Doc struct {
	APIVersion    string            `yaml:"apiVersion"`
	Service       string            `yaml:"service"`
	Owner         string            `yaml:"owner,omitempty"`
	Description   string            `yaml:"description,omitempty"`
	ReviewCadence string            `yaml:"review_cadence,omitempty"`
	Labels        map[string]string `yaml:"labels,omitempty"`
	// Alerting and Policy here are the defaults of every SLO of the service.
	Alerting     *Alerting    `yaml:"alerting,omitempty"`
	Policy       *Policy      `yaml:"policy,omitempty"`
	SLOs         []SLO        `yaml:"slos,omitempty"`
	SLA          *SLA         `yaml:"sla,omitempty"`
	Dependencies []Dependency `yaml:"dependencies,omitempty"`
	Customers    *Customers   `yaml:"customers,omitempty"`
}

// SLO is one objective.
type SLO struct {
	Name        string                `yaml:"name,omitempty"`
	Description string                `yaml:"description,omitempty"`
	Rationale   string                `yaml:"rationale,omitempty"`
	Labels      map[string]string     `yaml:"labels,omitempty"`
	SLI         SLI                   `yaml:"sli,omitempty"`
	Objective   *float64              `yaml:"objective,omitempty"`
	Window      string                `yaml:"window,omitempty"`
	TimeZone    string                `yaml:"time_zone,omitempty"`
	Budgeting   *Budgeting            `yaml:"budgeting,omitempty"`
	Exclusions  []Exclusion           `yaml:"exclusions,omitempty"`
	Alerting    *Alerting             `yaml:"alerting,omitempty"`
	Policy      *Policy               `yaml:"policy,omitempty"`
	Tiers       map[string]TierTarget `yaml:"tiers,omitempty"`
}

// SLI holds exactly one source kind.
type SLI struct {
	Prometheus *PromSLI  `yaml:"prometheus,omitempty"`
	Events     *EventSLI `yaml:"events,omitempty"`
	AccessLog  *EventSLI `yaml:"accesslog,omitempty"`
}

// PromSLI is an SLI read from PromQL.
type PromSLI struct {
	Good          string     `yaml:"good,omitempty"`
	Bad           string     `yaml:"bad,omitempty"`
	Total         string     `yaml:"total,omitempty"`
	Histogram     *Histogram `yaml:"histogram,omitempty"`
	CustomerLabel string     `yaml:"customer_label,omitempty"`
}

// Histogram is a latency histogram SLI.
type Histogram struct {
	Metric    string   `yaml:"metric,omitempty"`
	Selector  string   `yaml:"selector,omitempty"`
	Threshold *float64 `yaml:"threshold,omitempty"`
}

// EventSLI classifies request events, pushed (events) or from an access log
// (accesslog: Path and Format).
type EventSLI struct {
	Stream        string  `yaml:"stream,omitempty"`
	Path          string  `yaml:"path,omitempty"`
	Format        string  `yaml:"format,omitempty"`
	Valid         Match   `yaml:"valid,omitempty"`
	Exclude       []Match `yaml:"exclude,omitempty"`
	Good          Match   `yaml:"good,omitempty"`
	CustomerField string  `yaml:"customer_field,omitempty"`
}

// Match is an event filter.
type Match struct {
	PathPrefix   []string          `yaml:"path_prefix,omitempty"`
	PathRegex    string            `yaml:"path_regex,omitempty"`
	Method       []string          `yaml:"method,omitempty"`
	Status       []string          `yaml:"status,omitempty"`
	LatencyBelow Duration          `yaml:"latency_below,omitempty"`
	Labels       map[string]string `yaml:"labels,omitempty"`
}

// Budgeting is the budgeting method.
type Budgeting struct {
	Method      string   `yaml:"method,omitempty"`
	Slice       Duration `yaml:"slice,omitempty"`
	SliceTarget *float64 `yaml:"slice_target,omitempty"`
}

// Exclusion is a maintenance window: one-off (start with end or duration)
// or recurring (a cron schedule with a duration).
type Exclusion struct {
	Name     string   `yaml:"name,omitempty"`
	Start    string   `yaml:"start,omitempty"`
	End      string   `yaml:"end,omitempty"`
	Duration Duration `yaml:"duration,omitempty"`
	Schedule string   `yaml:"schedule,omitempty"`
	TimeZone string   `yaml:"time_zone,omitempty"`
}

// Alerting is an objective's alerting; given tiers replace the defaults.
// KeepFiringFor and MinValidEvents here are the default of every tier that
// does not set its own.
type Alerting struct {
	Disabled       bool              `yaml:"disabled,omitempty"`
	RunbookURL     string            `yaml:"runbook_url,omitempty"`
	Labels         map[string]string `yaml:"labels,omitempty"`
	Annotations    map[string]string `yaml:"annotations,omitempty"`
	KeepFiringFor  *Span             `yaml:"keep_firing_for,omitempty"`
	MinValidEvents *MinValidEvents   `yaml:"min_valid_events,omitempty"`
	Tiers          []Tier            `yaml:"tiers,omitempty"`
	BudgetAlerts   []BudgetAlert     `yaml:"budget_alerts,omitempty"`
}

// Tier is a burn-rate alert tier, given by burn rate or by budget percent.
type Tier struct {
	Name          string   `yaml:"name,omitempty"`
	Severity      string   `yaml:"severity,omitempty"`
	Action        string   `yaml:"action,omitempty"`
	BurnRate      *float64 `yaml:"burn_rate,omitempty"`
	BudgetPercent *float64 `yaml:"budget_percent,omitempty"`
	LongWindow    Duration `yaml:"long_window,omitempty"`
	ShortWindow   Duration `yaml:"short_window,omitempty"`
	For           Duration `yaml:"for,omitempty"`
	// KeepFiringFor and MinValidEvents, when nil, come from the alerting
	// block of the SLO, else of the service, else of the defaults.
	KeepFiringFor  *Span             `yaml:"keep_firing_for,omitempty"`
	MinValidEvents *MinValidEvents   `yaml:"min_valid_events,omitempty"`
	Labels         map[string]string `yaml:"labels,omitempty"`
	Annotations    map[string]string `yaml:"annotations,omitempty"`
}

// BudgetAlert fires on a budget status.
type BudgetAlert struct {
	Status   string `yaml:"status,omitempty"`
	Severity string `yaml:"severity,omitempty"`
}

// Policy is a budget policy; given statuses replace the defaults.
type Policy struct {
	FastBurn *FastBurn     `yaml:"fast_burn,omitempty"`
	Statuses []PolicyStage `yaml:"statuses,omitempty"`
}

// FastBurn holds the 1h burn rates that escalate a status.
type FastBurn struct {
	Warning  *float64 `yaml:"warning,omitempty"`
	Critical *float64 `yaml:"critical,omitempty"`
}

// PolicyStage is one status of a policy and what it allows.
type PolicyStage struct {
	Status             string   `yaml:"status,omitempty"`
	Above              *float64 `yaml:"above,omitempty"`
	FeatureDevelopment *bool    `yaml:"feature_development,omitempty"`
	RiskyDeployments   *bool    `yaml:"risky_deployments,omitempty"`
	Experiments        *bool    `yaml:"experiments,omitempty"`
	OnCallEscalation   string   `yaml:"on_call_escalation,omitempty"`
	DeploymentApproval string   `yaml:"deployment_approval,omitempty"`
	RollbackThreshold  string   `yaml:"rollback_threshold,omitempty"`
	Message            string   `yaml:"message,omitempty"`
}

// TierTarget is an SLO's target for one customer tier.
type TierTarget struct {
	Objective    *float64 `yaml:"objective,omitempty"`
	LatencyBelow Duration `yaml:"latency_below,omitempty"`
}

// SLA is the service's contract.
type SLA struct {
	SLO         string   `yaml:"slo,omitempty"`
	Description string   `yaml:"description,omitempty"`
	Objective   *float64 `yaml:"objective,omitempty"`
	Window      string   `yaml:"window,omitempty"`
	Credits     []Credit `yaml:"credits,omitempty"`
}

// Credit is one line of a credit schedule.
type Credit struct {
	Below  *float64 `yaml:"below,omitempty"`
	Credit *float64 `yaml:"credit,omitempty"`
}

// Dependency is a service this one depends on.
type Dependency struct {
	Name         string       `yaml:"name,omitempty"`
	Kind         string       `yaml:"kind,omitempty"`
	Availability *float64     `yaml:"availability,omitempty"`
	Published    string       `yaml:"published,omitempty"`
	Group        string       `yaml:"group,omitempty"`
	SLOs         []string     `yaml:"slos,omitempty"`
	DependsOn    []Dependency `yaml:"depends_on,omitempty"`
	// SLO names the objective that measures the dependency, SERVICE/SLO,
	// among the specs loaded together.
	SLO string `yaml:"slo,omitempty"`
}

// Customers maps customers to tiers.
type Customers struct {
	Tiers       []string          `yaml:"tiers,omitempty"`
	DefaultTier string            `yaml:"default_tier,omitempty"`
	Assignments map[string]string `yaml:"assignments,omitempty"`
	MappingFile string            `yaml:"mapping_file,omitempty"`
}

// Duration is a duration written as Prometheus does (5m, 1h30m, 30d).
type Duration time.Duration

func (d *Duration) setScalar(s string) error {
	v, err := slo.ParseDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return fmt.Errorf("duration %q must be above zero", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back in the same form.
func (d Duration) MarshalYAML() (any, error) { return slo.FormatDuration(time.Duration(d)), nil }

// Span is a duration that may be zero (0s), written as Duration is. A
// leading minus sign is read, so that the field's own check can say that
// the value must not be negative rather than that it does not parse.
type Span time.Duration

func (d *Span) setScalar(s string) error {
	neg := strings.HasPrefix(s, "-")
	v, err := slo.ParseDuration(strings.TrimPrefix(s, "-"))
	if err != nil {
		_, err = slo.ParseDuration(s) // the message quotes the value as written
		return err
	}
	if neg {
		v = -v
	}
	*d = Span(v)
	return nil
}

// MarshalYAML writes the span back in the same form.
func (d Span) MarshalYAML() (any, error) { return slo.FormatDuration(time.Duration(d)), nil }

// MinValidEvents is a tier's low-traffic guard: a number of valid events
// (0 turns the guard off), or auto, which is resolved per tier from its
// burn rate and the objective (see autoMinValid).
type MinValidEvents struct {
	Auto bool
	// N is the number of events when not Auto. It is checked by the field's
	// user, so that a negative number is reported as out of range.
	N float64
}

func (m *MinValidEvents) setScalar(s string) error {
	if s == "auto" {
		*m = MinValidEvents{Auto: true}
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return fmt.Errorf("want a number of valid events or auto, found %q", s)
	}
	*m = MinValidEvents{N: n}
	return nil
}

// MarshalYAML writes auto or the number.
func (m MinValidEvents) MarshalYAML() (any, error) {
	if m.Auto {
		return "auto", nil
	}
	return m.N, nil
}
