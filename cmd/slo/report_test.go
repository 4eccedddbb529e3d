package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/report"
)

// same reports whether two figures agree to rounding: both no data, or
// both within a relative 1e-12.
func same(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-12*math.Max(1, math.Abs(*b))
}

// reportJSON runs `slo report KIND ARGS... -o json` against the server
// and decodes what it prints into out.
func reportJSON(t *testing.T, s *server, out any, kind string, args ...string) {
	t.Helper()
	r := mustRun(t, exitOK, append([]string{"report", kind, "-o", "json", "--server", s.base}, args...)...)
	if err := json.Unmarshal([]byte(r.stdout), out); err != nil {
		t.Fatalf("report %s: %v\n%s", kind, err, r.stdout)
	}
}

// TestReportsOnTheDemoGiveTheEnginesFigures runs `slo serve --demo` at
// 2026-11-01T00:00Z, so that its 30 days are October's from the 2nd and
// hold the seed's three incidents, and checks every report against the
// API's evaluations at that instant.
func TestReportsOnTheDemoGiveTheEnginesFigures(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	s := startServeCtx(t, context.WithValue(context.Background(), clockKey{}, clock.now), "--demo", "--tick", "100ms")
	var list struct{ SLOs []evaluation }
	if code := s.do(t, "GET", "/api/v1/slos", "", nil, nil, &list); code != http.StatusOK || len(list.SLOs) != 4 {
		t.Fatalf("GET /api/v1/slos: %d, %d SLOs", code, len(list.SLOs))
	}
	api := map[string]evaluation{}
	for _, e := range list.SLOs {
		api[e.SLO] = e
	}
	av := api["availability"]
	// The seed's walkthrough: 10 + 15 + 20 minutes of 43.2.
	if math.Abs(av.Budget.ConsumedMinutes-45) > 0.1 || av.Budget.TotalMinutes != 43.2 || av.Status != "exhausted" {
		t.Fatalf("availability: %+v, want 45 of 43.2 minutes spent", av.Budget)
	}

	t.Run("sla: October's SLI is the engine's 30 days", func(t *testing.T) {
		var r report.SLAReport
		reportJSON(t, s, &r, "sla", "--month", "2026-10")
		if r.Month != "2026-10" || r.Partial || len(r.Services) != 1 {
			t.Fatalf("report: %+v", r)
		}
		x := r.Services[0]
		o := x.Overall
		if x.Service != "notification-platform" || x.SLO != "availability" || x.Target != 0.995 {
			t.Errorf("SLA of %s/%s at %v", x.Service, x.SLO, x.Target)
		}
		if !same(o.SLI, av.SLI) || o.Good != av.Good || o.Valid != av.Valid {
			t.Errorf("October: %v good of %v (SLI %v); the engine's 30 days: %v of %v (%v)", o.Good, o.Valid, *o.SLI, av.Good, av.Valid, *av.SLI)
		}
		if got := fmt.Sprintf("%.3f", 100**o.SLI); got != "99.896" {
			t.Errorf("availability %s%%, want 99.896%%", got)
		}
		if !*o.Met || *o.CreditPercent != 0 {
			t.Errorf("99.896%% against the SLA's 99.5%%: met %v, credit %v; want met, none", *o.Met, *o.CreditPercent)
		}
		// Per customer: each one's October is its own 30-day evaluation.
		var cs struct{ Customers []evaluation }
		s.do(t, "GET", "/api/v1/slos/notification-platform/availability/customers", "", nil, nil, &cs)
		c := x.PerCustomer
		if c == nil || c.Count != len(cs.Customers) || len(cs.Customers) < 9 || c.Met+c.Missed+c.NoData != c.Count {
			t.Fatalf("per customer: %+v, want the API's %d customers", c, len(cs.Customers))
		}
		byName := map[string]report.CustomerSLAFigs{}
		for _, f := range c.Customers {
			byName[f.Customer] = f
		}
		for _, e := range cs.Customers {
			if f := byName[e.Customer]; !same(f.SLI, e.SLI) {
				t.Errorf("%s: October %v, the engine's 30 days %v", e.Customer, f.SLI, e.SLI)
			}
		}
		// The lines docs/reports.md shows.
		text := mustRun(t, exitOK, "report", "sla", "--month", "2026-10", "--server", s.base).stdout
		for _, w := range []string{"SLA report for 2026-10", "notification-platform: SLA 99.5% on availability",
			"Overall: 99.896%, met, credit none; downtime 46.55 of 223.2 minutes allowed.",
			"Customers: 9 (9 met, 0 missed, 0 with no data).", "No customer is owed a credit"} {
			if !strings.Contains(text, w) {
				t.Errorf("text has no %q:\n%s", w, text)
			}
		}
		md := mustRun(t, exitOK, "report", "sla", "--month", "2026-10", "-o", "markdown", "--server", s.base).stdout
		if !strings.Contains(md, "## notification-platform: SLA 99.5% on availability") || !strings.Contains(md, "| CUSTOMER | AVAILABILITY |") {
			t.Errorf("markdown:\n%s", md)
		}
	})

	t.Run("engineer, product: every SLO's figures are the API's", func(t *testing.T) {
		var e report.EngineerReport
		reportJSON(t, s, &e, "engineer")
		var p report.ProductReport
		reportJSON(t, s, &p, "product")
		if len(e.SLOs) != 4 || len(p.Services) != 1 || len(p.Services[0].SLOs) != 4 {
			t.Fatalf("engineer %d SLOs, product %+v", len(e.SLOs), p)
		}
		for i, x := range e.SLOs {
			a := api[x.SLO]
			if !same(x.SLI, a.SLI) || x.Status != a.Status || !same(x.Budget.RemainingRatio, &a.Budget.RemainingRatio) ||
				!same(x.Budget.RemainingMinutes, &a.Budget.RemainingMinutes) || !same(x.Budget.RemainingEvents, &a.Budget.RemainingEvents) ||
				!same(x.BurnRate1h, a.BurnRate1h) || !same(x.BurnRate6h, a.BurnRate6h) || !same(x.BurnRate24h, a.BurnRate24h) {
				t.Errorf("engineer %s: %+v\nAPI: %+v", x.SLO, x, a)
			}
			if x.Actions == nil || x.Actions.Rule != a.Status {
				t.Errorf("engineer %s: actions %+v at %s", x.SLO, x.Actions, a.Status)
			}
			y := p.Services[0].SLOs[i]
			if y.SLO != x.SLO || !same(y.BudgetRemainingRatio, &a.Budget.RemainingRatio) || !same(y.BurnRate24h, a.BurnRate24h) {
				t.Errorf("product %s: %+v\nAPI: %+v", y.SLO, y, a)
			}
			if b := a.BurnRate24h; y.HeadroomDays != nil && a.Budget.RemainingRatio > 0 && !same(y.HeadroomDays, ptrTo(a.Budget.RemainingRatio*30 / *b)) {
				t.Errorf("product %s: headroom %v days, want %v x 30 / %v", y.SLO, *y.HeadroomDays, a.Budget.RemainingRatio, *b)
			}
		}
		if a := p.Services[0].SLOs[0]; a.LaunchRisk != "high" || *a.HeadroomDays != 0 || p.Services[0].LaunchRisk != "high" {
			t.Errorf("availability is out of budget: launch risk %s, headroom %v", a.LaunchRisk, a.HeadroomDays)
		}
		text := mustRun(t, exitOK, "report", "engineer", "--server", s.base).stdout
		want := fmt.Sprintf("Our availability SLI is currently 99.896%% against a 99.9%% target. Error budget is at %s%%.",
			strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", 100*av.Budget.RemainingRatio), "0"), "."))
		if !strings.Contains(text, want) || !strings.Contains(text, "exhausted") {
			t.Errorf("engineer text has no %q:\n%s", want, text)
		}
		md := mustRun(t, exitOK, "report", "product", "-o", "markdown", "--server", s.base).stdout
		if !strings.Contains(md, "## notification-platform: launch risk high") || !strings.Contains(md, "| availability | exhausted |") {
			t.Errorf("product markdown:\n%s", md)
		}
	})

	t.Run("executive, customer: status now, the month against the SLA", func(t *testing.T) {
		var ex report.ExecutiveReport
		reportJSON(t, s, &ex, "executive")
		x := ex.Services[0]
		// availability is exhausted: red, whatever the others say.
		if x.Color != "red" || x.WorstSLO != "availability" || x.WorstStatus != av.Status {
			t.Errorf("executive: %+v", x)
		}
		// November has just begun: nothing measured, no data, not 100%.
		if ex.Month != "2026-11" || x.SLA == nil || x.SLA.SLI != nil || !strings.Contains(x.Line, "no data this month so far") {
			t.Errorf("November so far: %+v %q", x.SLA, x.Line)
		}
		reportJSON(t, s, &ex, "executive", "--month", "2026-10")
		if a := ex.Services[0].SLA; !same(a.SLI, av.SLI) || a.CreditExpected {
			t.Errorf("executive October: %+v, want the engine's %v and no credit", a, *av.SLI)
		}
		var cu report.CustomerReport
		reportJSON(t, s, &cu, "customer", "--month", "2026-10")
		c := cu.Services[0]
		if !same(c.Availability, av.SLI) || c.Commitment != 0.995 || c.CommitmentKind != "sla" || !*c.MeetingCommitment {
			t.Errorf("customer October: %+v", c)
		}
		if len(c.Components) != 4 || c.State == "" {
			t.Errorf("components: %+v", c.Components)
		}
		// The lines docs/reports.md shows.
		for kind, line := range map[string]string{
			"executive": "notification-platform is RED: availability is exhausted. SLA 99.5%: 99.896% in 2026-10; no credit owed.",
			"customer":  "All systems are working normally. Availability this month: 99.896% (our commitment: 99.5%).",
		} {
			text := mustRun(t, exitOK, "report", kind, "--month", "2026-10", "--server", s.base).stdout
			if !strings.Contains(text, line) {
				t.Errorf("%s text has no %q:\n%s", kind, line, text)
			}
		}
	})

	t.Run("weekly and tiers read the same engine", func(t *testing.T) {
		var w report.WeeklyReport
		reportJSON(t, s, &w, "weekly")
		for i, x := range w.Services[0].SLOs {
			a := list.SLOs[i]
			// A week of the 30 days' traffic, give or take the weekly rhythm.
			if x.StatusNow != a.Status || x.Valid < a.Valid/6 || x.Valid > a.Valid/3 {
				t.Errorf("weekly %s: %+v, API %s with %v valid", x.SLO, x, a.Status, a.Valid)
			}
		}
		var tr report.TierReport
		reportJSON(t, s, &tr, "tiers")
		violators := map[string]bool{}
		for _, name := range []string{"availability", "latency", "delivery"} {
			var cs struct{ Customers []evaluation }
			s.do(t, "GET", "/api/v1/slos/notification-platform/"+name+"/customers", "", nil, nil, &cs)
			for _, e := range cs.Customers {
				if e.SLI != nil && *e.SLI < e.Target {
					violators[e.Tier+"/"+e.Customer] = true
				}
			}
		}
		var got []string
		customers := 0
		for _, x := range tr.Services[0].Tiers {
			customers += x.Customers
			for _, v := range x.Violators {
				got = append(got, x.Tier+"/"+v)
			}
		}
		var want []string
		for v := range violators {
			want = append(want, v)
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") || customers != tr.Services[0].Customers || customers < 9 {
			t.Errorf("tiers: violators %v, want the API's %v; %d customers", got, want, customers)
		}
		for _, kind := range []string{"weekly", "tiers"} {
			for _, o := range []string{"text", "markdown"} {
				if out := mustRun(t, exitOK, "report", kind, "-o", o, "--server", s.base).stdout; !strings.Contains(out, "availability") {
					t.Errorf("%s as %s:\n%s", kind, o, out)
				}
			}
		}
	})

	t.Run("bad requests are refused naming the parameter", func(t *testing.T) {
		for _, c := range []struct{ args, says string }{
			{"sla --month 2026-13", `month "2026-13"`},
			{"sla --month 2026-12", `month "2026-12": has not started yet`},
			{"sla --service nope", `service "nope": no such service`},
			{"engineer --slo nope", `slo "nope"`},
			{"nope", `unknown kind "nope"`},
		} {
			r := run(t, "", append(strings.Fields("report "+c.args), "--server", s.base)...)
			if r.code != exitUsage || r.err == nil || !strings.Contains(r.err.Error(), c.says) {
				t.Errorf("report %s: exit %d, %v; want 2 saying %s", c.args, r.code, r.err, c.says)
			}
		}
		for path, code := range map[string]int{
			"/api/v1/reports/sla?month=10-2026": 400, "/api/v1/reports/sla?bogus=1": 400, "/api/v1/reports/sla?format=xml": 400,
			"/api/v1/reports/sla?service=a&service=b": 400, "/api/v1/reports/nope": 404, "/api/v1/reports/tiers?format=markdown": 200,
		} {
			if got, _ := s.try("GET", path, "", nil, nil, nil); got != code {
				t.Errorf("GET %s: %d, want %d", path, got, code)
			}
		}
		for format, ctype := range map[string]string{"text": "text/plain", "markdown": "text/markdown", "json": "application/json"} {
			resp, err := http.Get(s.base + "/api/v1/reports/customer?format=" + format)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, ctype) {
				t.Errorf("format %s: Content-Type %s, want %s", format, got, ctype)
			}
		}
		r := run(t, "", "report", "engineer", "--server", "http://127.0.0.1:1", "--timeout", "2s")
		if r.code != exitUsage || !strings.Contains(r.err.Error(), "unreachable") {
			t.Errorf("unreachable server: exit %d, %v", r.code, r.err)
		}
	})

	t.Run("doc --server adds each SLO's live figures", func(t *testing.T) {
		md := mustRun(t, exitOK, "doc", "--server", s.base, platform).stdout
		for _, w := range []string{"# SLOs of notification-platform", "## Status now", "### SLO: availability", "### SLO: correctness",
			"Our availability SLI is currently 99.896% against a 99.9% target.", "- **Status:** exhausted", "### SLA: 2026-11"} {
			if !strings.Contains(md, w) {
				t.Errorf("the document has no %q:\n%s", w, md)
			}
		}
		other := mustRun(t, exitOK, "doc", "--server", s.base, writeFile(t, "api.yaml", pushSpec)).stdout
		if !strings.Contains(other, "No live figures from "+s.base+`: service "api": no such service.`) {
			t.Errorf("a service the server does not serve:\n%s", other)
		}
		if off := mustRun(t, exitOK, "doc", platform).stdout; strings.Contains(off, "Status now") {
			t.Error("doc without --server has live figures")
		}
	})
}

func ptrTo(x float64) *float64 { return &x }
