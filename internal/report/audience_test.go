package report

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

var reportNow = time.Date(2026, 10, 16, 0, 0, 0, 0, time.UTC)

func build(t *testing.T, f *fakeLive, kind string, req Request) Report {
	t.Helper()
	if req.Now.IsZero() {
		req.Now = reportNow
	}
	r, err := Build(context.Background(), f.source(), kind, req)
	if err != nil {
		t.Fatalf("%s report: %v", kind, err)
	}
	return r
}

func render(t *testing.T, r Report, format string) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, format); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.String()
}

func TestTheEngineerReportSaysTheSeedsSentenceFromTheEnginesFigures(t *testing.T) {
	f := newFakeLive(shop())
	av := healthyEval("shop", "availability", reportNow, 0.999, 0.99962) // 38% spent
	av.BurnRate1h, av.BurnRate6h, av.BurnRate24h = fptr(0.8), fptr(0.9), fptr(1.1)
	av.Trend = "improving"
	f.eval(av)
	f.eval(engine.Evaluation{Service: "shop", SLO: "latency", Time: reportNow, Target: 0.99, Window: "30d", Status: "no_data", Trend: "unknown",
		Budget: engine.Budget{TotalMinutes: 432, RemainingMinutes: 432, RemainingRatio: 1}})
	f.alerts = []store.Alert{
		{Service: "shop", SLO: "availability", Rule: "ticket", Severity: "warning", State: "firing", FiredAt: reportNow.Add(-time.Hour)},
		{Service: "shop", SLO: "availability", Rule: "page", Severity: "critical", State: "resolved", FiredAt: reportNow.Add(-3 * time.Hour), ResolvedAt: reportNow.Add(-2 * time.Hour)},
	}
	r := build(t, f, "engineer", Request{}).(*EngineerReport)
	if len(r.SLOs) != 2 {
		t.Fatalf("SLOs = %+v", r.SLOs)
	}
	a, l := r.SLOs[0], r.SLOs[1]
	want := "Our availability SLI is currently 99.962% against a 99.9% target. Error budget is at 62%. Burn rate is 0.8x."
	if a.Summary != want {
		t.Errorf("summary = %q, want %q", a.Summary, want)
	}
	if *a.SLI != *av.SLI || *a.Budget.RemainingRatio != av.Budget.RemainingRatio || *a.Budget.RemainingMinutes != av.Budget.RemainingMinutes ||
		*a.Budget.RemainingEvents != av.Budget.RemainingEvents || *a.BurnRate24h != 1.1 {
		t.Errorf("figures differ from the evaluation's: %+v", a)
	}
	if len(a.Firing) != 1 || a.Firing[0].Rule != "ticket" {
		t.Errorf("firing = %+v, want the ticket alert only (the page resolved)", a.Firing)
	}
	if a.Actions == nil || a.Actions.Rule != "healthy" || a.Actions.Message != "Ship." {
		t.Errorf("actions = %+v, want the healthy rule's", a.Actions)
	}
	// No data is no data: not 100% of the budget left, no actions.
	if l.SLI != nil || l.Budget.RemainingRatio != nil || l.Budget.RemainingMinutes != nil || l.Actions != nil {
		t.Errorf("latency without data shows figures: %+v", l)
	}
	text := render(t, r, "text")
	for _, s := range []string{want, "shop/latency", "no data", "ticket (warning)", "Policy (healthy): Ship."} {
		if !strings.Contains(text, s) {
			t.Errorf("text has no %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "100%") {
		t.Errorf("text shows 100%% for an SLO without data:\n%s", text)
	}
	if md := render(t, r, "markdown"); !strings.Contains(md, "| shop/availability | 99.962% | 99.9% | 62% |") {
		t.Errorf("markdown has no availability row:\n%s", md)
	}
}

func TestProductHeadroomIsTheBudgetLeftOverTheDailySpend(t *testing.T) {
	cases := []struct {
		name       string
		status     string
		sli, burn  float64
		headroom   string
		days       float64 // -1: nil
		risk       string
		inSentence string
	}{
		// Half the budget left, spending 7.5x: 0.5 x 30 days / 7.5 = 2 days.
		{"two days left at 7.5x", "healthy", 0.9995, 7.5, "about 2 days", 2, "high", "we have about 2 days of buffer"},
		{"ten days left at 1.5x", "healthy", 0.9995, 1.5, "about 10 days", 10, "medium", "about 10 days of buffer"},
		{"not burning", "healthy", 0.9995, 0, "unlimited: nothing is being spent", -1, "low", "not shrinking"},
		{"healthy with a month", "healthy", 0.9995, 0.5, "about 30 days", 30, "low", "healthy with about 30 days"},
		{"warning", "warning", 0.9993, 0.5, "about 18 days", 18, "medium", "getting low"},
		{"spent", "exhausted", 0.9985, 2, "none: the budget is spent", 0, "high", "no buffer left"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeLive(shop())
			ev := healthyEval("shop", "availability", reportNow, 0.999, c.sli)
			ev.Status, ev.BurnRate24h = c.status, fptr(c.burn)
			f.eval(ev)
			r := build(t, f, "product", Request{SLO: "availability"}).(*ProductReport)
			x := r.Services[0].SLOs[0]
			if x.Headroom != c.headroom || x.LaunchRisk != c.risk {
				t.Errorf("headroom %q risk %s, want %q %s (%s)", x.Headroom, x.LaunchRisk, c.headroom, c.risk, x.Reason)
			}
			switch {
			case c.days < 0 && x.HeadroomDays != nil:
				t.Errorf("headroom days = %v, want none (unlimited)", *x.HeadroomDays)
			case c.days >= 0 && (x.HeadroomDays == nil || math.Abs(*x.HeadroomDays-c.days) > 0.01):
				t.Errorf("headroom days = %v, want %v", x.HeadroomDays, c.days)
			}
			if !strings.Contains(x.Sentence, c.inSentence) {
				t.Errorf("sentence %q has no %q", x.Sentence, c.inSentence)
			}
		})
	}
}

func TestAServicesLaunchRiskIsItsWorstSLOs(t *testing.T) {
	f := newFakeLive(shop())
	f.eval(healthyEval("shop", "availability", reportNow, 0.999, 0.9999))
	f.eval(engine.Evaluation{Service: "shop", SLO: "latency", Time: reportNow, Target: 0.99, Window: "30d", Status: "no_data"})
	r := build(t, f, "product", Request{}).(*ProductReport)
	s := r.Services[0]
	if s.LaunchRisk != "unknown" || !strings.HasPrefix(s.Reason, "latency: we can't tell") {
		t.Errorf("service risk %s (%s), want unknown from latency: nobody can vouch for an SLO nobody measures", s.LaunchRisk, s.Reason)
	}
	if s.SLOs[1].HeadroomDays != nil || s.SLOs[1].BudgetRemainingRatio != nil || s.SLOs[1].Headroom != "no data" {
		t.Errorf("latency without data: %+v", s.SLOs[1])
	}
}

func TestTheExecutiveColourIsTheWorstStatus(t *testing.T) {
	cases := []struct {
		statuses []string
		color    string
		worst    int
	}{
		{[]string{"healthy", "healthy"}, "green", 0},
		{[]string{"healthy", "warning"}, "yellow", 1},
		{[]string{"healthy", "no_data"}, "yellow", 1},
		{[]string{"no_data", "warning"}, "yellow", 1},
		{[]string{"warning", "critical"}, "red", 1},
		{[]string{"exhausted", "critical"}, "red", 0},
		{[]string{"no_data", "no_data"}, "grey", 0},
	}
	for _, c := range cases {
		if color, worst := colorOf(c.statuses); color != c.color || worst != c.worst {
			t.Errorf("%v: %s (worst %d), want %s (%d)", c.statuses, color, worst, c.color, c.worst)
		}
	}
}

// monthOfTraffic puts hourly counts of availability into the fake from
// from to to: valid an hour, of which bad fail, and the same per customer.
func monthOfTraffic(f *fakeLive, customer string, from, to time.Time, valid, bad float64) {
	for t := from; t.Before(to); t = t.Add(time.Hour) {
		f.add("shop/availability", customer, t, valid-bad, valid)
	}
}

func TestTheExecutiveSeesTheSLAProjectedToTheMonthsEnd(t *testing.T) {
	f := newFakeLive(shop())
	f.eval(healthyEval("shop", "availability", reportNow, 0.999, 0.9999))
	f.eval(healthyEval("shop", "latency", reportNow, 0.99, 0.999))
	oct := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	// 14 days at 0.2% errors, then the last day at 5%: so far 99.4667%,
	// projected with 16 more days like the last to (14x0.2+16x5+5)/31 =
	// 2.832% errors.
	monthOfTraffic(f, "", oct, reportNow.Add(-slo.Day), 1000, 2)
	monthOfTraffic(f, "", reportNow.Add(-slo.Day), reportNow, 1000, 50)
	r := build(t, f, "executive", Request{}).(*ExecutiveReport)
	s := r.Services[0]
	if s.Color != "green" || !r.Partial || r.Month != "2026-10" {
		t.Errorf("color %s partial %v month %s", s.Color, r.Partial, r.Month)
	}
	so := 1 - (14*24*2+24*50)/(15*24*1000.0)
	proj := 1 - (14*24*2+17*24*50)/(31*24*1000.0)
	if s.SLA == nil || math.Abs(*s.SLA.SLI-so) > 1e-12 || math.Abs(*s.SLA.ProjectedSLI-proj) > 1e-12 {
		t.Fatalf("SLA = %+v, want %v so far and %v projected", s.SLA, so, proj)
	}
	if !s.SLA.CreditExpected || *s.SLA.CreditPercent != 25 {
		t.Errorf("projected %v is below 99%%: want a 25%% credit likely, got %+v", proj, s.SLA)
	}
	if !strings.Contains(s.Line, "a 25% credit is likely") || !strings.Contains(s.Line, "shop is GREEN") {
		t.Errorf("line = %q", s.Line)
	}
}

func TestTheCustomerSeesTheStateNowAndTheMonthAgainstTheCommitment(t *testing.T) {
	tier := func(sev string, fires bool) engine.TierFigures {
		tf := engine.TierFigures{Name: sev, Severity: sev, Threshold: 1, LongValid: 100}
		tf.Over = fires
		return tf
	}
	cases := []struct {
		name   string
		tiers  []engine.TierFigures
		noData bool
		state  string
	}{
		{"nothing over", []engine.TierFigures{tier("critical", false), tier("warning", false)}, false, "operational"},
		{"a ticket over", []engine.TierFigures{tier("critical", false), tier("warning", true)}, false, "degraded"},
		{"the page over", []engine.TierFigures{tier("critical", true), tier("warning", true)}, false, "major_outage"},
		{"no data", nil, true, "unknown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeLive(shop())
			av := healthyEval("shop", "availability", reportNow, 0.999, 0.9999)
			av.Tiers = c.tiers
			if c.noData {
				av.SLI, av.Status = nil, "no_data"
			}
			f.eval(av)
			f.eval(healthyEval("shop", "latency", reportNow, 0.99, 0.999))
			monthOfTraffic(f, "", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), reportNow, 1000, 3)
			r := build(t, f, "customer", Request{SLO: "availability"}).(*CustomerReport)
			s := r.Services[0]
			if s.State != c.state || s.Components[0].State != c.state {
				t.Errorf("state %s, components %+v, want %s", s.State, s.Components, c.state)
			}
			if s.CommitmentKind != "sla" || s.Commitment != 0.995 || math.Abs(*s.Availability-0.997) > 1e-12 || !*s.MeetingCommitment {
				t.Errorf("month: %+v, want 99.7%% against the SLA's 99.5%%", s)
			}
			text := render(t, r, "text")
			for _, jargon := range []string{"budget", "burn", "SLO", "SLI"} {
				if strings.Contains(text, jargon) {
					t.Errorf("the customer's text says %q:\n%s", jargon, text)
				}
			}
		})
	}
}

func TestWithoutAnSLATheCustomerIsShownTheSLOsTarget(t *testing.T) {
	svc := shop()
	svc.SLA = nil
	f := newFakeLive(svc)
	f.eval(healthyEval("shop", "availability", reportNow, 0.999, 0.9999))
	f.eval(healthyEval("shop", "latency", reportNow, 0.99, 0.999))
	r := build(t, f, "customer", Request{}).(*CustomerReport)
	s := r.Services[0]
	if s.CommitmentKind != "slo" || s.Commitment != 0.999 || s.Availability != nil || s.MeetingCommitment != nil {
		t.Errorf("got %+v: want the availability SLO's 99.9%% and no data this month", s)
	}
	if !strings.Contains(s.Message, "No availability has been measured this month yet") {
		t.Errorf("message = %q", s.Message)
	}
}
