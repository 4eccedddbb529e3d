package promgen

import (
	"fmt"
	"maps"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
)

// inputs writes a unit test's input series for traffic. Where the SLI's
// queries are simple enough (each a sum without grouping over one metric,
// or a histogram) they are raw series that the queries select, so the test
// goes through the rules from the raw series up. Otherwise they are the
// five-minute increases the first rules record; the raw queries then select
// nothing and record nothing, and the test covers every rule after them.
func inputs(o *slo.Objective, phases []traffic) []inputDef {
	p := o.SLI.Prometheus
	if p.Histogram != nil {
		return histogramInputs(p.Histogram, phases)
	}
	if in, ok := rawInputs(p, phases); ok {
		return in
	}
	b := builder{o: o}
	per5 := func(bad bool) func(traffic) float64 {
		return func(t traffic) float64 {
			if bad {
				return promsli.Overlap * t.perMinute * t.badShare
			}
			return promsli.Overlap * t.perMinute
		}
	}
	return []inputDef{
		{Series: b.sel(StepValid).String(), Values: gauge(phases, per5(false))},
		{Series: b.sel(StepBad).String(), Values: gauge(phases, per5(true))},
	}
}

// rawInputs finds a good series and a bad one that the queries tell apart:
// both selected by total, only the bad one by bad (or only the good one by
// good).
func rawInputs(p *slo.PromSLI, phases []traffic) ([]inputDef, bool) {
	total, ok := simpleSelector(p.Total)
	if !ok {
		return nil, false
	}
	other, ok := simpleSelector(p.Bad)
	if p.Good != "" {
		other, ok = simpleSelector(p.Good)
	}
	if !ok || other.Name != total.Name {
		return nil, false
	}
	both := append(slices.Clone(total.LabelMatchers), other.LabelMatchers...)
	in, ok := satisfy(both, nil)
	if !ok {
		return nil, false
	}
	out, ok := satisfy(total.LabelMatchers, other.LabelMatchers)
	if !ok {
		return nil, false
	}
	in[labels.MetricName], out[labels.MetricName] = total.Name, total.Name
	goodSet, badSet := out, in // bad query: the bad series is in both
	if p.Good != "" {
		goodSet, badSet = in, out
	}
	return []inputDef{
		{Series: seriesString(goodSet), Values: counter(phases, func(t traffic) float64 { return t.perMinute * (1 - t.badShare) })},
		{Series: seriesString(badSet), Values: counter(phases, func(t traffic) float64 { return t.perMinute * t.badShare })},
	}, true
}

// simpleSelector returns the one vector selector of q when q is a sum
// without grouping over it.
func simpleSelector(q string) (*parser.VectorSelector, bool) {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(spec.FillWindow(q, promsli.Range(promsli.Step)))
	if err != nil {
		return nil, false
	}
	agg, ok := expr.(*parser.AggregateExpr)
	if !ok || agg.Op != parser.SUM || len(agg.Grouping) > 0 || agg.Without {
		return nil, false
	}
	var sels []*parser.VectorSelector
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			sels = append(sels, vs)
		}
		return nil
	})
	if len(sels) != 1 || sels[0].Name == "" {
		return nil, false
	}
	return sels[0], true
}

// satisfy finds labels every matcher of must matches and, when not is
// given, that some matcher of not does not: a value per label, from the
// matchers' own values, an example string of each regular expression, and
// a few values labels often have.
func satisfy(must, not []*labels.Matcher) (map[string]string, bool) {
	cands := map[string][]string{}
	for _, m := range append(slices.Clone(must), not...) {
		if m.Name == labels.MetricName {
			continue
		}
		if m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp {
			cands[m.Name] = append(cands[m.Name], example(m.Value))
		}
		cands[m.Name] = append(cands[m.Name], m.Value)
	}
	for name := range cands {
		cands[name] = append(cands[name], "200", "500", "2xx", "5xx", "ok", "error", "true", "false", "GET", "x", "0", "")
	}
	names := slices.Sorted(maps.Keys(cands))
	pick := func(name string, extra func(string) bool) (string, bool) {
		for _, v := range cands[name] {
			if matchesAll(must, name, v) && extra(v) {
				return v, true
			}
		}
		return "", false
	}
	always := func(string) bool { return true }
	out := map[string]string{}
	for _, n := range names {
		v, ok := pick(n, always)
		if !ok {
			return nil, false
		}
		out[n] = v
	}
	if not == nil {
		return out, true
	}
	for _, n := range names { // one label that fails not is enough
		if v, ok := pick(n, func(v string) bool { return !matchesAll(not, n, v) }); ok {
			out[n] = v
			return out, true
		}
	}
	return nil, false
}

func matchesAll(ms []*labels.Matcher, name, value string) bool {
	for _, m := range ms {
		if m.Name == name && !m.Matches(value) {
			return false
		}
	}
	return true
}

// example returns a string the regular expression matches in whole, as
// Prometheus anchors label regexps; the literal itself when it does not
// parse.
func example(re string) string {
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return re
	}
	var b strings.Builder
	var walk func(*syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			b.WriteString(string(r.Rune))
		case syntax.OpCharClass:
			if len(r.Rune) > 0 {
				b.WriteRune(r.Rune[0])
			}
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('x')
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpAlternate, syntax.OpCapture, syntax.OpPlus:
			walk(r.Sub[0])
		case syntax.OpRepeat:
			for range r.Min {
				walk(r.Sub[0])
			}
		}
	}
	walk(r.Simplify())
	return b.String()
}

// histogramInputs writes a histogram's threshold bucket, +Inf bucket and
// count: good observations fall at or below the threshold.
func histogramInputs(h *slo.Histogram, phases []traffic) []inputDef {
	ms, _ := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + h.Selector + "}")
	base, ok := satisfy(ms, nil)
	if !ok {
		base = map[string]string{}
	}
	with := func(name, le string) string {
		l := map[string]string{labels.MetricName: name}
		for k, v := range base {
			l[k] = v
		}
		if le != "" {
			l["le"] = le
		}
		return seriesString(l)
	}
	all := func(t traffic) float64 { return t.perMinute }
	good := func(t traffic) float64 { return t.perMinute * (1 - t.badShare) }
	return []inputDef{
		{Series: with(h.Metric+"_bucket", strconv.FormatFloat(h.Threshold, 'g', -1, 64)), Values: counter(phases, good)},
		{Series: with(h.Metric+"_bucket", "+Inf"), Values: counter(phases, all)},
		{Series: with(h.Metric+"_count", ""), Values: counter(phases, all)},
	}
}

// seriesString writes labels (the name under __name__) as a series.
func seriesString(l map[string]string) string {
	name := l[labels.MetricName]
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		if k != labels.MetricName && l[k] != "" {
			parts = append(parts, k+"="+strconv.Quote(l[k]))
		}
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// counter writes a counter that grows by per(phase) each minute of each
// phase, in promtool's expanding notation: 0 then start+step x count.
func counter(phases []traffic, per func(traffic) float64) string {
	parts, v := []string{"0"}, 0.0
	for _, p := range phases {
		inc := per(p)
		parts = append(parts, fmt.Sprintf("%s+%sx%d", num64(v+inc), num64(inc), p.minutes-1))
		v += inc * float64(p.minutes)
	}
	return strings.Join(parts, " ")
}

// gauge writes a series that holds per(phase) through each phase.
func gauge(phases []traffic, per func(traffic) float64) string {
	parts := []string{num64(per(phases[0]))}
	for _, p := range phases {
		parts = append(parts, fmt.Sprintf("%s+0x%d", num64(per(p)), p.minutes-1))
	}
	return strings.Join(parts, " ")
}

func num64(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
