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

// The tiered customers' scale goal (docs/performance.md): 10k customers x 3
// SLOs in one server, each customer's series within the core's memory goal
// of 64 KiB per SLO with 90 days of history.

const tieredBenchSpec = `apiVersion: slo/v1
service: bench
customers:
  tiers: [free, standard, enterprise]
  default_tier: free
slos:
%s`

const tieredBenchSLO = `  - name: %s
    objective: 99
    window: %s
    sli:
      events:
        stream: api
        customer_field: customer
        good: {status: ["2xx"]}
    tiers:
      standard: {objective: 99.5}
      enterprise: {objective: 99.9}
`

// tieredBenchServices returns a service of three per-customer SLOs over
// window, with a third of n customers on standard and a third on
// enterprise in the spec.
func tieredBenchServices(tb testing.TB, n int, window string) []slo.Service {
	slos := ""
	for _, name := range []string{"availability", "latency", "delivery"} {
		slos += fmt.Sprintf(tieredBenchSLO, name, window)
	}
	svcs, problems := specParse(fmt.Sprintf(tieredBenchSpec, slos))
	if len(problems) > 0 {
		tb.Fatal(problems)
	}
	c := svcs[0].Customers
	c.Assignments = map[string]string{}
	for i := range n {
		switch i % 3 {
		case 1:
			c.Assignments[benchCustomer(i)] = "standard"
		case 2:
			c.Assignments[benchCustomer(i)] = "enterprise"
		}
	}
	return svcs
}

func benchCustomer(i int) string { return fmt.Sprintf("customer-%05d", i) }

// tieredFilled returns an engine over st (nil when the store is not used)
// with n customers' series of each of the three SLOs, and the totals,
// every bucket of their rings holding a count.
func tieredFilled(tb testing.TB, st store.Store, n int, window string) *Engine {
	return fill(st, tieredBenchServices(tb, n, window), n)
}

// BenchmarkCustomerMemory reports the heap of 10k customers x 3 SLOs with
// full rings, per series (30,003 of them, the totals included): the rings,
// the maps that find a series, the customer ids, and the spec's mapping.
func BenchmarkCustomerMemory(b *testing.B) {
	for _, window := range []string{"30d", "90d"} {
		b.Run("window="+window, func(b *testing.B) {
			const n = 10_000
			for b.Loop() {
				before := heap()
				e := tieredFilled(b, nil, n, window)
				after := heap()
				runtime.KeepAlive(e)
				b.ReportMetric(float64(after-before)/float64(len(e.list)), "B/series")
				b.ReportMetric(float64(after-before)/(1<<20), "heap-MiB")
			}
		})
	}
}

// BenchmarkCustomerTick is one evaluation of 10k customers x 3 SLOs, the
// clock moving 10 s a tick. Run it with -cpu 1: a tick is single-threaded.
func BenchmarkCustomerTick(b *testing.B) {
	e := tieredFilled(b, nil, 10_000, "30d")
	now := benchStart
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(10 * time.Second)
		e.evaluate(now)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/tick")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(e.list)), "ns/series")
}

// BenchmarkCustomerTierChange is a customer moved to another tier through
// the API: the durable save, and at the next tick its three series
// retargeted, on top of the tick of 30k series.
func BenchmarkCustomerTierChange(b *testing.B) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "slo.db"), sqlite.Options{Now: func() time.Time { return benchStart }})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e := tieredFilled(b, st, 10_000, "30d")
	ctx := context.Background()
	tiers := []string{"free", "standard", "enterprise"}
	i := 0
	for b.Loop() {
		if _, err := e.SetCustomerTier(ctx, "bench", benchCustomer(i%10_000), tiers[i%3]); err != nil {
			b.Fatal(err)
		}
		e.mu.Lock()
		e.retarget()
		e.mu.Unlock()
		i++
	}
}

// BenchmarkCustomerRestart is a start of the engine over a store holding a
// checkpoint of 10k customers x 3 SLOs, a thousand observations logged
// after it, and a thousand tiers set through the API.
func BenchmarkCustomerRestart(b *testing.B) {
	dir := b.TempDir()
	now := func() time.Time { return benchStart }
	st, err := sqlite.Open(filepath.Join(dir, "slo.db"), sqlite.Options{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	e := tieredFilled(b, st, 10_000, "30d")
	ctx := context.Background()
	if err := e.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	var obs []slo.Observation
	for i := range 1000 {
		obs = append(obs, slo.Observation{Series: e.list[i*17%len(e.list)].id, Time: benchStart.Add(-time.Duration(i) * time.Second), Good: 1, Valid: 1})
	}
	if _, _, err := st.Append(ctx, store.Batch{Observations: obs}); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if _, err := e.SetCustomerTier(ctx, "bench", benchCustomer(i*7), "enterprise"); err != nil {
			b.Fatal(err)
		}
	}
	services, series := e.Services(), len(e.list)
	size, _ := st.Size()
	st.Close()
	e = nil
	runtime.GC()
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
		if len(again.list) != series {
			b.Fatalf("%d series restored, want %d", len(again.list), series)
		}
		if ev, _ := again.Evaluation(slo.Series{Objective: "bench/availability", Customer: benchCustomer(7)}); ev.Tier != "enterprise" {
			b.Fatalf("customer 7 is on %q after the restart, want enterprise", ev.Tier)
		}
		st.Close()
		again = nil
		runtime.GC()
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/restart")
	b.ReportMetric(float64(size)/float64(series), "store-B/series")
}
