package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// shopOnDB is the test shop whose availability depends on a database that
// its own SLO measures, published at 99.99%.
func shopOnDB() (shop_, db slo.Service) {
	shop_ = shop()
	shop_.Dependencies = []slo.Dependency{{Name: "database", Hard: true, Availability: 0.9999, MeasuredBy: "db/availability", SLOs: []string{"availability"}}}
	db = slo.Service{Name: "db", Objectives: []slo.Objective{{Service: "db", Name: "availability", Target: 0.999, Window: slo.RollingWindow(30 * slo.Day)}}}
	return shop_, db
}

func review(t *testing.T, f *fakeLive, req Request) *Review {
	t.Helper()
	r, err := Build(context.Background(), f.source(), "review", req)
	if err != nil {
		t.Fatal(err)
	}
	return r.(*Review)
}

func TestADependencyMeasuredOverTheQuarterCapsTheSLO(t *testing.T) {
	s, db := shopOnDB()
	f := newFakeLive(s, db)
	now := day0.Add(20 * slo.Day)
	traffic(f, day0, now)
	for h := day0; h.Before(now); h = h.Add(time.Hour) {
		f.add("db/availability", "", h, 998, 1000) // 99.8% over the quarter
	}
	rv := review(t, f, Request{Service: "shop", SLO: "availability", Now: now})
	d := rv.SLOs[0].Dependencies
	if d == nil || !near(d.Ceiling.Ceiling, 0.998, 1e-12) || !near(d.Published, 0.9999, 1e-12) || !d.Capped || d.Factors[0].Used != "measured" {
		t.Fatalf("dependencies %+v; want the measured 99.8%% capping 99.9%%", d)
	}
	if rec := rv.SLOs[0].Recommendation; rec.Rule != "ceiling" || *rec.Target != 0.998 {
		t.Errorf("recommendation %+v, want loosen to 99.8%% for the ceiling", rec)
	}
	if !strings.Contains(d.Warning, "measured") {
		t.Errorf("warning %q does not say the figures were measured", d.Warning)
	}

	// Without the database's counts the published figure counts: 99.99%
	// does not cap 99.9%.
	f = newFakeLive(s, db)
	traffic(f, day0, now)
	d = review(t, f, Request{Service: "shop", SLO: "availability", Now: now}).SLOs[0].Dependencies
	if d == nil || d.Capped || d.Factors[0].Used != "published" || d.Factors[0].Measured != nil {
		t.Errorf("without data: %+v; want the published figure, not capped", d)
	}
}

// Two alert episodes: one over 20 minutes of failures (46% of the budget),
// one over quiet traffic. Half SLO-impacting reads as a real problem; only
// the first is listed as having spent the budget.
func TestTheOnCallAnalysisAttributesEachAlertsEpisode(t *testing.T) {
	f := newFakeLive(shop())
	now := day0.Add(60 * slo.Day)
	fail := day0.Add(40*slo.Day + 9*time.Hour + 40*time.Minute)
	traffic(f, day0, now, [2]time.Time{fail, fail.Add(20 * time.Minute)})
	f.alerts = []store.Alert{
		{ID: 1, Service: "shop", SLO: "availability", Rule: "page", Severity: "critical", ActiveAt: fail.Add(2 * time.Minute),
			FiredAt: fail.Add(4 * time.Minute), ResolvedAt: fail.Add(20 * time.Minute)},
		{ID: 2, Service: "shop", SLO: "availability", Rule: "ticket", Severity: "info", ActiveAt: fail.Add(5 * slo.Day),
			FiredAt: fail.Add(5 * slo.Day), ResolvedAt: fail.Add(5*slo.Day + time.Hour)},
		{ID: 3, Service: "shop", SLO: "availability", Customer: "acme", Rule: "page", FiredAt: fail, ResolvedAt: fail.Add(time.Hour)},
	}
	q, _ := ParseQuarter("2026-Q4")
	s := review(t, f, Request{Service: "shop", SLO: "availability", Quarter: q, Now: now}).SLOs[0]
	oc := s.OnCall
	if oc.Alerts != 2 || oc.Impacting != 1 || !strings.Contains(oc.Reading, "invest") {
		t.Errorf("on call %+v; want 2 alerts (not the customer's), 1 impacting, a real problem", oc)
	}
	if len(s.Alerts) != 1 || s.Alerts[0].ID != 1 || !s.Alerts[0].From.Equal(fail.Add(2*time.Minute)) {
		t.Fatalf("alerts %+v; want the page's episode from when it became active", s.Alerts)
	}
	// Old enough for whole hours: [09:00, 10:00) holds all 2,000 failures.
	if a := s.Alerts[0]; a.BadEvents != 2000 || !near(a.Percent(), 100*2000.0/4320, 1e-9) {
		t.Errorf("the page's episode spent %v bad events, %v%%; want 2000, 46.3%%", a.BadEvents, a.Percent())
	}
}

func TestTheReviewCoversTheQuarterHoldingNowByDefault(t *testing.T) {
	f := newFakeLive(shop())
	now := time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC)
	traffic(f, now.Add(-3*slo.Day), now)
	rv := review(t, f, Request{Now: now})
	if rv.Quarter != "2026-Q3" || !rv.From.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) || !rv.Partial || len(rv.SLOs) != 2 {
		t.Errorf("default review %s from %s partial %v with %d SLOs; want 2026-Q3 so far, both SLOs", rv.Quarter, rv.From, rv.Partial, len(rv.SLOs))
	}
	if m := rv.SLOs[0].Months; len(m) != 2 || m[0].SLI != nil || m[1].SLI == nil || !m[1].Partial {
		t.Errorf("months %+v; want July without data and August so far", m)
	}
	q, _ := ParseQuarter("2026-Q4")
	_, err := Build(context.Background(), f.source(), "review", Request{Quarter: q, Now: now})
	if !IsParamError(err) || !strings.Contains(err.Error(), "2026-Q4") {
		t.Errorf("a quarter to come: %v; want a ParamError naming it", err)
	}
	if _, err := Build(context.Background(), f.source(), "review", Request{Service: "nope", Now: now}); !IsParamError(err) {
		t.Errorf("an unknown service: %v; want a ParamError", err)
	}
}
