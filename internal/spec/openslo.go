package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// OpenSLOVersion is the apiVersion of the OpenSLO documents that are read
// (https://github.com/OpenSLO/OpenSLO).
const OpenSLOVersion = "openslo/v1"

// openSLOKinds are the kinds of openslo/v1. AlertNotificationTarget is read
// and checked but used for nothing: where alerts go is Alertmanager's
// business. BudgetAdjustment, added to v1 later, is not supported yet.
var openSLOKinds = []string{"SLO", "SLI", "Service", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "BudgetAdjustment"}

// openSLO is one load's OpenSLO documents, indexed so that references by
// name (indicatorRef, metricSourceRef, alertPolicyRef, conditionRef) resolve
// across documents and files. Referenced objects are resolved once, so that
// their own problems are reported once however many SLOs use them.
type openSLO struct {
	named      map[string]map[string]*osDoc // kind, then name
	slos       []*osDoc
	indicators map[*osDoc]*osIndicator
	policies   map[*osDoc][]*osTier
	conditions map[*osDoc]*osTier
}

// osDoc is one decoded OpenSLO document.
type osDoc struct {
	doc    *document
	obj    osObject
	spec   any  // *osSLO, *osSLI, ... by kind; nil when the kind is unknown
	nameOK bool // metadata.name is present and valid
}

// decodeOpenSLO reads OpenSLO v1 documents, all of one load together, as
// native services: one for each spec.service their SLOs name.
func decodeOpenSLO(docs []*document) ([]*slo.Service, Errors) {
	o := &openSLO{
		named: map[string]map[string]*osDoc{}, indicators: map[*osDoc]*osIndicator{},
		policies: map[*osDoc][]*osTier{}, conditions: map[*osDoc]*osTier{},
	}
	for _, doc := range docs {
		o.read(doc)
	}
	var svcs []*slo.Service
	var errs Errors
	groups, order := map[string][]*osDoc{}, []string{}
	for _, od := range o.slos {
		name := od.spec.(*osSLO).Service
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], od)
	}
	for _, name := range order {
		svc, more := o.service(name, groups[name])
		svcs = append(svcs, svc)
		errs = append(errs, more...)
	}
	for _, doc := range docs {
		errs = append(errs, doc.d.errs...)
	}
	return svcs, errs
}

// read decodes a document by its kind and indexes it by name.
func (o *openSLO) read(doc *document) {
	d := doc.d
	od := &osDoc{doc: doc}
	d.decode(doc.root, "", &od.obj)
	if v := od.obj.APIVersion; v != OpenSLOVersion {
		d.errorf("apiVersion", "write apiVersion: openslo/v1; other OpenSLO versions are not supported", "unsupported OpenSLO version %q", v)
		return
	}
	od.nameOK = o.metadata(d, "metadata", &od.obj.Metadata)
	kind := od.obj.Kind
	switch kind {
	case "SLO":
		od.spec = &osSLO{}
	case "SLI":
		od.spec = &osSLI{}
	case "Service":
		od.spec = &osService{}
	case "DataSource":
		od.spec = &osDataSource{}
	case "AlertPolicy":
		od.spec = &osPolicy{}
	case "AlertCondition":
		od.spec = &osCondition{}
	case "AlertNotificationTarget":
		od.spec = &osTarget{}
	case "BudgetAdjustment":
		d.warnf("kind", "", "BudgetAdjustment is not supported yet; the document is ignored")
		return
	case "":
		d.errorf("kind", "one of "+strings.Join(openSLOKinds, ", "), "an OpenSLO document needs a kind")
		return
	default:
		hint := "one of " + strings.Join(openSLOKinds, ", ")
		if c := closest(kind, openSLOKinds); c != "" {
			hint = "did you mean " + c + "?"
		}
		d.errorf("kind", hint, "unknown OpenSLO kind %q", kind)
		return
	}
	switch {
	case od.obj.Spec.Kind != 0:
		decodeNode(d, &od.obj.Spec, "spec", od.spec)
	case kind != "Service": // a Service's spec holds only its description
		d.errorf("spec", "", "a %s needs a spec", kind)
		return
	}
	if ds, ok := od.spec.(*osDataSource); ok && ds.Type == "" {
		d.errorf("spec.type", "such as Prometheus", "a DataSource needs a type")
	}
	if kind == "SLO" {
		o.slos = append(o.slos, od)
		return // SLOs are named per service, where build checks them
	}
	if !od.nameOK {
		return
	}
	byName := o.named[kind]
	if byName == nil {
		byName = map[string]*osDoc{}
		o.named[kind] = byName
	}
	name := od.obj.Metadata.Name
	if prev, ok := byName[name]; ok {
		p := prev.doc.d.where("metadata.name")
		d.errorf("metadata.name", fmt.Sprintf("the other is at %s:%d:%d", p.File, p.Line, p.Column), "%s %q is defined twice", kind, name)
		return
	}
	byName[name] = od
}

// metadata checks an object's metadata and says whether its name is usable.
func (o *openSLO) metadata(d *decoder, path string, m *osMetadata) bool {
	switch {
	case m.Name == "":
		d.errorf(join(path, "name"), "", "an OpenSLO object needs metadata.name")
	case !dnsLabel.MatchString(m.Name):
		d.errorf(join(path, "name"), "an RFC 1123 label: up to 63 lower-case letters, digits and -, starting and ending with a letter or digit", "name %q is not a valid OpenSLO name", m.Name)
	default:
		return true
	}
	return false
}

// find looks up a referenced object, reporting at path when it is missing.
func (o *openSLO) find(d *decoder, path, kind, name string) *osDoc {
	if od := o.named[kind][name]; od != nil {
		return od
	}
	d.errorf(path, o.missing(kind, name), "no %s named %q", kind, name)
	return nil
}

// missing is the hint for a reference to an object that is not loaded: the
// likely typo, the names loaded, or how to add it.
func (o *openSLO) missing(kind, name string) string {
	hint := fmt.Sprintf("add a document with kind: %s and metadata.name: %s, or load the file that has it", kind, name)
	if names := sortedKeys(o.named[kind]); len(names) > 0 {
		hint = fmt.Sprintf("%s documents loaded: %s", kind, strings.Join(names, ", "))
		// Only a near miss is a likely typo: names often share a prefix.
		if c := closest(name, names); c != "" && editDistance(name, c) <= max(2, len(name)/4) {
			hint = "did you mean " + c + "?"
		}
	}
	return hint
}

// service builds the native document of one service out of its SLOs.
func (o *openSLO) service(name string, slos []*osDoc) (*slo.Service, Errors) {
	first := slos[0].doc.d
	native := &Doc{APIVersion: APIVersion, Service: name}
	sd := o.named["Service"][name]
	file := first.file
	if sd != nil {
		file = sd.doc.d.file
	}
	c := newConversion(file)
	c.link("", first, "spec")
	c.link("service", first, "spec.service")
	switch {
	case name == "":
		c.skip("service") // reported at each SLO
	case sd != nil:
		spec := sd.spec.(*osService)
		native.Description = spec.Description
		native.Labels = joinLabels(sd.obj.Metadata.Labels)
		c.link("service", sd.doc.d, "metadata.name")
		c.link("description", sd.doc.d, "spec.description")
		c.link("labels", sd.doc.d, "metadata.labels")
	}
	for j, od := range slos {
		native.SLOs = append(native.SLOs, o.slo(c, index("slos", j), od))
	}
	return c.build(native)
}

// slo maps one SLO document to a native SLO at path p.
func (o *openSLO) slo(c *conversion, p string, od *osDoc) SLO {
	d, s, md := od.doc.d, od.spec.(*osSLO), &od.obj.Metadata
	out := SLO{Name: md.Name, Description: s.Description, Labels: joinLabels(md.Labels)}
	c.link(p, d, "spec")
	c.link(join(p, "name"), d, "metadata.name")
	c.link(join(p, "description"), d, "spec.description")
	c.link(join(p, "labels"), d, "metadata.labels")
	if !od.nameOK {
		c.skip(join(p, "name"))
	}
	if s.Service == "" {
		d.errorf("spec.service", "the name of the Service the SLO belongs to", "an SLO needs a service")
	} else if o.named["Service"][s.Service] == nil {
		// OpenSLO v1 leaves it to the implementation whether spec.service
		// must name a Service document: the name alone is enough here.
		d.warnf("spec.service", o.missing("Service", s.Service),
			"no Service named %q: the SLO belongs to service %q, which has no description or labels", s.Service, s.Service)
	}
	out.Objective, out.Budgeting = o.objective(c, p, d, s)
	out.Window, out.TimeZone = o.window(c, p, d, s)
	out.SLI = o.indicator(c, join(p, "sli"), d, s)
	out.Alerting = o.alerting(c, join(p, "alerting"), d, s)
	return out
}

// objective reads the one objective: its target and, for Timeslices, the
// slice and the slice target.
func (o *openSLO) objective(c *conversion, p string, d *decoder, s *osSLO) (*float64, *Budgeting) {
	np := join(p, "objective")
	if len(s.Objectives) == 0 {
		d.errorf("spec.objectives", "such as objectives: [{target: 0.999}]", "an SLO needs an objective")
		c.skip(np)
		return nil, nil
	}
	if len(s.Objectives) > 1 {
		d.errorf("spec.objectives[1]", "write one SLO for each objective",
			"more than one objective is not supported yet: an SLO has one target, which its budget, burn rates and alerts are computed from")
	}
	ob, op := &s.Objectives[0], "spec.objectives[0]"
	if ob.Indicator.Kind != 0 || ob.IndicatorRef != "" || ob.CompositeWeight != nil {
		d.errorf(op, "write one SLO for each indicator",
			"composite objectives (an indicator per objective) are not supported yet: a budget is counted from one SLI's events")
	}
	if ob.Op != "" || ob.Value != nil {
		d.warnf(op, "remove op and value", "op and value are ignored: they compare a thresholdMetric SLI, and a ratioMetric SLI is a share of good events")
	}
	var target *float64
	switch {
	case ob.Target != nil && ob.TargetPercent != nil:
		d.errorf(op, "target: 0.999 and targetPercent: 99.9 say the same", "give either target or targetPercent, not both")
		c.skip(np)
	case ob.Target != nil:
		if t := *ob.Target; t <= 0 || t >= 1 {
			d.errorf(join(op, "target"), "a ratio, such as 0.999 for 99.9%; or write targetPercent: 99.9", "target %v is out of range: it must be above 0 and below 1", t)
			c.skip(np)
			break
		}
		v := ratioPercent(*ob.Target)
		target = &v
		c.link(np, d, join(op, "target"))
	case ob.TargetPercent != nil:
		target = ob.TargetPercent
		c.link(np, d, join(op, "targetPercent"))
	default:
		d.errorf(join(op, "target"), "a ratio, such as target: 0.999, or a percent, such as targetPercent: 99.9", "an objective needs target or targetPercent")
		c.skip(np)
	}
	return target, o.budgeting(c, join(p, "budgeting"), d, s.BudgetingMethod, ob)
}

// budgeting maps budgetingMethod, with the objective's slice settings.
func (o *openSLO) budgeting(c *conversion, bp string, d *decoder, method string, ob *osObjective) *Budgeting {
	const op = "spec.objectives[0]"
	methods := "Occurrences, Timeslices or RatioTimeslices"
	switch strings.ToLower(method) {
	case "occurrences":
		for field, set := range map[string]bool{"timeSliceTarget": ob.TimeSliceTarget != nil, "timeSliceWindow": ob.TimeSliceWindow != ""} {
			if set {
				d.errorf(join(op, field), "set budgetingMethod: Timeslices, or remove it", "%s applies only to budgetingMethod Timeslices", field)
			}
		}
		c.link(bp, d, "spec.budgetingMethod")
		return &Budgeting{Method: "occurrences"}
	case "timeslices":
	case "ratiotimeslices":
		d.errorf("spec.budgetingMethod", "use Occurrences, or Timeslices with a timeSliceTarget",
			"RatioTimeslices is not supported yet: it averages each slice's ratio, which neither counting events nor counting good slices gives")
		return nil
	case "":
		d.errorf("spec.budgetingMethod", methods, "an SLO needs a budgetingMethod")
		return nil
	default:
		d.errorf("spec.budgetingMethod", methods, "unknown budgetingMethod %q", method)
		return nil
	}
	out := &Budgeting{Method: "timeslices"}
	for _, f := range []struct{ native, from string }{
		{"", "spec.budgetingMethod"}, {"method", "spec.budgetingMethod"},
		{"slice", join(op, "timeSliceWindow")}, {"slice_target", join(op, "timeSliceTarget")},
	} {
		c.link(join(bp, f.native), d, f.from)
	}
	switch w := ob.TimeSliceWindow; {
	case w == "":
		d.errorf(join(op, "timeSliceWindow"), "such as 1m or 5m (a bare number is minutes)", "the Timeslices method needs a timeSliceWindow")
		c.skip(join(bp, "slice"))
	default:
		if n, err := strconv.Atoi(w); err == nil {
			w = fmt.Sprintf("%dm", n) // OpenSLO reads a bare number as minutes
		}
		dur, err := fixedDuration(w)
		if err != nil {
			d.errorf(join(op, "timeSliceWindow"), "such as 1m or 5m (a bare number is minutes)", "%v", err)
			c.skip(join(bp, "slice"))
		} else {
			out.Slice = Duration(dur)
		}
	}
	switch t := ob.TimeSliceTarget; {
	case t == nil:
		d.errorf(join(op, "timeSliceTarget"), "the share of a slice's events that must be good for the slice to be good, such as 0.95", "the Timeslices method needs a timeSliceTarget")
		c.skip(join(bp, "slice_target"))
	case *t <= 0 || *t > 1:
		d.errorf(join(op, "timeSliceTarget"), "a ratio, such as 0.95", "timeSliceTarget %v is out of range: it must be above 0 and at most 1", *t)
		c.skip(join(bp, "slice_target"))
	default:
		v := ratioPercent(*t)
		out.SliceTarget = &v
	}
	return out
}

// window maps the one timeWindow to a native window and time zone.
func (o *openSLO) window(c *conversion, p string, d *decoder, s *osSLO) (string, string) {
	np := join(p, "window")
	if len(s.TimeWindow) == 0 {
		d.warnf("spec", "such as timeWindow: [{duration: 30d, isRolling: true}]", "the SLO has no timeWindow: it holds over a rolling 30d")
		c.link(np, d, "spec.timeWindow")
		return "", ""
	}
	if len(s.TimeWindow) > 1 {
		d.errorf("spec.timeWindow[1]", "", "timeWindow takes exactly one item")
	}
	tw, wp := &s.TimeWindow[0], "spec.timeWindow[0]"
	c.link(np, d, join(wp, "duration"))
	rolling := tw.IsRolling != nil && *tw.IsRolling
	calendar := tw.Calendar != nil || (tw.IsRolling != nil && !*tw.IsRolling)
	if rolling && tw.Calendar != nil {
		d.errorf(join(wp, "calendar"), "remove calendar, or set isRolling: false", "a rolling window takes no calendar")
		return "", ""
	}
	m := shorthand.FindStringSubmatch(tw.Duration)
	switch {
	case tw.Duration == "":
		d.errorf(join(wp, "duration"), "such as 28d, or 1M with a calendar", "a timeWindow needs a duration")
		return "", ""
	case m == nil:
		d.errorf(join(wp, "duration"), "a whole number and one of m, h, d, w, M, Q, Y, such as 28d or 1M", "duration %q is not an OpenSLO duration", tw.Duration)
		return "", ""
	case calendar:
		unit, ok := calendarUnits[m[2]]
		if !ok || m[1] != "1" {
			d.errorf(join(wp, "duration"), "1w, 1M, 1Q or 1Y", "a calendar window of %s is not supported: it must be one week, month, quarter or year", tw.Duration)
			return "", ""
		}
		zone := ""
		if cal := tw.Calendar; cal != nil {
			// Periods start at the calendar's boundaries in timeZone;
			// startTime only says when counting began, so it is checked
			// but not otherwise used.
			zone = cal.TimeZone
			c.link(join(p, "time_zone"), d, join(wp, "calendar.timeZone"))
			if cal.StartTime != "" && !validStartTime(cal.StartTime) {
				d.errorf(join(wp, "calendar.startTime"), "a date and 24h time without a zone, such as 2020-01-21 12:30:00", "startTime %q does not parse", cal.StartTime)
			}
		}
		return unit, zone
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > 100000 {
		d.errorf(join(wp, "duration"), "such as 28d", "duration %q is too long", tw.Duration)
		return "", ""
	}
	if m[2] == "M" || m[2] == "Q" {
		d.errorf(join(wp, "duration"), "use days, such as 30d or 90d, or a calendar window", "a rolling window of %s has no fixed length: months and quarters differ", tw.Duration)
		return "", ""
	}
	return slo.FormatDuration(time.Duration(n) * shorthandUnits[m[2]]), ""
}
