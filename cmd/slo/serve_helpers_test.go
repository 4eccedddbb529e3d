package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// A server under test: in process (startServe) or a child process
// (startChild), reached over loopback.
type server struct {
	base  string
	token string
	done  chan error    // in process: Run's result
	cmd   *exec.Cmd     // child process
	log   *lockedWriter // the server's stderr, written as it runs
	stop  func()        // in process: stops it and waits, once
}

var addrLine = regexp.MustCompile(`on (http://[0-9.:]+)`)

// startServe runs slo serve in this process with args, on a free loopback
// port, and waits until it is ready. It stops when the test ends.
func startServe(t testing.TB, args ...string) *server {
	t.Helper()
	return startServeCtx(t, context.Background(), args...)
}

// startServeCtx is startServe with a context, which may carry a clock
// (clockKey).
func startServeCtx(t testing.TB, parent context.Context, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(parent)
	pr, pw := io.Pipe()
	s := &server{done: make(chan error, 1), log: &lockedWriter{w: &bytes.Buffer{}}}
	logw := s.log
	go func() {
		s.done <- Run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), strings.NewReader(""), pw, logw)
		pw.Close()
	}()
	s.base = readAddr(t, pr)
	go io.Copy(io.Discard, pr)
	s.stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("serve returned %v\nlog:\n%s", err, logw)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not stop within 30s of its context's end")
		}
	})
	t.Cleanup(s.stop)
	s.waitReady(t)
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func readAddr(t testing.TB, r io.Reader) string {
	t.Helper()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v", err)
	}
	m := addrLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in %q", line)
	}
	return m[1]
}

func (s *server) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server at %s not ready within 60s; log:\n%s", s.base, s.log)
}

// sloBinary builds the slo command once per test run.
var sloBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "slo-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "slo")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// startChild runs slo serve as a child process, to be killed.
func startChild(t testing.TB, args ...string) *server {
	t.Helper()
	bin, err := sloBinary()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{log: &lockedWriter{w: &bytes.Buffer{}}}
	s.cmd = exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	s.cmd.Stderr = s.log
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	s.base = readAddr(t, out)
	go io.Copy(io.Discard, out)
	s.waitReady(t)
	return s
}

func (s *server) kill() {
	if s.cmd != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill() // SIGKILL: no shutdown, no final checkpoint
		_ = s.cmd.Wait()
	}
}

// do sends a request and decodes the JSON answer into out, returning the
// status.
func (s *server) do(t *testing.T, method, path, token string, body io.Reader, header map[string]string, out any) int {
	t.Helper()
	code, err := s.try(method, path, token, body, header, out)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (s *server) try(method, path, token string, body io.Reader, header map[string]string, out any) (int, error) {
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode, nil
}

// evaluation is the part of GET /api/v1/slos/{service}/{slo} the tests read.
type evaluation struct {
	Time        time.Time `json:"time"`
	Service     string    `json:"service"`
	SLO         string    `json:"slo"`
	Customer    string    `json:"customer"`
	Tier        string    `json:"tier"`
	Target      float64   `json:"target"`
	Good        float64   `json:"good"`
	Valid       float64   `json:"valid"`
	SLI         *float64  `json:"sli"`
	Status      string    `json:"status"`
	BurnRate1h  *float64  `json:"burn_rate_1h"`
	BurnRate6h  *float64  `json:"burn_rate_6h"`
	BurnRate24h *float64  `json:"burn_rate_24h"`
	Budget      struct {
		TotalMinutes     float64 `json:"total_minutes"`
		ConsumedMinutes  float64 `json:"consumed_minutes"`
		RemainingMinutes float64 `json:"remaining_minutes"`
		RemainingRatio   float64 `json:"remaining_ratio"`
		RemainingEvents  float64 `json:"remaining_events"`
	} `json:"budget"`
	Tiers []struct {
		Name string `json:"name"`
	} `json:"tiers"`
}

// evaluation returns the SLO's evaluation from the first tick after now,
// so that what was pushed before the call is in it.
func (s *server) evaluation(t *testing.T, key string) evaluation {
	t.Helper()
	return s.evaluationAs(t, key, "")
}

func (s *server) evaluationAs(t *testing.T, key, token string) evaluation {
	t.Helper()
	since := time.Now()
	deadline := since.Add(30 * time.Second)
	for {
		var ev evaluation
		if code := s.do(t, "GET", "/api/v1/slos/"+key, token, nil, nil, &ev); code != http.StatusOK {
			t.Fatalf("GET %s: %d", key, code)
		}
		if ev.Time.After(since) {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("no tick of %s within 30s", key)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLog waits until the server's log holds text.
func (s *server) waitLog(t testing.TB, text string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(s.log.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the log has no %q within %s:\n%s", text, timeout, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// windows returns the SLO's evaluation with its windows once it has
// settled: the same in two reads a few ticks apart (tick being the
// server's), for a server whose clock the test holds still.
func (s *server) windows(t *testing.T, key string, tick time.Duration) sloWindows {
	t.Helper()
	read := func() (sloWindows, string) {
		var ev sloWindows
		if code := s.do(t, "GET", "/api/v1/slos/"+key, "", nil, nil, &ev); code != http.StatusOK {
			t.Fatalf("GET %s: %d", key, code)
		}
		b, _ := json.Marshal(ev)
		return ev, string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	_, last := read()
	for {
		time.Sleep(3 * tick)
		ev, now := read()
		if now == last {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not settle within 30s", key)
		}
		last = now
	}
}

// waitTick waits for an evaluation of key at or after at, on the server's
// clock.
func (s *server) waitTick(t *testing.T, key string, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ev evaluation
		s.do(t, "GET", "/api/v1/slos/"+key, "", nil, nil, &ev)
		if !ev.Time.Before(at) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no evaluation of %s at %s within 30s (last at %s)", key, at, ev.Time)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
