package engine

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

// Counts returns the good and valid events of every series of the
// objective key over [from, to): the total (customer "") first, then each
// customer's, by name. It is what reports add up over a month, a quarter
// or an incident. Whole hours are read from the hour counts; the parts of
// hours at either end from the minute counts while the store keeps them,
// else as the hour's share, taking its events as spread evenly. A range
// with no counts gives no rows.
func (e *Engine) Counts(ctx context.Context, key string, from, to time.Time) ([]store.Total, error) {
	if to.Before(from) {
		return nil, fmt.Errorf("counts of %s: the range ends before it starts", key)
	}
	e.mu.RLock()
	now := e.ticked
	e.mu.RUnlock()
	if now.IsZero() {
		now = e.opts.Now()
	}
	fineKept := now.Add(-e.opts.FineRetention + time.Hour)
	sum := map[string]*store.Total{}
	add := func(ts []store.Total, f float64) {
		for _, t := range ts {
			s, ok := sum[t.Customer]
			if !ok {
				s = &store.Total{Customer: t.Customer}
				sum[t.Customer] = s
			}
			s.Good += f * t.Good
			s.Valid += f * t.Valid
		}
	}
	// part adds [a, b), which lies within one hour.
	part := func(a, b time.Time) error {
		if !a.Before(b) {
			return nil
		}
		if !a.Before(fineKept) {
			ts, err := e.store.Totals(ctx, store.Fine, key, a, b)
			add(ts, 1)
			return err
		}
		h := store.Coarse.Truncate(a)
		ts, err := e.store.Totals(ctx, store.Coarse, key, h, h.Add(time.Hour))
		add(ts, float64(b.Sub(a))/float64(time.Hour))
		return err
	}
	hFrom, hTo := store.Coarse.Truncate(from), store.Coarse.Truncate(to)
	if hFrom.Before(from) {
		hFrom = hFrom.Add(time.Hour)
	}
	var err error
	if hFrom.After(hTo) { // within one hour
		err = part(from, to)
	} else {
		var ts []store.Total
		if hFrom.Before(hTo) {
			ts, err = e.store.Totals(ctx, store.Coarse, key, hFrom, hTo)
		}
		add(ts, 1)
		if err == nil {
			err = part(from, hFrom)
		}
		if err == nil {
			err = part(hTo, to)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("counts of %s: %w", key, err)
	}
	out := make([]store.Total, 0, len(sum))
	for _, t := range sum {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Customer < out[j].Customer })
	return out, nil
}
