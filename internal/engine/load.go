package engine

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Load rebuilds the state from the store: from the checkpoint and the
// batches logged after it where it can, else, per objective, from the hour
// buckets of its window and the minute buckets of the last fineSpan. It then
// evaluates once, so the engine answers as soon as it returns.
func (e *Engine) Load(ctx context.Context) error {
	e.ingest.Lock()
	defer e.ingest.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.load(ctx)
}

func (e *Engine) load(ctx context.Context) error {
	began := time.Now()
	now := e.opts.Now()
	seq, err := e.store.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("engine load: %w", err)
	}
	if err := e.loadTiers(ctx); err != nil {
		return err
	}
	// The series start empty: restore makes those the checkpoint holds and
	// resetObjective the totals of the rest, so none is made twice.
	e.setServices(e.services, false)
	e.ticked = now
	restored, err := e.restore(ctx, now)
	if err != nil {
		return err
	}
	fromRows := map[string]bool{}
	for _, k := range e.keys {
		if !restored[k] {
			fromRows[k] = true
		}
	}
	e.resetObjective(fromRows, now)
	for _, k := range e.keys { // a checkpoint without an objective's total
		e.seriesFor(slo.Series{Objective: k}, now)
	}
	rows, err := e.loadRows(ctx, now, fromRows)
	if err != nil {
		return err
	}
	e.lastSeq = seq
	e.evaluate(now)
	e.opts.Logger.Info("engine state rebuilt", "series", len(e.series), "from_checkpoint", len(restored),
		"from_rows", len(fromRows), "rows", rows, "seq", seq, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// restore loads the checkpoint and replays the batches after it. It returns
// the objectives it restored; the others are for loadRows. A checkpoint
// that cannot be read is logged and ignored: the buckets hold everything.
func (e *Engine) restore(ctx context.Context, now time.Time) (map[string]bool, error) {
	restored, broken := map[string]bool{}, map[string]bool{}
	var pending []slo.Observation
	// Decoding is most of a restore's work and each series is its own, so
	// it runs on every core while this goroutine reads the store.
	type job struct {
		s *series
		b *[]byte
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	bufs := sync.Pool{New: func() any { return new([]byte) }}
	jobs := make(chan job, 1024)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p, err := j.s.decode(*j.b)
				bufs.Put(j.b)
				mu.Lock()
				if err != nil {
					e.opts.Logger.Warn("checkpoint state not used; summing the stored buckets", "series", j.s.id.String(), "reason", err)
					broken[j.s.id.Objective] = true
				} else {
					restored[j.s.id.Objective] = true
					pending = append(pending, p...)
				}
				mu.Unlock()
			}
		}()
	}
	ckpt, err := e.store.LoadCheckpoint(ctx, func(id slo.Series, b []byte) error {
		if s := e.seriesFor(id, now); s != nil {
			buf := bufs.Get().(*[]byte)
			*buf = append((*buf)[:0], b...) // the store may reuse b
			jobs <- job{s, buf}
		}
		return nil
	})
	close(jobs)
	wg.Wait()
	if err != nil {
		e.opts.Logger.Warn("checkpoint not loaded; summing the stored buckets", "err", err)
		return map[string]bool{}, nil
	}
	for k := range broken {
		delete(restored, k)
	}
	keep := func(obs []slo.Observation) []slo.Observation {
		out := obs[:0:0]
		for _, o := range obs {
			if restored[o.Series.Objective] {
				out = append(out, o)
			}
		}
		return out
	}
	e.apply(keep(pending))
	err = e.store.Replay(ctx, ckpt, func(_ int64, obs []slo.Observation) error {
		e.apply(keep(obs))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine load: replaying the batch log: %w", err)
	}
	return restored, nil
}

// loadRows sums the stored buckets of the objectives in keys.
func (e *Engine) loadRows(ctx context.Context, now time.Time, keys map[string]bool) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	from := now.Add(-3 * slo.Day)
	for k := range keys {
		p := e.plans[k]
		start, _ := p.obj.Window.Bounds(now)
		// The window's oldest bucket, partly inside it, starts before it.
		res := p.res[ringSLO]
		start = time.Unix(floorDiv(start.Unix(), res)*res, 0)
		from = minTime(from, start)
	}
	// Hour buckets before the current hour come from the coarse rows; the
	// current hour is summed from its minutes, which may run a few minutes
	// ahead of now and then wait in pending like any early observation.
	hour := store.Coarse.Truncate(now)
	rows := 0
	err := e.store.Scan(ctx, store.Coarse, store.Coarse.Truncate(from), hour, func(o slo.Observation) error {
		if !keys[o.Series.Objective] {
			return nil
		}
		rows++
		e.seriesFor(o.Series, now).addCoarse(o.Time, pair{o.Good, o.Valid})
		return nil
	})
	if err != nil {
		return rows, fmt.Errorf("engine load: hour buckets: %w", err)
	}
	err = e.store.Scan(ctx, store.Fine, now.Add(-fineSpan-time.Hour), farFuture, func(o slo.Observation) error {
		if !keys[o.Series.Objective] {
			return nil
		}
		rows++
		s := e.seriesFor(o.Series, now)
		switch {
		case o.Time.Before(hour):
			s.fine().add(floorDiv(o.Time.Unix(), fineRes), pair{o.Good, o.Valid})
		case floorDiv(o.Time.Unix(), fineRes) > s.fine().head:
			e.pending = append(e.pending, o)
		default:
			s.add(o.Time, pair{o.Good, o.Valid})
		}
		return nil
	})
	if err != nil {
		return rows, fmt.Errorf("engine load: minute buckets: %w", err)
	}
	return rows, nil
}

// farFuture bounds scans that read to the newest bucket.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

func minTime(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.Before(m) {
			m = t
		}
	}
	return m
}

// Reload replaces the services and rebuilds the state from the store, which
// holds every count: nothing ingested is lost, and objectives whose window
// or tiers changed are summed afresh.
func (e *Engine) Reload(ctx context.Context, services []slo.Service) error {
	e.ingest.Lock()
	defer e.ingest.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	// load builds new maps and series and leaves the old ones alone, so
	// keeping the fields is enough to put the old state back on failure.
	old := state{e.services, e.plans, e.keys, e.series, e.list, e.byPlan, e.pending, e.lastSeq, e.ticked}
	e.services = services
	if err := e.load(ctx); err != nil {
		e.services, e.plans, e.keys, e.series, e.list = old.services, old.plans, old.keys, old.series, old.list
		e.byPlan, e.pending, e.lastSeq, e.ticked = old.byPlan, old.pending, old.lastSeq, old.ticked
		return err
	}
	return nil
}

// state is what load replaces.
type state struct {
	services []slo.Service
	plans    map[string]*plan
	keys     []string
	series   map[slo.Series]*series
	list     []*series
	byPlan   map[string][]*series
	pending  []slo.Observation
	lastSeq  int64
	ticked   time.Time
}
