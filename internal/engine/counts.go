package engine

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Counts returns the good and valid events of every series of the
// objective key over [from, to): the total (customer "") first, then each
// customer's, by name. It is what reports add up over a month for every
// customer at once. Whole hours are read from the hour counts; the parts
// of hours at either end from the minute counts while the store keeps
// them, else as the hour's share, taking its events as spread evenly. A
// range with no counts gives no rows.
func (e *Engine) Counts(ctx context.Context, key string, from, to time.Time) ([]store.Total, error) {
	return e.sumRange(ctx, key, from, to, func(r store.Resolution, a, b time.Time) ([]store.Total, error) {
		return e.store.Totals(ctx, r, key, a, b)
	})
}

// Count is Counts for one series: its events over [from, to), and whether
// the range holds any of its counts. It reads that series' rows only,
// where Counts sums every customer's: reports that want an objective's
// total over a window should not read 10k customers' months for it.
func (e *Engine) Count(ctx context.Context, id slo.Series, from, to time.Time) (store.Total, bool, error) {
	ts, err := e.sumRange(ctx, id.String(), from, to, func(r store.Resolution, a, b time.Time) ([]store.Total, error) {
		t, found := store.Total{Customer: id.Customer}, false
		err := e.store.ScanSeries(ctx, r, id, a, b, func(o slo.Observation) error {
			t.Good, t.Valid, found = t.Good+o.Good, t.Valid+o.Valid, true
			return nil
		})
		if !found {
			return nil, err
		}
		return []store.Total{t}, err
	})
	if err != nil || len(ts) == 0 {
		return store.Total{Customer: id.Customer}, false, err
	}
	return ts[0], true, nil
}

// sumRange adds up [from, to) per customer from whole hours and the parts
// of hours at its edges, read by sum at a resolution over a sub-range.
func (e *Engine) sumRange(ctx context.Context, what string, from, to time.Time, sum func(r store.Resolution, a, b time.Time) ([]store.Total, error)) ([]store.Total, error) {
	if to.Before(from) {
		return nil, fmt.Errorf("counts of %s: the range ends before it starts", what)
	}
	e.mu.RLock()
	now := e.ticked
	e.mu.RUnlock()
	if now.IsZero() {
		now = e.opts.Now()
	}
	fineKept := now.Add(-e.opts.FineRetention + time.Hour)
	totals := map[string]*store.Total{}
	add := func(ts []store.Total, f float64) {
		for _, t := range ts {
			s, ok := totals[t.Customer]
			if !ok {
				s = &store.Total{Customer: t.Customer}
				totals[t.Customer] = s
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
			ts, err := sum(store.Fine, a, b)
			add(ts, 1)
			return err
		}
		h := store.Coarse.Truncate(a)
		ts, err := sum(store.Coarse, h, h.Add(time.Hour))
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
			ts, err = sum(store.Coarse, hFrom, hTo)
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
		return nil, fmt.Errorf("counts of %s: %w", what, err)
	}
	out := make([]store.Total, 0, len(totals))
	for _, t := range totals {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Customer < out[j].Customer })
	return out, nil
}
