package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// BenchmarkAppend appends batches shaped like real ingest, to a file on
// the real disk with synchronous=FULL, so every batch pays its fsync.
//
//   - events: a push of 10,000 events, one observation each, over 5 series
//     and the last 10 minutes: they sum to 50 rows.
//   - rows: a batch already summed at the source into distinct
//     (series, minute) observations, as the Prometheus source sends them.
//
// obs/s counts observations as sent; rows/s counts what reached the count
// tables.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name            string
		series, minutes int
		eventsPerBucket int
	}{
		{name: "events=10000/series=5/minutes=10", series: 5, minutes: 10, eventsPerBucket: 200},
		{name: "rows=50/series=5/minutes=10", series: 5, minutes: 10, eventsPerBucket: 1},
		{name: "rows=1000/series=20/minutes=50", series: 20, minutes: 50, eventsPerBucket: 1},
		{name: "rows=20000/series=200/minutes=100", series: 200, minutes: 100, eventsPerBucket: 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db, err := Open(filepath.Join(b.TempDir(), "slo.db"), Options{Now: func() time.Time { return t0 }})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			batches := make([]store.Batch, 16)
			for i := range batches {
				batches[i] = ingest(i, bc.series, bc.minutes, bc.eventsPerBucket)
			}
			ctx := context.Background()
			i := 0
			for ; b.Loop(); i++ {
				// Later batches move on in time, so a run both adds to
				// existing buckets and opens new ones.
				bt := batches[i%len(batches)]
				bt.Received = t0.Add(time.Duration(i) * time.Second)
				if _, _, err := db.Append(ctx, bt); err != nil {
					b.Fatal(err)
				}
			}
			n := float64(i) / b.Elapsed().Seconds()
			b.ReportMetric(n*float64(bc.series*bc.minutes*bc.eventsPerBucket), "obs/s")
			b.ReportMetric(n*float64(bc.series*bc.minutes), "rows/s")
			b.ReportMetric(n, "batches/s")
		})
	}
}

// BenchmarkAppendParallel appends 50-row batches from 8 goroutines: they
// queue for the one writer, each paying its own commit, which is what
// group commit would save.
func BenchmarkAppendParallel(b *testing.B) {
	db, err := Open(filepath.Join(b.TempDir(), "slo.db"), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bt := ingest(0, 5, 10, 1)
	b.SetParallelism(4) // 4 x GOMAXPROCS goroutines
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := db.Append(context.Background(), bt); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
}

// ingest is batch number i: events observations of each series in each of
// the minutes before its time, one event each when events is 1 and
// otherwise single events with every tenth one bad.
func ingest(i, series, minutes, events int) store.Batch {
	end := t0.Add(time.Duration(i) * time.Minute)
	b := store.Batch{Received: end}
	for m := range minutes {
		at := end.Add(-time.Duration(minutes-m) * time.Minute)
		for s := range series {
			se := slo.Series{Objective: fmt.Sprintf("svc%d/availability", s)}
			for e := range events {
				good := 1.0
				if e%10 == 9 {
					good = 0
				}
				b.Observations = append(b.Observations, slo.Observation{
					Series: se, Time: at.Add(time.Duration(e) * time.Minute / time.Duration(events)), Good: good, Valid: 1,
				})
			}
		}
	}
	return b
}

// BenchmarkScan reads a day of fine counts of 20 series.
func BenchmarkScan(b *testing.B) {
	db, err := Open(filepath.Join(b.TempDir(), "slo.db"), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	const series, minutes = 20, 24 * 60
	for h := range minutes / 60 {
		bt := ingest(0, series, 60, 1)
		for i := range bt.Observations {
			bt.Observations[i].Time = bt.Observations[i].Time.Add(time.Duration(h) * time.Hour)
		}
		if _, _, err := db.Append(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	scans := 0
	for ; b.Loop(); scans++ {
		n := 0
		err := db.Scan(ctx, store.Fine, t0.Add(-2*slo.Day), t0.Add(2*slo.Day), func(slo.Observation) error { n++; return nil })
		if err != nil || n != series*minutes {
			b.Fatalf("scanned %d, %v; want %d", n, err, series*minutes)
		}
	}
	b.ReportMetric(float64(scans*series*minutes)/b.Elapsed().Seconds(), "rows/s")
}
