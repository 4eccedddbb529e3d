package spec

import (
	"math"
	"reflect"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Native writes a service back in the native format, as `slo convert`
// prints it. Alert tiers and policies equal to the defaults are left out,
// so a converted spec shows only what its author chose.
func Native(s *slo.Service) *Doc {
	doc := &Doc{
		APIVersion: APIVersion, Service: s.Name, Owner: s.Owner, Description: s.Description,
		ReviewCadence: s.ReviewCadence, Labels: s.Labels,
	}
	for i := range s.Objectives {
		doc.SLOs = append(doc.SLOs, nativeSLO(&s.Objectives[i]))
	}
	if a := s.SLA; a != nil {
		doc.SLA = &SLA{SLO: a.SLO, Description: a.Description, Objective: pc(a.Target), Window: windowString(a.Window)}
		for _, c := range a.Credits {
			doc.SLA.Credits = append(doc.SLA.Credits, Credit{Below: pc(c.Below), Credit: ptr(c.Percent)})
		}
	}
	doc.Dependencies = nativeDeps(s.Dependencies)
	if c := s.Customers; c != nil {
		doc.Customers = &Customers{Tiers: c.Tiers, DefaultTier: c.DefaultTier, Assignments: c.Assignments, MappingFile: c.MappingFile}
	}
	return doc
}

func nativeSLO(o *slo.Objective) SLO {
	out := SLO{
		Name: o.Name, Description: o.Description, Rationale: o.Rationale, Labels: o.Labels,
		Objective: pc(o.Target), Window: windowString(o.Window), SLI: nativeSLI(o.SLI),
	}
	if o.Window.Location != nil && o.Window.Location != time.UTC {
		out.TimeZone = o.Window.Location.String()
	}
	if b := o.Budgeting; b.Method == slo.Timeslices {
		out.Budgeting = &Budgeting{Method: b.Method.String(), Slice: Duration(b.Slice), SliceTarget: pc(b.SliceTarget)}
	}
	for _, m := range o.Exclusions {
		e := Exclusion{Name: m.Name, Duration: Duration(m.Duration), Schedule: m.Schedule, TimeZone: m.TimeZone}
		if m.Next == nil {
			e.Start = m.Start.Format(time.RFC3339)
		}
		out.Exclusions = append(out.Exclusions, e)
	}
	def := defaultsFor(o.Window, o.Target)
	out.Alerting = nativeAlerting(o, def)
	if !reflect.DeepEqual(o.Policy, def.Policy) {
		out.Policy = nativePolicy(o.Policy)
	}
	for name, t := range o.TierTargets {
		if out.Tiers == nil {
			out.Tiers = map[string]TierTarget{}
		}
		out.Tiers[name] = TierTarget{Objective: pc(t.Target), LatencyBelow: Duration(t.LatencyBelow)}
	}
	return out
}

func nativeSLI(s slo.SLI) SLI {
	switch s.Kind {
	case slo.SourcePrometheus:
		p := s.Prometheus
		out := &PromSLI{Good: p.Good, Bad: p.Bad, Total: p.Total, CustomerLabel: p.CustomerLabel}
		if h := p.Histogram; h != nil {
			out.Histogram = &Histogram{Metric: h.Metric, Selector: h.Selector, Threshold: ptr(h.Threshold)}
		}
		return SLI{Prometheus: out}
	case slo.SourceEvents, slo.SourceAccessLog:
		e := s.Events
		out := &EventSLI{Stream: e.Stream, Valid: nativeMatch(e.Valid), Good: nativeMatch(e.Good), CustomerField: e.CustomerField}
		for _, m := range e.Exclude {
			out.Exclude = append(out.Exclude, nativeMatch(m))
		}
		if e.Log != nil {
			out.Path, out.Format = e.Log.Path, e.Log.Format
			return SLI{AccessLog: out}
		}
		return SLI{Events: out}
	}
	return SLI{}
}

func nativeMatch(m slo.Match) Match {
	out := Match{PathPrefix: m.PathPrefixes, Method: m.Methods, LatencyBelow: Duration(m.LatencyBelow), Labels: m.Labels}
	if m.PathRegex != nil {
		out.PathRegex = m.PathRegex.String()
	}
	for _, r := range m.Statuses {
		out.Status = append(out.Status, r.String())
	}
	return out
}

// nativeAlerting writes an objective's alerting, leaving out what equals
// def, the defaults over the objective's window.
func nativeAlerting(o *slo.Objective, def slo.Objective) *Alerting {
	a := o.Alerting
	out := &Alerting{Disabled: a.Disabled, RunbookURL: a.RunbookURL, Labels: a.Labels, Annotations: a.Annotations}
	if !reflect.DeepEqual(a.Tiers, def.Alerting.Tiers) {
		if keep, guard, ok := sharedTierDefaults(a.Tiers, def.Alerting.Tiers); ok {
			out.KeepFiringFor, out.MinValidEvents = keep, guard
		} else {
			out.Tiers = nativeTiers(a.Tiers, o.Target)
		}
	}
	if !reflect.DeepEqual(a.BudgetAlerts, def.Alerting.BudgetAlerts) {
		out.BudgetAlerts = []BudgetAlert{}
		for _, b := range a.BudgetAlerts {
			out.BudgetAlerts = append(out.BudgetAlerts, BudgetAlert{Status: b.Status.String(), Severity: b.Severity})
		}
	}
	if reflect.DeepEqual(*out, Alerting{}) {
		return nil
	}
	return out
}

// nativeTiers writes tiers out whole. keep_firing_for and min_valid_events
// are written on the tiers whose values the defaults would not give them.
func nativeTiers(tiers []slo.AlertTier, target float64) []Tier {
	def := newDecoder("defaults.yaml").tierDefaults("defaults.alerting", defaults.Alerting, tierDefaults{})
	out := []Tier{}
	for _, t := range tiers {
		nt := Tier{
			Name: t.Name, Severity: t.Severity, Action: t.Action, LongWindow: Duration(t.Long),
			ShortWindow: Duration(t.Short), For: Duration(t.For), Labels: t.Labels, Annotations: t.Annotations,
		}
		if t.BudgetShare > 0 {
			nt.BudgetPercent = pc(t.BudgetShare)
		} else {
			nt.BurnRate = ptr(t.BurnRate)
		}
		if t.KeepFiringFor != def.keepFiringFor {
			nt.KeepFiringFor = ptr(Span(t.KeepFiringFor))
		}
		if t.MinValid != def.minValid.resolve(t.BurnRate, target) {
			nt.MinValidEvents = &MinValidEvents{N: t.MinValid}
		}
		out = append(out, nt)
	}
	return out
}

// sharedTierDefaults finds whether tiers are the default tiers def but for
// keep_firing_for and min_valid_events, each the same on every tier (or, for
// min_valid_events, the defaults' own). If so they are written once, at the
// alerting level, rather than the tiers whole; nil when the defaults' own.
func sharedTierDefaults(tiers, def []slo.AlertTier) (*Span, *MinValidEvents, bool) {
	if len(tiers) != len(def) || len(tiers) == 0 {
		return nil, nil, false
	}
	sameKeep, sameGuard := true, true
	for i := range tiers {
		t, dt := tiers[i], def[i]
		t.KeepFiringFor, t.MinValid, dt.KeepFiringFor, dt.MinValid = 0, 0, 0, 0
		if !reflect.DeepEqual(t, dt) || tiers[i].KeepFiringFor != tiers[0].KeepFiringFor {
			return nil, nil, false
		}
		sameKeep = sameKeep && tiers[i].KeepFiringFor == def[i].KeepFiringFor
		sameGuard = sameGuard && tiers[i].MinValid == def[i].MinValid
	}
	var keep *Span
	if !sameKeep {
		keep = ptr(Span(tiers[0].KeepFiringFor))
	}
	var guard *MinValidEvents
	if !sameGuard {
		for _, t := range tiers {
			if t.MinValid != tiers[0].MinValid {
				return nil, nil, false
			}
		}
		guard = &MinValidEvents{N: tiers[0].MinValid}
	}
	return keep, guard, true
}

func nativePolicy(p slo.Policy) *Policy {
	out := &Policy{FastBurn: &FastBurn{Warning: ptr(p.FastBurn.Warning), Critical: ptr(p.FastBurn.Critical)}}
	for i, r := range p.Rules {
		st := PolicyStage{
			Status: r.Status.String(), FeatureDevelopment: ptr(r.Actions.FeatureDevelopment),
			RiskyDeployments: ptr(r.Actions.RiskyDeployments), Experiments: ptr(r.Actions.Experiments),
			OnCallEscalation: r.Actions.OnCallEscalation, DeploymentApproval: r.Actions.DeploymentApproval,
			RollbackThreshold: r.Actions.RollbackThreshold, Message: r.Actions.Message,
		}
		if i < len(p.Rules)-1 {
			st.Above = ptr(round(r.Above * 100))
		}
		out.Statuses = append(out.Statuses, st)
	}
	return out
}

func nativeDeps(deps []slo.Dependency) []Dependency {
	var out []Dependency
	for _, d := range deps {
		kind := "hard"
		if !d.Hard {
			kind = "soft"
		}
		out = append(out, Dependency{
			Name: d.Name, Kind: kind, Availability: pc(d.Availability), Published: d.Published,
			Group: d.Group, SLOs: d.SLOs, DependsOn: nativeDeps(d.DependsOn), SLO: d.MeasuredBy,
		})
	}
	return out
}

// defaultsFor is the alerting and policy an SLO of target with no settings
// of its own gets over window w.
func defaultsFor(w slo.Window, target float64) slo.Objective {
	d := newDecoder("defaults.yaml")
	s := &SLO{Name: "x"}
	return slo.Objective{Alerting: d.alerting("slos[0]", s, &Doc{}, defaults, w, target), Policy: d.policy("slos[0]", s, &Doc{}, defaults)}
}

func windowString(w slo.Window) string {
	if w.IsCalendar() {
		return w.Calendar.String()
	}
	return slo.FormatDuration(w.Rolling)
}

// pc turns a ratio back into the percent the spec writes, less float noise.
func pc(r float64) *float64 { return ptr(ratioPercent(r)) }

// round keeps 12 significant digits: enough for any target or threshold a
// person writes, few enough to drop the noise of float arithmetic.
func round(x float64) float64 {
	if x == 0 {
		return 0
	}
	p := math.Pow(10, 12-math.Ceil(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

func ptr[T any](v T) *T { return &v }
