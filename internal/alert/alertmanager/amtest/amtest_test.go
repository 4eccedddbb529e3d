package amtest

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// stopper records how Start gave up: a testing.TB whose Fatal and Skip
// end the goroutine as the real ones do.
type stopper struct {
	testing.TB
	how, msg string
}

func (s *stopper) Helper() {}
func (s *stopper) Fatal(args ...any) {
	s.how, s.msg = "fatal", fmt.Sprint(args...)
	runtime.Goexit()
}
func (s *stopper) Skip(args ...any) {
	s.how, s.msg = "skip", fmt.Sprint(args...)
	runtime.Goexit()
}

func TestStartWithoutTheBinarySkipsOrFailsInCI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("ALERTMANAGER_BIN", "")
	for ci, want := range map[string]string{"true": "fatal", "": "skip", "false": "skip"} {
		t.Setenv("CI", ci)
		s := &stopper{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Start(s)
		}()
		<-done
		if s.how != want || !strings.Contains(s.msg, "apt-get install prometheus-alertmanager") {
			t.Errorf("CI=%q: Start %s (%q), want %s with how to install", ci, s.how, s.msg, want)
		}
	}
}

func TestStopAndRestartOnTheSamePort(t *testing.T) {
	am := Start(t)
	url := am.URL()
	if alerts := am.Alerts(t); len(alerts) != 0 {
		t.Fatalf("a new Alertmanager holds %d alerts", len(alerts))
	}
	am.Stop(t)
	if resp, err := http.Get(url + "/-/ready"); err == nil {
		resp.Body.Close()
		t.Fatal("a stopped Alertmanager answers")
	}
	am.Restart(t)
	if am.URL() != url {
		t.Fatalf("restarted at %s, was %s", am.URL(), url)
	}
	resp, err := http.Get(url + "/-/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/-/ready after the restart: %s", resp.Status)
	}
	if firing, resolved := am.Received(t); firing != 0 || resolved != 0 {
		t.Errorf("received %d firing, %d resolved", firing, resolved)
	}
}
