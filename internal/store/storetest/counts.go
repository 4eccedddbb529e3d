package storetest

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// testCounts covers Append and Scan: what lands in which bucket.
func testCounts(t *testing.T, open func(*testing.T) store.Store) {
	minute, hour := time.Minute, time.Hour
	tests := []struct {
		name     string
		batches  [][]slo.Observation
		from, to time.Time // zero for everything
		fine     []slo.Observation
		coarse   []slo.Observation
	}{{
		name:    "observations in one minute come back summed at the minute's start",
		batches: [][]slo.Observation{{ob("a/x", at(10*time.Second), 9, 10), ob("a/x", at(50*time.Second), 5, 5)}},
		fine:    []slo.Observation{ob("a/x", t0, 14, 15)},
		coarse:  []slo.Observation{ob("a/x", t0, 14, 15)},
	}, {
		name:    "observations in different minutes of one hour are two fine buckets and one coarse",
		batches: [][]slo.Observation{{ob("a/x", at(2*minute+time.Second), 1, 2), ob("a/x", at(minute), 3, 4)}},
		fine:    []slo.Observation{ob("a/x", at(minute), 3, 4), ob("a/x", at(2*minute), 1, 2)},
		coarse:  []slo.Observation{ob("a/x", t0, 4, 6)},
	}, {
		name:    "a minute already past the fine retention when appended is kept in its hour only",
		batches: [][]slo.Observation{{ob("a/x", at(-9*24*hour), 1, 2), ob("a/x", t0, 3, 4)}},
		fine:    []slo.Observation{ob("a/x", t0, 3, 4)},
		coarse:  []slo.Observation{ob("a/x", at(-9*24*hour), 1, 2), ob("a/x", t0, 3, 4)},
	}, {
		name:    "observations in different hours are separate coarse buckets",
		batches: [][]slo.Observation{{ob("a/x", at(hour+59*minute), 1, 1), ob("a/x", at(-time.Second), 2, 2)}},
		fine:    []slo.Observation{ob("a/x", at(-minute), 2, 2), ob("a/x", at(hour+59*minute), 1, 1)},
		coarse:  []slo.Observation{ob("a/x", at(-hour), 2, 2), ob("a/x", at(hour), 1, 1)},
	}, {
		name:    "counts of separate batches add up",
		batches: [][]slo.Observation{{ob("a/x", t0, 1, 2)}, {ob("a/x", at(time.Second), 3, 4)}, {ob("a/x", at(minute), 1, 1)}},
		fine:    []slo.Observation{ob("a/x", t0, 4, 6), ob("a/x", at(minute), 1, 1)},
		coarse:  []slo.Observation{ob("a/x", t0, 5, 7)},
	}, {
		name: "series come in order of objective then customer, each in time order",
		batches: [][]slo.Observation{
			{ob("b/y", at(minute), 1, 1), ob("a/x@zeta", t0, 2, 2), ob("b/y", t0, 3, 3)},
			{ob("a/x", at(minute), 4, 4), ob("a/x@alpha", t0, 5, 5), ob("a/x", t0, 6, 6)},
		},
		fine: []slo.Observation{
			ob("a/x", t0, 6, 6), ob("a/x", at(minute), 4, 4), ob("a/x@alpha", t0, 5, 5),
			ob("a/x@zeta", t0, 2, 2), ob("b/y", t0, 3, 3), ob("b/y", at(minute), 1, 1),
		},
		coarse: []slo.Observation{
			ob("a/x", t0, 10, 10), ob("a/x@alpha", t0, 5, 5), ob("a/x@zeta", t0, 2, 2), ob("b/y", t0, 4, 4),
		},
	}, {
		name:    "a scan includes buckets starting at from and excludes those starting at to",
		batches: [][]slo.Observation{{ob("a/x", t0, 1, 1), ob("a/x", at(minute), 2, 2), ob("a/x", at(2*minute), 3, 3)}},
		from:    at(minute), to: at(2 * minute),
		fine: []slo.Observation{ob("a/x", at(minute), 2, 2)},
	}, {
		name:    "a bucket starting before from is left out even when it ends after",
		batches: [][]slo.Observation{{ob("a/x", t0, 1, 1), ob("a/x", at(minute), 2, 2)}},
		from:    at(30 * time.Second), to: at(hour),
		fine: []slo.Observation{ob("a/x", at(minute), 2, 2)},
	}, {
		name:    "times in other zones are bucketed by the instant and come back in UTC",
		batches: [][]slo.Observation{{ob("a/x", t0.In(time.FixedZone("X", 5*3600+1800)).Add(90*time.Second), 1, 1)}},
		fine:    []slo.Observation{ob("a/x", at(minute), 1, 1)},
		coarse:  []slo.Observation{ob("a/x", t0, 1, 1)},
	}, {
		name:    "fractional counts are kept",
		batches: [][]slo.Observation{{ob("a/x", t0, 0.25, 1.5), ob("a/x", t0, 0.5, 1e15+0.5)}},
		fine:    []slo.Observation{ob("a/x", t0, 0.75, 1e15+2)},
		coarse:  []slo.Observation{ob("a/x", t0, 0.75, 1e15+2)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			for _, b := range tt.batches {
				mustAppend(t, s, "", b...)
			}
			if tt.from.IsZero() {
				equalObs(t, "fine", scanAll(t, s, store.Fine), tt.fine)
				equalObs(t, "coarse", scanAll(t, s, store.Coarse), tt.coarse)
				for _, want := range tt.coarse { // each series alone, as ScanSeries reads it
					var got []slo.Observation
					err := s.ScanSeries(context.Background(), store.Coarse, want.Series, t0.Add(-1000*hour), t0.Add(1000*hour), func(o slo.Observation) error {
						got = append(got, o)
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					var only []slo.Observation
					for _, o := range tt.coarse {
						if o.Series == want.Series {
							only = append(only, o)
						}
					}
					equalObs(t, "coarse of "+want.Series.String(), got, only)
				}
				return
			}
			equalObs(t, "fine", scan(t, s, store.Fine, tt.from, tt.to), tt.fine)
		})
	}

	t.Run("an error from the scan callback stops the scan and is returned", func(t *testing.T) {
		s := open(t)
		mustAppend(t, s, "", ob("a/x", t0, 1, 1), ob("b/x", t0, 1, 1))
		stop := errors.New("stop")
		calls := 0
		err := s.Scan(context.Background(), store.Fine, t0, at(time.Hour), func(slo.Observation) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("got %v after %d calls, want stop after 1", err, calls)
		}
	})

	t.Run("concurrent appends each get a sequence of their own and all count", func(t *testing.T) {
		s := open(t)
		const writers, each = 4, 25
		var wg sync.WaitGroup
		seqs := make(chan int64, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					seq, _, err := s.Append(context.Background(), store.Batch{
						Received:     t0,
						Observations: []slo.Observation{ob("a/x", at(time.Duration(i)*time.Minute), 1, 2), ob("b/x", t0, float64(w), 1)},
					})
					if err != nil {
						t.Error(err)
						return
					}
					seqs <- seq
				}
			})
		}
		wg.Wait()
		close(seqs)
		seen := make(map[int64]bool)
		for seq := range seqs {
			if seen[seq] {
				t.Errorf("sequence %d given twice", seq)
			}
			seen[seq] = true
		}
		want := []slo.Observation{ob("a/x", t0, writers*each, 2*writers*each), ob("b/x", t0, each*(0+1+2+3), writers*each)}
		equalObs(t, "coarse", scanAll(t, s, store.Coarse), want)
	})
}

// testBatches covers what makes Append safe to retry and all or nothing.
func testBatches(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	t.Run("a batch with an id already logged counts once and returns the first sequence", func(t *testing.T) {
		s := open(t)
		first := mustAppend(t, s, "batch-1", ob("a/x", t0, 1, 1))
		mustAppend(t, s, "batch-2", ob("a/x", t0, 1, 1))
		seq, dup, err := s.Append(ctx, store.Batch{ID: "batch-1", Received: t0, Observations: []slo.Observation{ob("a/x", t0, 1, 1)}})
		if err != nil || !dup || seq != first {
			t.Errorf("retry: got seq %d, duplicate %v, %v; want %d, true, nil", seq, dup, err, first)
		}
		equalObs(t, "fine", scanAll(t, s, store.Fine), []slo.Observation{ob("a/x", t0, 2, 2)})
		if got := lastSeq(t, s); got != first+1 {
			t.Errorf("last seq %d, want %d", got, first+1)
		}
	})

	t.Run("batches without an id are never deduplicated", func(t *testing.T) {
		s := open(t)
		a := mustAppend(t, s, "", ob("a/x", t0, 1, 1))
		b := mustAppend(t, s, "", ob("a/x", t0, 1, 1))
		if b <= a {
			t.Errorf("sequences %d then %d, want increasing", a, b)
		}
		equalObs(t, "fine", scanAll(t, s, store.Fine), []slo.Observation{ob("a/x", t0, 2, 2)})
	})

	t.Run("an empty batch is logged under a sequence of its own", func(t *testing.T) {
		s := open(t)
		seq := mustAppend(t, s, "empty")
		if seq <= 0 || lastSeq(t, s) != seq {
			t.Errorf("seq %d, last seq %d; want the same, above 0", seq, lastSeq(t, s))
		}
		if _, dup, _ := s.Append(ctx, store.Batch{ID: "empty"}); !dup {
			t.Error("retry of an empty batch was not a duplicate")
		}
	})

	good := ob("a/x", t0, 1, 1)
	invalid := []struct {
		name string
		bad  slo.Observation
	}{
		{"a NaN good count", ob("a/x", t0, math.NaN(), 1)},
		{"a NaN valid count", ob("a/x", t0, 1, math.NaN())},
		{"an infinite valid count", ob("a/x", t0, 1, math.Inf(1))},
		{"a negative good count", ob("a/x", t0, -1, 1)},
		{"a negative valid count", ob("a/x", t0, 0, -0.5)},
		{"no objective", ob("", t0, 1, 1)},
		{"no time", ob("a/x", time.Time{}, 1, 1)},
	}
	for _, tt := range invalid {
		t.Run("a batch with "+tt.name+" is refused whole", func(t *testing.T) {
			s := open(t)
			_, _, err := s.Append(ctx, store.Batch{ID: "x", Received: t0, Observations: []slo.Observation{good, tt.bad}})
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
			expectEmpty(t, s)
		})
	}

	t.Run("a batch whose context is cancelled writes nothing", func(t *testing.T) {
		s := open(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := s.Append(cctx, store.Batch{ID: "x", Received: t0, Observations: []slo.Observation{good}}); err == nil {
			t.Error("append with a cancelled context succeeded")
		}
		expectEmpty(t, s)
		// The id was not logged, so the retry is applied.
		mustAppend(t, s, "x", good)
	})
}

// expectEmpty fails the test unless s holds no counts and no batch.
func expectEmpty(t *testing.T, s store.Store) {
	t.Helper()
	equalObs(t, "fine", scanAll(t, s, store.Fine), nil)
	equalObs(t, "coarse", scanAll(t, s, store.Coarse), nil)
	if seq := lastSeq(t, s); seq != 0 {
		t.Errorf("last seq %d, want 0", seq)
	}
}
