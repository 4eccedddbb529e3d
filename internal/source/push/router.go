package push

import (
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Router sends pushed items to the objectives they count for. It is built
// once per spec and never changed, so any number of requests may share it;
// the server builds a new one when the specs are reloaded.
type Router struct {
	objs     []route
	byKey    map[string]int
	byStream map[string][]int
}

// route is one objective with what classifying for it needs, looked up once
// rather than per event.
type route struct {
	obj *slo.Objective
	// sli is nil unless the objective reads pushed events; cls is then
	// its compiled form.
	sli *slo.EventSLI
	cls *classifier
	// perCustomer is set when events and counts are also counted per
	// customer.
	perCustomer bool
	// customersOK is set when counts may name a customer: the SLI or the
	// service is measured per customer.
	customersOK bool
	customers   *slo.Customers
	// tierLatency is the good filter's latency threshold per tier, for the
	// tiers that set one.
	tierLatency map[string]time.Duration
}

// Stats says what became of the items of a batch. Every item lands in
// exactly one of Counted, Excluded, Ignored and Unmatched, so they add up to
// Received.
type Stats struct {
	// Received is the number of items looked at.
	Received int `json:"received"`
	// Counted items are valid for at least one objective (events), or
	// counts outside maintenance.
	Counted int `json:"counted"`
	// Excluded items fell in a maintenance window of an objective they
	// would otherwise have counted for, and counted for none.
	Excluded int `json:"excluded"`
	// Ignored events reached objectives of their stream, and every one of
	// them found the event not valid.
	Ignored int `json:"ignored"`
	// Unmatched events have a stream no objective reads.
	Unmatched int `json:"unmatched"`
}

// Add adds the figures of s to t.
func (t *Stats) Add(s Stats) {
	t.Received += s.Received
	t.Counted += s.Counted
	t.Excluded += s.Excluded
	t.Ignored += s.Ignored
	t.Unmatched += s.Unmatched
}

// NewRouter indexes the objectives of services. The services are copied
// shallowly: callers must not change them afterwards.
func NewRouter(services []slo.Service) *Router {
	r := &Router{byKey: map[string]int{}, byStream: map[string][]int{}}
	for si := range services {
		svc := services[si]
		objs := slices.Clone(svc.Objectives)
		for oi := range objs {
			o := &objs[oi]
			rt := route{obj: o, customers: svc.Customers}
			if o.SLI.Kind == slo.SourceEvents && o.SLI.Events != nil {
				rt.sli = o.SLI.Events
				rt.cls = compile(rt.sli)
				rt.perCustomer = rt.sli.CustomerField != ""
			}
			prom := o.SLI.Prometheus != nil && o.SLI.Prometheus.CustomerLabel != ""
			rt.customersOK = rt.perCustomer || prom || svc.Customers != nil || len(o.TierTargets) > 0
			for tier, tt := range o.TierTargets {
				if tt.LatencyBelow > 0 {
					if rt.tierLatency == nil {
						rt.tierLatency = map[string]time.Duration{}
					}
					rt.tierLatency[tier] = tt.LatencyBelow
				}
			}
			i := len(r.objs)
			r.objs = append(r.objs, rt)
			if _, dup := r.byKey[o.Key()]; !dup {
				r.byKey[o.Key()] = i
			}
			if rt.sli != nil {
				r.byStream[rt.sli.Stream] = append(r.byStream[rt.sli.Stream], i)
			}
		}
	}
	return r
}

// Objective returns the objective with key "service/slo", which counts
// items name.
func (r *Router) Objective(key string) (*slo.Objective, bool) {
	i, ok := r.byKey[key]
	if !ok {
		return nil, false
	}
	return r.objs[i].obj, true
}

// Classify counts events into the objectives reading their streams and
// returns the counts as observations, one per series and fine bucket, in the
// order they were first seen.
func (r *Router) Classify(events []slo.Event) ([]slo.Observation, Stats) {
	t := r.newTally()
	var q request
	for i := range events {
		q.fromEvent(&events[i])
		t.event(&q)
	}
	return t.observations(), t.stats
}

// latencyFor is the latency threshold of customer's tier for objective i, 0
// when the tier keeps the SLI's own threshold.
func (r *Router) latencyFor(i int, customer string) time.Duration {
	rt := &r.objs[i]
	if rt.tierLatency == nil {
		return 0
	}
	tier := ""
	if rt.customers != nil {
		tier = rt.customers.Tier(customer)
	}
	return rt.tierLatency[tier]
}
