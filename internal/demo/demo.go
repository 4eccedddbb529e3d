// Package demo makes up the traffic of the seed's notification platform for
// `slo serve --demo`: request events on the api and delivery streams, with a
// daily rhythm, per-customer tiers and the incidents of the seed's error
// budget walkthrough, classified and appended to the store as a real source
// would. Backfill fills a past range at once; Live keeps adding the traffic
// of the time that passes.
//
// Everything is a pure function of the seed and the time: the same seed
// gives the same events for the same range, however the range is cut into
// batches, so Backfill and Live agree and a restarted backfill produces the
// batches it produced before.
package demo

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Sink takes the classified batches: the store, or whatever stands in front
// of it. Append has store.Store's meaning.
type Sink interface {
	Append(ctx context.Context, b store.Batch) (seq int64, duplicate bool, err error)
}

// Classify turns events into observations, summed per series and minute, as
// the push source does. It must not keep events after it returns: the
// generator reuses the slice, and events share their Labels maps, which
// must not be modified.
type Classify func(events []slo.Event) []slo.Observation

// Config says what traffic to make. The zero value makes the seed's month.
type Config struct {
	// Seed picks the random stream; the same seed makes the same traffic.
	Seed uint64
	// Rate is the average number of customer API requests per minute over a
	// day (40 when zero). Internal calls (a twentieth of it) and health
	// checks (two a minute) come on top; neither counts for the SLOs. The
	// defaults keep a 30-day backfill, classification included, near a
	// second and a half of CPU (BenchmarkBackfill30Days): classifying, not
	// making, is most of the cost. A whole number keeps the seed's
	// incidents at exactly rate x minutes bad requests.
	Rate float64
	// DeliveryRate is the average number of deliveries per minute (25 when
	// zero), the accepted sends that reach a provider.
	DeliveryRate float64
	// Incidents happen during Backfill. Nil means SeedIncidents; an empty,
	// non-nil slice means a quiet month.
	Incidents []Incident
	// Customers send the traffic. Nil means the example spec's customers
	// and three on the free tier (see CustomersOf).
	Customers []Customer
	// Chunk is how much generated time one backfill batch holds (an hour
	// when zero). Chunks are aligned to multiples of Chunk in UTC, so that
	// a backfill restarted at another time cuts the same batches.
	Chunk time.Duration
	// Tick returns the channel Live waits on between batches; time.Tick
	// when nil. Tests pass a channel they send on.
	Tick func(d time.Duration) <-chan time.Time
}

func (c *Config) defaults() {
	if c.Rate == 0 {
		c.Rate = 40
	}
	if c.DeliveryRate == 0 {
		c.DeliveryRate = 25
	}
	if c.Incidents == nil {
		c.Incidents = SeedIncidents()
	}
	if c.Customers == nil {
		c.Customers = CustomersOf(exampleCustomers, "tinyco", "side-project", "weekend-hack")
	}
	if c.Chunk <= 0 {
		c.Chunk = time.Hour
	}
	if c.Tick == nil {
		// Since Go 1.23 an unreferenced ticker is collected even if never
		// stopped, so time.Tick does not leak when Live returns.
		c.Tick = time.Tick
	}
}

// Customer is one API client of the platform.
type Customer struct {
	Name string
	// Tier sets how fast the customer is served: enterprise capacity is
	// dedicated and fast, the free tier shares a slower pool. Tiers other
	// than enterprise, professional and standard are served as free.
	Tier string
	// Weight is the customer's share of the traffic, relative to the
	// others; by tier when zero (enterprise 3, professional 2, standard
	// 1.5, others 0.5), because bigger contracts send more.
	Weight float64
}

// exampleCustomers are the assignments of examples/notification-platform.yaml,
// so that the demo matches the example without reading it.
var exampleCustomers = &slo.Customers{
	DefaultTier: "free",
	Assignments: map[string]string{
		"acme-retail":     "enterprise",
		"globex-bank":     "enterprise",
		"initech":         "professional",
		"umbrella-health": "professional",
		"hooli-games":     "standard",
		"pied-piper":      "standard",
	},
}

// CustomersOf returns the customers a spec assigns to tiers, sorted by name
// so that the traffic does not depend on map order, followed by the free
// customers named, on the spec's default tier.
func CustomersOf(c *slo.Customers, free ...string) []Customer {
	var out []Customer
	defaultTier := "free"
	if c != nil {
		for name, tier := range c.Assignments {
			out = append(out, Customer{Name: name, Tier: tier})
		}
		if c.DefaultTier != "" {
			defaultTier = c.DefaultTier
		}
	}
	slices.SortFunc(out, func(a, b Customer) int { return strings.Compare(a.Name, b.Name) })
	for _, name := range free {
		out = append(out, Customer{Name: name, Tier: defaultTier})
	}
	return out
}

// Generator makes the traffic. It holds no state beyond its configuration,
// so any number of goroutines may use it.
type Generator struct {
	cfg   Config
	custs []served
	// weights holds the customers' cumulative weights, for picking one.
	weights []float64
}

// served is a customer with the latencies of its tier.
type served struct {
	name    string
	profile profile
}

// New returns a generator for cfg, with zero fields set to their defaults.
func New(cfg Config) *Generator {
	cfg.defaults()
	// The generator keeps its own copies, so that a caller changing its
	// slices later cannot change the traffic under a running Live.
	cfg.Incidents = slices.Clone(cfg.Incidents)
	cfg.Customers = slices.Clone(cfg.Customers)
	g := &Generator{cfg: cfg}
	sum := 0.0
	for _, c := range cfg.Customers {
		p, ok := profiles[c.Tier]
		if !ok {
			p = profiles["free"]
		}
		w := c.Weight
		if w == 0 {
			w = p.weight
		}
		if w <= 0 {
			continue
		}
		sum += w
		g.custs = append(g.custs, served{name: c.Name, profile: p})
		g.weights = append(g.weights, sum)
	}
	if len(g.custs) == 0 {
		// Traffic needs someone to send it; an anonymous free customer
		// keeps the generator total rather than failing on an odd config.
		g.custs = []served{{name: "anonymous", profile: profiles["free"]}}
		g.weights = []float64{1}
	}
	return g
}

// Config returns the configuration in use, defaults filled in.
func (g *Generator) Config() Config {
	c := g.cfg
	c.Incidents = slices.Clone(c.Incidents)
	c.Customers = slices.Clone(c.Customers)
	return c
}
