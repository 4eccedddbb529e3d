package report

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// WeeklyReport sums up the seven days to now: per SLO the week's SLI from
// its counts, the budget the week spent, the status now and a week ago,
// the alerts that fired; per service the incidents and deploys recorded.
type WeeklyReport struct {
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Services []WeeklyService `json:"services"`
}

// WeeklyService is one service's week.
type WeeklyService struct {
	Service string      `json:"service"`
	SLOs    []WeeklySLO `json:"slos"`
	// Events are the annotations overlapping the week: incidents, deploys
	// and notes, oldest first.
	Events []WeeklyEvent `json:"events"`
}

// WeeklySLO is one objective's week. Pointers are nil without data.
type WeeklySLO struct {
	SLO    string  `json:"slo"`
	Target float64 `json:"target"`
	// Good, Valid and SLI are the week's.
	Good  float64  `json:"good"`
	Valid float64  `json:"valid"`
	SLI   *float64 `json:"sli"`
	// BudgetSpentRatio is the share of the SLO window's budget (as the
	// engine has it now) that the week's bad events spent;
	// BudgetSpentMinutes the same in minutes.
	BudgetSpentRatio   *float64      `json:"budget_spent_ratio"`
	BudgetSpentMinutes *float64      `json:"budget_spent_minutes"`
	StatusNow          string        `json:"status_now"`
	StatusWeekAgo      string        `json:"status_week_ago"`
	Alerts             []WeeklyAlert `json:"alerts"`
}

// WeeklyAlert is an alert that fired, or was firing, during the week.
type WeeklyAlert struct {
	Rule       string    `json:"rule"`
	Severity   string    `json:"severity"`
	FiredAt    time.Time `json:"fired_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// BudgetSpent is the share of the budget spent while it fired, set
	// once it resolved.
	BudgetSpent float64 `json:"budget_spent"`
}

// WeeklyEvent is an annotation of the week.
type WeeklyEvent struct {
	Kind  string    `json:"kind"`
	SLO   string    `json:"slo,omitempty"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	Text  string    `json:"text"`
}

func buildWeekly(ctx context.Context, src Source, req Request) (Report, error) {
	ps, err := pick(src.Data, req)
	if err != nil {
		return nil, err
	}
	to := req.Now.UTC()
	from := to.Add(-slo.Week)
	r := &WeeklyReport{From: from, To: to, Services: []WeeklyService{}}
	for _, group := range byService(ps) {
		s := WeeklyService{Service: group[0].svc.Name, SLOs: []WeeklySLO{}, Events: []WeeklyEvent{}}
		for _, p := range group {
			x, err := weeklySLO(ctx, src, p, from, to)
			if err != nil {
				return nil, fmt.Errorf("weekly report: %w", err)
			}
			s.SLOs = append(s.SLOs, x)
		}
		if src.Records != nil {
			as, err := src.Records.Annotations(ctx, s.Service, from, to)
			if err != nil {
				return nil, fmt.Errorf("weekly report: annotations of %s: %w", s.Service, err)
			}
			for _, a := range as {
				if req.SLO == "" || a.Objective == "" || a.Objective == req.SLO {
					s.Events = append(s.Events, WeeklyEvent{Kind: a.Kind, SLO: a.Objective, Start: a.Start, End: a.End, Text: a.Text})
				}
			}
		}
		r.Services = append(r.Services, s)
	}
	return r, nil
}

// weeklySLO reads one objective's week: counts over [from, to), the status
// a week ago from its history, and its alerts.
func weeklySLO(ctx context.Context, src Source, p picked, from, to time.Time) (WeeklySLO, error) {
	ev := evaluation(src.Data, p)
	x := WeeklySLO{SLO: p.obj.Name, Target: ev.Target, StatusNow: ev.Status, StatusWeekAgo: slo.NoData.String(), Alerts: []WeeklyAlert{}}
	t, _, err := src.Data.Count(ctx, slo.Series{Objective: p.key()}, from, to)
	if err != nil {
		return x, err
	}
	x.Good, x.Valid = t.Good, t.Valid
	if x.Valid > 0 {
		x.SLI = fptr(x.Good / x.Valid)
		if allowed := ev.Budget.AllowedEvents; allowed > 0 {
			x.BudgetSpentRatio = fptr((x.Valid - x.Good) / allowed)
			x.BudgetSpentMinutes = fptr(*x.BudgetSpentRatio * ev.Budget.TotalMinutes)
		}
	}
	if !ev.Time.IsZero() { // an objective not evaluated yet has no history either
		pts, err := src.Data.History(ctx, slo.Series{Objective: p.key()}, from, from, time.Hour)
		if err != nil {
			return x, err
		}
		if len(pts) > 0 {
			x.StatusWeekAgo = pts[0].Status
		}
	}
	if src.Records != nil {
		as, err := src.Records.Alerts(ctx, store.AlertQuery{Service: p.svc.Name, SLO: p.obj.Name, From: from, To: to})
		if err != nil {
			return x, fmt.Errorf("alerts of %s: %w", p.key(), err)
		}
		for i := len(as) - 1; i >= 0; i-- { // oldest first
			if a := as[i]; a.Customer == "" && !a.FiredAt.IsZero() {
				x.Alerts = append(x.Alerts, WeeklyAlert{Rule: a.Rule, Severity: a.Severity, FiredAt: a.FiredAt, ResolvedAt: a.ResolvedAt, BudgetSpent: a.BudgetSpent})
			}
		}
	}
	return x, nil
}

// Text writes the weekly report for a terminal.
func (r *WeeklyReport) Text(w io.Writer) error { return r.write(w, false) }

// Markdown writes the weekly report as Markdown.
func (r *WeeklyReport) Markdown(w io.Writer) error { return r.write(w, true) }

func (r *WeeklyReport) write(w io.Writer, md bool) error {
	b := &strings.Builder{}
	title := fmt.Sprintf("Weekly summary, %s to %s", stamp(r.From), stamp(r.To))
	if md {
		fmt.Fprintf(b, "# %s\n", title)
	} else {
		fmt.Fprintf(b, "%s\n", title)
	}
	for _, s := range r.Services {
		if md {
			fmt.Fprintf(b, "\n## %s\n\n", s.Service)
		} else {
			fmt.Fprintf(b, "\n%s\n\n", s.Service)
		}
		g := newGrid("SLO", "WEEK SLI", "TARGET", "BUDGET SPENT", "MINUTES", "STATUS NOW", "A WEEK AGO", "ALERTS")
		for _, x := range s.SLOs {
			g.add(x.SLO, ratioPercent(x.SLI), targetPercent(x.Target), sharePercent(x.BudgetSpentRatio), minutesText(x.BudgetSpentMinutes),
				x.StatusNow, x.StatusWeekAgo, fmt.Sprint(len(x.Alerts)))
		}
		table(b, md, g, "  ")
		var lines []string
		for _, x := range s.SLOs {
			for _, a := range x.Alerts {
				l := fmt.Sprintf("alert %s/%s (%s) fired %s", x.SLO, a.Rule, a.Severity, stamp(a.FiredAt))
				if a.ResolvedAt.IsZero() {
					l += ", still firing"
				} else {
					l += fmt.Sprintf(", resolved %s, spent %s of the budget", stamp(a.ResolvedAt), trim(100*a.BudgetSpent)+"%")
				}
				lines = append(lines, l)
			}
		}
		for _, e := range s.Events {
			l := fmt.Sprintf("%s %s", e.Kind, stamp(e.Start))
			if !e.End.IsZero() {
				l += " to " + stamp(e.End)
			}
			if e.SLO != "" {
				l += " (" + e.SLO + ")"
			}
			if e.Text != "" {
				l += ": " + e.Text
			}
			lines = append(lines, l)
		}
		if len(lines) == 0 {
			lines = []string{"no alerts fired and no incidents or deploys were recorded"}
		}
		b.WriteString("\n")
		for _, l := range lines {
			if md {
				fmt.Fprintf(b, "- %s\n", l)
			} else {
				fmt.Fprintf(b, "  - %s\n", l)
			}
		}
	}
	return flush(w, b)
}
