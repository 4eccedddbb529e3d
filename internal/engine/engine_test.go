package engine

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

const availabilitySpec = `apiVersion: slo/v1
service: api
slos:
  - name: availability
    objective: 99.9
    window: 30d
    sli:
      events:
        stream: api
        good: {status: ["2xx"]}
  - name: monthly
    objective: 99
    window: month
    sli:
      events:
        stream: api
        good: {status: ["2xx"]}
`

var (
	availability = slo.Series{Objective: "api/availability"}
	monthly      = slo.Series{Objective: "api/monthly"}
)

// clock is a fake clock a test moves by hand; safe for the engine's
// goroutines to read while the test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func services(t *testing.T, text string) []slo.Service {
	t.Helper()
	svcs, problems := spec.Parse("test.yaml", []byte(text))
	if bad := problems.Invalid(); len(bad) > 0 {
		t.Fatalf("spec: %v", bad)
	}
	out := make([]slo.Service, len(svcs))
	for i, s := range svcs {
		out[i] = *s
	}
	return out
}

// openStore opens a store in dir on the test's clock: the store and the
// engine must agree on the time, as they do in the server.
func openStore(t testing.TB, dir string, now func() time.Time) store.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(dir, "slo.db"), sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEngine(t *testing.T, st store.Store, c *clock) *Engine {
	t.Helper()
	e := New(st, services(t, availabilitySpec), Options{Now: c.now})
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// minutes appends per-minute counts for [from, to) of every series given.
func minutes(t *testing.T, e *Engine, from, to time.Time, good, valid float64, ids ...slo.Series) {
	t.Helper()
	var obs []slo.Observation
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		for _, id := range ids {
			obs = append(obs, slo.Observation{Series: id, Time: m, Good: good, Valid: valid})
		}
	}
	if _, _, err := e.Append(context.Background(), store.Batch{Received: to, Observations: obs}); err != nil {
		t.Fatal(err)
	}
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s = nil (no data), want %g", what, want)
	}
	if math.Abs(*got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Fatalf("%s = %.12g, want %.12g", what, *got, want)
	}
}

func value(x float64) *float64 { return &x }

// TestAnHourAtFullErrorsMovesBudgetAndBurnRatesAsTheMathSays is the issue's
// figure: after 30 days of 100 good events a minute, an hour of 100 bad ones
// a minute on a 99.9% SLO.
func TestAnHourAtFullErrorsMovesBudgetAndBurnRatesAsTheMathSays(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	start := c.t.Add(-30 * slo.Day)
	minutes(t, e, start, c.t.Add(-time.Hour), 100, 100, availability)
	minutes(t, e, c.t.Add(-time.Hour), c.t, 0, 100, availability)
	e.Evaluate()
	ev, _ := e.Evaluation(availability)

	const valid = 30 * 24 * 60 * 100.0
	near(t, "SLI", ev.SLI, (valid-6000)/valid)
	near(t, "burn 1h", ev.BurnRate1h, 1/0.001)
	near(t, "burn 6h", ev.BurnRate6h, (1.0/6)/0.001)
	near(t, "burn 24h", ev.BurnRate24h, (1.0/24)/0.001)
	near(t, "total minutes", value(ev.Budget.TotalMinutes), 43.2)
	near(t, "consumed minutes", value(ev.Budget.ConsumedMinutes), 60)
	near(t, "remaining minutes", value(ev.Budget.RemainingMinutes), 43.2-60)
	near(t, "remaining ratio", value(ev.Budget.RemainingRatio), 1-60/43.2)
	near(t, "remaining events", value(ev.Budget.RemainingEvents), 0.001*valid-6000)
	if ev.Status != "exhausted" {
		t.Errorf("status = %s, want exhausted", ev.Status)
	}
	if ev.Trend != "degrading" {
		t.Errorf("trend = %s, want degrading (1h > 6h > 24h)", ev.Trend)
	}
	if ev.Exhaustion == nil || !ev.Exhaustion.Equal(c.t) {
		t.Errorf("exhaustion = %v, want now (already spent)", ev.Exhaustion)
	}
	for _, w := range ev.Windows {
		if w.Window == "5m" {
			near(t, "burn 5m", w.BurnRate, 1000)
		}
	}
	var page *TierFigures
	for i := range ev.Tiers {
		if ev.Tiers[i].Threshold > 14 && ev.Tiers[i].Threshold < 15 {
			page = &ev.Tiers[i]
		}
	}
	if page == nil || !page.Over {
		t.Errorf("the 14.4x tier is not over its threshold: %+v", ev.Tiers)
	}
}

// TestBurnRatesFollowTheClockWithinABucket checks the fractional oldest
// bucket: half a minute into the window's last minute, half of the oldest
// minute has left the window.
func TestBurnRatesFollowTheClockWithinABucket(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	minutes(t, e, c.t.Add(-2*time.Hour), c.t.Add(-59*time.Minute), 100, 100, availability)
	minutes(t, e, c.t.Add(-59*time.Minute), c.t, 0, 100, availability)
	c.step(30 * time.Second)
	e.Evaluate()
	ev, _ := e.Evaluation(availability)
	// The 1h window [11:00:30, 12:00:30): half of the good minute 11:00,
	// the 59 bad minutes, and the current minute 12:00 (no events yet).
	near(t, "burn 1h", ev.BurnRate1h, (5900/5950.0)/0.001)
}

func TestNoValidEventsIsNoDataNeverZeroOrFull(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	ev, ok := e.Evaluation(availability)
	if !ok {
		t.Fatal("no evaluation for a spec'd SLO")
	}
	if ev.SLI != nil || ev.BurnRate1h != nil || ev.ProjectedSLI != nil || ev.Exhaustion != nil {
		t.Errorf("an empty SLO has figures: %+v", ev)
	}
	if ev.Status != "no_data" || ev.Trend != "unknown" {
		t.Errorf("status %s trend %s, want no_data and unknown", ev.Status, ev.Trend)
	}
	if ev.Budget.RemainingRatio != 1 || ev.Budget.RemainingMinutes != 43.2 {
		t.Errorf("an empty window spent budget: %+v", ev.Budget)
	}
}

// TestEventsAgeOutOfARollingWindow: bad events 31 days old no longer count.
func TestEventsAgeOutOfARollingWindow(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	minutes(t, e, c.t.Add(-2*time.Hour), c.t, 90, 100, availability)
	e.Evaluate()
	if ev, _ := e.Evaluation(availability); ev.Status != "exhausted" {
		t.Fatalf("status %s, want exhausted", ev.Status)
	}
	c.step(30*slo.Day - time.Hour)
	e.Evaluate()
	ev, _ := e.Evaluation(availability)
	near(t, "SLI after half the bad hours aged out", ev.SLI, 0.9)
	if ev.Valid != 6000 {
		t.Errorf("valid = %g, want 6000 (one hour left in the window)", ev.Valid)
	}
	c.step(time.Hour)
	e.Evaluate()
	if ev, _ := e.Evaluation(availability); ev.SLI != nil || ev.Status != "no_data" {
		t.Errorf("after 30 days everything aged out, got SLI %v status %s", ev.SLI, ev.Status)
	}
}

// TestACalendarMonthStartsAfresh: the monthly SLO counts this month only.
func TestACalendarMonthStartsAfresh(t *testing.T) {
	c := &clock{t: time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	minutes(t, e, c.t.Add(-24*time.Hour), c.t, 50, 100, monthly)
	e.Evaluate()
	ev, _ := e.Evaluation(monthly)
	near(t, "October's SLI", ev.SLI, 0.5)
	if ev.WindowStart != time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC) || ev.Budget.TotalMinutes != 0.01*31*24*60 {
		t.Errorf("window %v, budget %g min: want October, 31 days", ev.WindowStart, ev.Budget.TotalMinutes)
	}
	c.step(time.Hour + time.Minute)
	minutes(t, e, c.t.Add(-time.Minute), c.t, 100, 100, monthly)
	e.Evaluate()
	ev, _ = e.Evaluation(monthly)
	near(t, "November's SLI", ev.SLI, 1)
	if ev.Valid != 100 || ev.Budget.TotalMinutes != 0.01*30*24*60 {
		t.Errorf("valid %g, budget %g min: want 100 and a 30-day November", ev.Valid, ev.Budget.TotalMinutes)
	}
}

// TestStateIsRebuiltFromTheStore: a new engine on the same store evaluates
// exactly as the one that ingested, early (future) minutes included.
func TestStateIsRebuiltFromTheStore(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: time.Date(2026, 11, 1, 10, 30, 20, 0, time.UTC)}
	st := openStore(t, dir, c.now)
	e := newEngine(t, st, c)
	minutes(t, e, c.t.Add(-40*slo.Day), c.t.Add(-3*time.Hour), 99, 100, availability, monthly)
	minutes(t, e, c.t.Add(-3*time.Hour), c.t.Add(2*time.Minute), 90, 100, availability, monthly)
	e.Evaluate()
	c.step(3 * time.Minute)
	e.Evaluate()
	want := e.Evaluations()

	sameEvaluations(t, newEngine(t, st, c).Evaluations(), want)
}

// TestEarlyEventsWaitForTheirTime: an observation a few minutes ahead of the
// clock is counted once its minute comes, not before and not twice.
func TestEarlyEventsWaitForTheirTime(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	minutes(t, e, c.t.Add(3*time.Minute), c.t.Add(4*time.Minute), 100, 100, availability)
	e.Evaluate()
	if ev, _ := e.Evaluation(availability); ev.Valid != 0 {
		t.Fatalf("valid = %g before the events' time, want 0", ev.Valid)
	}
	c.step(3*time.Minute + time.Second)
	e.Evaluate()
	c.step(time.Minute)
	e.Evaluate()
	if ev, _ := e.Evaluation(availability); ev.Valid != 100 {
		t.Fatalf("valid = %g after the events' time, want 100", ev.Valid)
	}
}

// TestADuplicateBatchCountsOnce: the engine applies only what the store
// takes, so a resent batch id changes nothing.
func TestADuplicateBatchCountsOnce(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	b := store.Batch{ID: "b-1", Observations: []slo.Observation{{Series: availability, Time: c.t.Add(-time.Minute), Good: 5, Valid: 10}}}
	for i := 0; i < 2; i++ {
		_, dup, err := e.Append(context.Background(), b)
		if err != nil || dup != (i == 1) {
			t.Fatalf("append %d: dup %v err %v", i, dup, err)
		}
	}
	e.Evaluate()
	if ev, _ := e.Evaluation(availability); ev.Valid != 10 {
		t.Fatalf("valid = %g, want 10", ev.Valid)
	}
}

func specParse(text string) ([]slo.Service, []error) {
	svcs, problems := spec.Parse("bench.yaml", []byte(text))
	var errs []error
	for _, p := range problems.Invalid() {
		errs = append(errs, p)
	}
	out := make([]slo.Service, len(svcs))
	for i, s := range svcs {
		out[i] = *s
	}
	return out, errs
}
