// Package testproc runs the real programs that tests start beside them,
// such as Prometheus and Alertmanager: it finds the binary, picks a free
// port, starts the program, waits until it is ready, and stops it gently.
package testproc

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Find returns the binary that $env names when it is set, else the first
// of names found on PATH; "" when there is none.
func Find(env string, names ...string) string {
	if b := os.Getenv(env); b != "" {
		return b
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Need ends the test when bin is "", with msg: a skip, or a failure when
// CI=true, where a missing tool must never pass unseen.
func Need(t testing.TB, bin, msg string) {
	t.Helper()
	if bin != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// FreeAddr returns an address of 127.0.0.1 whose port was free a moment
// ago: another process may take it before the program binds it.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Proc is a started program.
type Proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it exited
}

// Start starts cmd.
func Start(cmd *exec.Cmd) (*Proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// WaitReady polls GET url through client until it answers 200 OK, for up
// to wait. It fails when the program exits first or is not ready in time,
// and leaves stopping it to the caller.
func (p *Proc) WaitReady(url string, client *http.Client, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("it exited: %s", p.cmd.ProcessState)
		default:
		}
		if resp, err := client.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s", wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the program gently, with SIGTERM, and kills it if it has not
// exited within grace. It returns once the program has exited.
func (p *Proc) Stop(grace time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
