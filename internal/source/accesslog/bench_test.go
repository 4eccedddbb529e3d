package accesslog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchSpec has one SLO per format, both measured per customer, with the
// filters a real availability SLO has: a path prefix, an exclusion and a
// status class.
const benchSpec = `apiVersion: slo/v1
service: api
customers:
  tiers: [free, enterprise]
  default_tier: free
slos:
  - name: FORMAT
    objective: 99.9
    window: 30d
    sli:
      accesslog:
        path: LOG
        format: FORMAT
        customer_field: CUSTOMER
        valid: {path_prefix: /api/}
        exclude: [{path_prefix: /api/health}]
        good: {status: ["2xx", "4xx"], latency_below: 300ms}
`

// benchLines writes n lines of format, over one hour from start, with 100
// customers, 1% errors and a latency spread over 0-400ms.
func benchLines(format string, n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for i := range n {
		at := start.Add(time.Duration(i) * time.Hour / time.Duration(n))
		status := 200
		if rng.IntN(100) == 0 {
			status = 503
		}
		path := fmt.Sprintf("/api/v1/orders/%d", rng.IntN(100000))
		lat := time.Duration(rng.IntN(400)) * time.Millisecond
		customer := fmt.Sprintf("customer-%02d", rng.IntN(100))
		if format == JSON {
			fmt.Fprintf(&b, `{"time":%q,"remote_addr":"203.0.113.7","method":"GET","path":%q,"status":%d,"bytes":512,"request_time":%.3f,"customer":%q,"user_agent":"Mozilla/5.0 (X11; Linux x86_64)"}`+"\n",
				at.Format(time.RFC3339Nano), path, status, lat.Seconds(), customer)
		} else {
			fmt.Fprintf(&b, `203.0.113.7 - %s [%s] "GET %s HTTP/1.1" %d 512 "https://shop.example.com/cart" "Mozilla/5.0 (X11; Linux x86_64)" %.3f`+"\n",
				customer, at.Format("02/Jan/2006:15:04:05 -0700"), path, status, lat.Seconds())
		}
	}
	return []byte(b.String())
}

// benchRig is a source over one SLO of format, for its batch's build: the
// parsing and classifying of lines, without files or a store.
func benchRig(b *testing.B, format string) *tailer {
	customer := "customer"
	if format == Combined {
		customer = "remote_user"
	}
	text := strings.NewReplacer("FORMAT", format, "CUSTOMER", customer, "LOG", filepath.Join(b.TempDir(), "access.log")).Replace(benchSpec)
	svcs := parseSpec(b, text)
	s, err := New(svcs, nil, Options{StateDir: b.TempDir(), Now: func() time.Time { return start.Add(time.Hour) }})
	if err != nil {
		b.Fatal(err)
	}
	t := s.tailers[0]
	t.name = "access.log"
	return t
}

// BenchmarkParseClassify is lines parsed and classified per second, per
// customer and in total, into per-minute observations.
func BenchmarkParseClassify(b *testing.B) {
	for _, format := range []string{Combined, JSON} {
		b.Run(format, func(b *testing.B) {
			const n = 20000
			data := benchLines(format, n)
			t := benchRig(b, format)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				t.bat.build(data, false)
			}
			b.StopTimer()
			if r := t.bat.res; r.counted == 0 || r.malformed != 0 {
				b.Fatalf("counted %d, malformed %d: %v", r.counted, r.malformed, r.reports)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkPoll is the whole path, lines per second: reading a real file,
// parsing, classifying, writing the position twice per batch and appending
// to a real SQLite store.
func BenchmarkPoll(b *testing.B) {
	const n = 100000
	data := benchLines(Combined, n)
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		logPath := filepath.Join(dir, "access.log")
		if err := os.WriteFile(logPath, data, 0o640); err != nil {
			b.Fatal(err)
		}
		r := newRigAt(b, dir, strings.NewReplacer("FORMAT", Combined, "CUSTOMER", "remote_user", "LOG", logPath).Replace(benchSpec))
		r.opts.Now = func() time.Time { return start.Add(time.Hour) }
		s, err := New(r.services, r.st, r.opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for {
			more, err := s.Poll(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if !more {
				break
			}
		}
		b.StopTimer()
		if st := s.Stats()[0]; st.Lines != n {
			b.Fatalf("%d lines read, want %d", st.Lines, n)
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
