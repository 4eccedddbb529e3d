package prometheus

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/source/prometheus/promtest"
)

// counters writes, as OpenMetrics, two counters of job api scraped every
// 10s over [from, to]: code 200 gains 9 a scrape and code 500 gains 1, so
// 60 requests a minute of which 6 fail.
func counters(from, to time.Time) string {
	var b strings.Builder
	b.WriteString("# TYPE http_requests counter\n")
	for _, c := range []struct {
		code string
		per  int
	}{{"200", 9}, {"500", 1}} {
		n := 0
		for t := from; !t.After(to); t = t.Add(10 * time.Second) {
			fmt.Fprintf(&b, "http_requests_total{code=%q,job=\"api\"} %d %d\n", c.code, n, t.Unix())
			n += c.per
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// onTheMinute writes, as OpenMetrics, the counters of job api scraped on
// the minute over [from, to], whose rate changes at the minute mark
// change: before it code 200 gains 90 a minute and code 500 10 (100
// requests, 10 failing), from it on 396 and 4 (400, 4 failing). They start
// high, so that no increase is cut short where Prometheus extrapolates
// towards a counter's zero.
func onTheMinute(from, change, to time.Time) string {
	var b strings.Builder
	b.WriteString("# TYPE http_requests counter\n")
	for _, c := range []struct {
		code          string
		before, after int
	}{{"200", 90, 396}, {"500", 10, 4}} {
		n := 1_000_000
		for t := from; !t.After(to); t = t.Add(time.Minute) {
			fmt.Fprintf(&b, "http_requests_total{code=%q,job=\"api\"} %d %d\n", c.code, n, t.Unix())
			if t.Before(change) {
				n += c.before
			} else {
				n += c.after
			}
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// live makes a client for the server's current address, which a restart
// may change.
type live struct{ srv *promtest.Server }

func (l live) client() *Client {
	c, err := NewClient(Config{URL: l.srv.URL(), Timeout: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	return c
}

func (l live) Query(ctx context.Context, expr string, at time.Time) (Vector, error) {
	return l.client().Query(ctx, expr, at)
}

func (l live) QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) (Matrix, error) {
	return l.client().QueryRange(ctx, expr, start, end, step)
}

// Against a real Prometheus: the counts the source reads are the events
// of each minute, a backend stopped is down, and the gap is read when it
// is back.
func TestRealPrometheus(t *testing.T) {
	start := D.Add(-3 * time.Hour)
	dir := t.TempDir()
	promtest.WriteOpenMetrics(t, dir, counters(start, D.Add(time.Hour)))
	srv := promtest.Start(t, promtest.Options{DataDir: dir})

	f := newFixture(t)
	s := New(live{srv}, services(availability), f.sink, Options{Now: f.clock.Now, Logger: f.logs.logger(),
		Last: f.sink.last, MaxBackfill: 3 * time.Hour, Chunk: time.Hour})
	if rounds := drain(t, s); rounds != 3 {
		t.Errorf("%d rounds, want 3 one-hour chunks", rounds)
	}
	check := func(from, to time.Time) {
		t.Helper()
		n := 0
		for _, o := range f.sink.observations(t) {
			// The first five minutes' counts see the data's start.
			if o.Time.Before(from) || !o.Time.Before(to) || o.Time.Before(start.Add(5*time.Minute)) {
				continue
			}
			n++
			if math.Abs(o.Valid-60) > 1e-9 || math.Abs(o.Good-54) > 1e-9 {
				t.Fatalf("minute %s: good %v of %v, want 54 of 60", o.Time, o.Good, o.Valid)
			}
		}
		if want := int(to.Sub(maxTime(from, start.Add(5*time.Minute))) / time.Minute); n != want {
			t.Errorf("%d minutes in [%s, %s), want %d", n, from, to, want)
		}
	}
	check(start, D)

	srv.Stop(t)
	f.clock.Set(D.Add(10*time.Minute + 30*time.Second))
	drain(t, s)
	if h := s.Health()[key]; h.Up || !strings.Contains(h.Err, "connection refused") {
		t.Errorf("health %+v, want down: connection refused", h)
	}
	srv.Restart(t)
	f.clock.Set(D.Add(20*time.Minute + 30*time.Second))
	drain(t, s)
	if h := s.Health()[key]; !h.Up || !h.LastRead.Equal(D.Add(20*time.Minute)) {
		t.Errorf("health %+v, want up, read to %s", h, D.Add(20*time.Minute))
	}
	check(D, D.Add(20*time.Minute))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// The point of promsli.Phase, against a real Prometheus: of a series
// scraped on the minute, a count taken at any second within a minute
// covers the same samples, so the count the source reads for minute m, at
// m+30s, is what increase over 5m gives at m+10s and at m+50s, wherever in
// the minute rules are evaluated; and it is so where the rate changes,
// where counts taken at the minute marks (as the source did before, at
// m+1m) differ.
func TestCountsAtThePhaseAreTheSameAnywhereInTheMinute(t *testing.T) {
	start, change := D.Add(-time.Hour), D.Add(-30*time.Minute)
	dir := t.TempDir()
	promtest.WriteOpenMetrics(t, dir, onTheMinute(start, change, D))
	srv := promtest.Start(t, promtest.Options{DataDir: dir})

	f := newFixture(t)
	s := New(live{srv}, services(availability), f.sink, Options{Now: f.clock.Now, Logger: f.logs.logger(),
		Last: f.sink.last, MaxBackfill: time.Hour, Chunk: time.Hour})
	drain(t, s)
	q, err := promsli.For(availability, promsli.Step)
	if err != nil {
		t.Fatal(err)
	}
	// count is what Prometheus gives for the events over 5m at at.
	count := func(expr string, at time.Time) float64 {
		t.Helper()
		samples := srv.Query(t, expr, at)
		if len(samples) != 1 {
			t.Fatalf("%s at %s: %v, want one sample", expr, at, samples)
		}
		return samples[0].Value
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) }

	n, marksDiffer := 0, 0
	for _, o := range f.sink.observations(t) {
		// The first five minutes' counts see the data's start.
		if o.Time.Before(start.Add(5 * time.Minute)) {
			continue
		}
		n++
		for _, sec := range []time.Duration{10 * time.Second, 50 * time.Second} {
			at := o.Time.Add(sec)
			v, b := count(q.Valid.String(), at), count(q.Bad.String(), at)
			if !near(o.Valid, v/promsli.Overlap) || !near(o.Good, (v-b)/promsli.Overlap) {
				t.Errorf("minute %s: good %v of %v, but increase at %s gives %v of %v",
					o.Time, o.Good, o.Valid, at, (v-b)/promsli.Overlap, v/promsli.Overlap)
			}
		}
		// Away from the change, the counts are the rates: exact, since
		// Prometheus extrapolates a steady rate to the whole range.
		switch {
		case !o.Time.After(change) && (!near(o.Valid, 100) || !near(o.Good, 90)):
			t.Errorf("minute %s before the change: good %v of %v, want 90 of 100", o.Time, o.Good, o.Valid)
		case !o.Time.Before(change.Add(4*time.Minute)) && (!near(o.Valid, 400) || !near(o.Good, 396)):
			t.Errorf("minute %s after the change: good %v of %v, want 396 of 400", o.Time, o.Good, o.Valid)
		}
		if end := count(q.Valid.String(), o.Time.Add(time.Minute)); math.Abs(end/promsli.Overlap-o.Valid) > 1e-6*o.Valid {
			marksDiffer++
		}
	}
	if want := int(D.Sub(start.Add(5*time.Minute)) / time.Minute); n != want {
		t.Errorf("%d minutes read, want %d", n, want)
	}
	// Else the data would not tell a count at the phase from one at a mark.
	if marksDiffer == 0 {
		t.Error("no count at a minute's end differs from the count at its phase: the rate change tests nothing")
	}
	t.Logf("%d of %d minutes' counts at the minute's end differ from those at the phase", marksDiffer, n)
}
