package slo

import (
	"math"
	"testing"
	"time"
)

func TestBurnRate(t *testing.T) {
	tests := []struct {
		name                string
		good, valid, target float64
		want                float64
		ok                  bool
	}{
		{"spending 0.1% bad at 99.9% burns at 1", 999, 1000, 0.999, 1, true},
		{"spending 1% bad at 99.9% burns at 10", 990, 1000, 0.999, 10, true},
		{"no bad events burn nothing", 1000, 1000, 0.999, 0, true},
		{"no valid events have no burn rate", 0, 0, 0.999, 0, false},
		{"a bad event against a 100% target burns without bound", 999, 1000, 1, math.Inf(1), true},
		{"no bad events against a 100% target burn nothing", 1000, 1000, 1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BurnRate(tt.good, tt.valid, tt.target)
			if ok != tt.ok || !near(got, tt.want, 1e-9) {
				t.Errorf("BurnRate = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestTimeToExhaust(t *testing.T) {
	tests := []struct {
		name string
		burn float64
		want time.Duration
		ok   bool
	}{
		{"a burn rate of 1 lasts the 30 day window", 1, 30 * Day, true},
		{"a burn rate of 2 lasts 15 days", 2, 15 * Day, true},
		{"a burn rate of 10 lasts 3 days", 10, 3 * Day, true},
		{"a burn rate of 1000 lasts 43.2 minutes", 1000, 43*time.Minute + 12*time.Second, true},
		{"a burn rate of 0 never exhausts", 0, 0, false},
		{"a negative burn rate never exhausts", -1, 0, false},
		{"a NaN burn rate never exhausts", math.NaN(), 0, false},
		{"an infinite burn rate exhausts at once", math.Inf(1), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := TimeToExhaust(30*Day, tt.burn)
			if ok != tt.ok || !nearDuration(got, tt.want, time.Microsecond) {
				t.Errorf("TimeToExhaust(30d, %v) = %v, %v; want %v, %v", tt.burn, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestProjectExhaustion(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	rolling, month := RollingWindow(30*Day), CalendarWindow(CalendarMonth)
	tests := []struct {
		name            string
		w               Window
		remaining, burn float64
		want            time.Time
		ok              bool
	}{
		{"an exhausted budget runs out now", rolling, 0, 5, now, true},
		{"an overspent budget runs out now, even at no burn", rolling, -0.04, 0, now, true},
		{"a burn rate of exactly 1 never exhausts", rolling, 0.5, 1, time.Time{}, false},
		{"a burn rate under 1 never exhausts", rolling, 0.5, 0.5, time.Time{}, false},
		// 0.5 x 30 days / 2 = 7.5 days.
		{"half a budget at burn 2 lasts 7.5 days", rolling, 0.5, 2, now.Add(7*Day + 12*time.Hour), true},
		// 0.1 x 30 days / 10 = 0.3 days = 7.2 hours.
		{"a tenth of a budget at burn 10 lasts 7.2 hours", rolling, 0.1, 10, now.Add(7*time.Hour + 12*time.Minute), true},
		{"a full budget lasts what TimeToExhaust says", rolling, 1, 10, now.Add(3 * Day), true},
		// March has 31 days: 0.5 x 31 days / 0.8 = 19.375 days from the 1st noon.
		{"in a calendar month a burn under 1 still exhausts what is left", month, 0.5, 0.8, now.Add(19*Day + 9*time.Hour), true},
		// 0.5 x 31 days / 0.5 = 31 days: after the month ends, so never.
		{"a budget that outlasts the month is not exhausted", month, 0.5, 0.5, time.Time{}, false},
		{"no burn never exhausts a calendar budget", month, 0.5, 0, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ProjectExhaustion(now, tt.remaining, tt.w, tt.burn)
			if ok != tt.ok || !nearDuration(got.Sub(tt.want), 0, time.Microsecond) || got.IsZero() != tt.want.IsZero() {
				t.Errorf("ProjectExhaustion = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestProjectSLI(t *testing.T) {
	tests := []struct {
		name                           string
		current, target, elapsed, burn float64
		want                           float64
	}{
		// 0.5 x 0.9995 + 0.5 x (1 - 1 x 0.001) = 0.99925.
		{"half a window at 99.95% then burning at 1 ends at 99.925%", 0.9995, 0.999, 0.5, 1, 0.99925},
		{"a fully measured window ends at its current SLI", 0.998, 0.999, 1, 50, 0.998},
		{"an unmeasured window at burn 1 ends exactly on target", 0, 0.999, 0, 1, 0.999},
		{"an unmeasured window at burn 0 ends at 100%", 0, 0.999, 0, 0, 1},
		// 0.25 x 0.99 + 0.75 x (1 - 10 x 0.001) = 0.99.
		{"a quarter at 99% then burn 10 ends at 99%", 0.99, 0.999, 0.25, 10, 0.99},
		{"a burn rate past the whole window clamps at 0", 0.999, 0.999, 0, 2000, 0},
		{"elapsed past the window end counts as the whole window", 0.998, 0.999, 1.2, 1, 0.998},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ProjectSLI(tt.current, tt.target, tt.elapsed, tt.burn)
			if !near(got, tt.want, 1e-12) {
				t.Errorf("ProjectSLI(%v, %v, %v, %v) = %v, want %v", tt.current, tt.target, tt.elapsed, tt.burn, got, tt.want)
			}
		})
	}
}
