// Package pushtest holds a fake of the push API's sink for the tests of
// packages that drive the push handler (the client, slo push): a store in
// memory that deduplicates batch ids as the real one does.
package pushtest

import (
	"context"
	"sync"

	"github.com/slo-dev/slo/internal/store"
)

// Sink keeps appended batches in memory. Safe for concurrent use.
type Sink struct {
	mu      sync.Mutex
	batches []store.Batch
	ids     map[string]int64
}

// Append keeps b unless a batch with its non-empty ID was kept before.
func (s *Sink) Append(_ context.Context, b store.Batch) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq, ok := s.ids[b.ID]; ok && b.ID != "" {
		return seq, true, nil
	}
	s.batches = append(s.batches, b)
	seq := int64(len(s.batches))
	if b.ID != "" {
		if s.ids == nil {
			s.ids = map[string]int64{}
		}
		s.ids[b.ID] = seq
	}
	return seq, false, nil
}

// Batches returns the batches kept, in order.
func (s *Sink) Batches() []store.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]store.Batch(nil), s.batches...)
}

// Valid sums the valid events of one series ("service/slo" or
// "service/slo@customer") over every batch kept.
func (s *Sink) Valid(series string) float64 {
	n := 0.0
	for _, b := range s.Batches() {
		for _, o := range b.Observations {
			if o.Series.String() == series {
				n += o.Valid
			}
		}
	}
	return n
}
