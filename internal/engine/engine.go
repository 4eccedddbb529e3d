// Package engine evaluates every objective continuously: it keeps rolling
// sums of good and valid events per series and window, fed by ingested
// batches and rebuilt from the store on start, and each tick turns them into
// SLIs, budgets, burn rates and statuses.
package engine

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Options configure an engine; the zero value of each field takes its default.
type Options struct {
	// Now is the clock; time.Now by default. Every time the engine uses
	// comes from it, so that tests and replays hold the clock.
	Now func() time.Time
	// Tick is how often Run evaluates; 10s by default.
	Tick time.Duration
	// SnapshotEvery is how often Run records evaluations in the store; 5m
	// by default.
	SnapshotEvery time.Duration
	// CheckpointEvery is how often Run saves a checkpoint, which bounds how
	// much of the batch log a restart after a crash replays; 10m by default.
	CheckpointEvery time.Duration
	// FineRetention is how long the store keeps minute counts (the store's
	// own setting), so that History reads hours where minutes are gone;
	// store.DefaultRetention.Fine by default.
	FineRetention time.Duration
	// PruneEvery is how often Run prunes the store; 1h by default.
	PruneEvery time.Duration
	Logger     *slog.Logger
	// OnTick, when set, is told how long each tick took (for /metrics).
	OnTick func(time.Duration)
	// Alerter, when set, is told after every tick of Run of the
	// objectives whose alert conditions may hold.
	Alerter Alerter
	// OnTierChange, when set, is called after a customer's tier is set or
	// deleted through the engine: the push router classifies by tier where
	// a tier has its own latency threshold. Calls come one at a time, in
	// the order of the changes: the next change waits for the call to
	// return, so it may read the engine but not set or delete a tier.
	OnTierChange func()
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tick <= 0 {
		o.Tick = 10 * time.Second
	}
	if o.SnapshotEvery <= 0 {
		o.SnapshotEvery = 5 * time.Minute
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 10 * time.Minute
	}
	if o.FineRetention <= 0 {
		o.FineRetention = store.DefaultRetention.Fine
	}
	if o.PruneEvery <= 0 {
		o.PruneEvery = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Engine holds the state of every series. Its methods are safe for
// concurrent use.
type Engine struct {
	opts  Options
	store store.Store

	// ingest orders appends: a batch is applied in the order the store
	// logged it, so that the state always matches a prefix of the log.
	ingest sync.Mutex

	mu       sync.RWMutex
	services []slo.Service
	plans    map[string]*plan
	keys     []string // objective keys in spec order
	series   map[slo.Series]*series
	// list holds the series in creation order, for ticks: iterating a
	// slice is several times faster than a map at 100k series.
	list []*series
	// byPlan lists each objective's series, its total first.
	byPlan  map[string][]*series
	pending []slo.Observation // stamped after the last tick; applied when due
	// down holds the objectives whose source is down (SetSourceDown).
	down    map[string]*SourceDown
	lastSeq int64
	ticked  time.Time
	// tiers are the customer tiers set through the API (tier.go);
	// tierWrite orders their changes, so the store and memory agree.
	tiers     tiers
	tierWrite sync.Mutex
}

// New returns an engine over st for the services, with no state yet: call
// Load before use.
func New(st store.Store, services []slo.Service, opts Options) *Engine {
	opts.defaults()
	e := &Engine{opts: opts, store: st, down: map[string]*SourceDown{}}
	e.setServices(services, false)
	return e
}

// setServices plans every objective and, when fresh, starts every
// objective's total series empty. The caller holds mu or owns e.
func (e *Engine) setServices(services []slo.Service, fresh bool) {
	e.services = services
	e.plans = map[string]*plan{}
	e.keys = nil
	for i := range e.services {
		svc := &e.services[i]
		for j := range svc.Objectives {
			p := newPlan(svc, &svc.Objectives[j])
			p.down = e.down[p.key]
			p.assigned = e.tiers.of(svc.Name)
			e.plans[p.key] = p
			e.keys = append(e.keys, p.key)
		}
	}
	e.series = map[slo.Series]*series{}
	e.list = nil
	e.byPlan = map[string][]*series{}
	e.pending = nil
	if !fresh {
		return
	}
	for _, k := range e.keys {
		e.seriesFor(slo.Series{Objective: k}, e.opts.Now())
	}
}

// seriesFor returns the series' state, creating it; nil when its objective
// is not in the specs (data of a removed SLO stays in the store, unused).
func (e *Engine) seriesFor(id slo.Series, now time.Time) *series {
	if s, ok := e.series[id]; ok {
		return s
	}
	p, ok := e.plans[id.Objective]
	if !ok {
		return nil
	}
	s := newSeries(id, p, now)
	e.series[id] = s
	e.list = append(e.list, s)
	e.byPlan[id.Objective] = append(e.byPlan[id.Objective], s)
	return s
}

// resetObjective forgets every series of the objectives in keys and starts
// their totals afresh, for a state that could not be restored.
func (e *Engine) resetObjective(keys map[string]bool, now time.Time) {
	list := e.list[:0]
	for _, s := range e.list {
		if keys[s.id.Objective] {
			delete(e.series, s.id)
		} else {
			list = append(list, s)
		}
	}
	clear(e.list[len(list):])
	e.list = list
	for k := range keys {
		delete(e.byPlan, k)
		e.seriesFor(slo.Series{Objective: k}, now)
	}
}

// Append writes a batch to the store and, once it is durable, counts it.
// It is the sink of the push API and of the demo.
func (e *Engine) Append(ctx context.Context, b store.Batch) (int64, bool, error) {
	e.ingest.Lock()
	defer e.ingest.Unlock()
	seq, dup, err := e.store.Append(ctx, b)
	if err != nil || dup {
		return seq, dup, err
	}
	e.mu.Lock()
	e.apply(b.Observations)
	e.lastSeq = seq
	e.mu.Unlock()
	return seq, false, nil
}

// apply counts observations; those stamped after the last tick wait in
// pending, because the rings end at the tick. The caller holds mu.
func (e *Engine) apply(obs []slo.Observation) {
	now := e.ticked
	for _, o := range obs {
		s := e.seriesFor(o.Series, now)
		if s == nil {
			continue
		}
		if floorDiv(o.Time.Unix(), fineRes) > s.fine().head {
			e.pending = append(e.pending, o)
			continue
		}
		s.add(o.Time, pair{o.Good, o.Valid})
	}
}

// Evaluate runs one tick at the clock's time and returns the tick's time.
func (e *Engine) Evaluate() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.evaluate(e.opts.Now())
}

// evaluate ticks at now, or at the last tick if now is before it, and
// returns the tick's time.
func (e *Engine) evaluate(now time.Time) time.Time {
	if now.Before(e.ticked) {
		now = e.ticked // a clock stepped back does not rewind the rings
	}
	e.ticked = now
	e.retarget()
	if len(e.pending) > 0 {
		for _, s := range e.list {
			s.advance(now)
		}
		due := e.pending
		e.pending = nil
		e.apply(due)
	}
	for _, s := range e.list {
		s.evaluate(now)
	}
	return now
}

// Keys returns the objective keys in spec order.
func (e *Engine) Keys() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return append([]string(nil), e.keys...)
}

// Customers returns the customers of an objective that have a series, sorted.
func (e *Engine) Customers(key string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []string
	for _, s := range e.byPlan[key] {
		if s.id.Customer != "" {
			out = append(out, s.id.Customer)
		}
	}
	sort.Strings(out)
	return out
}

// Services returns the services the engine evaluates.
func (e *Engine) Services() []slo.Service {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.services
}

// LastSeq is the sequence of the newest batch the state includes.
func (e *Engine) LastSeq() int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.lastSeq
}
