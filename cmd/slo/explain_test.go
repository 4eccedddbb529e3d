package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// The parts of explain -o json these tests read.
type explanation struct {
	Services []struct {
		Service string `json:"service"`
		File    string `json:"file"`
		SLOs    []struct {
			Name   string `json:"name"`
			Budget struct {
				Ratio   float64  `json:"ratio"`
				Minutes float64  `json:"minutes"`
				Events  *float64 `json:"events"`
			} `json:"error_budget"`
			Exhaustion []struct {
				BurnRate float64 `json:"burn_rate"`
				Minutes  float64 `json:"minutes"`
			} `json:"exhaustion"`
			Tiers []struct {
				Name           string   `json:"name"`
				BurnRate       float64  `json:"burn_rate"`
				LongWindow     string   `json:"long_window"`
				ShortWindow    string   `json:"short_window"`
				KeepFiringFor  *string  `json:"keep_firing_for"`
				MinValidEvents *float64 `json:"min_valid_events"`
				Detection      []struct {
					ErrorRatio         float64 `json:"error_ratio"`
					Fires              bool    `json:"fires"`
					Seconds            float64 `json:"detection_seconds"`
					BudgetSpentPercent float64 `json:"budget_spent_percent"`
					ResetSeconds       float64 `json:"reset_seconds"`
				} `json:"detection"`
			} `json:"alert_tiers"`
			Ceiling *struct {
				Percent      float64 `json:"percent"`
				AboveCeiling bool    `json:"slo_above_ceiling"`
			} `json:"dependency_ceiling"`
		} `json:"slos"`
		SLA *struct {
			SLO             string  `json:"slo"`
			BudgetMinutes   float64 `json:"budget_minutes"`
			HeadroomPercent float64 `json:"headroom_percent"`
		} `json:"sla"`
	} `json:"services"`
}

func decodeExplanation(t *testing.T, args ...string) explanation {
	t.Helper()
	r := mustRun(t, exitOK, args...)
	var x explanation
	if err := json.Unmarshal([]byte(r.stdout), &x); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(x.Services) != 1 {
		t.Fatalf("%d services, want 1", len(x.Services))
	}
	return x
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestExplainJSONOfThePlatform(t *testing.T) {
	// The flag comes after the file.
	x := decodeExplanation(t, "explain", platform, "-o", "json")
	s := x.Services[0]
	if s.Service != "notification-platform" || s.File != platform {
		t.Fatalf("service %q from %q", s.Service, s.File)
	}
	if len(s.SLOs) == 0 || s.SLOs[0].Name != "availability" {
		t.Fatalf("the first SLO is not availability: %+v", s.SLOs)
	}
	a := s.SLOs[0]

	t.Run("99.9% over 30 days is a 43.2 minute budget", func(t *testing.T) {
		if a.Budget.Minutes != 43.2 || a.Budget.Ratio != 0.001 {
			t.Errorf("budget = %v minutes, ratio %v; want 43.2, 0.001", a.Budget.Minutes, a.Budget.Ratio)
		}
		if a.Budget.Events != nil {
			t.Errorf("events = %v without --traffic, want none", *a.Budget.Events)
		}
	})

	t.Run("a full budget lasts 30, 15 and 3 days and 43.2 minutes", func(t *testing.T) {
		want := map[float64]float64{1: 30 * 24 * 60, 2: 15 * 24 * 60, 10: 3 * 24 * 60, 1000: 43.2}
		seen := 0
		for _, e := range a.Exhaustion {
			if w, ok := want[e.BurnRate]; ok {
				seen++
				if !near(e.Minutes, w) {
					t.Errorf("at %vx: %v minutes, want %v", e.BurnRate, e.Minutes, w)
				}
			}
		}
		if seen != len(want) {
			t.Errorf("exhaustion covers %d of the burn rates 1, 2, 10, 1000: %+v", seen, a.Exhaustion)
		}
	})

	type detection struct {
		ratio   float64
		fires   bool
		seconds float64
	}
	tiers := []struct {
		name        string
		tier        string
		burn        float64
		long, short string
		spent       float64
		detections  []detection
	}{
		{"the page tier fires in 51.84s at 100% errors and never at 1%", "page", 14.4, "1h", "5m", 2,
			[]detection{{1, true, 51.84}, {0.1, true, 518.4}, {0.01, false, 0}}},
		{"the business hours tier fires in 129.6s, 1296s and 12960s", "page_business_hours", 6, "6h", "30m", 5,
			[]detection{{1, true, 129.6}, {0.1, true, 1296}, {0.01, true, 12960}}},
	}
	for _, tt := range tiers {
		t.Run(tt.name, func(t *testing.T) {
			i := -1
			for j := range a.Tiers {
				if a.Tiers[j].Name == tt.tier {
					i = j
				}
			}
			if i < 0 {
				t.Fatalf("no tier %s", tt.tier)
			}
			tier := a.Tiers[i]
			if tier.BurnRate != tt.burn || tier.LongWindow != tt.long || tier.ShortWindow != tt.short {
				t.Errorf("tier = %vx over %s/%s, want %vx over %s/%s", tier.BurnRate, tier.LongWindow, tier.ShortWindow, tt.burn, tt.long, tt.short)
			}
			for _, w := range tt.detections {
				found := false
				for _, d := range tier.Detection {
					if d.ErrorRatio != w.ratio {
						continue
					}
					found = true
					if d.Fires != w.fires || !near(d.Seconds, w.seconds) {
						t.Errorf("at %v%% errors: fires %v after %vs, want %v after %vs", w.ratio*100, d.Fires, d.Seconds, w.fires, w.seconds)
					}
					if w.fires && !near(d.BudgetSpentPercent, tt.spent) {
						t.Errorf("at %v%% errors: %v%% of the budget spent at detection, want %v%%", w.ratio*100, d.BudgetSpentPercent, tt.spent)
					}
				}
				if !found {
					t.Errorf("no detection at %v%% errors", w.ratio*100)
				}
			}
		})
	}

	t.Run("the hard dependencies cap availability at 99.83%, below its SLO", func(t *testing.T) {
		c := a.Ceiling
		if c == nil {
			t.Fatal("no dependency ceiling")
		}
		// 99.99% x 99.99% x 99.95% x 99.9% = 99.8300810%.
		if math.Round(c.Percent*100)/100 != 99.83 || math.Abs(c.Percent-99.830081) > 1e-6 {
			t.Errorf("ceiling = %v%%, want 99.830081 (99.83)", c.Percent)
		}
		if !c.AboveCeiling {
			t.Error("slo_above_ceiling = false, want true: 99.9 > 99.83")
		}
		for _, o := range s.SLOs[1:] {
			if o.Ceiling != nil {
				t.Errorf("SLO %s has a ceiling; only availability has hard dependencies", o.Name)
			}
		}
	})

	t.Run("the SLA keeps 0.4 points of headroom", func(t *testing.T) {
		if s.SLA == nil {
			t.Fatal("no SLA")
		}
		if s.SLA.SLO != "availability" || !near(s.SLA.HeadroomPercent, 0.4) || !near(s.SLA.BudgetMinutes, 216) {
			t.Errorf("SLA = %+v, want availability, 0.4 points, 216 minutes", *s.SLA)
		}
	})
}

func TestExplainTraffic(t *testing.T) {
	x := decodeExplanation(t, "explain", "-o", "json", "--traffic", "1000", platform)
	a := x.Services[0].SLOs[0]
	// 0.001 x 1000/s x 30 x 86400 s.
	if a.Budget.Events == nil || *a.Budget.Events != 2592000 {
		t.Fatalf("events = %v, want 2592000", a.Budget.Events)
	}
	r := mustRun(t, exitOK, "explain", platform, "--traffic", "1000")
	if !strings.Contains(r.stdout, "2592000 bad events at 1000 valid events/s") {
		t.Errorf("text lacks the budget in events:\n%s", r.stdout)
	}
}

func TestExplainText(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		has, lacks []string
	}{
		{"the ceiling line shows 99.83% and warns", []string{"explain", platform},
			[]string{"Dependency ceiling: 99.83% (", "; the SLO is above it", "SLO availability: 99.9% over 30d",
				"0.1% = 43.2 minutes of full outage per 30d", "43.2m at 1000x", "SLA: 99.5% per calendar month",
				"0.4 points (172.8 minutes) of headroom"},
			nil},
		{"--slo latency shows only that SLO", []string{"explain", platform, "--slo", "latency"},
			[]string{"SLO latency: 99% over 30d", "1% = 432 minutes"},
			[]string{"SLO availability", "SLO delivery", "SLO correctness", "Dependency ceiling", "SLA:"}},
		{"--slo availability keeps the SLA it measures", []string{"explain", "--slo", "availability", platform},
			[]string{"SLO availability", "0.4 points (172.8 minutes) of headroom"},
			[]string{"SLO latency", "SLO delivery"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRun(t, exitOK, tt.args...)
			for _, s := range tt.has {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output lacks %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(r.stdout, s) {
					t.Errorf("output has %q:\n%s", s, r.stdout)
				}
			}
		})
	}
}

func TestExplainPageTierLine(t *testing.T) {
	r := mustRun(t, exitOK, "explain", platform, "--slo", "availability")
	for _, l := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != "page" {
			continue
		}
		line := strings.Join(f, " ")
		want := "page critical 14.4x 1h 5m 1.44% 51.84s (2%) 8.64m (2%) never"
		if line != want {
			t.Errorf("page tier line = %q, want %q", line, want)
		}
		return
	}
	t.Errorf("no page tier line:\n%s", r.stdout)
}

// The default tiers of a 99.9% 30-day SLO have the auto low-traffic guard,
// floor(1 / (burn rate x 0.001)) + 1 valid events in the long window, and
// resolve as soon as their condition clears.
func TestExplainDefaultTierGuards(t *testing.T) {
	x := decodeExplanation(t, "explain", "-o", "json", "--slo", "availability", platform)
	want := map[string]float64{"page": 70, "page_business_hours": 167, "ticket": 334, "review": 1001}
	tiers := x.Services[0].SLOs[0].Tiers
	if len(tiers) != len(want) {
		t.Fatalf("%d tiers, want %d", len(tiers), len(want))
	}
	for _, tier := range tiers {
		if tier.MinValidEvents == nil || *tier.MinValidEvents != want[tier.Name] {
			t.Errorf("tier %s: min_valid_events %v, want %v", tier.Name, tier.MinValidEvents, want[tier.Name])
		}
		if tier.KeepFiringFor == nil || *tier.KeepFiringFor != "0s" {
			t.Errorf("tier %s: keep_firing_for %v, want 0s", tier.Name, tier.KeepFiringFor)
		}
	}
	r := mustRun(t, exitOK, "explain", platform, "--slo", "availability")
	for _, l := range []string{
		"    page: fires only with at least 70 valid events in 1h\n",
		"    page_business_hours: fires only with at least 167 valid events in 6h\n",
		"    ticket: fires only with at least 334 valid events in 1d\n",
		"    review: fires only with at least 1001 valid events in 3d\n",
	} {
		if !strings.Contains(r.stdout, l) {
			t.Errorf("output lacks %q:\n%s", l, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "keeps firing") {
		t.Errorf("output shows keep firing for tiers without it:\n%s", r.stdout)
	}
}

// keepFiring is a spec whose page tier keeps firing for 10m and whose quiet
// tier turns the low-traffic guard off.
const keepFiring = `apiVersion: slo/v1
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        stream: api
    alerting:
      keep_firing_for: 10m
      tiers:
        - {name: page, severity: critical, budget_percent: 2, long_window: 1h, short_window: 5m}
        - {name: quiet, severity: info, burn_rate: 1, long_window: 3d, short_window: 6h, min_valid_events: 0, keep_firing_for: 0s}
`

func TestExplainKeepFiringFor(t *testing.T) {
	f := writeFile(t, "keep.yaml", keepFiring)
	x := decodeExplanation(t, "explain", "-o", "json", f)
	tiers := x.Services[0].SLOs[0].Tiers
	page, quiet := tiers[0], tiers[1]
	if *page.KeepFiringFor != "10m" || *page.MinValidEvents != 70 || *quiet.KeepFiringFor != "0s" || *quiet.MinValidEvents != 0 {
		t.Errorf("page %s/%v, quiet %s/%v; want 10m/70 and 0s/0", *page.KeepFiringFor, *page.MinValidEvents, *quiet.KeepFiringFor, *quiet.MinValidEvents)
	}
	// 5m x (1 - 0.0144) until the short window clears at 100% errors, and
	// 10m more.
	if d := page.Detection[0]; !near(d.ResetSeconds, 295.68+600) {
		t.Errorf("page resets after %vs at 100%% errors, want 895.68", d.ResetSeconds)
	}
	r := mustRun(t, exitOK, "explain", f)
	for _, l := range []string{
		"    page: keeps firing for 10m after the short window clears (its reset time includes it); fires only with at least 70 valid events in 1h\n",
		"    quiet: fires however few the valid events (no low-traffic guard)\n",
	} {
		if !strings.Contains(r.stdout, l) {
			t.Errorf("output lacks %q:\n%s", l, r.stdout)
		}
	}
}

func TestValidateTierGuardMistakes(t *testing.T) {
	spec := strings.NewReplacer("keep_firing_for: 10m", "keep_firing_for: -10m", "min_valid_events: 0,", "min_valid_events: lots,").Replace(keepFiring)
	f := writeFile(t, "bad.yaml", spec)
	r := run(t, "", "validate", f)
	if r.code != exitInvalid {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitInvalid, r.stderr)
	}
	for _, want := range []string{
		f + ":10:24: slos[0].alerting.keep_firing_for: keep_firing_for -10m is negative: it must be 0s or more",
		f + `:13:108: slos[0].alerting.tiers[1].min_valid_events: want a number of valid events or auto, found "lots"`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestExplainUnknownSLO(t *testing.T) {
	r := mustRun(t, exitUsage, "explain", platform, "--slo", "nope")
	if r.stdout != "" || !strings.Contains(r.err.Error(), `"nope"`) {
		t.Errorf("stdout %q, error %v; want nothing and the name", r.stdout, r.err)
	}
}
