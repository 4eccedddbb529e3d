package engine

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// TestCountsSumEveryRangeToTheMinute feeds three days of minutes, for the
// total and a customer, and checks Counts against a plain sum over ranges
// that start and end mid-hour, within an hour, on hours, and over days.
func TestCountsSumEveryRangeToTheMinute(t *testing.T) {
	start := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	c := &clock{t: start.Add(3 * slo.Day)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	acme := slo.Series{Objective: availability.Objective, Customer: "acme"}
	var obs []slo.Observation
	for m := start; m.Before(c.t); m = m.Add(time.Minute) {
		bad := float64(m.Minute()%5 + m.Hour()%3)
		obs = append(obs, slo.Observation{Series: availability, Time: m, Good: 50 - bad, Valid: 50},
			slo.Observation{Series: acme, Time: m, Good: 10, Valid: 10 + bad})
	}
	if _, _, err := e.Append(context.Background(), store.Batch{Observations: obs}); err != nil {
		t.Fatal(err)
	}
	e.Evaluate()
	sum := func(id slo.Series, from, to time.Time) (good, valid float64) {
		for _, o := range obs {
			if o.Series == id && !o.Time.Before(from) && o.Time.Before(to) {
				good, valid = good+o.Good, valid+o.Valid
			}
		}
		return good, valid
	}
	ranges := []struct {
		name     string
		from, to time.Time
	}{
		{"mid-hour to mid-hour across days", start.Add(7*time.Hour + 13*time.Minute), start.Add(50*time.Hour + 41*time.Minute)},
		{"within one hour", start.Add(5*time.Hour + 10*time.Minute), start.Add(5*time.Hour + 20*time.Minute)},
		{"across one hour boundary", start.Add(5*time.Hour + 50*time.Minute), start.Add(6*time.Hour + 5*time.Minute)},
		{"whole hours", start.Add(time.Hour), start.Add(30 * time.Hour)},
		{"to now", start.Add(70*time.Hour + 30*time.Minute), c.t},
		{"everything", start.Add(-slo.Day), c.t.Add(time.Hour)},
	}
	for _, r := range ranges {
		got, err := e.Counts(context.Background(), availability.Objective, r.from, r.to)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Customer != "" || got[1].Customer != "acme" {
			t.Fatalf("%s: got %+v, want the total then acme", r.name, got)
		}
		for i, id := range []slo.Series{availability, acme} {
			g, v := sum(id, r.from, r.to)
			if got[i].Good != g || got[i].Valid != v {
				t.Errorf("%s, %s: got %g/%g, want %g/%g", r.name, id, got[i].Good, got[i].Valid, g, v)
			}
			one, found, err := e.Count(context.Background(), id, r.from, r.to)
			if err != nil || !found || one != got[i] {
				t.Errorf("%s, %s: Count gave %+v, %v, %v; Counts gave %+v", r.name, id, one, found, err, got[i])
			}
		}
	}
	if got, err := e.Counts(context.Background(), "api/none", start, c.t); err != nil || len(got) != 0 {
		t.Errorf("an objective without counts: %+v, %v", got, err)
	}
	for _, id := range []slo.Series{{Objective: "api/none"}, {Objective: availability.Objective, Customer: "nobody"}} {
		if got, found, err := e.Count(context.Background(), id, start, c.t); err != nil || found || got.Valid != 0 {
			t.Errorf("%s, a series without counts: %+v, %v, %v", id, got, found, err)
		}
	}
	if _, found, _ := e.Count(context.Background(), acme, start.Add(-slo.Day), start); found {
		t.Error("a range before any count was found to hold counts")
	}
	if _, err := e.Counts(context.Background(), availability.Objective, c.t, start); err == nil {
		t.Error("a range ending before it starts did not fail")
	}
}

// TestCountsTakeAnHoursShareWhereMinutesAreGone checks the edges of a range
// older than the minute retention: read as the hour's share.
func TestCountsTakeAnHoursShareWhereMinutesAreGone(t *testing.T) {
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	c := &clock{t: start.Add(20 * slo.Day)}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	var obs []slo.Observation
	for m := start; m.Before(start.Add(2 * time.Hour)); m = m.Add(time.Minute) {
		good := 60.0
		if m.Minute() < 30 {
			good = 0 // the first half of each hour fails
		}
		obs = append(obs, slo.Observation{Series: availability, Time: m, Good: good, Valid: 60})
	}
	if _, _, err := e.Append(context.Background(), store.Batch{Observations: obs}); err != nil {
		t.Fatal(err)
	}
	e.Evaluate()
	got, err := e.Counts(context.Background(), availability.Objective, start.Add(45*time.Minute), start.Add(2*time.Hour))
	if err != nil || len(got) != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
	if one, _, err := e.Count(context.Background(), availability, start.Add(45*time.Minute), start.Add(2*time.Hour)); err != nil || one != got[0] {
		t.Errorf("Count gave %+v, %v; Counts %+v", one, err, got[0])
	}
	// A quarter of hour one (its 3600 events, 1800 good) and all of hour two.
	if want := 1800.0/4 + 1800; math.Abs(got[0].Good-want) > 1e-9 || math.Abs(got[0].Valid-(900+3600)) > 1e-9 {
		t.Errorf("got %g/%g, want %g/4500", got[0].Good, got[0].Valid, want)
	}
}
