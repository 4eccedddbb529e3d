package report

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

func TestTheWeeklySummaryCountsTheWeekAndListsWhatHappened(t *testing.T) {
	f := newFakeLive(shop())
	av := healthyEval("shop", "availability", reportNow, 0.999, 0.9995) // 1e6 valid in the window
	av.Status = "warning"
	f.eval(av)
	f.eval(engine.Evaluation{Service: "shop", SLO: "latency", Time: reportNow, Target: 0.99, Window: "30d", Status: "no_data"})
	f.weekAgo["shop/availability"] = "healthy"
	weekAgo := reportNow.Add(-slo.Week)
	// The hour before the week does not count; the week's 168 hours do.
	f.add("shop/availability", "", weekAgo.Add(-time.Hour), 0, 5000)
	monthOfTraffic(f, "", weekAgo, reportNow, 1000, 1)
	monthOfTraffic(f, "acme", weekAgo, reportNow, 10, 5) // a customer's: not the objective's
	f.alerts = []store.Alert{
		{Service: "shop", SLO: "availability", Rule: "page", Severity: "critical", State: "resolved",
			FiredAt: reportNow.Add(-3 * slo.Day), ResolvedAt: reportNow.Add(-3*slo.Day + time.Hour), BudgetSpent: 0.05},
		{Service: "shop", SLO: "availability", Rule: "ticket", Severity: "warning", State: "firing", FiredAt: reportNow.Add(-time.Hour)},
		{Service: "shop", SLO: "availability", Rule: "page", Severity: "critical", State: "resolved",
			FiredAt: reportNow.Add(-9 * slo.Day), ResolvedAt: reportNow.Add(-8 * slo.Day)}, // before the week
	}
	f.annotations = []store.Annotation{
		{Service: "shop", Kind: "deploy", Start: reportNow.Add(-2 * slo.Day), Text: "v2"},
		{Service: "shop", Kind: "incident", Start: reportNow.Add(-3 * slo.Day), End: reportNow.Add(-3*slo.Day + time.Hour), Text: "db failover"},
		{Service: "other", Kind: "deploy", Start: reportNow.Add(-slo.Day), Text: "not ours"},
	}
	r := build(t, f, "weekly", Request{}).(*WeeklyReport)
	if !r.From.Equal(weekAgo) || !r.To.Equal(reportNow) {
		t.Errorf("week %s to %s", r.From, r.To)
	}
	s := r.Services[0]
	a := s.SLOs[0]
	if a.Valid != 168*1000 || math.Abs(*a.SLI-0.999) > 1e-12 {
		t.Errorf("week counts %v/%v, want 168 hours of 1000 at 99.9%%", a.Good, a.Valid)
	}
	// 168 bad events of the 1000 the window's 1e6 valid events allow.
	if math.Abs(*a.BudgetSpentRatio-0.168) > 1e-9 || math.Abs(*a.BudgetSpentMinutes-0.168*43.2) > 1e-9 {
		t.Errorf("budget spent %v (%v minutes), want 16.8%% of 43.2", *a.BudgetSpentRatio, *a.BudgetSpentMinutes)
	}
	if a.StatusNow != "warning" || a.StatusWeekAgo != "healthy" {
		t.Errorf("status now %s, a week ago %s", a.StatusNow, a.StatusWeekAgo)
	}
	if len(a.Alerts) != 2 || a.Alerts[0].Rule != "page" || a.Alerts[1].Rule != "ticket" || a.Alerts[0].BudgetSpent != 0.05 {
		t.Errorf("alerts = %+v, want the page then the ticket, oldest first", a.Alerts)
	}
	l := s.SLOs[1]
	if l.SLI != nil || l.BudgetSpentRatio != nil || l.StatusWeekAgo != "no_data" {
		t.Errorf("latency without data: %+v", l)
	}
	if len(s.Events) != 2 || s.Events[0].Kind != "incident" || s.Events[1].Text != "v2" {
		t.Errorf("events = %+v", s.Events)
	}
	text := render(t, r, "text")
	for _, w := range []string{"Weekly summary", "99.9%", "16.8%", "warning", "healthy",
		"alert availability/page (critical) fired", "spent 5% of the budget", "still firing", "incident", "db failover"} {
		if !strings.Contains(text, w) {
			t.Errorf("text has no %q:\n%s", w, text)
		}
	}
	if md := render(t, r, "markdown"); !strings.Contains(md, "| availability | 99.9% | 99.9% | 16.8% |") {
		t.Errorf("markdown:\n%s", md)
	}
}
