package spec

import (
	"math"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/slo-dev/slo/internal/slo"
)

// alerting resolves the alerting of an SLO of target over w: its own tiers,
// else the service's, else the defaults; labels and annotations merge, the
// SLO's winning; keep_firing_for and min_valid_events, the defaults of the
// tiers that do not set their own, are the SLO's, else the service's, else
// the defaults'.
func (d *decoder) alerting(path string, s *SLO, doc, defaults *Doc, w slo.Window, target float64) slo.Alerting {
	var out slo.Alerting
	tiersPath, tiers := "defaults.alerting.tiers", defaults.Alerting.Tiers
	budgetPath, budget := "defaults.alerting.budget_alerts", defaults.Alerting.BudgetAlerts
	ownTiers := false
	inherit := d.tierDefaults("defaults.alerting", defaults.Alerting, tierDefaults{})
	for _, a := range []struct {
		path string
		a    *Alerting
	}{{"alerting", doc.Alerting}, {join(path, "alerting"), s.Alerting}} {
		if a.a == nil {
			continue
		}
		out.Disabled = out.Disabled || a.a.Disabled
		if a.a.RunbookURL != "" {
			out.RunbookURL = a.a.RunbookURL
		}
		out.Labels = merge(out.Labels, a.a.Labels)
		out.Annotations = merge(out.Annotations, a.a.Annotations)
		inherit = d.tierDefaults(a.path, a.a, inherit)
		if a.a.Tiers != nil {
			tiersPath, tiers, ownTiers = join(a.path, "tiers"), a.a.Tiers, true
		}
		if a.a.BudgetAlerts != nil {
			budgetPath, budget = join(a.path, "budget_alerts"), a.a.BudgetAlerts
		}
	}
	// A default that does not fit this SLO is reported at its window.
	d.at["defaults"] = d.where(join(path, "window"))
	names := map[string]bool{}
	for i := range tiers {
		if !ownTiers && time.Duration(tiers[i].LongWindow) > w.Nominal() {
			continue // a default that cannot fit a short SLO window is left out
		}
		t := d.tier(index(tiersPath, i), &tiers[i], w, target, inherit)
		if names[t.Name] {
			d.errorf(join(index(tiersPath, i), "name"), "", "tier %q is defined twice", t.Name)
		}
		names[t.Name] = true
		out.Tiers = append(out.Tiers, t)
	}
	for i, b := range budget {
		p := index(budgetPath, i)
		st, ok := slo.ParseStatus(b.Status)
		if !ok || st < slo.Warning {
			d.errorf(join(p, "status"), "warning, critical or exhausted", "unknown budget status %q", b.Status)
		}
		if b.Severity == "" {
			d.errorf(join(p, "severity"), "such as warning or critical", "a budget alert needs a severity")
		}
		for _, prev := range out.BudgetAlerts {
			if ok && prev.Status == st {
				d.errorf(join(p, "status"), "one budget alert per status", "a budget alert at %s is defined twice", st)
			}
		}
		out.BudgetAlerts = append(out.BudgetAlerts, slo.BudgetAlert{Status: st, Severity: b.Severity})
	}
	return out
}

// tierDefaults are the values a tier takes for the fields it does not set.
type tierDefaults struct {
	keepFiringFor time.Duration
	minValid      MinValidEvents
}

// tierDefaults checks the tier defaults an alerting block at path sets and
// returns them over base, the defaults of the level below.
func (d *decoder) tierDefaults(path string, a *Alerting, base tierDefaults) tierDefaults {
	if a == nil {
		return base
	}
	if a.KeepFiringFor != nil {
		base.keepFiringFor = d.keepFiringFor(join(path, "keep_firing_for"), *a.KeepFiringFor)
	}
	if a.MinValidEvents != nil {
		base.minValid = d.minValidEvents(join(path, "min_valid_events"), *a.MinValidEvents)
	}
	return base
}

func (d *decoder) keepFiringFor(path string, v Span) time.Duration {
	if v < 0 {
		d.errorf(path, "0s to resolve as soon as the condition clears", "keep_firing_for %s is negative: it must be 0s or more", slo.FormatDuration(time.Duration(v)))
		return 0
	}
	return time.Duration(v)
}

func (d *decoder) minValidEvents(path string, v MinValidEvents) MinValidEvents {
	if !v.Auto && v.N < 0 {
		d.errorf(path, "0 turns the low-traffic guard off; auto sets it from the tier's burn rate", "min_valid_events %v is negative: it must be 0 or more, or auto", v.N)
		return MinValidEvents{}
	}
	return v
}

// resolve is the number of valid events a tier of burnRate needs under an
// objective of target: the number given, or auto's.
func (m MinValidEvents) resolve(burnRate, target float64) float64 {
	if m.Auto {
		return autoMinValid(burnRate, target)
	}
	return m.N
}

// autoMinValid is what min_valid_events: auto means for a tier of burnRate
// under an objective of target: the smallest whole number N of valid events
// such that one bad event among N cannot by itself bring the long window's
// burn rate to burnRate. One bad event among N is an error ratio of 1/N, a
// burn rate of 1/N / (1-target), which reaches burnRate while
// N <= 1/(burnRate x (1-target)); so
//
//	N = floor(1 / (burnRate x (1-target))) + 1
//
// For 99.9% that is 70 at 14.4x, 167 at 6x, 334 at 3x and 1001 at 1x: with
// fewer events in the long window, a single failure already looks like a
// burn worth the tier's alert. It is 0, no guard, when the objective is
// 100% or the burn rate is not positive: no number of events makes one bad
// event harmless then, or none is needed. Both products are rounded to 12
// digits first, since 1-0.999 is not exactly 0.001 in floating point and
// 1/(1 x 0.001) must be 1000, not 999.99..., for 1x to give 1001.
//
// It belongs next to slo.AlertTier's other figures (DetectionTime,
// ResetTime); it is here until internal/slo has it.
func autoMinValid(burnRate, target float64) float64 {
	budget := round(1 - target)
	if !(burnRate > 0) || !(budget > 0) {
		return 0
	}
	n := math.Floor(round(1/round(burnRate*budget))) + 1
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return 0 // a burn rate too close to 0 to compute with
	}
	return n
}

func (d *decoder) tier(path string, t *Tier, w slo.Window, target float64, inherit tierDefaults) slo.AlertTier {
	out := slo.AlertTier{
		Name: t.Name, Severity: t.Severity, Action: t.Action,
		Long: time.Duration(t.LongWindow), Short: time.Duration(t.ShortWindow), For: time.Duration(t.For),
		Labels: t.Labels, Annotations: t.Annotations,
	}
	d.name(join(path, "name"), t.Name)
	if strings.HasPrefix(t.Name, "budget_") {
		d.errorf(join(path, "name"), "names starting budget_ are the budget alerts'", "tier name %q is reserved", t.Name)
	}
	if out.Action == "" {
		out.Action = t.Name
	}
	if t.Severity == "" {
		d.errorf(join(path, "severity"), "such as critical, warning or info", "a tier needs a severity")
	}
	if out.Long == 0 {
		d.errorf(join(path, "long_window"), "such as 1h", "a tier needs a long window")
	} else if out.Long > w.Nominal() {
		d.errorf(join(path, "long_window"), "", "tier %s: the long window %s is longer than the SLO window %s", t.Name, slo.FormatDuration(out.Long), w)
	}
	if out.Short == 0 {
		d.errorf(join(path, "short_window"), "a twelfth of the long window is usual, such as 5m for 1h", "a tier needs a short window")
	} else if out.Long > 0 && out.Short >= out.Long {
		d.errorf(join(path, "short_window"), "the short window makes the alert reset fast; it must be shorter", "short window %s is not shorter than long window %s", slo.FormatDuration(out.Short), slo.FormatDuration(out.Long))
	}
	switch {
	case (t.BurnRate == nil) == (t.BudgetPercent == nil):
		d.errorf(path, "budget_percent scales with the SLO window; burn_rate is fixed", "give exactly one of burn_rate and budget_percent")
	case t.BurnRate != nil:
		if *t.BurnRate <= 0 {
			d.errorf(join(path, "burn_rate"), "", "burn rate %v must be above 0", *t.BurnRate)
		}
		out.BurnRate = *t.BurnRate
	default:
		out.BudgetShare = d.percent(join(path, "budget_percent"), t.BudgetPercent, true, true)
		if out.Long > 0 {
			out.BurnRate = slo.BurnFactor(out.BudgetShare, w.Nominal(), out.Long)
		}
	}
	out.KeepFiringFor = inherit.keepFiringFor
	if t.KeepFiringFor != nil {
		out.KeepFiringFor = d.keepFiringFor(join(path, "keep_firing_for"), *t.KeepFiringFor)
	}
	guard := inherit.minValid
	if t.MinValidEvents != nil {
		guard = d.minValidEvents(join(path, "min_valid_events"), *t.MinValidEvents)
	}
	out.MinValid = guard.resolve(out.BurnRate, target)
	if target > 0 && target < 1 && out.BurnRate*(1-target) > 1 {
		d.warnf(path, "lower the burn rate or the objective", "this tier can never fire: at %.4gx it needs more than 100%% errors for a %.6g%% objective", out.BurnRate, target*100)
	}
	return out
}

func (d *decoder) policy(path string, s *SLO, doc, defaults *Doc) slo.Policy {
	stagesPath, stages := "", defaults.Policy.Statuses
	fast := *defaults.Policy.FastBurn
	for _, p := range []struct {
		path string
		p    *Policy
	}{{"policy", doc.Policy}, {join(path, "policy"), s.Policy}} {
		if p.p == nil {
			continue
		}
		if p.p.Statuses != nil {
			stagesPath, stages = join(p.path, "statuses"), p.p.Statuses
		}
		if f := p.p.FastBurn; f != nil {
			if f.Warning != nil {
				fast.Warning = f.Warning
			}
			if f.Critical != nil {
				fast.Critical = f.Critical
			}
		}
	}
	out := slo.Policy{FastBurn: slo.FastBurn{Warning: deref(fast.Warning), Critical: deref(fast.Critical)}}
	if stagesPath == "" {
		stagesPath = "defaults.policy.statuses" // checked once, when embedded
	}
	prev, last := slo.NoData, 100.0
	for i, st := range stages {
		p := index(stagesPath, i)
		status, ok := slo.ParseStatus(st.Status)
		switch {
		case !ok || status == slo.NoData:
			d.errorf(join(p, "status"), "healthy, warning, critical or exhausted", "unknown status %q", st.Status)
		case status <= prev:
			d.errorf(join(p, "status"), "list them from healthiest to worst: healthy, warning, critical, exhausted", "status %q is out of order or given twice", st.Status)
		case i == len(stages)-1 && status != slo.Exhausted:
			d.errorf(join(p, "status"), "the last status is what an overspent budget reads as", "the last status must be exhausted, not %q", st.Status)
		}
		if ok {
			prev = max(prev, status)
		}
		rule := slo.PolicyRule{Status: status, Actions: slo.Actions{
			FeatureDevelopment: deref(st.FeatureDevelopment), RiskyDeployments: deref(st.RiskyDeployments),
			Experiments: deref(st.Experiments), OnCallEscalation: st.OnCallEscalation,
			DeploymentApproval: st.DeploymentApproval, RollbackThreshold: st.RollbackThreshold, Message: st.Message,
		}}
		isLast := i == len(stages)-1
		switch {
		case isLast && st.Above != nil:
			d.errorf(join(p, "above"), "the last status applies to whatever budget the others leave", "the last status takes no above")
		case !isLast && st.Above == nil:
			d.errorf(join(p, "above"), "the budget remaining, in percent, this status needs to exceed", "every status but the last needs above")
		case !isLast && (*st.Above < 0 || *st.Above >= last):
			d.errorf(join(p, "above"), "statuses go from healthiest to worst with falling thresholds", "above %v must be at least 0 and below 100 and the previous status's", *st.Above)
		case !isLast:
			rule.Above = *st.Above / 100
			last = *st.Above
		default:
			rule.Above = math.Inf(-1) // the catch-all, whatever the budget
		}
		out.Rules = append(out.Rules, rule)
	}
	return out
}

func (d *decoder) exclusion(path string, e *Exclusion) slo.Maintenance {
	out := slo.Maintenance{Name: e.Name, Duration: time.Duration(e.Duration), Schedule: e.Schedule, TimeZone: e.TimeZone}
	switch {
	case e.Schedule != "" && (e.Start != "" || e.End != ""):
		d.errorf(path, "a one-off window has start, a recurring one has schedule", "give either schedule or start, not both")
	case e.Schedule != "":
		// Without a zone a cron schedule would follow whatever zone the
		// times it is given carry; a spec means the same everywhere: UTC.
		zone := e.TimeZone
		if zone == "" {
			zone = "UTC"
		}
		if _, err := time.LoadLocation(zone); err != nil {
			d.errorf(join(path, "time_zone"), "an IANA name such as Europe/Berlin", "unknown time zone %q", e.TimeZone)
			break
		}
		if strings.Contains(e.Schedule, "TZ=") {
			d.errorf(join(path, "schedule"), "set time_zone instead", "the schedule must not name its own time zone")
			break
		}
		sched, err := cronParser.Parse("CRON_TZ=" + zone + " " + e.Schedule)
		if err != nil {
			d.errorf(join(path, "schedule"), "five cron fields: minute hour day-of-month month day-of-week, such as 0 2 * * 0", "schedule does not parse: %v", err)
			break
		}
		out.Next = sched.Next
		if e.Duration == 0 {
			d.errorf(join(path, "duration"), "such as 30m", "a recurring window needs a duration")
		} else if gap := shortestGap(sched.Next); time.Duration(e.Duration) >= gap {
			d.errorf(join(path, "duration"), "each window must end before the next starts", "duration %s is not shorter than the %s between two starts", slo.FormatDuration(time.Duration(e.Duration)), slo.FormatDuration(gap))
		}
	case e.Start != "":
		start, err := time.Parse(time.RFC3339, e.Start)
		if err != nil {
			d.errorf(join(path, "start"), "RFC 3339, such as 2026-11-01T02:00:00Z", "start does not parse: %v", err)
			break
		}
		out.Start = start
		switch {
		case e.End != "" && e.Duration != 0:
			d.errorf(path, "", "give either end or duration, not both")
		case e.End != "":
			end, err := time.Parse(time.RFC3339, e.End)
			if err != nil {
				d.errorf(join(path, "end"), "RFC 3339, such as 2026-11-01T04:00:00Z", "end does not parse: %v", err)
			} else if !end.After(start) {
				d.errorf(join(path, "end"), "", "end is not after start")
			} else {
				out.Duration = end.Sub(start)
			}
		case e.Duration == 0:
			d.errorf(path, "such as duration: 2h", "a one-off window needs end or duration")
		}
	default:
		d.errorf(path, "start and end for a one-off window, schedule and duration for a recurring one", "an exclusion needs start or schedule")
	}
	return out
}

// cronParser reads five-field schedules only: descriptors such as @every
// 1h run from whenever the process started, which a spec cannot mean.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// shortestGap is the shortest time between two starts of a schedule over a
// year, which covers every pattern of the five cron fields.
func shortestGap(next func(time.Time) time.Time) time.Duration {
	t := next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	end := t.AddDate(1, 0, 0)
	gap := time.Duration(math.MaxInt64)
	for i := 0; i < 1000 && t.Before(end); i++ {
		n := next(t)
		gap = min(gap, n.Sub(t))
		t = n
	}
	return gap
}

func merge(base, over map[string]string) map[string]string {
	if len(over) == 0 {
		return base
	}
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
