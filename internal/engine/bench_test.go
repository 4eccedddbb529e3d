package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// The engine's performance goals (docs/performance.md): a tick over 100k
// SLOs with every window within 50 ms on one core; at most 64 KiB of memory
// per SLO with 90 days of history; a restart of 100k SLOs within 5 s.

const benchSpec = `apiVersion: slo/v1
service: bench
slos:
  - name: template
    objective: 99.9
    window: %s
    sli:
      events:
        stream: api
        good: {status: ["2xx"]}
`

var benchStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// benchServices returns one service with n copies of a 99.9% SLO with the
// default tiers over window.
func benchServices(tb testing.TB, n int, window string) []slo.Service {
	svcs, problems := specParse(fmt.Sprintf(benchSpec, window))
	if len(problems) > 0 {
		tb.Fatal(problems)
	}
	svc := svcs[0]
	tmpl := svc.Objectives[0]
	svc.Objectives = make([]slo.Objective, n)
	for i := range svc.Objectives {
		svc.Objectives[i] = tmpl
		svc.Objectives[i].Name = fmt.Sprintf("slo-%d", i)
	}
	return []slo.Service{svc}
}

// filled returns an engine over st (which may be nil for benchmarks that
// never touch the store) whose every series has a count in every bucket
// of its three rings, as a busy service would.
func filled(tb testing.TB, st store.Store, n int, window string) *Engine {
	return fill(st, benchServices(tb, n, window), 0)
}

// fill returns an engine over st for services with the series of every
// objective's total and of its first customers (benchCustomer), every
// bucket of their rings holding a count, evaluated once.
func fill(st store.Store, services []slo.Service, customers int) *Engine {
	e := New(st, services, Options{Now: func() time.Time { return benchStart }})
	e.setServices(e.services, true)
	e.ticked = benchStart
	for _, k := range e.keys {
		for i := range customers {
			e.seriesFor(slo.Series{Objective: k, Customer: benchCustomer(i)}, benchStart)
		}
	}
	for i, s := range e.list {
		for _, r := range s.rings {
			for j := range r.buf {
				v := float64(1000 + (i+j)%100)
				r.buf[j] = pair{v - float64(j%3), v}
			}
			r.resum()
		}
	}
	e.evaluate(benchStart)
	return e
}

// BenchmarkTick is one evaluation of every SLO, the clock moving 10 s a
// tick so that minute and hour buckets roll over as they do live. Run it
// with -cpu 1: a tick is single-threaded.
func BenchmarkTick(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("slos=%d", n), func(b *testing.B) {
			e := filled(b, nil, n, "30d")
			now := benchStart
			b.ResetTimer()
			for b.Loop() {
				now = now.Add(10 * time.Second)
				e.evaluate(now)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/tick")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/slo")
		})
	}
}

// BenchmarkMemory reports the heap each SLO takes once its rings are full:
// 6 hours of minutes, 3 days of hours, and the SLO window in at most 720
// buckets (hours for 30 days, 3 hours for 90).
func BenchmarkMemory(b *testing.B) {
	for _, window := range []string{"30d", "90d"} {
		b.Run("window="+window, func(b *testing.B) {
			const n = 10_000
			for b.Loop() {
				before := heap()
				e := filled(b, nil, n, window)
				after := heap()
				runtime.KeepAlive(e)
				b.ReportMetric(float64(after-before)/n, "B/slo")
			}
		})
	}
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkRestart is a start of the engine over a store holding a
// checkpoint of n full SLOs and a thousand observations logged after it:
// what `slo serve` does before it answers. Each run opens the database
// afresh, as a restarted process does.
func BenchmarkRestart(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("slos=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			now := func() time.Time { return benchStart }
			services, size := writeCheckpoint(b, dir, n, now)
			runtime.GC() // the engine that wrote it is gone, as in a new process
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				st, err := sqlite.Open(filepath.Join(dir, "slo.db"), sqlite.Options{Now: now})
				if err != nil {
					b.Fatal(err)
				}
				again := New(st, services, Options{Now: now})
				if err := again.Load(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				st.Close()
				again = nil
				runtime.GC()
				b.StartTimer()
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/restart")
			b.ReportMetric(float64(size)/float64(n), "store-B/slo")
		})
	}
}

// writeCheckpoint leaves in dir a closed store with a checkpoint of n full
// SLOs and a batch logged after it.
func writeCheckpoint(b *testing.B, dir string, n int, now func() time.Time) ([]slo.Service, int64) {
	st, err := sqlite.Open(filepath.Join(dir, "slo.db"), sqlite.Options{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e := filled(b, st, n, "30d")
	ctx := context.Background()
	if err := e.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	var obs []slo.Observation
	for i := 0; i < 1000; i++ {
		obs = append(obs, slo.Observation{Series: e.list[i%n].id, Time: benchStart.Add(-time.Duration(i) * time.Second), Good: 1, Valid: 1})
	}
	if _, _, err := st.Append(ctx, store.Batch{Observations: obs}); err != nil {
		b.Fatal(err)
	}
	size, _ := st.Size()
	return e.Services(), size
}

// BenchmarkAlerting is what a tick adds for the alert manager: finding the
// objectives whose alert conditions may hold, and building their
// evaluations. In the benchmark's data none is alertable, as in a healthy
// fleet: it is then a scan with no allocation.
func BenchmarkAlerting(b *testing.B) {
	e := healthy(filled(b, nil, 100_000, "30d"))
	if n := len(e.Alerting()); n != 0 {
		b.Fatalf("%d alertable objectives in healthy data", n)
	}
	b.ResetTimer()
	for b.Loop() {
		e.Alerting()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/tick")
}

// BenchmarkTickHealthy is BenchmarkTick at 100k SLOs with no bad events:
// every tier's two windows are checked for the alert mark, where in
// BenchmarkTick's data (budgets critical) one comparison settles it.
func BenchmarkTickHealthy(b *testing.B) {
	e := healthy(filled(b, nil, 100_000, "30d"))
	now := benchStart
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(10 * time.Second)
		e.evaluate(now)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/tick")
}

// healthy makes every bucket of e's rings all good, and ticks.
func healthy(e *Engine) *Engine {
	for _, s := range e.list {
		for _, r := range s.rings {
			for j := range r.buf {
				r.buf[j].good = r.buf[j].valid
			}
			r.resum()
		}
	}
	e.evaluate(benchStart)
	return e
}

// BenchmarkColdStart is a first start: specs, an empty store, no
// checkpoint. Every series is made once; B/op and allocs/op show it.
func BenchmarkColdStart(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("slos=%d", n), func(b *testing.B) {
			now := func() time.Time { return benchStart }
			st, err := sqlite.Open(filepath.Join(b.TempDir(), "slo.db"), sqlite.Options{Now: now})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			services := benchServices(b, n, "30d")
			b.ReportAllocs()
			for b.Loop() {
				e := New(st, services, Options{Now: now})
				if err := e.Load(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
