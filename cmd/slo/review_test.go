package main

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/report"
)

// TestTheQuarterlyReviewOfTheDemoGivesTheEnginesFigures runs `slo serve
// --demo` at 2026-11-01T00:00Z: its 30 days are 2026-10-02 to 2026-11-01,
// in the fourth quarter so far, with the seed's outages of 10, 15 and 20
// minutes. `slo report review` must read what the engine reads, and `slo
// annotate` must round-trip an annotation with the budget it spent.
func TestTheQuarterlyReviewOfTheDemoGivesTheEnginesFigures(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clock := &testClock{t: at}
	s := startServeCtx(t, context.WithValue(context.Background(), clockKey{}, clock.now), "--demo", "--tick", "100ms", "--ingest-token", "secret")
	var ev evaluation
	if code := s.do(t, "GET", "/api/v1/slos/notification-platform/availability", "", nil, nil, &ev); code != http.StatusOK || ev.SLI == nil {
		t.Fatalf("GET availability: %d %+v", code, ev)
	}

	var rv report.Review
	r := mustRun(t, exitOK, "report", "review", "--quarter", "2026-Q4", "-o", "json", "--server", s.base)
	if err := json.Unmarshal([]byte(r.stdout), &rv); err != nil {
		t.Fatalf("review: %v\n%s", err, r.stdout)
	}
	if rv.Quarter != "2026-Q4" || !rv.Partial || len(rv.SLOs) != 4 {
		t.Fatalf("review %s, partial %v, %d SLOs; want 2026-Q4 so far with 4", rv.Quarter, rv.Partial, len(rv.SLOs))
	}
	a := rv.SLOs[0]
	c := a.Compliance
	// The quarter's counts are the demo's 30 days: the engine's window.
	if a.SLO != "availability" || c.Good != ev.Good || c.Valid != ev.Valid || !same(c.SLI, ev.SLI) || c.Met == nil || *c.Met {
		t.Errorf("quarter %v/%v SLI %v met %v; engine's 30 days %v/%v SLI %v", c.Good, c.Valid, c.SLI, c.Met, ev.Good, ev.Valid, *ev.SLI)
	}
	if c.DataFrom == nil || !c.DataFrom.Equal(at.AddDate(0, 0, -30)) {
		t.Errorf("data from %v, want the backfill's start", c.DataFrom)
	}
	var names []string
	for i, minutes := range []float64{20, 15, 10} {
		if i >= len(a.Incidents) {
			t.Fatalf("incidents %+v, want 3", a.Incidents)
		}
		in := a.Incidents[i]
		names = append(names, in.Text)
		if math.Abs(in.Percent()-100*minutes/43.2) > 1 || math.Abs(in.BudgetMinutes-minutes) > 0.5 {
			t.Errorf("%s: %.2f%% (%.2f minutes), want ~%.0f%% (%v of 43.2 minutes)", in.Text, in.Percent(), in.BudgetMinutes, 100*minutes/43.2, minutes)
		}
	}
	if strings.Join(names, ", ") != "third-party outage, failed deploy, outage" {
		t.Errorf("incidents ranked %v", names)
	}
	if len(a.Violations) == 0 || !a.Violations[len(a.Violations)-1].Ongoing {
		t.Errorf("violations %+v; want the overspent budget, still below zero", a.Violations)
	}
	if a.Dependencies == nil || !a.Dependencies.Capped || a.Recommendation.Action != "loosen" {
		t.Errorf("dependencies %+v, recommendation %+v; want the 99.83%% ceiling and loosen", a.Dependencies, a.Recommendation)
	}
	md := mustRun(t, exitOK, "report", "review", "--quarter", "2026-Q4", "-o", "markdown", "--server", s.base)
	if !strings.Contains(md.stdout, "# Quarterly SLO review 2026-Q4 (partial") || !strings.Contains(md.stdout, "| third-party outage |") {
		t.Errorf("markdown review:\n%s", md.stdout)
	}

	t.Run("annotate round-trips with the budget spent", func(t *testing.T) {
		mustRun(t, exitOK, "annotate", "--service", "notification-platform", "--slo", "availability", "--kind", "deploy",
			"--start", "2026-10-21T08:30:00Z", "--text", "v2.4", "--label", "version=v2.4", "--server", s.base, "--token", "secret")
		var list struct{ Annotations []report.Annotated }
		r := mustRun(t, exitOK, "annotate", "list", "--service", "notification-platform", "-o", "json", "--server", s.base)
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatal(err)
		}
		var got *report.Annotated
		for i := range list.Annotations {
			if list.Annotations[i].Text == "v2.4" {
				got = &list.Annotations[i]
			}
		}
		if len(list.Annotations) != 5 || got == nil || got.Labels["version"] != "v2.4" || got.Objective != "availability" {
			t.Fatalf("annotations %+v; want the demo's four and the deploy", list.Annotations)
		}
		// The hour after the deploy holds the 20-minute third-party outage.
		sp := got.Attribution.SLOs
		if len(sp) != 1 || !got.Attribution.To.Equal(got.Start.Add(time.Hour)) || math.Abs(sp[0].BudgetMinutes-20) > 0.5 {
			t.Errorf("attribution %+v; want the hour after, with the outage's 20 minutes", got.Attribution)
		}
		text := mustRun(t, exitOK, "annotate", "list", "--service", "notification-platform", "--server", s.base)
		if !strings.Contains(text.stdout, "v2.4") || !strings.Contains(text.stdout, "availability 46.") {
			t.Errorf("list:\n%s", text.stdout)
		}
	})

	t.Run("bad input names the flag and saves nothing", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			says string
		}{
			{[]string{"--kind", "deploy"}, "--service"},
			{[]string{"--service", "notification-platform", "--kind", "party"}, "--kind"},
			{[]string{"--service", "notification-platform", "--kind", "note", "--start", "noon"}, "--start"},
			{[]string{"--service", "notification-platform", "--kind", "note", "--label", "novalue"}, "-label"},
			{[]string{"--service", "nope", "--kind", "note"}, `"service"`},
			{[]string{"--service", "notification-platform", "--slo", "nope", "--kind", "note"}, `"slo"`},
		} {
			r := run(t, "", append(append([]string{"annotate"}, c.args...), "--server", s.base, "--token", "secret")...)
			if r.code != exitUsage || !strings.Contains(r.stderr+r.err.Error(), c.says) {
				t.Errorf("%v: exit %d, %v %s; want 2 naming %s", c.args, r.code, r.err, r.stderr, c.says)
			}
		}
		if r := run(t, "", "annotate", "--service", "notification-platform", "--kind", "note", "--server", s.base); r.code != exitUsage || !strings.Contains(r.err.Error(), "401") {
			t.Errorf("without a token: exit %d %v", r.code, r.err)
		}
		var list struct{ Annotations []report.Annotated }
		s.do(t, "GET", "/api/v1/annotations?service=notification-platform", "", nil, nil, &list)
		if len(list.Annotations) != 5 {
			t.Errorf("%d annotations stored, want 5: nothing refused saved", len(list.Annotations))
		}
	})
}
