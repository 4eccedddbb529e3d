package demo

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// The daily rhythm: load = average x (1 + swing x sin(2π (t - rising) / day)),
// between 0.4x at 03:00 UTC and 1.6x at 15:00 UTC.
const (
	swing  = 0.6
	rising = 9 * time.Hour
	omega  = 2 * math.Pi / 86400 // radians per second
)

// block is the span whose number of events is fixed by the daily curve.
// Within a block only the arrival times are random, so counts per minute
// vary like a Poisson process's, while any run of whole blocks holds the
// curve's integral to within one event. That is what makes an incident of
// d minutes fail exactly d minutes of average traffic. 150 seconds divides
// the half-width of incidents of 5, 10, 15 or 20 minutes centred on 09:00,
// so they start and end on block edges.
const block = 150 * time.Second

const (
	internalShare = 0.05 // internal calls per customer request
	healthEvery   = 30 * time.Second
	sendShare     = 0.75 // of customer requests, the rest are reads
	clientErrors  = 0.03 // of sends, answered 4xx: still good events
	notFound      = 0.05 // of reads
	slowPath      = 0.001
	apiSigma      = 0.45
	deliverySigma = 0.7
	deliveryTail  = 0.0002 // deliveries retried for minutes
	deliveryFails = 0.0001 // deliveries a provider rejects
	misdelivered  = 1.0 / 200000
)

// profile is how fast a tier is served, and how much it sends.
type profile struct {
	api      float64 // median API latency, seconds
	delivery float64 // median delivery latency, seconds
	weight   float64
}

// profiles sets each tier's medians so that 99.7% or more of its sends meet
// its own latency threshold (100, 200, 500 and 1000 ms) while lower tiers
// are far slower than the enterprise threshold allows; the slow path and the
// free tier keep the 500 ms SLO healthy (about 77% of its budget left over
// 30 days) but short of perfect. Deliveries are faster for bigger tiers
// too: priority queues, as their stricter delivery targets need.
var profiles = map[string]profile{
	"enterprise":   {api: 0.028, delivery: 2, weight: 3},
	"professional": {api: 0.055, delivery: 3, weight: 2},
	"standard":     {api: 0.110, delivery: 4, weight: 1.5},
	"free":         {api: 0.180, delivery: 6, weight: 0.5},
}

// kind is one of the independent streams of traffic, each with its own
// count per block and its own random stream.
type kind uint64

const (
	customerAPI kind = iota
	internalAPI
	healthCheck
	delivery
)

const sendPath = "/api/v1/notifications"

// clientStatuses are the 4xx answers to sends: a bad payload, a bad key, a
// customer over its rate limit.
var clientStatuses = []int{400, 401, 429}

// readPaths are the notifications customers read back, made once so that
// events do not allocate their paths.
var readPaths = func() []string {
	p := make([]string, 64)
	for i := range p {
		p[i] = sendPath + "/ntf_" + strconv.FormatInt(int64(1000003*(i+1)%999983), 36)
	}
	return p
}()

// Label sets, shared by the events that carry them instead of a map per
// event: that would be most of the generator's allocations.
var (
	internalLabels = map[string]string{"caller": "internal"}
	channels       = []string{"email", "email", "email", "sms", "sms", "push"}
	deliveredTo    = labelSets("true")
	deliveredWrong = labelSets("false")
)

func labelSets(ok string) map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, ch := range channels {
		m[ch] = map[string]string{"channel": ch, "recipient_ok": ok}
	}
	return m
}

// span is an incident as unix nanoseconds.
type span struct {
	from, to int64
	status   int
	delivery bool
}

// spans places the configured incidents in a backfill from start.
func (g *Generator) spans(start time.Time) []span {
	out := make([]span, 0, len(g.cfg.Incidents))
	for _, in := range g.cfg.Incidents {
		from, to := in.Span(start)
		status := in.Status
		if status == 0 {
			status = 503
		}
		out = append(out, span{from.UnixNano(), to.UnixNano(), status, in.Delivery})
	}
	return out
}

// Events returns the quiet traffic of [from, to): what Live makes, without
// incidents. Events are in time order within each stream, not across them.
func (g *Generator) Events(from, to time.Time) []slo.Event {
	return g.appendEvents(nil, from, to, nil)
}

// cursor is the random state of one batch's generation, reseeded per block
// and stream so that each is a pure function of the seed.
type cursor struct {
	src   rand.PCG
	r     *rand.Rand
	times []float64
}

// appendEvents appends the events of [from, to) to dst, with the incidents
// in spans.
func (g *Generator) appendEvents(dst []slo.Event, from, to time.Time, spans []span) []slo.Event {
	lo, hi := from.UnixNano(), to.UnixNano()
	if hi <= lo {
		return dst
	}
	var active []span
	for _, s := range spans {
		if s.from < hi && s.to > lo {
			active = append(active, s)
		}
	}
	c := &cursor{}
	c.r = rand.New(&c.src)
	bn := int64(block)
	for b := floorDiv(lo, bn); b*bn < hi; b++ {
		dst = g.appendBlock(dst, c, b, lo, hi, active)
	}
	return dst
}

// appendBlock appends the events of block b that fall in [lo, hi).
func (g *Generator) appendBlock(dst []slo.Event, c *cursor, b, lo, hi int64, spans []span) []slo.Event {
	start := b * int64(block)
	for k := customerAPI; k <= delivery; k++ {
		n := g.count(k, b)
		c.src.Seed(g.cfg.Seed, mix(uint64(b)<<2|uint64(k)))
		c.arrivals(n)
		for i := range n {
			ns := start + int64(c.times[i]*float64(block))
			// The event is made even when it is dropped, so that the
			// random stream, and every later event, is the same however
			// the block is cut.
			e := g.event(k, c.r, ns)
			if ns < lo || ns >= hi {
				continue
			}
			for _, s := range spans {
				if ns >= s.from && ns < s.to {
					fail(&e, s)
				}
			}
			dst = append(dst, e)
		}
	}
	return dst
}

// count is the number of events of stream k in block b: the daily curve's
// integral up to the block's end, rounded, less that up to its start. The
// roundings telescope, so a run of blocks never strays one event from the
// curve.
func (g *Generator) count(k kind, b int64) int {
	if k == healthCheck {
		return int(block / healthEvery)
	}
	perSec := g.cfg.Rate / 60
	switch k {
	case internalAPI:
		perSec *= internalShare
	case delivery:
		perSec = g.cfg.DeliveryRate / 60
	}
	if perSec <= 0 {
		return 0
	}
	s := b * int64(block/time.Second)
	return int(math.Floor(expected(perSec, s+int64(block/time.Second))+0.5) -
		math.Floor(expected(perSec, s)+0.5))
}

// expected is the integral of the daily curve of average rate perSec from
// the epoch to unix second s.
func expected(perSec float64, s int64) float64 {
	t := float64(s)
	return perSec * (t - swing/omega*math.Cos(omega*(t-rising.Seconds())))
}

// arrivals sets c.times to n sorted offsets in [0, 1): the arrival times of
// a Poisson process known to have n arrivals, from exponential gaps scaled
// to fit.
func (c *cursor) arrivals(n int) {
	c.times = c.times[:0]
	sum := 0.0
	for range n {
		sum += c.r.ExpFloat64()
		c.times = append(c.times, sum)
	}
	sum += c.r.ExpFloat64()
	for i := range c.times {
		c.times[i] /= sum
	}
}

// event makes one event of stream k at unix nanosecond ns.
func (g *Generator) event(k kind, r *rand.Rand, ns int64) slo.Event {
	e := slo.Event{Stream: "api", Time: time.Unix(0, ns).UTC()}
	switch k {
	case customerAPI:
		c := g.pick(r)
		e.Customer = c.name
		if r.Float64() < sendShare {
			e.Method, e.Path, e.Status = "POST", sendPath, 202
			if r.Float64() < clientErrors {
				e.Status = clientStatuses[r.IntN(len(clientStatuses))]
			}
			e.Latency = apiLatency(r, c.profile.api)
		} else {
			e.Method, e.Path, e.Status = "GET", readPaths[r.IntN(len(readPaths))], 200
			if r.Float64() < notFound {
				e.Status = 404
			}
			e.Latency = apiLatency(r, c.profile.api/2)
		}
	case internalAPI:
		e.Method, e.Path, e.Status = "POST", sendPath, 202
		e.Labels = internalLabels
		e.Latency = apiLatency(r, 0.02)
	case healthCheck:
		e.Method, e.Path, e.Status = "GET", "/api/health", 200
		e.Latency = 2 * time.Millisecond
	case delivery:
		c := g.pick(r)
		ch := channels[r.IntN(len(channels))]
		e.Stream, e.Customer, e.Status = "delivery", c.name, 200
		e.Latency = lognormal(r, c.profile.delivery, deliverySigma)
		if r.Float64() < deliveryTail {
			e.Latency = logUniform(r, 30, 300)
		}
		if r.Float64() < deliveryFails {
			e.Status = 502
		}
		e.Labels = deliveredTo[ch]
		if r.Float64() < misdelivered {
			e.Labels = deliveredWrong[ch]
		}
	}
	return e
}

// fail turns e into what an incident makes of it: API requests fail with the
// incident's status, deliveries when the incident reaches the providers.
func fail(e *slo.Event, s span) {
	switch {
	case e.Stream == "api":
		e.Status = s.status
	case s.delivery:
		e.Status = 502
	}
}

// pick draws a customer by weight.
func (g *Generator) pick(r *rand.Rand) *served {
	x := r.Float64() * g.weights[len(g.weights)-1]
	for i, w := range g.weights {
		if x < w {
			return &g.custs[i]
		}
	}
	return &g.custs[len(g.custs)-1]
}

// apiLatency is log-normal about median seconds, with a rare slow path (a
// cold cache, a lock) that misses every tier's threshold.
func apiLatency(r *rand.Rand, median float64) time.Duration {
	if r.Float64() < slowPath {
		return logUniform(r, 0.5, 3)
	}
	return lognormal(r, median, apiSigma)
}

func lognormal(r *rand.Rand, median, sigma float64) time.Duration {
	return time.Duration(median * math.Exp(sigma*r.NormFloat64()) * float64(time.Second))
}

// logUniform spreads a tail evenly over the orders of magnitude of [lo, hi)
// seconds.
func logUniform(r *rand.Rand, lo, hi float64) time.Duration {
	return time.Duration(lo * math.Pow(hi/lo, r.Float64()) * float64(time.Second))
}

// mix is splitmix64's finaliser: it spreads neighbouring block numbers over
// unrelated PCG seeds.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// floorDiv divides rounding toward minus infinity, so that times before the
// epoch fall in the right block.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
