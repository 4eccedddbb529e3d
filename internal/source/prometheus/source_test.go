package prometheus

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// fixture is a source over the fake Prometheus and sink, at clock D+30s:
// with the default 30s delay, minutes up to D are due (the one ending at D
// has its count at D-30s), and the next, whose count is at D+30s, is not.
type fixture struct {
	prom   *fakeProm
	sink   *sink
	clock  *clock
	logs   *logs
	health []Health
	hmu    sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	return &fixture{
		prom:  newFake(t, availability, count5m(validOf), count5m(badOf)),
		sink:  &sink{},
		clock: &clock{t: D.Add(30 * time.Second)},
		logs:  &logs{},
	}
}

// source starts a source over f's fakes, resuming from what the sink holds.
func (f *fixture) source(opts Options) *Source {
	opts.Now = f.clock.Now
	opts.Logger = f.logs.logger()
	opts.Last = f.sink.last
	if opts.MaxBackfill == 0 {
		opts.MaxBackfill = 2 * slo.Day
	}
	opts.OnHealth = func(k string, h Health) {
		f.hmu.Lock()
		defer f.hmu.Unlock()
		if k != key {
			panic("health of " + k)
		}
		f.health = append(f.health, h)
	}
	return New(f.prom, services(availability), f.sink, opts)
}

func (f *fixture) healthCalls() []Health {
	f.hmu.Lock()
	defer f.hmu.Unlock()
	return append([]Health(nil), f.health...)
}

func TestBackfillReadsTwoDaysInDayChunks(t *testing.T) {
	f := newFixture(t)
	s := f.source(Options{})
	if rounds := drain(t, s); rounds != 2 {
		t.Errorf("%d rounds, want 2: one chunk a round", rounds)
	}
	// The chunks are the minutes ending D-2d+1m..D-1d and D-1d+1m..D, each
	// minute's count taken 30s into it: 30s before its end.
	got := spans(t, f.prom.take())
	wantSpans := [][2]time.Time{{D.Add(-2*slo.Day + phase), D.Add(-slo.Day - phase)}, {D.Add(-slo.Day + phase), D.Add(-phase)}}
	if len(got) != 2 || got[0] != wantSpans[0] || got[1] != wantSpans[1] {
		t.Errorf("range queries %v, want %v", got, wantSpans)
	}
	sameObservations(t, f.sink.observations(t), want(D.Add(-2*slo.Day), D))
	// Batch IDs name the minutes' ends, as before the shift.
	batches := f.sink.Batches()
	if len(batches) != 2 || batches[0].ID != batchID(key, D.Add(-2*slo.Day+time.Minute), D.Add(-slo.Day)) ||
		batches[1].ID != batchID(key, D.Add(-slo.Day+time.Minute), D) {
		t.Errorf("batches %d, first id %q", len(batches), batches[0].ID)
	}
	log := f.logs.String()
	for _, w := range []string{
		`msg="prometheus backfill" objective=api/availability from=2025-03-08T00:00:00.000Z to=2025-03-09T00:00:00.000Z minutes=1440 observations=1440 progress=50%`,
		`progress=100% left=0s`,
		`msg="prometheus backfill done" objective=api/availability from=2025-03-08T00:00:00.000Z to=2025-03-10T00:00:00.000Z minutes=2880 observations=2880`,
	} {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %s\n%s", w, log)
		}
	}
	if strings.Contains(log, "per-customer") {
		t.Errorf("log mentions per-customer SLIs for an objective without them")
	}
	if h := s.Health()[key]; !h.Up || !h.LastRead.Equal(D) || !h.Since.Equal(f.clock.Now()) {
		t.Errorf("health %+v, want up, read to %s", h, D)
	}
	if _, ok := s.Health()["api/pushed"]; ok {
		t.Error("an events objective has a prometheus health")
	}
}

func TestRestartReadsNothingTwice(t *testing.T) {
	t.Run("after a finished backfill", func(t *testing.T) {
		f := newFixture(t)
		drain(t, f.source(Options{}))
		f.prom.take()
		s := f.source(Options{}) // a restart: the cursor comes from the sink
		drain(t, s)
		if calls := f.prom.take(); len(calls) != 0 {
			t.Errorf("a restart with nothing new read %v", calls)
		}
		f.clock.Set(D.Add(3*time.Minute + 30*time.Second))
		drain(t, s)
		if got := spans(t, f.prom.take()); len(got) != 1 || got[0] != [2]time.Time{D.Add(phase), D.Add(2*time.Minute + phase)} {
			t.Errorf("range queries %v, want the three new minutes", got)
		}
		sameObservations(t, f.sink.observations(t), want(D.Add(-2*slo.Day), D.Add(3*time.Minute)))
	})
	t.Run("in the middle of a backfill", func(t *testing.T) {
		f := newFixture(t)
		if !f.source(Options{}).Read(context.Background()) {
			t.Fatal("one chunk read, and no more to read?")
		}
		f.prom.take()
		drain(t, f.source(Options{}))
		if got := spans(t, f.prom.take()); len(got) != 1 || got[0] != [2]time.Time{D.Add(-slo.Day + phase), D.Add(-phase)} {
			t.Errorf("range queries %v, want the second day only", got)
		}
		sameObservations(t, f.sink.observations(t), want(D.Add(-2*slo.Day), D))
	})
}

// A minute m is read once its count, taken at m+30s, is Delay old: with
// the default delay of 30s, as the minute ends.
func TestLiveReadingWaitsForTheDelay(t *testing.T) {
	for _, tt := range []struct {
		name  string
		delay time.Duration // 0: the default
		due   time.Duration // the delay in force
	}{
		{name: "the default delay", due: 30 * time.Second},
		{name: "a delay of 90s", delay: 90 * time.Second, due: 90 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			// The minute ending at D, whose count is at D-30s, is just due.
			f.clock.Set(D.Add(-phase + tt.due))
			s := f.source(Options{Delay: tt.delay})
			drain(t, s)
			if got := spans(t, f.prom.take()); len(got) == 0 || !got[len(got)-1][1].Equal(D.Add(-phase)) {
				t.Errorf("range queries %v, want them to end with the minute ending at %s, at %s", got, D, D.Add(-phase))
			}
			// Minute D's count is at D+30s: it is due at D+30s+delay.
			f.clock.Set(D.Add(phase + tt.due - time.Nanosecond))
			drain(t, s)
			if calls := f.prom.take(); len(calls) != 0 {
				t.Errorf("read %v before the delay was over", calls)
			}
			f.clock.Set(D.Add(phase + tt.due))
			if s.Read(context.Background()) {
				t.Error("more to read after the one minute due")
			}
			if got := spans(t, f.prom.take()); len(got) != 1 || got[0] != [2]time.Time{D.Add(phase), D.Add(phase)} {
				t.Errorf("range queries %v, want one point at %s", got, D.Add(phase))
			}
			b := f.sink.Batches()
			if last := b[len(b)-1]; len(last.Observations) != 1 || last.Observations[0] != want(D, D.Add(time.Minute))[0] ||
				last.ID != "prometheus:api/availability:1741564860:1741564860" {
				t.Errorf("last batch %+v", last)
			}
			if h := s.Health()[key]; !h.LastRead.Equal(D.Add(time.Minute)) {
				t.Errorf("health %+v, want read to the minute's end %s", h, D.Add(time.Minute))
			}
			if !strings.Contains(f.logs.String(), `level=DEBUG msg="prometheus source: read" objective=api/availability`) {
				t.Error("a live read is not logged at debug level")
			}
		})
	}
}

func TestBackendDownIsVisibleAndTheGapIsBackfilled(t *testing.T) {
	f := newFixture(t)
	s := f.source(Options{})
	drain(t, s)
	f.prom.take()
	kept := len(f.sink.Batches())

	down := D.Add(5*time.Minute + 30*time.Second)
	f.clock.Set(down)
	f.prom.setErr(errors.New("dial tcp 127.0.0.1:9090: connection refused"))
	drain(t, s)
	h := s.Health()[key]
	if h.Up || !h.Since.Equal(down) || !strings.Contains(h.Err, "connection refused") || !h.LastRead.Equal(D) {
		t.Errorf("health %+v, want down since %s, read to %s", h, down, D)
	}
	f.clock.Set(down.Add(10 * time.Second)) // the first retry
	drain(t, s)
	f.clock.Set(down.Add(15 * time.Second)) // backing off: 20s now
	drain(t, s)
	if n := len(f.prom.take()); n != 2 {
		t.Errorf("%d queries while down, want 2: one try and one retry, each failing on its first query", n)
	}
	if hs := f.healthCalls(); len(hs) != 2 || !hs[0].Up || hs[1].Up {
		t.Errorf("OnHealth calls %+v, want up then down", hs)
	}
	if len(f.sink.Batches()) != kept {
		t.Error("appended while the backend was down")
	}

	back := D.Add(20*time.Minute + 30*time.Second)
	f.clock.Set(back)
	f.prom.setErr(nil)
	drain(t, s)
	if got := spans(t, f.prom.take()); len(got) != 1 || got[0] != [2]time.Time{D.Add(phase), D.Add(19*time.Minute + phase)} {
		t.Errorf("range queries %v, want the gap in one", got)
	}
	sameObservations(t, f.sink.observations(t), want(D.Add(-2*slo.Day), D.Add(20*time.Minute)))
	hs := f.healthCalls()
	if len(hs) != 3 || !hs[2].Up || !hs[2].Since.Equal(back) || hs[2].Err != "" || !hs[2].LastRead.Equal(D.Add(20*time.Minute)) {
		t.Errorf("OnHealth calls %+v, want up again at %s", hs, back)
	}
	log := f.logs.String()
	for _, w := range []string{`msg="prometheus source down: the objective's counts are not read" objective=api/availability err="dial tcp`,
		`msg="prometheus source up again" objective=api/availability down_for=15m0s`, `msg="prometheus backfill done"`} {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %s", w)
		}
	}
}

func TestCountsMissingOrSplit(t *testing.T) {
	everyOther := func(t time.Time) bool { return t.Unix()/60%2 == 0 }
	tests := []struct {
		name       string
		valid, bad func(time.Time) (float64, bool)
		split      bool
		want       func(m time.Time) (good, valid float64, ok bool)
	}{
		{
			name:  "absent bad counts as no bad events",
			valid: count5m(validOf),
			bad:   func(time.Time) (float64, bool) { return 0, false },
			want: func(m time.Time) (float64, float64, bool) {
				v, _ := count5m(validOf)(m.Add(phase))
				return v / 5, v / 5, true
			},
		},
		{
			name: "absent valid is no data, whatever bad says",
			valid: func(t time.Time) (float64, bool) {
				v, _ := count5m(validOf)(t)
				return v, everyOther(t)
			},
			bad: count5m(badOf),
			want: func(m time.Time) (float64, float64, bool) {
				w := want(m, m.Add(time.Minute))[0]
				return w.Good, w.Valid, everyOther(m.Add(phase))
			},
		},
		{
			name:  "several series are summed",
			valid: count5m(validOf), bad: count5m(badOf), split: true,
			want: func(m time.Time) (float64, float64, bool) {
				w := want(m, m.Add(time.Minute))[0]
				return w.Good, w.Valid, true
			},
		},
		{
			name:  "zero events is data: a quiet minute",
			valid: func(time.Time) (float64, bool) { return 0, true },
			bad:   func(time.Time) (float64, bool) { return 0, true },
			want:  func(time.Time) (float64, float64, bool) { return 0, 0, true },
		},
		{
			name:  "bad above valid, from extrapolation, clamps good to 0",
			valid: func(time.Time) (float64, bool) { return 10, true },
			bad:   func(time.Time) (float64, bool) { return 10.5, true },
			want:  func(time.Time) (float64, float64, bool) { return 0, 2, true },
		},
		{
			name:  "a NaN or infinite valid count is left out",
			valid: func(t time.Time) (float64, bool) { return [2]float64{math.NaN(), math.Inf(1)}[t.Unix()/60%2], true },
			bad:   func(time.Time) (float64, bool) { return 0, true },
			want:  func(time.Time) (float64, float64, bool) { return 0, 0, false },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.prom = newFake(t, availability, tt.valid, tt.bad)
			f.prom.split = tt.split
			drain(t, f.source(Options{MaxBackfill: 10 * time.Minute}))
			var exp []slo.Observation
			for m := D.Add(-10 * time.Minute); m.Before(D); m = m.Add(time.Minute) {
				if g, v, ok := tt.want(m); ok {
					exp = append(exp, slo.Observation{Series: slo.Series{Objective: key}, Time: m, Good: g, Valid: v})
				}
			}
			sameObservations(t, f.sink.observations(t), exp)
		})
	}
}

func TestARetriedAppendKeepsItsBatchID(t *testing.T) {
	for _, tt := range []struct {
		name                  string
		failBefore, failAfter int
	}{
		{name: "the sink failed before keeping the batch", failBefore: 1},
		{name: "the sink kept the batch and failed to answer", failAfter: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.sink.failBefore, f.sink.failAfter = tt.failBefore, tt.failAfter
			s := f.source(Options{MaxBackfill: time.Hour})
			drain(t, s)
			if h := s.Health()[key]; !h.Up || !h.LastRead.IsZero() {
				t.Errorf("health %+v: want up (the backend answered), nothing read yet", h)
			}
			f.prom.take()
			f.clock.Set(D.Add(2*time.Minute + 30*time.Second)) // two more minutes due
			drain(t, s)
			first := batchID(key, D.Add(-time.Hour+time.Minute), D)
			next := batchID(key, D.Add(time.Minute), D.Add(2*time.Minute))
			if got := f.sink.attempts; len(got) != 3 || got[0] != first || got[1] != first || got[2] != next {
				t.Errorf("appends %q, want %s twice, then %s", got, first, next)
			}
			if got := spans(t, f.prom.take()); len(got) != 1 || got[0] != [2]time.Time{D.Add(phase), D.Add(time.Minute + phase)} {
				t.Errorf("range queries %v: the failed batch must not be read again", got)
			}
			sameObservations(t, f.sink.observations(t), want(D.Add(-time.Hour), D.Add(2*time.Minute)))
			if !strings.Contains(f.logs.String(), "appending counts failed; the same batch is retried") {
				t.Error("the failed append is not logged")
			}
		})
	}
}

func TestAtMostMaxBackfillIsRead(t *testing.T) {
	f := newFixture(t)
	s := f.source(Options{MaxBackfill: 3 * time.Hour})
	s.opts.Last = func(context.Context, string, time.Time) (time.Time, error) { return D.Add(-40 * slo.Day), nil }
	drain(t, s)
	if got := spans(t, f.prom.take()); len(got) != 1 || got[0] != [2]time.Time{D.Add(-3*time.Hour + phase), D.Add(-phase)} {
		t.Errorf("range queries %v, want the last 3h", got)
	}
	if !strings.Contains(f.logs.String(), "minutes older than the maximum backfill are left unread") {
		t.Error("the skipped minutes are not logged")
	}
}

func TestAnObjectiveWhoseQueriesCannotBeMadeIsDown(t *testing.T) {
	f := newFixture(t)
	ps := &slo.PromSLI{Total: `sum(irate(x[{{.window}}]))`, Bad: `sum(rate(y[{{.window}}]))`, CustomerLabel: "tenant"}
	s := New(f.prom, services(ps), f.sink, Options{Now: f.clock.Now, Logger: f.logs.logger(),
		OnHealth: func(string, Health) { f.health = append(f.health, Health{}) }})
	drain(t, s)
	drain(t, s)
	if h := s.Health()[key]; h.Up || !strings.Contains(h.Err, "irate") {
		t.Errorf("health %+v, want down for irate", h)
	}
	if len(f.health) != 1 || len(f.prom.take()) != 0 {
		t.Errorf("OnHealth called %d times, want once, and no query", len(f.health))
	}
}

func TestMaintenanceWindowsLeaveTheirMinutesOut(t *testing.T) {
	f := newFixture(t)
	svcs := services(availability)
	svcs[0].Objectives[0].Exclusions = []slo.Maintenance{{Start: D.Add(-30 * time.Minute), Duration: 10 * time.Minute}}
	s := New(f.prom, svcs, f.sink, Options{Now: f.clock.Now, MaxBackfill: time.Hour})
	drain(t, s)
	exp := append(want(D.Add(-time.Hour), D.Add(-30*time.Minute)), want(D.Add(-20*time.Minute), D)...)
	sameObservations(t, f.sink.observations(t), exp)
}

func TestDefaults(t *testing.T) {
	svcs := services(availability)
	svcs[0].Objectives[0].Window = slo.CalendarWindow(slo.CalendarQuarter)
	s := New(&fakeProm{}, svcs, &sink{}, Options{Chunk: 90 * time.Second})
	o := s.opts
	if o.MaxBackfill != 90*slo.Day || o.Chunk != time.Minute || o.Delay != 30*time.Second || o.Poll != 10*time.Second {
		t.Errorf("options %+v", o)
	}
	if len(s.objs) != 1 {
		t.Errorf("%d objectives read, want the prometheus one", len(s.objs))
	}
}
