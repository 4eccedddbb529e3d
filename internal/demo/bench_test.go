package demo

import (
	"context"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// countSink counts what it is given and keeps nothing.
type countSink struct{ batches, obs int }

func (s *countSink) Append(_ context.Context, b store.Batch) (int64, bool, error) {
	s.batches++
	s.obs += len(b.Observations)
	return int64(s.batches), false, nil
}

// BenchmarkBackfill30Days times what `slo serve --demo` does at start:
// thirty days of the default traffic, made and classified, appended to a
// sink that keeps nothing (the store's cost is the store's benchmark).
func BenchmarkBackfill30Days(b *testing.B) {
	c := newClassifier(b)
	g := New(Config{})
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if err := g.Backfill(context.Background(), &countSink{}, c.classify, start, start.Add(30*slo.Day)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerate30Days times making the events alone.
func BenchmarkGenerate30Days(b *testing.B) {
	g := New(Config{})
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var buf []slo.Event
	for b.Loop() {
		for d := range 30 * 24 {
			from := start.Add(time.Duration(d) * time.Hour)
			buf = g.appendEvents(buf[:0], from, from.Add(time.Hour), nil)
		}
	}
}
