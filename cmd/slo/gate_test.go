package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/policy"
)

// gateRun is one run of slo gate through Run, as a pipeline would see it.
type gateRun struct {
	result
	res policy.Result // with -o json
}

func runGateCLI(t *testing.T, args ...string) gateRun {
	t.Helper()
	r := gateRun{result: run(t, "", append([]string{"gate"}, args...)...)}
	if strings.HasPrefix(strings.TrimSpace(r.stdout), "{") {
		if err := json.Unmarshal([]byte(r.stdout), &r.res); err != nil {
			t.Fatalf("gate -o json wrote %q: %v", r.stdout, err)
		}
	}
	return r
}

// gateSLO is what GET /api/v1/slos says of an SLO: the engine's figures
// and the policy decision beside them.
type gateSLO struct {
	SLO        string     `json:"slo"`
	Time       time.Time  `json:"time"`
	Status     string     `json:"status"`
	SLI        *float64   `json:"sli"`
	BurnRate1h *float64   `json:"burn_rate_1h"`
	Exhaustion *time.Time `json:"exhaustion"`
	Budget     struct {
		TotalMinutes     float64 `json:"total_minutes"`
		RemainingMinutes float64 `json:"remaining_minutes"`
		RemainingRatio   float64 `json:"remaining_ratio"`
		AllowedEvents    float64 `json:"allowed_events"`
		RemainingEvents  float64 `json:"remaining_events"`
	} `json:"budget"`
	Decision policy.Decision `json:"decision"`
}

// gateView returns the SLO as GET /api/v1/slos lists it.
func (s *server) gateView(t *testing.T, name string) gateSLO {
	t.Helper()
	var list struct{ SLOs []gateSLO }
	if code := s.do(t, "GET", "/api/v1/slos?service=notification-platform", "", nil, nil, &list); code != http.StatusOK {
		t.Fatalf("GET /api/v1/slos: %d", code)
	}
	for _, e := range list.SLOs {
		if e.SLO == name {
			return e
		}
	}
	t.Fatalf("GET /api/v1/slos has no %s", name)
	return gateSLO{}
}

// agrees checks that the gate's verdict rests on the engine's own figures.
func gateAgrees(t *testing.T, v policy.Verdict, e gateSLO) {
	t.Helper()
	b := v.Budget
	if b.RemainingPercent == nil || b.RemainingMinutes == nil || b.RemainingEvents == nil || b.AllowedEvents == nil {
		t.Fatalf("the gate gives no figures for %s: %+v", v.SLO, b)
	}
	same := func(what string, gate, engine float64) {
		if gate != engine {
			t.Errorf("%s %s: gate %v, engine %v", v.SLO, what, gate, engine)
		}
	}
	same("remaining percent", *b.RemainingPercent, 100*e.Budget.RemainingRatio)
	same("remaining minutes", *b.RemainingMinutes, e.Budget.RemainingMinutes)
	same("total minutes", b.TotalMinutes, e.Budget.TotalMinutes)
	same("remaining events", *b.RemainingEvents, e.Budget.RemainingEvents)
	same("allowed events", *b.AllowedEvents, e.Budget.AllowedEvents)
	same("SLI", *b.SLI, *e.SLI)
	if (b.BurnRate1h == nil) != (e.BurnRate1h == nil) || (b.BurnRate1h != nil && *b.BurnRate1h != *e.BurnRate1h) {
		t.Errorf("%s burn rate 1h: gate %v, engine %v", v.SLO, b.BurnRate1h, e.BurnRate1h)
	}
	if (b.Exhaustion == nil) != (e.Exhaustion == nil) || (b.Exhaustion != nil && !b.Exhaustion.Equal(*e.Exhaustion)) {
		t.Errorf("%s exhaustion: gate %v, engine %v", v.SLO, b.Exhaustion, e.Exhaustion)
	}
	if v.Status != e.Status || v.Status != e.Decision.Status || v.LowRisk != e.Decision.LowRisk || v.HighRisk != e.Decision.HighRisk {
		t.Errorf("%s: gate says %s (low %s, high %s), the SLO view %s (low %s, high %s)", v.SLO,
			v.Status, v.LowRisk, v.HighRisk, e.Status, e.Decision.LowRisk, e.Decision.HighRisk)
	}
}

// TestTheGateFollowsTheDemosBudgetThroughAnIncident is the Must
// show: on the demo's 30 days, under a clock the test holds, slo gate
// agrees with the engine's figures; an incident pushed through the push API
// takes correctness under 20% of its budget and the gate blocks; the clock
// moves on until the incident leaves the 30-day window and it allows again.
func TestTheGateFollowsTheDemosBudgetThroughAnIncident(t *testing.T) {
	t0 := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)
	clock := &testClock{t: t0}
	dir := t.TempDir()
	s := startServeCtx(t, context.WithValue(context.Background(), clockKey{}, clock.now),
		"--demo", "--data-dir", dir, "--tick", "100ms")
	token, err := os.ReadFile(filepath.Join(dir, "ingest.token"))
	if err != nil {
		t.Fatal(err)
	}
	gate := func(args ...string) gateRun {
		t.Helper()
		return runGateCLI(t, append([]string{"--server", s.base, "--service", "notification-platform"}, args...)...)
	}

	// The whole service: the seed's walkthrough leaves availability
	// exhausted, which blocks every deploy.
	all := gate("-o", "json")
	if all.code != 1 || all.res.Outcome != policy.Blocked || !strings.Contains(all.res.Reason, "notification-platform/availability is exhausted") {
		t.Fatalf("the service: exit %d, %s: %s (stderr %s)", all.code, all.res.Outcome, all.res.Reason, all.stderr)
	}
	for _, v := range all.res.SLOs {
		gateAgrees(t, v, s.gateView(t, v.SLO))
	}

	// Correctness is healthy: a low-risk deploy goes ahead.
	before := gate("--slo", "correctness", "-o", "json")
	if before.code != 0 || before.res.Outcome != policy.Allowed || before.res.SLOs[0].Status != "healthy" {
		t.Fatalf("correctness before the incident: exit %d, %s: %s", before.code, before.res.Outcome, before.res.Reason)
	}
	e := s.gateView(t, "correctness")
	gateAgrees(t, before.res.SLOs[0], e)
	t.Logf("before: %s", before.res.Reason)

	// The incident: enough misdelivered notifications, early in the
	// window, to leave a tenth of the budget.
	n := int(math.Ceil(e.Budget.RemainingEvents - 0.1*e.Budget.AllowedEvents))
	start := t0.Add(-30*24*time.Hour + 10*time.Minute)
	var events bytes.Buffer
	for i := range n {
		fmt.Fprintf(&events, `{"stream":"delivery","time":%q,"status":200,"latency_ms":900,"customer":"initech","labels":{"channel":"email","recipient_ok":"false"}}`+"\n",
			start.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
	}
	s.push(t, strings.TrimSpace(string(token)), "gate-incident", events.Bytes(), http.StatusOK)
	e = s.gateWaitBudget(t, "correctness", func(e gateSLO) bool { return e.Budget.RemainingRatio < 0.2 })

	during := gate("--slo", "correctness", "-o", "json")
	if during.code != 1 || during.res.Outcome != policy.Blocked || during.res.SLOs[0].Status != "critical" {
		t.Fatalf("correctness during the incident: exit %d, %s: %s", during.code, during.res.Outcome, during.res.Reason)
	}
	gateAgrees(t, during.res.SLOs[0], e)
	t.Logf("during: %d bad events pushed: %s", n, during.res.Reason)
	text := gate("--slo", "correctness")
	pct := fmt.Sprintf("%.4g%%", 100*e.Budget.RemainingRatio)
	for _, want := range []string{"blocked: A low-risk deploy is blocked: notification-platform/correctness is critical", pct, "Budget critical. Focus on reliability only.", "engineering_manager"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("the text output has no %q:\n%s", want, text.stdout)
		}
	}
	t.Logf("slo gate --slo correctness:\n%s", text.stdout)
	if os.Getenv("GATE_SHOW_JSON") != "" {
		t.Logf("json:\n%s", during.stdout)
	}
	if text.code != 1 {
		t.Errorf("text output: exit %d, want 1", text.code)
	}
	// A high-risk deploy was allowed before and is blocked too.
	if r := gate("--slo", "correctness", "--risk", "high"); r.code != 1 {
		t.Errorf("a high-risk deploy during the incident: exit %d, want 1", r.code)
	}

	// Two hours on, the incident has left the 30-day window. The demo's
	// live traffic fills the two hours; once it has, the figures stay.
	clock.set(t0.Add(2 * time.Hour))
	e = s.gateWaitBudget(t, "correctness", func(e gateSLO) bool {
		return !e.Time.Before(t0.Add(2*time.Hour)) && e.BurnRate1h != nil
	})
	after := gate("--slo", "correctness", "-o", "json")
	if after.code != 0 || after.res.Outcome != policy.Allowed || after.res.SLOs[0].Status != "healthy" {
		t.Fatalf("correctness after the incident left the window: exit %d, %s: %s", after.code, after.res.Outcome, after.res.Reason)
	}
	gateAgrees(t, after.res.SLOs[0], e)
	t.Logf("after: %s", after.res.Reason)
}

// gateWaitBudget polls GET /api/v1/slos until the SLO satisfies ok.
func (s *server) gateWaitBudget(t *testing.T, name string, ok func(gateSLO) bool) gateSLO {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		e := s.gateView(t, name)
		if ok(e) {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not get there within 20s: %+v", name, e)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTheGateCannotTellWithoutAServerOrData covers exit 2 and --fail-open:
// an unreachable server and an SLO without data are a cannot tell, which
// --fail-open passes with a warning; a request the server refuses is not.
func TestTheGateCannotTellWithoutAServerOrData(t *testing.T) {
	nobody := "http://" + freePort(t)
	r := runGateCLI(t, "--server", nobody, "--service", "api", "--timeout", "2s")
	var u *gateUnsure
	if r.code != 2 || !errors.As(r.err, &u) || !strings.Contains(r.err.Error(), "cannot tell") {
		t.Errorf("an unreachable server: exit %d, %v; want 2, cannot tell", r.code, r.err)
	}
	r = runGateCLI(t, "--server", nobody, "--service", "api", "--timeout", "2s", "--fail-open")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: cannot tell") {
		t.Errorf("an unreachable server with --fail-open: exit %d, stderr %q; want 0 and a warning", r.code, r.stderr)
	}

	// A server with an SLO nobody has pushed to, reading behind a token.
	s := startServe(t, "--tick", "100ms", "-c", writeFile(t, "api.yaml", pushSpec), "--data-dir", t.TempDir(),
		"--ingest-token", "secret", "--read-token", "reader")
	tokenFile := writeFile(t, "token", "reader\n")
	r = runGateCLI(t, "--server", s.base, "--service", "api", "--token-file", tokenFile, "-o", "json")
	if r.code != 2 || r.res.Outcome != policy.Unknown || !strings.Contains(r.res.Reason, "no valid events in its 30d window") {
		t.Errorf("no data: exit %d, %s: %s; want 2, unknown", r.code, r.res.Outcome, r.res.Reason)
	}
	t.Setenv("SLO_READ_TOKEN", "reader")
	r = runGateCLI(t, "--server", s.base, "--service", "api", "--fail-open")
	if r.code != 0 || !strings.Contains(r.stdout, "unknown: Cannot tell") || !strings.Contains(r.stderr, "--fail-open lets the deploy go ahead") {
		t.Errorf("no data with --fail-open: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	// Mistakes in the pipeline are not outages: --fail-open does not pass them.
	for _, c := range []struct {
		name string
		args []string
		says string
	}{
		{"an unknown service", []string{"--service", "shop"}, `service "shop"`},
		{"an unknown SLO", []string{"--service", "api", "--slo", "latency"}, `slo "latency"`},
		{"a wrong token", []string{"--service", "api", "--token", "guess"}, "401"},
	} {
		r := runGateCLI(t, append([]string{"--server", s.base, "--fail-open"}, c.args...)...)
		if r.code != 2 || r.err == nil || !strings.Contains(r.err.Error(), c.says) || errors.As(r.err, &u) {
			t.Errorf("%s with --fail-open: exit %d, %v; want 2 naming %s", c.name, r.code, r.err, c.says)
		}
	}
	for _, args := range [][]string{
		{"--server", s.base, "--service", "api", "--risk", "medium"},
		{"--server", s.base},
		{"--service", "api", "--server", "localhost:8080"},
	} {
		if r := runGateCLI(t, append(args, "--fail-open")...); r.code != 2 || r.err == nil || errors.As(r.err, &u) {
			t.Errorf("gate %v: exit %d, %v; want a usage error", args, r.code, r.err)
		}
	}

	// Without $SLO_READ_TOKEN the gate reads $SLO_TOKEN, as the other
	// commands do: an ingest token reads too.
	t.Setenv("SLO_READ_TOKEN", "")
	t.Setenv("SLO_TOKEN", "secret")
	if r := runGateCLI(t, "--server", s.base, "--service", "api", "-o", "json"); r.res.Outcome != policy.Unknown {
		t.Errorf("a token in $SLO_TOKEN: exit %d, %v; want the gate's answer, unknown", r.code, r.err)
	}
}

// TestTheGateWaitsForALoadingServerAndDistrustsOddAnswers: a 503 (state
// still loading) is asked again; a 500 and a 200 that is not the gate's
// answer are a cannot tell.
func TestTheGateWaitsForALoadingServerAndDistrustsOddAnswers(t *testing.T) {
	var calls atomic.Int32
	loading := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error": "loading state: try again shortly"}`, http.StatusServiceUnavailable)
			return
		}
		if r.URL.Query().Get("risk") != "high" || r.URL.Query().Get("slo") != "search" {
			http.Error(w, `{"error": "wrong query"}`, http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `{"service": "shop", "slo": "search", "risk": "high", "outcome": "allowed", "reason": "fine", "slos": []}`)
	}))
	t.Cleanup(loading.Close)
	r := runGateCLI(t, "--server", loading.URL, "--service", "shop", "--slo", "search", "--risk", "high")
	if r.code != 0 || calls.Load() != 2 || !strings.HasPrefix(r.stdout, "allowed: fine") {
		t.Errorf("a server loading, then answering: exit %d after %d calls, %v\n%s", r.code, calls.Load(), r.err, r.stdout)
	}

	for name, h := range map[string]http.HandlerFunc{
		"a 500":               func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		"a page, not JSON":    func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>login</html>") },
		"JSON, not an answer": func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"status": "ok"}`) },
	} {
		srv := httptest.NewServer(h)
		var u *gateUnsure
		if r := runGateCLI(t, "--server", srv.URL, "--service", "shop"); r.code != 2 || !errors.As(r.err, &u) {
			t.Errorf("%s: exit %d, %v; want 2, cannot tell", name, r.code, r.err)
		}
		if r := runGateCLI(t, "--server", srv.URL, "--service", "shop", "--fail-open"); r.code != 0 {
			t.Errorf("%s with --fail-open: exit %d, want 0", name, r.code)
		}
		srv.Close()
	}
}
