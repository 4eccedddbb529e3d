package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// A checkpoint is every series' rings, calendar sum and early observations,
// written now and then and at shutdown. A restart loads it and replays the
// batches logged after it, instead of reading months of buckets: that is
// what keeps a restart of 100k SLOs within seconds.

const checkpointVersion = 3

// Checkpoint saves the state, consistent with the batch it ends at. The
// engine is read-locked while the states are encoded, not while the store
// writes them: the store copies them all before its transaction, and the
// lock goes when the iteration ends.
func (e *Engine) Checkpoint(ctx context.Context) error {
	began := time.Now()
	e.mu.RLock()
	var once sync.Once
	unlock := func() { once.Do(e.mu.RUnlock) }
	defer unlock()
	seq, n := e.lastSeq, len(e.list)
	pending := map[slo.Series][]slo.Observation{}
	for _, o := range e.pending {
		pending[o.Series] = append(pending[o.Series], o)
	}
	var buf []byte
	states := iter.Seq2[slo.Series, []byte](func(yield func(slo.Series, []byte) bool) {
		defer unlock()
		for _, s := range e.list {
			buf = s.encode(buf[:0], pending[s.id])
			if !yield(s.id, buf) {
				return
			}
		}
	})
	if err := e.store.SaveCheckpoint(ctx, seq, states); err != nil {
		return fmt.Errorf("engine checkpoint: %w", err)
	}
	e.opts.Logger.Info("engine checkpoint saved", "series", n, "seq", seq, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

func (s *series) encode(b []byte, pending []slo.Observation) []byte {
	b = append(b, checkpointVersion)
	b = binary.AppendVarint(b, s.calStart.Unix())
	b = store.AppendCount(store.AppendCount(b, s.cal.good), s.cal.valid)
	for _, r := range s.rings {
		b = binary.AppendVarint(b, r.res)
		b = binary.AppendVarint(b, r.head)
		b = binary.AppendUvarint(b, uint64(len(r.buf)))
		for i := r.head - int64(len(r.buf)) + 1; i <= r.head; i++ {
			p := r.slot(i)
			b = store.AppendCount(store.AppendCount(b, p.good), p.valid)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(pending)))
	for _, o := range pending {
		b = binary.AppendVarint(b, o.Time.Unix())
		b = store.AppendCount(store.AppendCount(b, o.Good), o.Valid)
	}
	return b
}

// errIncompatible marks a state that does not fit the series' plan any
// more (its window changed, or its calendar period ended since): the series
// is then summed from the stored buckets.
var errIncompatible = errors.New("state does not fit the plan")

// decode restores the series from a state. Rings must have the sizes the
// plan gives, and a calendar sum the current period; buckets that have left
// the rings since are dropped as they would have been.
func (s *series) decode(b []byte) (pending []slo.Observation, err error) {
	d := store.NewDecoder(b)
	if d.Byte() != checkpointVersion {
		return nil, fmt.Errorf("checkpoint version: %w", errIncompatible)
	}
	calStart := d.Varint()
	cal := pair{d.Count(), d.Count()}
	if !s.calEnd.IsZero() {
		if calStart != s.calStart.Unix() {
			return nil, fmt.Errorf("calendar period: %w", errIncompatible)
		}
		s.cal = cal
	}
	next := func() pair { return pair{d.Count(), d.Count()} }
	for _, r := range s.rings {
		res, head, n := d.Varint(), d.Varint(), int64(d.Uvarint())
		if d.Err() == nil && (res != r.res || n != int64(len(r.buf))) {
			// 30d, 60d and 90d windows all have 721 buckets, of 1, 2 and 3
			// hours: the length alone does not tell a changed window.
			return nil, fmt.Errorf("ring of %d buckets of %ds, plan has %d of %ds: %w", n, res, len(r.buf), r.res, errIncompatible)
		}
		r.restore(head-n+1, n, next) // a truncated state reads as zeros, then fails below
	}
	for n := d.Uvarint(); n > 0 && d.Err() == nil; n-- {
		t := time.Unix(d.Varint(), 0).UTC()
		pending = append(pending, slo.Observation{Series: s.id, Time: t, Good: d.Count(), Valid: d.Count()})
	}
	if err := d.Err(); err != nil {
		return nil, err
	}
	if d.Len() > 0 {
		return nil, fmt.Errorf("%d bytes left over: %w", d.Len(), store.ErrCorrupt)
	}
	return pending, nil
}
