package slo

import (
	"math"
	"testing"
	"time"
)

// near reports whether got is within tol of want, treating equal infinities
// as near, since several figures are infinite on purpose.
func near(got, want, tol float64) bool {
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol
}

// nearDuration reports whether got is within tol of want.
func nearDuration(got, want, tol time.Duration) bool {
	d := got - want
	return -tol <= d && d <= tol
}

func TestAllowedBad(t *testing.T) {
	tests := []struct {
		name   string
		target float64
		window time.Duration
		want   time.Duration
	}{
		{"99.9% over 30 days allows 43.2 minutes", 0.999, 30 * Day, 43*time.Minute + 12*time.Second},
		{"99.9% over 365 days allows 8.76 hours", 0.999, Year, 8*time.Hour + 45*time.Minute + 36*time.Second},
		{"99.99% over a year allows 52.56 minutes", 0.9999, Year, 52*time.Minute + 33600*time.Millisecond},
		{"99.999% over a year allows 5.256 minutes", 0.99999, Year, 5*time.Minute + 15360*time.Millisecond},
		{"a 100% target allows nothing", 1, 30 * Day, 0},
		{"a 0% target allows the whole window", 0, Week, Week},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Rounding to the millisecond makes these exact.
			if got := AllowedBad(tt.target, tt.window); got != tt.want {
				t.Errorf("AllowedBad(%v, %v) = %v, want %v", tt.target, tt.window, got, tt.want)
			}
		})
	}
}

func TestAllowedEvents(t *testing.T) {
	tests := []struct {
		name          string
		target, valid float64
		want          float64
	}{
		{"99.9% of a million requests allows a thousand bad ones", 0.999, 1e6, 1000},
		{"no valid events allow no bad ones", 0.999, 0, 0},
		{"a 100% target allows no bad events", 1, 1e6, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AllowedEvents(tt.target, tt.valid); !near(got, tt.want, 1e-6) {
				t.Errorf("AllowedEvents(%v, %v) = %v, want %v", tt.target, tt.valid, got, tt.want)
			}
		})
	}
}

// The seed's walkthrough: 99.9% over 30 days, uniform traffic of one request
// a minute (43200 valid), outages of 10, 15 and 20 minutes failing every
// request. 43.2 minutes of budget, 43.2 bad requests allowed.
func TestBudgetWalkthrough(t *testing.T) {
	tests := []struct {
		name                                 string
		down                                 float64 // minutes failing
		remainingMin, remainingEvents, ratio float64
		consumedMin                          float64
	}{
		{"a clean month leaves the whole 43.2 minutes", 0, 43.2, 43.2, 1, 0},
		{"after the first 10 minute outage 33.2 minutes are left", 10, 33.2, 33.2, 1 - 10/43.2, 10},
		{"after 10 and 15 minutes 18.2 minutes are left", 25, 18.2, 18.2, 1 - 25/43.2, 25},
		{"after all three outages the budget is 1.8 minutes overspent", 45, -1.8, -1.8, 1 - 45/43.2, 45},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Budget{Target: 0.999, Window: 30 * Day, Valid: 43200, Good: 43200 - tt.down}
			if got := b.TotalMinutes(); !near(got, 43.2, 1e-9) {
				t.Errorf("TotalMinutes = %v, want 43.2", got)
			}
			if got := b.ConsumedMinutes(); !near(got, tt.consumedMin, 1e-9) {
				t.Errorf("ConsumedMinutes = %v, want %v", got, tt.consumedMin)
			}
			if got := b.RemainingMinutes(); !near(got, tt.remainingMin, 1e-9) {
				t.Errorf("RemainingMinutes = %v, want %v", got, tt.remainingMin)
			}
			if got := b.RemainingEvents(); !near(got, tt.remainingEvents, 1e-9) {
				t.Errorf("RemainingEvents = %v, want %v", got, tt.remainingEvents)
			}
			if got := b.RemainingRatio(); !near(got, tt.ratio, 1e-9) {
				t.Errorf("RemainingRatio = %v, want %v", got, tt.ratio)
			}
			if got := b.Bad(); !near(got, tt.down, 1e-9) {
				t.Errorf("Bad = %v, want %v", got, tt.down)
			}
		})
	}
}

func TestBudgetEdges(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name                string
		b                   Budget
		sli                 float64
		hasSLI              bool
		allowed, consumed   float64
		remaining, totalMin float64
		consumedMin         float64
	}{
		{"an empty window has no SLI and spends nothing",
			Budget{Target: 0.999, Window: 30 * Day}, 0, false, 0, 0, 1, 43.2, 0},
		{"a 100% target with no bad events spends nothing of its zero budget",
			Budget{Target: 1, Window: 30 * Day, Good: 100, Valid: 100}, 1, true, 0, 0, 1, 0, 0},
		{"a 100% target with one bad event overspends without bound",
			Budget{Target: 1, Window: 30 * Day, Good: 99, Valid: 100}, 0.99, true, 0, inf, -inf, 0, 432},
		{"half the allowed bad events spend half the budget",
			Budget{Target: 0.99, Window: 30 * Day, Good: 995, Valid: 1000}, 0.995, true, 10, 0.5, 0.5, 432, 216},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sli, ok := tt.b.SLI()
			if ok != tt.hasSLI || !near(sli, tt.sli, 1e-12) {
				t.Errorf("SLI = %v, %v; want %v, %v", sli, ok, tt.sli, tt.hasSLI)
			}
			if got := tt.b.Allowed(); !near(got, tt.allowed, 1e-9) {
				t.Errorf("Allowed = %v, want %v", got, tt.allowed)
			}
			if got := tt.b.ConsumedRatio(); !near(got, tt.consumed, 1e-9) {
				t.Errorf("ConsumedRatio = %v, want %v", got, tt.consumed)
			}
			if got := tt.b.RemainingRatio(); !near(got, tt.remaining, 1e-9) {
				t.Errorf("RemainingRatio = %v, want %v", got, tt.remaining)
			}
			if got := tt.b.TotalMinutes(); !near(got, tt.totalMin, 1e-9) {
				t.Errorf("TotalMinutes = %v, want %v", got, tt.totalMin)
			}
			if got := tt.b.ConsumedMinutes(); !near(got, tt.consumedMin, 1e-9) {
				t.Errorf("ConsumedMinutes = %v, want %v", got, tt.consumedMin)
			}
		})
	}
}

func TestTheSeedsTierDowntimeFigures(t *testing.T) {
	// The seed's tiered SLOs give downtime "per month": 7.3 hours for 99%,
	// 3.6 hours for 99.5%, 43 minutes for 99.9%, 4.3 minutes for 99.99%.
	// 7.3 hours is an average month (365/12 days); over 30 days it is 7.2.
	avgMonth := Year / 12
	cases := []struct {
		name         string
		target       float64
		window       time.Duration
		want, within time.Duration
	}{
		{"free, average month", 0.99, avgMonth, 7*time.Hour + 18*time.Minute, 1 * time.Minute},
		{"free, 30 days", 0.99, 30 * Day, 7*time.Hour + 12*time.Minute, 0},
		{"standard, 30 days", 0.995, 30 * Day, 3*time.Hour + 36*time.Minute, 0},
		{"professional, 30 days", 0.999, 30 * Day, 43*time.Minute + 12*time.Second, 0},
		{"enterprise, 30 days", 0.9999, 30 * Day, 4*time.Minute + 19200*time.Millisecond, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := AllowedBad(c.target, c.window)
			if d := got - c.want; d < -c.within || d > c.within {
				t.Errorf("AllowedBad(%v, %v) = %v, want %v", c.target, c.window, got, c.want)
			}
		})
	}
}
