// Package amtest runs a real Alertmanager for tests.
//
// Start looks for the binary as alertmanager or prometheus-alertmanager
// (Debian's name) on PATH, or at $ALERTMANAGER_BIN. Without it, a test is
// skipped, or fails when CI=true.
package amtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testproc"
)

// Install tells how to get the binary.
const Install = "install Alertmanager: apt-get install prometheus-alertmanager (Debian), " +
	"or put an alertmanager binary on PATH or at $ALERTMANAGER_BIN"

// config routes every alert to a receiver that delivers nowhere, and
// processes new alerts at once.
const config = `route:
  receiver: blackhole
  group_by: ['...']
  group_wait: 50ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
`

// AM is a running Alertmanager.
type AM struct {
	bin, dir, addr string
	client         *http.Client

	mu   sync.Mutex
	proc *testproc.Proc // nil while stopped
	log  *syncBuffer
}

// Binary finds the Alertmanager binary, "" if there is none.
func Binary() string {
	return testproc.Find("ALERTMANAGER_BIN", "alertmanager", "prometheus-alertmanager")
}

// Start starts an Alertmanager on a free port of 127.0.0.1, with clustering
// off and its storage in a temporary directory, waits until it is ready,
// and stops it when the test ends.
func Start(t testing.TB) *AM {
	t.Helper()
	bin := Binary()
	testproc.Need(t, bin, "amtest: no Alertmanager binary: "+Install)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	a := &AM{bin: bin, dir: dir, client: &http.Client{Timeout: 5 * time.Second}}
	t.Cleanup(func() {
		a.stop()
		if t.Failed() {
			a.mu.Lock()
			if a.log != nil {
				t.Logf("alertmanager's log:\n%s", a.log.String())
			}
			a.mu.Unlock()
		}
	})
	// Another process may take the free port between its choice and
	// Alertmanager's bind: then try another.
	var err error
	for range 3 {
		a.addr, err = testproc.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		if err = a.start(); err == nil {
			return a
		}
	}
	t.Fatalf("amtest: starting %s: %v", bin, err)
	return nil
}

// start runs the binary on a.addr and waits until it is ready.
func (a *AM) start() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.proc != nil {
		return errors.New("already running")
	}
	a.log = &syncBuffer{}
	cmd := exec.Command(a.bin,
		"--config.file="+filepath.Join(a.dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(a.dir, "data"),
		"--web.listen-address="+a.addr,
		"--cluster.listen-address=",
		"--log.level=info",
	)
	cmd.Stdout, cmd.Stderr = a.log, a.log
	p, err := testproc.Start(cmd)
	if err != nil {
		return err
	}
	if err := p.WaitReady(a.URL()+"/-/ready", a.client, 20*time.Second); err != nil {
		p.Stop(stopGrace)
		return fmt.Errorf("%w\n%s", err, a.log.String())
	}
	a.proc = p
	return nil
}

// stopGrace is how long it has to exit after SIGTERM before it is killed.
const stopGrace = 10 * time.Second

func (a *AM) stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.proc != nil {
		a.proc.Stop(stopGrace)
		a.proc = nil
	}
}

// URL is the base URL, such as http://127.0.0.1:40123.
func (a *AM) URL() string { return "http://" + a.addr }

// Port is the port it listens on.
func (a *AM) Port() int {
	_, p, _ := net.SplitHostPort(a.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Stop stops it (SIGTERM); its port refuses connections until Restart.
func (a *AM) Stop(t testing.TB) {
	t.Helper()
	a.stop()
}

// Restart starts it again on the same port with the same storage. Alerts
// do not survive: Alertmanager keeps them in memory only.
func (a *AM) Restart(t testing.TB) {
	t.Helper()
	a.stop()
	if err := a.start(); err != nil {
		t.Fatalf("amtest: restarting on %s: %v", a.addr, err)
	}
}

// Alert is an alert as GET /api/v2/alerts reports it.
//
// Alertmanager leaves resolved alerts (endsAt in the past) out of that
// list altogether, whatever the query: an alert that resolved is absent,
// not listed with another state. Received counts the resolutions it got.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
	Status       struct {
		// State is "active", "suppressed" (silenced or inhibited) or
		// "unprocessed" (not routed yet).
		State       string   `json:"state"`
		SilencedBy  []string `json:"silencedBy"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status"`
	Receivers []struct {
		Name string `json:"name"`
	} `json:"receivers"`
}

// Active reports whether Alertmanager holds it as active.
func (a Alert) Active() bool { return a.Status.State == "active" }

// Resolved reports whether its endsAt has passed at now.
func (a Alert) Resolved(now time.Time) bool { return !a.EndsAt.IsZero() && !a.EndsAt.After(now) }

// Alerts lists the alerts it holds, from GET /api/v2/alerts.
func (a *AM) Alerts(t testing.TB) []Alert {
	t.Helper()
	alerts, err := a.alerts()
	if err != nil {
		t.Fatal(err)
	}
	return alerts
}

func (a *AM) alerts() ([]Alert, error) {
	body, err := a.get("/api/v2/alerts")
	if err != nil {
		return nil, err
	}
	var alerts []Alert
	if err := json.Unmarshal(body, &alerts); err != nil {
		return nil, fmt.Errorf("amtest: GET /api/v2/alerts: %w: %s", err, body)
	}
	return alerts, nil
}

func (a *AM) get(path string) ([]byte, error) {
	resp, err := a.client.Get(a.URL() + path)
	if err != nil {
		return nil, fmt.Errorf("amtest: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("amtest: GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("amtest: GET %s: %s: %s", path, resp.Status, body)
	}
	return body, nil
}

// WaitAlerts polls Alerts until ok accepts them, and fails the test with
// the last list if it does not within timeout.
func (a *AM) WaitAlerts(t testing.TB, timeout time.Duration, ok func([]Alert) bool) []Alert {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last []Alert
	var err error
	for {
		if last, err = a.alerts(); err == nil && ok(last) {
			return last
		}
		select {
		case <-ctx.Done():
			b, _ := json.MarshalIndent(last, "", "  ")
			t.Fatalf("amtest: alerts not as expected after %s (last error %v):\n%s", timeout, err, b)
			return nil
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Received is how many firing and resolved alerts it received through
// API v2 since it started, from its alertmanager_alerts_received_total.
func (a *AM) Received(t testing.TB) (firing, resolved int) {
	t.Helper()
	body, err := a.get("/metrics")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for line := range bytes.Lines(body) {
		for _, status := range []string{"firing", "resolved"} {
			prefix := `alertmanager_alerts_received_total{status="` + status + `",version="v2"} `
			v, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte(prefix))
			if !ok {
				continue
			}
			n, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				t.Fatalf("amtest: /metrics: %q: %v", line, err)
			}
			found[status] = int(n)
		}
	}
	firing, ok1 := found["firing"]
	resolved, ok2 := found["resolved"]
	if !ok1 || !ok2 {
		t.Fatal("amtest: /metrics has no alertmanager_alerts_received_total{status=firing|resolved,version=v2}")
	}
	return firing, resolved
}

// syncBuffer collects the process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
