package report

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// PointSpan is how long after itself a point annotation (one with no end)
// is held to account for: a deploy's faults show within the hour, and a
// longer span would blame it for what later deploys did.
const PointSpan = time.Hour

// MinuteCounts is how long minute counts are surely kept (serve keeps
// them at least a day, eight by default). Past it the engine's counts give
// a part of an hour as the hour's share, as if its events were spread
// evenly, which would spread an incident's failures over the hour and
// undercount them; an edge of a range older than this is widened to its
// whole hour instead, as alert history does past the minute retention.
const MinuteCounts = slo.Day - time.Hour

// Counter is what attribution reads: the engine's counts of one series.
type Counter interface {
	Count(ctx context.Context, id slo.Series, from, to time.Time) (store.Total, bool, error)
}

// Annotated is an annotation with the budget it consumed.
type Annotated struct {
	store.Annotation
	Attribution Attribution `json:"attribution"`
}

// Attribution is the error budget a range of time consumed, per SLO it
// concerns: an annotation's, or an alert's episode.
type Attribution struct {
	// From and To bound the range attributed: the annotation's own; for a
	// point, the PointSpan after it, cut short by the next deploy of the
	// service; and never past the time of the report.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// SLOs are the objectives it concerns: the one it names, or every one
	// of its service.
	SLOs []Spend `json:"slos"`
}

// Spend is the budget one SLO spent over a range.
type Spend struct {
	SLO string `json:"slo"`
	// BadEvents and ValidEvents are counted over [CountedFrom, CountedTo):
	// the range, with an edge older than MinuteCounts widened to its hour.
	BadEvents   float64   `json:"bad_events"`
	ValidEvents float64   `json:"valid_events"`
	CountedFrom time.Time `json:"counted_from"`
	CountedTo   time.Time `json:"counted_to"`
	// AllowedEvents is the budget of the SLO window ending at the range's
	// end, in bad events: (1-target) x the valid events of the window,
	// scaled to the window's whole length when data covers only part of it
	// (an SLO younger than its window, a calendar period under way).
	AllowedEvents float64 `json:"allowed_events"`
	// BudgetSpent is BadEvents over AllowedEvents, the share of the budget
	// spent (0.23 is 23%); nil when the window has no valid events.
	BudgetSpent *float64 `json:"budget_spent"`
	// BudgetMinutes is that share of the window's budget in minutes,
	// (1-target) x window length: the minutes of full outage it equals.
	BudgetMinutes float64 `json:"budget_minutes"`
	// WindowFrom and WindowTo bound the SLO window the budget is of.
	WindowFrom time.Time `json:"window_from"`
	WindowTo   time.Time `json:"window_to"`
	// Coverage is the share of the window's length that had data: from
	// the window's start, or the SLO's first counts in it, to the range's
	// end. Below 1, the budget is taken at the traffic seen so far.
	Coverage float64 `json:"window_coverage"`
}

// Percent is the budget share in percent, 0 without data.
func (s Spend) Percent() float64 {
	if s.BudgetSpent == nil {
		return 0
	}
	return 100 * *s.BudgetSpent
}

// AnnotationLister reads annotations: the store.
type AnnotationLister interface {
	Annotations(ctx context.Context, service string, from, to time.Time) ([]store.Annotation, error)
}

// Attribute gives each annotation of list the budget it consumed, as of
// now. Annotations of services not in services get no SLOs. notes is read
// for the deploys that cut a point annotation's span short.
func Attribute(ctx context.Context, c Counter, notes AnnotationLister, services []slo.Service, list []store.Annotation, now time.Time) ([]Annotated, error) {
	out := make([]Annotated, 0, len(list))
	for _, a := range list {
		from, to, err := AnnotationRange(ctx, notes, a, now)
		if err != nil {
			return nil, err
		}
		at := Attribution{From: from, To: to, SLOs: []Spend{}}
		if svc := serviceNamed(services, a.Service); svc != nil {
			if at.SLOs, err = Spent(ctx, c, svc, a.Objective, from, to, now); err != nil {
				return nil, fmt.Errorf("annotation %d: %w", a.ID, err)
			}
		}
		out = append(out, Annotated{Annotation: a, Attribution: at})
	}
	return out, nil
}

// AnnotationRange is the range an annotation is held to account for: its
// own [start, end); for a point in time, the PointSpan after it, or until
// the service's next deploy when a deploy comes sooner. Nothing past now.
func AnnotationRange(ctx context.Context, notes AnnotationLister, a store.Annotation, now time.Time) (from, to time.Time, err error) {
	from, to = a.Start, a.End
	if to.IsZero() {
		to = from.Add(PointSpan)
		later, err := notes.Annotations(ctx, a.Service, from.Add(time.Millisecond), to)
		if err != nil {
			return from, to, fmt.Errorf("annotation %d: the next deploy: %w", a.ID, err)
		}
		for _, n := range later {
			if n.Kind == "deploy" && n.ID != a.ID && n.Start.After(from) && n.Start.Before(to) {
				to = n.Start
			}
		}
	}
	if to.After(now) {
		to = now
	}
	if to.Before(from) {
		to = from
	}
	return from, to, nil
}

// Spent is the budget each objective of svc spent over [from, to), as of
// now: the one named, or every one when name is empty.
func Spent(ctx context.Context, c Counter, svc *slo.Service, name string, from, to, now time.Time) ([]Spend, error) {
	out := []Spend{}
	for i := range svc.Objectives {
		o := &svc.Objectives[i]
		if name != "" && o.Name != name {
			continue
		}
		s, err := spent(ctx, c, o, from, to, now)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// spent is the budget o spent over [from, to), against the SLO window
// ending at to. An edge of the range older than MinuteCounts before now is
// widened to its whole hour, see MinuteCounts.
func spent(ctx context.Context, c Counter, o *slo.Objective, from, to, now time.Time) (Spend, error) {
	key := o.Key()
	cf, ct := from, to
	if old := now.Add(-MinuteCounts); cf.Before(old) {
		cf = cf.Truncate(time.Hour)
		if ct.Before(old) && !ct.Truncate(time.Hour).Equal(ct) {
			ct = ct.Truncate(time.Hour).Add(time.Hour)
		}
	}
	in, err := total(ctx, c, key, cf, ct)
	if err != nil {
		return Spend{}, err
	}
	wFrom, length := windowEnding(o.Window, to)
	s := Spend{SLO: o.Name, BadEvents: in.Valid - in.Good, ValidEvents: in.Valid, CountedFrom: cf, CountedTo: ct, WindowFrom: wFrom, WindowTo: to}
	win, err := total(ctx, c, key, wFrom, to)
	if err != nil {
		return Spend{}, err
	}
	first, err := firstCounts(ctx, c, key, wFrom, to, length)
	if err != nil {
		return Spend{}, err
	}
	if win.Valid <= 0 || !first.Before(to) {
		return s, nil
	}
	covered := to.Sub(first)
	s.Coverage = min(1, float64(covered)/float64(length))
	// The whole window's valid events at the rate seen while there was data:
	// an SLO two days old, or a calendar month two days in, does not have
	// two days' budget to spend.
	valid := win.Valid * float64(length) / float64(covered)
	s.AllowedEvents = slo.AllowedEvents(o.Target, valid)
	if s.AllowedEvents <= 0 {
		return s, nil
	}
	share := s.BadEvents / s.AllowedEvents
	s.BudgetSpent = &share
	s.BudgetMinutes = share * slo.AllowedBad(o.Target, length).Minutes()
	return s, nil
}

// windowEnding is the start of the SLO window ending at t, and the
// window's whole length: [t-length, t) for a rolling window; for a
// calendar one, the period holding the instant before t, so far.
func windowEnding(w slo.Window, t time.Time) (time.Time, time.Duration) {
	if !w.IsCalendar() {
		return t.Add(-w.Rolling), w.Rolling
	}
	start, end := w.Bounds(t.Add(-time.Nanosecond))
	return start, end.Sub(start)
}

// total is the total series' counts over [from, to).
func total(ctx context.Context, c Counter, key string, from, to time.Time) (store.Total, error) {
	if !from.Before(to) {
		return store.Total{}, nil
	}
	t, _, err := c.Count(ctx, slo.Series{Objective: key}, from, to)
	return t, err
}

// firstCounts is the start of the first minute of [from, to) that holds
// counts of key (to when none does), or from itself when there are counts
// in the length before it (none is read for a length of 0): an SLO older
// than its window covers all of it.
// The minute is found by halving, hours first: a few reads of the counts.
func firstCounts(ctx context.Context, c Counter, key string, from, to time.Time, length time.Duration) (time.Time, error) {
	var failed error
	has := func(a, b time.Time) bool {
		if failed != nil {
			return true
		}
		_, found, err := c.Count(ctx, slo.Series{Objective: key}, a, b)
		failed = err
		return found
	}
	if length > 0 && (has(from.Add(-length), from) || failed != nil) {
		return from, failed
	}
	// first is the start of the first step of [lo, hi) with counts, hi when
	// none has.
	first := func(lo, hi time.Time, step time.Duration) time.Time {
		n := int((hi.Sub(lo) + step - 1) / step)
		k := sort.Search(n, func(k int) bool { return has(lo, earlier(lo.Add(time.Duration(k+1)*step), hi)) })
		return earlier(lo.Add(time.Duration(k)*step), hi)
	}
	hour := first(from, to, time.Hour)
	if failed != nil || !hour.Before(to) {
		return to, failed
	}
	return first(hour, earlier(hour.Add(time.Hour), to), time.Minute), failed
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func serviceNamed(services []slo.Service, name string) *slo.Service {
	for i := range services {
		if services[i].Name == name {
			return &services[i]
		}
	}
	return nil
}
