package report

import (
	"fmt"
	"io"
	"strings"
)

// slaListAll is how many customers an SLA report lists in full in text
// and Markdown; past it only the customers that missed are listed, at most
// slaListMissed of them. JSON always holds every customer.
const (
	slaListAll    = 20
	slaListMissed = 50
)

// Text writes the SLA report for a terminal.
func (r *SLAReport) Text(w io.Writer) error { return r.write(w, false) }

// Markdown writes the SLA report as Markdown.
func (r *SLAReport) Markdown(w io.Writer) error { return r.write(w, true) }

func (r *SLAReport) write(w io.Writer, md bool) error {
	b := &strings.Builder{}
	title := fmt.Sprintf("SLA report for %s (%s to %s)", r.Month, r.From.Format("2006-01-02"), r.End.Format("2006-01-02"))
	if md {
		fmt.Fprintf(b, "# %s\n\n", title)
	} else {
		fmt.Fprintf(b, "%s\n\n", title)
	}
	fmt.Fprintf(b, "Made at %s. Months are calendar months in UTC.\n", stamp(r.Time))
	if r.Partial {
		fmt.Fprintf(b, "The month is not over: measured to %s; projections assume the last 24 hours repeat until %s.\n", stamp(r.MeasuredTo), stamp(r.End))
	}
	if len(r.Services) == 0 {
		b.WriteString("\nNo service has an SLA.\n")
	}
	for _, s := range r.Services {
		head := fmt.Sprintf("%s: SLA %s on %s", s.Service, targetPercent(s.Target), s.SLO)
		if md {
			fmt.Fprintf(b, "\n## %s\n\n", head)
		} else {
			fmt.Fprintf(b, "\n%s\n", head)
		}
		indent := "  "
		if md {
			indent = "- "
		}
		fmt.Fprintf(b, "%sCredit schedule: %s.\n", indent, schedule(s.Credits))
		fmt.Fprintf(b, "%sOverall: %s.\n", indent, outcomeSentence(s.Overall, r.Partial))
		if c := s.PerCustomer; c != nil {
			writeSLACustomers(b, c, r.Partial, md, indent)
		}
	}
	return flush(w, b)
}

// schedule writes a credit schedule: 10% below 99.5%, 25% below 99%.
func schedule(cs []CreditLine) string {
	if len(cs) == 0 {
		return "no credits"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s%% below %s", trim(c.Percent), targetPercent(c.Below))
	}
	return strings.Join(parts, ", ")
}

// outcome is met, missed or no data.
func outcome(met *bool) string {
	switch {
	case met == nil:
		return noData
	case *met:
		return "met"
	}
	return "missed"
}

// creditText is the credit owed: none, 10%, or no data.
func creditText(p *float64) string {
	switch {
	case p == nil:
		return noData
	case *p == 0:
		return "none"
	}
	return trim(*p) + "%"
}

// outcomeSentence says a series' month in a line.
func outcomeSentence(f SLAFigures, partial bool) string {
	if f.SLI == nil {
		return "no data: no valid events this month, so no credit"
	}
	s := fmt.Sprintf("%s, %s, credit %s; downtime %s of %s minutes allowed",
		ratioPercent(f.SLI), outcome(f.Met), creditText(f.CreditPercent), minutesText(f.DowntimeMinutes), trim(f.AllowedMinutes))
	if partial {
		s += fmt.Sprintf("; projected %s at month end (%s, credit %s)", ratioPercent(f.ProjectedSLI), outcome(f.ProjectedMet), creditText(f.ProjectedCreditPercent))
	}
	return s
}

func writeSLACustomers(b *strings.Builder, c *SLACustomers, partial, md bool, indent string) {
	fmt.Fprintf(b, "%sCustomers: %d (%d met, %d missed, %d with no data).\n", indent, c.Count, c.Met, c.Missed, c.NoData)
	if len(c.Owed) == 0 {
		fmt.Fprintf(b, "%sNo customer is owed a credit.\n", indent)
	} else {
		parts := make([]string, len(c.Owed))
		for i, o := range c.Owed {
			parts[i] = fmt.Sprintf("%s to %s", trim(o.Percent)+"%", plural(o.Customers, "customer"))
		}
		fmt.Fprintf(b, "%sCredits owed: %s.\n", indent, strings.Join(parts, ", "))
	}
	head := []string{"CUSTOMER", "AVAILABILITY", "OUTCOME", "CREDIT"}
	if partial {
		head = append(head, "PROJECTED", "PROJECTED CREDIT")
	}
	g := newGrid(head...)
	shown, missed := 0, 0
	for _, f := range c.Customers {
		miss := f.Met != nil && !*f.Met
		if miss {
			missed++
		}
		if c.Count > slaListAll && (!miss || shown == slaListMissed) {
			continue
		}
		shown++
		row := []string{f.Customer, ratioPercent(f.SLI), outcome(f.Met), creditText(f.CreditPercent)}
		if partial {
			row = append(row, ratioPercent(f.ProjectedSLI), creditText(f.ProjectedCreditPercent))
		}
		g.add(row...)
	}
	if shown == 0 {
		return
	}
	b.WriteString("\n")
	table(b, md, g, "    ")
	if c.Count > slaListAll {
		fmt.Fprintf(b, "\n%sListed: %d of the %d customers that missed; every customer is in -o json.\n", indent, shown, missed)
	}
}
