package spec

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// nameRE is the shape of service, SLO, tier and dependency names: plain
// enough for Prometheus label values, URL parts and file names, and wide
// enough for the names Sloth specs use (K8s.apiserver).
var nameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$`)

const nameHint = "letters, digits, '.', '-' and '_', starting and ending with a letter or digit, at most 63"

// build turns a decoded native document into a service, checking every rule
// and recording each problem at the place it was written.
func (d *decoder) build(doc *Doc, defaults *Doc) *slo.Service {
	svc := &slo.Service{
		Name: doc.Service, Owner: doc.Owner, Description: doc.Description,
		ReviewCadence: doc.ReviewCadence, Labels: doc.Labels, File: d.file,
	}
	d.name("service", doc.Service)
	if len(doc.SLOs) == 0 {
		d.errorf("slos", "", "a service needs at least one SLO")
	}
	svc.Customers = d.customers(doc.Customers)
	seen := map[string]bool{}
	for i := range doc.SLOs {
		path := index("slos", i)
		s := &doc.SLOs[i]
		if s.Name != "" && seen[s.Name] {
			d.errorf(join(path, "name"), "", "SLO %q is defined twice in service %q", s.Name, doc.Service)
		}
		seen[s.Name] = true
		o := d.objective(path, s, doc, defaults, svc.Customers)
		o.Service = doc.Service
		svc.Objectives = append(svc.Objectives, o)
	}
	svc.SLA = d.sla(doc.SLA, svc)
	svc.Dependencies = d.dependencies("dependencies", doc.Dependencies, seen, true)
	d.checkCeilings(svc)
	return svc
}

func (d *decoder) name(path, name string) {
	if name == "" {
		d.errorf(path, "", "a name is required")
	} else if !nameRE.MatchString(name) {
		d.errorf(path, nameHint, "name %q is not a valid name", name)
	}
}

// percent checks a percent in (0, 100), or (0, 100] when full is allowed,
// and returns it as a ratio. A nil value is an error when required. The
// check is on the rounded ratio: 99.9999999999995 would round to 1.
func (d *decoder) percent(path string, v *float64, required, full bool) float64 {
	if v == nil {
		if required {
			d.errorf(path, "write it as a percent, such as 99.9", "a value is required")
		}
		return 0
	}
	// 99.9/100 is 0.9990000000000001 in floating point; rounding gives back
	// the 0.999 the author meant.
	r := round(*v / 100)
	if r <= 0 || r > 1 || (r == 1 && !full) {
		limit := "below 100"
		if full {
			limit = "at most 100"
		}
		d.errorf(path, "write it as a percent, such as 99.9", "%v is out of range: it must be above 0 and %s", *v, limit)
		return 0
	}
	return r
}

func (d *decoder) objective(path string, s *SLO, doc, defaults *Doc, customers *slo.Customers) slo.Objective {
	d.name(join(path, "name"), s.Name)
	o := slo.Objective{
		Name: s.Name, Description: s.Description, Rationale: s.Rationale, Labels: s.Labels,
		Target: d.percent(join(path, "objective"), s.Objective, true, false),
	}
	o.Window = d.window(join(path, "window"), s.Window, s.TimeZone, slo.RollingWindow(30*slo.Day))
	o.SLI = d.sli(join(path, "sli"), &s.SLI)
	o.Budgeting = d.budgeting(join(path, "budgeting"), s.Budgeting, o.Window)
	for i := range s.Exclusions {
		o.Exclusions = append(o.Exclusions, d.exclusion(index(join(path, "exclusions"), i), &s.Exclusions[i]))
	}
	o.Alerting = d.alerting(path, s, doc, defaults, o.Window, o.Target)
	o.Policy = d.policy(path, s, doc, defaults)
	o.TierTargets = d.tierTargets(join(path, "tiers"), s.Tiers, customers, o.Target, o.SLI)
	return o
}

// window reads a rolling duration (30d) or a calendar unit (month).
func (d *decoder) window(path, s, zone string, def slo.Window) slo.Window {
	if s == "" {
		return def
	}
	var w slo.Window
	if c, ok := slo.ParseCalendar(s); ok {
		w = slo.CalendarWindow(c)
	} else {
		dur, err := slo.ParseDuration(s)
		if err != nil {
			d.errorf(path, "a rolling length such as 30d or 28d, or week, month, quarter, year", "%v", err)
			return def
		}
		if dur < time.Hour || dur > 400*slo.Day {
			d.errorf(path, "", "a window of %s is not sane: use between 1h and 400d", s)
			return def
		}
		w = slo.RollingWindow(dur)
	}
	if zone != "" {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			d.errorf(path[:len(path)-len("window")]+"time_zone", "an IANA name such as Europe/Berlin", "unknown time zone %q", zone)
		} else if loc != time.UTC {
			w.Location = loc // nil is UTC: one spelling, so specs compare equal
		}
	}
	return w
}

func (d *decoder) budgeting(path string, b *Budgeting, w slo.Window) slo.Budgeting {
	if b == nil {
		return slo.Budgeting{}
	}
	switch b.Method {
	case "", "occurrences":
		if b.Slice != 0 || b.SliceTarget != nil {
			d.errorf(path, "set method: timeslices", "slice and slice_target apply only to the timeslices method")
		}
		return slo.Budgeting{}
	case "timeslices":
		out := slo.Budgeting{Method: slo.Timeslices, Slice: time.Duration(b.Slice)}
		if b.Slice == 0 {
			d.errorf(join(path, "slice"), "such as 1m or 5m", "the timeslices method needs a slice length")
		} else if time.Duration(b.Slice) >= w.Nominal() {
			d.errorf(join(path, "slice"), "", "a slice must be shorter than the window (%s)", w)
		}
		out.SliceTarget = d.percent(join(path, "slice_target"), b.SliceTarget, true, true)
		return out
	default:
		d.errorf(join(path, "method"), "occurrences or timeslices", "unknown budgeting method %q", b.Method)
		return slo.Budgeting{}
	}
}

func (d *decoder) tierTargets(path string, tiers map[string]TierTarget, c *slo.Customers, target float64, sli slo.SLI) map[string]slo.TierTarget {
	if len(tiers) == 0 {
		return nil
	}
	if c == nil {
		d.errorf(path, "declare the tiers under customers.tiers", "per-tier targets need the service's customers section")
	}
	out := map[string]slo.TierTarget{}
	for _, name := range sortedKeys(tiers) {
		t := tiers[name]
		tp := join(path, name)
		if c != nil && !contains(c.Tiers, name) {
			d.errorf(tp, "declared tiers: "+fmt.Sprint(c.Tiers), "tier %q is not declared under customers.tiers", name)
		}
		tt := slo.TierTarget{Target: target, LatencyBelow: time.Duration(t.LatencyBelow)}
		if t.Objective != nil {
			tt.Target = d.percent(join(tp, "objective"), t.Objective, true, false)
		}
		if tt.LatencyBelow > 0 && sli.Events == nil {
			d.errorf(join(tp, "latency_below"), "use an events or accesslog SLI, or a histogram SLI per tier", "a tier latency threshold needs an SLI that classifies events")
		}
		out[name] = tt
	}
	sliPath := strings.TrimSuffix(path, ".tiers") + ".sli"
	if sli.Kind == slo.SourcePrometheus && sli.Prometheus.CustomerLabel == "" {
		d.errorf(join(sliPath, "prometheus"), "set customer_label to the label holding the customer id", "per-tier targets need the SLI measured per customer")
	}
	if sli.Events != nil && sli.Events.CustomerField == "" {
		d.errorf(join(sliPath, string(sli.Kind)), "set customer_field (customer, for pushed events)", "per-tier targets need the SLI measured per customer")
	}
	return out
}

func (d *decoder) customers(c *Customers) *slo.Customers {
	if c == nil {
		return nil
	}
	out := &slo.Customers{Tiers: c.Tiers, DefaultTier: c.DefaultTier, Assignments: c.Assignments, MappingFile: c.MappingFile}
	if len(c.Tiers) == 0 {
		d.errorf("customers.tiers", "such as [free, standard, professional, enterprise]", "at least one tier is required")
	}
	seen := map[string]bool{}
	for i, t := range c.Tiers {
		p := index("customers.tiers", i)
		d.name(p, t)
		if seen[t] {
			d.errorf(p, "", "tier %q is listed twice", t)
		}
		seen[t] = true
	}
	if c.DefaultTier != "" && !seen[c.DefaultTier] {
		d.errorf("customers.default_tier", "", "default tier %q is not one of the tiers", c.DefaultTier)
	}
	for _, cust := range sortedKeys(c.Assignments) {
		if t := c.Assignments[cust]; !seen[t] {
			d.errorf(join("customers.assignments", cust), "", "tier %q is not one of the tiers", t)
		}
	}
	out.Assignments = d.assignments(c, seen)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
