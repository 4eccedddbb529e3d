// Package promgen writes Prometheus rules for SLOs whose SLIs Prometheus
// measures: recording rules for every window the alert tiers need and for
// the SLO window, meta rules, one alert per tier and the budget alerts.
//
// Every window is traffic-weighted: its bad and valid events are sums of
// the five-minute increases recorded each minute (promsli.Step, Every), so
// the SLI over 30 days is bad events over valid events of 30 days, never a
// mean of five-minute ratios. Only the five-minute increases read the raw
// series; every longer window reads one recorded series per SLO.
package promgen

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
)

// File is a Prometheus rule file.
type File struct {
	Groups []Group `yaml:"groups"`
}

// Group is one rule group: the rules of one SLO, evaluated in order.
type Group struct {
	Name     string `yaml:"name"`
	Interval string `yaml:"interval,omitempty"`
	Rules    []Rule `yaml:"rules"`
	// service is the objective's, for writing a resource per service.
	service string
}

// Rule is a recording or an alerting rule.
type Rule struct {
	Record        string            `yaml:"record,omitempty"`
	Alert         string            `yaml:"alert,omitempty"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for,omitempty"`
	KeepFiringFor string            `yaml:"keep_firing_for,omitempty"`
	Labels        map[string]string `yaml:"labels,omitempty"`
	Annotations   map[string]string `yaml:"annotations,omitempty"`
}

// Note is something the rules leave out or do differently from slo serve,
// for one SLO; the command prints them.
type Note struct {
	SLO string
	Msg string
}

func (n Note) String() string { return n.SLO + ": " + n.Msg }

// Rules writes the rule groups of every objective of svcs whose SLI is read
// from Prometheus, one group per objective. Objectives measured otherwise
// are left out with a note; it is an error when none is left.
func Rules(svcs []*slo.Service) (File, []Note, error) {
	var f File
	var notes []Note
	for _, svc := range svcs {
		for i := range svc.Objectives {
			o := &svc.Objectives[i]
			if o.SLI.Kind != slo.SourcePrometheus {
				notes = append(notes, Note{o.Key(), fmt.Sprintf("left out: its SLI reads %s, and Prometheus rules need a prometheus SLI (slo serve measures it)", o.SLI.Kind)})
				continue
			}
			g, n, err := group(o)
			if err != nil {
				return File{}, nil, fmt.Errorf("%s: %w", o.Key(), err)
			}
			f.Groups = append(f.Groups, g)
			notes = append(notes, n...)
		}
	}
	if len(f.Groups) == 0 {
		return File{}, notes, fmt.Errorf("no SLO with a prometheus SLI: nothing to write rules for")
	}
	return f, notes, nil
}

// GroupName is the name of an objective's rule group.
func GroupName(o *slo.Objective) string { return "slo/" + o.Service + "/" + o.Name }

// Windows lists the windows an objective's rules record, shortest first:
// the five-minute step, every tier's long and short window, the SLO window.
func Windows(o *slo.Objective) []time.Duration {
	ws := []time.Duration{promsli.Step, window(o)}
	if !o.Alerting.Disabled {
		for _, t := range o.Alerting.Tiers {
			ws = append(ws, t.Long)
			if t.Short > 0 {
				ws = append(ws, t.Short)
			}
		}
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// window is the SLO window as Prometheus can hold it: rolling. A calendar
// window becomes its nominal length (a month 30 days), with a note.
func window(o *slo.Objective) time.Duration { return o.Window.Nominal() }

func group(o *slo.Objective) (Group, []Note, error) {
	var notes []Note
	note := func(format string, args ...any) { notes = append(notes, Note{o.Key(), fmt.Sprintf(format, args...)}) }
	if o.Window.IsCalendar() {
		note("the %s window is calendar-aligned; the rules hold it as a rolling %s, which Prometheus can evaluate", o.Window, slo.FormatDuration(window(o)))
	}
	if o.Budgeting.Method == slo.Timeslices {
		note("the budget counts time slices; the rules count events, as Prometheus rules can")
	}
	if o.SLI.Prometheus.CustomerLabel != "" {
		note("customer_label %q is not split on: the rules measure the SLO as a whole", o.SLI.Prometheus.CustomerLabel)
	}
	if len(o.TierTargets) > 0 {
		note("customer tier targets are left out: the rules hold the SLO's own target")
	}
	for _, w := range Windows(o) {
		if w%promsli.Every != 0 || w < promsli.Step {
			return Group{}, nil, fmt.Errorf("window %s: the rules sum counts taken every %s over %s, so windows are whole minutes of at least %s",
				slo.FormatDuration(w), promsli.Every, slo.FormatDuration(promsli.Step), slo.FormatDuration(promsli.Step))
		}
	}
	q, err := promsli.For(o.SLI.Prometheus, promsli.Step)
	if err != nil {
		return Group{}, nil, err
	}
	g := Group{Name: GroupName(o), Interval: promsli.Range(promsli.Every), service: o.Service}
	b := builder{o: o}
	g.Rules = append(g.Rules, b.record(StepValid, q.Valid), b.record(StepBad, q.Bad))
	g.Rules = append(g.Rules, b.windows()...)
	g.Rules = append(g.Rules, b.meta()...)
	g.Rules = append(g.Rules, b.alerts()...)
	return g, notes, nil
}

// builder writes the rules of one objective.
type builder struct{ o *slo.Objective }

// ident are the labels every recorded series of the objective carries.
func (b builder) ident() map[string]string {
	return map[string]string{"service": b.o.Service, "slo": b.o.Name}
}

func (b builder) record(name string, e parser.Expr) Rule {
	return Rule{Record: name, Expr: e.String(), Labels: b.ident()}
}

// sel selects one of the objective's recorded series.
func (b builder) sel(name string) *parser.VectorSelector {
	return &parser.VectorSelector{Name: name, LabelMatchers: []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name),
		labels.MustNewMatcher(labels.MatchEqual, "service", b.o.Service),
		labels.MustNewMatcher(labels.MatchEqual, "slo", b.o.Name),
	}}
}

// windows records valid and bad events and the error ratio of every window.
// A window's events are the sum of the five-minute increases taken each
// minute within it, divided by the five that count each event: the
// five-minute window too, so that every window is the same sum that slo
// serve's minute buckets make. The range
// is a second short of the window: Prometheus 2 includes a sample exactly
// at its start, which would count one minute twice.
func (b builder) windows() []Rule {
	var out []Rule
	for _, w := range Windows(b.o) {
		for _, series := range [][2]string{{Valid(w), StepValid}, {Bad(w), StepBad}} {
			sum := call("sum_over_time", &parser.MatrixSelector{VectorSelector: b.sel(series[1]), Range: w - time.Second})
			out = append(out, b.record(series[0], promsli.Binary(parser.DIV, sum, num(promsli.Overlap))))
		}
	}
	for _, w := range Windows(b.o) {
		// bad / (valid > 0): no sample without valid events, not NaN.
		valid := promsli.Binary(parser.GTR, b.sel(Valid(w)), num(0))
		out = append(out, b.record(ErrorRatio(w), promsli.Binary(parser.DIV, b.sel(Bad(w)), valid)))
	}
	return out
}

// meta records the target, the budget, the window and, over the SLO window,
// the SLI and the share of the budget left.
func (b builder) meta() []Rule {
	w := window(b.o)
	budget := round(b.o.BudgetRatio())
	ratio := b.sel(ErrorRatio(w))
	return []Rule{
		b.record(Objective, vector(b.o.Target)),
		b.record(ErrorBudget, vector(budget)),
		b.record(WindowSeconds, vector(w.Seconds())),
		b.record(SLI, promsli.Binary(parser.SUB, num(1), ratio)),
		b.record(BudgetRemaining, promsli.Binary(parser.SUB, num(1), promsli.Binary(parser.DIV, ratio, num(budget)))),
	}
}

func call(fn string, args ...parser.Expr) *parser.Call {
	return &parser.Call{Func: parser.MustGetFunction(fn), Args: args}
}

func num(v float64) *parser.NumberLiteral { return &parser.NumberLiteral{Val: v} }

func vector(v float64) parser.Expr { return call("vector", num(v)) }

// round drops float noise from figures written into rules: 1 - 0.999 is
// 0.0010000000000000009 in float64, and the rule should say 0.001.
func round(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return r
}
