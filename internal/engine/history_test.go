package engine

import (
	"context"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// TestHistoryAndBackfillAgreeWithLiveEvaluation feeds two days a minute at
// a time, evaluating live after each, then checks that (1) the history
// computed from the store gives the live figures at each hour, and (2) an
// engine fed the same two days at once, as a backfill, ends with the same
// evaluation.
func TestHistoryAndBackfillAgreeWithLiveEvaluation(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := &clock{t: start}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	var all []slo.Observation
	live := map[time.Time]Evaluation{}
	for m := start; m.Before(start.Add(2 * slo.Day)); m = m.Add(time.Minute) {
		bad := float64(m.Minute() % 7) // uneven errors, so windows differ
		if m.Hour() == 13 {
			bad = 60 // an incident
		}
		o := slo.Observation{Series: availability, Time: m, Good: 100 - bad, Valid: 100}
		all = append(all, o)
		if _, _, err := e.Append(context.Background(), store.Batch{Observations: []slo.Observation{o}}); err != nil {
			t.Fatal(err)
		}
		c.set(m.Add(time.Minute))
		e.Evaluate()
		if c.t.Minute() == 0 {
			live[c.t], _ = e.Evaluation(availability)
		}
	}

	from, to := start.Add(time.Hour), start.Add(2*slo.Day)
	points, err := e.History(context.Background(), availability, from, to, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 48 {
		t.Fatalf("%d points, want 48", len(points))
	}
	for _, p := range points {
		ev := live[p.Time]
		near(t, p.Time.Format("15:04 SLI"), p.SLI, *ev.SLI)
		near(t, p.Time.Format("15:04 burn 1h"), p.BurnRate1h, *ev.BurnRate1h)
		near(t, p.Time.Format("15:04 burn 6h"), p.BurnRate6h, *ev.BurnRate6h)
		near(t, p.Time.Format("15:04 burn 24h"), p.BurnRate24h, *ev.BurnRate24h)
		near(t, p.Time.Format("15:04 remaining"), p.RemainingMinutes, ev.Budget.RemainingMinutes)
		if p.Status != ev.Status {
			t.Errorf("%s: status %s, live said %s", p.Time.Format("15:04"), p.Status, ev.Status)
		}
	}

	backfilled := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	if _, _, err := backfilled.Append(context.Background(), store.Batch{Observations: all}); err != nil {
		t.Fatal(err)
	}
	backfilled.Evaluate()
	sameEvaluations(t, backfilled.Evaluations(), e.Evaluations())
}

func TestHistoryRefusesTooManyPointsAndUnknownSeries(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	if _, err := e.History(context.Background(), availability, c.t.Add(-30*slo.Day), c.t, time.Second); err == nil {
		t.Error("2.6M points accepted")
	}
	// A range too long for a Duration and a nanosecond step: the count of
	// points must not wrap around to pass the bound.
	forever := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, step := range []time.Duration{time.Nanosecond, time.Second} {
		if _, err := e.History(context.Background(), availability, time.Time{}, forever, step); err == nil {
			t.Errorf("8000 years at a step of %s accepted", step)
		}
	}
	if _, err := e.History(context.Background(), slo.Series{Objective: "api/nope"}, c.t.Add(-time.Hour), c.t, time.Minute); err == nil {
		t.Error("an unknown series has a history")
	}
}

// TestHistoryDuringATierChange: a customer's history may be read while a
// tick moves the customer's target to a new tier (go test -race).
func TestHistoryDuringATierChange(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	e := tiered(t, openStore(t, t.TempDir(), c.now), c, tieredSpec, true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, tier := range []string{"enterprise", "standard", "enterprise"} {
			if _, err := e.SetCustomerTier(context.Background(), "api", "acme", tier); err != nil {
				t.Error(err)
			}
			e.Evaluate()
		}
	}()
	for range 20 {
		if _, err := e.History(context.Background(), customerOf("acme"), c.t.Add(-time.Hour), c.t, time.Minute); err != nil {
			t.Error(err)
		}
	}
	<-done
}
