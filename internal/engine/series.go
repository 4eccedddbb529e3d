package engine

import (
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// series is the state of one series: its rings, its calendar period's sum
// and what the last tick found.
type series struct {
	id     slo.Series
	plan   *plan
	target float64
	tier   string
	// rings are the minute, hour and SLO window rings (ringFine, ...).
	rings [rings]*ring
	// cal is the sum over the calendar period [calStart, calEnd), for a
	// calendar window. It needs no ring: nothing ages out of a period.
	cal              pair
	calStart, calEnd time.Time
	last             result
}

// result is what a tick found for a series.
type result struct {
	at time.Time
	// sums is per plan.windows; slo is the SLO window's, lessDay the SLO
	// window less its oldest day (rolling windows longer than a day).
	sums         []pair
	slo, lessDay pair
	start, end   time.Time
	status       slo.Status
	// since is when status last changed; sinceStart is true while the
	// status has held since the series' first evaluation, so that since is
	// the process's start, not a change.
	since      time.Time
	sinceStart bool
	// alertable is whether an alert condition may hold (Engine.Alerting).
	alertable bool
}

func newSeries(id slo.Series, p *plan, now time.Time) *series {
	s := &series{id: id, plan: p}
	s.target, s.tier = p.target(id.Customer)
	for r := range s.rings {
		s.rings[r] = newRing(p.res[r], p.ks[r], p.order[r], floorDiv(now.Unix(), p.res[r]))
	}
	if p.obj.Window.IsCalendar() {
		s.calStart, s.calEnd = p.obj.Window.Bounds(now)
	}
	s.last.sums = make([]pair, len(p.windows))
	return s
}

// fine is the minute ring.
func (s *series) fine() *ring { return s.rings[ringFine] }

// add counts an observation that is not in the future of the rings.
func (s *series) add(t time.Time, p pair) {
	s.fine().add(floorDiv(t.Unix(), fineRes), p)
	s.addCoarse(t, p)
}

// addCoarse counts p in every ring but the minutes', and in the calendar
// period: a coarse row of the store, whose minutes the fine rows carry.
func (s *series) addCoarse(t time.Time, p pair) {
	for _, r := range s.rings[ringHour:] {
		r.add(floorDiv(t.Unix(), r.res), p)
	}
	if !s.calEnd.IsZero() && !t.Before(s.calStart) && t.Before(s.calEnd) {
		s.cal.add(p)
	}
}

// advance moves the rings to now. When a calendar period has ended, the new
// one starts from what the minute ring holds of it: the period began at most
// a tick ago, unless the engine was stopped, and a restart rebuilds it.
func (s *series) advance(now time.Time) {
	for _, r := range s.rings {
		r.advance(floorDiv(now.Unix(), r.res))
	}
	if s.calEnd.IsZero() || now.Before(s.calEnd) {
		return
	}
	s.calStart, s.calEnd = s.plan.obj.Window.Bounds(now)
	s.cal = pair{}
	from := floorDiv(s.calStart.Unix(), fineRes)
	f := s.fine()
	for i := max(from, f.head-int64(len(f.buf))+1); i <= f.head; i++ {
		s.cal.add(*f.slot(i))
	}
}

// phase is the elapsed fraction of the bucket of length res holding now.
func phase(now time.Time, res int64) float64 {
	ns := res * int64(time.Second)
	return float64(((now.UnixNano()%ns)+ns)%ns) / float64(ns)
}

// evaluate advances the series to now and computes its windows and status.
// It allocates nothing: a tick over 100k series must stay in milliseconds.
func (s *series) evaluate(now time.Time) {
	s.advance(now)
	p := s.plan
	ph := p.phases(now)
	r := &s.last
	r.at = now
	for i, w := range p.windows {
		r.sums[i] = s.rings[w.ring].sum(w.idx, ph[w.ring])
	}
	if p.slo >= 0 {
		r.slo = s.rings[ringSLO].sum(p.slo, ph[ringSLO])
		r.start, r.end = now.Add(-p.obj.Window.Rolling), now
	} else {
		r.slo = s.cal
		r.start, r.end = s.calStart, s.calEnd
	}
	if p.sloLessDay >= 0 {
		r.lessDay = s.rings[ringSLO].sum(p.sloLessDay, ph[ringSLO])
	}
	if p.down != nil { // no data while the source is down
		clear(r.sums)
		r.slo, r.lessDay = pair{}, pair{}
	}
	status := s.statusAt(s.target)
	if status != r.status || r.since.IsZero() {
		// The first status began before the engine saw it, and so did the
		// first with data after none from the start: backfilled counts.
		r.sinceStart = r.since.IsZero() || (r.sinceStart && r.status == slo.NoData)
		r.status, r.since = status, now
	}
	r.alertable = s.alertable()
}

// budget is the series' budget over its SLO window at the last tick.
func (s *series) budget() slo.Budget {
	r := &s.last
	return slo.Budget{Target: s.target, Window: r.end.Sub(r.start), Good: r.slo.good, Valid: r.slo.valid}
}
