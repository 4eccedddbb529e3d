package push

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// monday is the test clock's time: a Monday, away from the platform's
// Sunday maintenance.
var monday = time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC)

// harness is a handler over the notification platform with a fake sink
// and a clock the test holds.
type harness struct {
	h     *Handler
	sink  *fakeSink
	clock *fixedClock
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	x := &harness{sink: &fakeSink{}, clock: &fixedClock{monday}}
	opts.Now = x.clock.now
	x.h = NewHandler(x.sink, opts)
	x.h.SetRouter(NewRouter(loadServices(t, platformSpec)))
	return x
}

// answer is what the handler said.
type answer struct {
	code int
	ok   Response
	bad  ErrorResponse
	raw  string
}

// post sends body with the content type and the headers given as name,
// value pairs.
func (x *harness) post(t *testing.T, contentType string, body []byte, headers ...string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	x.h.ServeHTTP(w, req)
	a := answer{code: w.Code, raw: w.Body.String()}
	var err error
	if w.Code == http.StatusOK {
		err = json.Unmarshal(w.Body.Bytes(), &a.ok)
	} else {
		err = json.Unmarshal(w.Body.Bytes(), &a.bad)
	}
	if err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", w.Code, err, w.Body)
	}
	return a
}

const ndjson = "application/x-ndjson"

// The platform's series names, for the tables below.
const (
	avail   = "notification-platform/availability"
	latency = "notification-platform/latency"
	deliv   = "notification-platform/delivery"
	correct = "notification-platform/correctness"
)

func TestHandlerCountsValidBatches(t *testing.T) {
	post := `"path":"/api/v1/notifications","method":"POST"`
	tests := []struct {
		name        string
		contentType string
		gzip        bool
		body        string
		// at, when set, moves the clock.
		at   time.Time
		want map[string][2]float64
		// stats is accepted, counted, excluded, ignored, unmatched.
		stats [5]int
	}{
		{
			name: "an event counts for every objective of its stream, in total and for its customer",
			body: `{"stream":"api","time":"2026-03-02T10:00:10Z",` + post + `,"status":202,"latency_ms":150,"customer":"acme-retail"}`,
			want: map[string][2]float64{
				avail + " 10:00": {1, 1}, avail + "@acme-retail 10:00": {1, 1},
				// 150ms is within the SLO's 500ms, not the enterprise tier's 100ms.
				latency + " 10:00": {1, 1}, latency + "@acme-retail 10:00": {0, 1},
			},
			stats: [5]int{1, 1, 0, 0, 0},
		},
		{
			name: "a customer without an assignment is held to the default tier's latency",
			body: `{"stream":"api","time":"2026-03-02T10:00:10Z",` + post + `,"status":202,"latency_ms":800,"customer":"new-shop"}`,
			want: map[string][2]float64{
				avail + " 10:00": {1, 1}, avail + "@new-shop 10:00": {1, 1},
				latency + " 10:00": {0, 1}, latency + "@new-shop 10:00": {1, 1},
			},
			stats: [5]int{1, 1, 0, 0, 0},
		},
		{
			name:  "a server error is bad for availability and left out of latency",
			body:  `{"stream":"api","time":"2026-03-02T10:00:10Z",` + post + `,"status":503,"latency_ms":20}`,
			want:  map[string][2]float64{avail + " 10:00": {0, 1}},
			stats: [5]int{1, 1, 0, 0, 0},
		},
		{
			name: "health checks and internal calls are ignored",
			body: `{"stream":"api","time":"2026-03-02T10:00:10Z","path":"/api/health","status":200}
{"stream":"api","time":"2026-03-02T10:00:10Z",` + post + `,"status":200,"labels":{"caller":"internal"}}`,
			want:  map[string][2]float64{},
			stats: [5]int{2, 0, 0, 2, 0},
		},
		{
			name:  "events of a stream no objective reads are accepted as unmatched",
			body:  `{"stream":"billing","time":"2026-03-02T10:00:10Z","status":200}`,
			want:  map[string][2]float64{},
			stats: [5]int{1, 0, 0, 0, 1},
		},
		{
			name: "events in the Sunday maintenance window are excluded from availability only",
			at:   time.Date(2026, 3, 1, 2, 20, 0, 0, time.UTC),
			body: `{"stream":"api","time":"2026-03-01T02:05:00Z","path":"/api/v1/templates","method":"GET","status":200}
{"stream":"api","time":"2026-03-01T02:05:00Z",` + post + `,"status":200,"latency_ms":30}
{"stream":"api","time":"2026-03-01T01:59:59Z","path":"/api/v1/templates","method":"GET","status":200}`,
			want:  map[string][2]float64{latency + " 02:05": {1, 1}, avail + " 01:59": {1, 1}},
			stats: [5]int{3, 2, 1, 0, 0},
		},
		{
			name:        "a JSON array of counts adds to the SLO and to its customer",
			contentType: "application/json",
			body:        `[{"slo":"` + deliv + `","time":"2026-03-02T09:59:00Z","good":95,"valid":100,"customer":"initech"}, {"slo":"` + correct + `","good":7,"valid":7}]`,
			want: map[string][2]float64{
				deliv + " 09:59": {95, 100}, deliv + "@initech 09:59": {95, 100},
				correct + " 10:00": {7, 7},
			},
			stats: [5]int{2, 2, 0, 0, 0},
		},
		{
			name:        "an object with items is a batch",
			contentType: "application/json",
			body:        `{"items": [{"slo":"` + deliv + `","good":1,"valid":2}]}`,
			want:        map[string][2]float64{deliv + " 10:00": {1, 2}},
			stats:       [5]int{1, 1, 0, 0, 0},
		},
		{
			name: "gzip NDJSON mixing counts and events is read",
			gzip: true,
			body: `{"slo":"` + deliv + `","good":3,"valid":4}
{"stream":"delivery","status":200,"latency_ms":1200,"labels":{"recipient_ok":"true"}}`,
			want:  map[string][2]float64{deliv + " 10:00": {4, 5}, correct + " 10:00": {1, 1}},
			stats: [5]int{2, 2, 0, 0, 0},
		},
		{
			name:        "application/jsonl is NDJSON, and blank lines and CRLF endings are skipped",
			contentType: "application/jsonl",
			body:        "\r\n{\"slo\":\"" + deliv + "\",\"good\":1,\"valid\":1}\r\n   \n\n{\"slo\":\"" + deliv + "\",\"good\":0,\"valid\":1}\r\n",
			want:        map[string][2]float64{deliv + " 10:00": {1, 2}},
			stats:       [5]int{2, 2, 0, 0, 0},
		},
		{
			name: "a time in unix seconds with a fraction lands in its minute",
			body: `{"slo":"` + deliv + `","time":1772445599.9,"good":1,"valid":1}
{"slo":"` + deliv + `","time":1772445600,"good":1,"valid":1}`,
			want:  map[string][2]float64{deliv + " 09:59": {1, 1}, deliv + " 10:00": {1, 1}},
			stats: [5]int{2, 2, 0, 0, 0},
		},
		{
			name:  "a missing or null time means now, and null fields are left out",
			body:  `{"slo":"` + deliv + `","time":null,"customer":null,"good":1,"valid":1}`,
			want:  map[string][2]float64{deliv + " 10:00": {1, 1}},
			stats: [5]int{1, 1, 0, 0, 0},
		},
		{
			name:  "a time with an offset and escapes in strings are read",
			body:  `{"stream":"api","time":"2026-03-02T11:00:10.5+01:00","path":"\/api\/v1\/templates","method":"G\u0045T","status":200,"customer":"caf\u00e9"}`,
			want:  map[string][2]float64{avail + " 10:00": {1, 1}, avail + "@café 10:00": {1, 1}},
			stats: [5]int{1, 1, 0, 0, 0},
		},
		{
			name:  "an empty NDJSON body is an empty batch",
			body:  "\n\n",
			want:  map[string][2]float64{},
			stats: [5]int{0, 0, 0, 0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, Options{})
			if !tt.at.IsZero() {
				x.clock.t = tt.at
			}
			ct := tt.contentType
			if ct == "" {
				ct = ndjson
			}
			body, headers := []byte(tt.body), []string(nil)
			if tt.gzip {
				body, headers = gzipped(body), []string{"Content-Encoding", "gzip"}
			}
			a := x.post(t, ct, body, headers...)
			if a.code != http.StatusOK {
				t.Fatalf("status %d: %s", a.code, a.raw)
			}
			got := [5]int{a.ok.Accepted, a.ok.Counted, a.ok.Excluded, a.ok.Ignored, a.ok.Unmatched}
			if got != tt.stats {
				t.Errorf("accepted, counted, excluded, ignored, unmatched = %v, want %v", got, tt.stats)
			}
			if sums := x.sink.sums(); !reflect.DeepEqual(sums, tt.want) {
				t.Errorf("sink got %v\nwant %v", sums, tt.want)
			}
			if a.ok.Observations != len(tt.want) {
				t.Errorf("observations = %d, want %d", a.ok.Observations, len(tt.want))
			}
			if len(tt.want) == 0 && len(x.sink.Batches()) != 0 {
				t.Errorf("a batch without observations reached the sink")
			}
		})
	}
}

func TestHandlerSumsEventsPerSeriesAndMinute(t *testing.T) {
	x := newHarness(t, Options{})
	var b strings.Builder
	for i := range 1000 {
		// 1000 events over two minutes, from two customers.
		at := monday.Truncate(time.Minute).Add(-time.Minute).Add(time.Duration(i) * 100 * time.Millisecond)
		cust := []string{"acme-retail", "initech"}[i%2]
		b.WriteString(`{"stream":"delivery","time":"` + at.Format(time.RFC3339Nano) + `","status":200,"latency_ms":10,"customer":"` + cust + `","labels":{"recipient_ok":"true"}}` + "\n")
	}
	a := x.post(t, ndjson, []byte(b.String()))
	if a.code != http.StatusOK {
		t.Fatalf("status %d: %s", a.code, a.raw)
	}
	// Delivery in total and for two customers, correctness in total, over
	// two minutes.
	if a.ok.Observations != 8 || len(x.sink.Batches()[0].Observations) != 8 {
		t.Errorf("observations = %d, want 8", a.ok.Observations)
	}
	want := map[string][2]float64{
		correct + " 09:59": {600, 600}, correct + " 10:00": {400, 400},
		deliv + " 09:59": {600, 600}, deliv + "@acme-retail 09:59": {300, 300}, deliv + "@initech 09:59": {300, 300},
		deliv + " 10:00": {400, 400}, deliv + "@acme-retail 10:00": {200, 200}, deliv + "@initech 10:00": {200, 200},
	}
	if sums := x.sink.sums(); !reflect.DeepEqual(sums, want) {
		t.Errorf("sink got %v\nwant %v", sums, want)
	}
}

func TestHandlerServesConcurrentRequestsWhileTheRouterChanges(t *testing.T) {
	x := newHarness(t, Options{})
	services := loadServices(t, platformSpec)
	body := platformEvents(500, 9)
	x.clock.t = benchStart.Add(time.Minute)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 10 {
				if g == 0 && i%2 == 0 {
					x.h.SetRouter(NewRouter(services))
				}
				req := httptest.NewRequest(http.MethodPost, "/api/v1/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", ndjson)
				w := httptest.NewRecorder()
				x.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					t.Errorf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
	wg.Wait()
	// Every request counted the same: 40 batches of the same events.
	one := sumsOf(x.sink.Batches()[0].Observations)
	for _, b := range x.sink.Batches()[1:] {
		if got := sumsOf(b.Observations); !reflect.DeepEqual(got, one) {
			t.Fatalf("a batch counted differently:\n got %v\nwant %v", got, one)
		}
	}
	if len(x.sink.Batches()) != 40 {
		t.Errorf("%d batches, want 40", len(x.sink.Batches()))
	}
}

func TestHandlerCountsARetriedBatchOnce(t *testing.T) {
	x := newHarness(t, Options{})
	body := []byte(`{"slo":"` + deliv + `","good":1,"valid":1}`)
	first := x.post(t, ndjson, body, "Idempotency-Key", "batch-1")
	again := x.post(t, ndjson, body, "Idempotency-Key", "batch-1")
	if first.code != http.StatusOK || again.code != http.StatusOK {
		t.Fatalf("status %d then %d", first.code, again.code)
	}
	if first.ok.Duplicate || !again.ok.Duplicate || again.ok.Seq != first.ok.Seq {
		t.Errorf("first %+v, again %+v: want the second a duplicate of the same seq", first.ok, again.ok)
	}
	if got := x.sink.sums()[deliv+" 10:00"]; got != [2]float64{1, 1} {
		t.Errorf("sums %v, want the batch counted once", got)
	}
	if x.sink.Batches()[0].ID != "batch-1" || !x.sink.Batches()[0].Received.Equal(monday) {
		t.Errorf("batch id %q received %v, want batch-1 at the clock's time", x.sink.Batches()[0].ID, x.sink.Batches()[0].Received)
	}
}

func TestHandlerLogsABatchWithNothingToCountWhenItHasAnID(t *testing.T) {
	x := newHarness(t, Options{})
	body := []byte(`{"stream":"billing","status":200}`)
	first := x.post(t, ndjson, body, "Idempotency-Key", "b")
	again := x.post(t, ndjson, body, "Idempotency-Key", "b")
	if first.ok.Duplicate || !again.ok.Duplicate || first.ok.Seq != 1 || first.ok.Unmatched != 1 {
		t.Errorf("first %+v, again %+v: want the batch logged, then a duplicate", first.ok, again.ok)
	}
	if len(x.sink.Batches()) != 1 || len(x.sink.Batches()[0].Observations) != 0 {
		t.Errorf("sink got %+v, want one empty batch", x.sink.Batches())
	}
}
