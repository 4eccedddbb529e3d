package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/slo-dev/slo/internal/slo"
)

// WriteDocument writes a service's SLO document in Markdown, after the
// seed's template: service, owner and review cadence; per SLO the objective,
// window, measurement, error budget and rationale; then alerting, budget
// policy, dependencies, exclusions, customer tiers and the SLA.
func WriteDocument(w io.Writer, s *slo.Service) error {
	b := &strings.Builder{}
	x := Explain([]*slo.Service{s}, 0).Services[0]
	fmt.Fprintf(b, "# SLOs of %s\n\n", s.Name)
	if s.Description != "" {
		fmt.Fprintf(b, "%s\n\n", s.Description)
	}
	fmt.Fprintf(b, "| | |\n|---|---|\n| Service | %s |\n| Owner | %s |\n| Review cadence | %s |\n| Spec | %s |\n\n",
		s.Name, orDash(s.Owner), orDash(s.ReviewCadence), s.File)
	for i := range s.Objectives {
		writeObjective(b, s, &s.Objectives[i], x.SLOs[i])
	}
	writeDependencies(b, s)
	if s.SLA != nil {
		fmt.Fprintf(b, "## SLA\n\n%s.\n\n", slaSentence(x.SLA))
		if s.SLA.Description != "" {
			fmt.Fprintf(b, "%s\n\n", s.SLA.Description)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeObjective(b *strings.Builder, s *slo.Service, o *slo.Objective, x SLOExplanation) {
	fmt.Fprintf(b, "## SLO: %s\n\n", o.Name)
	if o.Description != "" {
		fmt.Fprintf(b, "%s\n\n", o.Description)
	}
	counted := "valid events are good"
	if o.Budgeting.Method == slo.Timeslices {
		counted = "time slices are good"
	}
	fmt.Fprintf(b, "- **Objective:** %s%% of %s\n", num(x.TargetPercent), counted)
	fmt.Fprintf(b, "- **Window:** %s\n", windowPhrase(o.Window))
	fmt.Fprintf(b, "- **Measurement:** %s\n", Measurement(o.SLI))
	if o.Budgeting.Method == slo.Timeslices {
		fmt.Fprintf(b, "- **Budgeting:** time slices of %s, a slice good when its SLI is at least %s%%\n",
			slo.FormatDuration(o.Budgeting.Slice), num(o.Budgeting.SliceTarget*100))
	}
	fmt.Fprintf(b, "- **Error budget:** %s%% x %s = %s minutes of total downtime\n", num(x.Budget.Ratio*100), budgetPeriod(o.Window), num(x.Budget.Minutes))
	if len(o.Exclusions) > 0 {
		var ex []string
		for _, m := range o.Exclusions {
			ex = append(ex, maintenancePhrase(m))
		}
		fmt.Fprintf(b, "- **Excluded:** %s\n", strings.Join(ex, "; "))
	}
	if o.Rationale != "" {
		fmt.Fprintf(b, "\n**Rationale:** %s\n", strings.TrimSpace(o.Rationale))
	}
	if o.Alerting.Disabled {
		b.WriteString("\n**Alerting:** disabled.\n")
	}
	if len(x.Tiers) > 0 {
		fmt.Fprintf(b, "\n**Alerting** (detection time for a sudden error ratio, and the budget spent by then):\n\n")
		fmt.Fprintf(b, "| Tier | Severity | Burn rate | Windows | Fires at errors | %s |\n|---|---|---|---|---|%s\n",
			detectionHeads(" | ", false), strings.Repeat("---|", len(ErrorRatios)))
		for _, t := range x.Tiers {
			fmt.Fprintf(b, "| %s | %s | %sx | %s and %s | %s%% | %s |\n", t.Name, t.Severity, trim(t.BurnRate),
				t.LongWindow, t.ShortWindow, num(t.ErrorRatio*100), detectionCells(t, " | "))
		}
		if o.Alerting.RunbookURL != "" {
			fmt.Fprintf(b, "\nRunbook: %s\n", o.Alerting.RunbookURL)
		}
	}
	if len(x.TierTargets) > 0 {
		fmt.Fprintf(b, "\n**Customer tiers:**\n\n| Tier | Objective | Budget (min) | Latency |\n|---|---|---|---|\n")
		for _, t := range x.TierTargets {
			fmt.Fprintf(b, "| %s | %s%% | %s | %s |\n", t.Tier, num(t.TargetPercent), num(t.BudgetMinutes), orDash(t.LatencyBelow))
		}
	}
	fmt.Fprintf(b, "\n**Budget policy:**\n\n| Status | Budget left | Features | Risky deploys | Experiments | Approval | Rollback at | |\n|---|---|---|---|---|---|---|---|\n")
	for _, p := range x.Policy {
		limit := "otherwise"
		if p.AbovePercent != nil {
			limit = "> " + num(*p.AbovePercent) + "%"
		}
		a := p.Actions
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", p.Status, limit, yes(a.FeatureDevelopment),
			yes(a.RiskyDeployments), yes(a.Experiments), orDash(a.DeploymentApproval), orDash(a.RollbackThreshold), a.Message)
	}
	if c := x.Ceiling; c != nil {
		fmt.Fprintf(b, "\n**Dependency ceiling:** %s%% (%s)%s.\n", percent(c.Percent), factorList(c), ceilingWarning(c))
	}
	b.WriteString("\n")
}

func writeDependencies(b *strings.Builder, s *slo.Service) {
	if len(s.Dependencies) == 0 {
		return
	}
	b.WriteString("## Dependencies\n\n| Dependency | Kind | Availability | Published as | Group | Bounds |\n|---|---|---|---|---|---|\n")
	var walk func(deps []slo.Dependency, prefix string)
	walk = func(deps []slo.Dependency, prefix string) {
		for _, d := range deps {
			kind := "hard"
			if !d.Hard {
				kind = "soft"
			}
			bounds := "all SLOs"
			if len(d.SLOs) > 0 {
				bounds = strings.Join(d.SLOs, ", ")
			}
			if prefix != "" {
				bounds = "via " + strings.TrimSuffix(prefix, "/")
			}
			fmt.Fprintf(b, "| %s%s | %s | %s%% | %s | %s | %s |\n", prefix, d.Name, kind, percent(d.Availability*100), orDash(d.Published), orDash(d.Group), bounds)
			walk(d.DependsOn, prefix+d.Name+"/")
		}
	}
	walk(s.Dependencies, "")
	b.WriteString("\nSoft dependencies are degraded around (queued, retried) and do not bound the SLOs.\n\n")
}

// Measurement says in words what an SLI counts.
func Measurement(s slo.SLI) string {
	switch s.Kind {
	case slo.SourcePrometheus:
		p := s.Prometheus
		switch {
		case p.Histogram != nil:
			sel := ""
			if p.Histogram.Selector != "" {
				sel = "{" + p.Histogram.Selector + "}"
			}
			return fmt.Sprintf("Prometheus histogram `%s%s`: good events are observations at or below %s", p.Histogram.Metric, sel, num(p.Histogram.Threshold))
		case p.Bad != "":
			return fmt.Sprintf("Prometheus: bad events `%s` over valid events `%s`", p.Bad, p.Total)
		default:
			return fmt.Sprintf("Prometheus: good events `%s` over valid events `%s`", p.Good, p.Total)
		}
	case slo.SourceEvents, slo.SourceAccessLog:
		e := s.Events
		from := fmt.Sprintf("pushed events of stream `%s`", e.Stream)
		if e.Log != nil {
			from = fmt.Sprintf("access log `%s` (%s format)", e.Log.Path, e.Log.Format)
		}
		valid := MatchPhrase(e.Valid)
		if valid == "" {
			valid = "all requests"
		}
		for _, x := range e.Exclude {
			valid += ", except " + MatchPhrase(x)
		}
		good := MatchPhrase(e.Good)
		if good == "" {
			good = "every valid request"
		}
		return fmt.Sprintf("%s; valid: %s; good: %s", from, valid, good)
	}
	return "not set"
}

// MatchPhrase says in words what a filter lets through.
func MatchPhrase(m slo.Match) string {
	var parts []string
	if len(m.PathPrefixes) > 0 {
		parts = append(parts, "path starting "+strings.Join(quote(m.PathPrefixes), " or "))
	}
	if m.PathRegex != nil {
		parts = append(parts, "path matching `"+m.PathRegex.String()+"`")
	}
	if len(m.Methods) > 0 {
		parts = append(parts, "method "+strings.Join(m.Methods, " or "))
	}
	if len(m.Statuses) > 0 {
		var st []string
		for _, r := range m.Statuses {
			st = append(st, r.String())
		}
		parts = append(parts, "status "+strings.Join(st, " or "))
	}
	if m.LatencyBelow > 0 {
		parts = append(parts, "within "+slo.FormatDuration(m.LatencyBelow))
	}
	keys := make([]string, 0, len(m.Labels))
	for k := range m.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, m.Labels[k]))
	}
	return strings.Join(parts, " and ")
}

// budgetPeriod names the period a budget figure is for; a calendar period's
// length varies, so its nominal length is said.
func budgetPeriod(w slo.Window) string {
	if w.IsCalendar() {
		return fmt.Sprintf("%s (taken as %s)", w, slo.FormatDuration(w.Nominal()))
	}
	return w.String()
}

func windowPhrase(w slo.Window) string {
	if w.IsCalendar() {
		zone := "UTC"
		if w.Location != nil {
			zone = w.Location.String()
		}
		return fmt.Sprintf("calendar %s (%s)", w.Calendar, zone)
	}
	return "rolling " + slo.FormatDuration(w.Rolling)
}

func maintenancePhrase(m slo.Maintenance) string {
	name := m.Name
	if name != "" {
		name += ": "
	}
	if m.Next != nil {
		zone := m.TimeZone
		if zone == "" {
			zone = "UTC"
		}
		return fmt.Sprintf("%severy `%s` (%s) for %s", name, m.Schedule, zone, slo.FormatDuration(m.Duration))
	}
	return fmt.Sprintf("%s%s for %s", name, m.Start.Format("2006-01-02 15:04 MST"), slo.FormatDuration(m.Duration))
}

func quote(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = "`" + x + "`"
	}
	return out
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
