package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// accessLogSpec has a JSON log measured per customer and a combined log
// whose latency SLI reads the request time; both paths are relative to the
// spec file.
const accessLogSpec = `apiVersion: slo/v1
service: shop
slos:
  - name: availability
    objective: 95
    window: 30d
    sli:
      accesslog:
        path: logs/api.json.log
        format: json
        customer_field: customer
        valid: {path_prefix: /api/}
        good: {status: ["2xx", "4xx"]}
  - name: latency
    objective: 90
    window: 30d
    sli:
      accesslog:
        path: logs/web.log
        good: {latency_below: 100ms}
`

// logEval is the part of an evaluation this test reads.
type logEval struct {
	evaluation
	SourceDown *struct {
		Error string `json:"error"`
	} `json:"source_down"`
}

// waitValid reads path until its valid count is want, and returns it.
func waitValid(t *testing.T, s *server, path string, want float64) logEval {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ev logEval // afresh: decoding leaves fields the answer lacks as they were
		code, err := s.try("GET", path, "", nil, nil, &ev)
		if err == nil && code == http.StatusOK && ev.Valid == want {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: valid %v (status %d, err %v), want %v within 30s; log:\n%s", path, ev.Valid, code, err, want, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// TestServeMeasuresAccessLogSLIs writes access logs beside a spec and reads
// slo serve's API: the SLI, the budget and the per-customer figures are
// those of the lines written, a malformed line is skipped and counted on
// /metrics, a log that is not there yet marks its SLO down until it is, and
// a restart goes on where it was without counting a line twice.
func TestServeMeasuresAccessLogSLIs(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o750); err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(dir, "shop.yaml")
	if err := os.WriteFile(specPath, []byte(accessLogSpec), 0o640); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC().Truncate(time.Minute)
	clock := &testClock{t: t0}
	ctx := context.WithValue(context.Background(), clockKey{}, clock.now)
	apiLog, webLog := filepath.Join(logs, "api.json.log"), filepath.Join(logs, "web.log")

	// 100 API requests over ten minutes: acme has 1 of its 50 fail,
	// initech 2 of its 50. Health checks outside /api/ do not count.
	var b strings.Builder
	for i := range 100 {
		customer, status := "acme", 200
		if i%2 == 1 {
			customer = "initech"
		}
		if i == 10 || i == 21 || i == 33 {
			status = 503
		}
		at := t0.Add(-10*time.Minute + time.Duration(i)*5*time.Second)
		fmt.Fprintf(&b, `{"time":%q,"method":"GET","path":"/api/v1/items/%d","status":%d,"latency_ms":12,"customer":%q}`+"\n",
			at.Format(time.RFC3339), i, status, customer)
		fmt.Fprintf(&b, `{"time":%q,"method":"GET","path":"/healthz","status":500}`+"\n", at.Format(time.RFC3339))
	}
	b.WriteString("{\"time\": oops}\n")
	appendFile(t, apiLog, b.String())

	s := startServeCtx(t, ctx, "-c", specPath, "--data-dir", filepath.Join(dir, "data"), "--tick", "50ms", "--accesslog-poll", "20ms")

	av := waitValid(t, s, "/api/v1/slos/shop/availability", 100)
	// 97 good of 100 at 95%: 3% bad of a 5% budget leaves 40% of it.
	if av.SLI == nil || !near(*av.SLI, 0.97) || av.Good != 97 {
		t.Errorf("availability: good %v, SLI %v; want 97, 0.97", av.Good, av.SLI)
	}
	if !near(av.Budget.RemainingRatio, 0.4) || !near(av.Budget.TotalMinutes, 2160) || !near(av.Budget.ConsumedMinutes, 1296) {
		t.Errorf("availability budget: %+v, want 40%% left, 1296 of 2160 minutes spent", av.Budget)
	}
	acme := waitValid(t, s, "/api/v1/slos/shop/availability/customers/acme", 50)
	initech := waitValid(t, s, "/api/v1/slos/shop/availability/customers/initech", 50)
	if acme.Good != 49 || initech.Good != 48 {
		t.Errorf("per customer good: acme %v (want 49), initech %v (want 48)", acme.Good, initech.Good)
	}
	// 2 bad of 50 at 95%: 4% of a 5% budget, 20% left.
	if !near(initech.Budget.RemainingRatio, 0.2) {
		t.Errorf("initech's budget left %v, want 0.2", initech.Budget.RemainingRatio)
	}

	// The combined log is not there: its SLO is down, and says why.
	var lat logEval
	s.do(t, "GET", "/api/v1/slos/shop/latency", "", nil, nil, &lat)
	if lat.SourceDown == nil || !strings.Contains(lat.SourceDown.Error, "no such file") || lat.Status != "no_data" {
		t.Errorf("latency with no log: status %s, source_down %+v", lat.Status, lat.SourceDown)
	}
	s.waitLog(t, "access log cannot be read", 10*time.Second)
	s.waitLog(t, "api.json.log:201: JSON at byte 10", 10*time.Second)

	// It appears: 10 requests, 3 of them slower than 100ms (Apache's %D
	// in microseconds and nginx's seconds alike).
	var w strings.Builder
	for i, rt := range []string{"0.020", "0.099", "0.100", "0.101", "250000", "0.010", "99000", "1.500", "0.050", "0.000"} {
		at := t0.Add(-5*time.Minute + time.Duration(i)*time.Second)
		fmt.Fprintf(&w, `198.51.100.%d - - [%s] "GET /shop HTTP/1.1" 200 512 "-" "test" %s`+"\n", i, at.Format("02/Jan/2006:15:04:05 -0700"), rt)
	}
	appendFile(t, webLog, w.String())
	lat = waitValid(t, s, "/api/v1/slos/shop/latency", 10)
	if lat.Good != 7 || lat.SourceDown != nil {
		t.Errorf("latency: good %v of 10 (want 7), source_down %+v", lat.Good, lat.SourceDown)
	}

	var metrics string
	func() {
		resp, err := http.Get(s.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		metrics = string(body)
	}()
	for _, want := range []string{
		`slo_accesslog_lines_total{result="malformed",service="shop",slo="availability"} 1`,
		`slo_accesslog_lines_total{result="counted",service="shop",slo="availability"} 100`,
		`slo_accesslog_lines_total{result="ignored",service="shop",slo="availability"} 100`,
		`slo_accesslog_up{service="shop",slo="latency"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}

	// Five more failures, then a restart with one more line written while
	// slo was stopped: every line counts once.
	for i := range 5 {
		appendFile(t, apiLog, fmt.Sprintf(`{"time":%q,"path":"/api/v1/x","status":500,"customer":"acme"}`+"\n",
			t0.Add(-time.Minute+time.Duration(i)*time.Second).Format(time.RFC3339)))
	}
	av = waitValid(t, s, "/api/v1/slos/shop/availability", 105)
	s.stop()
	appendFile(t, apiLog, fmt.Sprintf(`{"time":%q,"path":"/api/v1/x","status":200,"customer":"initech"}`+"\n", t0.Add(-30*time.Second).Format(time.RFC3339)))
	s = startServeCtx(t, ctx, "-c", specPath, "--data-dir", filepath.Join(dir, "data"), "--tick", "50ms", "--accesslog-poll", "20ms")
	av = waitValid(t, s, "/api/v1/slos/shop/availability", 106)
	if av.Good != 98 || !near(*av.SLI, 98.0/106) {
		t.Errorf("after the restart: good %v of %v, want 98 of 106", av.Good, av.Valid)
	}
	// Nothing more comes later: the restart read no line twice.
	time.Sleep(200 * time.Millisecond)
	if again := waitValid(t, s, "/api/v1/slos/shop/availability", 106); again.Good != 98 {
		t.Errorf("good went to %v", again.Good)
	}
	lat = waitValid(t, s, "/api/v1/slos/shop/latency", 10)
	if lat.Good != 7 {
		t.Errorf("latency after the restart: good %v of 10, want 7", lat.Good)
	}
}

// A combined line has no field named customer: serve refuses such a spec
// at start rather than measure nothing.
func TestServeRefusesAnAccessLogSLIReadingAFieldTheFormatHasNot(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "bad.yaml")
	bad := strings.Replace(accessLogSpec, "path: logs/web.log", "path: logs/web.log\n        customer_field: customer", 1)
	if err := os.WriteFile(specPath, []byte(bad), 0o640); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	err := Run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "-c", specPath, "--data-dir", filepath.Join(dir, "data")},
		strings.NewReader(""), io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "shop/latency") || !strings.Contains(err.Error(), `customer_field "customer"`) {
		t.Fatalf("serve = %v, want a refusal naming shop/latency and its customer_field", err)
	}
}

// A reload replaces the source: an SLO it keeps goes on from its position,
// one it adds reads its log from the start, and a spec the source cannot
// read is refused with the old source still running.
func TestAReloadReplacesTheAccessLogSource(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "api.log")
	specPath := filepath.Join(dir, "api.yaml")
	const v1 = `apiVersion: slo/v1
service: api
slos:
  - name: availability
    objective: 99
    sli:
      accesslog: {path: api.log, good: {status: ["2xx"]}}
`
	v2 := v1 + `  - name: fast
    objective: 90
    sli:
      accesslog: {path: api.log, good: {latency_below: 50ms}}
`
	v3 := v2 + `  - name: broken
    objective: 90
    sli:
      accesslog: {path: api.log, customer_field: tenant}
`
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(specPath, []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	lines := func(from, n int) string {
		var b strings.Builder
		for i := from; i < from+n; i++ {
			at := time.Now().UTC().Add(-time.Minute)
			fmt.Fprintf(&b, `192.0.2.1 - - [%s] "GET /x/%d HTTP/1.1" 200 5 "-" "test" 0.0%d0`+"\n", at.Format("02/Jan/2006:15:04:05 -0700"), i, i%10)
		}
		return b.String()
	}
	reload := func(s *server) int {
		t.Helper()
		return s.do(t, "POST", "/api/v1/admin/reload", "admin-secret", nil, nil, nil)
	}
	write(v1)
	appendFile(t, logPath, lines(0, 10))
	s := startServe(t, "-c", specPath, "--data-dir", filepath.Join(dir, "data"), "--tick", "50ms", "--accesslog-poll", "20ms", "--admin-token", "admin-secret")
	waitValid(t, s, "/api/v1/slos/api/availability", 10)

	write(v2)
	if code := reload(s); code != http.StatusOK {
		t.Fatalf("reload: %d", code)
	}
	appendFile(t, logPath, lines(10, 2))
	waitValid(t, s, "/api/v1/slos/api/availability", 12)
	// Line i took 10ms x (i mod 10): six of the first ten lines are within
	// 50ms, and both new ones. The new SLO read the log from its start.
	if fast := waitValid(t, s, "/api/v1/slos/api/fast", 12); fast.Good != 8 {
		t.Errorf("fast: good %v of 12, want 8", fast.Good)
	}

	write(v3)
	if code := reload(s); code != http.StatusBadRequest {
		t.Errorf("reload of a combined SLI with customer_field tenant: %d, want 400", code)
	}
	appendFile(t, logPath, lines(12, 1))
	waitValid(t, s, "/api/v1/slos/api/availability", 13)
	waitValid(t, s, "/api/v1/slos/api/fast", 13)
	time.Sleep(100 * time.Millisecond)
	if av := waitValid(t, s, "/api/v1/slos/api/availability", 13); av.Good != 13 {
		t.Errorf("availability after the reloads: good %v of 13", av.Good)
	}
	// The line counters add up the sources the reloads replaced.
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`slo_accesslog_lines_total{result="counted",service="api",slo="availability"} 13`,
		`slo_accesslog_lines_total{result="counted",service="api",slo="fast"} 13`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}
