package spec

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

// SlothVersion is the version of the Sloth spec format that is read: Sloth's
// plain prometheus/v1 file (https://sloth.dev), not its Kubernetes resource.
const SlothVersion = "prometheus/v1"

// slothWindow is the period Sloth holds its SLOs over unless told otherwise
// on its command line, which a spec file cannot say.
const slothWindow = "30d"

// slothAlertName is the annotation that keeps Sloth's alerting.name. slo
// names its alerts itself (by service, SLO and tier), so Sloth's name cannot
// be the alertname; as an annotation it still reaches the notification, so
// on-call recognise the alert they knew, without changing the alert's
// labels, and so its identity and routing.
const slothAlertName = "alert_name"

// The Sloth prometheus/v1 format, field for field.

type slothSpec struct {
	Version string            `yaml:"version"`
	Service string            `yaml:"service"`
	Labels  map[string]string `yaml:"labels"`
	SLOs    []slothSLO        `yaml:"slos"`
}

type slothSLO struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Objective   *float64          `yaml:"objective"`
	Labels      map[string]string `yaml:"labels"`
	InfoLabels  map[string]string `yaml:"infoLabels"`
	SLI         slothSLI          `yaml:"sli"`
	Alerting    slothAlerting     `yaml:"alerting"`
	Interval    yaml.Node         `yaml:"interval"`
}

type slothSLI struct {
	Events *slothEvents `yaml:"events"`
	Raw    *slothRaw    `yaml:"raw"`
	Plugin *slothPlugin `yaml:"plugin"`
}

type slothEvents struct {
	ErrorQuery string `yaml:"error_query"`
	TotalQuery string `yaml:"total_query"`
}

type slothRaw struct {
	ErrorRatioQuery string `yaml:"error_ratio_query"`
}

type slothPlugin struct {
	ID      string    `yaml:"id"`
	Options yaml.Node `yaml:"options"`
}

type slothAlerting struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	PageAlert   slothAlert        `yaml:"page_alert"`
	TicketAlert slothAlert        `yaml:"ticket_alert"`
}

type slothAlert struct {
	Disable     bool              `yaml:"disable"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// decodeSloth reads a Sloth prometheus/v1 document as the native service it
// describes; its problems are left in doc.d.errs.
func decodeSloth(doc *document) *slo.Service {
	d := doc.d
	var s slothSpec
	d.decode(doc.root, "", &s)
	if s.Version != SlothVersion {
		d.errorf("version", `Sloth specs start with version: "prometheus/v1"`, "unknown Sloth version %q", s.Version)
	}
	c := newConversion(d.file)
	// Sloth's top level is the native one, field for field.
	for _, p := range []string{"", "service", "labels", "slos"} {
		c.link(p, d, p)
	}
	native := &Doc{APIVersion: APIVersion, Service: s.Service, Labels: s.Labels}
	for i := range s.SLOs {
		native.SLOs = append(native.SLOs, c.slothSLO(d, index("slos", i), &s.SLOs[i]))
	}
	svc, errs := c.build(native)
	d.errs = append(d.errs, errs...)
	return svc
}

func (c *conversion) slothSLO(d *decoder, p string, s *slothSLO) SLO {
	for _, f := range []string{"", ".name", ".description", ".labels", ".objective"} {
		c.link(p+f, d, p+f)
	}
	// Sloth's period is not in the file: a window problem is the SLO's.
	c.link(join(p, "window"), d, p)
	if len(s.InfoLabels) > 0 {
		d.warnf(join(p, "infoLabels"), "use labels for labels every alert carries", "infoLabels are ignored: they label Sloth's sloth_slo_info series, which slo does not write")
	}
	if s.Interval.Kind != 0 {
		d.warnf(join(p, "interval"), "", "interval is ignored: slo evaluates its rules on its own schedule")
	}
	return SLO{
		Name: s.Name, Description: s.Description, Labels: s.Labels,
		Objective: s.Objective, Window: slothWindow,
		SLI:      c.slothSLI(d, join(p, "sli"), &s.SLI),
		Alerting: c.slothAlerting(d, join(p, "alerting"), &s.Alerting),
	}
}

func (c *conversion) slothSLI(d *decoder, p string, s *slothSLI) SLI {
	c.link(p, d, p)
	n := 0
	for _, set := range []bool{s.Events != nil, s.Raw != nil, s.Plugin != nil} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		d.errorf(p, "give exactly one of events, raw, plugin", "an SLI needs exactly one of events, raw and plugin, found %d", n)
		c.skip(p)
		return SLI{}
	case s.Raw != nil:
		d.errorf(join(p, "raw"), "rewrite it as events: error_query counting bad events and total_query counting all events",
			"a raw error ratio is not supported: budgets and burn rates weight each period's errors by its traffic, and a ratio has lost the traffic")
		c.skip(p)
		return SLI{}
	case s.Plugin != nil:
		d.errorf(join(p, "plugin"), "write the queries the plugin builds as events: error_query and total_query",
			"SLI plugins are not supported: Sloth builds their queries with Go code that slo does not run")
		c.skip(p)
		return SLI{}
	}
	ev, np := join(p, "events"), join(p, "prometheus")
	c.link(np, d, ev)
	c.link(join(np, "bad"), d, join(ev, "error_query"))
	c.link(join(np, "total"), d, join(ev, "total_query"))
	for _, q := range []struct{ field, text, what string }{
		{"error_query", s.Events.ErrorQuery, "bad events"},
		{"total_query", s.Events.TotalQuery, "all events"},
	} {
		if q.text == "" {
			d.errorf(join(ev, q.field), "the PromQL counting "+q.what+" over [{{.window}}]", "an events SLI needs %s", q.field)
			// build would say the same in terms of good, bad and total.
			c.skip(np)
			c.skip(join(np, "total"))
		}
	}
	// build checks the PromQL itself, at the links above.
	return SLI{Prometheus: &PromSLI{Bad: s.Events.ErrorQuery, Total: s.Events.TotalQuery}}
}

// slothTiers are Sloth's alert windows, as Sloth defines them: a share of
// the error budget spent over a long window, checked over a short one too
// (the SRE workbook's multiwindow, multi-burn-rate alerts). Sloth's page
// alert fires on either of the first two, its ticket alert on either of the
// last two; over Sloth's 30-day period they are burn rates of 14.4, 6, 3
// and 1. They are kept here rather than taken from slo's defaults, so that a
// Sloth SLO keeps alerting as Sloth did whatever the defaults become; their
// names are the default tiers' names, so that a Sloth SLO's alerts and rules
// compare with a native SLO's.
var slothTiers = []struct {
	name        string
	page        bool // page_alert's window, else ticket_alert's
	percent     float64
	long, short time.Duration
}{
	{"page", true, 2, time.Hour, 5 * time.Minute},
	{"page_business_hours", true, 5, 6 * time.Hour, 30 * time.Minute},
	{"ticket", false, 10, slo.Day, 2 * time.Hour},
	{"review", false, 10, 3 * slo.Day, 6 * time.Hour},
}

// slothAlerting maps Sloth's alerting: its page alert becomes two tiers of
// action page, its ticket alert two of action ticket, over Sloth's windows
// (slothTiers). An alert's labels and annotations go on its tiers, and a
// disabled alert's tiers are left out; a severity label becomes the tiers'
// severity, since slo writes the severity label from it, and without one
// page tiers are critical and ticket tiers warning. The tiers are always
// written out: slo's default tiers act differently (page_business_hours,
// review), which Sloth does not.
func (c *conversion) slothAlerting(d *decoder, p string, a *slothAlerting) *Alerting {
	for _, f := range []string{"", ".labels", ".annotations"} {
		c.link(p+f, d, p+f)
	}
	out := &Alerting{Labels: a.Labels, Annotations: a.Annotations}
	if a.Name != "" {
		out.Annotations = merge(map[string]string{slothAlertName: a.Name}, a.Annotations)
		c.link(join(p, "annotations."+slothAlertName), d, join(p, "name"))
	}
	if a.PageAlert.Disable && a.TicketAlert.Disable {
		// Sloth then writes no alert at all, so neither do budget alerts.
		c.link(join(p, "disabled"), d, join(p, "page_alert.disable"))
		out.Disabled = true
		return out
	}
	out.Tiers = []Tier{} // not nil: given tiers, even none, replace the defaults
	for _, w := range slothTiers {
		alert, from, action, severity := &a.TicketAlert, join(p, "ticket_alert"), "ticket", "warning"
		if w.page {
			alert, from, action, severity = &a.PageAlert, join(p, "page_alert"), "page", "critical"
		}
		if alert.Disable {
			continue
		}
		labels := merge(nil, alert.Labels)
		if sev, ok := labels["severity"]; ok {
			severity = sev
			delete(labels, "severity")
			if len(labels) == 0 {
				labels = nil
			}
		}
		t := Tier{
			Name: w.name, Severity: severity, Action: action, BudgetPercent: ptr(w.percent),
			LongWindow: Duration(w.long), ShortWindow: Duration(w.short),
			Labels: labels, Annotations: merge(nil, alert.Annotations),
		}
		tp := index(join(p, "tiers"), len(out.Tiers))
		c.link(tp, d, from)
		c.link(join(tp, "severity"), d, join(from, "labels.severity"))
		c.link(join(tp, "labels"), d, join(from, "labels"))
		c.link(join(tp, "annotations"), d, join(from, "annotations"))
		out.Tiers = append(out.Tiers, t)
	}
	return out
}
