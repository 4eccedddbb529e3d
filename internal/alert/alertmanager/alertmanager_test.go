package alertmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/alert"
)

// t0 is the fake clock's start in the unit tests.
var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// posted is an alert as a server received it.
type posted struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
}

// request is a POST a server received.
type request struct {
	method, path, contentType, auth, scope string
	alerts                                 []posted
	keys                                   []map[string]bool // each alert's JSON fields
}

// server is an httptest server standing in for an Alertmanager: it
// records the requests and answers with status, or hangs until the request
// is abandoned while hang is set.
type server struct {
	*httptest.Server
	reqs chan request

	mu     sync.Mutex
	status int
	hang   bool
}

func newServer(t *testing.T) *server {
	s := &server{reqs: make(chan request, 100), status: http.StatusOK}
	release := make(chan struct{})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading a request: %v", err)
			return
		}
		req := request{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			auth: r.Header.Get("Authorization"), scope: r.Header.Get("X-Scope-OrgID")}
		if err := json.Unmarshal(body, &req.alerts); err != nil {
			t.Errorf("the body is not a JSON list of alerts: %v: %s", err, body)
		}
		var raw []map[string]json.RawMessage
		_ = json.Unmarshal(body, &raw)
		for _, a := range raw {
			keys := map[string]bool{}
			for k := range a {
				keys[k] = true
			}
			req.keys = append(req.keys, keys)
		}
		s.mu.Lock()
		status, hang := s.status, s.hang
		s.mu.Unlock()
		if hang {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		s.reqs <- req
		w.WriteHeader(status)
		if status != http.StatusOK {
			fmt.Fprint(w, "boom")
		}
	}))
	t.Cleanup(func() { close(release); s.Close() })
	return s
}

func (s *server) set(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func (s *server) setHang() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = true
}

// next is the next request the server answered.
func (s *server) next(t *testing.T) request {
	t.Helper()
	select {
	case r := <-s.reqs:
		return r
	case <-time.After(5 * time.Second):
		t.Fatalf("%s received nothing", s.URL)
		return request{}
	}
}

// none checks that the server receives nothing for a while.
func (s *server) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-s.reqs:
		t.Fatalf("%s received %d alerts, want nothing", s.URL, len(r.alerts))
	case <-time.After(150 * time.Millisecond):
	}
}

// sent is a call of OnSend.
type sent struct {
	url    string
	alerts int
	err    error
}

type sends chan sent

func (c sends) next(t *testing.T) sent {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no send reported")
		return sent{}
	}
}

// run starts n.Run on the fake clock c (nil: the real one) and stops it at
// the end of the test, checking that it returns.
func run(t *testing.T, n *Notifier, c *fakeClock) {
	if c != nil {
		n.after = c.After
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context was cancelled")
		}
	})
}

// newNotifier returns a notifier on clock c (nil: the real one) that logs
// to the test and whose OnSend reports to the returned channel.
func newNotifier(t *testing.T, c *fakeClock, o Options) (*Notifier, sends) {
	ch := make(sends, 100)
	o.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	o.OnSend = func(url string, n int, err error) { ch <- sent{url, n, err} }
	if c != nil {
		o.Now = c.Now
	}
	return New(o), ch
}

// firing is a firing alert of objective slo since startsAt.
func firing(slo string, startsAt time.Time) alert.Notification {
	return alert.Notification{
		Labels: map[string]string{"alertname": "SLOBurnRate", "service": "checkout", "slo": slo,
			"severity": "page", "tier": "fast", "long_window": "1h", "short_window": "5m"},
		Annotations: map[string]string{"summary": slo + " burns its budget",
			"description": "14.4x over 1h", "runbook_url": "https://runbooks.example/" + slo,
			"dashboard": "https://slo.example/api/v1/slos/checkout/" + slo},
		StartsAt:     startsAt,
		GeneratorURL: "https://slo.example/api/v1/slos/checkout/" + slo,
	}
}

func resolved(slo string, startsAt, endsAt time.Time) alert.Notification {
	n := firing(slo, startsAt)
	n.EndsAt = endsAt
	return n
}

// slos are the slo labels of the alerts a server received, sorted.
func slos(r request) []string {
	var out []string
	for _, a := range r.alerts {
		out = append(out, a.Labels["slo"])
	}
	slices.Sort(out)
	return out
}

func TestPostsTheActiveSetAsAPIv2Alerts(t *testing.T) {
	s := newServer(t)
	c := newClock(t0)
	n, sends := newNotifier(t, c, Options{URLs: []string{s.URL + "/am/"}, Token: "tok",
		Headers: map[string]string{"X-Scope-OrgID": "team-a"}})
	run(t, n, c)

	fire := firing("availability", t0.Add(-5*time.Minute))
	res := resolved("latency", t0.Add(-time.Hour), t0.Add(-10*time.Minute))
	n.Notify(t0, []alert.Notification{fire, res}, []alert.Notification{fire})

	r := s.next(t)
	if r.method != http.MethodPost || r.path != "/am/api/v2/alerts" || r.contentType != "application/json" {
		t.Errorf("request %s %s (%s), want POST /am/api/v2/alerts (application/json)", r.method, r.path, r.contentType)
	}
	if r.auth != "Bearer tok" || r.scope != "team-a" {
		t.Errorf("Authorization %q, X-Scope-OrgID %q", r.auth, r.scope)
	}
	if len(r.alerts) != 2 {
		t.Fatalf("%d alerts, want 2", len(r.alerts))
	}
	want := []posted{
		{fire.Labels, fire.Annotations, fire.StartsAt, t0.Add(4 * time.Minute), fire.GeneratorURL},
		{res.Labels, res.Annotations, res.StartsAt, res.EndsAt, res.GeneratorURL},
	}
	for i, got := range r.alerts {
		w := want[i]
		if !maps.Equal(got.Labels, w.Labels) || !maps.Equal(got.Annotations, w.Annotations) ||
			!got.StartsAt.Equal(w.StartsAt) || !got.EndsAt.Equal(w.EndsAt) || got.GeneratorURL != w.GeneratorURL {
			t.Errorf("alert %d:\n got %+v\nwant %+v", i, got, w)
		}
		for _, k := range []string{"labels", "annotations", "startsAt", "endsAt", "generatorURL"} {
			if !r.keys[i][k] {
				t.Errorf("alert %d has no %q: %v", i, k, r.keys[i])
			}
		}
		if len(r.keys[i]) != 5 {
			t.Errorf("alert %d has fields %v, want the 5 of a postable alert", i, r.keys[i])
		}
	}
	if got := sends.next(t); got.url != s.URL+"/am" || got.alerts != 2 || got.err != nil {
		t.Errorf("OnSend(%q, %d, %v), want (%q, 2, nil)", got.url, got.alerts, got.err, s.URL+"/am")
	}
}

func TestFiringAlertsEndFourTicksOrResendsAhead(t *testing.T) {
	fire := firing("availability", t0.Add(-time.Minute))
	res := resolved("latency", t0.Add(-time.Hour), t0.Add(-30*time.Second))
	for _, tc := range []struct {
		tick, resend, ahead time.Duration
	}{
		{0, 0, 4 * time.Minute}, // the defaults: 10 s and 1 minute
		{10 * time.Second, time.Minute, 4 * time.Minute},
		{2 * time.Minute, time.Minute, 8 * time.Minute},
		{10 * time.Second, 30 * time.Second, 2 * time.Minute},
	} {
		n := New(Options{URLs: []string{"http://am:9093"}, Tick: tc.tick, Resend: tc.resend})
		body, err := n.body(t0, []alert.Notification{fire, res})
		if err != nil {
			t.Fatal(err)
		}
		var got []posted
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if !got[0].EndsAt.Equal(t0.Add(tc.ahead)) {
			t.Errorf("tick %s, resend %s: a firing alert ends at %s, want now + %s", tc.tick, tc.resend, got[0].EndsAt, tc.ahead)
		}
		if !got[1].EndsAt.Equal(res.EndsAt) {
			t.Errorf("tick %s, resend %s: a resolved alert ends at %s, want its own end %s", tc.tick, tc.resend, got[1].EndsAt, res.EndsAt)
		}
	}
}

func TestSendsToEveryAlertmanagerAndOneFailingHoldsBackNone(t *testing.T) {
	ok1, ok2, failing, hanging := newServer(t), newServer(t), newServer(t), newServer(t)
	failing.set(http.StatusInternalServerError)
	hanging.setHang()
	c := newClock(t0)
	// A long timeout: the hanging Alertmanager keeps its sender busy for
	// the whole test.
	n, sends := newNotifier(t, c, Options{URLs: []string{ok1.URL, failing.URL, hanging.URL, ok2.URL}, Timeout: time.Hour})
	run(t, n, c)

	a := firing("availability", t0)
	n.Notify(t0, []alert.Notification{a}, []alert.Notification{a})
	for _, s := range []*server{ok1, ok2, failing} {
		if r := s.next(t); !slices.Equal(slos(r), []string{"availability"}) {
			t.Errorf("%s received %v", s.URL, slos(r))
		}
	}
	results := map[string]error{}
	for range 3 {
		s := sends.next(t)
		results[s.url] = s.err
	}
	if err, ok := results[failing.URL]; !ok || err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("the failing Alertmanager's send: %v, want the status and the body", err)
	}
	for _, s := range []*server{ok1, ok2} {
		if err, ok := results[s.URL]; !ok || err != nil {
			t.Errorf("%s: reported %t, error %v", s.URL, ok, err)
		}
	}
	if _, ok := results[hanging.URL]; ok {
		t.Errorf("the hanging Alertmanager reported a send")
	}

	// The hanging one still holds its sender; the others take the next
	// change at once.
	b := firing("latency", t0)
	c.Step(10 * time.Second)
	n.Notify(c.Now(), []alert.Notification{a, b}, []alert.Notification{b})
	for _, s := range []*server{ok1, ok2} {
		if r := s.next(t); !slices.Equal(slos(r), []string{"availability", "latency"}) {
			t.Errorf("%s received %v after the change", s.URL, slos(r))
		}
	}
}

func TestFailedSendIsRetriedWithTheCurrentSet(t *testing.T) {
	s := newServer(t)
	s.set(http.StatusServiceUnavailable)
	c := newClock(t0)
	n, sends := newNotifier(t, c, Options{URLs: []string{s.URL}})
	run(t, n, c)

	a, b := firing("availability", t0), firing("latency", t0)
	n.Notify(t0, []alert.Notification{a, b}, []alert.Notification{a, b})
	s.next(t)
	if got := sends.next(t); got.err == nil || !strings.Contains(got.err.Error(), "503") {
		t.Fatalf("the send to a failing Alertmanager reported %v", got.err)
	}

	// b leaves the set without a change (as a resolved alert does after
	// alert.ResolvedKeep): no send until the resend, which carries the
	// current set, not the one that failed.
	s.set(http.StatusOK)
	c.Step(10 * time.Second)
	n.Notify(c.Now(), []alert.Notification{a}, nil)
	s.none(t)
	c.Step(50 * time.Second)
	r := s.next(t)
	if !slices.Equal(slos(r), []string{"availability"}) {
		t.Fatalf("the retry sent %v, want the current set [availability]", slos(r))
	}
	if want := t0.Add(time.Minute + 4*time.Minute); !r.alerts[0].EndsAt.Equal(want) {
		t.Errorf("the retry's endsAt is %s, want %s (from the time of the retry)", r.alerts[0].EndsAt, want)
	}
	if got := sends.next(t); got.err != nil {
		t.Errorf("the retry reported %v", got.err)
	}

	// A failure is also made good by the next change.
	s.set(http.StatusBadGateway)
	c.Step(10 * time.Second)
	b.StartsAt = c.Now()
	n.Notify(c.Now(), []alert.Notification{a, b}, []alert.Notification{b})
	s.next(t)
	if got := sends.next(t); got.err == nil {
		t.Fatal("the send to a failing Alertmanager reported no error")
	}
	s.set(http.StatusOK)
	c.Step(10 * time.Second)
	d := firing("durability", c.Now())
	n.Notify(c.Now(), []alert.Notification{a, b, d}, []alert.Notification{d})
	if r := s.next(t); !slices.Equal(slos(r), []string{"availability", "durability", "latency"}) {
		t.Errorf("the next change sent %v, want all three", slos(r))
	}
}

func TestChangeSendsAtOnce(t *testing.T) {
	s := newServer(t)
	c := newClock(t0)
	n, _ := newNotifier(t, c, Options{URLs: []string{s.URL}})
	run(t, n, c)

	// Nothing to send yet.
	n.Notify(t0, nil, nil)
	s.none(t)
	// The first set goes out at once even without a change: alerts that
	// kept firing across a restart of slo.
	a := firing("availability", t0.Add(-time.Hour))
	n.Notify(t0, []alert.Notification{a}, nil)
	if r := s.next(t); !slices.Equal(slos(r), []string{"availability"}) {
		t.Errorf("the first set: %v", slos(r))
	}
	// Then nothing until a change or the resend.
	for range 5 {
		n.Notify(t0, []alert.Notification{a}, nil)
	}
	s.none(t)
	// The clock does not move: a change alone sends.
	b := firing("latency", t0)
	n.Notify(t0, []alert.Notification{a, b}, []alert.Notification{b})
	if r := s.next(t); !slices.Equal(slos(r), []string{"availability", "latency"}) {
		t.Errorf("after a change: %v", slos(r))
	}
	// A resolution is a change too.
	a = resolved("availability", a.StartsAt, t0)
	n.Notify(t0, []alert.Notification{a, b}, []alert.Notification{a})
	r := s.next(t)
	if len(r.alerts) != 2 || r.alerts[0].Labels["slo"] != "availability" || !r.alerts[0].EndsAt.Equal(t0) {
		t.Errorf("after a resolution: %+v", r.alerts)
	}
}

func TestResendsEveryIntervalOnTheClock(t *testing.T) {
	s := newServer(t)
	c := newClock(t0)
	n, _ := newNotifier(t, c, Options{URLs: []string{s.URL}, Resend: time.Minute})
	run(t, n, c)

	a := firing("availability", t0)
	n.Notify(t0, []alert.Notification{a}, []alert.Notification{a})
	s.next(t)
	endsAt := func(r request) time.Time { return r.alerts[0].EndsAt }

	c.Step(30 * time.Second)
	s.none(t)
	c.Step(30 * time.Second)
	if r := s.next(t); !endsAt(r).Equal(t0.Add(time.Minute + 4*time.Minute)) {
		t.Errorf("the resend at 1m ends at %s", endsAt(r))
	}
	c.Step(59 * time.Second)
	s.none(t)
	c.Step(time.Second)
	if r := s.next(t); !endsAt(r).Equal(t0.Add(2*time.Minute + 4*time.Minute)) {
		t.Errorf("the resend at 2m ends at %s", endsAt(r))
	}

	// A send on a change restarts the interval.
	c.Step(30 * time.Second)
	b := firing("latency", c.Now())
	n.Notify(c.Now(), []alert.Notification{a, b}, []alert.Notification{b})
	s.next(t)
	c.Step(59 * time.Second)
	s.none(t)
	c.Step(time.Second)
	if r := s.next(t); len(r.alerts) != 2 || !endsAt(r).Equal(t0.Add(3*time.Minute+30*time.Second+4*time.Minute)) {
		t.Errorf("the resend a minute after the change: %d alerts ending at %s", len(r.alerts), endsAt(r))
	}

	// A big step (the process was suspended) sends once, not once per
	// missed interval.
	c.Step(10 * time.Minute)
	s.next(t)
	s.none(t)
}

func TestNotifyDoesNotBlockAndSendsTheLatestSet(t *testing.T) {
	s := newServer(t)
	c := newClock(t0)
	n, sends := newNotifier(t, c, Options{URLs: []string{s.URL}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			a := firing(fmt.Sprint("slo-", i), t0)
			n.Notify(t0, []alert.Notification{a}, []alert.Notification{a})
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Notify blocked while nothing sends")
	}
	// The wakes coalesced: one send, of the latest set.
	run(t, n, c)
	if r := s.next(t); !slices.Equal(slos(r), []string{"slo-999"}) {
		t.Errorf("sent %v, want the latest set", slos(r))
	}
	sends.next(t)
	s.none(t)
}

func TestParseURLs(t *testing.T) {
	got, err := ParseURLs([]string{"http://am-0:9093", " https://user:pw@am.example/prefix/ "})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].String() != "http://am-0:9093" || got[1].String() != "https://user:pw@am.example/prefix" {
		t.Errorf("parsed %v", got)
	}
	n := New(Options{URLs: []string{"http://am-0:9093", "https://user:pw@am.example/prefix/"}})
	if n.targets[0].endpoint != "http://am-0:9093/api/v2/alerts" ||
		n.targets[1].endpoint != "https://user:pw@am.example/prefix/api/v2/alerts" ||
		n.targets[1].name != "https://user:xxxxx@am.example/prefix" {
		t.Errorf("targets %+v %+v", n.targets[0], n.targets[1])
	}

	for _, bad := range []string{"am-0:9093", "ftp://am-0", "http://", "http://am/?x=1", "http://am/#top", "http://am:port/"} {
		_, err := ParseURLs([]string{"http://ok:9093", bad})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("ParseURLs(%q): %v, want an error naming it", bad, err)
		}
		// New takes it, and Run says why it cannot run.
		err = New(Options{URLs: []string{bad}}).Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("Run with %q: %v, want an error naming it", bad, err)
		}
	}
	if err := New(Options{}).Run(context.Background()); err == nil {
		t.Error("Run without a URL returned no error")
	}
}
