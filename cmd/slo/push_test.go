package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/push"
	"github.com/slo-dev/slo/internal/source/push/pushtest"
	"github.com/slo-dev/slo/internal/spec"
)

// pushServer starts the push API over the notification platform. The
// list it returns holds the Authorization header of every request.
func pushServer(t *testing.T) (*httptest.Server, *pushtest.Sink, *[]string) {
	t.Helper()
	svcs, problems := spec.Load(platform)
	if bad := problems.Invalid(); len(bad) > 0 {
		t.Fatal(bad)
	}
	var vs []slo.Service
	for _, s := range svcs {
		vs = append(vs, *s)
	}
	sink := &pushtest.Sink{}
	h := push.NewHandler(sink, push.Options{})
	h.SetRouter(push.NewRouter(vs))
	var mu sync.Mutex
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, sink, &auth
}

const (
	pushEvent = `{"stream":"api","path":"/api/v1/notifications","method":"POST","status":202,"latency_ms":40,"customer":"acme-retail"}`
	pushCount = `{"slo":"notification-platform/delivery","good":95,"valid":100}`
)

// pushFile is seven items over nine lines, two of them blank.
var pushFile = strings.Join([]string{pushEvent, pushEvent, "", pushCount, pushEvent, "   ", pushEvent, pushCount, `{"stream":"billing"}`}, "\n") + "\n"

func TestPushSendsAFileInBatchesAndCountsARerunOnce(t *testing.T) {
	srv, sink, _ := pushServer(t)
	file := writeFile(t, "events.ndjson", pushFile)
	r := mustRun(t, exitOK, "push", "--server", srv.URL, "--batch", "3", file)
	want := "pushed 7 items in 3 batches (0 duplicate): 6 counted, 0 excluded, 0 ignored, 1 unmatched\n"
	if r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	if !strings.Contains(r.stderr, "warning: 1 events have a stream no SLO reads") {
		t.Errorf("stderr lacks the unmatched warning:\n%s", r.stderr)
	}
	if len(sink.Batches()) != 3 {
		t.Fatalf("the server stored %d batches, want 3", len(sink.Batches()))
	}
	id := regexp.MustCompile(`^push-[0-2]-[0-9a-f]{32}$`)
	for _, b := range sink.Batches() {
		if !id.MatchString(b.ID) {
			t.Errorf("batch id %q is not push-INDEX-HASH", b.ID)
		}
	}
	if got := sink.Valid("notification-platform/availability"); got != 4 {
		t.Errorf("availability has %v valid events, want 4", got)
	}

	again := mustRun(t, exitOK, "push", "--server", srv.URL, "--batch", "3", file)
	if want := "pushed 7 items in 3 batches (3 duplicate): 0 counted"; !strings.HasPrefix(again.stdout, want) {
		t.Errorf("rerun said %q, want %q", again.stdout, want)
	}
	if got := sink.Valid("notification-platform/availability"); got != 4 {
		t.Errorf("after the rerun availability has %v valid events, want still 4", got)
	}
}

func TestPushReadsStandardInputAndTheEnvironment(t *testing.T) {
	srv, sink, auth := pushServer(t)
	t.Setenv("SLO_SERVER", srv.URL)
	t.Setenv("SLO_TOKEN", "s3cret")
	r := run(t, pushEvent+"\n"+pushCount, "push", "-")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "pushed 2 items in 1 batches (0 duplicate)") {
		t.Fatalf("exit %d (%v)\nstdout: %s\nstderr: %s", r.code, r.err, r.stdout, r.stderr)
	}
	if len(sink.Batches()) != 1 || (*auth)[0] != "Bearer s3cret" {
		t.Errorf("%d batches with Authorization %q", len(sink.Batches()), *auth)
	}
}

func TestPushNamesTheFileLineOfEachRefusedItem(t *testing.T) {
	srv, sink, _ := pushServer(t)
	bad := strings.Join([]string{pushEvent, pushEvent, "", pushCount,
		`{"slo":"notification-platform/delivery","good":120,"valid":100}`, "", `{"stream":"api","status":42}`}, "\n")
	file := writeFile(t, "bad.ndjson", bad)
	r := mustRun(t, exitInvalid, "push", "--server", srv.URL, "--batch", "2", file)
	for _, want := range []string{
		file + `:5: field "good": 120 is more than valid (100)`,
		"pushed 2 items in 1 batches (0 duplicate) before the failure; run the same command again",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.err == nil || !strings.Contains(r.err.Error(), "the server refused batch 1 (lines 4-5)") {
		t.Errorf("error %v does not name the batch and its lines", r.err)
	}
	if len(sink.Batches()) != 1 {
		t.Errorf("the server took %d batches, want the first only", len(sink.Batches()))
	}
}

func TestPushShowsProgressWhenAsked(t *testing.T) {
	srv, _, _ := pushServer(t)
	file := writeFile(t, "events.ndjson", pushFile)
	r := mustRun(t, exitOK, "push", "--server", srv.URL, "--progress", "--batch", "3", file)
	if !regexp.MustCompile(`\r\[#+\] 100%  \d+ B of \d+ B, 7 items\n`).MatchString(r.stderr) {
		t.Errorf("stderr lacks a finished progress bar:\n%q", r.stderr)
	}
	quiet := mustRun(t, exitOK, "push", "--server", srv.URL, file)
	if strings.Contains(quiet.stderr, "\r") {
		t.Errorf("progress shown on a stderr that is no terminal:\n%q", quiet.stderr)
	}
}

func TestPushUsage(t *testing.T) {
	file := writeFile(t, "events.ndjson", pushFile)
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	tests := []struct {
		name string
		args []string
		code int
		text string
	}{
		{"--help explains batch ids and reruns", []string{"push", "--help"}, exitOK, "not counted twice"},
		{"no file is a usage error", []string{"push"}, exitUsage, "give one file"},
		{"two files are a usage error", []string{"push", file, file}, exitUsage, "give one file"},
		{"a batch of 0 is a usage error", []string{"push", "--batch", "0", file}, exitUsage, "--batch must be at least 1"},
		{"a missing file is a usage error", []string{"push", "no-such.ndjson"}, exitUsage, "no-such.ndjson"},
		{"a server that is down fails with exit 2", []string{"push", "--server", down, "--retries", "0", file}, exitUsage, "batch 0 (lines 1-9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRun(t, tt.code, tt.args...)
			out := r.stdout + r.stderr
			if r.err != nil {
				out += r.err.Error()
			}
			if !strings.Contains(out, tt.text) {
				t.Errorf("output lacks %q:\n%s", tt.text, out)
			}
		})
	}
}
