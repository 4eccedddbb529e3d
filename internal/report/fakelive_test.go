package report

import (
	"context"
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// fakeLive stands in for the engine and the store in the live reports'
// unit tests: evaluations as given, counts summed from hour buckets, one
// history status per series, records as given.
type fakeLive struct {
	services  []slo.Service
	evals     map[slo.Series]engine.Evaluation
	customers map[string][]string
	buckets   []bucket
	// weekAgo is each series' status in its history.
	weekAgo     map[string]string
	alerts      []store.Alert
	annotations []store.Annotation
	// counted records the ranges Counts was asked for.
	counted [][2]time.Time
}

type bucket struct {
	key, customer string
	at            time.Time
	good, valid   float64
}

func newFakeLive(svcs ...slo.Service) *fakeLive {
	return &fakeLive{services: svcs, evals: map[slo.Series]engine.Evaluation{}, customers: map[string][]string{}, weekAgo: map[string]string{}}
}

func (f *fakeLive) source() Source { return Source{Data: f, Records: f} }

// add puts good and valid events of a series into the hour holding at.
func (f *fakeLive) add(key, customer string, at time.Time, good, valid float64) {
	f.buckets = append(f.buckets, bucket{key, customer, at, good, valid})
}

func (f *fakeLive) eval(ev engine.Evaluation) {
	f.evals[slo.Series{Objective: ev.Service + "/" + ev.SLO, Customer: ev.Customer}] = ev
	if ev.Customer != "" {
		key := ev.Service + "/" + ev.SLO
		cs := f.customers[key]
		i := sort.SearchStrings(cs, ev.Customer)
		if i == len(cs) || cs[i] != ev.Customer {
			f.customers[key] = append(cs[:i], append([]string{ev.Customer}, cs[i:]...)...)
		}
	}
}

func (f *fakeLive) Services() []slo.Service { return f.services }

func (f *fakeLive) Evaluation(id slo.Series) (engine.Evaluation, bool) {
	ev, ok := f.evals[id]
	return ev, ok
}

func (f *fakeLive) Customers(key string) []string { return f.customers[key] }

func (f *fakeLive) Counts(_ context.Context, key string, from, to time.Time) ([]store.Total, error) {
	f.counted = append(f.counted, [2]time.Time{from, to})
	sum := map[string]*store.Total{}
	for _, b := range f.buckets {
		if b.key != key || b.at.Before(from) || !b.at.Before(to) {
			continue
		}
		t, ok := sum[b.customer]
		if !ok {
			t = &store.Total{Customer: b.customer}
			sum[b.customer] = t
		}
		t.Good += b.good
		t.Valid += b.valid
	}
	var out []store.Total
	for _, t := range sum {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Customer < out[j].Customer })
	return out, nil
}

// Count is Counts for one series, as the engine defines it.
func (f *fakeLive) Count(ctx context.Context, id slo.Series, from, to time.Time) (store.Total, bool, error) {
	ts, err := f.Counts(ctx, id.Objective, from, to)
	for _, t := range ts {
		if t.Customer == id.Customer {
			return t, true, err
		}
	}
	return store.Total{Customer: id.Customer}, false, err
}

func (f *fakeLive) History(_ context.Context, id slo.Series, from, to time.Time, step time.Duration) ([]engine.Point, error) {
	var out []engine.Point
	for t := from; !t.After(to); t = t.Add(step) {
		st, ok := f.weekAgo[id.Objective]
		if !ok {
			st = "no_data"
		}
		out = append(out, engine.Point{Time: t, Status: st})
	}
	return out, nil
}

func (f *fakeLive) Annotations(_ context.Context, service string, from, to time.Time) ([]store.Annotation, error) {
	var out []store.Annotation
	for _, a := range f.annotations {
		end := a.End
		if end.IsZero() {
			end = a.Start
		}
		if (service == "" || a.Service == service) && a.Start.Before(to) && !end.Before(from) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Alerts keeps the store's contract: alerts that fired and overlap
// [From, To), newest FiredAt first.
func (f *fakeLive) Alerts(_ context.Context, q store.AlertQuery) ([]store.Alert, error) {
	var out []store.Alert
	for _, a := range f.alerts {
		if a.FiredAt.IsZero() || (q.Service != "" && a.Service != q.Service) || (q.SLO != "" && a.SLO != q.SLO) {
			continue
		}
		if !a.FiredAt.Before(q.To) || (!a.ResolvedAt.IsZero() && !a.ResolvedAt.After(q.From)) {
			continue
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FiredAt.After(out[j].FiredAt) })
	return out, nil
}

// shop is a service for the tests: availability (99.9%, per customer,
// with tier targets and an SLA of 99.5%) and latency (99%).
func shop() slo.Service {
	policy := slo.Policy{Rules: []slo.PolicyRule{
		{Status: slo.Healthy, Above: 0.5, Actions: slo.Actions{FeatureDevelopment: true, RiskyDeployments: true, Message: "Ship."}},
		{Status: slo.Warning, Above: 0.2, Actions: slo.Actions{FeatureDevelopment: true, Message: "Careful."}},
		{Status: slo.Critical, Above: 0, Actions: slo.Actions{Message: "Reliability only."}},
		{Status: slo.Exhausted, Actions: slo.Actions{Message: "Freeze."}},
	}}
	return slo.Service{
		Name: "shop",
		Objectives: []slo.Objective{
			{Service: "shop", Name: "availability", Target: 0.999, Window: slo.RollingWindow(30 * slo.Day), Policy: policy,
				SLI:         slo.SLI{Events: &slo.EventSLI{Stream: "api", CustomerField: "customer"}},
				TierTargets: map[string]slo.TierTarget{"gold": {Target: 0.9999}, "free": {Target: 0.99}}},
			{Service: "shop", Name: "latency", Target: 0.99, Window: slo.RollingWindow(30 * slo.Day), Policy: policy,
				SLI: slo.SLI{Events: &slo.EventSLI{Stream: "api"}}},
		},
		SLA: &slo.SLA{SLO: "availability", Target: 0.995, Credits: []slo.Credit{{Below: 0.99, Percent: 25}, {Below: 0.995, Percent: 10}}},
		Customers: &slo.Customers{Tiers: []string{"gold", "free"}, DefaultTier: "free",
			Assignments: map[string]string{"acme": "gold", "globex": "gold", "initech": "free"}},
	}
}

// healthyEval is an evaluation with data: SLI sli against target over 30
// days at time now, with the budget figures the engine would give.
func healthyEval(service, name string, now time.Time, target, sli float64) engine.Evaluation {
	valid := 1e6
	good := sli * valid
	b := slo.Budget{Target: target, Window: 30 * slo.Day, Good: good, Valid: valid}
	return engine.Evaluation{
		Service: service, SLO: name, Time: now, Target: target, Window: "30d",
		WindowStart: now.Add(-30 * slo.Day), WindowEnd: now, Good: good, Valid: valid, SLI: &sli,
		Budget: engine.Budget{TotalMinutes: b.TotalMinutes(), ConsumedMinutes: b.ConsumedMinutes(), RemainingMinutes: b.RemainingMinutes(),
			RemainingRatio: b.RemainingRatio(), ConsumedRatio: b.ConsumedRatio(), AllowedEvents: b.Allowed(), RemainingEvents: b.RemainingEvents()},
		Status: "healthy", Trend: "stable",
	}
}
