package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// testPrune covers Prune under store.DefaultRetention.
func testPrune(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	r := store.DefaultRetention
	prune := func(t *testing.T, s store.Store, now time.Time) {
		t.Helper()
		if err := s.Prune(ctx, now); err != nil {
			t.Fatalf("prune: %v", err)
		}
	}

	t.Run("fine counts past their retention go and the coarse ones stay", func(t *testing.T) {
		s := open(t)
		mustAppend(t, s, "", ob("a/x", t0, 1, 1), ob("a/x", at(slo.Day), 2, 2), ob("b/y", t0, 3, 3))
		prune(t, s, at(r.Fine+time.Hour))
		equalObs(t, "fine", scanAll(t, s, store.Fine), []slo.Observation{ob("a/x", at(slo.Day), 2, 2)})
		equalObs(t, "coarse", scanAll(t, s, store.Coarse),
			[]slo.Observation{ob("a/x", t0, 1, 1), ob("a/x", at(slo.Day), 2, 2), ob("b/y", t0, 3, 3)})
	})

	t.Run("a bucket stays while any of it is within retention", func(t *testing.T) {
		s := open(t)
		mustAppend(t, s, "", ob("a/x", t0, 1, 1))
		prune(t, s, at(r.Fine+30*time.Second))
		equalObs(t, "fine", scanAll(t, s, store.Fine), []slo.Observation{ob("a/x", t0, 1, 1)})
	})

	t.Run("coarse counts past their retention go", func(t *testing.T) {
		s := open(t)
		mustAppend(t, s, "", ob("a/x", t0, 1, 1), ob("a/x", at(30*slo.Day), 2, 2))
		prune(t, s, at(r.Coarse+2*time.Hour))
		equalObs(t, "coarse", scanAll(t, s, store.Coarse), []slo.Observation{ob("a/x", at(30*slo.Day), 2, 2)})
	})

	t.Run("snapshots past their retention go", func(t *testing.T) {
		s := open(t)
		sli := 1.0
		if err := s.SaveSnapshots(ctx, []store.Snapshot{snap("a/x", t0, &sli, "healthy"),
			snap("a/x@c", t0, &sli, "healthy")}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSnapshots(ctx, []store.Snapshot{snap("a/x", at(slo.Day), &sli, "healthy")}); err != nil {
			t.Fatal(err)
		}
		prune(t, s, at(r.Snapshots+time.Hour))
		for _, tt := range []struct {
			series slo.Series
			want   int
		}{{slo.Series{Objective: "a/x"}, 1}, {slo.Series{Objective: "a/x", Customer: "c"}, 0}} {
			got, err := s.Snapshots(ctx, tt.series, t0.Add(-slo.Day), at(1000*slo.Day))
			if err != nil || len(got) != tt.want {
				t.Errorf("%s: got %d snapshots (%v), want %d", tt.series, len(got), err, tt.want)
			}
		}
	})

	t.Run("resolved alerts past the coarse retention go and active ones stay however old", func(t *testing.T) {
		s := open(t)
		now := at(r.Coarse + time.Hour)
		cutoff := now.Add(-r.Coarse)
		saveAlerts(t, s, episode("resolved before the cutoff", at(-time.Hour), cutoff.Add(-time.Millisecond)),
			episode("resolved at the cutoff", at(-time.Hour), cutoff),
			episode("resolved since", at(30*slo.Day), at(31*slo.Day)),
			episode("firing", at(-slo.Day), time.Time{}),
			pendingAlert("pending", at(-2*slo.Day)))
		prune(t, s, now)
		want := []string{"resolved since", "resolved at the cutoff", "firing"}
		if got := rules(alertHistory(t, s, store.AlertQuery{})); !slices.Equal(got, want) {
			t.Errorf("history %q, want %q", got, want)
		}
		if got, want := rules(activeAlerts(t, s)), []string{"pending", "firing"}; !slices.Equal(got, want) {
			t.Errorf("active %q, want %q", got, want)
		}
	})

	// Three batches, all older than the dedup horizon at now.
	now := at(r.Batches + time.Hour)
	logThree := func(t *testing.T, s store.Store) {
		for _, id := range []string{"a", "b", "c"} {
			mustAppend(t, s, id, ob("a/x", t0, 1, 1))
		}
	}
	isDup := func(t *testing.T, s store.Store, id string) bool {
		t.Helper()
		_, dup, err := s.Append(ctx, store.Batch{ID: id, Received: now, Observations: []slo.Observation{ob("a/x", t0, 1, 1)}})
		if err != nil {
			t.Fatal(err)
		}
		return dup
	}

	t.Run("without a checkpoint no batch is pruned however old", func(t *testing.T) {
		s := open(t)
		logThree(t, s)
		prune(t, s, now)
		if seqs, _ := replay(t, s, 0); len(seqs) != 3 {
			t.Errorf("replayed %v, want all three", seqs)
		}
		if !isDup(t, s, "a") {
			t.Error("batch a is no longer a duplicate")
		}
	})

	t.Run("old batches the checkpoint covers go, and their ids with them", func(t *testing.T) {
		s := open(t)
		logThree(t, s)
		if err := s.SaveCheckpoint(ctx, 2, states(nil)); err != nil {
			t.Fatal(err)
		}
		prune(t, s, now)
		seqs, _ := replay(t, s, 0)
		if !slices.Equal(seqs, []int64{3}) {
			t.Errorf("replayed %v, want only the batch after the checkpoint", seqs)
		}
		if isDup(t, s, "a") || isDup(t, s, "b") || !isDup(t, s, "c") {
			t.Error("want a and b forgotten, c remembered")
		}
	})

	t.Run("the newest batch stays so that the last sequence never goes back", func(t *testing.T) {
		s := open(t)
		logThree(t, s)
		last := lastSeq(t, s)
		if err := s.SaveCheckpoint(ctx, last, states(nil)); err != nil {
			t.Fatal(err)
		}
		prune(t, s, now)
		if got := lastSeq(t, s); got != last {
			t.Errorf("last seq %d after prune, want %d", got, last)
		}
		if seq := mustAppend(t, s, "d"); seq <= last {
			t.Errorf("next batch got seq %d, want above %d", seq, last)
		}
	})

	t.Run("batches within the dedup horizon stay even when checkpointed", func(t *testing.T) {
		s := open(t)
		logThree(t, s)
		if err := s.SaveCheckpoint(ctx, 3, states(nil)); err != nil {
			t.Fatal(err)
		}
		prune(t, s, at(r.Batches-time.Minute))
		if !isDup(t, s, "a") {
			t.Error("batch a forgotten within the dedup horizon")
		}
	})
}

// testClosed covers a closed store.
func testClosed(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := open(t)
	mustAppend(t, s, "", ob("a/x", t0, 1, 1))
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	noop := func(slo.Observation) error { return nil }
	calls := []struct {
		name string
		call func() error
	}{
		{"Append", func() error { _, _, err := s.Append(ctx, store.Batch{}); return err }},
		{"Scan", func() error { return s.Scan(ctx, store.Fine, t0, at(time.Hour), noop) }},
		{"Totals", func() error { _, err := s.Totals(ctx, store.Coarse, "a/x", t0, at(time.Hour)); return err }},
		{"Replay", func() error { return s.Replay(ctx, 0, func(int64, []slo.Observation) error { return nil }) }},
		{"LastSeq", func() error { _, err := s.LastSeq(ctx); return err }},
		{"SaveCheckpoint", func() error { return s.SaveCheckpoint(ctx, 1, states(nil)) }},
		{"LoadCheckpoint", func() error {
			_, err := s.LoadCheckpoint(ctx, func(slo.Series, []byte) error { return nil })
			return err
		}},
		{"SaveSnapshots", func() error { return s.SaveSnapshots(ctx, nil) }},
		{"Snapshots", func() error { _, err := s.Snapshots(ctx, slo.Series{Objective: "a/x"}, t0, t0); return err }},
		{"AddAnnotation", func() error {
			_, err := s.AddAnnotation(ctx, store.Annotation{Service: "a", Start: t0})
			return err
		}},
		{"Annotations", func() error { _, err := s.Annotations(ctx, "", t0, t0); return err }},
		{"SaveAlerts", func() error { _, err := s.SaveAlerts(ctx, nil); return err }},
		{"DeleteAlert", func() error { return s.DeleteAlert(ctx, 1) }},
		{"ActiveAlerts", func() error { _, err := s.ActiveAlerts(ctx); return err }},
		{"Alerts", func() error { _, err := s.Alerts(ctx, store.AlertQuery{}); return err }},
		{"SetCustomerTier", func() error {
			return s.SetCustomerTier(ctx, store.CustomerTier{Service: "a", Customer: "c", Tier: "t", Set: t0})
		}},
		{"DeleteCustomerTier", func() error { _, err := s.DeleteCustomerTier(ctx, "a", "c"); return err }},
		{"CustomerTiers", func() error { _, err := s.CustomerTiers(ctx); return err }},
		{"Prune", func() error { return s.Prune(ctx, t0) }},
		{"Size", func() error { _, err := s.Size(); return err }},
		{"Close", s.Close},
	}
	for _, c := range calls {
		t.Run(c.name+" on a closed store returns ErrClosed", func(t *testing.T) {
			if err := c.call(); !errors.Is(err, store.ErrClosed) {
				t.Errorf("got %v, want ErrClosed", err)
			}
		})
	}
}
