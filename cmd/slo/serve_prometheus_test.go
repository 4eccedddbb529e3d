package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

func parseServices(t *testing.T, text string) []slo.Service {
	t.Helper()
	svcs, errs := spec.Parse("spec.yaml", []byte(text))
	if bad := errs.Invalid(); len(bad) > 0 {
		t.Fatal(bad)
	}
	var out []slo.Service
	for _, s := range svcs {
		out = append(out, *s)
	}
	return out
}

// An SLO marked down by the Prometheus source loses the mark when a reload
// makes it read pushed events instead: no source is left to clear it.
func TestAReloadAwayFromPrometheusClearsTheDownMark(t *testing.T) {
	fromProm := parseServices(t, `apiVersion: slo/v1
service: api
slos:
  - name: availability
    objective: 99.9
    window: 30d
    sli:
      prometheus:
        bad: sum(rate(errors_total[{{.window}}]))
        total: sum(rate(requests_total[{{.window}}]))
`)
	fromPush := parseServices(t, `apiVersion: slo/v1
service: api
slos:
  - name: availability
    objective: 99.9
    window: 30d
    sli:
      events:
        stream: api
        good: {status: ["2xx"]}
`)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "slo.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng := engine.New(st, fromProm, engine.Options{})
	if err := eng.Load(ctx); err != nil {
		t.Fatal(err)
	}
	flags := &promFlags{url: "http://" + freePort(t), timeout: time.Second}
	p, err := newPromSource(flags, fromProm, eng, st, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	p.start(ctx, fromProm)
	down := func() bool {
		eng.Evaluate()
		ev, _ := eng.Evaluation(slo.Series{Objective: "api/availability"})
		return ev.SourceDown != nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for !down() {
		if time.Now().After(deadline) {
			t.Fatal("the source never marked the SLO down with nothing listening")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := eng.Reload(ctx, fromPush); err != nil {
		t.Fatal(err)
	}
	p.reload(fromPush)
	if down() {
		t.Error("the SLO reads pushed events now, and is still marked down")
	}
}

// A header's value may hold commas ("Accept: a, b"): each
// --prometheus-header is one header, not a list.
func TestAPrometheusHeaderKeepsTheCommasOfItsValue(t *testing.T) {
	var p promFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	p.register(fs)
	err := fs.Parse([]string{"--prometheus-url", "http://127.0.0.1:9",
		"--prometheus-header", "Accept: application/json, text/plain", "--prometheus-header", "X-Scope-OrgID: team-a"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Accept: application/json, text/plain", "X-Scope-OrgID: team-a"}
	if len(p.headers) != 2 || p.headers[0] != want[0] || p.headers[1] != want[1] {
		t.Fatalf("headers %q, want %q", p.headers, want)
	}
	if _, err := p.client(); err != nil {
		t.Errorf("the client refused the headers: %v", err)
	}
}
