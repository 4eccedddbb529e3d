package spec

import (
	"fmt"
	"strings"
	"time"
)

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
	switch o.entry(d, ip, entry{"alertPolicyRef", "AlertPolicy", "an alert policy"}, item.AlertPolicyRef, item.Kind, item.Metadata, item.Spec != nil) {
	case byRef:
		pd := o.find(d, join(ip, "alertPolicyRef"), "AlertPolicy", item.AlertPolicyRef)
		if pd == nil {
			return nil
		}
		ts, done := o.policies[pd]
		if !done {
			ts = o.policy(pd.doc.d, "", pd.spec.(*osPolicy))
			o.policies[pd] = ts
		}
		return ts
	case byInline:
		return o.policy(d, ip, item.Spec)
	}
	return nil
}

// entry names the fields of a list entry that either refers to an object by
// name (alertPolicyRef) or holds it inline (kind, metadata, spec).
type entry struct{ refField, kind, noun string }

// form is how an entry is written.
type form int

const (
	unusable form = iota // wrong, and already reported
	byRef
	byInline
)

// entry tells how the entry at ip is written, reporting what is wrong with
// it: both a reference and an inline object, neither, or the wrong kind.
func (o *openSLO) entry(d *decoder, ip string, e entry, ref, kind string, md *osMetadata, hasSpec bool) form {
	inline := md != nil || hasSpec
	switch {
	case ref != "" && inline:
		d.errorf(ip, "", "give either %s or an inline %s (kind, metadata, spec), not both", e.refField, e.kind)
	case ref != "":
		if kind != "" && kind != e.kind {
			d.errorf(join(ip, "kind"), "", "want kind %s, found %q", e.kind, kind)
		}
		return byRef
	case inline || kind != "":
		if o.inline(d, ip, e.kind, kind, md) && hasSpec {
			return byInline
		}
	default:
		d.errorf(ip, fmt.Sprintf("%s: <name of an %s>, or kind: %s with metadata and spec", e.refField, e.kind, e.kind),
			"%s needs %s, or to be written inline", e.noun, e.refField)
	}
	return unusable
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
		switch o.entry(d, ip, entry{"conditionRef", "AlertCondition", "a condition"}, item.ConditionRef, item.Kind, item.Metadata, item.Spec != nil) {
		case byRef:
			if cd := o.find(d, join(ip, "conditionRef"), "AlertCondition", item.ConditionRef); cd != nil {
				t := o.conditions[cd]
				if t == nil {
					t = o.condition(cd.doc.d, "", item.ConditionRef, cd.spec.(*osCondition))
					o.conditions[cd] = t
				}
				out = append(out, t)
			}
		case byInline:
			out = append(out, o.condition(d, ip, item.Metadata.Name, item.Spec))
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
		// The OpenSLO v1 README's AlertCondition examples write lte, but a
		// burn rate at or below a threshold is a healthy service.
		bad(join(cp, "op"), "use op: gte. The OpenSLO v1 README's examples write lte, but lte would fire while the burn rate is low, that is while the service is healthy",
			"op %s is not supported: a burn-rate condition fires when the burn rate is at or above its threshold", cond.Op)
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
