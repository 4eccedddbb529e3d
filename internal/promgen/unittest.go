package promgen

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
)

// TestFile is a promtool unit-test file (promtool test rules).
type TestFile struct {
	Name string
	Data []byte
}

// The promtool unit-test format, as far as these tests use it.
type unitFile struct {
	RuleFiles          []string   `yaml:"rule_files"`
	EvaluationInterval string     `yaml:"evaluation_interval"`
	Tests              []unitTest `yaml:"tests"`
}

type unitTest struct {
	Name        string      `yaml:"name"`
	Interval    string      `yaml:"interval"`
	InputSeries []inputDef  `yaml:"input_series"`
	AlertTests  []alertTest `yaml:"alert_rule_test"`
}

type inputDef struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTest struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type expAlert struct {
	Labels      map[string]string `yaml:"exp_labels,omitempty"`
	Annotations map[string]string `yaml:"exp_annotations,omitempty"`
}

// Tests writes a promtool unit-test file for every objective Rules writes
// rules for, loading ruleFile: healthy traffic spending the budget at half
// the slowest tier's burn rate raises no alert for hours; an outage (every
// request failing after ten good minutes) fires every tier that can fire at
// that error ratio, and the budget alerts.
func Tests(svcs []*slo.Service, ruleFile string) []TestFile {
	var out []TestFile
	for _, svc := range svcs {
		for i := range svc.Objectives {
			o := &svc.Objectives[i]
			if o.SLI.Kind != slo.SourcePrometheus {
				continue
			}
			if _, err := promsli.For(o.SLI.Prometheus, promsli.Step); err != nil {
				continue // Rules refuses it
			}
			f := unitFile{RuleFiles: []string{ruleFile}, EvaluationInterval: promsli.Range(promsli.Every),
				Tests: []unitTest{healthyTest(o), outageTest(o)}}
			var buf strings.Builder
			buf.WriteString("# Written by slo rules --tests; run with: promtool test rules " + testName(o) + "\n")
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			_ = enc.Encode(f) // a struct of strings and maps always encodes
			out = append(out, TestFile{Name: testName(o), Data: []byte(buf.String())})
		}
	}
	return out
}

func testName(o *slo.Objective) string {
	clean := func(s string) string { return notDNS.ReplaceAllString(strings.ToLower(s), "-") }
	return clean(o.Service) + "." + clean(o.Name) + ".test.yaml"
}

// traffic is events per minute, and the share of them that fail, for a
// number of minutes.
type traffic struct {
	minutes   int
	perMinute float64
	badShare  float64
}

// rate is the valid events a minute of the tests: enough that the five
// minutes of the shortest window pass any low-traffic guard of the tiers.
func rate(o *slo.Objective) float64 {
	r := 1000.0
	for _, t := range o.Alerting.Tiers {
		r = max(r, t.MinValid)
	}
	return r
}

// healthyTest spends the budget at half the slowest tier's burn rate (at
// most 0.2x, a fifth of the rate that spends it over the window) for six
// hours: no tier fires, and no
// budget alert that this much budget left does not call for.
func healthyTest(o *slo.Objective) unitTest {
	burn := 0.2
	for _, t := range o.Alerting.Tiers {
		burn = min(burn, t.BurnRate/2)
	}
	share := burn * o.BudgetRatio()
	minutes := 6 * 60
	ut := unitTest{
		Name:        fmt.Sprintf("%s: healthy traffic spending the budget at %gx raises no alert", o.Key(), round(burn)),
		Interval:    promsli.Range(promsli.Every),
		InputSeries: inputs(o, []traffic{{minutes, rate(o), share}}),
	}
	remaining := 1 - burn
	for _, at := range []time.Duration{time.Hour, 3 * time.Hour, time.Duration(minutes) * time.Minute} {
		ut.AlertTests = append(ut.AlertTests, alertTest{EvalTime: promsli.Range(at), Alertname: BurnRateAlert, ExpAlerts: []expAlert{}})
		ut.AlertTests = append(ut.AlertTests, alertTest{EvalTime: promsli.Range(at), Alertname: BudgetAlert, ExpAlerts: budgetFiring(o, remaining)})
	}
	return ut
}

// outageTest has ten good minutes, then every request failing for an hour
// and the longest for of the tiers: at the end, the error ratio is above
// 6/7 over every window, and every tier whose threshold is below 0.8 (a
// 14.4x tier for objectives up to 94.4%) is firing.
func outageTest(o *slo.Objective) unitTest {
	var longest time.Duration
	for _, t := range o.Alerting.Tiers {
		longest = max(longest, t.For)
	}
	good := 10
	bad := 60 + int((longest+promsli.Every-1)/promsli.Every) + 10
	end := time.Duration(good+bad) * time.Minute
	ut := unitTest{
		Name:        fmt.Sprintf("%s: every request failing for %dm after %dm of good ones fires the tiers", o.Key(), bad, good),
		Interval:    promsli.Range(promsli.Every),
		InputSeries: inputs(o, []traffic{{good, rate(o), 0}, {bad, rate(o), 1}}),
	}
	quiet := alertTest{EvalTime: promsli.Range(time.Duration(good) * time.Minute), Alertname: BurnRateAlert, ExpAlerts: []expAlert{}}
	firing := alertTest{EvalTime: promsli.Range(end), Alertname: BurnRateAlert, ExpAlerts: []expAlert{}}
	if !o.Alerting.Disabled {
		b := builder{o: o}
		for _, t := range o.Alerting.Tiers {
			if t.BurnRate*o.BudgetRatio() < 0.8 {
				r := b.tierAlert(t)
				firing.ExpAlerts = append(firing.ExpAlerts, expAlert{Labels: r.Labels, Annotations: r.Annotations})
			}
		}
	}
	ut.AlertTests = []alertTest{quiet, firing, {EvalTime: promsli.Range(end), Alertname: BudgetAlert, ExpAlerts: budgetFiring(o, 1-6.0/7/o.BudgetRatio())}}
	return ut
}

// budgetFiring lists the budget alerts firing with remaining of the budget
// left.
func budgetFiring(o *slo.Objective, remaining float64) []expAlert {
	out := []expAlert{}
	if o.Alerting.Disabled {
		return out
	}
	b := builder{o: o}
	for _, ba := range o.Alerting.BudgetAlerts {
		r, ok := b.budgetAlert(ba)
		if ok && remaining <= b.budgetLimit(ba) {
			out = append(out, expAlert{Labels: r.Labels, Annotations: r.Annotations})
		}
	}
	return out
}
