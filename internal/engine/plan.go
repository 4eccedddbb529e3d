package engine

import (
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// A series keeps three rings of buckets, each with the running sums of the
// windows it serves:
//
//   - minutes, for the windows up to fineSpan (5m to 6h);
//   - hours, for the longer alert windows, up to hourSpan (1d, 3d);
//   - the SLO window's own ring, of sloBuckets buckets whatever the
//     window's length: hours for 30 days, 3 hours for 90, a day for a year.
//
// So the memory of a series is bounded (about 22 KB) for any window, and
// the oldest bucket of every window, counted for the part of it inside the
// window, is a small share of it.
const (
	ringFine = iota
	ringHour
	ringSLO
	rings
)

var (
	fineRes = int64(time.Duration(store.Fine) / time.Second)
	hourRes = int64(time.Duration(store.Coarse) / time.Second)
)

const (
	// fineSpan is the longest window kept in minute buckets.
	fineSpan = 6 * time.Hour
	// hourSpan is the longest window kept in hour buckets, but for a
	// calendar SLO, whose longer tier windows have no other ring.
	hourSpan = 3 * slo.Day
	// sloBuckets bounds the SLO window's ring.
	sloBuckets = 720
)

// StandardWindows are evaluated for every objective, whatever its tiers: the
// seed's dashboard windows (1h, 6h, 24h) and the alert windows of the
// default tiers.
var StandardWindows = []time.Duration{
	5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, slo.Day, 3 * slo.Day,
}

// plan is how one objective is evaluated: which windows, in which ring, with
// which targets. Every series of the objective shares it.
type plan struct {
	svc *slo.Service
	obj *slo.Objective
	key string
	// windows are the named alert and dashboard windows, shortest first.
	windows []windowRef
	// res is each ring's bucket length in seconds, ks its windows' lengths
	// in buckets and order those windows by length.
	res   [rings]int64
	ks    [rings][]int64
	order [rings][]int
	// slo and sloLessDay index ks[ringSLO]: the SLO window, and the SLO
	// window less its oldest day, for the projection. -1 for a calendar
	// window, and sloLessDay also for a window of a day or less.
	slo, sloLessDay int
	// w1h, w6h and w1d index windows.
	w1h, w6h, w1d int
	// tiers index windows for each alert tier, in the spec's order; empty
	// when the objective's alerting is disabled.
	tiers []tierRef
	// budgetAlert is the least status a budget alert fires at; above
	// Exhausted when none does.
	budgetAlert slo.Status
	// phase caches each ring's bucket phase at the tick phaseAt (unix ns),
	// computed once per tick for all the objective's series.
	phase   [rings]float64
	phaseAt int64
	// down is set while the objective's source cannot be read.
	down *SourceDown
	// assigned are the service's customer tiers set through the API
	// (tier.go), which take precedence over the spec's.
	assigned map[string]store.CustomerTier
}

// phases returns the elapsed fraction of the bucket holding now, per ring.
func (p *plan) phases(now time.Time) *[rings]float64 {
	if ns := now.UnixNano(); ns != p.phaseAt {
		for r, res := range p.res {
			p.phase[r] = phase(now, res)
		}
		p.phaseAt = ns
	}
	return &p.phase
}

// tierRef is where an alert tier's windows are: indexes in windows, short
// -1 for a tier without one.
type tierRef struct {
	tier        *slo.AlertTier
	long, short int
}

// windowRef names a window and where its running sum is.
type windowRef struct {
	d    time.Duration
	ring int
	idx  int
}

func newPlan(svc *slo.Service, obj *slo.Objective) *plan {
	p := &plan{svc: svc, obj: obj, key: obj.Key(), slo: -1, sloLessDay: -1}
	p.res = [rings]int64{fineRes, hourRes, hourRes}
	if !obj.Window.IsCalendar() {
		p.res[ringSLO] = sloRes(obj.Window.Rolling)
	}
	ds := slices.Clone(StandardWindows)
	if !obj.Alerting.Disabled {
		for _, t := range obj.Alerting.Tiers {
			ds = append(ds, t.Long)
			if t.Short > 0 {
				ds = append(ds, t.Short)
			}
		}
	}
	for i := range ds {
		ds[i] = p.round(ds[i])
	}
	slices.Sort(ds)
	ds = slices.Compact(ds)
	for _, d := range ds {
		r := p.ringOf(d)
		p.windows = append(p.windows, windowRef{d: d, ring: r, idx: len(p.ks[r])})
		p.ks[r] = append(p.ks[r], int64(d/time.Second)/p.res[r])
	}
	if !obj.Window.IsCalendar() {
		// A window that is not a whole number of buckets (90m, say) is
		// rounded to one: SLO windows are days in practice, whole hours.
		res := p.res[ringSLO]
		k := max((int64(obj.Window.Rolling/time.Second)+res/2)/res, 1)
		p.slo = len(p.ks[ringSLO])
		p.ks[ringSLO] = append(p.ks[ringSLO], k)
		if day := int64(slo.Day/time.Second) / p.res[ringSLO]; k > day {
			p.sloLessDay = p.slo + 1
			p.ks[ringSLO] = append(p.ks[ringSLO], k-day)
		}
	}
	for r := range p.ks {
		p.order[r] = byLength(p.ks[r])
	}
	p.w1h, p.w6h, p.w1d = p.window(time.Hour), p.window(6*time.Hour), p.window(slo.Day)
	p.budgetAlert = slo.Exhausted + 1
	if !obj.Alerting.Disabled {
		for _, b := range obj.Alerting.BudgetAlerts {
			p.budgetAlert = min(p.budgetAlert, b.Status)
		}
		for i := range obj.Alerting.Tiers {
			t := &obj.Alerting.Tiers[i]
			ref := tierRef{tier: t, long: p.window(t.Long), short: -1}
			if t.Short > 0 {
				ref.short = p.window(t.Short)
			}
			p.tiers = append(p.tiers, ref)
		}
	}
	return p
}

// sloRes is the bucket length, in seconds, of a rolling SLO window's ring:
// the shortest number of hours that divides a day and keeps the window
// within sloBuckets buckets.
func sloRes(window time.Duration) int64 {
	for _, h := range []int64{1, 2, 3, 4, 6, 8, 12} {
		if int64(window/time.Hour) <= h*sloBuckets {
			return h * hourRes
		}
	}
	return 24 * hourRes
}

// ringOf is the ring that keeps a window of length d.
func (p *plan) ringOf(d time.Duration) int {
	switch {
	case d <= fineSpan:
		return ringFine
	case d <= hourSpan || p.obj.Window.IsCalendar():
		return ringHour
	}
	return ringSLO
}

// round rounds a window to its ring's resolution; at least one bucket.
func (p *plan) round(d time.Duration) time.Duration {
	res := time.Duration(p.res[p.ringOf(d)]) * time.Second
	return max(d.Round(res), res)
}

// window returns the index in windows of the window of length d, or -1.
func (p *plan) window(d time.Duration) int {
	d = p.round(d)
	for i, w := range p.windows {
		if w.d == d {
			return i
		}
	}
	return -1
}

// target is the series' target: its customer's tier target where the
// objective has one, else the objective's.
func (p *plan) target(customer string) (target float64, tier string) {
	if customer == "" || p.svc.Customers == nil {
		return p.obj.Target, ""
	}
	tier = p.tierOf(customer)
	if t, ok := p.obj.TierTargets[tier]; ok {
		return t.Target, tier
	}
	return p.obj.Target, tier
}
