package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/slo"
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
	b = appendNumber(appendNumber(b, s.cal.good), s.cal.valid)
	for _, r := range s.rings {
		b = binary.AppendVarint(b, r.res)
		b = binary.AppendVarint(b, r.head)
		b = binary.AppendUvarint(b, uint64(len(r.buf)))
		for i := r.head - int64(len(r.buf)) + 1; i <= r.head; i++ {
			p := r.slot(i)
			b = appendNumber(appendNumber(b, p.good), p.valid)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(pending)))
	for _, o := range pending {
		b = binary.AppendVarint(b, o.Time.Unix())
		b = appendNumber(appendNumber(b, o.Good), o.Valid)
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
	d := decoder{b: b}
	if d.byte() != checkpointVersion {
		return nil, fmt.Errorf("checkpoint version: %w", errIncompatible)
	}
	calStart := d.varint()
	cal := pair{d.number(), d.number()}
	if !s.calEnd.IsZero() {
		if calStart != s.calStart.Unix() {
			return nil, fmt.Errorf("calendar period: %w", errIncompatible)
		}
		s.cal = cal
	}
	next := func() pair { return pair{d.number(), d.number()} }
	for _, r := range s.rings {
		res, head, n := d.varint(), d.varint(), int64(d.uvarint())
		if d.err == nil && (res != r.res || n != int64(len(r.buf))) {
			// 30d, 60d and 90d windows all have 721 buckets, of 1, 2 and 3
			// hours: the length alone does not tell a changed window.
			return nil, fmt.Errorf("ring of %d buckets of %ds, plan has %d of %ds: %w", n, res, len(r.buf), r.res, errIncompatible)
		}
		r.restore(head-n+1, n, next) // a truncated state reads as zeros, then fails below
	}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		t := time.Unix(d.varint(), 0).UTC()
		pending = append(pending, slo.Observation{Series: s.id, Time: t, Good: d.number(), Valid: d.number()})
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.b))
	}
	return pending, d.err
}

// appendNumber writes a count: an integer as a varint of twice it, anything
// else as 1 and its float bits. Counts are integers but for Prometheus
// increases, so most take a byte or three.
func appendNumber(b []byte, x float64) []byte {
	if x >= 0 && x < 1<<53 && x == math.Trunc(x) {
		return binary.AppendUvarint(b, uint64(x)<<1)
	}
	b = binary.AppendUvarint(b, 1)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() { d.err, d.b = errors.New("truncated state"), nil }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) number() float64 {
	x := d.uvarint()
	if x != 1 {
		return float64(x >> 1)
	}
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return f
}
