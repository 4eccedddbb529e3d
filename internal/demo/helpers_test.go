package demo

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store"
)

// example loads the notification platform of examples/.
func example(tb testing.TB) *slo.Service {
	tb.Helper()
	svcs, errs := spec.Load("../../examples/notification-platform.yaml")
	if bad := errs.Invalid(); len(bad) > 0 {
		tb.Fatal(bad)
	}
	if len(svcs) != 1 {
		tb.Fatalf("want 1 service, got %d", len(svcs))
	}
	return svcs[0]
}

// classifier is what the push source does, in small: each event is
// classified with the domain's EventSLI for every objective of its stream,
// outside maintenance, and summed per series and minute; per customer with
// the customer's tier threshold.
type classifier struct {
	svc  *slo.Service
	objs []route
}

// route is an objective with what classifying for it needs, looked up once.
type route struct {
	obj *slo.Objective
	key string
	// tierLatency is the good filter's threshold per customer, 0 where the
	// tier keeps the SLI's own.
	tierLatency map[string]time.Duration
}

func newClassifier(tb testing.TB) *classifier {
	svc := example(tb)
	c := &classifier{svc: svc}
	for i := range svc.Objectives {
		o := &svc.Objectives[i]
		if o.SLI.Events == nil {
			continue
		}
		rt := route{obj: o, key: o.Key(), tierLatency: map[string]time.Duration{}}
		for _, cust := range New(Config{}).Config().Customers {
			rt.tierLatency[cust.Name] = o.TierTargets[c.tier(cust.Name)].LatencyBelow
		}
		c.objs = append(c.objs, rt)
	}
	return c
}

// cellKey names one observation: objective, customer (-1 for the total)
// and minute.
type cellKey struct {
	obj, customer int
	minute        int64
}

// recent is a series' latest cell: within a stream events come in time
// order, so most land in the minute of the one before and skip the map.
type recent struct {
	minute int64
	i      int
}

func (c *classifier) classify(events []slo.Event) []slo.Observation {
	var obs []slo.Observation
	cells := map[cellKey]int{}
	// Customers are numbered as they come, so that the caches below are
	// slices indexed by objective and customer, not maps.
	custs := map[string]int{}
	var names []string
	n := len(c.objs)
	last := make([]recent, n) // totals first, then n per customer
	// Maintenance windows start and end on whole minutes, so one answer
	// per objective and minute is exact; running the cron schedule per
	// event would be most of the test's time.
	excl := make([]recent, n)
	for i := range excl {
		excl[i].minute = -1 << 62
	}
	add := func(k cellKey, good bool) {
		r := &last[(k.customer+1)*n+k.obj]
		i := r.i
		if r.minute != k.minute || i < 0 {
			var ok bool
			if i, ok = cells[k]; !ok {
				i = len(obs)
				cells[k] = i
				s := slo.Series{Objective: c.objs[k.obj].key}
				if k.customer >= 0 {
					s.Customer = names[k.customer]
				}
				obs = append(obs, slo.Observation{Series: s, Time: time.Unix(k.minute*60, 0).UTC()})
			}
			*r = recent{k.minute, i}
		}
		obs[i].Valid++
		if good {
			obs[i].Good++
		}
	}
	for i := range last {
		last[i].i = -1
	}
	for i := range events {
		e := &events[i]
		minute := e.Time.Unix() / 60
		cust := -1
		for oi := range c.objs {
			rt := &c.objs[oi]
			sli := rt.obj.SLI.Events
			if sli.Stream != e.Stream {
				continue
			}
			cls := sli.Classify(e)
			if cls == slo.Ignored {
				continue
			}
			if x := &excl[oi]; x.minute != minute {
				x.minute, x.i = minute, 0
				if rt.obj.Excluded(e.Time) {
					x.i = 1
				}
			}
			if excl[oi].i == 1 {
				continue
			}
			add(cellKey{oi, -1, minute}, cls == slo.Good)
			if sli.CustomerField == "" || e.Customer == "" {
				continue
			}
			if cust < 0 {
				var ok bool
				if cust, ok = custs[e.Customer]; !ok {
					cust = len(names)
					custs[e.Customer] = cust
					names = append(names, e.Customer)
					for range n {
						last = append(last, recent{i: -1})
					}
				}
			}
			if lat := rt.tierLatency[e.Customer]; lat > 0 {
				cls = sli.ClassifyWithin(e, lat)
			}
			add(cellKey{oi, cust, minute}, cls == slo.Good)
		}
	}
	return obs
}

func (c *classifier) tier(customer string) string {
	if t, ok := c.svc.Customers.Assignments[customer]; ok {
		return t
	}
	return c.svc.Customers.DefaultTier
}

// memSink keeps batches in memory, deduplicating by ID as the store does,
// and fails with err from the failAt-th append on when err is set.
type memSink struct {
	mu      sync.Mutex
	batches []store.Batch
	ids     map[string]int64
	appends int
	failAt  int
	err     error
}

func (s *memSink) Append(_ context.Context, b store.Batch) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appends++
	if s.err != nil && s.appends >= s.failAt {
		return 0, false, s.err
	}
	if seq, ok := s.ids[b.ID]; ok && b.ID != "" {
		return seq, true, nil
	}
	if s.ids == nil {
		s.ids = map[string]int64{}
	}
	s.batches = append(s.batches, b)
	seq := int64(len(s.batches))
	s.ids[b.ID] = seq
	return seq, false, nil
}

// sums adds up the observations of one series.
func (s *memSink) sums(series slo.Series) (good, valid float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.batches {
		for _, o := range b.Observations {
			if o.Series == series {
				good += o.Good
				valid += o.Valid
			}
		}
	}
	return good, valid
}

// perMinute returns one series' counts by minute.
func (s *memSink) perMinute(series slo.Series) map[time.Time]slo.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[time.Time]slo.Observation{}
	for _, b := range s.batches {
		for _, o := range b.Observations {
			if o.Series == series {
				m := out[o.Time]
				m.Good += o.Good
				m.Valid += o.Valid
				out[o.Time] = m
			}
		}
	}
	return out
}

// month is the backfill most tests read: 30 days from a Monday, so that four
// Sunday maintenance windows fall in it, made once.
var month struct {
	once  sync.Once
	start time.Time
	sink  *memSink
	err   error
}

func backfilledMonth(t *testing.T) (*memSink, time.Time) {
	t.Helper()
	month.once.Do(func() {
		month.start = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		month.sink = &memSink{}
		c := newClassifier(t)
		month.err = New(Config{}).Backfill(context.Background(), month.sink, c.classify,
			month.start, month.start.Add(30*slo.Day))
	})
	if month.err != nil {
		t.Fatal(month.err)
	}
	return month.sink, month.start
}

var errSink = errors.New("disk full")
