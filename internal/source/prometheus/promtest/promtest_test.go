package promtest

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// day is a fixed past day, far enough back that nothing of a running
// Prometheus's own lands there.
var day = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// requests is an hour of http_requests_total from day on, every 15s:
// code="200" grows by 10 a sample, code="500" by 1, so that their rates
// are 2/3 and 1/15 a second and the error ratio is 1/11.
func requests() string {
	var b strings.Builder
	b.WriteString("# HELP http_requests Requests served.\n# TYPE http_requests counter\n")
	for _, c := range []struct {
		code string
		inc  int
	}{{"200", 10}, {"500", 1}} {
		for i := 0; i <= 240; i++ {
			fmt.Fprintf(&b, "http_requests_total{code=%q} %d %d\n", c.code, i*c.inc, day.Unix()+15*int64(i))
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// withRequests starts a Prometheus on a TSDB holding requests().
func withRequests(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.DataDir = t.TempDir()
	WriteOpenMetrics(t, opts.DataDir, requests())
	return Start(t, opts)
}

// byCode indexes samples by their code label.
func byCode(samples []Sample) map[string]float64 {
	m := map[string]float64{}
	for _, s := range samples {
		m[s.Labels["code"]] = s.Value
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stopper records how a helper gave up: a testing.TB whose Fatal and Skip
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
func (s *stopper) Fatalf(format string, args ...any) { s.Fatal(fmt.Sprintf(format, args...)) }
func (s *stopper) Skip(args ...any) {
	s.how, s.msg = "skip", fmt.Sprint(args...)
	runtime.Goexit()
}

// stopped runs f with a stopper and reports how it gave up ("" if not).
func stopped(t testing.TB, f func(s *stopper)) *stopper {
	s := &stopper{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(s)
	}()
	<-done
	return s
}

func TestWithoutTheBinariesItSkipsOrFailsInCI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("PROMETHEUS_BIN", "")
	t.Setenv("PROMTOOL_BIN", "")
	helpers := map[string]func(s *stopper){
		"Start":      func(s *stopper) { Start(s, Options{}) },
		"CheckRules": func(s *stopper) { _, _ = CheckRulesOutput(s, "rules.yml") },
	}
	for ci, want := range map[string]string{"true": "fatal", "": "skip", "false": "skip"} {
		t.Setenv("CI", ci)
		for name, f := range helpers {
			s := stopped(t, f)
			if s.how != want || !strings.Contains(s.msg, "apt-get install prometheus") {
				t.Errorf("CI=%q: %s %s (%q), want %s with how to install", ci, name, s.how, s.msg, want)
			}
		}
	}
}

func TestItScrapesATargetAndRestartsOnTheSamePort(t *testing.T) {
	t.Parallel()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, "# TYPE promtest_events_total counter\npromtest_events_total 42\n")
	}))
	defer target.Close()
	host := strings.TrimPrefix(target.URL, "http://")

	s := Start(t, Options{ScrapeTargets: []string{host}})
	s.WaitQuery(t, `up{job="targets"} == 1`, 10*time.Second, func(v []Sample) bool { return len(v) == 1 })
	got := s.WaitQuery(t, "promtest_events_total", 10*time.Second, func(v []Sample) bool { return len(v) == 1 })
	if got[0].Value != 42 || got[0].Labels["instance"] != host {
		t.Fatalf("scraped %v, want promtest_events_total{instance=%q} 42", got[0], host)
	}
	scraped := got[0].Time

	url := s.URL()
	s.Stop(t)
	if resp, err := http.Get(url + "/-/ready"); err == nil {
		resp.Body.Close()
		t.Fatal("a stopped Prometheus answers")
	}
	s.Restart(t)
	if s.URL() != url {
		t.Errorf("restarted at %s, was %s", s.URL(), url)
	}
	// The head block survives in the WAL.
	if v := s.Query(t, "promtest_events_total", scraped); len(v) != 1 || v[0].Value != 42 {
		t.Fatalf("after a restart, promtest_events_total at %s is %v, want 42", scraped, v)
	}
}

func TestRestartMovesToAnotherPortWhenItsOwnIsTaken(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	old := s.URL()
	s.Stop(t)
	l, err := net.Listen("tcp", strings.TrimPrefix(old, "http://"))
	if err != nil {
		t.Skipf("the port was taken by another in between: %v", err)
	}
	defer l.Close()
	s.Restart(t)
	if s.URL() == old {
		t.Fatalf("restarted at %s, which another holds", old)
	}
	if v := s.Query(t, "vector(1)", time.Now()); len(v) != 1 {
		t.Fatalf("vector(1) = %v after restarting elsewhere", v)
	}
}

func TestReloadReadsAChangedRuleFile(t *testing.T) {
	t.Parallel()
	rules := func(v int) string {
		return fmt.Sprintf("groups:\n  - name: answer\n    rules:\n      - record: promtest_answer\n        expr: vector(%d)\n", v)
	}
	file := writeFile(t, t.TempDir(), "rules.yml", rules(1))
	s := Start(t, Options{RuleFiles: []string{file}})
	s.WaitQuery(t, "promtest_answer == 1", 10*time.Second, func(v []Sample) bool { return len(v) == 1 })
	writeFile(t, filepath.Dir(file), "rules.yml", rules(2))
	s.Reload(t)
	s.WaitQuery(t, "promtest_answer == 2", 10*time.Second, func(v []Sample) bool { return len(v) == 1 })
}

func TestOpenMetricsDataIsQueriedBackAtItsTimes(t *testing.T) {
	t.Parallel()
	s := withRequests(t, Options{})

	for _, c := range []struct {
		at       time.Duration
		ok, errs float64
	}{{0, 0, 0}, {15 * time.Second, 10, 1}, {30 * time.Minute, 1200, 120}, {time.Hour, 2400, 240}} {
		got := byCode(s.Query(t, "http_requests_total", day.Add(c.at)))
		if len(got) != 2 || got["200"] != c.ok || got["500"] != c.errs {
			t.Errorf("http_requests_total at day+%s = %v, want 200: %g, 500: %g", c.at, got, c.ok, c.errs)
		}
	}
	// A scalar result is a sample without labels.
	if v := s.Query(t, `scalar(http_requests_total{code="500"})`, day.Add(time.Minute)); len(v) != 1 || v[0].Value != 4 || len(v[0].Labels) != 0 {
		t.Errorf("a scalar at day+1m = %v, want one sample of 4 without labels", v)
	}
	series := s.QueryRange(t, `rate(http_requests_total{code="500"}[1m])`, day.Add(5*time.Minute), day.Add(10*time.Minute), time.Minute)
	if len(series) != 1 || len(series[0].Points) != 6 {
		t.Fatalf("query_range gave %v, want one series of 6 points", series)
	}
	for i, p := range series[0].Points {
		if want := day.Add(5*time.Minute + time.Duration(i)*time.Minute); !p.Time.Equal(want) || !near(p.Value, 1.0/15) {
			t.Errorf("point %d = %g at %s, want %g at %s", i, p.Value, p.Time, 1.0/15, want)
		}
	}
	raw := s.Raw(t, `http_requests_total{code="200"}`, day, day.Add(time.Minute))
	if len(raw) != 1 || len(raw[0].Points) != 5 || raw[0].Points[4].Value != 40 {
		t.Errorf("raw samples of the first minute = %v, want 5 ending at 40", raw)
	}

	// Into a running server: written and seen at once, with a restart.
	s.WriteOpenMetrics(t, "# TYPE promtest_late gauge\npromtest_late 7 1767657600.5\n# EOF\n")
	if v := s.Query(t, "promtest_late", time.Unix(1767657600, 5e8)); len(v) != 1 || v[0].Value != 7 {
		t.Errorf("promtest_late = %v, want 7", v)
	}
}

func TestWriteOpenMetricsFailsOnSamplesOutOfOrder(t *testing.T) {
	text := "# TYPE promtest_g gauge\npromtest_g 1 1767571260\npromtest_g 2 1767571200\n# EOF\n"
	s := stopped(t, func(s *stopper) { WriteOpenMetrics(s, t.TempDir(), text) })
	if s.how == "skip" {
		t.Skip(s.msg)
	}
	if s.how != "fatal" || !strings.Contains(s.msg, "wrote 1 samples of 2") {
		t.Fatalf("WriteOpenMetrics %s (%q), want a failure for the dropped sample", s.how, s.msg)
	}
	s = stopped(t, func(s *stopper) { WriteOpenMetrics(s, t.TempDir(), "promtest_g 1 1767571200\n") })
	if s.how != "fatal" || !strings.Contains(s.msg, "# EOF") {
		t.Fatalf("WriteOpenMetrics without # EOF %s (%q), want a failure", s.how, s.msg)
	}
}
