// Package report turns services and their figures into what people read:
// the explanation of a spec, the SLO document, and (later) SLA, tier and
// review reports. It computes with internal/slo and renders nothing itself
// beyond plain data; the CLI and the API choose text, Markdown or JSON.
package report

import (
	"math"
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// ErrorRatios are the error ratios an explanation shows each tier's
// detection time for: the SRE workbook's 100%, 10% and 1%.
var ErrorRatios = []float64{1, 0.1, 0.01}

// BurnRates are the burn rates an explanation shows the time to exhaust a
// full budget at.
var BurnRates = []float64{1, 2, 10, 1000}

// Explanation is what a spec means in figures, service by service.
type Explanation struct {
	Services []ServiceExplanation `json:"services"`
}

// ServiceExplanation is one service's figures.
type ServiceExplanation struct {
	Service       string            `json:"service"`
	Owner         string            `json:"owner,omitempty"`
	File          string            `json:"file"`
	SLOs          []SLOExplanation  `json:"slos"`
	SLA           *SLAExplanation   `json:"sla,omitempty"`
	TrafficPerSec float64           `json:"traffic_per_second,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
}

// SLOExplanation is one objective's figures.
type SLOExplanation struct {
	Name          string             `json:"name"`
	Description   string             `json:"description,omitempty"`
	SLIKind       string             `json:"sli_kind"`
	TargetPercent float64            `json:"target_percent"`
	Window        string             `json:"window"`
	WindowMinutes float64            `json:"window_minutes"`
	Budgeting     string             `json:"budgeting"`
	Budget        BudgetFigures      `json:"error_budget"`
	Exhaustion    []ExhaustionFigure `json:"exhaustion"`
	// AlertingDisabled is set when the SLO sends no alerts; Tiers is empty then.
	AlertingDisabled bool               `json:"alerting_disabled,omitempty"`
	Tiers            []TierFigures      `json:"alert_tiers"`
	Ceiling          *CeilingFigures    `json:"dependency_ceiling,omitempty"`
	TierTargets      []TierTargetFigure `json:"tier_targets,omitempty"`
	Policy           []PolicyFigure     `json:"policy"`
	Exclusions       int                `json:"maintenance_windows"`
}

// BudgetFigures is an error budget in every unit.
type BudgetFigures struct {
	Ratio   float64 `json:"ratio"`
	Minutes float64 `json:"minutes"`
	// Events is the budget in bad events at the given traffic; absent without it.
	Events *float64 `json:"events,omitempty"`
	// Slices is the budget in bad time slices, for the timeslices method.
	Slices *float64 `json:"slices,omitempty"`
}

// ExhaustionFigure is how long a full budget lasts at a burn rate.
type ExhaustionFigure struct {
	BurnRate float64 `json:"burn_rate"`
	Minutes  float64 `json:"minutes"`
	Human    string  `json:"human"`
}

// TierFigures is one alert tier with what it takes to fire.
type TierFigures struct {
	Name          string  `json:"name"`
	Severity      string  `json:"severity"`
	Action        string  `json:"action"`
	BurnRate      float64 `json:"burn_rate"`
	BudgetPercent float64 `json:"budget_percent"`
	LongWindow    string  `json:"long_window"`
	ShortWindow   string  `json:"short_window"`
	For           string  `json:"for,omitempty"`
	// KeepFiringFor is how long the alert keeps firing after its condition
	// clears, as a duration: 0s when it resolves at once.
	KeepFiringFor string `json:"keep_firing_for"`
	// MinValidEvents is the low-traffic guard: the tier fires only when its
	// long window holds at least this many valid events. 0 is no guard.
	MinValidEvents float64 `json:"min_valid_events"`
	// ErrorRatio is the error ratio at which the tier's burn rate is reached.
	ErrorRatio float64           `json:"error_ratio_threshold"`
	Detection  []DetectionFigure `json:"detection"`
}

// DetectionFigure is when a tier fires for a sudden, sustained error ratio,
// and what it has cost by then.
type DetectionFigure struct {
	ErrorRatio float64 `json:"error_ratio"`
	Fires      bool    `json:"fires"`
	Seconds    float64 `json:"detection_seconds,omitempty"`
	Human      string  `json:"detection,omitempty"`
	// BudgetSpentPercent is the share of the whole budget spent by then.
	BudgetSpentPercent float64 `json:"budget_spent_percent,omitempty"`
	// ResetSeconds is how long the alert keeps firing once the errors stop:
	// until the short window's burn rate falls below the threshold
	// (slo.AlertTier.ResetTime), then keep_firing_for longer.
	ResetSeconds float64 `json:"reset_seconds,omitempty"`
}

// CeilingFigures is the availability an SLO's hard dependencies allow.
type CeilingFigures struct {
	Percent      float64        `json:"percent"`
	AboveCeiling bool           `json:"slo_above_ceiling"`
	Factors      []FactorFigure `json:"factors"`
}

// FactorFigure is one hard dependency counted in a ceiling.
type FactorFigure struct {
	// Path names the dependency through its parents: payment-provider/bank-api.
	Path string `json:"path"`
	// AvailabilityPercent is the dependency's own published figure.
	AvailabilityPercent float64 `json:"availability_percent"`
	Group               string  `json:"group,omitempty"`
}

// TierTargetFigure is a customer tier's target and budget.
type TierTargetFigure struct {
	Tier          string  `json:"tier"`
	TargetPercent float64 `json:"target_percent"`
	BudgetMinutes float64 `json:"budget_minutes"`
	LatencyBelow  string  `json:"latency_below,omitempty"`
}

// PolicyFigure is one status of the budget policy.
type PolicyFigure struct {
	Status       string      `json:"status"`
	AbovePercent *float64    `json:"above_percent,omitempty"`
	Actions      slo.Actions `json:"actions"`
}

// SLAExplanation is the contract next to the SLO that measures it.
type SLAExplanation struct {
	SLO           string  `json:"slo"`
	TargetPercent float64 `json:"target_percent"`
	Window        string  `json:"window"`
	// BudgetMinutes is the downtime the SLA allows over its nominal window.
	BudgetMinutes float64 `json:"budget_minutes"`
	// HeadroomPercent is the SLO target minus the SLA target, in points.
	HeadroomPercent float64 `json:"headroom_percent"`
	// HeadroomMinutes is how many more minutes of full outage the SLA allows
	// than the SLO, over the SLA's window.
	HeadroomMinutes float64        `json:"headroom_minutes"`
	Credits         []CreditFigure `json:"credits"`
}

// CreditFigure is a line of the credit schedule.
type CreditFigure struct {
	BelowPercent  float64 `json:"below_percent"`
	CreditPercent float64 `json:"credit_percent"`
}

// Explain computes the figures of services. traffic is the valid events per
// second to express budgets in events; zero leaves them out.
func Explain(svcs []*slo.Service, traffic float64) Explanation {
	var out Explanation
	for _, s := range svcs {
		se := ServiceExplanation{Service: s.Name, Owner: s.Owner, File: s.File, TrafficPerSec: traffic, Labels: s.Labels}
		for i := range s.Objectives {
			se.SLOs = append(se.SLOs, explainSLO(s, &s.Objectives[i], traffic))
		}
		if s.SLA != nil {
			se.SLA = explainSLA(s)
		}
		out.Services = append(out.Services, se)
	}
	return out
}

func explainSLO(s *slo.Service, o *slo.Objective, traffic float64) SLOExplanation {
	period := o.Window.Nominal()
	e := SLOExplanation{
		Name: o.Name, Description: o.Description, SLIKind: string(o.SLI.Kind),
		TargetPercent: round(o.Target * 100), Window: o.Window.String(),
		WindowMinutes: period.Minutes(), Budgeting: o.Budgeting.Method.String(),
		Exclusions: len(o.Exclusions),
		Budget: BudgetFigures{
			Ratio:   round(o.BudgetRatio()),
			Minutes: round(slo.AllowedBad(o.Target, period).Minutes()),
		},
	}
	if traffic > 0 {
		ev := round(slo.AllowedEvents(o.Target, traffic*period.Seconds()))
		e.Budget.Events = &ev
	}
	if o.Budgeting.Method == slo.Timeslices && o.Budgeting.Slice > 0 {
		n := round(o.BudgetRatio() * float64(period/o.Budgeting.Slice))
		e.Budget.Slices = &n
	}
	for _, b := range BurnRates {
		d, _ := slo.TimeToExhaust(period, b)
		e.Exhaustion = append(e.Exhaustion, ExhaustionFigure{BurnRate: b, Minutes: round(d.Minutes()), Human: Human(d)})
	}
	e.AlertingDisabled = o.Alerting.Disabled
	for _, t := range o.Alerting.Tiers {
		if !o.Alerting.Disabled {
			e.Tiers = append(e.Tiers, explainTier(t, o.Target, period))
		}
	}
	if c, bounded := slo.Ceiling(s.Dependencies, o.Name); bounded {
		e.Ceiling = &CeilingFigures{Percent: round(c * 100), AboveCeiling: o.Target > c}
		for _, f := range slo.CeilingFactors(s.Dependencies, o.Name) {
			e.Ceiling.Factors = append(e.Ceiling.Factors, FactorFigure{Path: f.Path, AvailabilityPercent: round(f.Availability * 100), Group: f.Group})
		}
	}
	for _, name := range tierOrder(s, o) {
		t := o.TierTargets[name]
		f := TierTargetFigure{Tier: name, TargetPercent: round(t.Target * 100), BudgetMinutes: round(slo.AllowedBad(t.Target, period).Minutes())}
		if t.LatencyBelow > 0 {
			f.LatencyBelow = slo.FormatDuration(t.LatencyBelow)
		}
		e.TierTargets = append(e.TierTargets, f)
	}
	for i, r := range o.Policy.Rules {
		p := PolicyFigure{Status: r.Status.String(), Actions: r.Actions}
		if i < len(o.Policy.Rules)-1 { // the last status is the catch-all
			a := round(r.Above * 100)
			p.AbovePercent = &a
		}
		e.Policy = append(e.Policy, p)
	}
	return e
}

func explainTier(t slo.AlertTier, target float64, period time.Duration) TierFigures {
	f := TierFigures{
		Name: t.Name, Severity: t.Severity, Action: t.Action,
		BurnRate: round(t.BurnRate), BudgetPercent: round(t.Share(period) * 100),
		LongWindow: slo.FormatDuration(t.Long), ShortWindow: slo.FormatDuration(t.Short),
		ErrorRatio:    round(t.BurnRate * (1 - target)),
		KeepFiringFor: slo.FormatDuration(t.KeepFiringFor), MinValidEvents: round(t.MinValid),
	}
	if t.For > 0 {
		f.For = slo.FormatDuration(t.For)
	}
	for _, er := range ErrorRatios {
		d := DetectionFigure{ErrorRatio: er}
		if det, ok := t.DetectionTime(target, er); ok {
			d.Fires, d.Seconds, d.Human = true, round(det.Seconds()), Human(det)
			spent, _ := t.BudgetSpentAtDetection(target, er, period)
			d.BudgetSpentPercent = round(spent * 100)
			// ResetTime ends when the condition clears; the alert then
			// keeps firing for KeepFiringFor.
			if r, ok := t.ResetTime(target, er); ok {
				d.ResetSeconds = round((r + t.KeepFiringFor).Seconds())
			}
		}
		f.Detection = append(f.Detection, d)
	}
	return f
}

func explainSLA(s *slo.Service) *SLAExplanation {
	a := s.SLA
	period := a.Window.Nominal()
	e := &SLAExplanation{
		SLO: a.SLO, TargetPercent: round(a.Target * 100), Window: a.Window.String(),
		BudgetMinutes: round(slo.AllowedBad(a.Target, period).Minutes()),
	}
	if o, ok := s.Objective(a.SLO); ok {
		e.HeadroomPercent = round((o.Target - a.Target) * 100)
		e.HeadroomMinutes = round(e.BudgetMinutes - slo.AllowedBad(o.Target, period).Minutes())
	}
	credits := append([]slo.Credit(nil), a.Credits...)
	sort.Slice(credits, func(i, j int) bool { return credits[i].Below > credits[j].Below })
	for _, c := range credits {
		e.Credits = append(e.Credits, CreditFigure{BelowPercent: round(c.Below * 100), CreditPercent: round(c.Percent)})
	}
	return e
}

// tierOrder lists an objective's tier targets in the order the service
// declares its customer tiers.
func tierOrder(s *slo.Service, o *slo.Objective) []string {
	var names []string
	if s.Customers != nil {
		for _, t := range s.Customers.Tiers {
			if _, ok := o.TierTargets[t]; ok {
				names = append(names, t)
			}
		}
	}
	return names
}

// round keeps nine significant digits, enough for any figure a person reads
// and few enough to hide float noise (43.199999999999996 is 43.2).
func round(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	p := math.Pow(10, 9-math.Ceil(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

// Human writes a duration for people: 51.8s, 8.6m, 1.4h, 3d.
func Human(d time.Duration) string {
	switch {
	case d < time.Minute:
		return trim(d.Seconds()) + "s"
	case d < time.Hour:
		return trim(d.Minutes()) + "m"
	case d < 2*slo.Day:
		return trim(d.Hours()) + "h"
	default:
		return trim(d.Hours()/24) + "d"
	}
}
