package engine

import (
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// The engine's two resolutions are the store's: minute buckets for windows
// up to fineSpan, hour buckets beyond.
var (
	fineRes   = int64(time.Duration(store.Fine) / time.Second)
	coarseRes = int64(time.Duration(store.Coarse) / time.Second)
)

// fineSpan is the longest window kept in minute buckets. Six hours of them
// is 360 buckets; longer windows lose little with hour buckets, because the
// oldest bucket is counted by the fraction of it inside the window.
const fineSpan = 6 * time.Hour

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
	fineKs  []int64
	// coarseKs ends with the SLO window and the SLO window less a day, for
	// a rolling window (the projection needs both).
	coarseKs []int64
	// fineOrder and coarseOrder list the windows of each ring by length.
	fineOrder, coarseOrder []int
	// slo and sloLessDay index coarseKs; -1 for a calendar window, and
	// sloLessDay also for a window of a day or less.
	slo, sloLessDay int
	// w1h, w6h and w1d index windows.
	w1h, w6h, w1d int
}

// windowRef names a window and where its running sum is.
type windowRef struct {
	d      time.Duration
	coarse bool
	idx    int
}

func newPlan(svc *slo.Service, obj *slo.Objective) *plan {
	p := &plan{svc: svc, obj: obj, key: obj.Key(), slo: -1, sloLessDay: -1}
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
		ds[i] = roundWindow(ds[i])
	}
	slices.Sort(ds)
	ds = slices.Compact(ds)
	for _, d := range ds {
		ref := windowRef{d: d}
		if d <= fineSpan {
			ref.idx = len(p.fineKs)
			p.fineKs = append(p.fineKs, int64(d/time.Second)/fineRes)
		} else {
			ref.coarse, ref.idx = true, len(p.coarseKs)
			p.coarseKs = append(p.coarseKs, int64(d/time.Second)/coarseRes)
		}
		p.windows = append(p.windows, ref)
	}
	if !obj.Window.IsCalendar() {
		// The SLO window is always kept in hours, even when short.
		k := max(int64(obj.Window.Rolling.Round(time.Hour)/time.Hour), 1)
		p.slo = len(p.coarseKs)
		p.coarseKs = append(p.coarseKs, k)
		if k > 24 {
			p.sloLessDay = p.slo + 1
			p.coarseKs = append(p.coarseKs, k-24)
		}
	}
	p.fineOrder, p.coarseOrder = byLength(p.fineKs), byLength(p.coarseKs)
	p.w1h, p.w6h, p.w1d = p.window(time.Hour), p.window(6*time.Hour), p.window(slo.Day)
	return p
}

// roundWindow rounds a window to its ring's resolution: the minute up to
// fineSpan, the hour beyond; at least one bucket.
func roundWindow(d time.Duration) time.Duration {
	res := time.Minute
	if d > fineSpan {
		res = time.Hour
	}
	return max(d.Round(res), res)
}

// window returns the index in windows of the window of length d, or -1.
func (p *plan) window(d time.Duration) int {
	d = roundWindow(d)
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
	tier = p.svc.Customers.Tier(customer)
	if t, ok := p.obj.TierTargets[tier]; ok {
		return t.Target, tier
	}
	return p.obj.Target, tier
}
