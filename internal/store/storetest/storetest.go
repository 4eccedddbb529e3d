// Package storetest holds the conformance tests every store.Store passes.
// An implementation's own tests call Run with a function that opens an
// empty store.
package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Run runs the conformance tests against stores made by open, one fresh
// store per test. open must return an empty store whose retention is
// store.DefaultRetention; Run closes every store it opens.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	opener := func(t *testing.T) store.Store {
		t.Helper()
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
				t.Errorf("close: %v", err)
			}
		})
		return s
	}
	groups := []struct {
		name string
		run  func(*testing.T, func(*testing.T) store.Store)
	}{
		{"Counts", testCounts},
		{"Totals", testTotals},
		{"Batches", testBatches},
		{"Log", testLog},
		{"Checkpoint", testCheckpoint},
		{"Snapshots", testSnapshots},
		{"Annotations", testAnnotations},
		{"Alerts", testAlerts},
		{"CustomerTiers", testCustomerTiers},
		{"Prune", testPrune},
		{"Closed", testClosed},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, opener) })
	}
}

// t0 is an hour start the tests place their data around.
var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// Now is the time the suite's stores must take for now (their clock), since
// a store may skip minute counts already past retention when it appends.
func Now() time.Time { return t0 }

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// ob is an observation of series objective[@customer].
func ob(series string, t time.Time, good, valid float64) slo.Observation {
	s := slo.Series{Objective: series}
	for i := range series {
		if series[i] == '@' {
			s = slo.Series{Objective: series[:i], Customer: series[i+1:]}
			break
		}
	}
	return slo.Observation{Series: s, Time: t, Good: good, Valid: valid}
}

// mustAppend appends a batch and fails the test on an error.
func mustAppend(t *testing.T, s store.Store, id string, obs ...slo.Observation) int64 {
	t.Helper()
	seq, dup, err := s.Append(context.Background(), store.Batch{ID: id, Received: t0, Observations: obs})
	if err != nil {
		t.Fatalf("append %q: %v", id, err)
	}
	if dup {
		t.Fatalf("append %q: duplicate, want new", id)
	}
	return seq
}

// scan returns everything Scan gives for r in [from, to).
func scan(t *testing.T, s store.Store, r store.Resolution, from, to time.Time) []slo.Observation {
	t.Helper()
	var out []slo.Observation
	err := s.Scan(context.Background(), r, from, to, func(o slo.Observation) error {
		out = append(out, o)
		return nil
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out
}

// scanAll scans r over all of the tests' times.
func scanAll(t *testing.T, s store.Store, r store.Resolution) []slo.Observation {
	t.Helper()
	return scan(t, s, r, t0.Add(-1000*slo.Day), t0.Add(1000*slo.Day))
}

// format writes observations one a line, so that a mismatch shows which.
// Times must be in UTC; one that is not is marked.
func format(obs []slo.Observation) []string {
	out := make([]string, len(obs))
	for i, o := range obs {
		utc := ""
		if o.Time.Location() != time.UTC {
			utc = " (not UTC)"
		}
		out[i] = fmt.Sprintf("%s %s%s good=%g valid=%g", o.Series, o.Time.Format(time.RFC3339Nano), utc, o.Good, o.Valid)
	}
	return out
}

// equalObs fails the test unless got and want are the same observations in
// the same order, with times in UTC.
func equalObs(t *testing.T, what string, got, want []slo.Observation) {
	t.Helper()
	g, w := format(got), format(want)
	if !slices.Equal(g, w) {
		t.Errorf("%s:\n got  %q\n want %q", what, g, w)
	}
}

// lastSeq returns LastSeq and fails the test on an error.
func lastSeq(t *testing.T, s store.Store) int64 {
	t.Helper()
	seq, err := s.LastSeq(context.Background())
	if err != nil {
		t.Fatalf("last seq: %v", err)
	}
	return seq
}

// replay returns the sequences Replay gives after after, with their
// observations.
func replay(t *testing.T, s store.Store, after int64) ([]int64, [][]slo.Observation) {
	t.Helper()
	var seqs []int64
	var batches [][]slo.Observation
	err := s.Replay(context.Background(), after, func(seq int64, obs []slo.Observation) error {
		seqs = append(seqs, seq)
		batches = append(batches, obs)
		return nil
	})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return seqs, batches
}

// sortObs orders observations by series then time, as Scan does, for
// comparing Replay's, whose order within a batch is the store's own.
func sortObs(obs []slo.Observation) []slo.Observation {
	obs = slices.Clone(obs)
	slices.SortFunc(obs, func(a, b slo.Observation) int {
		return cmp.Or(cmp.Compare(a.Series.Objective, b.Series.Objective),
			cmp.Compare(a.Series.Customer, b.Series.Customer), a.Time.Compare(b.Time))
	})
	return obs
}
