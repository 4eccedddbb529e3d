package spec

import (
	"strings"
)

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
		if q.Query == "" {
			d.errorf(qp, "the PromQL, with {{.window}} where the range goes", "a Prometheus metricSource needs spec.query")
			return "", "", false
		}
		return q.Query, qp, true // build checks the PromQL, at qp
	}
	return "", "", false
}
