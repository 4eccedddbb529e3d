package spec

import (
	"fmt"
	"regexp"
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

// dnsLabel is an OpenSLO object name: an RFC 1123 label.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

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
	hint := fmt.Sprintf("add a document with kind: %s and metadata.name: %s, or load the file that has it", kind, name)
	if names := sortedKeys(o.named[kind]); len(names) > 0 {
		hint = fmt.Sprintf("%s documents loaded: %s", kind, strings.Join(names, ", "))
		// Only a near miss is a likely typo: names often share a prefix.
		if c := closest(name, names); c != "" && editDistance(name, c) <= max(2, len(name)/4) {
			hint = "did you mean " + c + "?"
		}
	}
	d.errorf(path, hint, "no %s named %q", kind, name)
	return nil
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
		o.find(d, "spec.service", "Service", s.Service)
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

// shorthand is OpenSLO's duration-shorthand: a positive whole number and a
// unit of m, h, d, w, M (month), Q (quarter) or Y (year).
var shorthand = regexp.MustCompile(`^([1-9][0-9]*)([mhdwMQY])$`)

var calendarUnits = map[string]string{"w": "week", "M": "month", "Q": "quarter", "Y": "year"}

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
	n, _ := strconv.Atoi(m[1])
	if m[2] == "M" || m[2] == "Q" {
		d.errorf(join(wp, "duration"), "use days, such as 30d or 90d, or a calendar window", "a rolling window of %s has no fixed length: months and quarters differ", tw.Duration)
		return "", ""
	}
	return slo.FormatDuration(time.Duration(n) * shorthandUnits[m[2]]), ""
}

var shorthandUnits = map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": slo.Day, "w": slo.Week, "Y": slo.Year}

func validStartTime(s string) bool {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", time.RFC3339, "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// fixedDuration reads a duration of a fixed length: OpenSLO's shorthand
// without months, quarters and years, or the Prometheus form (1h30m).
func fixedDuration(s string) (time.Duration, error) {
	if m := shorthand.FindStringSubmatch(s); m != nil && strings.ContainsAny(m[2], "MQY") {
		return 0, fmt.Errorf("duration %q has no fixed length: use m, h, d or w", s)
	}
	return slo.ParseDuration(s)
}

// joinLabels flattens OpenSLO labels, whose values may be lists, into the
// native single values: a list is joined with commas.
func joinLabels(labels map[string][]string) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = strings.Join(v, ",")
	}
	return out
}

// osIndicator is a resolved ratio SLI: its queries and where each is written.
type osIndicator struct {
	ok    bool
	d     *decoder
	ratio string            // path of ratioMetric
	query map[string]string // good, bad, total: the PromQL
	at    map[string]string // good, bad, total: the path of the query
}

// indicator maps the SLO's SLI, written inline or named by indicatorRef.
func (o *openSLO) indicator(c *conversion, np string, d *decoder, s *osSLO) SLI {
	var ind *osIndicator
	from := "spec.indicatorRef"
	switch {
	case s.Indicator != nil && s.IndicatorRef != "":
		d.errorf(from, "keep one", "give either indicator or indicatorRef, not both")
	case s.Indicator != nil:
		from = "spec.indicator"
		o.metadata(d, "spec.indicator.metadata", &s.Indicator.Metadata)
		ind = o.resolveSLI(d, "spec.indicator.spec", &s.Indicator.Spec)
	case s.IndicatorRef != "":
		if sd := o.find(d, from, "SLI", s.IndicatorRef); sd != nil {
			if ind = o.indicators[sd]; ind == nil {
				ind = o.resolveSLI(sd.doc.d, "spec", sd.spec.(*osSLI))
				o.indicators[sd] = ind
			}
		}
	default:
		d.errorf(from, "indicatorRef names an SLI document; indicator writes one inline", "an SLO needs indicator or indicatorRef")
	}
	c.link(np, d, from)
	if ind == nil || !ind.ok {
		c.skip(np)
		return SLI{}
	}
	pp := join(np, "prometheus")
	c.link(pp, ind.d, ind.ratio)
	for field, at := range ind.at {
		c.link(join(pp, field), ind.d, at)
	}
	return SLI{Prometheus: &PromSLI{Good: ind.query["good"], Bad: ind.query["bad"], Total: ind.query["total"]}}
}

// resolveSLI checks an SLI spec, written at sp in d, and reads its queries.
func (o *openSLO) resolveSLI(d *decoder, sp string, spec *osSLI) *osIndicator {
	ind := &osIndicator{d: d, ratio: join(sp, "ratioMetric"), query: map[string]string{}, at: map[string]string{}}
	r, rp := spec.RatioMetric, ind.ratio
	switch {
	case spec.ThresholdMetric != nil:
		d.errorf(join(sp, "thresholdMetric"), "write it as a ratioMetric: good (or bad) and total counts",
			"thresholdMetric SLIs are not supported: budgets count good events among all events, and a threshold metric gives values, not events")
		return ind
	case r == nil:
		d.errorf(rp, "good (or bad) and total, each with a metricSource", "an SLI needs a ratioMetric")
		return ind
	case r.Raw != nil || r.RawType != "":
		field := "raw"
		if r.Raw == nil {
			field = "rawType"
		}
		d.errorf(join(rp, field), "write good (or bad) and total counts instead",
			"raw ratios are not supported: budgets and burn rates weight each period by its traffic, and a precomputed ratio has lost the traffic")
		return ind
	}
	ind.ok = true
	if r.Total == nil {
		d.errorf(join(rp, "total"), "the count of all valid events", "a ratioMetric needs total")
		ind.ok = false
	}
	if (r.Good == nil) == (r.Bad == nil) {
		d.errorf(rp, "good counts good events, bad counts bad ones", "give exactly one of good and bad")
		ind.ok = false
	}
	for _, m := range []struct {
		field string
		m     *osMetric
	}{{"good", r.Good}, {"bad", r.Bad}, {"total", r.Total}} {
		if m.m == nil {
			continue
		}
		q, at, ok := o.query(d, join(rp, m.field), m.m)
		ind.query[m.field], ind.at[m.field] = q, at
		ind.ok = ind.ok && ok
	}
	return ind
}

// query reads the PromQL of one metric, written at mp in d. Only Prometheus
// sources are read: their queries are what slo evaluates.
func (o *openSLO) query(d *decoder, mp string, m *osMetric) (string, string, bool) {
	sp, src := join(mp, "metricSource"), &m.MetricSource
	typ, typeAt := src.Type, join(sp, "type")
	if ref := src.MetricSourceRef; ref != "" {
		ds := o.find(d, join(sp, "metricSourceRef"), "DataSource", ref)
		if ds == nil {
			return "", "", false
		}
		dsType := ds.spec.(*osDataSource).Type
		if typ == "" && dsType == "" {
			return "", "", false // reported at the DataSource
		}
		if typ == "" {
			typ, typeAt = dsType, join(sp, "metricSourceRef")
		} else if !strings.EqualFold(typ, dsType) {
			d.errorf(typeAt, "", "type %q is not the type %q of DataSource %q", typ, dsType, ref)
			return "", "", false
		}
	}
	qp := join(sp, "spec.query")
	switch {
	case typ == "":
		d.errorf(typeAt, "type: Prometheus, or a metricSourceRef naming a Prometheus DataSource", "a metricSource needs a type or a metricSourceRef")
	case !strings.EqualFold(typ, "prometheus"):
		d.errorf(typeAt, "slo reads Prometheus only", "metric sources of type %q are not supported", typ)
	case src.Spec.Kind == 0:
		d.errorf(qp, "the PromQL, with {{.window}} where the range goes", "a Prometheus metricSource needs spec.query")
	default:
		var q osPromQuery
		decodeNode(d, &src.Spec, join(sp, "spec"), &q)
		switch {
		case q.Query == "":
			d.errorf(qp, "the PromQL, with {{.window}} where the range goes", "a Prometheus metricSource needs spec.query")
			return "", "", false
		case !windowVar.MatchString(q.Query):
			d.warnf(qp, "put {{.window}} where the range goes, as rate(x[{{.window}}])", "the query has no {{.window}}: every window would read the same range")
		}
		return q.Query, qp, true
	}
	return "", "", false
}

// osTier is a burn-rate AlertCondition as a native tier. The condition is
// written at base in d: its metadata.name and spec are under base.
type osTier struct {
	tier Tier
	ok   bool
	d    *decoder
	base string
}

// alerting maps the SLO's alert policies to tiers, one per condition. An
// SLO without policies keeps the default tiers.
func (o *openSLO) alerting(c *conversion, np string, d *decoder, s *osSLO) *Alerting {
	if len(s.AlertPolicies) == 0 {
		return nil
	}
	out := &Alerting{Tiers: []Tier{}} // given tiers, even none, replace the defaults
	c.link(np, d, "spec.alertPolicies")
	c.link(join(np, "tiers"), d, "spec.alertPolicies")
	for k := range s.AlertPolicies {
		for _, t := range o.policyItem(d, index("spec.alertPolicies", k), &s.AlertPolicies[k]) {
			if !t.ok {
				continue
			}
			tp, cp := index(join(np, "tiers"), len(out.Tiers)), join(t.base, "spec.condition")
			c.link(tp, t.d, join(t.base, "spec"))
			for native, from := range map[string]string{
				"name": join(t.base, "metadata.name"), "severity": join(t.base, "spec.severity"),
				"action": join(t.base, "spec.severity"), "burn_rate": join(cp, "threshold"),
				"long_window": join(cp, "lookbackWindow"), "short_window": join(cp, "lookbackWindow"),
				"for": join(cp, "alertAfter"),
			} {
				c.link(join(tp, native), t.d, from)
			}
			out.Tiers = append(out.Tiers, t.tier)
		}
	}
	return out
}

// policyItem resolves one entry of an SLO's alertPolicies, written at ip.
func (o *openSLO) policyItem(d *decoder, ip string, item *osPolicyItem) []*osTier {
	// A reference may say its kind too; metadata or spec make it inline.
	inline := item.Metadata != nil || item.Spec != nil
	switch ref := item.AlertPolicyRef; {
	case ref != "" && inline:
		d.errorf(ip, "", "give either alertPolicyRef or an inline AlertPolicy (kind, metadata, spec), not both")
	case ref != "":
		if item.Kind != "" && item.Kind != "AlertPolicy" {
			d.errorf(join(ip, "kind"), "", "want kind AlertPolicy, found %q", item.Kind)
		}
		pd := o.find(d, join(ip, "alertPolicyRef"), "AlertPolicy", ref)
		if pd == nil {
			return nil
		}
		ts, done := o.policies[pd]
		if !done {
			ts = o.policy(pd.doc.d, "", pd.spec.(*osPolicy))
			o.policies[pd] = ts
		}
		return ts
	case inline || item.Kind != "":
		if o.inline(d, ip, "AlertPolicy", item.Kind, item.Metadata) && item.Spec != nil {
			return o.policy(d, ip, item.Spec)
		}
	default:
		d.errorf(ip, "alertPolicyRef: <name of an AlertPolicy>, or kind: AlertPolicy with metadata and spec", "an alert policy needs alertPolicyRef, or to be written inline")
	}
	return nil
}

// inline checks the kind and metadata of an object written inside another.
func (o *openSLO) inline(d *decoder, ip, kind, got string, md *osMetadata) bool {
	ok := true
	if got != kind {
		d.errorf(join(ip, "kind"), "an inline object is written with kind, metadata and spec", "want kind %s, found %q", kind, got)
		ok = false
	}
	if md == nil {
		md = &osMetadata{}
	}
	return o.metadata(d, join(ip, "metadata"), md) && ok
}

// policy reads an AlertPolicy written at base in d.
func (o *openSLO) policy(d *decoder, base string, spec *osPolicy) []*osTier {
	sp := join(base, "spec")
	if b := spec.AlertWhenBreaching; b != nil && !*b {
		d.warnf(join(sp, "alertWhenBreaching"), "", "alertWhenBreaching: false is ignored: slo alerts whenever a burn-rate condition holds")
	}
	cp := join(sp, "conditions")
	if len(spec.Conditions) == 0 {
		d.errorf(cp, "such as conditions: [{conditionRef: fast-burn}]", "an AlertPolicy needs a condition")
		return nil
	}
	if len(spec.Conditions) > 1 {
		d.errorf(index(cp, 1), "give each condition an AlertPolicy of its own, all listed in the SLO's alertPolicies", "an AlertPolicy takes one condition")
	}
	var out []*osTier
	for i := range spec.Conditions {
		ip, item := index(cp, i), &spec.Conditions[i]
		inline := item.Metadata != nil || item.Spec != nil
		switch ref := item.ConditionRef; {
		case ref != "" && inline:
			d.errorf(ip, "", "give either conditionRef or an inline AlertCondition (kind, metadata, spec), not both")
		case ref != "":
			if item.Kind != "" && item.Kind != "AlertCondition" {
				d.errorf(join(ip, "kind"), "", "want kind AlertCondition, found %q", item.Kind)
			}
			if cd := o.find(d, join(ip, "conditionRef"), "AlertCondition", ref); cd != nil {
				t := o.conditions[cd]
				if t == nil {
					t = o.condition(cd.doc.d, "", ref, cd.spec.(*osCondition))
					o.conditions[cd] = t
				}
				out = append(out, t)
			}
		case inline || item.Kind != "":
			if o.inline(d, ip, "AlertCondition", item.Kind, item.Metadata) && item.Spec != nil {
				out = append(out, o.condition(d, ip, item.Metadata.Name, item.Spec))
			}
		default:
			d.errorf(ip, "conditionRef: <name of an AlertCondition>, or kind: AlertCondition with metadata and spec", "a condition needs conditionRef, or to be written inline")
		}
	}
	return out
}

// condition maps a burnrate AlertCondition, written at base in d, to a tier:
// lookbackWindow is the long window and a twelfth of it the short one, the
// SRE workbook's ratio (at least 1m, as shorter windows see too few
// scrapes); alertAfter is how long it must hold. A page or critical
// severity pages; any other files a ticket.
func (o *openSLO) condition(d *decoder, base, name string, spec *osCondition) *osTier {
	sp, cp := join(base, "spec"), join(base, "spec.condition")
	t := &osTier{d: d, base: base, ok: true}
	bad := func(path, hint, format string, args ...any) {
		d.errorf(path, hint, format, args...)
		t.ok = false
	}
	cond := &spec.Condition
	if spec.Severity == "" {
		bad(join(sp, "severity"), "such as page or ticket", "an AlertCondition needs a severity")
	}
	if k := strings.ToLower(cond.Kind); k != "" && k != "burnrate" {
		bad(join(cp, "kind"), "burnrate", "only burnrate conditions are supported, not %q", cond.Kind)
	}
	switch cond.Op {
	case "gte", "gt":
	case "lte", "lt":
		bad(join(cp, "op"), "use op: gte", "op %s is not supported: a burn-rate alert fires when the burn rate reaches its threshold", cond.Op)
	case "":
		bad(join(cp, "op"), "gte", "a burnrate condition needs op")
	default:
		bad(join(cp, "op"), "gte or gt", "unknown op %q", cond.Op)
	}
	if cond.Threshold == nil {
		bad(join(cp, "threshold"), "the burn rate to alert at, such as 14.4", "a burnrate condition needs a threshold")
	}
	long, after := time.Duration(0), time.Duration(0)
	if cond.LookbackWindow == "" {
		bad(join(cp, "lookbackWindow"), "the long window, such as 1h", "a burnrate condition needs a lookbackWindow")
	} else if v, err := fixedDuration(cond.LookbackWindow); err != nil {
		bad(join(cp, "lookbackWindow"), "such as 1h", "%v", err)
	} else {
		long = v
	}
	if cond.AlertAfter != "" {
		if v, err := fixedDuration(cond.AlertAfter); err != nil {
			bad(join(cp, "alertAfter"), "such as 5m", "%v", err)
		} else {
			after = v
		}
	}
	short := max(long/12, time.Minute)
	action := "ticket"
	if strings.EqualFold(spec.Severity, "page") || strings.EqualFold(spec.Severity, "critical") {
		action = "page"
	}
	t.tier = Tier{
		Name: name, Severity: spec.Severity, Action: action, BurnRate: cond.Threshold,
		LongWindow: Duration(long), ShortWindow: Duration(short), For: Duration(after),
	}
	return t
}
