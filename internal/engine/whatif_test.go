package engine

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// incident fills the 99.9% SLO's 30 days to c's time with 1000 events a
// minute: all good for 25 days, then 993 good (0.7% bad) for the last 5.
// Over the window that is 50,400 bad of 43.2M valid events.
func incident(t *testing.T) (*Engine, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	minutes(t, e, c.t.Add(-30*slo.Day), c.t.Add(-5*slo.Day), 1000, 1000, availability)
	minutes(t, e, c.t.Add(-5*slo.Day), c.t, 993, 1000, availability)
	e.Evaluate()
	return e, c
}

const (
	incidentBad   = 5 * 24 * 60 * 7.0
	incidentValid = 30 * 24 * 60 * 1000.0
)

// remaining is the budget left the counts give under target.
func remaining(target float64) float64 { return 1 - incidentBad/((1-target)*incidentValid) }

func TestAWhatIfAtTheCurrentTargetIsTheEvaluation(t *testing.T) {
	e, c := incident(t)
	w, err := e.WhatIf(context.Background(), availability, 0.999, c.t.Add(-30*slo.Day), c.t, 6*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ev := evalOf(t, e, availability)
	if !reflect.DeepEqual(w.Now, ev) {
		t.Errorf("what-if at the current target:\n%+v\nevaluation:\n%+v", w.Now, ev)
	}
	if w.CurrentTarget != 0.999 || ev.Status != "exhausted" {
		t.Fatalf("current target %v, status %s; want 0.999 and exhausted", w.CurrentTarget, ev.Status)
	}
	near(t, "remaining", &w.Now.Budget.RemainingRatio, remaining(0.999))
	// The points are History's, and the last one is the tick's figures.
	h, err := e.History(context.Background(), availability, c.t.Add(-30*slo.Day), c.t, 6*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w.Points, h) {
		t.Error("the points at the current target are not History's")
	}
	last := w.Points[len(w.Points)-1]
	near(t, "last point's remaining", last.BudgetRemaining, ev.Budget.RemainingRatio)
	// Bad events start 5 days back; 102 hours in (18h before now) they pass
	// 0.1% of all valid events, at 96 hours they do not yet.
	if f := w.Summary.FirstExhausted; f == nil || !f.Equal(c.t.Add(-18*time.Hour)) {
		t.Errorf("first exhausted %v, want %v", f, c.t.Add(-18*time.Hour))
	}
	if l := w.Summary.LowestAt; l == nil || !l.Equal(c.t) {
		t.Errorf("lowest budget at %v, want now: it only went down", l)
	}
	sumsToRange(t, w, 30*slo.Day)
}

func TestALooserTargetLeavesMoreBudgetAndAStricterOneLess(t *testing.T) {
	e, c := incident(t)
	ctx := context.Background()
	from := c.t.Add(-30 * slo.Day)
	loose, err := e.WhatIf(ctx, availability, 0.99, from, c.t, 6*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// 1 - 50,400 / (1% x 43.2M) = 88.3%; the 1h burn rate 0.7 escalates
	// nothing: the exhausted SLO would be healthy.
	near(t, "remaining at 99%", &loose.Now.Budget.RemainingRatio, remaining(0.99))
	near(t, "burn 1h at 99%", loose.Now.BurnRate1h, 0.7)
	near(t, "allowed events at 99%", &loose.Now.Budget.AllowedEvents, 0.01*incidentValid)
	if loose.Now.Status != "healthy" || loose.Now.Target != 0.99 || loose.CurrentTarget != 0.999 {
		t.Errorf("at 99%%: status %s target %v current %v; want healthy, 0.99, 0.999", loose.Now.Status, loose.Now.Target, loose.CurrentTarget)
	}
	if loose.Now.Exhaustion != nil {
		t.Errorf("at 99%% the budget runs out at %v; a burn rate under 1 never exhausts it", loose.Now.Exhaustion)
	}
	for _, tf := range loose.Now.Tiers {
		if tf.Over {
			t.Errorf("tier %s over its %gx at a burn rate of 0.7", tf.Name, tf.Threshold)
		}
	}
	// Healthy from the first event on: only the first point, with an empty
	// window, has no data.
	want := map[string]time.Duration{"no_data": 6 * time.Hour, "healthy": 30*slo.Day - 6*time.Hour}
	for _, st := range loose.Summary.TimeInStatus {
		if st.Duration != want[st.Status] {
			t.Errorf("at 99%%: %s for %s, want %s", st.Status, st.Duration, want[st.Status])
		}
	}
	if loose.Summary.FirstExhausted != nil {
		t.Errorf("at 99%% exhausted at %v", loose.Summary.FirstExhausted)
	}
	if !loose.Now.StatusSince.Equal(from.Add(6 * time.Hour)) {
		t.Errorf("at 99%% healthy since %v, want the first point with data, %v", loose.Now.StatusSince, from.Add(6*time.Hour))
	}
	sumsToRange(t, loose, 30*slo.Day)

	strict, err := e.WhatIf(ctx, availability, 0.9995, from, c.t, 6*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "remaining at 99.95%", &strict.Now.Budget.RemainingRatio, remaining(0.9995))
	near(t, "lowest remaining at 99.95%", strict.Summary.LowestRemaining, remaining(0.9995))
	if strict.Now.Status != "exhausted" || strict.Now.Budget.RemainingRatio >= evalOf(t, e, availability).Budget.RemainingRatio {
		t.Errorf("at 99.95%%: %s with %g left; want exhausted with less than at 99.9%%", strict.Now.Status, strict.Now.Budget.RemainingRatio)
	}
	// The stricter target runs out sooner after the incident starts than
	// the objective's own (18 hours ago).
	if f := strict.Summary.FirstExhausted; f == nil || !f.Before(c.t.Add(-18*time.Hour)) {
		t.Errorf("at 99.95%% first exhausted %v, want before %v", f, c.t.Add(-18*time.Hour))
	}
	sumsToRange(t, strict, 30*slo.Day)
	// The engine's own figures did not move.
	if ev := evalOf(t, e, availability); ev.Target != 0.999 || ev.Status != "exhausted" {
		t.Errorf("after the what-ifs: target %v status %s", ev.Target, ev.Status)
	}
}

// sumsToRange checks that the time in each status adds up to the range and
// the shares to one.
func sumsToRange(t *testing.T, w WhatIf, span time.Duration) {
	t.Helper()
	var total time.Duration
	var share float64
	points := 0
	for _, st := range w.Summary.TimeInStatus {
		total += st.Duration
		share += st.Share
		points += st.Points
	}
	if total != span || math.Abs(share-1) > 1e-12 || points != len(w.Points) {
		t.Errorf("at %v: %s in statuses (share %g, %d points), want %s over %d points", w.Target, total, share, points, span, len(w.Points))
	}
}

// TestAWhatIfKeepsACustomersTierTarget: a customer's current target is its
// tier's, and a what-if at the enterprise target gives what moving the
// customer to enterprise then gives.
func TestAWhatIfKeepsACustomersTierTarget(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	e := tiered(t, openStore(t, t.TempDir(), c.now), c, tieredSpec, true)
	ctx := context.Background()
	acme := customerOf("acme")
	w, err := e.WhatIf(ctx, acme, 0.999, c.t.Add(-time.Hour), c.t, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if w.CurrentTarget != 0.99 || w.Now.Tier != "free" || w.Now.Customer != "acme" {
		t.Errorf("acme's current target %v on %q, want free's 0.99", w.CurrentTarget, w.Now.Tier)
	}
	if _, err := e.SetCustomerTier(ctx, "api", "acme", "enterprise"); err != nil {
		t.Fatal(err)
	}
	e.Evaluate() // the same time: the same counts
	moved := evalOf(t, e, acme)
	w.Now.Tier, w.Now.StatusSince = moved.Tier, moved.StatusSince
	if !reflect.DeepEqual(w.Now, moved) {
		t.Errorf("what-if at 99.9%%:\n%+v\nacme on enterprise:\n%+v", w.Now, moved)
	}
}

func TestAWhatIfRefusesABadTargetAnUnknownSeriesAndABadRange(t *testing.T) {
	e, c := incident(t)
	ctx := context.Background()
	for _, target := range []float64{0, 1, -0.5, 1.5, 99.9, math.NaN(), math.Inf(1)} {
		if _, err := e.WhatIf(ctx, availability, target, c.t.Add(-time.Hour), c.t, time.Minute); !errors.Is(err, ErrInvalidTarget) {
			t.Errorf("target %v: %v, want ErrInvalidTarget", target, err)
		}
	}
	if _, err := e.WhatIf(ctx, slo.Series{Objective: "api/nope"}, 0.99, c.t.Add(-time.Hour), c.t, time.Minute); !errors.Is(err, ErrNoSeries) {
		t.Errorf("an unknown series: %v, want ErrNoSeries", err)
	}
	if _, err := e.WhatIf(ctx, availability, 0.99, c.t, c.t.Add(-time.Hour), time.Minute); err == nil {
		t.Error("from after to accepted")
	}
	if _, err := e.WhatIf(ctx, availability, 0.99, c.t.Add(-30*slo.Day), c.t, time.Second); err == nil {
		t.Error("2.6M points accepted")
	}
}

func TestTheSummaryOfAnEmptyRangeSharesByPoints(t *testing.T) {
	e, c := incident(t)
	w, err := e.WhatIf(context.Background(), availability, 0.99, c.t, c.t, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range w.Summary.TimeInStatus {
		if want := map[bool]float64{true: 1}[st.Status == "healthy"]; st.Share != want || st.Duration != 0 {
			t.Errorf("%s: share %g over %s, want %g over nothing", st.Status, st.Share, st.Duration, want)
		}
	}
}

// BenchmarkWhatIf30Days is the SLO page's what-if over the default range:
// 30 days of minute counts at the default ~300 points.
func BenchmarkWhatIf30Days(b *testing.B) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	svcs, errs := specParse(availabilitySpec)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	e := New(openStore(b, b.TempDir(), c.now), svcs, Options{Now: c.now})
	ctx := context.Background()
	if err := e.Load(ctx); err != nil {
		b.Fatal(err)
	}
	var obs []slo.Observation
	for m := c.t.Add(-30 * slo.Day); m.Before(c.t); m = m.Add(time.Minute) {
		obs = append(obs, slo.Observation{Series: availability, Time: m, Good: 993, Valid: 1000})
	}
	if _, _, err := e.Append(ctx, store.Batch{Observations: obs}); err != nil {
		b.Fatal(err)
	}
	e.Evaluate()
	for b.Loop() {
		if _, err := e.WhatIf(ctx, availability, 0.99, c.t.Add(-30*slo.Day), c.t, 144*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
