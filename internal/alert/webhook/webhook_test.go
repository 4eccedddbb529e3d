package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/alert"
)

const testSecret = "s3cret"

var t0 = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// clock is a fake clock that Run's goroutine reads while the test steps it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) step(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// waits is a fake after: it records each wait, steps the clock by it, and
// fires at once.
type waits struct {
	mu    sync.Mutex
	c     *clock
	waits []time.Duration
}

func (w *waits) after(d time.Duration) <-chan time.Time {
	w.mu.Lock()
	w.waits = append(w.waits, d)
	w.mu.Unlock()
	w.c.step(d)
	ch := make(chan time.Time, 1)
	ch <- w.c.now()
	return ch
}

func (w *waits) get() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.waits)
}

// counts tallies OnSend.
type counts struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counts) onSend(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[s]++
}

func (c *counts) all() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}

func (c *counts) get(s string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[s]
}

// logBuf collects log output from several goroutines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// request is what the receiver got.
type request struct {
	header http.Header
	body   []byte
	msg    Message
}

// name is the "name" label of the message's first alert, which the tests
// use to tell messages apart.
func (r request) name() string {
	if len(r.msg.Alerts) == 0 {
		return ""
	}
	return r.msg.Alerts[0].Labels["name"]
}

// receiver is a real HTTP server that records every request and answers
// with answer (200 when nil).
type receiver struct {
	srv    *httptest.Server
	got    chan request
	mu     sync.Mutex
	all    []request
	answer func(w http.ResponseWriter, r *http.Request, req request, n int) // n counts from 0
}

func newReceiver(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, req request, n int)) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan request, 100), answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the body: %v", err)
		}
		req := request{header: r.Header.Clone(), body: body}
		if err := json.Unmarshal(body, &req.msg); err != nil {
			t.Errorf("body is not a message: %v: %s", err, body)
		}
		rc.mu.Lock()
		n := len(rc.all)
		rc.all = append(rc.all, req)
		rc.mu.Unlock()
		if rc.answer != nil {
			rc.answer(w, r, req, n)
		}
		rc.got <- req
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// next waits for the receiver's next request.
func (rc *receiver) next(t *testing.T) request {
	t.Helper()
	select {
	case r := <-rc.got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no request within 10s")
		return request{}
	}
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.all)
}

// names lists the messages the receiver got, by name, in order.
func (rc *receiver) names() []string {
	var out []string
	for _, r := range rc.requests() {
		out = append(out, r.name())
	}
	return out
}

// fixture holds a notifier under test and what observes it.
type fixture struct {
	n      *Notifier
	clock  *clock
	waits  *waits
	counts *counts
	logs   *logBuf
}

func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	f := &fixture{clock: &clock{t: t0}, counts: &counts{}, logs: &logBuf{}}
	f.waits = &waits{c: f.clock}
	if o.Now == nil {
		o.Now = f.clock.now
	}
	o.OnSend = f.counts.onSend
	o.Logger = slog.New(slog.NewTextHandler(f.logs, nil))
	n, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	n.jitter = func(d time.Duration) time.Duration { return d } // the backoff itself
	f.n = n
	return f
}

// start runs the notifier with after until the test ends, and checks that
// Run returned nil.
func (f *fixture) start(t *testing.T, after func(time.Duration) <-chan time.Time) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.n.run(ctx, after) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10s of ctx's cancel")
		}
	})
}

// firing and resolved make one alert named name.
func firing(name string) alert.Notification {
	return alert.Notification{
		Labels:       map[string]string{"alertname": "SLOBurnRate", "name": name, "severity": "page"},
		Annotations:  map[string]string{"summary": name + " burns its budget"},
		StartsAt:     t0.Add(-time.Hour),
		GeneratorURL: "http://slo.example/slos/x?tab=alerts&window=1h",
	}
}

func resolved(name string) alert.Notification {
	a := firing(name)
	a.EndsAt = t0.Add(-time.Minute)
	return a
}

// notify queues a message with one firing alert named name.
func (f *fixture) notify(name string) {
	a := firing(name)
	f.n.Notify(f.clock.now(), []alert.Notification{a}, []alert.Notification{a})
}

func TestDeliversASignedMessageTheReceiverVerifies(t *testing.T) {
	var verr error
	var vmu sync.Mutex
	var f *fixture
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, _ int) {
		err := Verify(testSecret, r.Header, req.body, f.clock.now(), time.Minute)
		vmu.Lock()
		verr = err
		vmu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	f = newFixture(t, Options{URL: rc.srv.URL + "/hook?token=abc", Secret: testSecret})
	f.start(t, f.waits.after)

	fire, gone := firing("checkout"), resolved("search")
	f.n.Notify(t0, []alert.Notification{fire, gone, firing("other")}, []alert.Notification{fire, gone})
	r := rc.next(t)
	vmu.Lock()
	if verr != nil {
		t.Fatalf("the receiver refused the request: %v", verr)
	}
	vmu.Unlock()

	h := r.header
	if h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "slo-webhook" {
		t.Errorf("Content-Type %q, User-Agent %q", h.Get("Content-Type"), h.Get("User-Agent"))
	}
	if got, want := h.Get(HeaderTimestamp), strconv.FormatInt(t0.Unix(), 10); got != want {
		t.Errorf("%s %q, want %q", HeaderTimestamp, got, want)
	}
	sum := sha256.Sum256(r.body)
	if got := h.Get(HeaderIdempotencyKey); got != hex.EncodeToString(sum[:]) {
		t.Errorf("Idempotency-Key %q is not the body's hash", got)
	}
	// The signature as docs/alerting.md tells a receiver to compute it.
	hm := hmac.New(sha256.New, []byte(testSecret))
	hm.Write([]byte(h.Get(HeaderTimestamp) + "." + string(r.body)))
	if want := "sha256=" + hex.EncodeToString(hm.Sum(nil)); h.Get(HeaderSignature) != want {
		t.Errorf("signature %q, want %q", h.Get(HeaderSignature), want)
	}

	// The payload: the two transitions, not the alert that goes on firing.
	m := r.msg
	if m.Version != "1" || !m.SentAt.Equal(t0) || m.Status != "firing" || len(m.Alerts) != 2 {
		t.Fatalf("message %+v", m)
	}
	a, b := m.Alerts[0], m.Alerts[1]
	if a.Status != "firing" || a.Labels["name"] != "checkout" || a.Annotations["summary"] != "checkout burns its budget" ||
		!a.StartsAt.Equal(t0.Add(-time.Hour)) || !a.EndsAt.IsZero() || a.GeneratorURL != fire.GeneratorURL ||
		a.Fingerprint != Fingerprint(fire.Labels) {
		t.Errorf("firing alert %+v", a)
	}
	if b.Status != "resolved" || b.Labels["name"] != "search" || !b.EndsAt.Equal(t0.Add(-time.Minute)) ||
		b.Fingerprint != Fingerprint(gone.Labels) {
		t.Errorf("resolved alert %+v", b)
	}
	// endsAt is left out while firing, and URLs keep their &.
	if bytes.Count(r.body, []byte(`"endsAt"`)) != 1 || !bytes.Contains(r.body, []byte("&window=1h")) {
		t.Errorf("body %s", r.body)
	}

	// What a receiver must refuse.
	if err := Verify(testSecret, h, bytes.Replace(r.body, []byte("checkout"), []byte("checkoup"), 1), t0, time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered body: %v, want ErrBadSignature", err)
	}
	if err := Verify("not the secret", h, r.body, t0, time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Errorf("wrong secret: %v, want ErrBadSignature", err)
	}
	if err := Verify(testSecret, h, r.body, t0.Add(2*time.Minute), time.Minute); !errors.Is(err, ErrStale) {
		t.Errorf("replayed 2 minutes later: %v, want ErrStale", err)
	}
	waitFor(t, func() bool { return f.counts.get("delivered") == 1 })
}

func TestWrongSecretIsRefusedAndNotRetried(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, _ int) {
		if err := Verify("the receiver's secret", r.Header, req.body, t0, 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	})
	f := newFixture(t, Options{URL: rc.srv.URL, Secret: "the sender's secret"})
	f.start(t, f.waits.after)
	f.notify("a")
	f.notify("b")
	rc.next(t)
	rc.next(t)
	waitFor(t, func() bool { return f.counts.get("dropped") == 2 })
	if got := rc.names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("requests %v, want one each for a and b", got)
	}
	if f.counts.get("retried") != 0 || f.counts.get("delivered") != 0 {
		t.Errorf("counts %v", f.counts.all())
	}
	if logs := f.logs.String(); !strings.Contains(logs, "401") || !strings.Contains(logs, "bad signature") {
		t.Errorf("logs do not tell why:\n%s", logs)
	}
}

func TestWithoutSecretRequestsAreUnsignedAndNewWarns(t *testing.T) {
	rc := newReceiver(t, nil)
	f := newFixture(t, Options{URL: rc.srv.URL})
	f.start(t, f.waits.after)
	f.notify("a")
	r := rc.next(t)
	if s := r.header.Get(HeaderSignature); s != "" {
		t.Errorf("unsigned request has signature %q", s)
	}
	if r.header.Get(HeaderTimestamp) == "" || r.header.Get(HeaderIdempotencyKey) == "" {
		t.Errorf("headers %v", r.header)
	}
	if !strings.Contains(f.logs.String(), "unsigned") {
		t.Errorf("no warning:\n%s", f.logs.String())
	}
}

func TestNotifyQueuesOnlyTransitions(t *testing.T) {
	f := newFixture(t, Options{URL: "http://127.0.0.1:1"})
	f.n.Notify(t0, []alert.Notification{firing("a"), resolved("b")}, nil)
	f.n.Notify(t0, []alert.Notification{firing("a")}, []alert.Notification{})
	if len(f.n.queue) != 0 {
		t.Fatalf("%d messages queued for no change", len(f.n.queue))
	}
	f.n.Notify(t0, nil, []alert.Notification{resolved("b"), resolved("c")})
	if len(f.n.queue) != 1 {
		t.Fatalf("%d messages queued, want 1", len(f.n.queue))
	}
	var m Message
	if err := json.Unmarshal(f.n.queue[0].body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Status != "resolved" || len(m.Alerts) != 2 {
		t.Errorf("all resolved: %+v", m)
	}
}

func TestMessageFillsNilMaps(t *testing.T) {
	m, err := newMessage(t0, []alert.Notification{{StartsAt: t0}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(m.body, []byte(`"labels":{},"annotations":{}`)) {
		t.Errorf("body %s", m.body)
	}
}

func TestFingerprint(t *testing.T) {
	a := map[string]string{"alertname": "SLOBurnRate", "service": "api", "slo": "availability"}
	b := map[string]string{}
	for _, k := range []string{"slo", "service", "alertname"} { // another insertion order
		b[k] = a[k]
	}
	fa := Fingerprint(a)
	if len(fa) != 16 {
		t.Errorf("fingerprint %q: want 16 hex digits", fa)
	}
	if _, err := hex.DecodeString(fa); err != nil {
		t.Errorf("fingerprint %q: %v", fa, err)
	}
	if fb := Fingerprint(b); fb != fa {
		t.Errorf("same labels: %s and %s", fa, fb)
	}
	for _, other := range []map[string]string{
		{"alertname": "SLOBurnRate", "service": "api", "slo": "latency"},
		{"alertname": "SLOBurnRate", "service": "api"},
		{"alertname": "SLOBurnRate", "service": "api", "slo": "availability", "tier": "gold"},
	} {
		if Fingerprint(other) == fa {
			t.Errorf("%v has the fingerprint of %v", other, a)
		}
	}
	// Names and values cut differently must not collide.
	if Fingerprint(map[string]string{"ab": "c"}) == Fingerprint(map[string]string{"a": "bc"}) {
		t.Error("{ab=c} and {a=bc} collide")
	}
	if Fingerprint(map[string]string{"a": "b", "c": "d"}) == Fingerprint(map[string]string{"a": "bcd"}) {
		t.Error("{a=b,c=d} and {a=bcd} collide")
	}
	if Fingerprint(nil) != Fingerprint(map[string]string{}) {
		t.Error("nil and empty labels differ")
	}
}

func TestRetries503WithExponentialBackoff(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, n int) {
		if n < 5 {
			http.Error(w, "down for a moment", http.StatusServiceUnavailable)
		}
	})
	f := newFixture(t, Options{URL: rc.srv.URL, Secret: testSecret, Backoff: time.Second, MaxBackoff: 5 * time.Second})
	f.start(t, f.waits.after)
	f.notify("a")
	for range 6 {
		rc.next(t)
	}
	waitFor(t, func() bool { return f.counts.get("delivered") == 1 })

	// Full jitter draws from [0, backoff]; the fake jitter draws the top.
	want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if got := f.waits.get(); !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if f.counts.get("retried") != 5 || f.counts.get("dropped") != 0 {
		t.Errorf("counts %v", f.counts.all())
	}
	reqs := rc.requests()
	ts := t0
	for i, r := range reqs {
		if i > 0 {
			ts = ts.Add(want[i-1])
		}
		// Every attempt sends the same body and key, freshly signed.
		if !bytes.Equal(r.body, reqs[0].body) || r.header.Get(HeaderIdempotencyKey) != reqs[0].header.Get(HeaderIdempotencyKey) {
			t.Errorf("attempt %d sent another message", i+1)
		}
		if got := r.header.Get(HeaderTimestamp); got != strconv.FormatInt(ts.Unix(), 10) {
			t.Errorf("attempt %d: timestamp %s, want %d", i+1, got, ts.Unix())
		}
		if err := Verify(testSecret, r.header, r.body, ts, time.Second); err != nil {
			t.Errorf("attempt %d: %v", i+1, err)
		}
	}
	if !strings.Contains(f.logs.String(), "503") {
		t.Errorf("the failures are not logged:\n%s", f.logs.String())
	}
}

func TestFullJitterStaysWithinTheBackoff(t *testing.T) {
	n, err := New(Options{URL: "https://example.com"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := n.jitter(time.Second)
		if d < 0 || d > time.Second {
			t.Fatalf("jitter of 1s drew %s", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Errorf("1000 draws gave only %d waits", len(seen))
	}
	if d := n.jitter(0); d != 0 {
		t.Errorf("jitter of 0 drew %s", d)
	}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 1000: 5 * time.Minute} {
		if got := n.backoff(attempt); got != want {
			t.Errorf("backoff after failure %d: %s, want %s", attempt, got, want)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var f *fixture
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, n int) {
		switch n {
		case 0:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 1:
			w.Header().Set("Retry-After", f.clock.now().Add(30*time.Second).Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.Header().Set("Retry-After", "soon")
			w.WriteHeader(http.StatusBadGateway)
		case 3:
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	f = newFixture(t, Options{URL: rc.srv.URL, Backoff: time.Second})
	f.start(t, f.waits.after)
	f.notify("a")
	for range 5 {
		rc.next(t)
	}
	waitFor(t, func() bool { return f.counts.get("delivered") == 1 })
	// 7 s as told, 30 s to the date told, then the backoff after a third
	// failure, since "soon" is no Retry-After; a day is cut to MaxBackoff.
	want := []time.Duration{7 * time.Second, 30 * time.Second, 4 * time.Second, 5 * time.Minute}
	if got := f.waits.get(); !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"":     -1,
		"0":    0,
		"120":  2 * time.Minute,
		"-5":   -1,
		"1.5":  -1,
		"soon": -1,
		t0.Add(time.Hour).Format(http.TimeFormat):  time.Hour,
		t0.Add(-time.Hour).Format(http.TimeFormat): 0,
	} {
		if got := retryAfter(v, t0); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
}

func TestStatusesRetriedOrDropped(t *testing.T) {
	for _, tc := range []struct {
		code  int
		retry bool
	}{
		{400, false}, {401, false}, {403, false}, {404, false}, {410, false}, {413, false}, {422, false},
		{408, true}, {429, true}, {500, true}, {502, true}, {503, true}, {504, true},
	} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, n int) {
				if n == 0 {
					http.Error(w, "no", tc.code)
				}
			})
			f := newFixture(t, Options{URL: rc.srv.URL})
			f.start(t, f.waits.after)
			f.notify("a")
			f.notify("b")
			want := []string{"a", "b"}
			if tc.retry {
				want = []string{"a", "a", "b"}
			}
			for range want {
				rc.next(t)
			}
			waitFor(t, func() bool { return f.counts.get("delivered") == len(want)-1 })
			if got := rc.names(); !slices.Equal(got, want) {
				t.Errorf("requests %v, want %v", got, want)
			}
			retried, dropped := f.counts.get("retried"), f.counts.get("dropped")
			if tc.retry && (retried != 1 || dropped != 0 || len(f.waits.get()) != 1) {
				t.Errorf("retried %d, dropped %d, waits %v: want one retry", retried, dropped, f.waits.get())
			}
			if !tc.retry && (retried != 0 || dropped != 1 || len(f.waits.get()) != 0) {
				t.Errorf("retried %d, dropped %d, waits %v: want one drop", retried, dropped, f.waits.get())
			}
			if !tc.retry && !strings.Contains(f.logs.String(), "level=ERROR msg=\"webhook message refused: dropped\"") {
				t.Errorf("the drop is not logged:\n%s", f.logs.String())
			}
		})
	}
}

func TestOrderIsPreserved(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, n int) {
		if req.name() == "m2" && n < 3 { // m2's first two attempts fail
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	f := newFixture(t, Options{URL: rc.srv.URL})
	for i := 1; i <= 3; i++ {
		f.notify(fmt.Sprintf("m%d", i))
	}
	f.start(t, f.waits.after)
	for i := 4; i <= 5; i++ {
		f.notify(fmt.Sprintf("m%d", i))
	}
	for range 7 {
		rc.next(t)
	}
	waitFor(t, func() bool { return f.counts.get("delivered") == 5 })
	want := []string{"m1", "m2", "m2", "m2", "m3", "m4", "m5"}
	if got := rc.names(); !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

func TestQueueOverflowDropsTheOldest(t *testing.T) {
	rc := newReceiver(t, nil)
	f := newFixture(t, Options{URL: rc.srv.URL, QueueSize: 3})
	for i := 1; i <= 5; i++ {
		f.notify(fmt.Sprintf("m%d", i)) // no Run yet: Notify must not block
	}
	if f.counts.get("dropped") != 2 {
		t.Errorf("dropped %d, want 2", f.counts.get("dropped"))
	}
	f.start(t, f.waits.after)
	for range 3 {
		rc.next(t)
	}
	waitFor(t, func() bool { return f.counts.get("delivered") == 3 })
	if got, want := rc.names(), []string{"m3", "m4", "m5"}; !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	if logs := f.logs.String(); strings.Count(logs, "queue full") != 2 {
		t.Errorf("want two drops logged:\n%s", logs)
	}
}

func TestMessagesOlderThanMaxAgeAreDropped(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, n int) {
		if req.name() == "stuck" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	f := newFixture(t, Options{URL: rc.srv.URL, Backoff: 10 * time.Second, MaxBackoff: 10 * time.Second, MaxAge: time.Minute})
	// Made long ago: dropped before any attempt.
	f.n.Notify(t0.Add(-2*time.Minute), nil, []alert.Notification{firing("old")})
	f.notify("stuck")
	f.n.Notify(t0.Add(50*time.Second), nil, []alert.Notification{firing("fresh")})
	f.start(t, f.waits.after)

	// stuck is tried at 0, 10 s, ... 60 s, its last moment, then dropped
	// at 70 s; fresh, made at 50 s, is 20 s old then.
	want := []string{"stuck", "stuck", "stuck", "stuck", "stuck", "stuck", "stuck", "fresh"}
	for range want {
		rc.next(t)
	}
	waitFor(t, func() bool { return f.counts.get("delivered") == 1 })
	if got := rc.names(); !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	if f.counts.get("dropped") != 2 || f.counts.get("retried") != 7 {
		t.Errorf("counts %v, want 2 dropped and 7 retried", f.counts.all())
	}
	if logs := f.logs.String(); strings.Count(logs, `level=ERROR msg="webhook message expired undelivered: dropped"`) != 2 {
		t.Errorf("want two expiries logged as errors:\n%s", logs)
	}
}

func TestEachAttemptHasItsOwnTimeout(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, n int) {
		if n == 0 {
			select { // hang until the sender gives up
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}
	})
	f := newFixture(t, Options{URL: rc.srv.URL, Timeout: 200 * time.Millisecond})
	f.start(t, f.waits.after)
	f.notify("a")
	rc.next(t)
	rc.next(t)
	waitFor(t, func() bool { return f.counts.get("delivered") == 1 })
	if f.counts.get("retried") != 1 {
		t.Errorf("retried %d, want 1", f.counts.get("retried"))
	}
	if logs := f.logs.String(); !strings.Contains(logs, "deadline exceeded") {
		t.Errorf("the timeout is not logged:\n%s", logs)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	stopsWithin := func(t *testing.T, n *Notifier, after func(time.Duration) <-chan time.Time, ready <-chan struct{}) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- n.run(ctx, after) }()
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not get ready")
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return within 10s of ctx's cancel")
		}
	}

	t.Run("idle", func(t *testing.T) {
		f := newFixture(t, Options{URL: "http://127.0.0.1:1"})
		ready := make(chan struct{})
		close(ready)
		stopsWithin(t, f.n, f.waits.after, ready)
	})

	t.Run("waiting to retry", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, n int) {
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		f := newFixture(t, Options{URL: rc.srv.URL})
		f.notify("a")
		f.notify("b")
		waiting := make(chan struct{})
		var once sync.Once
		stopsWithin(t, f.n, func(time.Duration) <-chan time.Time {
			once.Do(func() { close(waiting) })
			return make(chan time.Time) // never fires
		}, waiting)
		if !strings.Contains(f.logs.String(), "messages=2") {
			t.Errorf("the messages left are not logged:\n%s", f.logs.String())
		}
	})

	t.Run("request in flight", func(t *testing.T) {
		inFlight := make(chan struct{})
		release := make(chan struct{})
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request, n int) {
			close(inFlight)
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		defer close(release) // before the server's Close waits for the handler
		f := newFixture(t, Options{URL: rc.srv.URL, Timeout: time.Hour})
		f.notify("a")
		stopsWithin(t, f.n, f.waits.after, inFlight)
		if f.counts.get("delivered")+f.counts.get("retried")+f.counts.get("dropped") != 0 {
			t.Errorf("counts %v after a cancelled attempt", f.counts.all())
		}
	})

	t.Run("one Run at a time", func(t *testing.T) {
		f := newFixture(t, Options{URL: "http://127.0.0.1:1"})
		f.start(t, f.waits.after)
		waitFor(t, f.n.running.Load)
		if err := f.n.Run(context.Background()); err == nil {
			t.Error("a second Run ran")
		}
	})
}

func TestNewValidatesAndDefaults(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{}, "webhook url: missing"},
		{Options{URL: "ftp://x"}, `webhook url "ftp://x": must be http or https`},
		{Options{URL: "ftp://u:pw@x"}, `webhook url "ftp://u:xxxxx@x": must be http or https`},
		{Options{URL: "hooks.example.com/x"}, "must be http or https"},
		{Options{URL: "https:///x"}, `webhook url "https:///x": no host`},
		{Options{URL: "http://a b"}, "webhook url: "},
		{Options{URL: "https://u:pw@h/x", Timeout: -time.Second}, "webhook timeout -1s: must be positive"},
		{Options{URL: "https://h", Backoff: -1}, "webhook backoff"},
		{Options{URL: "https://h", MaxAge: -time.Hour}, "webhook max age -1h0m0s"},
		{Options{URL: "https://h", Backoff: 10 * time.Minute}, "webhook max backoff 5m0s: less than the backoff, 10m0s"},
		{Options{URL: "https://h", QueueSize: -1}, "webhook queue size -1"},
	} {
		_, err := New(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v): %v, want %q", tc.o, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	n, err := New(Options{URL: "https://hooks.example.com/x", Secret: "k"})
	if err != nil {
		t.Fatal(err)
	}
	o := n.opts
	if o.Timeout != 10*time.Second || o.Backoff != time.Second || o.MaxBackoff != 5*time.Minute ||
		o.MaxAge != 24*time.Hour || o.QueueSize != 10000 || o.Client == nil || o.Logger == nil || o.Now == nil || o.OnSend == nil {
		t.Errorf("defaults %+v", o)
	}
}

// waitFor polls cond until it holds, failing after 10s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
