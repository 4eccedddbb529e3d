//go:build unix

package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkServeCustomersRSS measures a real `slo serve` holding n
// customers x 3 per-customer SLOs over 90 days, the customers' tiers in a
// mapping file: the resident size per series once every page of every
// series' rings is touched (as BenchmarkServeRSS does per SLO), the mean
// tick, and how long a restart takes to answer /readyz. Linux only.
//
//	go test -run '^$' -bench BenchmarkServeCustomersRSS -benchtime 1x -count 3 ./cmd/slo
func BenchmarkServeCustomersRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			for b.Loop() {
				m := serveCustomers(b, n)
				series := float64(3*n + 3)
				b.ReportMetric(float64(m.rss)/(1<<20), "rss-MiB")
				b.ReportMetric(float64(m.live)/(1<<20), "live-heap-MiB")
				b.ReportMetric(float64(m.rss)/series, "rss-B/series")
				b.ReportMetric(float64(m.live)/series, "live-B/series")
				b.ReportMetric(m.tick.Seconds()*1e3, "ms/tick")
				b.ReportMetric(m.restart.Seconds(), "s/restart")
				b.ReportMetric(m.mapping.Seconds()*1e3, "ms/mapping")
				b.ReportMetric(m.customer.Seconds()*1e3, "ms/customer")
			}
		})
	}
}

// customersMemory is what serveCustomers measures.
type customersMemory struct {
	processMemory
	tick, restart     time.Duration
	mapping, customer time.Duration
}

// serveCustomers starts the binary over n customers, fills every series,
// measures it once it has ticked, then stops it and times a restart.
func serveCustomers(b *testing.B, n int) customersMemory {
	dir := b.TempDir()
	spec := filepath.Join(dir, "bench.yaml")
	var mapping bytes.Buffer
	mapping.WriteString("customer,tier\n")
	for i := range n {
		fmt.Fprintf(&mapping, "customer-%05d,%s\n", i, []string{"free", "standard", "enterprise"}[i%3])
	}
	if err := os.WriteFile(filepath.Join(dir, "tiers.csv"), mapping.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(spec, customerSpec(), 0o644); err != nil {
		b.Fatal(err)
	}
	data := b.TempDir()
	args := []string{"-c", spec, "--data-dir", data, "--ingest-token", ingestToken, "--tick", "1s"}
	s := startChild(b, args...)
	tr := &http.Transport{MaxIdleConnsPerHost: ingestClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	now := time.Now().UTC()
	for i, body := range touchCustomers(n, now) {
		if err := pushBody(client, s.base, fmt.Sprintf("touch-%d", i), &body); err != nil {
			b.Fatal(err)
		}
	}
	waitTickAfter(b, s, time.Now(), "bench/availability")
	var slo struct{ Customers int }
	if code, err := s.try("GET", "/api/v1/slos/bench/latency", "", nil, nil, &slo); err != nil || code != http.StatusOK || slo.Customers != n {
		b.Fatalf("GET the SLO: %d %v, %d customers; want %d", code, err, slo.Customers, n)
	}
	var m customersMemory
	m.rss, m.hwm = procMemory(b, s.cmd.Process.Pid)
	v := scrapeMetrics(b, s.base, "go_memstats_heap_inuse_bytes", "go_memstats_next_gc_bytes", "go_gc_gogc_percent")
	m.heap, m.goal = v[0], v[1]
	if gogc := v[2]; gogc > 0 {
		m.live = m.goal * 100 / (100 + gogc)
	}
	m.tick = meanTick(b, s.base)
	// The API's reads at this size, after the memory is measured: the
	// mapping of every customer, and one customer's status.
	for _, r := range []struct {
		path string
		took *time.Duration
	}{{"/api/v1/customers/bench", &m.mapping}, {"/api/v1/customers/bench/customer-00042", &m.customer}} {
		began := time.Now()
		if code, err := s.try("GET", r.path, "", nil, nil, nil); err != nil || code != http.StatusOK {
			b.Fatalf("GET %s: %d %v", r.path, code, err)
		}
		*r.took = time.Since(began)
	}
	// A graceful stop saves a checkpoint; the restart loads it.
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		b.Fatal(err)
	}
	_ = s.cmd.Wait()
	began := time.Now()
	again := startChild(b, args...)
	m.restart = time.Since(began)
	again.kill()
	return m
}

// customerSpec is a service of three SLOs measured per customer over 90
// days, each with tier targets, whose tiers come from tiers.csv.
func customerSpec() []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: slo/v1\nservice: bench\ncustomers:\n  tiers: [free, standard, enterprise]\n  default_tier: free\n  mapping_file: tiers.csv\nslos:\n")
	for _, name := range []string{"availability", "latency", "delivery"} {
		fmt.Fprintf(&b, `  - name: %s
    objective: 99
    window: 90d
    sli:
      events:
        stream: api
        customer_field: customer
        good: {status: ["2xx"]}
    tiers:
      standard: {objective: 99.5}
      enterprise: {objective: 99.9}
`, name)
	}
	return b.Bytes()
}

// touchCustomers writes, for every customer and SLO, counts that land in
// every 4 KiB page of its series' rings, as touchCounts does per SLO;
// each count also lands in the SLO's total.
func touchCustomers(n int, now time.Time) []ingestBody {
	hours := 90 * 24
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
	flush := func() {
		out = append(out, ingestBody{gz: gzipBytes(buf.Bytes()), plain: buf.Len(), items: items, events: float64(items)})
		buf.Reset()
		items = 0
	}
	for i := range n {
		for _, name := range []string{"availability", "latency", "delivery"} {
			for _, age := range ages {
				fmt.Fprintf(&buf, `{"slo":"bench/%s","customer":"customer-%05d","time":%d,"good":99,"valid":100}`+"\n", name, i, now.Add(-age).Unix())
				items++
			}
		}
		if items >= ingestBatch {
			flush()
		}
	}
	if items > 0 {
		flush()
	}
	return out
}

// waitTickAfter waits for an evaluation of key after since.
func waitTickAfter(b *testing.B, s *server, since time.Time, key string) {
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var ev struct{ Time time.Time }
		code, err := s.try("GET", "/api/v1/slos/"+key, "", nil, nil, &ev)
		if err != nil || code != http.StatusOK {
			b.Fatalf("GET %s: %d %v", key, code, err)
		}
		if ev.Time.After(since) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("no tick within a minute of the push")
		}
	}
}

// meanTick reads the engine's mean tick from /metrics.
func meanTick(b *testing.B, base string) time.Duration {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		b.Fatal(err)
	}
	var sum, count float64
	for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
		fmt.Sscanf(string(line), "slo_engine_tick_seconds_sum %g", &sum)
		fmt.Sscanf(string(line), "slo_engine_tick_seconds_count %g", &count)
	}
	if count == 0 {
		return 0
	}
	return time.Duration(sum / count * float64(time.Second))
}
