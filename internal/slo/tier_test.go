package slo

import (
	"testing"
	"time"
)

func TestBurnFactor(t *testing.T) {
	tests := []struct {
		name         string
		share        float64
		period, long time.Duration
		want         float64
	}{
		// 0.02 x 720h / 1h = 14.4.
		{"2% of 30 days over 1h is 14.4", 0.02, 30 * Day, time.Hour, 14.4},
		// 0.05 x 720h / 6h = 6.
		{"5% of 30 days over 6h is 6", 0.05, 30 * Day, 6 * time.Hour, 6},
		// 0.1 x 30d / 1d = 3.
		{"10% of 30 days over 1d is 3", 0.1, 30 * Day, Day, 3},
		// 0.1 x 30d / 3d = 1.
		{"10% of 30 days over 3d is 1", 0.1, 30 * Day, 3 * Day, 1},
		// 0.02 x 672h / 1h = 13.44.
		{"2% of 28 days over 1h is 13.44", 0.02, 28 * Day, time.Hour, 13.44},
		{"a zero long window gives 0", 0.02, 30 * Day, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BurnFactor(tt.share, tt.period, tt.long); !near(got, tt.want, 1e-9) {
				t.Errorf("BurnFactor = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScaledTo(t *testing.T) {
	tests := []struct {
		name   string
		tier   AlertTier
		period time.Duration
		want   float64
	}{
		{"a 2% share over 1h scales to 13.44 for 28 days", AlertTier{BudgetShare: 0.02, BurnRate: 14.4, Long: time.Hour}, 28 * Day, 13.44},
		{"a 2% share over 1h is 14.4 for 30 days", AlertTier{BudgetShare: 0.02, Long: time.Hour}, 30 * Day, 14.4},
		{"a tier given as a burn rate is unchanged", AlertTier{BurnRate: 10, Long: time.Hour}, 28 * Day, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.tier.ScaledTo(tt.period)
			if !near(got.BurnRate, tt.want, 1e-9) || got.Long != tt.tier.Long || got.BudgetShare != tt.tier.BudgetShare {
				t.Errorf("ScaledTo(%v) = %+v, want burn rate %v", tt.period, got, tt.want)
			}
		})
	}
}

// The seed's tiers for 30 days, at 99.9% (budget ratio 0.001).
var (
	page1h   = AlertTier{BurnRate: 14.4, Long: time.Hour, Short: 5 * time.Minute}
	page6h   = AlertTier{BurnRate: 6, Long: 6 * time.Hour, Short: 30 * time.Minute}
	ticket1d = AlertTier{BurnRate: 3, Long: Day, Short: 2 * time.Hour}
	ticket3d = AlertTier{BurnRate: 1, Long: 3 * Day, Short: 6 * time.Hour}
)

func TestDetectionTime(t *testing.T) {
	withFor := page1h
	withFor.For = 2 * time.Minute
	noShort := page1h
	noShort.Short = 0
	tests := []struct {
		name       string
		tier       AlertTier
		target     float64
		errorRatio float64
		want       time.Duration
		ok         bool
	}{
		// 0.001 / 1 x 3600 s x 14.4 = 51.84 s = 0.864 min (short: 4.32 s).
		{"14.4x over 1h catches 100% errors in 51.84 seconds", page1h, 0.999, 1, 51840 * time.Millisecond, true},
		// 0.001 / 0.1 x 3600 s x 14.4 = 518.4 s = 8.64 min.
		{"14.4x over 1h catches 10% errors in 8.64 minutes", page1h, 0.999, 0.1, 518400 * time.Millisecond, true},
		// 0.01 / 0.001 = burn 10 < 14.4.
		{"14.4x over 1h never catches 1% errors", page1h, 0.999, 0.01, 0, false},
		// 0.0144 / 0.001 = 14.4: the long window reaches it just as it fills.
		{"14.4x over 1h catches errors exactly at its rate after the full hour", page1h, 0.999, 0.0144, time.Hour, true},
		// 0.001 / 1 x 21600 s x 6 = 129.6 s = 2.16 min.
		{"6x over 6h catches 100% errors in 2.16 minutes", page6h, 0.999, 1, 129600 * time.Millisecond, true},
		// 0.001 / 0.1 x 21600 s x 6 = 1296 s = 21.6 min.
		{"6x over 6h catches 10% errors in 21.6 minutes", page6h, 0.999, 0.1, 1296 * time.Second, true},
		// 0.001 / 0.01 x 21600 s x 6 = 12960 s = 3.6 h.
		{"6x over 6h catches 1% errors in 3.6 hours", page6h, 0.999, 0.01, 3*time.Hour + 36*time.Minute, true},
		// 0.001 / 1 x 86400 s x 3 = 259.2 s = 4.32 min.
		{"3x over 1d catches 100% errors in 4.32 minutes", ticket1d, 0.999, 1, 259200 * time.Millisecond, true},
		// 0.001 / 0.1 x 86400 s x 3 = 2592 s = 43.2 min.
		{"3x over 1d catches 10% errors in 43.2 minutes", ticket1d, 0.999, 0.1, 2592 * time.Second, true},
		// 0.001 / 1 x 259200 s x 1 = 259.2 s = 4.32 min.
		{"1x over 3d catches 100% errors in 4.32 minutes", ticket3d, 0.999, 1, 259200 * time.Millisecond, true},
		{"a For delay adds to the detection time", withFor, 0.999, 1, 51840*time.Millisecond + 2*time.Minute, true},
		{"a tier without a short window uses the long one", noShort, 0.999, 1, 51840 * time.Millisecond, true},
		{"no errors are never detected", page1h, 0.999, 0, 0, false},
		{"a 100% target detects any error at once", page1h, 1, 0.0001, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.tier.DetectionTime(tt.target, tt.errorRatio)
			if ok != tt.ok || !nearDuration(got, tt.want, time.Microsecond) {
				t.Errorf("DetectionTime(%v, %v) = %v, %v; want %v, %v", tt.target, tt.errorRatio, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestBudgetSpentAtDetection(t *testing.T) {
	withFor := page1h
	withFor.For = 5 * time.Minute
	tests := []struct {
		name       string
		tier       AlertTier
		errorRatio float64
		want       float64
		ok         bool
	}{
		// BurnRate x Long / period = 14.4 x 1h / 720h = 0.02, whatever the error ratio.
		{"14.4x over 1h fires after 2% of the budget at 100% errors", page1h, 1, 0.02, true},
		{"14.4x over 1h fires after 2% of the budget at 10% errors", page1h, 0.1, 0.02, true},
		{"14.4x over 1h fires after 2% of the budget at 5% errors", page1h, 0.05, 0.02, true},
		// 6 x 6h / 720h = 0.05.
		{"6x over 6h fires after 5% of the budget", page6h, 0.5, 0.05, true},
		// 3 x 24h / 720h = 0.1.
		{"3x over 1d fires after 10% of the budget", ticket1d, 1, 0.1, true},
		// 1 x (51.84 s + 300 s) / (0.001 x 2592000 s) = 351.84 / 2592.
		{"a For delay spends budget while it waits", withFor, 1, 351.84 / 2592, true},
		{"a tier that never fires spends nothing it reports", page1h, 0.01, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.tier.BudgetSpentAtDetection(0.999, tt.errorRatio, 30*Day)
			if ok != tt.ok || !near(got, tt.want, 1e-9) {
				t.Errorf("BudgetSpentAtDetection(0.999, %v, 30d) = %v, %v; want %v, %v", tt.errorRatio, got, ok, tt.want, tt.ok)
			}
			if ok && tt.tier.For == 0 {
				identity := tt.tier.BurnRate * float64(tt.tier.Long) / float64(30*Day)
				if !near(got, identity, 1e-9) {
					t.Errorf("spent %v, want BurnRate x Long / period = %v", got, identity)
				}
			}
		})
	}
}

func TestResetTime(t *testing.T) {
	noShort := page1h
	noShort.Short = 0
	tests := []struct {
		name       string
		tier       AlertTier
		errorRatio float64
		want       time.Duration
		ok         bool
	}{
		// 300 s x (1 - 14.4 x 0.001 / 1) = 295.68 s = 4.928 min.
		{"14.4x over 5m resets 4.928 minutes after 100% errors stop", page1h, 1, 295680 * time.Millisecond, true},
		// 300 s x (1 - 14.4 x 0.001 / 0.1) = 256.8 s.
		{"14.4x over 5m resets 256.8 seconds after 10% errors stop", page1h, 0.1, 256800 * time.Millisecond, true},
		{"errors exactly at the rate reset at once", page1h, 0.0144, 0, true},
		{"a tier that never fired has no reset", page1h, 0.01, 0, false},
		// 3600 s x (1 - 0.0144) = 3548.16 s.
		{"a tier without a short window resets on the long one", noShort, 1, 3548160 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.tier.ResetTime(0.999, tt.errorRatio)
			if ok != tt.ok || !nearDuration(got, tt.want, time.Microsecond) {
				t.Errorf("ResetTime(0.999, %v) = %v, %v; want %v, %v", tt.errorRatio, got, ok, tt.want, tt.ok)
			}
		})
	}
}
