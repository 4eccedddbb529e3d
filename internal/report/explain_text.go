package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the explanation for a terminal.
func (x Explanation) WriteText(w io.Writer) error {
	for i, s := range x.Services {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s%s (%s)\n", s.Service, owner(s.Owner), s.File)
		for _, o := range s.SLOs {
			writeSLOText(w, o, s.TrafficPerSec)
		}
		if s.SLA != nil {
			fmt.Fprintf(w, "\nSLA: %s\n", slaSentence(s.SLA))
		}
	}
	return nil
}

func writeSLOText(w io.Writer, o SLOExplanation, traffic float64) {
	fmt.Fprintf(w, "\nSLO %s: %s%% over %s (%s SLI, %s)\n", o.Name, num(o.TargetPercent), o.Window, o.SLIKind, o.Budgeting)
	fmt.Fprintf(w, "  Error budget: %s\n", budgetSentence(o, traffic))
	fmt.Fprintf(w, "  A full budget lasts: %s\n", exhaustionSentence(o.Exhaustion))
	if o.AlertingDisabled {
		fmt.Fprintln(w, "  Alerting: disabled")
	}
	if len(o.Tiers) > 0 {
		fmt.Fprintln(w, "  Alert tiers (detection time for a sudden error ratio, and budget spent by then):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "    TIER\tSEVERITY\tBURN RATE\tLONG\tSHORT\tFIRES AT ERRORS\t"+detectionHeads("\t", true))
		for _, t := range o.Tiers {
			fmt.Fprintf(tw, "    %s\t%s\t%sx\t%s\t%s\t%s%%\t%s\n", t.Name, t.Severity, trim(t.BurnRate), t.LongWindow, t.ShortWindow, num(t.ErrorRatio*100), detectionCells(t, "\t"))
		}
		tw.Flush()
		for _, t := range o.Tiers {
			fmt.Fprintf(w, "    %s: %s\n", t.Name, tierNote(t))
		}
	}
	if c := o.Ceiling; c != nil {
		fmt.Fprintf(w, "  Dependency ceiling: %s%% (%s)%s\n", percent(c.Percent), factorList(c), ceilingWarning(c))
	}
	if len(o.TierTargets) > 0 {
		var parts []string
		for _, t := range o.TierTargets {
			parts = append(parts, tierTarget(t))
		}
		fmt.Fprintf(w, "  Customer tiers: %s\n", strings.Join(parts, "; "))
	}
	var pol []string
	for _, p := range o.Policy {
		pol = append(pol, policyStep(p))
	}
	fmt.Fprintf(w, "  Budget policy: %s\n", strings.Join(pol, "; "))
}

// tierNote says what a tier's keep_firing_for, when it has one, and its
// low-traffic guard do: "keeps firing for 10m after the short window clears
// (its reset time includes it); fires only with at least 70 valid events in
// 1h".
func tierNote(t TierFigures) string {
	var parts []string
	if t.KeepFiringFor != "" && t.KeepFiringFor != "0s" {
		parts = append(parts, fmt.Sprintf("keeps firing for %s after the short window clears (its reset time includes it)", t.KeepFiringFor))
	}
	if t.MinValidEvents > 0 {
		parts = append(parts, fmt.Sprintf("fires only with at least %s valid events in %s", num(t.MinValidEvents), t.LongWindow))
	} else {
		parts = append(parts, "fires however few the valid events (no low-traffic guard)")
	}
	return strings.Join(parts, "; ")
}

func owner(o string) string {
	if o == "" {
		return ""
	}
	return ", owned by " + o
}

func budgetSentence(o SLOExplanation, traffic float64) string {
	s := fmt.Sprintf("%s%% = %s minutes of full outage per %s", num(o.Budget.Ratio*100), num(o.Budget.Minutes), o.Window)
	if o.Window != "" && strings.HasPrefix(o.Window, "calendar") {
		s += fmt.Sprintf(" (taken as %s days)", num(o.WindowMinutes/1440))
	}
	if o.Budget.Events != nil {
		s += fmt.Sprintf("; %s bad events at %s valid events/s", num(*o.Budget.Events), num(traffic))
	}
	if o.Budget.Slices != nil {
		s += fmt.Sprintf("; %s bad time slices", num(*o.Budget.Slices))
	}
	return s
}

func exhaustionSentence(ex []ExhaustionFigure) string {
	var parts []string
	for _, e := range ex {
		parts = append(parts, fmt.Sprintf("%s at %sx", e.Human, num(e.BurnRate)))
	}
	return strings.Join(parts, ", ")
}

// detectionHeads writes the column heads of the detection times: "At 1%
// errors", upper-cased for the terminal's table.
func detectionHeads(sep string, upper bool) string {
	var parts []string
	for _, r := range ErrorRatios {
		h := fmt.Sprintf("At %s%% errors", num(r*100))
		if upper {
			h = strings.ToUpper(h)
		}
		parts = append(parts, h)
	}
	return strings.Join(parts, sep)
}

func detectionCells(t TierFigures, sep string) string {
	var parts []string
	for _, d := range t.Detection {
		if !d.Fires {
			parts = append(parts, "never")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s%%)", d.Human, num(d.BudgetSpentPercent)))
	}
	return strings.Join(parts, sep)
}

// factorList writes the product a ceiling is: each hard dependency times
// what it stands on, and the members of a redundancy group in parentheses
// as alternatives, since their availabilities combine, not multiply.
func factorList(c *CeilingFigures) string { return product(c.Factors, "") }

// product writes the factors whose parent path is parent.
func product(fs []FactorFigure, parent string) string {
	var parts []string
	groups := map[string]int{} // group name -> index in parts
	members := map[string][]string{}
	for _, f := range fs {
		at := strings.LastIndex(f.Path, "/")
		if f.Path[:max(at, 0)] != parent {
			continue
		}
		term := fmt.Sprintf("%s %s%%", f.Path[at+1:], num(f.AvailabilityPercent))
		if below := product(fs, f.Path); below != "" {
			term += " x " + below
		}
		if f.Group == "" {
			parts = append(parts, term)
			continue
		}
		if _, ok := groups[f.Group]; !ok {
			groups[f.Group] = len(parts)
			parts = append(parts, "")
		}
		if strings.Contains(term, " x ") {
			term = "(" + term + ")"
		}
		members[f.Group] = append(members[f.Group], term)
		parts[groups[f.Group]] = fmt.Sprintf("(%s: redundant group %s)", strings.Join(members[f.Group], " or "), f.Group)
	}
	return strings.Join(parts, " x ")
}

func ceilingWarning(c *CeilingFigures) string {
	if c.AboveCeiling {
		return "; the SLO is above it"
	}
	return ""
}

func tierTarget(t TierTargetFigure) string {
	s := fmt.Sprintf("%s %s%% (%s min)", t.Tier, num(t.TargetPercent), num(t.BudgetMinutes))
	if t.LatencyBelow != "" {
		s += " within " + t.LatencyBelow
	}
	return s
}

func policyStep(p PolicyFigure) string {
	limit := "otherwise"
	if p.AbovePercent != nil {
		limit = "above " + num(*p.AbovePercent) + "%"
	}
	return fmt.Sprintf("%s %s: %s", p.Status, limit, p.Actions.Message)
}

func slaSentence(a *SLAExplanation) string {
	var credits []string
	for _, c := range a.Credits {
		credits = append(credits, fmt.Sprintf("below %s%% %s%%", num(c.BelowPercent), num(c.CreditPercent)))
	}
	s := fmt.Sprintf("%s%% per %s, measured by SLO %s: %s minutes allowed; the SLO keeps %s points (%s minutes) of headroom",
		num(a.TargetPercent), a.Window, a.SLO, num(a.BudgetMinutes), num(a.HeadroomPercent), num(a.HeadroomMinutes))
	if len(credits) > 0 {
		s += "; credits: " + strings.Join(credits, ", ")
	}
	return s
}
