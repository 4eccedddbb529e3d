package alert_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/alert"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// A scenario is a scripted series run through the engine and the alert
// manager under a fake clock, tick by tick, in the spirit of Prometheus's
// promqltest. Its script (testdata/scenarios/*.txt) reads:
//
//	slo objective=99.9 window=30d [min_valid_events=auto|N] [keep_firing_for=D]
//	tick 10s
//	baseline 3d rate=600/m              good traffic before time 0, loaded at once
//	run 10m rate=600/m errors=0.15      ticks on from the current time
//	expect page fires at 5m46s ±10s     times are from time 0
//	expect page resolves at 14m31s ±10s
//	expect ticket quiet                 never fires
//	expect notifications alertname=SLOBurnRate severity=critical firing=1 resolved=1
//	expect notifications tier=page firing_min=5     at least 5 firing
//	repeat 20 run 1m rate=600/m errors=0.1; run 5m rate=600/m
//
// Events come whole: a rate that gives fractions of an event a tick carries
// them over, as do errors.
type scenario struct {
	name     string
	sloArgs  map[string]string
	tick     time.Duration
	baseline segment
	runs     []segment
	expects  []expectation
}

type segment struct {
	d      time.Duration
	rate   float64 // events a minute
	errors float64
}

type expectation struct {
	line   int
	text   string
	rule   string
	what   string // fires, resolves, quiet, notifications
	at     time.Duration
	within time.Duration
	labels map[string]string
	firing int
	solved int
	// atLeast makes firing a minimum and leaves resolved unchecked.
	atLeast bool
}

// t0 is time 0 of every scenario: the end of its baseline.
var t0 = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

func parseScenario(t *testing.T, path string) scenario {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := scenario{name: filepath.Base(path), tick: 10 * time.Second, sloArgs: map[string]string{}}
	in := bufio.NewScanner(f)
	for n := 1; in.Scan(); n++ {
		line := strings.TrimSpace(in.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		fail := func(format string, args ...any) {
			t.Fatalf("%s:%d: %s", path, n, fmt.Sprintf(format, args...))
		}
		args := map[string]string{}
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(f, "="); ok {
				args[k] = v
			}
		}
		switch fields[0] {
		case "slo":
			sc.sloArgs = args
		case "tick":
			sc.tick = mustDuration(fail, fields[1])
		case "repeat": // repeat N run ...; run ...
			times := int(mustFloat(fail, fields[1]))
			var group []segment
			for _, part := range strings.Split(strings.SplitN(line, " ", 3)[2], ";") {
				f := strings.Fields(part)
				if len(f) < 2 || f[0] != "run" {
					fail("repeat takes run commands separated by ;")
				}
				group = append(group, parseRun(fail, f))
			}
			for range times {
				sc.runs = append(sc.runs, group...)
			}
		case "baseline", "run":
			s := parseRun(fail, fields)
			if fields[0] == "baseline" {
				sc.baseline = s
			} else {
				sc.runs = append(sc.runs, s)
			}
		case "expect":
			sc.expects = append(sc.expects, parseExpect(fail, n, line, fields[1:], args))
		default:
			fail("unknown command %q", fields[0])
		}
	}
	return sc
}

// parseRun reads "run|baseline DURATION rate=N/m [errors=R]".
func parseRun(fail func(string, ...any), fields []string) segment {
	args := map[string]string{}
	for _, f := range fields[2:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			args[k] = v
		}
	}
	s := segment{d: mustDuration(fail, fields[1]), rate: mustRate(fail, args["rate"])}
	if e, ok := args["errors"]; ok {
		s.errors = mustFloat(fail, e)
	}
	return s
}

func parseExpect(fail func(string, ...any), n int, line string, f []string, args map[string]string) expectation {
	e := expectation{line: n, text: line}
	if f[0] == "notifications" {
		e.what, e.labels = "notifications", map[string]string{}
		for k, v := range args {
			switch k {
			case "firing":
				e.firing = int(mustFloat(fail, v))
			case "firing_min": // at least this many
				e.firing, e.atLeast = int(mustFloat(fail, v)), true
			case "resolved":
				e.solved = int(mustFloat(fail, v))
			default:
				e.labels[k] = v
			}
		}
		return e
	}
	if len(f) < 2 {
		fail("want expect RULE fires|resolves at T ±D, or expect RULE quiet")
	}
	e.rule, e.what = f[0], f[1]
	switch e.what {
	case "quiet":
	case "fires", "resolves":
		if len(f) != 5 || f[2] != "at" || !strings.HasPrefix(f[4], "±") {
			fail("want expect RULE %s at T ±D", e.what)
		}
		e.at, e.within = mustDuration(fail, f[3]), mustDuration(fail, strings.TrimPrefix(f[4], "±"))
	default:
		fail("unknown expectation %q", e.what)
	}
	return e
}

func mustDuration(fail func(string, ...any), s string) time.Duration {
	d, err := slo.ParseDuration(s)
	if err != nil {
		fail("duration %q: %v", s, err)
	}
	return d
}

func mustFloat(fail func(string, ...any), s string) float64 {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		fail("number %q: %v", s, err)
	}
	return x
}

// mustRate reads N/m or N/h as events a minute.
func mustRate(fail func(string, ...any), s string) float64 {
	n, unit, ok := strings.Cut(s, "/")
	if !ok {
		fail("rate %q: want N/m or N/h", s)
	}
	x := mustFloat(fail, n)
	switch unit {
	case "m":
		return x
	case "h":
		return x / 60
	}
	fail("rate %q: want N/m or N/h", s)
	return 0
}

// run plays the scenario and returns what happened.
func (sc scenario) run(t *testing.T) *outcome {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: t0}
	services := scenarioSpec(t, sc.sloArgs)
	st, err := sqlite.Open(filepath.Join(fastDir(t), "slo.db"), sqlite.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng := engine.New(st, services, engine.Options{Now: clk.Now, Tick: sc.tick})
	if err := eng.Load(ctx); err != nil {
		t.Fatal(err)
	}
	key := services[0].Objectives[0].Key()
	series := slo.Series{Objective: key}
	if b := sc.baseline; b.d > 0 {
		var obs []slo.Observation
		for m := t0.Add(-b.d); m.Before(t0); m = m.Add(time.Minute) {
			obs = append(obs, slo.Observation{Series: series, Time: m, Good: b.rate * (1 - b.errors), Valid: b.rate})
		}
		if _, _, err := eng.Append(ctx, store.Batch{Observations: obs}); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	mgr := alert.New(st, alert.Options{Notifiers: []alert.Notifier{rec}})
	mgr.SetServices(services)
	if err := mgr.Load(ctx); err != nil {
		t.Fatal(err)
	}
	mgr.Tick(ctx, eng.Evaluate(), eng.Alerting())
	var acc, accBad float64
	for _, s := range sc.runs {
		for end := clk.Now().Add(s.d); clk.Now().Before(end); {
			acc += s.rate * sc.tick.Minutes()
			n := math.Floor(acc + 1e-9)
			acc -= n
			accBad += s.errors * n
			bad := math.Floor(accBad + 1e-9)
			accBad -= bad
			now := clk.advance(sc.tick)
			if n > 0 {
				o := slo.Observation{Series: series, Time: now.Add(-time.Nanosecond), Good: n - bad, Valid: n}
				if _, _, err := eng.Append(ctx, store.Batch{Observations: []slo.Observation{o}}); err != nil {
					t.Fatal(err)
				}
			}
			mgr.Tick(ctx, eng.Evaluate(), eng.Alerting())
		}
	}
	hist, err := mgr.History(ctx, store.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return &outcome{history: hist, active: mgr.States(), notes: rec.changed()}
}

// outcome is what a scenario did: every alert that fired, those still
// active at its end, and the notifications that began or ended.
type outcome struct {
	history []store.Alert
	active  []store.Alert
	notes   []alert.Notification
}

// fired returns the episodes of rule, oldest first.
func (o *outcome) fired(rule string) []store.Alert {
	var out []store.Alert
	for _, a := range o.history {
		if a.Rule == rule {
			out = append(out, a)
		}
	}
	slices.Reverse(out)
	return out
}

func (sc scenario) check(t *testing.T, o *outcome) {
	t.Helper()
	for _, e := range sc.expects {
		at := func(x time.Time) string { return slo.FormatDuration(x.Sub(t0)) }
		ep := o.fired(e.rule)
		switch e.what {
		case "quiet":
			if len(ep) > 0 {
				t.Errorf("%s:%d %q: fired at %s", sc.name, e.line, e.text, at(ep[0].FiredAt))
			}
		case "fires", "resolves":
			if len(ep) == 0 {
				t.Errorf("%s:%d %q: never fired", sc.name, e.line, e.text)
				continue
			}
			got := ep[0].FiredAt
			if e.what == "resolves" {
				got = ep[0].ResolvedAt
			}
			if got.IsZero() {
				t.Errorf("%s:%d %q: never resolved", sc.name, e.line, e.text)
			} else if d := got.Sub(t0) - e.at; d < -e.within || d > e.within {
				t.Errorf("%s:%d %q: at %s", sc.name, e.line, e.text, at(got))
			}
		case "notifications":
			var firing, resolved int
			for _, n := range o.notes {
				if matches(n.Labels, e.labels) {
					if n.Firing() {
						firing++
					} else {
						resolved++
					}
				}
			}
			if e.atLeast && firing < e.firing || !e.atLeast && (firing != e.firing || resolved != e.solved) {
				t.Errorf("%s:%d %q: %d firing and %d resolved", sc.name, e.line, e.text, firing, resolved)
			}
		}
	}
	if t.Failed() {
		for _, a := range o.history {
			t.Logf("history: %s %s fired %s resolved %s peak %.4g", a.Rule, a.State, at0(a.FiredAt), at0(a.ResolvedAt), a.PeakBurnRate)
		}
	}
}

func at0(x time.Time) string {
	if x.IsZero() {
		return "-"
	}
	return slo.FormatDuration(x.Sub(t0))
}

func matches(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// scenarioSpec builds the scenario's one SLO through the spec decoder, so
// that the default tiers, their scaling and the guard are the real ones.
func scenarioSpec(t *testing.T, args map[string]string) []slo.Service {
	t.Helper()
	objective, window := cmpOr(args["objective"], "99.9"), cmpOr(args["window"], "30d")
	var alerting []string
	for _, k := range []string{"min_valid_events", "keep_firing_for"} {
		if v, ok := args[k]; ok {
			alerting = append(alerting, fmt.Sprintf("      %s: %s", k, v))
		}
	}
	y := fmt.Sprintf(`apiVersion: slo/v1
service: scenario
slos:
  - name: availability
    objective: %s
    window: %s
    sli:
      events:
        stream: api
`, objective, window)
	if len(alerting) > 0 {
		y += "    alerting:\n" + strings.Join(alerting, "\n") + "\n"
	}
	svcs, errs := spec.Parse("scenario.yaml", []byte(y))
	if bad := errs.Invalid(); len(bad) > 0 {
		t.Fatalf("scenario spec: %v\n%s", bad, y)
	}
	out := make([]slo.Service, len(svcs))
	for i, s := range svcs {
		out[i] = *s
	}
	return out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// fastDir is a temporary directory in memory when the machine has one:
// a scenario commits a batch a tick, thousands of fsyncs.
func fastDir(t *testing.T) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "slo-scenario-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return t.TempDir()
}

// recorder is a Notifier that keeps what changed.
type recorder struct {
	mu    sync.Mutex
	notes []alert.Notification
	last  []alert.Notification
}

func (r *recorder) Notify(_ time.Time, active, changed []alert.Notification) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, changed...)
	r.last = active
}

func (r *recorder) lastActive() []alert.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.last)
}

func (r *recorder) changed() []alert.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.notes)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			sc := parseScenario(t, f)
			if len(sc.expects) == 0 {
				t.Fatal("a scenario without expectations checks nothing")
			}
			sc.check(t, sc.run(t))
		})
	}
}
