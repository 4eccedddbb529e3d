package spec

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

// guards lists each tier of an SLO as name:min_valid/keep_firing_for.
func guards(a slo.Alerting) string {
	var out []string
	for _, t := range a.Tiers {
		out = append(out, fmt.Sprintf("%s:%v/%s", t.Name, t.MinValid, slo.FormatDuration(t.KeepFiringFor)))
	}
	return strings.Join(out, " ")
}

func parseAlerting(t *testing.T, text string) slo.Alerting {
	t.Helper()
	svcs, errs := Parse("api.yaml", []byte(text))
	if len(errs) > 0 {
		t.Fatalf("unexpected problems:\n%v\nspec:\n%s", errs, text)
	}
	return svcs[0].Objectives[0].Alerting
}

func TestAutoMinValid(t *testing.T) {
	for _, c := range []struct {
		name             string
		burnRate, target float64
		want             float64
	}{
		{"99.9% at 14.4x is 70 events an hour", 14.4, 0.999, 70},
		{"99.9% at 6x is 167", 6, 0.999, 167},
		{"99.9% at 3x is 334", 3, 0.999, 334},
		// 1/(1 x 0.001) is exactly 1000, where one bad event is a burn rate
		// of exactly 1, which fires: one more event is needed.
		{"99.9% at 1x is 1001, not 1000", 1, 0.999, 1001},
		{"99% at 14.4x is 7", 14.4, 0.99, 7},
		{"99.99% at 14.4x is 695", 14.4, 0.9999, 695},
		{"a tier that can never fire still needs one event", 2000, 0.999, 1},
		{"a 100% objective turns it off", 14.4, 1, 0},
		{"a zero burn rate turns it off", 0, 0.999, 0},
		{"a negative burn rate turns it off", -1, 0.999, 0},
		{"a burn rate too small to compute with turns it off", 1e-320, 0.999, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := autoMinValid(c.burnRate, c.target); got != c.want {
				t.Errorf("autoMinValid(%v, %v) = %v, want %v", c.burnRate, c.target, got, c.want)
			}
		})
	}
	// Whatever the figures, one bad event among N is below the burn rate
	// and one among N-1 is at or above it.
	for _, target := range []float64{0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999} {
		for _, burn := range []float64{0.5, 1, 2, 3, 6, 10, 13.44, 14.4, 36} {
			n := autoMinValid(burn, target)
			budget := round(1 - target)
			if rate := 1 / n / budget; rate >= burn*(1-1e-9) {
				t.Errorf("%vx at %v: one bad event among %v is a burn rate of %v, not below it", burn, target, n, rate)
			}
			if n > 1 {
				if rate := 1 / (n - 1) / budget; rate < burn*(1-1e-9) {
					t.Errorf("%vx at %v: one bad event among %v is a burn rate of %v, below it: %v is not the smallest", burn, target, n-1, rate, n)
				}
			}
		}
	}
}

func TestDefaultTiersGetTheAutoGuardAndNoKeepFiring(t *testing.T) {
	if g := defaults.Alerting.MinValidEvents; g == nil || !g.Auto {
		t.Errorf("defaults min_valid_events = %+v, want auto", g)
	}
	if k := defaults.Alerting.KeepFiringFor; k == nil || *k != 0 {
		t.Errorf("defaults keep_firing_for = %v, want 0s", k)
	}
	a := parseAlerting(t, base)
	if got, want := guards(a), "page:70/0s page_business_hours:167/0s ticket:334/0s review:1001/0s"; got != want {
		t.Errorf("99.9%% over 30d: %s, want %s", got, want)
	}
	// A 28-day window scales the tiers given as budget shares, and auto
	// follows the burn rate: 13.44x at 99.9% needs 75 events.
	a = parseAlerting(t, strings.Replace(base, "objective: 99.9", "objective: 99.9\n    window: 28d", 1))
	if a.Tiers[0].MinValid != 75 {
		t.Errorf("99.9%% over 28d: page tier needs %v events, want 75 at %vx", a.Tiers[0].MinValid, a.Tiers[0].BurnRate)
	}
}

func TestTierDefaultsMergeSLOOverServiceOverDefaults(t *testing.T) {
	service := func(alerting string) string {
		return strings.Replace(base, "slos:\n", "alerting:\n"+alerting+"slos:\n", 1)
	}
	for _, c := range []struct {
		name, spec, want string
	}{
		{"an explicit 0 on the SLO turns the guard off", base + "    alerting:\n      min_valid_events: 0\n",
			"page:0/0s page_business_hours:0/0s ticket:0/0s review:0/0s"},
		{"the service's values apply to the default tiers", service("  min_valid_events: 50\n  keep_firing_for: 10m\n"),
			"page:50/10m page_business_hours:50/10m ticket:50/10m review:50/10m"},
		{"the SLO's beat the service's, field by field", service("  min_valid_events: 50\n  keep_firing_for: 10m\n") + "    alerting:\n      min_valid_events: auto\n",
			"page:70/10m page_business_hours:167/10m ticket:334/10m review:1001/10m"},
		{"an SLO's 0s undoes the service's keep_firing_for", service("  keep_firing_for: 10m\n") + "    alerting:\n      keep_firing_for: 0s\n",
			"page:70/0s page_business_hours:167/0s ticket:334/0s review:1001/0s"},
		{"a tier's own values beat every level", service("  min_valid_events: 50\n  keep_firing_for: 10m\n") + `    alerting:
      min_valid_events: 20
      tiers:
        - {name: fast, severity: critical, burn_rate: 14.4, long_window: 1h, short_window: 5m, min_valid_events: 0, keep_firing_for: 15m}
        - {name: slow, severity: info, burn_rate: 1, long_window: 3d, short_window: 6h, min_valid_events: auto}
        - {name: other, severity: info, burn_rate: 3, long_window: 1d, short_window: 2h}
`, "fast:0/15m slow:1001/10m other:20/10m"},
		{"the service's tiers take the SLO's values", service("  tiers:\n    - {name: fast, severity: critical, budget_percent: 2, long_window: 1h, short_window: 5m}\n") + "    alerting:\n      keep_firing_for: 1m30s\n",
			"fast:70/1m30s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := guards(parseAlerting(t, c.spec)); got != c.want {
				t.Errorf("tiers %s, want %s", got, c.want)
			}
		})
	}
}

// Sloth has no low-traffic guard or keep-firing time: its tiers get the
// defaults'.
func TestSlothTiersGetTheDefaultGuards(t *testing.T) {
	svcs, errs := Parse("s.yaml", []byte(slothHead))
	if len(errs) > 0 {
		t.Fatalf("Parse:\n%v", errs)
	}
	if got, want := guards(svcs[0].Objectives[0].Alerting), "page:70/0s page_business_hours:167/0s ticket:334/0s review:1001/0s"; got != want {
		t.Errorf("tiers %s, want %s", got, want)
	}
}

// The conversion writes keep_firing_for and min_valid_events only where
// they differ from the defaults, once at the alerting level when every tier
// shares them, and what it writes loads back as the same service.
func TestConvertWritesTheGuardsThatDifferFromTheDefaults(t *testing.T) {
	for _, c := range []struct {
		name, spec string
		has, lacks []string
	}{
		{"the defaults write nothing", base, nil, []string{"min_valid_events", "keep_firing_for", "tiers:"}},
		{"an SLO's own values are written at the alerting level", base + "    alerting:\n      min_valid_events: 0\n      keep_firing_for: 5m\n",
			[]string{"alerting:\nkeep_firing_for: 5m\nmin_valid_events: 0\n"}, []string{"tiers:"}},
		{"auto given explicitly is the default", base + "    alerting:\n      min_valid_events: auto\n", nil, []string{"min_valid_events", "alerting"}},
		{"a value of one default tier writes the tiers whole", base + "    alerting:\n      tiers:\n" +
			"        - {name: page, severity: critical, action: page, budget_percent: 2, long_window: 1h, short_window: 5m, keep_firing_for: 10m, min_valid_events: 100}\n" +
			"        - {name: page_business_hours, severity: warning, action: page_business_hours, budget_percent: 5, long_window: 6h, short_window: 30m}\n" +
			"        - {name: ticket, severity: info, action: ticket, budget_percent: 10, long_window: 1d, short_window: 2h, min_valid_events: auto}\n" +
			"        - {name: review, severity: info, action: review, budget_percent: 10, long_window: 3d, short_window: 6h, min_valid_events: 1001}\n",
			[]string{"short_window: 5m\nkeep_firing_for: 10m\nmin_valid_events: 100\n", "short_window: 30m\n- name: ticket", "short_window: 2h\n- name: review", "short_window: 6h\n"},
			[]string{"min_valid_events: auto", "min_valid_events: 1001"}},
		{"a custom tier writes a guard off as 0", base + "    alerting:\n      tiers: [{name: fast, severity: critical, burn_rate: 10, long_window: 2h, short_window: 10m, min_valid_events: 0}]\n",
			[]string{"short_window: 10m\nmin_valid_events: 0\n"}, []string{"keep_firing_for"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			svcs, errs := Parse("api.yaml", []byte(c.spec))
			if len(errs) > 0 {
				t.Fatalf("unexpected problems:\n%v", errs)
			}
			out, err := yaml.Marshal(Native(svcs[0]))
			if err != nil {
				t.Fatal(err)
			}
			// The checks read the lines without their indentation.
			lines := strings.Split(string(out), "\n")
			for i, l := range lines {
				lines[i] = strings.TrimLeft(l, " ")
			}
			flat := strings.Join(lines, "\n")
			for _, s := range c.has {
				if !strings.Contains(flat, s) {
					t.Errorf("converted spec lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.lacks {
				if strings.Contains(string(out), s) {
					t.Errorf("converted spec has %q:\n%s", s, out)
				}
			}
			again, errs := Parse("api.yaml", out)
			if len(errs) > 0 {
				t.Fatalf("converted spec does not load:\n%v\n%s", errs, out)
			}
			if d := diff(reflect.ValueOf(*comparable(again[0])), reflect.ValueOf(*comparable(svcs[0])), "service"); d != "" {
				t.Errorf("the converted spec loads as another service: %s\n%s", d, out)
			}
			if got, want := guards(again[0].Objectives[0].Alerting), guards(svcs[0].Objectives[0].Alerting); got != want {
				t.Errorf("tiers %s once converted, want %s", got, want)
			}
		})
	}
}
