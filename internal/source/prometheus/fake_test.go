package prometheus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/push/pushtest"
	"github.com/slo-dev/slo/internal/store"
)

// D is midnight, the "now" most tests read up to.
var D = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

const key = "api/availability"

// availability is a prometheus objective, beside one of another kind that
// the source must leave alone.
func services(ps *slo.PromSLI) []slo.Service {
	return []slo.Service{{Name: "api", Objectives: []slo.Objective{
		{Service: "api", Name: "availability", Target: 0.999, Window: slo.RollingWindow(30 * slo.Day),
			SLI: slo.SLI{Kind: slo.SourcePrometheus, Prometheus: ps}},
		{Service: "api", Name: "pushed", Target: 0.99, Window: slo.RollingWindow(30 * slo.Day),
			SLI: slo.SLI{Kind: slo.SourceEvents, Events: &slo.EventSLI{Stream: "api"}}},
	}}}
}

var availability = &slo.PromSLI{
	Total: `sum(rate(http_requests_total{job="api"}[{{.window}}]))`,
	Bad:   `sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))`,
}

// events is the known per-minute count function of the tests: the valid
// and bad events in the minute starting at m.
func events(m time.Time) (valid, bad float64) {
	i := m.Unix() / 60
	return float64(100 + 10*(i%7)), float64(i % 3)
}

// phase is where in a minute the source takes its counts (promsli.Phase),
// written out so that the tests pin it: minute m's count is at m+30s.
const phase = 30 * time.Second

// count5m is what increase over 5m at t gives for a per-minute function
// counted by a counter scraped on the minute: the events of the five
// minutes before the newest minute mark at or before t. At m+30s, the
// source's time for minute m, that is the minutes [m-5m, m).
func count5m(per func(time.Time) float64) func(time.Time) (float64, bool) {
	return func(t time.Time) (float64, bool) {
		mark := t.Truncate(time.Minute)
		n := 0.0
		for k := 1; k <= 5; k++ {
			n += per(mark.Add(-time.Duration(k) * time.Minute))
		}
		return n, true
	}
}

func validOf(m time.Time) float64 { v, _ := events(m); return v }
func badOf(m time.Time) float64   { _, b := events(m); return b }

// want is what the source must append for the minutes [from, to): each
// minute m gets the counts at m+30s divided by five.
func want(from, to time.Time) []slo.Observation {
	var out []slo.Observation
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		t := m.Add(phase)
		v, _ := count5m(validOf)(t)
		b, _ := count5m(badOf)(t)
		out = append(out, slo.Observation{Series: slo.Series{Objective: key}, Time: m, Valid: v / 5, Good: (v - b) / 5})
	}
	return out
}

// fakeProm answers range queries of known expressions from functions of
// the evaluation time (ok false: no sample), and records every call. Like
// the source's counts, its answers are at phase into a minute: a range
// that starts or ends elsewhere is an error.
type fakeProm struct {
	mu    sync.Mutex
	exprs map[string]func(time.Time) (float64, bool)
	split bool // answer each expression as two series, a quarter and the rest
	err   error
	calls []call
}

type call struct {
	expr       string
	start, end time.Time
	step       time.Duration
}

// newFake answers the objective's valid and bad queries with valid and bad.
func newFake(t *testing.T, ps *slo.PromSLI, valid, bad func(time.Time) (float64, bool)) *fakeProm {
	t.Helper()
	q, err := promsli.For(ps, promsli.Step)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeProm{exprs: map[string]func(time.Time) (float64, bool){q.Valid.String(): valid, q.Bad.String(): bad}}
}

func (f *fakeProm) Query(context.Context, string, time.Time) (Vector, error) {
	return nil, errors.New("fake: instant queries are not used")
}

func (f *fakeProm) QueryRange(_ context.Context, expr string, start, end time.Time, step time.Duration) (Matrix, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{expr, start, end, step})
	if f.err != nil {
		return nil, f.err
	}
	if start.Sub(start.Truncate(time.Minute)) != phase || end.Sub(end.Truncate(time.Minute)) != phase {
		return nil, fmt.Errorf("fake: range %s to %s is not at %s into a minute", start, end, phase)
	}
	fn, ok := f.exprs[expr]
	if !ok {
		return nil, fmt.Errorf("fake: unknown query %s", expr)
	}
	var a, b []Point
	for t := start; !t.After(end); t = t.Add(step) {
		if v, ok := fn(t); ok {
			if !f.split {
				a = append(a, Point{t, v})
				continue
			}
			a, b = append(a, Point{t, v / 4}), append(b, Point{t, v - v/4})
		}
	}
	var m Matrix
	for i, ps := range [][]Point{a, b} {
		if len(ps) > 0 {
			m = append(m, Series{Metric: map[string]string{"i": fmt.Sprint(i)}, Points: ps})
		}
	}
	return m, nil
}

func (f *fakeProm) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// take returns the calls since the last take.
func (f *fakeProm) take() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// spans are the calls' ranges, one per pair of valid and bad queries;
// it fails the test when a pair's ranges differ.
func spans(t *testing.T, calls []call) [][2]time.Time {
	t.Helper()
	if len(calls)%2 != 0 {
		t.Fatalf("%d calls, want pairs of valid and bad: %v", len(calls), calls)
	}
	var out [][2]time.Time
	for i := 0; i < len(calls); i += 2 {
		a, b := calls[i], calls[i+1]
		if !a.start.Equal(b.start) || !a.end.Equal(b.end) || a.step != time.Minute || b.step != time.Minute {
			t.Fatalf("a pair of calls differs or steps other than 1m: %v %v", a, b)
		}
		out = append(out, [2]time.Time{a.start, a.end})
	}
	return out
}

// sink is the engine: pushtest.Sink, which deduplicates batch ids, plus
// failures before or after keeping a batch, and a record of every ID
// appended, attempts included.
type sink struct {
	pushtest.Sink
	mu                    sync.Mutex
	failBefore, failAfter int
	attempts              []string
}

func (s *sink) Append(ctx context.Context, b store.Batch) (int64, bool, error) {
	s.mu.Lock()
	s.attempts = append(s.attempts, b.ID)
	before, after := s.failBefore > 0, s.failAfter > 0 && s.failBefore == 0
	if before {
		s.failBefore--
	} else if after {
		s.failAfter--
	}
	s.mu.Unlock()
	if before {
		return 0, false, errors.New("disk full")
	}
	seq, dup, err := s.Sink.Append(ctx, b)
	if after {
		return 0, false, errors.New("connection reset after the commit")
	}
	return seq, dup, err
}

// observations are the kept observations, sorted by time; the test fails
// when a minute was appended twice.
func (s *sink) observations(t *testing.T) []slo.Observation {
	t.Helper()
	var out []slo.Observation
	seen := map[time.Time]bool{}
	for _, b := range s.Batches() {
		for _, o := range b.Observations {
			if seen[o.Time] {
				t.Fatalf("minute %s appended twice", o.Time)
			}
			seen[o.Time] = true
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// last is a LastFunc over the kept batches.
func (s *sink) last(_ context.Context, k string, since time.Time) (time.Time, error) {
	var last time.Time
	for _, b := range s.Batches() {
		for _, o := range b.Observations {
			if o.Series.Objective == k && !o.Time.Before(since) && o.Time.After(last) {
				last = o.Time
			}
		}
	}
	return last, nil
}

func sameObservations(t *testing.T, got, want []slo.Observation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d observations, want %d (first got %v, want %v)", len(got), len(want), first(got), first(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("observation %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func first(obs []slo.Observation) any {
	if len(obs) == 0 {
		return nil
	}
	return obs[0]
}

// clock is a fake clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// logs collects a logger's output, safe for concurrent use.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// drain reads until nothing is left to read now, and returns the rounds.
func drain(t *testing.T, s *Source) int {
	t.Helper()
	for n := 1; n < 100; n++ {
		if !s.Read(context.Background()) {
			return n
		}
	}
	t.Fatal("Read has more to read after 100 rounds")
	return 0
}
