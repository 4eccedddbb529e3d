//go:build unix

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The ingest goal (docs/performance.md): through the HTTP API, every batch
// durable before its 200, at least 1M request events/s and 5M counted
// events/s on the 2-core machine.

const (
	// ingestSpec is the seed's notification platform: two event streams,
	// four objectives, three of them per customer.
	ingestSpec = "../../examples/notification-platform.yaml"
	// ingestBatch is the number of items in a request.
	ingestBatch = 10_000
	// ingestBodies is how many different bodies a run cycles through.
	ingestBodies = 16
	// ingestClients is how many clients push at once.
	ingestClients = 4
	ingestToken   = "bench-token"
)

// ingestBody is one request, built before the timer starts.
type ingestBody struct {
	gz     []byte  // the body as sent: NDJSON, gzipped
	plain  int     // its length decompressed
	items  int     // items in it
	events float64 // events they stand for: items, or the sum of valid
}

// BenchmarkIngest pushes batches of 10k items, NDJSON and gzipped, from
// ingestClients concurrent clients over loopback to a real `slo serve` with
// its SQLite database in a temporary directory: decoding, classifying, the
// store's commit (synchronous=FULL: an fsync per batch) and the engine's
// update, each request answered 200 only once its batch is durable.
//
//   - events: request events of the notification platform, 70% API calls
//     and 30% delivery callbacks from 200 customers, each batch five minutes
//     of traffic somewhere in the last hour.
//   - counts: counts {slo, time, good, valid} of its four SLOs with 100
//     valid events each on average; events/s is the sum of valid a second.
//
// ns/op is wall time per batch with all clients at work, so it is the
// inverse of the throughput, not a request's latency. cpu-ns/item is the
// whole process's CPU time (server and clients) per item.
//
//	go test -run '^$' -bench BenchmarkIngest -benchtime 200x -count 5 ./cmd/slo
func BenchmarkIngest(b *testing.B) {
	end := time.Now().UTC()
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("events", func(b *testing.B) {
		runIngest(b, buildBodies(end, func(from time.Time, span time.Duration) ([]byte, int, float64) {
			return platformEvents(rng, ingestBatch, from, span), ingestBatch, ingestBatch
		}), "events")
	})
	b.Run("counts", func(b *testing.B) {
		runIngest(b, buildBodies(end, func(from time.Time, span time.Duration) ([]byte, int, float64) {
			body, valid := platformCounts(rng, ingestBatch, from, span)
			return body, ingestBatch, valid
		}), "counts")
	})
}

// buildBodies makes ingestBodies bodies, each of five minutes of items, the
// five minutes moving back from end over the last hour.
func buildBodies(end time.Time, gen func(from time.Time, span time.Duration) ([]byte, int, float64)) []ingestBody {
	const span = 5 * time.Minute
	out := make([]ingestBody, ingestBodies)
	for i := range out {
		from := end.Add(-span - time.Duration(i)*(time.Hour-span)/ingestBodies)
		plain, items, events := gen(from, span)
		out[i] = ingestBody{gz: gzipBytes(plain), plain: len(plain), items: items, events: events}
	}
	return out
}

// runIngest starts a server and sends b.N of the bodies, in turn, from
// ingestClients goroutines. kind names what the items are, for the metrics.
func runIngest(b *testing.B, bodies []ingestBody, kind string) {
	s := startServe(b, "-c", ingestSpec, "--data-dir", b.TempDir(), "--ingest-token", ingestToken)
	tr := &http.Transport{MaxIdleConnsPerHost: ingestClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	// A warm server: its series created, its pools and connections filled.
	for i := range bodies {
		if err := pushBody(client, s.base, fmt.Sprintf("warm-%d", i), &bodies[i]); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	b.ResetTimer()
	for c := 0; c < ingestClients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N || b.Failed() {
					return
				}
				body := &bodies[i%len(bodies)]
				if err := pushBody(client, s.base, fmt.Sprintf("bench-%d", i), body); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu := cpuTime() - cpu0
	if b.Failed() {
		return
	}
	var sent, plain, items, events float64
	for i := 0; i < b.N; i++ {
		body := &bodies[i%len(bodies)]
		sent += float64(len(body.gz))
		plain += float64(body.plain)
		items += float64(body.items)
		events += body.events
	}
	sec := b.Elapsed().Seconds()
	if kind == "counts" {
		b.ReportMetric(items/sec, "items/s")
	}
	b.ReportMetric(events/sec, "events/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/items, "cpu-ns/item")
	b.ReportMetric(sent/sec/1e6, "gzip-MB/s")
	b.ReportMetric(plain/sec/1e6, "ndjson-MB/s")
}

// cpuTime is the CPU time the process has used, user and system, all
// threads: the server's and the clients'. Per item it is the steadier
// figure on a shared machine, where wall time depends on the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pushBody sends one batch and checks that the server took all of it,
// durably: a 200 that accounts for every item and is not a duplicate.
func pushBody(client *http.Client, base, id string, body *ingestBody) error {
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/events", bytes.NewReader(body.gz))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Idempotency-Key", id)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("batch %s: %d %s", id, resp.StatusCode, data)
	}
	var res struct {
		Accepted  int   `json:"accepted"`
		Seq       int64 `json:"seq"`
		Duplicate bool  `json:"duplicate"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("batch %s: %v in %s", id, err, data)
	}
	if res.Accepted != body.items || res.Seq == 0 || res.Duplicate {
		return fmt.Errorf("batch %s of %d items: %s", id, body.items, data)
	}
	return nil
}

// benchCustomers are the platform's six assigned customers and a long tail
// on the default tier.
var benchCustomers = func() []string {
	ids := []string{"acme-retail", "globex-bank", "initech", "umbrella-health", "hooli-games", "pied-piper"}
	for i := len(ids); i < 200; i++ {
		ids = append(ids, fmt.Sprintf("customer-%03d", i))
	}
	return ids
}()

// customer picks a customer, the big ones far more often than the tail.
func customer(rng *rand.Rand) string {
	return benchCustomers[min(len(benchCustomers)-1, int(rng.ExpFloat64()*12))]
}

// platformEvents writes n request events of the notification platform in
// time order over [from, from+span), as NDJSON. Of the API calls most are
// sends (POST /api/v1/notifications), the rest reads, template lookups and
// health checks, a tenth internal; 0.5% fail with a 5xx and 2% with a 4xx,
// latencies log-normal around 40 ms. Delivery callbacks take seconds, 2%
// fail, and one in 100k reached the wrong recipient.
func platformEvents(rng *rand.Rand, n int, from time.Time, span time.Duration) []byte {
	var b bytes.Buffer
	b.Grow(n * 200)
	channels := [...]string{"email", "sms", "push"}
	for i := range n {
		at := from.Add(time.Duration(i) * span / time.Duration(n)).Format("2006-01-02T15:04:05.000Z")
		cust := customer(rng)
		if rng.IntN(10) < 7 {
			path, method, status := "/api/v1/notifications", "POST", 202
			switch r := rng.IntN(100); {
			case r < 20:
				path, method, status = "/api/v1/notifications/"+strconv.Itoa(rng.IntN(1_000_000)), "GET", 200
			case r < 32:
				path, method, status = "/api/v1/templates", "GET", 200
			case r < 37:
				path, method, status = "/api/health", "GET", 200
			}
			switch r := rng.IntN(1000); {
			case r < 5:
				status = 500 + rng.IntN(4)
			case r < 25:
				status = 400 + rng.IntN(30)
			}
			lat := math.Exp(3.7 + 0.8*rng.NormFloat64())
			fmt.Fprintf(&b, `{"stream":"api","time":"%s","path":"%s","method":"%s","status":%d,"latency_ms":%.1f,"customer":"%s"`,
				at, path, method, status, lat, cust)
			if rng.IntN(10) == 0 {
				b.WriteString(`,"labels":{"caller":"internal"}`)
			}
		} else {
			status := 200
			if rng.IntN(50) == 0 {
				status = 502
			}
			fmt.Fprintf(&b, `{"stream":"delivery","time":"%s","status":%d,"latency_ms":%.0f,"customer":"%s","labels":{"channel":"%s","recipient_ok":"%t"}`,
				at, status, 1000*math.Exp(1.5+rng.NormFloat64()), cust, channels[rng.IntN(len(channels))], rng.IntN(100_000) != 0)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// platformSLOs are the keys of the notification platform's objectives.
var platformSLOs = [...]string{
	"notification-platform/availability", "notification-platform/latency",
	"notification-platform/delivery", "notification-platform/correctness",
}

// platformCounts writes n counts of the platform's objectives in time order
// over [from, from+span), with unix-second times and 50 to 150 valid events
// each, a few of them bad. It returns the body and the sum of valid.
func platformCounts(rng *rand.Rand, n int, from time.Time, span time.Duration) ([]byte, float64) {
	var b bytes.Buffer
	b.Grow(n * 80)
	sum := 0.0
	for i := range n {
		at := from.Add(time.Duration(i) * span / time.Duration(n)).Unix()
		valid := 50 + rng.IntN(101)
		good := valid
		if rng.IntN(20) == 0 {
			good -= 1 + rng.IntN(valid/10)
		}
		fmt.Fprintf(&b, `{"slo":"%s","time":%d,"good":%d,"valid":%d}`+"\n", platformSLOs[i%len(platformSLOs)], at, good, valid)
		sum += float64(valid)
	}
	return b.Bytes(), sum
}

// gzipBytes compresses b as a client would, at the fastest level.
func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// BenchmarkServeRSS measures the resident memory of a real `slo serve`
// process (the built binary) serving n generated SLOs, once every page of
// its state has been written: after a push of counts that land in every
// 4 KiB page of every SLO's rings, and a tick. rss-B/slo
// divides the whole process's VmRSS by n, so it includes the fixed cost of
// the process; the difference between two sizes gives the cost of one SLO.
// scrape-B/slo and scrape-allocs/slo are what one scrape of /metrics
// allocates in the server, per SLO. Linux only: it reads /proc/PID/status.
//
//	go test -run '^$' -bench BenchmarkServeRSS -benchtime 1x -count 3 ./cmd/slo
func BenchmarkServeRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	for _, window := range []string{"30d", "90d"} {
		for _, n := range []int{100, 10_000} {
			b.Run(fmt.Sprintf("window=%s/slos=%d", window, n), func(b *testing.B) {
				for b.Loop() {
					m := serveRSS(b, n, window)
					b.ReportMetric(float64(m.rss)/(1<<20), "rss-MiB")
					b.ReportMetric(float64(m.hwm)/(1<<20), "peak-rss-MiB")
					b.ReportMetric(float64(m.heap)/(1<<20), "heap-inuse-MiB")
					b.ReportMetric(float64(m.goal)/(1<<20), "heap-goal-MiB")
					b.ReportMetric(float64(m.live)/(1<<20), "live-heap-MiB")
					b.ReportMetric(float64(m.rss)/float64(n), "rss-B/slo")
					b.ReportMetric(float64(m.scrape)/float64(n), "scrape-B/slo")
					b.ReportMetric(float64(m.scrapeAllocs)/float64(n), "scrape-allocs/slo")
				}
			})
		}
	}
}

// processMemory is what serveRSS measures, in bytes: VmRSS and VmHWM, the
// Go heap in use, and the heap goal, the size the heap may reach before the
// next collection (twice the live heap at the last one, with GOGC=100),
// toward which the resident size creeps as the process runs on, and the
// live heap the goal was set from: goal / (1 + GOGC/100). scrape and
// scrapeAllocs are the bytes and allocations of one scrape of /metrics.
type processMemory struct{ rss, hwm, heap, goal, live, scrape, scrapeAllocs int64 }

// serveRSS starts the binary with n SLOs over window, fills them and
// measures it once it has ticked.
func serveRSS(b *testing.B, n int, window string) processMemory {
	spec := filepath.Join(b.TempDir(), "many.yaml")
	if err := os.WriteFile(spec, manySLOs(n, window), 0o644); err != nil {
		b.Fatal(err)
	}
	s := startChild(b, "-c", spec, "--data-dir", b.TempDir(), "--ingest-token", ingestToken, "--tick", "1s")
	tr := &http.Transport{MaxIdleConnsPerHost: ingestClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	now := time.Now().UTC()
	for i, body := range touchCounts(n, window, now) {
		if err := pushBody(client, s.base, fmt.Sprintf("touch-%d", i), &body); err != nil {
			b.Fatal(err)
		}
	}
	// Wait for a tick after the push, so that its evaluation is in memory.
	pushed := time.Now()
	for deadline := pushed.Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var ev struct{ Time time.Time }
		code, err := s.try("GET", "/api/v1/slos/svc-0/slo-0", "", nil, nil, &ev)
		if err != nil || code != http.StatusOK {
			b.Fatalf("GET an SLO: %d %v", code, err)
		}
		if ev.Time.After(pushed) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no tick within a minute of the push")
		}
	}
	// The resident size first: a scrape of /metrics makes garbage, about
	// 10 KB per SLO.
	var m processMemory
	m.rss, m.hwm = procMemory(b, s.cmd.Process.Pid)
	v := scrapeMetrics(b, s.base, "go_memstats_heap_inuse_bytes", "go_memstats_next_gc_bytes", "go_gc_gogc_percent",
		"go_memstats_alloc_bytes_total", "go_memstats_mallocs_total")
	m.heap, m.goal = v[0], v[1]
	if gogc := v[2]; gogc > 0 {
		m.live = m.goal * 100 / (100 + gogc)
	}
	// Each reading is taken partway through its own scrape, so the rise
	// over several scrapes, divided by their number, is one scrape's.
	const scrapes = 5
	var w []int64
	for range scrapes {
		w = scrapeMetrics(b, s.base, "go_memstats_alloc_bytes_total", "go_memstats_mallocs_total")
	}
	m.scrape, m.scrapeAllocs = (w[0]-v[3])/scrapes, (w[1]-v[4])/scrapes
	return m
}

// manySLOs writes a spec of n SLOs of one kind over window, ten to a
// service, as a busy platform would have.
func manySLOs(n int, window string) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		if i%10 == 0 {
			if i > 0 {
				b.WriteString("---\n")
			}
			fmt.Fprintf(&b, "apiVersion: slo/v1\nservice: svc-%d\nslos:\n", i/10)
		}
		fmt.Fprintf(&b, `  - name: slo-%d
    objective: 99.9
    window: %s
    sli:
      events:
        stream: s%d
        good: {status: ["2xx"]}
`, i%10, window, i%10)
	}
	return b.Bytes()
}

// touchCounts writes, for every SLO, counts that land in every 4 KiB page
// of its rings (a page holds 256 buckets of 16 bytes): minutes of the last
// six hours and hours back to the start of the window, in batches. The
// counts are all good: with 1% bad every SLO's budget is exhausted and its
// alerts fire, and the process holds and evaluates those alerts besides
// the SLOs' state (66.6 KB of RSS per SLO at 30 days, against 51.6 KB, in
// one run of each).
func touchCounts(n int, window string, now time.Time) []ingestBody {
	days, _ := strconv.Atoi(strings.TrimSuffix(window, "d"))
	hours := days * 24
	var ages []time.Duration
	for m := 1; m < 6*60; m += 128 {
		ages = append(ages, time.Duration(m)*time.Minute)
	}
	for h := 6; h < hours; h += 128 {
		ages = append(ages, time.Duration(h)*time.Hour)
	}
	ages = append(ages, time.Duration(hours-2)*time.Hour)
	var out []ingestBody
	var buf bytes.Buffer
	items := 0
	for i := 0; i < n; i++ {
		for _, age := range ages {
			fmt.Fprintf(&buf, `{"slo":"svc-%d/slo-%d","time":%d,"good":100,"valid":100}`+"\n", i/10, i%10, now.Add(-age).Unix())
			items++
		}
		if items >= ingestBatch || i == n-1 {
			out = append(out, ingestBody{gz: gzipBytes(buf.Bytes()), plain: buf.Len(), items: items, events: float64(items)})
			buf.Reset()
			items = 0
		}
	}
	return out
}

// procMemory reads VmRSS and VmHWM of a process, in bytes.
func procMemory(b *testing.B, pid int) (rss, hwm int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = v << 10
		case "VmHWM:":
			hwm = v << 10
		}
	}
	if rss == 0 {
		b.Fatalf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, hwm
}

// scrapeMetrics reads unlabelled samples from one scrape of the server's
// /metrics, in the order of names.
func scrapeMetrics(b *testing.B, base string, names ...string) []int64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out := make([]int64, len(names))
	found := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		for i, n := range names {
			if name == n {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					b.Fatal(err)
				}
				out[i] = int64(f)
				found++
			}
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	if found != len(names) {
		b.Fatalf("found %d of %v in /metrics", found, names)
	}
	return out
}
