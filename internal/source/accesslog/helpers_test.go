package accesslog

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// start is the fake clock's first reading.
var start = time.Date(2026, 11, 24, 10, 0, 30, 0, time.UTC)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rig is a source over one log file, appending to a real SQLite store,
// with its state in a temp dir: what slo serve runs, minus the engine.
type rig struct {
	t        testing.TB
	dir, log string
	services []slo.Service
	st       *sqlite.DB
	clock    *clock
	logs     *bytes.Buffer
	logMu    *sync.Mutex
	sink     Appender
	opts     Options
	health   map[string]Health
}

// newRig serves the spec, in which LOG stands for the log file's path.
func newRig(t *testing.T, specText string) *rig {
	t.Helper()
	return newRigAt(t, t.TempDir(), specText)
}

// newRigAt is newRig in dir.
func newRigAt(t testing.TB, dir, specText string) *rig {
	t.Helper()
	r := &rig{t: t, dir: dir, log: filepath.Join(dir, "logs", "access.log"), clock: &clock{t: start},
		logs: &bytes.Buffer{}, logMu: &sync.Mutex{}, health: map[string]Health{}}
	if err := os.MkdirAll(filepath.Dir(r.log), 0o750); err != nil {
		t.Fatal(err)
	}
	r.services = parseSpec(t, strings.ReplaceAll(specText, "LOG", r.log))
	st, err := sqlite.Open(filepath.Join(dir, "slo.db"), sqlite.Options{Now: r.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.st, r.sink = st, st
	r.opts = Options{StateDir: filepath.Join(dir, "accesslog"), Now: r.clock.now, Logger: slog.New(slog.NewTextHandler(lockedWriter{r}, nil)),
		OnHealth: func(key string, h Health) { r.health[key] = h }}
	return r
}

// parseSpec decodes a spec, failing the test when it is invalid.
func parseSpec(t testing.TB, text string) []slo.Service {
	t.Helper()
	svcs, problems := spec.Parse("spec.yaml", []byte(text))
	if bad := problems.Invalid(); len(bad) > 0 {
		t.Fatal(bad)
	}
	var out []slo.Service
	for _, s := range svcs {
		out = append(out, *s)
	}
	return out
}

type lockedWriter struct{ r *rig }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.r.logMu.Lock()
	defer w.r.logMu.Unlock()
	return w.r.logs.Write(p)
}

func (r *rig) logText() string {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	return r.logs.String()
}

// source starts a source as slo serve would after a (re)start.
func (r *rig) source() *Source {
	r.t.Helper()
	s, err := New(r.services, r.sink, r.opts)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(s.Close)
	return s
}

// poll polls once and fails the test on an error.
func (r *rig) poll(s *Source) {
	r.t.Helper()
	if _, err := s.Poll(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// write appends text to a file, creating it.
func (r *rig) write(path, text string) {
	r.t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		r.t.Fatal(err)
	}
}

// totals returns good/valid per series of key ("" for the total, else the
// customer) over every stored minute.
func (r *rig) totals(key string) map[string][2]float64 {
	r.t.Helper()
	ts, err := r.st.Totals(context.Background(), store.Fine, key, start.Add(-slo.Day), start.Add(slo.Day))
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string][2]float64{}
	for _, t := range ts {
		out[t.Customer] = [2]float64{t.Good, t.Valid}
	}
	return out
}

// minutes returns good/valid per minute ("10:00") of key's total series.
func (r *rig) minutes(key string) map[string][2]float64 {
	r.t.Helper()
	out := map[string][2]float64{}
	err := r.st.ScanSeries(context.Background(), store.Fine, slo.Series{Objective: key}, start.Add(-slo.Day), start.Add(slo.Day),
		func(o slo.Observation) error {
			out[o.Time.Format("15:04")] = [2]float64{o.Good, o.Valid}
			return nil
		})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// jsonRecord is a JSON log line at start+offset.
func jsonRecord(offset time.Duration, path string, status int, customer string) string {
	return fmt.Sprintf(`{"time":%q,"method":"GET","path":%q,"status":%d,"latency_ms":20,"customer":%q}`+"\n",
		start.Add(offset).Format(time.RFC3339Nano), path, status, customer)
}

// clfLine is a combined log line at start+offset.
func clfLine(offset time.Duration, path string, status int) string {
	return fmt.Sprintf(`192.0.2.1 - - [%s] "GET %s HTTP/1.1" %d 10 "-" "test" 0.020`+"\n",
		start.Add(offset).Format("02/Jan/2006:15:04:05 -0700"), path, status)
}

// failingSink fails appends while fail is set: before writing (lost) or
// after (written, but the caller is told otherwise, as when slo stops
// between the two).
type failingSink struct {
	next  Appender
	fail  string // "", "before" or "after"
	calls int
}

func (f *failingSink) Append(ctx context.Context, b store.Batch) (int64, bool, error) {
	f.calls++
	switch f.fail {
	case "before":
		return 0, false, fmt.Errorf("store unavailable")
	case "after":
		seq, dup, _ := f.next.Append(ctx, b)
		return seq, dup, fmt.Errorf("stopped before the answer")
	}
	return f.next.Append(ctx, b)
}
