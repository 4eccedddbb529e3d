// Package promtest runs a real Prometheus for tests, and promtool beside it
// to write old data, backfill recording rules and check rule files.
//
// Start looks for the binary as prometheus on PATH, or at $PROMETHEUS_BIN;
// the promtool helpers look for promtool on PATH, or at $PROMTOOL_BIN.
// Without them, a test is skipped, or fails when CI=true.
//
// The server keeps 10 years of data and refuses no old sample of a block,
// so tests can write data at fixed past days and query it back at those
// times.
package promtest

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testproc"
)

// Install tells how to get the binaries.
const Install = "install Prometheus: apt-get install prometheus (Debian; it has promtool too), " +
	"or put prometheus and promtool binaries on PATH or at $PROMETHEUS_BIN and $PROMTOOL_BIN"

// Server is a running Prometheus.
type Server struct {
	bin, dir, dataDir string
	args              []string
	client            *http.Client

	mu   sync.Mutex
	addr string
	proc *testproc.Proc // nil while stopped
}

// Binary finds the Prometheus binary, "" if there is none.
func Binary() string { return testproc.Find("PROMETHEUS_BIN", "prometheus") }

// PromtoolBinary finds the promtool binary, "" if there is none.
func PromtoolBinary() string { return testproc.Find("PROMTOOL_BIN", "promtool") }

// need returns the binary that find finds, or ends the test (testproc.Need).
func need(t testing.TB, name string, find func() string) string {
	t.Helper()
	bin := find()
	testproc.Need(t, bin, "promtest: no "+name+" binary: "+Install)
	return bin
}

// Start starts a Prometheus on a free port of 127.0.0.1, with its
// configuration and log in a temporary directory, waits until it is
// ready, and stops it when the test ends. When the test failed, the tail
// of its log goes to the test's output.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := need(t, "prometheus", Binary)
	opts = opts.defaults()
	dir := t.TempDir()
	config, err := opts.config()
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{bin: bin, dir: dir, dataDir: opts.DataDir, args: opts.Args,
		client: &http.Client{Timeout: 10 * time.Second}}
	if s.dataDir == "" {
		s.dataDir = filepath.Join(dir, "data")
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("promtest: the tail of prometheus's log %s:\n%s", s.logPath(), s.logTail())
		}
	})
	if err := s.startOnSomePort(); err != nil {
		t.Fatalf("promtest: starting %s: %v", bin, err)
	}
	return s
}

// startOnSomePort tries free ports: another process may take one between
// its choice and Prometheus's bind.
func (s *Server) startOnSomePort() error {
	var err error
	for range 3 {
		addr, ferr := testproc.FreeAddr()
		if ferr != nil {
			return ferr
		}
		s.mu.Lock()
		s.addr = addr
		s.mu.Unlock()
		if err = s.start(); err == nil || !addrInUse(err) {
			return err
		}
	}
	return err
}

// addrInUse tells whether start failed because the port was taken: the
// error holds the log, where Prometheus says so.
func addrInUse(err error) bool { return strings.Contains(err.Error(), "address already in use") }

func (s *Server) logPath() string { return filepath.Join(s.dir, "prometheus.log") }

// logTail is the end of the log, enough to see why it failed.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil {
		return err.Error()
	}
	const max = 8 << 10
	if len(b) > max {
		b = b[len(b)-max:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// start runs the binary on s.addr and waits until it is ready. The log
// file is appended to, so it tells the story of every restart.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("already running")
	}
	log, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close() // the child has its own descriptor
	args := append([]string{
		"--config.file=" + filepath.Join(s.dir, "prometheus.yml"),
		"--storage.tsdb.path=" + s.dataDir,
		// Data written at fixed past days must outlive the test.
		"--storage.tsdb.retention.time=10y",
		"--web.listen-address=" + s.addr,
		"--web.enable-lifecycle",
		"--web.enable-admin-api",
	}, s.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	p, err := testproc.Start(cmd)
	if err != nil {
		return err
	}
	// Loading a TSDB with many blocks and replaying its WAL can take a while.
	if err := p.WaitReady("http://"+s.addr+"/-/ready", readyClient, 30*time.Second); err != nil {
		p.Stop(stopGrace)
		return fmt.Errorf("%w\n%s", err, s.logTail())
	}
	s.proc = p
	return nil
}

// readyClient gives up soon: the port may be another's, who takes the
// connection and never answers, while Prometheus has exited.
var readyClient = &http.Client{Timeout: time.Second}

// stopGrace is how long it has to exit after SIGTERM, so that the TSDB
// closes cleanly, before it is killed.
const stopGrace = 20 * time.Second

func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.Stop(stopGrace)
		s.proc = nil
	}
}

// URL is the base URL, such as http://127.0.0.1:40123.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "http://" + s.addr
}

// DataDir is the TSDB directory it runs on.
func (s *Server) DataDir() string { return s.dataDir }

// Stop stops it (SIGTERM) and waits until it exited; its port refuses
// connections until Restart.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.stop()
}

// Restart starts it again with the same data directory, on the same port
// when that is still free, or else on another: read URL again after it.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.stop()
	err := s.start()
	if err != nil && addrInUse(err) {
		err = s.startOnSomePort()
	}
	if err != nil {
		t.Fatalf("promtest: restarting: %v", err)
	}
}

// Reload makes it read its configuration and rule files again (POST
// /-/reload), and fails the test when it rejects them.
func (s *Server) Reload(t testing.TB) {
	t.Helper()
	resp, err := s.client.Post(s.URL()+"/-/reload", "", nil)
	if err != nil {
		t.Fatalf("promtest: POST /-/reload: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := readAll(resp)
		t.Fatalf("promtest: POST /-/reload: %s: %s", resp.Status, body)
	}
}
