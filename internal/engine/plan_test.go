package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

func TestTheSLOWindowKeepsAtMost720BucketsOfWholeHours(t *testing.T) {
	for _, c := range []struct {
		window time.Duration
		hours  int64
	}{{7 * slo.Day, 1}, {30 * slo.Day, 1}, {31 * slo.Day, 2}, {90 * slo.Day, 3}, {180 * slo.Day, 6}, {365 * slo.Day, 24}} {
		res := sloRes(c.window)
		if res != c.hours*3600 {
			t.Errorf("%s: buckets of %ds, want %dh", slo.FormatDuration(c.window), res, c.hours)
		}
		if n := int64(c.window/time.Second) / res; n > sloBuckets && res < 24*3600 {
			t.Errorf("%s: %d buckets", slo.FormatDuration(c.window), n)
		}
	}
}

// TestLongWindowsSumExactlyTheirWindow: 90-day and 365-day SLOs over even
// traffic, read at a time that is not on any bucket's edge, hold exactly
// their window's events, however coarse their ring.
func TestLongWindowsSumExactlyTheirWindow(t *testing.T) {
	for _, window := range []string{"90d", "365d"} {
		t.Run(window, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC)}
			st := openStore(t, t.TempDir(), c.now)
			e := New(st, services(t, strings.Replace(availabilitySpec, "window: 30d", "window: "+window, 1)), Options{Now: c.now})
			if err := e.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			var obs []slo.Observation
			for h := c.t.Add(-400 * slo.Day); h.Before(c.t); h = h.Add(time.Hour) {
				obs = append(obs, slo.Observation{Series: availability, Time: h, Good: 60, Valid: 60})
			}
			if _, _, err := e.Append(context.Background(), store.Batch{Observations: obs}); err != nil {
				t.Fatal(err)
			}
			c.step(100 * time.Minute) // 14:40: inside a bucket of any length
			e.Evaluate()
			ev, _ := e.Evaluation(availability)
			d, _ := slo.ParseDuration(window)
			// An event a minute up to 13:00, none after: the window
			// [14:40 - length, 14:40) holds its length in minutes less
			// the 100 minutes since 13:00. Buckets of 1, 3 or 24 hours
			// give the same, since the oldest counts for its part inside.
			want := d.Minutes() - 100
			if ev.Valid != want {
				t.Fatalf("valid = %g, want %g", ev.Valid, want)
			}
		})
	}
}
