package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

func sameEvaluations(t *testing.T, got, want []Evaluation) {
	t.Helper()
	for i := range got { // the status holds since the engine started
		got[i].StatusSince, got[i].StatusSinceStart = want[i].StatusSince, want[i].StatusSinceStart
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rebuilt state differs:\n got %+v\nwant %+v", got, want)
	}
}

// TestACheckpointAndTheBatchesAfterItRebuildTheState: batches before and
// after a checkpoint, early ones included, come back exactly.
func TestACheckpointAndTheBatchesAfterItRebuildTheState(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 10, 30, 20, 0, time.UTC)}
	st := openStore(t, t.TempDir(), c.now)
	e := newEngine(t, st, c)
	minutes(t, e, c.t.Add(-40*slo.Day), c.t.Add(-3*time.Hour), 99, 100, availability, monthly)
	minutes(t, e, c.t.Add(-3*time.Hour), c.t.Add(2*time.Minute), 90, 100, availability, monthly)
	e.Evaluate()
	if err := e.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.step(time.Minute)
	minutes(t, e, c.t.Add(-10*time.Minute), c.t.Add(time.Minute), 50, 100, availability,
		slo.Series{Objective: "api/availability", Customer: "acme"})
	c.step(2 * time.Minute)
	e.Evaluate()
	want := e.Evaluations()
	wantAcme, _ := e.Evaluation(slo.Series{Objective: "api/availability", Customer: "acme"})

	again := newEngine(t, st, c)
	sameEvaluations(t, again.Evaluations(), want)
	gotAcme, ok := again.Evaluation(slo.Series{Objective: "api/availability", Customer: "acme"})
	if !ok || gotAcme.Valid != wantAcme.Valid || gotAcme.Valid != 1100 {
		t.Fatalf("customer series: got %v valid %g, want valid %g", ok, gotAcme.Valid, wantAcme.Valid)
	}
}

// TestAChangedWindowIsSummedFromTheBuckets: a checkpoint taken with a 30-day
// window fits no other; the stored buckets give the right sum. 60 and 90
// days have as many buckets as 30 (of 2 and 3 hours), 40 days has more.
func TestAChangedWindowIsSummedFromTheBuckets(t *testing.T) {
	for _, days := range []int{40, 60, 90} {
		t.Run(fmt.Sprintf("%dd", days), func(t *testing.T) {
			c := &clock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
			st := openStore(t, t.TempDir(), c.now)
			e := newEngine(t, st, c)
			var obs []slo.Observation
			for h := c.t.Add(-100 * slo.Day); h.Before(c.t); h = h.Add(time.Hour) {
				obs = append(obs, slo.Observation{Series: availability, Time: h, Good: 99, Valid: 100})
			}
			if _, _, err := e.Append(context.Background(), store.Batch{Observations: obs}); err != nil {
				t.Fatal(err)
			}
			e.Evaluate()
			if err := e.Checkpoint(context.Background()); err != nil {
				t.Fatal(err)
			}
			spec := strings.Replace(availabilitySpec, "window: 30d", fmt.Sprintf("window: %dd", days), 1)
			longer := New(st, services(t, spec), Options{Now: c.now})
			if err := longer.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			ev, _ := longer.Evaluation(availability)
			if want := float64(days * 24 * 100); ev.Valid != want {
				t.Fatalf("valid over %d days = %g, want %g", days, ev.Valid, want)
			}
		})
	}
}

// TestAStateThatDoesNotDecodeFallsBackToTheBuckets: a damaged checkpoint
// costs time, never data.
func TestAStateThatDoesNotDecodeFallsBackToTheBuckets(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	st := openStore(t, t.TempDir(), c.now)
	e := newEngine(t, st, c)
	minutes(t, e, c.t.Add(-2*slo.Day), c.t, 99, 100, availability)
	e.Evaluate()
	want := e.Evaluations()
	bad := func(yield func(slo.Series, []byte) bool) {
		yield(availability, []byte{checkpointVersion, 0x80}) // a varint cut short
	}
	if err := st.SaveCheckpoint(context.Background(), e.LastSeq(), bad); err != nil {
		t.Fatal(err)
	}
	sameEvaluations(t, newEngine(t, st, c).Evaluations(), want)
}

// failingScan is a store whose scans fail, for a reload that cannot finish.
type failingScan struct{ store.Store }

func (failingScan) Scan(context.Context, store.Resolution, time.Time, time.Time, func(slo.Observation) error) error {
	return errors.New("disk gone")
}

// TestAFailedReloadKeepsTheStateItHad: the old specs and their figures stay.
func TestAFailedReloadKeepsTheStateItHad(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	st := openStore(t, t.TempDir(), c.now)
	e := newEngine(t, st, c)
	minutes(t, e, c.t.Add(-2*time.Hour), c.t, 99, 100, availability)
	e.Evaluate()
	want := e.Evaluations()

	e.store = failingScan{st} // no checkpoint: every objective needs a scan
	added := availabilitySpec + "  - name: third\n    objective: 95\n    window: 7d\n    sli:\n      events: {stream: api}\n"
	if err := e.Reload(context.Background(), services(t, added)); err == nil {
		t.Fatal("a reload whose scans fail succeeded")
	}
	if keys := e.Keys(); len(keys) != 2 {
		t.Errorf("keys after a failed reload: %v", keys)
	}
	sameEvaluations(t, e.Evaluations(), want)
}

// TestStatusSinceSaysWhenItIsOnlyTheStart: a status the engine found at its
// first tick began earlier, and the evaluation says so; a change seen live
// is a real time.
func TestStatusSinceSaysWhenItIsOnlyTheStart(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 10, 30, 20, 0, time.UTC)}
	st := openStore(t, t.TempDir(), c.now)
	e := newEngine(t, st, c)
	minutes(t, e, c.t.Add(-3*time.Hour), c.t, 100, 100, availability)
	e.Evaluate()
	first, _ := e.Evaluation(availability)
	if first.Status != "healthy" || !first.StatusSinceStart || !first.StatusSince.Equal(c.t) {
		t.Fatalf("first tick: %s since %s (start %v), want healthy since the start", first.Status, first.StatusSince, first.StatusSinceStart)
	}
	minutes(t, e, c.t, c.t.Add(5*time.Minute), 0, 100, availability)
	c.step(5 * time.Minute)
	e.Evaluate()
	changed, _ := e.Evaluation(availability)
	if changed.Status == "healthy" || changed.StatusSinceStart || !changed.StatusSince.Equal(c.t) {
		t.Fatalf("after an outage: %s since %s (start %v), want a new status since now", changed.Status, changed.StatusSince, changed.StatusSinceStart)
	}
}
