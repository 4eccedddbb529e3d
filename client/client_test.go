package client

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/push"
	"github.com/slo-dev/slo/internal/source/push/pushtest"
	"github.com/slo-dev/slo/internal/spec"
)

// server is a push API over the notification platform, in front of which
// a test may put its own handler.
type server struct {
	*httptest.Server
	sink *pushtest.Sink
	// front, when set, answers instead of the push handler; it may call
	// next.
	front func(w http.ResponseWriter, r *http.Request, next http.Handler)
	// requests records what arrived: batch id, token, decompressed body.
	mu       sync.Mutex
	requests []request
}

type request struct{ id, auth, body string }

func newServer(t *testing.T) *server {
	t.Helper()
	svcs, problems := spec.Load("../examples/notification-platform.yaml")
	if bad := problems.Invalid(); len(bad) > 0 {
		t.Fatal(bad)
	}
	var vs []slo.Service
	for _, s := range svcs {
		vs = append(vs, *s)
	}
	s := &server{sink: &pushtest.Sink{}}
	h := push.NewHandler(s.sink, push.Options{})
	h.SetRouter(push.NewRouter(vs))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Errorf("body is not gzip: %v", err)
			return
		}
		body, _ := io.ReadAll(gz)
		s.mu.Lock()
		s.requests = append(s.requests, request{r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization"), string(body)})
		s.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		r.Header.Del("Content-Encoding")
		if s.front != nil {
			s.front(w, r, h)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// quick makes a client that does not wait between retries, and records
// the waits it would have made.
func quick(url string, waits *[]time.Duration, opts ...Option) *Client {
	c := New(url, opts...)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return ctx.Err()
	}
	return c
}

var send = []Event{
	{Stream: "api", Path: "/api/v1/notifications", Method: "POST", Status: 202, Latency: 42500 * time.Microsecond, Customer: "acme-retail"},
	{Stream: "api", Path: "/api/v1/notifications", Method: "POST", Status: 503, Latency: time.Millisecond},
}

func TestPushEventsCountsThemOnTheServer(t *testing.T) {
	s := newServer(t)
	var waits []time.Duration
	c := quick(s.URL+"/", &waits, WithToken("s3cret"))
	res, err := c.PushEvents(context.Background(), "b-1", send)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 2 || res.Counted != 2 || res.Duplicate || res.BatchID != "b-1" || res.Seq != 1 {
		t.Errorf("result %+v", res)
	}
	if got := s.sink.Valid("notification-platform/availability"); got != 2 {
		t.Errorf("availability has %v valid events, want 2", got)
	}
	if r := s.requests[0]; r.auth != "Bearer s3cret" || r.id != "b-1" {
		t.Errorf("request had token %q and id %q", r.auth, r.id)
	}
	again, err := c.PushEvents(context.Background(), "b-1", send)
	if err != nil || !again.Duplicate {
		t.Errorf("sending b-1 again: %+v, %v; want a duplicate", again, err)
	}
	if len(waits) != 0 {
		t.Errorf("waited %v without a failure", waits)
	}
}

func TestPushCountsAddsToTheSLOAndTheCustomer(t *testing.T) {
	s := newServer(t)
	c := New(s.URL)
	res, err := c.PushCounts(context.Background(), "", []Count{
		{SLO: "notification-platform/delivery", Customer: "initech", Good: 95, Valid: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.BatchID) != 32 || s.requests[0].id != res.BatchID {
		t.Errorf("generated batch id %q, sent %q", res.BatchID, s.requests[0].id)
	}
	if got := s.sink.Valid("notification-platform/delivery@initech"); got != 100 {
		t.Errorf("delivery@initech has %v valid events, want 100", got)
	}
	if _, err := c.PushCounts(context.Background(), "", []Count{{SLO: "x/y", Good: 1, Valid: 1}}); err == nil {
		t.Error("an unknown SLO was accepted")
	}
	if _, err := New(s.URL).PushCounts(context.Background(), "", []Count{{SLO: "x/y", Valid: 1 / zero()}}); err == nil || !strings.Contains(err.Error(), "count 0: good and valid must be finite") {
		t.Errorf("an infinite count gave %v", err)
	}
}

func zero() float64 { return 0 }

func TestRetriesSendTheSameBatchIDUntilItIsTaken(t *testing.T) {
	s := newServer(t)
	failures := 0
	s.front = func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		switch failures++; failures {
		case 1: // the connection drops
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 3:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			next.ServeHTTP(w, r)
		}
	}
	var waits []time.Duration
	c := quick(s.URL, &waits, WithBackoff(100*time.Millisecond, 2*time.Second))
	res, err := c.PushEvents(context.Background(), "", send)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.requests) != 4 {
		t.Fatalf("%d requests, want 4", len(s.requests))
	}
	for _, r := range s.requests {
		if r.id != res.BatchID || r.body != s.requests[0].body {
			t.Errorf("a retry sent id %q, want %q, and the same body", r.id, res.BatchID)
		}
	}
	// Waits grow from the first backoff, and Retry-After counts up to the
	// ceiling.
	if len(waits) != 3 || waits[0] < 50*time.Millisecond || waits[0] > 100*time.Millisecond ||
		waits[1] < 100*time.Millisecond || waits[1] > 200*time.Millisecond || waits[2] != 2*time.Second {
		t.Errorf("waits %v", waits)
	}
	if got := s.sink.Valid("notification-platform/availability"); got != 2 {
		t.Errorf("availability has %v valid events, want 2", got)
	}
}

func TestARejectedBatchIsNotRetried(t *testing.T) {
	s := newServer(t)
	var waits []time.Duration
	c := quick(s.URL, &waits)
	_, err := c.PushNDJSON(context.Background(), "b", []byte(`{"stream":"api","status":700}`+"\n"))
	ae, ok := err.(*APIError)
	if !ok {
		t.Fatalf("error %v is not an *APIError", err)
	}
	if ae.StatusCode != http.StatusBadRequest || len(ae.Items) != 1 || len(s.requests) != 1 || len(waits) != 0 {
		t.Fatalf("got %+v after %d requests", ae, len(s.requests))
	}
	want := `item 0 (line 1): field "status": 700 is not an HTTP status: want an integer from 100 to 599`
	if got := ae.Items[0].Error(); got != want {
		t.Errorf("item error\n got %s\nwant %s", got, want)
	}
}

func TestRetriesGiveUp(t *testing.T) {
	s := newServer(t)
	s.front = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("upstream down\n"))
	}
	var waits []time.Duration
	_, err := quick(s.URL, &waits, WithRetries(2)).PushEvents(context.Background(), "b", send)
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadGateway || ae.Message != "upstream down" {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), "after 3 attempts") || len(s.requests) != 3 || len(waits) != 2 {
		t.Errorf("error %q after %d requests and %d waits", err, len(s.requests), len(waits))
	}
}

func TestACanceledContextStopsTheRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := New("http://127.0.0.1:1", WithBackoff(time.Hour, time.Hour))
	c.hc = &http.Client{Transport: roundTrip(func(*http.Request) (*http.Response, error) {
		cancel()
		return nil, &net.OpError{Op: "dial", Err: errors.New("refused")}
	})}
	start := time.Now()
	_, err := c.PushEvents(ctx, "b", send)
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Minute {
		t.Errorf("error %v after %v", err, time.Since(start))
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestEventsAndCountsAreWrittenAsThePushAPIReadsThem(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 500, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"a full event", Event{Stream: "api", Time: at, Path: "/api/v1/notifications", Method: "POST", Status: 202,
			Latency: 42500 * time.Microsecond, Customer: "acme", Labels: map[string]string{"z": "1", "caller": "internal"}},
			`{"stream":"api","time":"2026-03-02T09:00:00.0000005Z","path":"/api/v1/notifications","method":"POST","status":202,"latency_ms":42.5,"customer":"acme","labels":{"caller":"internal","z":"1"}}`},
		{"an event with only a stream", Event{Stream: "api"}, `{"stream":"api"}`},
		{"strings are escaped and invalid UTF-8 replaced", Event{Stream: "a\"b\\c\n\x01é\xff"},
			`{"stream":"a\"b\\c\n\u0001é\ufffd"}`},
		{"a count", Count{SLO: "s/o", Customer: "c", Time: at, Good: 95, Valid: 1e21},
			`{"slo":"s/o","customer":"c","time":"2026-03-02T09:00:00.0000005Z","good":95,"valid":1e+21}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestAnAnswerTooSlowForTheClientIsSentAgain: the HTTP client's own timeout
// is a lost answer like a dropped connection; the batch, taken the first
// time, counts once.
func TestAnAnswerTooSlowForTheClientIsSentAgain(t *testing.T) {
	s := newServer(t)
	var calls atomic.Int32
	s.front = func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if calls.Add(1) == 1 {
			next.ServeHTTP(&discard{w}, r) // stored, but the answer is held back
			time.Sleep(300 * time.Millisecond)
			return
		}
		next.ServeHTTP(w, r)
	}
	var waits []time.Duration
	c := quick(s.URL, &waits, WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	res, err := c.PushEvents(context.Background(), "", send)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Duplicate || len(s.requests) != 2 {
		t.Errorf("duplicate %v after %d requests, want a duplicate on the second", res.Duplicate, len(s.requests))
	}
	if got := s.sink.Valid("notification-platform/availability"); got != 2 {
		t.Errorf("availability has %v valid events, want 2: counted once", got)
	}
}

// discard is a ResponseWriter that throws the answer away.
type discard struct{ http.ResponseWriter }

func (d *discard) Header() http.Header         { return http.Header{} }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
