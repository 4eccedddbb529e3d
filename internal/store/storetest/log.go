package storetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// testLog covers the batch log: Replay and LastSeq.
func testLog(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	t.Run("an empty store's last sequence is 0 and its log replays nothing", func(t *testing.T) {
		s := open(t)
		if seq := lastSeq(t, s); seq != 0 {
			t.Errorf("last seq %d, want 0", seq)
		}
		if seqs, _ := replay(t, s, 0); len(seqs) != 0 {
			t.Errorf("replayed %v, want nothing", seqs)
		}
	})

	t.Run("replay gives the batches after a sequence in order, summed per series and minute", func(t *testing.T) {
		s := open(t)
		s1 := mustAppend(t, s, "", ob("a/x", t0, 1, 1))
		s2 := mustAppend(t, s, "two", ob("b/y", at(10*time.Second), 1, 2), ob("a/x@c", at(70*time.Second), 3, 4),
			ob("b/y", at(20*time.Second), 5, 6))
		s3 := mustAppend(t, s, "", ob("a/x", at(time.Hour), 7, 8))
		if s1 >= s2 || s2 >= s3 {
			t.Fatalf("sequences %d, %d, %d: want increasing", s1, s2, s3)
		}
		if got := lastSeq(t, s); got != s3 {
			t.Errorf("last seq %d, want %d", got, s3)
		}
		seqs, batches := replay(t, s, s1)
		if !slices.Equal(seqs, []int64{s2, s3}) {
			t.Fatalf("replayed %v, want %v", seqs, []int64{s2, s3})
		}
		equalObs(t, "batch two", sortObs(batches[0]), []slo.Observation{ob("a/x@c", at(time.Minute), 3, 4), ob("b/y", t0, 6, 8)})
		equalObs(t, "batch three", batches[1], []slo.Observation{ob("a/x", at(time.Hour), 7, 8)})
		if seqs, _ := replay(t, s, s3); len(seqs) != 0 {
			t.Errorf("replay after the last gave %v, want nothing", seqs)
		}
	})

	t.Run("an error from the replay callback stops the replay and is returned", func(t *testing.T) {
		s := open(t)
		mustAppend(t, s, "", ob("a/x", t0, 1, 1))
		mustAppend(t, s, "", ob("a/x", t0, 1, 1))
		stop := errors.New("stop")
		calls := 0
		err := s.Replay(ctx, 0, func(int64, []slo.Observation) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("got %v after %d calls, want stop after 1", err, calls)
		}
	})
}

// states is an iterator over checkpoint states, yielding them from one
// reused buffer, as an engine encoding as it goes might.
func states(m map[slo.Series]string) iter.Seq2[slo.Series, []byte] {
	return func(yield func(slo.Series, []byte) bool) {
		var buf []byte
		for s, v := range m {
			buf = append(buf[:0], v...)
			if !yield(s, buf) {
				return
			}
			clear(buf)
		}
	}
}

// load returns the checkpoint as a map and its sequence.
func load(t *testing.T, s store.Store) (int64, map[slo.Series]string) {
	t.Helper()
	got := make(map[slo.Series]string)
	seq, err := s.LoadCheckpoint(context.Background(), func(se slo.Series, b []byte) error {
		if _, ok := got[se]; ok {
			t.Errorf("series %s loaded twice", se)
		}
		got[se] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("load checkpoint: %v", err)
	}
	return seq, got
}

// testCheckpoint covers SaveCheckpoint and LoadCheckpoint.
func testCheckpoint(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	x, xc, y := slo.Series{Objective: "a/x"}, slo.Series{Objective: "a/x", Customer: "c"}, slo.Series{Objective: "b/y"}
	t.Run("a store without a checkpoint loads sequence 0 and no state", func(t *testing.T) {
		s := open(t)
		seq, got := load(t, s)
		if seq != 0 || len(got) != 0 {
			t.Errorf("got %d, %v; want 0 and nothing", seq, got)
		}
	})

	t.Run("a saved checkpoint loads back, states intact although the iterator reused its buffer", func(t *testing.T) {
		s := open(t)
		want := map[slo.Series]string{x: "state of x", xc: "state of x for c", y: ""}
		if err := s.SaveCheckpoint(ctx, 7, states(want)); err != nil {
			t.Fatal(err)
		}
		seq, got := load(t, s)
		if seq != 7 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %d, %v; want 7, %v", seq, got, want)
		}
	})

	t.Run("saving a checkpoint replaces the whole of the previous one", func(t *testing.T) {
		s := open(t)
		if err := s.SaveCheckpoint(ctx, 5, states(map[slo.Series]string{x: "old x", y: "old y"})); err != nil {
			t.Fatal(err)
		}
		want := map[slo.Series]string{xc: "new xc", y: "new y"}
		if err := s.SaveCheckpoint(ctx, 9, states(want)); err != nil {
			t.Fatal(err)
		}
		seq, got := load(t, s)
		if seq != 9 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %d, %v; want 9, %v", seq, got, want)
		}
	})

	t.Run("an empty checkpoint keeps its sequence", func(t *testing.T) {
		s := open(t)
		if err := s.SaveCheckpoint(ctx, 3, states(nil)); err != nil {
			t.Fatal(err)
		}
		if seq, got := load(t, s); seq != 3 || len(got) != 0 {
			t.Errorf("got %d, %v; want 3 and nothing", seq, got)
		}
	})

	t.Run("a checkpoint naming series that have no counts still loads", func(t *testing.T) {
		s := open(t)
		mustAppend(t, s, "", ob("a/x", t0, 1, 1))
		want := map[slo.Series]string{{Objective: "new/one"}: "s"}
		if err := s.SaveCheckpoint(ctx, 1, states(want)); err != nil {
			t.Fatal(err)
		}
		if _, got := load(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %v, want %v", got, want)
		}
		equalObs(t, "fine", scanAll(t, s, store.Fine), []slo.Observation{ob("a/x", t0, 1, 1)})
	})
}

// snap is a snapshot of series at t with the given SLI, nil for none.
func snap(series string, t time.Time, sli *float64, status string) store.Snapshot {
	o := ob(series, t, 0, 0)
	burn := 2.5
	return store.Snapshot{Series: o.Series, Time: t, SLI: sli, BudgetRemaining: 0.5, RemainingMinutes: 21.6,
		BurnRate1h: &burn, Status: status}
}

// formatSnaps writes snapshots one a line, pointers followed.
func formatSnaps(snaps []store.Snapshot) []string {
	out := make([]string, len(snaps))
	f := func(p *float64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	for i, n := range snaps {
		out[i] = fmt.Sprintf("%s %s loc=%v sli=%s remaining=%g minutes=%g burn=%s %s", n.Series,
			n.Time.Format(time.RFC3339Nano), n.Time.Location(), f(n.SLI), n.BudgetRemaining, n.RemainingMinutes,
			f(n.BurnRate1h), n.Status)
	}
	return out
}
