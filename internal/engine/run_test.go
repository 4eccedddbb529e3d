package engine

import (
	"context"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// TestRunTicksSnapshotsAndCheckpointsOnItsSchedule drives Run's loop with a
// fake ticker and clock.
func TestRunTicksSnapshotsAndCheckpointsOnItsSchedule(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	st := openStore(t, t.TempDir(), c.now)
	ticks := 0
	e := New(st, services(t, availabilitySpec), Options{Now: c.now, SnapshotEvery: time.Minute,
		CheckpointEvery: time.Hour, OnTick: func(time.Duration) { ticks++ }})
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	minutes(t, e, c.t.Add(-time.Hour), c.t, 9, 10, availability)

	ctx, cancel := context.WithCancel(context.Background())
	tick := make(chan time.Time)
	done := make(chan error)
	go func() { done <- e.run(ctx, func(time.Duration) <-chan time.Time { return tick }) }()
	for i := 0; i < 30; i++ { // 30 ticks of 10 s: 5 minutes
		c.step(10 * time.Second)
		tick <- c.t
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ticks != 30 {
		t.Errorf("%d ticks, want 30", ticks)
	}
	snaps, err := st.Snapshots(context.Background(), availability, c.t.Add(-time.Hour), c.t.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// The first tick snapshots, then one a minute: at 10 s, 70 s, ... 250 s.
	if len(snaps) != 5 || snaps[0].SLI == nil || *snaps[0].SLI != 0.9 || snaps[0].Status != "exhausted" {
		t.Errorf("snapshots: %d, first %+v", len(snaps), snaps)
	}
	var series []slo.Series
	seq, err := st.LoadCheckpoint(context.Background(), func(s slo.Series, _ []byte) error {
		series = append(series, s)
		return nil
	})
	if err != nil || seq != e.LastSeq() || len(series) != 2 {
		t.Errorf("checkpoint at shutdown: seq %d (want %d), %d series (want 2), err %v", seq, e.LastSeq(), len(series), err)
	}
}
