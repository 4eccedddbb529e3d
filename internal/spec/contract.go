package spec

import (
	"fmt"
	"strings"

	"github.com/slo-dev/slo/internal/slo"
)

func (d *decoder) sla(s *SLA, svc *slo.Service) *slo.SLA {
	if s == nil {
		return nil
	}
	out := &slo.SLA{SLO: s.SLO, Description: s.Description, Target: d.percent("sla.objective", s.Objective, true, false)}
	out.Window = d.window("sla.window", s.Window, "", slo.CalendarWindow(slo.CalendarMonth))
	if !out.Window.IsCalendar() {
		d.errorf("sla.window", "month, quarter or year", "an SLA is settled per calendar period, not over a rolling %s", out.Window)
	}
	o, ok := svc.Objective(s.SLO)
	switch {
	case s.SLO == "":
		d.errorf("sla.slo", "the name of the SLO whose SLI measures the SLA", "an SLA needs an slo")
	case !ok:
		d.errorf("sla.slo", "", "no SLO named %q in service %q", s.SLO, svc.Name)
	case o.Target > 0 && out.Target >= o.Target:
		d.errorf("sla.objective", "keep the internal SLO stricter than the promise, as 99.9% behind 99.5%", "the SLA (%g%%) must be weaker than its SLO %q (%g%%)", out.Target*100, o.Name, o.Target*100)
	}
	for i, c := range s.Credits {
		p := index("sla.credits", i)
		cr := slo.Credit{
			Below:   d.percent(join(p, "below"), c.Below, true, true),
			Percent: d.percent(join(p, "credit"), c.Credit, true, true) * 100,
		}
		if cr.Below > out.Target && out.Target > 0 {
			d.errorf(join(p, "below"), "credits are owed only when the SLA is missed", "credit threshold %g%% is above the SLA objective %g%%", cr.Below*100, out.Target*100)
		}
		for _, prev := range out.Credits {
			if prev.Below == cr.Below {
				d.errorf(join(p, "below"), "", "two credit lines for below %g%%", cr.Below*100)
			}
		}
		out.Credits = append(out.Credits, cr)
	}
	return out
}

// dependencies reads a level of the dependency tree. SLO names are checked
// at the top level only: nested dependencies bound whatever their parent does.
func (d *decoder) dependencies(path string, deps []Dependency, slos map[string]bool, top bool) []slo.Dependency {
	var out []slo.Dependency
	names := map[string]bool{}
	for i := range deps {
		dep := &deps[i]
		p := index(path, i)
		d.name(join(p, "name"), dep.Name)
		if names[dep.Name] {
			d.errorf(join(p, "name"), "", "dependency %q is listed twice here", dep.Name)
		}
		names[dep.Name] = true
		o := slo.Dependency{Name: dep.Name, Hard: true, Published: dep.Published, Group: dep.Group, SLOs: dep.SLOs}
		switch dep.Kind {
		case "", "hard":
		case "soft":
			o.Hard = false
		default:
			d.errorf(join(p, "kind"), "hard bounds the SLO; soft is degraded around", "unknown dependency kind %q", dep.Kind)
		}
		switch dep.Published {
		case "", "sla", "slo":
		default:
			d.errorf(join(p, "published"), "sla or slo", "unknown source %q for the published availability", dep.Published)
		}
		o.Availability = d.percent(join(p, "availability"), dep.Availability, true, true)
		for j, s := range dep.SLOs {
			if !top {
				d.errorf(index(join(p, "slos"), j), "nested dependencies bound what their parent bounds", "slos applies to top-level dependencies only")
			} else if !slos[s] {
				d.errorf(index(join(p, "slos"), j), "", "no SLO named %q", s)
			}
		}
		if dep.SLO != "" {
			svc, name, ok := strings.Cut(dep.SLO, "/")
			if !ok || !nameRE.MatchString(svc) || !nameRE.MatchString(name) {
				d.errorf(join(p, "slo"), "SERVICE/SLO of a spec loaded with this one, such as database/availability", "%q does not name an SLO", dep.SLO)
			} else {
				o.MeasuredBy = dep.SLO
			}
		}
		o.DependsOn = d.dependencies(join(p, "depends_on"), dep.DependsOn, slos, false)
		out = append(out, o)
	}
	return out
}

// checkCeilings warns where an SLO asks for more than its hard dependencies
// can give: the seed's lesson that a service is no more reliable than the
// chain it stands on.
func (d *decoder) checkCeilings(svc *slo.Service) {
	for i, o := range svc.Objectives {
		c, bounded := slo.Ceiling(svc.Dependencies, o.Name)
		if bounded && o.Target > c {
			d.warnf(join(index("slos", i), "objective"),
				"depend on more reliable services, add redundancy, degrade gracefully, or lower the objective",
				"objective %s is above the %s%% its hard dependencies allow", pct(o.Target), fmt.Sprintf("%.4g", c*100))
		}
	}
}

func pct(r float64) string { return fmt.Sprintf("%.6g%%", r*100) }

// built is a native document's decoder with the service it gave, kept for
// the checks that need every service of a load.
type built struct {
	d   *decoder
	svc *slo.Service
}

// checkMeasuredBy checks that each dependency measured by an objective
// names an SLO of another service loaded with it: the reference is what
// serve reads the measured availability from, so a typo would silently
// fall back to the published figure for ever.
func checkMeasuredBy(docs []built, svcs []*slo.Service) Errors {
	services := map[string]*slo.Service{}
	for _, s := range svcs {
		services[s.Name] = s
	}
	var errs Errors
	for _, b := range docs {
		n := len(b.d.errs)
		b.d.measuredBy("dependencies", b.svc.Name, b.svc.Dependencies, services)
		errs = append(errs, b.d.errs[n:]...)
	}
	return errs
}

func (d *decoder) measuredBy(path, self string, deps []slo.Dependency, services map[string]*slo.Service) {
	for i, dep := range deps {
		p := index(path, i)
		d.measuredBy(join(p, "depends_on"), self, dep.DependsOn, services)
		if dep.MeasuredBy == "" {
			continue
		}
		name, objective, _ := strings.Cut(dep.MeasuredBy, "/")
		svc, ok := services[name]
		switch {
		case name == self:
			d.errorf(join(p, "slo"), "a dependency is another service: name an SLO of its spec", "%s is an SLO of this service", dep.MeasuredBy)
		case !ok:
			d.errorf(join(p, "slo"), "validate and serve the dependency's spec with this one, as in slo validate a.yaml b.yaml", "no service %q among the specs loaded", name)
		default:
			if _, ok := svc.Objective(objective); !ok {
				d.errorf(join(p, "slo"), "its SLOs: "+strings.Join(objectiveNames(svc), ", "), "service %q has no SLO %q", name, objective)
			}
		}
	}
}

func objectiveNames(s *slo.Service) []string {
	out := make([]string, len(s.Objectives))
	for i, o := range s.Objectives {
		out[i] = o.Name
	}
	return out
}
