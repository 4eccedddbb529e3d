package report

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// traffic fills f with 100 valid events a minute of shop/availability and
// shop/latency from start to end, all good, in hour buckets, except the
// minutes of failed, whose hour is written minute by minute with every
// availability event bad.
func traffic(f *fakeLive, start, end time.Time, failed ...[2]time.Time) {
	down := func(m time.Time) bool {
		for _, r := range failed {
			if !m.Before(r[0]) && m.Before(r[1]) {
				return true
			}
		}
		return false
	}
	for h := start; h.Before(end); h = h.Add(time.Hour) {
		f.add("shop/latency", "", h, 6000, 6000)
		if !down(h) && !down(h.Add(59*time.Minute)) && !(len(failed) > 0 && sameHour(h, failed)) {
			f.add("shop/availability", "", h, 6000, 6000)
			continue
		}
		for m := h; m.Before(h.Add(time.Hour)); m = m.Add(time.Minute) {
			good := 100.0
			if down(m) {
				good = 0
			}
			f.add("shop/availability", "", m, good, 100)
		}
	}
}

func sameHour(h time.Time, rs [][2]time.Time) bool {
	for _, r := range rs {
		if !r[0].Before(h) && r[0].Before(h.Add(time.Hour)) {
			return true
		}
	}
	return false
}

var day0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func spendOf(t *testing.T, at Annotated, name string) Spend {
	t.Helper()
	for _, s := range at.Attribution.SLOs {
		if s.SLO == name {
			return s
		}
	}
	t.Fatalf("annotation %d has no spend for %s: %+v", at.ID, name, at.Attribution)
	return Spend{}
}

func attribute(t *testing.T, f *fakeLive, now time.Time, list ...store.Annotation) []Annotated {
	t.Helper()
	f.annotations = list
	out, err := Attribute(context.Background(), f, f, f.services, list, now)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Ten minutes of total failure at 100 requests a minute are 1,000 bad
// events; a full 30-day window of that traffic allows 0.001 x 4,320,000 =
// 4,320: 23.148% of the budget, 10 of its 43.2 minutes.
func TestAnIncidentIsAttributedItsBadEventsOverTheWindowsBudget(t *testing.T) {
	f := newFakeLive(shop())
	// Ending on the hour keeps the window's edges on the fake's hour buckets.
	from := day0.Add(40*slo.Day + 9*time.Hour + 50*time.Minute)
	traffic(f, day0, day0.Add(60*slo.Day), [2]time.Time{from, from.Add(10 * time.Minute)})
	now := day0.Add(60 * slo.Day)
	got := attribute(t, f, now, store.Annotation{ID: 1, Service: "shop", Kind: "incident", Start: from, End: from.Add(10 * time.Minute), Text: "outage"})
	at := got[0]
	if !at.Attribution.From.Equal(from) || !at.Attribution.To.Equal(from.Add(10*time.Minute)) || len(at.Attribution.SLOs) != 2 {
		t.Fatalf("attribution = %+v, want [from, from+10m) for both SLOs", at.Attribution)
	}
	a := spendOf(t, at, "availability")
	if a.BadEvents != 1000 || !near(a.AllowedEvents, 4320, 1e-12) || !near(a.Percent(), 100000.0/4320, 1e-9) || !near(a.BudgetMinutes, 10, 1e-9) || a.Coverage != 1 {
		t.Errorf("availability = %+v; want 1000 bad of 4320 allowed, 23.148%%, 10 minutes, full coverage", a)
	}
	if !a.WindowFrom.Equal(from.Add(10*time.Minute - 30*slo.Day)) {
		t.Errorf("window from %s, want 30 days before the end", a.WindowFrom)
	}
	if l := spendOf(t, at, "latency"); l.BadEvents != 0 || l.Percent() != 0 || l.BudgetSpent == nil {
		t.Errorf("latency = %+v, want nothing spent (with data)", l)
	}
}

// An SLO five days old has five days of valid events in its window; its
// budget is taken at that rate over the whole window, so the same outage
// costs the same share as in an old one.
func TestAYoungSLOsBudgetIsTakenAtTheTrafficSeen(t *testing.T) {
	f := newFakeLive(shop())
	start := day0.Add(35*slo.Day + 7*time.Hour + 20*time.Minute) // mid-hour: found to the minute
	from := start.Add(5 * slo.Day)
	for m := start; m.Before(start.Add(time.Hour).Truncate(time.Hour)); m = m.Add(time.Minute) {
		f.add("shop/availability", "", m, 100, 100)
	}
	traffic(f, start.Add(time.Hour).Truncate(time.Hour), from.Add(slo.Day), [2]time.Time{from, from.Add(10 * time.Minute)})
	got := attribute(t, f, from.Add(slo.Day), store.Annotation{ID: 1, Service: "shop", Objective: "availability", Kind: "incident", Start: from, End: from.Add(10 * time.Minute)})
	a := spendOf(t, got[0], "availability")
	if len(got[0].Attribution.SLOs) != 1 {
		t.Errorf("an annotation of one SLO is attributed to %d", len(got[0].Attribution.SLOs))
	}
	covered := from.Add(10 * time.Minute).Sub(start)
	if !near(a.Coverage, float64(covered)/float64(30*slo.Day), 1e-12) {
		t.Errorf("coverage = %v, want %v (data from %s)", a.Coverage, float64(covered)/float64(30*slo.Day), start)
	}
	if !near(a.Percent(), 100000.0/4320, 1e-6) || !near(a.BudgetMinutes, 10, 1e-6) {
		t.Errorf("availability = %+v; want 23.148%% and 10 minutes as in a full window", a)
	}
}

func TestAPointAnnotationIsAttributedTheHourAfterOrUntilTheNextDeploy(t *testing.T) {
	f := newFakeLive(shop())
	at := day0.Add(40*slo.Day + 10*time.Hour)
	traffic(f, day0, day0.Add(41*slo.Day), [2]time.Time{at.Add(30 * time.Minute), at.Add(50 * time.Minute)})
	tests := []struct {
		name  string
		notes []store.Annotation
		now   time.Time
		to    time.Time
		bad   float64
	}{
		{"a lone deploy gets the hour after it", []store.Annotation{{ID: 1, Service: "shop", Kind: "deploy", Start: at}},
			at.Add(2 * time.Hour), at.Add(time.Hour), 2000},
		{"a later deploy of the service cuts it short", []store.Annotation{{ID: 1, Service: "shop", Kind: "deploy", Start: at},
			{ID: 2, Service: "shop", Kind: "deploy", Start: at.Add(40 * time.Minute)}}, at.Add(2 * time.Hour), at.Add(40 * time.Minute), 1000},
		{"a note does not cut it short", []store.Annotation{{ID: 1, Service: "shop", Kind: "deploy", Start: at},
			{ID: 2, Service: "shop", Kind: "note", Start: at.Add(10 * time.Minute)}}, at.Add(2 * time.Hour), at.Add(time.Hour), 2000},
		{"another service's deploy does not either", []store.Annotation{{ID: 1, Service: "shop", Kind: "deploy", Start: at},
			{ID: 2, Service: "other", Kind: "deploy", Start: at.Add(10 * time.Minute)}}, at.Add(2 * time.Hour), at.Add(time.Hour), 2000},
		{"nothing past now", []store.Annotation{{ID: 1, Service: "shop", Kind: "deploy", Start: at}},
			at.Add(35 * time.Minute), at.Add(35 * time.Minute), 500},
		// A day on, the minute counts may be gone: [10:00, 10:40) is counted
		// as its whole hour, failures from 10:40 to 10:50 included.
		{"past the minute counts an edge takes its whole hour", []store.Annotation{{ID: 1, Service: "shop", Kind: "deploy", Start: at},
			{ID: 2, Service: "shop", Kind: "deploy", Start: at.Add(40 * time.Minute)}}, at.Add(slo.Day), at.Add(40 * time.Minute), 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := attribute(t, f, tt.now, tt.notes...)
			if !got[0].Attribution.To.Equal(tt.to) {
				t.Errorf("attributed to %s, want %s", got[0].Attribution.To, tt.to)
			}
			if a := spendOf(t, got[0], "availability"); a.BadEvents != tt.bad {
				t.Errorf("bad events = %v, want %v", a.BadEvents, tt.bad)
			}
		})
	}
}

func TestAnnotationsWithoutDataOrServiceSpendNothingKnown(t *testing.T) {
	f := newFakeLive(shop())
	at := day0.Add(10 * slo.Day)
	got := attribute(t, f, at.Add(slo.Day),
		store.Annotation{ID: 1, Service: "shop", Kind: "incident", Start: at, End: at.Add(time.Hour)},
		store.Annotation{ID: 2, Service: "gone", Kind: "incident", Start: at, End: at.Add(time.Hour)})
	if a := spendOf(t, got[0], "availability"); a.BudgetSpent != nil || a.AllowedEvents != 0 {
		t.Errorf("without data: %+v, want no budget share", a)
	}
	if s := got[1].Attribution.SLOs; s == nil || len(s) != 0 {
		t.Errorf("an unknown service's annotation: %+v, want an empty list", s)
	}
}

// A calendar month's budget is the month's: an incident on 10 October
// spends against October's events so far, taken over its 31 days.
func TestACalendarWindowsBudgetIsThePeriodHoldingTheEnd(t *testing.T) {
	svc := shop()
	svc.Objectives[0].Window = slo.CalendarWindow(slo.CalendarMonth)
	f := newFakeLive(svc)
	from := day0.Add(9*slo.Day + 10*time.Hour)
	traffic(f, day0.Add(-20*slo.Day), day0.Add(20*slo.Day), [2]time.Time{from, from.Add(10 * time.Minute)})
	got := attribute(t, f, day0.Add(20*slo.Day), store.Annotation{ID: 1, Service: "shop", Objective: "availability", Kind: "incident", Start: from, End: from.Add(10 * time.Minute)})
	a := spendOf(t, got[0], "availability")
	allowed := 0.001 * 100 * 31 * 1440 // the month's rate over its 31 days
	if !a.WindowFrom.Equal(day0) || !near(a.AllowedEvents, allowed, 1e-6) || !near(a.BudgetMinutes, 10, 1e-9) || !near(a.Coverage, float64(from.Add(10*time.Minute).Sub(day0))/float64(31*slo.Day), 1e-12) {
		t.Errorf("calendar: %+v; want window from %s, %v allowed, 10 minutes", a, day0, allowed)
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }
