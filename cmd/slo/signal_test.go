package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGHUPReloadsAndSIGTERMCheckpoints runs slo serve as a child: SIGHUP
// brings in an SLO added to the spec without losing counts, SIGTERM ends it
// cleanly with a checkpoint, and the next start restores from it.
func TestSIGHUPReloadsAndSIGTERMCheckpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals a child server")
	}
	spec := writeFile(t, "api.yaml", pushSpec)
	dir := t.TempDir()
	args := []string{"-c", spec, "--data-dir", dir, "--ingest-token", "tok", "--tick", "50ms"}
	s := startChild(t, args...)
	now := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	s.push(t, "tok", "", []byte(fmt.Sprintf(`{"slo":"api/availability","time":%q,"good":7,"valid":8}`, now)), http.StatusOK)

	added := pushSpec + "  - name: second\n    objective: 95\n    window: 7d\n    sli:\n      events: {stream: api}\n"
	if err := os.WriteFile(spec, []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for code := 0; code != http.StatusOK; {
		if time.Now().After(deadline) {
			t.Fatalf("the SLO added to the spec did not appear after SIGHUP; log:\n%s", s.log)
		}
		code, _ = s.try("GET", "/api/v1/slos/api/second", "", nil, nil, nil)
		time.Sleep(20 * time.Millisecond)
	}
	if ev := s.evaluation(t, "api/availability"); ev.Valid != 8 {
		t.Fatalf("after SIGHUP valid = %g, want 8", ev.Valid)
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v; log:\n%s", err, s.log)
	}
	if !strings.Contains(s.log.String(), "engine checkpoint saved") {
		t.Errorf("no checkpoint at shutdown; log:\n%s", s.log)
	}
	again := startChild(t, args...)
	if ev := again.evaluation(t, "api/availability"); ev.Valid != 8 {
		t.Fatalf("after restart valid = %g, want 8", ev.Valid)
	}
	if !strings.Contains(again.log.String(), "from_checkpoint=2") {
		t.Errorf("the restart did not restore both SLOs from the checkpoint; log:\n%s", again.log)
	}
}
