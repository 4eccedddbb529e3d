package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// MaxPoints bounds a history query, as Prometheus bounds a range query: a
// chart needs hundreds of points, not millions.
const MaxPoints = 11000

// Point is a series' figures at one time of a history.
type Point struct {
	Time  time.Time `json:"time"`
	Good  float64   `json:"good"`
	Valid float64   `json:"valid"`
	// SLI is over the SLO window ending at Time; nil without data.
	SLI              *float64 `json:"sli"`
	BudgetRemaining  *float64 `json:"budget_remaining"`
	RemainingMinutes *float64 `json:"remaining_minutes"`
	BurnRate1h       *float64 `json:"burn_rate_1h"`
	BurnRate6h       *float64 `json:"burn_rate_6h"`
	BurnRate24h      *float64 `json:"burn_rate_24h"`
	Status           string   `json:"status"`
}

// Errors of History and WhatIf, for the API to tell a bad request from a
// missing series and from a store that fails.
var (
	// ErrRange: the range or step is one the engine refuses.
	ErrRange = errors.New("bad range")
	// ErrInvalidTarget: the target is not a ratio strictly between 0 and 1.
	ErrInvalidTarget = errors.New("invalid target")
	// ErrNoSeries: the engine evaluates no such series.
	ErrNoSeries = errors.New("no such series")
)

// History computes a series' figures at from, from+step, ... up to to,
// from the stored counts: what the data says now, backfill included. Burn
// rates over windows of fineSpan or less read minute buckets while the store
// keeps them, hour buckets before.
func (e *Engine) History(ctx context.Context, id slo.Series, from, to time.Time, step time.Duration) ([]Point, error) {
	return e.history(ctx, id, from, to, step, 0)
}

// history is History under target, or under the series' own target when
// target is 0.
func (e *Engine) history(ctx context.Context, id slo.Series, from, to time.Time, step time.Duration, target float64) ([]Point, error) {
	if step < time.Second || to.Before(from) {
		return nil, fmt.Errorf("history: %w: want from <= to and a step of at least 1s", ErrRange)
	}
	// to.Sub saturates for ranges over 292 years, and so does not overflow;
	// the division by a step of 1s or more then cannot either.
	if n := to.Sub(from) / step; n >= MaxPoints {
		return nil, fmt.Errorf("history: %w: %d points is more than %d: use a longer step", ErrRange, n+1, MaxPoints)
	}
	e.mu.RLock()
	s, ok := e.series[id]
	now := e.ticked
	if ok && target == 0 {
		target = s.target // read under mu: a tier change moves it at a tick
	}
	e.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("history: %w %s", ErrNoSeries, id)
	}
	p := s.plan
	first, _ := p.obj.Window.Bounds(from)
	first = minTime(first, from.Add(-slo.Day))
	coarse, err := e.cumulative(ctx, id, store.Coarse, first, to, now)
	if err != nil {
		return nil, err
	}
	fine, err := e.cumulative(ctx, id, store.Fine, from.Add(-fineSpan), to, now)
	if err != nil {
		return nil, err
	}
	// Minute counts older than their retention are gone: hours serve there.
	fineKept := now.Add(-e.opts.FineRetention + time.Hour)
	var out []Point
	for t := from; !t.After(to); t = t.Add(step) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		start, end := p.obj.Window.Bounds(t)
		if !p.obj.Window.IsCalendar() {
			end = t
		}
		c := coarse.between(start, t)
		pt := Point{Time: t, Good: c.good, Valid: c.valid, Status: slo.NoData.String()}
		b := slo.Budget{Target: target, Window: end.Sub(start), Good: c.good, Valid: c.valid}
		burn := func(d time.Duration) *float64 {
			w := fine
			if d > fineSpan || t.Add(-d).Before(fine.from) || t.Add(-d).Before(fineKept) {
				w = coarse
			}
			x := w.between(t.Add(-d), t)
			r, ok := slo.BurnRate(x.good, x.valid, target)
			return ptr(r, ok)
		}
		pt.BurnRate1h, pt.BurnRate6h, pt.BurnRate24h = burn(time.Hour), burn(6*time.Hour), burn(slo.Day)
		if sli, ok := b.SLI(); ok {
			rem, mins := b.RemainingRatio(), b.RemainingMinutes()
			pt.SLI, pt.BudgetRemaining, pt.RemainingMinutes = ptr(sli, true), ptr(rem, true), ptr(mins, true)
			b1 := 0.0
			if pt.BurnRate1h != nil {
				b1 = *pt.BurnRate1h
			}
			pt.Status = p.obj.Policy.Status(rem, b1).String()
		}
		out = append(out, pt)
	}
	return out, nil
}

// cumulative holds a series' counts at one resolution as running totals, so
// that any range's sum is two lookups.
type cumulative struct {
	res   int64
	from  time.Time
	now   time.Time
	idx   []int64 // bucket indexes, ascending
	total []pair  // counts of buckets before idx[i], summed
	count []pair  // bucket idx[i]'s own counts
}

func (e *Engine) cumulative(ctx context.Context, id slo.Series, r store.Resolution, from, to, now time.Time) (*cumulative, error) {
	c := &cumulative{res: int64(time.Duration(r) / time.Second), from: r.Truncate(from), now: now}
	var run pair
	err := e.store.ScanSeries(ctx, r, id, c.from, to.Add(time.Duration(r)), func(o slo.Observation) error {
		c.idx = append(c.idx, floorDiv(o.Time.Unix(), c.res))
		c.total = append(c.total, run)
		c.count = append(c.count, pair{o.Good, o.Valid})
		run.add(pair{o.Good, o.Valid})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return c, nil
}

// at is the count of events before t, taking a bucket's events as spread
// evenly over it, except in the bucket holding now, whose events are all
// in the past.
func (c *cumulative) at(t time.Time) pair {
	b := floorDiv(t.Unix(), c.res)
	i := sort.Search(len(c.idx), func(i int) bool { return c.idx[i] >= b })
	if i == len(c.idx) {
		if i == 0 {
			return pair{}
		}
		last := c.total[i-1]
		last.add(c.count[i-1])
		return last
	}
	out := c.total[i]
	if c.idx[i] == b {
		f := phase(t, c.res)
		if b == floorDiv(c.now.Unix(), c.res) {
			f = 1
		}
		out.good += f * c.count[i].good
		out.valid += f * c.count[i].valid
	}
	return out
}

// between is the count in [from, to).
func (c *cumulative) between(from, to time.Time) pair {
	x := c.at(to)
	x.sub(c.at(from))
	return x
}
