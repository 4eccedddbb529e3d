package accesslog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/push"
	"github.com/slo-dev/slo/internal/store"
)

// Appender takes a batch of observations durably: the engine. A batch with
// an ID it has taken before changes nothing and reports duplicate true.
type Appender interface {
	Append(ctx context.Context, b store.Batch) (seq int64, duplicate bool, err error)
}

// Options configure a Source; the zero value of each field but StateDir
// takes its default.
type Options struct {
	// StateDir holds a position file per objective. Required.
	StateDir string
	// Now is the clock; time.Now by default. It dates health changes and
	// bounds the lines' times (MaxAge, MaxFuture).
	Now func() time.Time
	// Poll is how often Run looks for new lines: 1s.
	Poll time.Duration
	// BatchBytes bounds the bytes of one batch: 4 MiB.
	BatchBytes int
	// PollBytes bounds what one objective reads in one Poll, so that a
	// long backlog does not hold the others up: 64 MiB. Run polls again at
	// once while any objective has more.
	PollBytes int64
	// MaxLine is the longest line read: 64 KiB. Longer ones are malformed.
	MaxLine int
	// MaxAge and MaxFuture bound a line's time, as the push API bounds an
	// event's: 400 days back, 5 minutes ahead. Lines outside are skipped
	// and counted as out of range.
	MaxAge, MaxFuture time.Duration
	// Grace is how long a log's path may be missing while the file read
	// before it is still open (a rotation that has not created the new
	// file yet) before the objective is reported down: 1 minute.
	Grace time.Duration
	// Logger gets warnings: malformed lines with file:line, rotations,
	// missing files.
	Logger *slog.Logger
	// OnHealth, when set, is told of each objective's first health and of
	// every change of Health.Up. It is called from Poll.
	OnHealth func(key string, h Health)
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 4 << 20
	}
	if o.PollBytes <= 0 {
		o.PollBytes = 64 << 20
	}
	if o.MaxLine <= 0 {
		o.MaxLine = 64 << 10
	}
	// A batch must hold a whole line, or a line of MaxLine would never be
	// read.
	o.BatchBytes = max(o.BatchBytes, o.MaxLine+1)
	if o.MaxAge <= 0 {
		o.MaxAge = 400 * slo.Day
	}
	if o.MaxFuture <= 0 {
		o.MaxFuture = 5 * time.Minute
	}
	if o.Grace <= 0 {
		o.Grace = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Health is how reading one objective's log goes.
type Health struct {
	// Up is false while the log cannot be read.
	Up bool
	// Since is when Up last changed (or was first known).
	Since time.Time
	// Err is the last error while down.
	Err string
}

// Stat is what an objective's reading has done since the source began.
type Stat struct {
	Objective string
	// Path is the file read now (a rotated file while it is finished).
	Path string
	// Lines counts every line read; Counted, Ignored and Excluded split the
	// well-formed ones in range as push.Stats does, Malformed and OutOfRange
	// are the others.
	Lines, Counted, Ignored, Excluded, Malformed, OutOfRange int64
	// Batches counts the batches appended.
	Batches int64
	// Offset is the position in the file: the bytes counted.
	Offset int64
	Health Health
}

// Source tails the access logs of the objectives with accesslog SLIs and
// appends their counts. Poll and Run must not run at once; Stats may be
// called at any time.
type Source struct {
	opts    Options
	sink    Appender
	router  *push.Router
	tailers []*tailer

	mu    sync.Mutex
	stats map[string]*Stat
}

// Check reports the first accesslog SLI of services that no log can
// satisfy, naming its SLO: a customer field or a label that a combined line
// does not have.
func Check(services []slo.Service) error {
	_, err := targets(services)
	return err
}

// target is one objective to read.
type target struct {
	key, path, format string
	parser            *Parser
}

// targets lists the accesslog objectives of services, with their parsers.
// A relative path is taken from the spec file's directory, as a customer
// mapping file is.
func targets(services []slo.Service) ([]target, error) {
	var out []target
	for si := range services {
		svc := &services[si]
		for oi := range svc.Objectives {
			o := &svc.Objectives[oi]
			if o.SLI.Kind != slo.SourceAccessLog || o.SLI.Events == nil || o.SLI.Events.Log == nil {
				continue
			}
			e := o.SLI.Events
			p, err := NewParser(e.Log.Format, e)
			if err != nil {
				return nil, fmt.Errorf("%s: accesslog: %w", o.Key(), err)
			}
			for _, tt := range o.TierTargets {
				if tt.LatencyBelow > 0 {
					p.NeedsLatency()
				}
			}
			path := e.Log.Path
			if !filepath.IsAbs(path) && svc.File != "" {
				path = filepath.Join(filepath.Dir(svc.File), path)
			}
			out = append(out, target{key: o.Key(), path: path, format: e.Log.Format, parser: p})
		}
	}
	return out, nil
}

// New returns a source over the accesslog objectives of services, which
// appends to sink. It fails when an SLI cannot be read (see Check) or a
// state file cannot.
//
// The lines are classified by a push.Router, so they count exactly as the
// same requests pushed as events would: each accesslog SLI is handed to the
// router as an events SLI whose stream is its objective's key, and its
// lines are events of that stream.
func New(services []slo.Service, sink Appender, opts Options) (*Source, error) {
	opts.defaults()
	if opts.StateDir == "" {
		return nil, errors.New("accesslog: no state directory")
	}
	ts, err := targets(services)
	if err != nil {
		return nil, err
	}
	if len(ts) > 0 {
		if err := os.MkdirAll(opts.StateDir, 0o750); err != nil {
			return nil, fmt.Errorf("accesslog: %w", err)
		}
	}
	s := &Source{opts: opts, sink: sink, router: push.NewRouter(asEvents(services)), stats: map[string]*Stat{}}
	for _, t := range ts {
		tl, err := newTailer(s, t)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.tailers = append(s.tailers, tl)
		s.stats[t.key] = &Stat{Objective: t.key, Path: t.path}
	}
	return s, nil
}

// asEvents returns services with only their accesslog objectives, each
// turned into an events SLI reading the stream named by its key.
func asEvents(services []slo.Service) []slo.Service {
	var out []slo.Service
	for _, svc := range services {
		var objs []slo.Objective
		for _, o := range svc.Objectives {
			if o.SLI.Kind != slo.SourceAccessLog || o.SLI.Events == nil {
				continue
			}
			e := *o.SLI.Events
			e.Stream, e.Log = o.Key(), nil
			o.SLI = slo.SLI{Kind: slo.SourceEvents, Events: &e}
			objs = append(objs, o)
		}
		if len(objs) > 0 {
			svc.Objectives = objs
			out = append(out, svc)
		}
	}
	return out
}

// Keys lists the objectives the source reads.
func (s *Source) Keys() []string {
	out := make([]string, len(s.tailers))
	for i, t := range s.tailers {
		out[i] = t.key
	}
	return out
}

// Poll reads what each objective's log has gained and appends it. It tells
// whether some log has more than one Poll reads, and returns the errors of
// those it could not read or append; the others are read all the same.
func (s *Source) Poll(ctx context.Context) (more bool, err error) {
	var errs []error
	for _, t := range s.tailers {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		m, err := t.poll(ctx)
		more = more || m
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t.key, err))
		}
	}
	return more, errors.Join(errs...)
}

// Run polls until ctx ends, at once again while a log has more to read,
// else every Options.Poll. Errors are logged, and retried at the next
// poll. It closes the files when it returns.
func (s *Source) Run(ctx context.Context) error {
	defer s.Close()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		more, err := s.Poll(ctx)
		if err != nil && ctx.Err() == nil {
			s.opts.Logger.Error("access log source", "err", err)
		}
		if more {
			timer.Reset(0)
		} else {
			timer.Reset(s.opts.Poll)
		}
	}
}

// Close closes the files being read.
func (s *Source) Close() {
	for _, t := range s.tailers {
		t.close()
	}
}

// Stats returns what each objective's reading has done, in spec order.
func (s *Source) Stats() []Stat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Stat, 0, len(s.tailers))
	for _, t := range s.tailers {
		out = append(out, *s.stats[t.key])
	}
	return out
}

// update changes an objective's stats under the lock.
func (s *Source) update(key string, fn func(*Stat)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.stats[key])
}

// health records an objective's health and tells OnHealth of a change:
// up or down, or another error while down.
func (s *Source) health(key string, up bool, err string) {
	var changed bool
	var h Health
	s.update(key, func(st *Stat) {
		switch {
		case st.Health.Since.IsZero() || st.Health.Up != up:
			st.Health = Health{Up: up, Since: s.opts.Now(), Err: err}
			changed = true
		case !up && st.Health.Err != err:
			st.Health.Err = err
			changed = true
		}
		h = st.Health
	})
	if changed && s.opts.OnHealth != nil {
		s.opts.OnHealth(key, h)
	}
}
