package report

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/examples"
	"github.com/slo-dev/slo/internal/demo"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/push"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// demoNow is the fake time of the demo's month: its 30 days are
// 2026-10-02 to 2026-11-01, in the fourth quarter.
var demoNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// demoSource backfills the demo's 30 days to demoNow into a real engine
// over a real SQLite file, with its incidents as annotations, as `slo serve
// --demo` does.
func demoSource(t testing.TB) (Source, *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	ptrs, errs := spec.Parse(examples.NotificationPlatformFile, examples.NotificationPlatform)
	if bad := errs.Invalid(); len(bad) > 0 {
		t.Fatal(bad)
	}
	services := []slo.Service{*ptrs[0]}
	now := func() time.Time { return demoNow }
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "slo.db"), sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng := engine.New(st, services, engine.Options{Now: now})
	if err := eng.Load(ctx); err != nil {
		t.Fatal(err)
	}
	router := push.NewRouter(services)
	classify := func(evs []slo.Event) []slo.Observation {
		obs, _ := router.Classify(evs)
		return obs
	}
	gen := demo.New(demo.Config{Chunk: slo.Day})
	start := demoNow.Add(-30 * slo.Day)
	if err := gen.Backfill(ctx, eng, classify, start, demoNow); err != nil {
		t.Fatal(err)
	}
	for _, a := range demo.Annotations(gen.Config().Incidents, start) {
		if _, err := st.AddAnnotation(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	eng.Evaluate()
	return Source{Data: eng, Records: st}, eng
}

// The seed's month under review: the engine's figures, the incidents in
// the order of what they cost, the violation, the ceiling that caps the
// availability SLO.
func TestTheReviewOfTheDemosMonthGivesTheEnginesFigures(t *testing.T) {
	src, eng := demoSource(t)
	q, _ := ParseQuarter("2026-Q4")
	r, err := Build(context.Background(), src, "review", Request{Service: "notification-platform", Quarter: q, Now: demoNow})
	if err != nil {
		t.Fatal(err)
	}
	rv := r.(*Review)
	if rv.Quarter != "2026-Q4" || !rv.Partial || !rv.MeasuredTo.Equal(demoNow) || len(rv.SLOs) != 4 {
		t.Fatalf("review %s partial=%v to %s with %d SLOs; want 2026-Q4, partial, to %s, 4 SLOs", rv.Quarter, rv.Partial, rv.MeasuredTo, len(rv.SLOs), demoNow)
	}
	a := rv.SLOs[0]
	ev, _ := eng.Evaluation(slo.Series{Objective: "notification-platform/availability"})
	if a.SLO != "availability" || a.Compliance.Good != ev.Good || a.Compliance.Valid != ev.Valid || *a.Compliance.SLI != *ev.SLI {
		t.Errorf("quarter %v/%v SLI %v; engine's 30 days %v/%v SLI %v", a.Compliance.Good, a.Compliance.Valid, *a.Compliance.SLI, ev.Good, ev.Valid, *ev.SLI)
	}
	if d := a.Compliance.DataFrom; d == nil || !d.Equal(demoNow.Add(-30*slo.Day)) || *a.Compliance.Met {
		t.Errorf("data from %v, met %v; want from the backfill's start, missed", d, *a.Compliance.Met)
	}
	if len(a.Months) != 1 || a.Months[0].Period != "2026-10" || a.Months[0].Valid != a.Compliance.Valid {
		t.Errorf("months %+v; want October alone (November begins at now), with every event", a.Months)
	}
	// Incidents of 20, 15 and 10 minutes against a budget of 43.2.
	if len(a.Incidents) != 3 {
		t.Fatalf("incidents %+v, want 3", a.Incidents)
	}
	for i, minutes := range []float64{20, 15, 10} {
		c := a.Incidents[i]
		if math.Abs(c.BudgetMinutes-minutes) > 0.5 || math.Abs(c.Percent()-100*minutes/43.2) > 1 {
			t.Errorf("incident %d (%s): %.2f%%, %.2f minutes; want %.1f%%, %v", i, c.Text, c.Percent(), c.BudgetMinutes, 100*minutes/43.2, minutes)
		}
	}
	if len(a.Violations) == 0 || !a.Violations[len(a.Violations)-1].Ongoing || a.Violations[0].WorstBudgetRemaining >= 0 {
		t.Errorf("violations %+v; want the overspent budget, ongoing at the end", a.Violations)
	}
	if d := a.Dependencies; d == nil || !d.Capped || math.Abs(d.Ceiling.Ceiling-0.998300809885005) > 1e-12 {
		t.Errorf("dependencies %+v; want the seed's 99.83%% chain capping 99.9%%", d)
	}
	if rec := a.Recommendation; rec.Action != "loosen" || rec.Target == nil || *rec.Target != 0.998 {
		t.Errorf("recommendation %+v; want loosen to 99.8%% for the ceiling", rec)
	}
	// The history says the young window's budget was overspent since the
	// first outage: the failed deploy went out while the policy froze.
	if p := a.Policy; p.Deploys != 1 || p.Held || len(p.Forbidden) != 1 || p.Forbidden[0].Status != "exhausted" {
		t.Errorf("policy %+v; want the failed deploy made while exhausted", p)
	}
	// Latency excludes failed sends: the outages spent none of its budget.
	if l := rv.SLOs[1]; l.SLO != "latency" || len(l.Incidents) != 0 || len(l.Violations) != 0 || !*l.Compliance.Met || !l.Policy.Held {
		t.Errorf("latency: %+v", l)
	}
	var text, md bytes.Buffer
	if err := Write(&text, r, "text"); err != nil {
		t.Fatal(err)
	}
	if err := Write(&md, r, "markdown"); err != nil {
		t.Fatal(err)
	}
	t.Logf("text:\n%s", text.String())
	for _, want := range []string{"Quarterly SLO review 2026-Q4 (partial", "LOOSEN to 99.8%", "third-party outage", "Ceiling 99.83%"} {
		if !strings.Contains(text.String(), want) || !strings.Contains(md.String(), want) {
			t.Errorf("the text or Markdown lacks %q:\n%s", want, text.String())
		}
	}
}

// BenchmarkTheDemosReview measures a review of the demo's quarter (four
// SLOs, 30 days, four annotations) over a real SQLite file, and the
// attribution GET /api/v1/annotations does for its annotations.
func BenchmarkTheDemosReview(b *testing.B) {
	src, eng := demoSource(b)
	ctx := context.Background()
	q, _ := ParseQuarter("2026-Q4")
	b.Run("review", func(b *testing.B) {
		for b.Loop() {
			if _, err := Build(ctx, src, "review", Request{Quarter: q, Now: demoNow}); err != nil {
				b.Fatal(err)
			}
		}
	})
	list, err := src.Records.Annotations(ctx, "", demoNow.Add(-30*slo.Day), demoNow)
	if err != nil || len(list) != 4 {
		b.Fatalf("annotations %v, %v", list, err)
	}
	b.Run("attribute", func(b *testing.B) {
		for b.Loop() {
			if _, err := Attribute(ctx, eng, src.Records, eng.Services(), list, demoNow); err != nil {
				b.Fatal(err)
			}
		}
	})
}
