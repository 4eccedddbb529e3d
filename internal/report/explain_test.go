package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// guardService is one 99.9% 30-day SLO with a page tier that keeps firing
// for 10m and needs 70 valid events, and a review tier without a guard.
func guardService() *slo.Service {
	return &slo.Service{Name: "api", File: "api.yaml", Objectives: []slo.Objective{{
		Name: "availability", Target: 0.999, Window: slo.RollingWindow(30 * slo.Day),
		SLI: slo.SLI{Kind: slo.SourceEvents},
		Alerting: slo.Alerting{Tiers: []slo.AlertTier{
			{Name: "page", Severity: "critical", Action: "page", BurnRate: 14.4, Long: time.Hour, Short: 5 * time.Minute, KeepFiringFor: 10 * time.Minute, MinValid: 70},
			{Name: "review", Severity: "info", Action: "review", BurnRate: 1, Long: 3 * slo.Day, Short: 6 * time.Hour},
		}},
	}}}
}

func TestExplainTierGuards(t *testing.T) {
	x := Explain([]*slo.Service{guardService()}, 0)
	tiers := x.Services[0].SLOs[0].Tiers
	page, review := tiers[0], tiers[1]
	if page.KeepFiringFor != "10m" || page.MinValidEvents != 70 {
		t.Errorf("page keep_firing_for %q, min_valid_events %v; want 10m and 70", page.KeepFiringFor, page.MinValidEvents)
	}
	if review.KeepFiringFor != "0s" || review.MinValidEvents != 0 {
		t.Errorf("review keep_firing_for %q, min_valid_events %v; want 0s and 0", review.KeepFiringFor, review.MinValidEvents)
	}

	t.Run("the reset time adds keep_firing_for", func(t *testing.T) {
		// At 100% errors the 5m short window falls below 14.4x once
		// 1.44% of it is errors: 5m x (1 - 0.0144) = 295.68s; then 10m more.
		if d := page.Detection[0]; !d.Fires || d.ResetSeconds != 295.68+600 {
			t.Errorf("page at 100%% errors: reset after %vs, want 895.68", d.ResetSeconds)
		}
		// Without keep_firing_for the reset is ResetTime's: 6h x (1 - 0.001).
		if d := review.Detection[0]; d.ResetSeconds != 21578.4 {
			t.Errorf("review at 100%% errors: reset after %vs, want 21578.4", d.ResetSeconds)
		}
		// A tier that never fires has no reset time, keep_firing_for or not.
		if d := page.Detection[2]; d.Fires || d.ResetSeconds != 0 {
			t.Errorf("page at 1%% errors: fires %v, reset %v; want never", d.Fires, d.ResetSeconds)
		}
	})

	t.Run("JSON carries both fields, even at zero", func(t *testing.T) {
		b, err := json.Marshal(review)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{`"keep_firing_for":"0s"`, `"min_valid_events":0`} {
			if !strings.Contains(string(b), f) {
				t.Errorf("JSON lacks %s: %s", f, b)
			}
		}
	})

	t.Run("the text says what each tier's guard does", func(t *testing.T) {
		var b strings.Builder
		if err := x.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"\n    page: keeps firing for 10m after the short window clears (its reset time includes it); fires only with at least 70 valid events in 1h\n",
			"\n    review: fires however few the valid events (no low-traffic guard)\n",
		} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, b.String())
			}
		}
		if strings.Contains(b.String(), "review: keeps firing") {
			t.Errorf("text shows keep firing for a tier without it:\n%s", b.String())
		}
	})
}
