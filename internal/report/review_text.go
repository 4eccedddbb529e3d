package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Text writes the review for a terminal.
func (r *Review) Text(w io.Writer) error { return r.write(w, false) }

// Markdown writes the review as a Markdown document.
func (r *Review) Markdown(w io.Writer) error { return r.write(w, true) }

func (r *Review) write(w io.Writer, md bool) error {
	b := &strings.Builder{}
	title := "Quarterly SLO review " + r.Quarter
	if r.Partial {
		title += " (partial: the quarter so far)"
	}
	heading(b, md, title, r.Time)
	fmt.Fprintf(b, "Covers %s to %s.\n", stamp(r.From), stamp(r.MeasuredTo))
	for i := range r.SLOs {
		r.SLOs[i].write(b, md)
	}
	return flush(w, b)
}

func (s *SLOReview) write(b *strings.Builder, md bool) {
	section := func(title string) {
		if md {
			fmt.Fprintf(b, "\n### %s\n\n", title)
		} else {
			fmt.Fprintf(b, "\n  %s\n", title)
		}
	}
	if md {
		fmt.Fprintf(b, "\n## %s/%s: %s over %s\n", s.Service, s.SLO, targetPercent(s.Target), s.Window)
	} else {
		fmt.Fprintf(b, "\n%s/%s: %s over %s\n", s.Service, s.SLO, targetPercent(s.Target), s.Window)
	}
	fmt.Fprintf(b, "%sRecommendation: %s", indent(md), strings.ToUpper(s.Recommendation.Action))
	if t := s.Recommendation.Target; t != nil {
		fmt.Fprintf(b, " to %s", targetPercent(*t))
	}
	fmt.Fprintf(b, " (rule %s). %s\n", s.Recommendation.Rule, s.Recommendation.Reason)

	section("Compliance")
	g := newGrid("period", "SLI", "target", "met", "budget spent", "valid events", "data from")
	for _, c := range append([]Compliance{s.Compliance}, s.Months...) {
		period := c.Period
		if c.Partial {
			period += " (so far)"
		}
		from := "-"
		if c.DataFrom != nil {
			from = stamp(*c.DataFrom)
		}
		g.add(period, sliText(c.SLI, s.Target), targetPercent(s.Target), outcome(c.Met), sharePercent(c.BudgetSpent), trim(c.Valid), from)
	}
	reviewTable(b, md, g)
	if n := s.Compliance.CustomersMissed; n > 0 {
		fmt.Fprintf(b, "%s%s missed their tier's target over the quarter.\n", indent(md), plural(n, "customer"))
	}

	section("Violations (SLO-window budget below zero, hourly)")
	if len(s.Violations) == 0 {
		fmt.Fprintf(b, "%snone\n", indent(md))
	} else {
		g := newGrid("start", "end", "worst SLI", "worst budget left")
		for _, v := range s.Violations {
			end := stamp(v.End)
			if v.Ongoing {
				end += " (ongoing)"
			}
			g.add(stamp(v.Start), end, sliText(&v.WorstSLI, s.Target), sharePercent(&v.WorstBudgetRemaining))
		}
		reviewTable(b, md, g)
	}

	section("What spent the budget")
	costs(b, md, "incidents", s.Incidents)
	costs(b, md, "alerts", s.Alerts)

	section("On call")
	oc := s.OnCall
	fmt.Fprintf(b, "%s%s, %d SLO-impacting (at least %s%% of the budget)", indent(md), plural(oc.Alerts, "alert"), oc.Impacting, num(ImpactPercent))
	if oc.ImpactingShare != nil {
		fmt.Fprintf(b, ", %s", sharePercent(oc.ImpactingShare))
	}
	fmt.Fprintf(b, ": %s.\n", oc.Reading)

	section("Dependencies")
	if d := s.Dependencies; d == nil {
		fmt.Fprintf(b, "%sno hard dependency bounds this SLO\n", indent(md))
	} else {
		fmt.Fprintf(b, "%sCeiling %s (published figures: %s)", indent(md), ratioPercent(&d.Ceiling.Ceiling), ratioPercent(&d.Published))
		if d.Capped {
			fmt.Fprintf(b, ": below the target, the dependencies capped this SLO")
		} else {
			fmt.Fprintf(b, ": at or above the target")
		}
		b.WriteString(".\n")
		for _, f := range d.Factors {
			fmt.Fprintf(b, "%s- %s: %s %s", indent(md), f.Path, f.Used, ratioPercent(fptr(usedOf(f))))
			if f.MeasuredBy != "" {
				fmt.Fprintf(b, " (measured by %s; published %s)", f.MeasuredBy, ratioPercent(&f.Published))
			}
			b.WriteString("\n")
		}
	}

	section("Budget policy")
	p := s.Policy
	if len(p.Forbidden) == 0 {
		fmt.Fprintf(b, "%sHeld: %s, none while the policy froze feature work.\n", indent(md), plural(p.Deploys, "deploy"))
	} else {
		fmt.Fprintf(b, "%sNot held: %d of %s while the policy froze feature work.\n", indent(md), len(p.Forbidden), plural(p.Deploys, "deploy"))
		for _, d := range p.Forbidden {
			fmt.Fprintf(b, "%s- %s %q at status %s\n", indent(md), stamp(d.Time), d.Text, d.Status)
		}
	}
}

// costs writes what incidents or alerts spent, or none.
func costs(b *strings.Builder, md bool, what string, cs []Cost) {
	if len(cs) == 0 {
		fmt.Fprintf(b, "%s%s: none\n", indent(md), what)
		return
	}
	if md {
		fmt.Fprintf(b, "%s:\n\n", what)
	} else {
		fmt.Fprintf(b, "%s%s:\n", indent(md), what)
	}
	g := newGrid("from", "to", what[:len(what)-1], "bad events", "budget", "minutes")
	for _, c := range cs {
		g.add(stamp(c.From), stamp(c.To), c.Text, trim(c.BadEvents), trim(c.Percent())+"%", trim(c.BudgetMinutes))
	}
	reviewTable(b, md, g)
}

func usedOf(f Factor) float64 {
	if f.Measured != nil {
		return *f.Measured
	}
	return f.Published
}

// indent is the text's indent inside an SLO's section; Markdown has none.
func indent(md bool) string {
	if md {
		return ""
	}
	return "  "
}

// reviewTable writes g as Markdown, or as text indented under its SLO.
func reviewTable(b *strings.Builder, md bool, g *grid) {
	table(b, md, g, "    ")
	if md {
		b.WriteString("\n") // a line right after a table would join it
	}
}

// sliText writes an SLI with the digits it takes to tell it from the
// target: a missed 99.8999% is not shown as 99.9%.
func sliText(sli *float64, target float64) string {
	if sli == nil {
		return noData
	}
	x, t := 100**sli, 100*target
	for p := 2; p < 9; p++ {
		s := strconv.FormatFloat(x, 'f', p, 64)
		if v, _ := strconv.ParseFloat(s, 64); (v == t) == (x == t) {
			return strings.TrimRight(strings.TrimRight(s, "0"), ".") + "%"
		}
	}
	return strconv.FormatFloat(x, 'f', -1, 64) + "%"
}
