package prometheus

import (
	"context"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Scanner reads one series' stored counts: store.Store has it.
type Scanner interface {
	ScanSeries(ctx context.Context, r store.Resolution, s slo.Series, from, to time.Time, fn func(slo.Observation) error) error
}

// StoreLast returns a LastFunc that finds an objective's newest stored
// minute in st, the clock giving now.
//
// The store has no "newest row" query, and a scan runs oldest first, so
// it looks back in widening spans (the last hour, day, then back to since)
// and stops at the first that holds a row: after a restart that is the
// last hour, some sixty rows. Minute rows are kept only days; when none is
// left the newest hour row stands for the whole hour. A backfill writes
// whole hours (its chunks end on the hour), so that is exact unless live
// reading stopped mid-hour longer ago than the minute retention, when the
// rest of that hour is left unread rather than counted twice.
func StoreLast(st Scanner, now func() time.Time) LastFunc {
	return func(ctx context.Context, key string, since time.Time) (time.Time, error) {
		id := slo.Series{Objective: key}
		t := now()
		// Observations are never stamped in the future; a day of slack
		// covers a clock that moved back.
		end := t.Add(slo.Day)
		for _, back := range []time.Duration{time.Hour, slo.Day, 0} {
			from := since
			if back > 0 && t.Add(-back).After(since) {
				from = t.Add(-back)
			}
			last, err := newest(ctx, st, store.Fine, id, from, end)
			if err != nil || !last.IsZero() {
				return last, err
			}
			if !from.After(since) {
				break
			}
			end = from
		}
		last, err := newest(ctx, st, store.Coarse, id, since, t.Add(slo.Day))
		if err != nil || last.IsZero() {
			return last, err
		}
		return last.Add(time.Duration(store.Coarse) - time.Minute), nil
	}
}

// newest is the time of the newest row of id in [from, to), zero if none.
func newest(ctx context.Context, st Scanner, r store.Resolution, id slo.Series, from, to time.Time) (time.Time, error) {
	var last time.Time
	err := st.ScanSeries(ctx, r, id, from, to, func(o slo.Observation) error {
		last = o.Time
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("newest stored count of %s: %w", id, err)
	}
	return last, nil
}
