package push

import (
	"math"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// fine is the length of a fine bucket in nanoseconds: observations are
// summed per series and fine bucket, so that a batch of many events gives
// few observations.
const fine = int64(store.Fine)

// never is the end of a span that does not end.
const never = math.MaxInt64

// tally sums one batch's items into observations. It belongs to one request
// and is thrown away whole when the batch is rejected.
type tally struct {
	r     *Router
	obs   []slo.Observation
	cells map[cell]int32
	// last caches the total cell each objective last added to: a batch is
	// mostly in time order, so most events land in the same bucket as the
	// one before and skip the map.
	last []lastCell
	// recent caches per objective the customer cells last added to,
	// direct-mapped by customer number: most batches have few customers,
	// each of them over and over.
	recent [][]custCell
	// custs interns customer ids to small numbers for the cell keys;
	// names holds the interned copies.
	custs map[string]int32
	names []string
	// lat holds each observation's tier latency threshold, 0 for totals
	// and tiers without one.
	lat   []time.Duration
	excl  []exclusionSpan
	stats Stats
	// lastStream and lastRoutes are the stream of the event before and
	// its objectives.
	lastStream string
	lastRoutes []int
}

// cell is one observation's key: objective, customer (-1 for the total)
// and fine bucket.
type cell struct {
	obj, cust int32
	bucket    int64
}

type lastCell struct {
	bucket int64
	obs    int32
	ok     bool
}

// recentSize is the number of entries of an objective's customer cache.
const recentSize = 256

type custCell struct {
	bucket    int64
	cust, obs int32
}

// exclusionSpan caches whether an objective's maintenance windows cover
// times in [lo, hi): looking a recurring window up runs its cron schedule,
// far too slow to do per event.
type exclusionSpan struct {
	lo, hi   int64
	excluded bool
}

func (r *Router) newTally() *tally {
	return &tally{
		r:      r,
		cells:  map[cell]int32{},
		last:   make([]lastCell, len(r.objs)),
		recent: make([][]custCell, len(r.objs)),
		custs:  map[string]int32{},
		excl:   make([]exclusionSpan, len(r.objs)),
	}
}

// event counts one request event.
func (t *tally) event(e *request) {
	t.stats.Received++
	// Streams are few and come in runs: compare with the last one before
	// hashing.
	routes := t.lastRoutes
	if e.stream != t.lastStream || t.lastStream == "" {
		routes = t.r.byStream[e.stream]
		// The name may point into the request body: the tally does not
		// outlive the request.
		t.lastStream, t.lastRoutes = e.stream, routes
	}
	if len(routes) == 0 {
		t.stats.Unmatched++
		return
	}
	ns := e.at.UnixNano()
	bucket := floorDiv(ns, fine)
	counted, excluded := false, false
	cust := int32(-1)
	for _, i := range routes {
		rt := &t.r.objs[i]
		c := rt.cls.classify(e, 0)
		if c == slo.Ignored {
			continue
		}
		if t.excluded(i, ns, e.at) {
			excluded = true
			continue
		}
		counted = true
		t.add(t.total(i, bucket), c == slo.Good, 1)
		if !rt.perCustomer || e.customer == "" {
			continue
		}
		if cust < 0 {
			cust = t.customer(e.customer)
		}
		k := t.perCustomer(i, cust, bucket)
		// Valid and Exclude do not depend on the latency threshold, so an
		// event valid for the total is valid for its customer: only the
		// good filter needs running again, with the tier's threshold.
		if lat := t.lat[k]; lat > 0 && lat != rt.sli.Good.LatencyBelow {
			c = rt.cls.classify(e, lat)
		}
		t.add(k, c == slo.Good, 1)
	}
	switch {
	case counted:
		t.stats.Counted++
	case excluded:
		t.stats.Excluded++
	default:
		t.stats.Ignored++
	}
}

// count adds a counts item for objective i: good of valid events at time
// at, for customer when not empty. A customer's counts are part of the
// objective's total too, as a customer's events are.
func (t *tally) count(i int, customer string, at time.Time, good, valid float64) {
	t.stats.Received++
	ns := at.UnixNano()
	if t.excluded(i, ns, at) {
		t.stats.Excluded++
		return
	}
	t.stats.Counted++
	bucket := floorDiv(ns, fine)
	t.addCount(t.total(i, bucket), good, valid)
	if customer != "" {
		t.addCount(t.perCustomer(i, t.customer(customer), bucket), good, valid)
	}
}

func (t *tally) add(k int32, good bool, n float64) {
	o := &t.obs[k]
	o.Valid += n
	if good {
		o.Good += n
	}
}

func (t *tally) addCount(k int32, good, valid float64) {
	t.obs[k].Good += good
	t.obs[k].Valid += valid
}

// total returns the index of objective i's total observation in bucket.
func (t *tally) total(i int, bucket int64) int32 {
	l := &t.last[i]
	if l.ok && l.bucket == bucket {
		return l.obs
	}
	k := t.cell(cell{int32(i), -1, bucket})
	*l = lastCell{bucket, k, true}
	return k
}

// perCustomer returns the index of the observation of objective i,
// customer cust and bucket, noting the customer's tier latency when new.
func (t *tally) perCustomer(i int, cust int32, bucket int64) int32 {
	if t.recent[i] == nil {
		t.recent[i] = make([]custCell, recentSize)
		for j := range t.recent[i] {
			t.recent[i][j].cust = -1
		}
	}
	r := &t.recent[i][cust%recentSize]
	if r.cust == cust && r.bucket == bucket {
		return r.obs
	}
	c := cell{int32(i), cust, bucket}
	k, ok := t.cells[c]
	if !ok {
		k = t.cell(c)
		t.lat[k] = t.r.latencyFor(i, t.names[cust])
	}
	*r = custCell{bucket, cust, k}
	return k
}

func (t *tally) cell(c cell) int32 {
	if k, ok := t.cells[c]; ok {
		return k
	}
	k := int32(len(t.obs))
	s := slo.Series{Objective: t.r.objs[c.obj].obj.Key()}
	if c.cust >= 0 {
		s.Customer = t.names[c.cust]
	}
	t.obs = append(t.obs, slo.Observation{Series: s, Time: time.Unix(0, c.bucket*fine).UTC()})
	t.lat = append(t.lat, 0)
	t.cells[c] = k
	return k
}

// customer interns a customer id. The id may point into a request body
// that is reused, so the table keeps a copy.
func (t *tally) customer(id string) int32 {
	if k, ok := t.custs[id]; ok {
		return k
	}
	name := strings.Clone(id)
	k := int32(len(t.names))
	t.names = append(t.names, name)
	t.custs[name] = k
	return k
}

// observations returns the sums, leaving out those without valid events.
func (t *tally) observations() []slo.Observation {
	out := t.obs[:0:0]
	for _, o := range t.obs {
		if o.Valid > 0 {
			out = append(out, o)
		}
	}
	return out
}

// excluded reports whether objective i's maintenance windows cover at
// (ns being at in unix nanoseconds).
func (t *tally) excluded(i int, ns int64, at time.Time) bool {
	o := t.r.objs[i].obj
	if len(o.Exclusions) == 0 {
		return false
	}
	s := &t.excl[i]
	if ns >= s.lo && ns < s.hi {
		return s.excluded
	}
	*s = spanAt(o, at)
	return s.excluded
}

// spanAt returns whether o's maintenance windows cover at, and how long from
// at that stays true.
func spanAt(o *slo.Objective, at time.Time) exclusionSpan {
	ns := at.UnixNano()
	s := exclusionSpan{lo: ns, hi: never}
	for i := range o.Exclusions {
		covers, until := windowAt(&o.Exclusions[i], at)
		switch {
		case covers && !s.excluded:
			s.excluded, s.hi = true, until
		case covers:
			s.hi = max(s.hi, until)
		case !s.excluded:
			s.hi = min(s.hi, until)
		}
	}
	return s
}

// windowAt reports whether m covers at and until when (unix nanoseconds)
// that answer holds for certain. It asks m.Covers for the answer itself, so
// that the cache can never disagree with Objective.Excluded.
func windowAt(m *slo.Maintenance, at time.Time) (bool, int64) {
	covers := m.Covers(at)
	ns := at.UnixNano()
	if m.Next == nil {
		start, end := m.Start.UnixNano(), m.Start.Add(m.Duration).UnixNano()
		switch {
		case covers:
			return true, end
		case ns < start:
			return false, start
		default:
			return false, never
		}
	}
	start := m.Next(at.Add(-m.Duration))
	if start.IsZero() {
		return covers, ns + 1 // no next start: no span worth caching
	}
	if covers {
		return true, max(start.Add(m.Duration).UnixNano(), ns+1)
	}
	return false, max(start.UnixNano(), ns+1)
}

// floorDiv divides rounding toward minus infinity, as Truncate does.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
