package push

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// benchStart is a Monday, away from the platform's Sunday maintenance.
var benchStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// customerIDs are the platform's assigned customers and a long tail on
// the default tier.
var customerIDs = func() []string {
	ids := []string{"acme-retail", "globex-bank", "initech", "umbrella-health", "hooli-games", "pied-piper"}
	for i := range 194 {
		ids = append(ids, fmt.Sprintf("customer-%03d", i))
	}
	return ids
}()

// platformEvents writes n request events as the notification platform
// would push them: 70% API calls, 30% delivery callbacks, two minutes of
// traffic in time order, as NDJSON.
func platformEvents(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for i := range n {
		at := benchStart.Add(time.Duration(i) * 2 * time.Minute / time.Duration(n))
		cust := customerIDs[int(math.Min(float64(len(customerIDs)-1), rng.ExpFloat64()*20))]
		b.WriteString(`{"stream":"`)
		if rng.IntN(10) < 7 {
			path, method := "/api/v1/notifications", "POST"
			switch r := rng.IntN(20); {
			case r < 4:
				path, method = "/api/v1/notifications/"+strconv.Itoa(rng.IntN(1e6)), "GET"
			case r < 6:
				path, method = "/api/v1/templates", "GET"
			case r < 7:
				path, method = "/api/health", "GET"
			}
			status := 202
			switch r := rng.IntN(1000); {
			case r < 10:
				status = 503
			case r < 30:
				status = 400 + rng.IntN(30)
			}
			lat := math.Exp(3.7 + 0.8*rng.NormFloat64())
			fmt.Fprintf(&b, `api","time":"%s","path":"%s","method":"%s","status":%d,"latency_ms":%.1f,"customer":"%s"`,
				at.Format("2006-01-02T15:04:05.000Z"), path, method, status, lat, cust)
			if rng.IntN(10) == 0 {
				b.WriteString(`,"labels":{"caller":"internal"}`)
			}
		} else {
			status := 200
			if rng.IntN(100) < 2 {
				status = 502
			}
			fmt.Fprintf(&b, `delivery","time":"%s","status":%d,"latency_ms":%.0f,"customer":"%s","labels":{"channel":"email","recipient_ok":"%t"}`,
				at.Format("2006-01-02T15:04:05.000Z"), status, 1000*math.Exp(1.5+rng.NormFloat64()), cust, rng.IntN(100000) != 0)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// discard is a ResponseWriter that keeps only the status.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(code int)        { d.code = code }

type nopSink struct{}

func (nopSink) Append(_ context.Context, _ store.Batch) (int64, bool, error) { return 1, false, nil }

const benchBatch = 10_000

// BenchmarkHandler measures one request of 10k events through ServeHTTP,
// body reading to response, with a sink that does nothing.
func BenchmarkHandler(b *testing.B) {
	r := NewRouter(loadServices(b, platformSpec))
	clock := &fixedClock{benchStart}
	h := NewHandler(nopSink{}, Options{Now: clock.now})
	h.SetRouter(r)
	plain := platformEvents(benchBatch, 1)
	for _, c := range []struct {
		name, encoding string
		body           []byte
	}{
		{"ndjson", "", plain},
		{"ndjson-gzip", "gzip", gzipped(plain)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			w := &discard{h: http.Header{}}
			rd := bytes.NewReader(c.body)
			defer reportEvents(b, benchBatch)()
			for b.Loop() {
				rd.Reset(c.body)
				req := httptest.NewRequest(http.MethodPost, "/api/v1/events", io.NopCloser(rd))
				req.Header.Set("Content-Type", "application/x-ndjson")
				if c.encoding != "" {
					req.Header.Set("Content-Encoding", c.encoding)
				}
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

// BenchmarkHandlerHTTP measures batches of 10k events POSTed through a
// real HTTP server on loopback by as many clients as there are CPUs: the
// server's whole path but the store. The clients' cost shares the CPUs.
func BenchmarkHandlerHTTP(b *testing.B) {
	r := NewRouter(loadServices(b, platformSpec))
	clock := &fixedClock{benchStart}
	h := NewHandler(nopSink{}, Options{Now: clock.now})
	h.SetRouter(r)
	srv := httptest.NewServer(h)
	defer srv.Close()
	plain := platformEvents(benchBatch, 1)
	for _, c := range []struct {
		name, encoding string
		body           []byte
	}{
		{"ndjson", "", plain},
		{"ndjson-gzip", "gzip", gzipped(plain)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			defer reportEvents(b, benchBatch)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(c.body))
					req.Header.Set("Content-Type", "application/x-ndjson")
					if c.encoding != "" {
						req.Header.Set("Content-Encoding", c.encoding)
					}
					resp, err := srv.Client().Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}

// BenchmarkReference is BenchmarkHandler's decoding done with
// encoding/json, then classified: the plain way, for comparison.
func BenchmarkReference(b *testing.B) {
	r := NewRouter(loadServices(b, platformSpec))
	body := platformEvents(benchBatch, 1)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	defer reportEvents(b, benchBatch)()
	for b.Loop() {
		if _, _, err := refDecode(r, body, benchStart); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClassify measures classifying and summing 10k decoded events.
func BenchmarkClassify(b *testing.B) {
	r := NewRouter(loadServices(b, platformSpec))
	events, _, err := refEvents(r, platformEvents(benchBatch, 1))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportEvents(b, benchBatch)()
	for b.Loop() {
		r.Classify(events)
	}
}

// reportEvents starts measuring; the function it returns reports events
// per second of wall time and CPU nanoseconds per event (all threads, GC
// included), the steadier figure on a shared machine.
func reportEvents(b *testing.B, perOp int) func() {
	cpu0 := cpuTime()
	return func() {
		events := float64(perOp) * float64(b.N)
		b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
		if cpu := cpuTime() - cpu0; cpu > 0 {
			b.ReportMetric(float64(cpu.Nanoseconds())/events, "cpu-ns/event")
		}
	}
}

// refEvents decodes an NDJSON body of events into slo.Events.
func refEvents(r *Router, body []byte) ([]slo.Event, Stats, error) {
	var out []slo.Event
	for line := range bytes.Lines(body) {
		var it refItem
		if err := json.Unmarshal(line, &it); err != nil {
			return nil, Stats{}, err
		}
		at, _ := time.Parse(time.RFC3339Nano, string(it.Time[1:len(it.Time)-1]))
		e := slo.Event{Stream: *it.Stream, Time: at, Path: it.Path, Method: it.Method, Customer: it.Customer, Labels: it.Labels}
		if it.Status != nil {
			e.Status = int(*it.Status)
		}
		if it.LatencyMS != nil {
			e.Latency = time.Duration(*it.LatencyMS * float64(time.Millisecond))
		}
		out = append(out, e)
	}
	return out, Stats{}, nil
}
