package prometheus

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Querier runs PromQL: the Client, or a fake in tests.
type Querier interface {
	Query(ctx context.Context, expr string, at time.Time) (Vector, error)
	QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) (Matrix, error)
}

// Appender takes a batch of observations durably: the engine. A batch with
// an ID it has taken before changes nothing and reports duplicate true.
type Appender interface {
	Append(ctx context.Context, b store.Batch) (seq int64, duplicate bool, err error)
}

// LastFunc says up to when an objective's counts are stored: the time of
// the newest stored observation of its total series at or after since (a
// minute bucket's start), zero when there is none. StoreLast asks a store.
type LastFunc func(ctx context.Context, key string, since time.Time) (time.Time, error)

// Options configure a Source; the zero value of each field takes its
// default.
type Options struct {
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Poll is how often Run looks for minutes to read: 10s.
	Poll time.Duration
	// Delay is how long after its count is taken a minute is read: minute
	// m's count is taken at m+30s (promsli.Phase), and read from m+30s+Delay
	// on, because the newest scrape (or a remote write, or a rule's
	// evaluation) may not have landed yet: 30s, so that a minute is read as
	// it ends.
	Delay time.Duration
	// MaxBackfill bounds how far back a start or a gap is read: the longest
	// window of the objectives read (30 days for most).
	MaxBackfill time.Duration
	// Chunk is the span of one range query: 1 day, 1440 points of a minute,
	// well under Prometheus's 11000 points a series. Chunks end on multiples
	// of Chunk, so that with a Chunk of whole hours a backfilled hour is
	// whole (see StoreLast).
	Chunk time.Duration
	// Parallel is how many objectives are read at once: 4.
	Parallel int
	// Last says where each objective resumes; without it every start
	// reads MaxBackfill anew, which the dedup of batch IDs does not cover.
	Last   LastFunc
	Logger *slog.Logger
	// OnHealth, when set, is told of each objective's first health and of
	// every change of Health.Up. Read calls it outside any lock, and for
	// different objectives possibly at once.
	OnHealth func(key string, h Health)
}

func (o *Options) defaults(longest time.Duration) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Second
	}
	if o.Delay <= 0 {
		o.Delay = 30 * time.Second
	}
	if o.MaxBackfill <= 0 {
		o.MaxBackfill = longest
	}
	if o.MaxBackfill <= 0 {
		o.MaxBackfill = 30 * slo.Day
	}
	o.Chunk = o.Chunk.Truncate(promsli.Every)
	if o.Chunk <= 0 {
		o.Chunk = slo.Day
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// maxBackoff caps the wait between retries of a failing objective.
const maxBackoff = 2 * time.Minute

// Health is how reading one objective goes.
type Health struct {
	// Up is false while its queries fail.
	Up bool
	// Since is when Up last changed (or was first known).
	Since time.Time
	// Err is the last error while down.
	Err string
	// LastRead is the end of the newest minute read: the counts are
	// complete up to it.
	LastRead time.Time
}

// Source reads the objectives measured in Prometheus and appends their
// counts. Its methods are safe for concurrent use; Reads take turns.
type Source struct {
	q    Querier
	sink Appender
	opts Options
	objs []*objective

	round sync.Mutex // one Read at a time

	mu     sync.Mutex
	health map[string]Health
}

// New returns a source that reads, with q, the objectives of services whose
// SLI is of the prometheus kind, and appends to sink.
func New(q Querier, services []slo.Service, sink Appender, opts Options) *Source {
	s := &Source{q: q, sink: sink, health: map[string]Health{}}
	var longest time.Duration
	for i := range services {
		for j := range services[i].Objectives {
			o := &services[i].Objectives[j]
			if o.SLI.Kind != slo.SourcePrometheus {
				continue
			}
			ob := &objective{key: o.Key(), obj: o}
			if ps := o.SLI.Prometheus; ps == nil {
				ob.broken = fmt.Errorf("%s: no prometheus queries", ob.key)
			} else if q, err := promsli.For(ps, promsli.Step); err != nil {
				ob.broken = fmt.Errorf("%s: prometheus queries: %w", ob.key, err)
			} else if ps.CustomerLabel == "" {
				ob.valid, ob.bad = q.Valid.String(), q.Bad.String()
			} else if ob.valid, ob.bad, err = perCustomer(q, ps.CustomerLabel); err != nil {
				ob.broken = fmt.Errorf("%s: prometheus queries: %w", ob.key, err)
			} else {
				ob.label = ps.CustomerLabel
			}
			s.objs = append(s.objs, ob)
			longest = max(longest, o.Window.Nominal())
		}
	}
	opts.defaults(longest)
	s.opts = opts
	return s
}

// Run reads every Poll until ctx is done, and at once again while a
// backfill has more to read. It returns nil when ctx is done.
func (s *Source) Run(ctx context.Context) error {
	s.opts.Logger.Info("prometheus source started", "objectives", len(s.objs), "delay", s.opts.Delay,
		"max_backfill", slo.FormatDuration(s.opts.MaxBackfill), "chunk", slo.FormatDuration(s.opts.Chunk))
	for {
		more := s.Read(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if more {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.opts.Poll):
		}
	}
}

// Read does one round at the clock's time: every objective that has
// complete minutes not yet read, and is not waiting to retry, reads at most
// one chunk of them. It reports whether an objective has more to read now.
func (s *Source) Read(ctx context.Context) bool {
	s.round.Lock()
	defer s.round.Unlock()
	now := s.opts.Now()
	target := s.target(now)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		more bool
	)
	sem := make(chan struct{}, s.opts.Parallel)
	for _, o := range s.objs {
		if !o.due(now, target) {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if s.pull(ctx, o, now) {
				mu.Lock()
				more = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return more
}

// target is the end of the newest minute due at now: the one whose count,
// taken shift before that end, was Delay ago.
func (s *Source) target(now time.Time) time.Time {
	return now.Add(-s.opts.Delay + shift).Truncate(promsli.Every)
}

// shift is how long before the end of its minute a minute's count is
// taken: at promsli.Phase into the minute. Cursors and batches stay in
// minute ends; only the queries' times are shifted.
const shift = promsli.Every - promsli.Phase

// Health returns each objective's health by key; an objective not read yet
// is missing.
func (s *Source) Health() map[string]Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.health)
}

// report records the outcome of a query of o: up (err nil) or down. It
// tells OnHealth and the log when Up changes.
func (s *Source) report(o *objective, now time.Time, err error) {
	s.mu.Lock()
	was, known := s.health[o.key]
	h := was
	h.Up, h.Err = err == nil, ""
	if err != nil {
		h.Err = err.Error()
	} else {
		h.LastRead = o.read
	}
	changed := !known || was.Up != h.Up
	if changed {
		h.Since = now
	}
	s.health[o.key] = h
	s.mu.Unlock()
	log := s.opts.Logger
	switch {
	case changed && !h.Up:
		log.Warn("prometheus source down: the objective's counts are not read", "objective", o.key, "err", err)
	case changed && known:
		log.Info("prometheus source up again", "objective", o.key, "down_for", now.Sub(was.Since))
	case !h.Up:
		log.Debug("prometheus query failed again", "objective", o.key, "err", err, "retry_at", o.retryAt)
	}
	if changed && s.opts.OnHealth != nil {
		s.opts.OnHealth(o.key, h)
	}
}

// backoff schedules o's next try after a failure: Poll, doubling with each
// failure in a row, up to maxBackoff.
func (s *Source) backoff(o *objective, now time.Time) {
	o.fails++
	d := s.opts.Poll << min(o.fails-1, 16)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	o.retryAt = now.Add(d)
}
