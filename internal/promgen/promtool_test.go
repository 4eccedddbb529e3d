package promgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/source/prometheus/promtest"
)

// specsWithPrometheusSLIs are the example and test specs the generator
// accepts: native, Sloth and OpenSLO.
var specsWithPrometheusSLIs = []string{
	"../../examples/checkout.yaml",
	"../../examples/notification-availability.yaml",
	"../../examples/sloth-availability.yaml",
	"../../examples/sloth/notification-availability.yaml",
	"../../examples/openslo/notification-availability.yaml",
	"testdata/shapes.yaml",
}

// writeRules writes the rules and unit tests of spec into a new directory.
func writeRules(t *testing.T, spec string) (dir, rules string, tests []string) {
	t.Helper()
	svcs := load(t, spec)
	f, _, err := Rules(svcs)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(f, FormatPrometheus, Operator{})
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	rules = filepath.Join(dir, "slo.rules.yaml")
	if err := os.WriteFile(rules, out, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tf := range Tests(svcs, "slo.rules.yaml") {
		p := filepath.Join(dir, tf.Name)
		if err := os.WriteFile(p, tf.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, p)
	}
	if len(tests) == 0 {
		t.Fatalf("%s: no unit tests written", spec)
	}
	return dir, rules, tests
}

func TestGeneratedRulesPassPromtoolCheckAndTheirUnitTests(t *testing.T) {
	for _, spec := range specsWithPrometheusSLIs {
		t.Run(filepath.Base(filepath.Dir(spec))+"/"+filepath.Base(spec), func(t *testing.T) {
			t.Parallel()
			_, rules, tests := writeRules(t, spec)
			promtest.CheckRules(t, rules)
			promtest.TestRules(t, tests...)
		})
	}
}

// The unit tests fail when the alerts they test are gone: they test the
// rules, not themselves.
func TestUnitTestsFailWithoutTheAlertRules(t *testing.T) {
	_, rules, tests := writeRules(t, "../../examples/sloth-availability.yaml")
	var f File
	b, _ := os.ReadFile(rules)
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for i := range f.Groups {
		var kept []Rule
		for _, r := range f.Groups[i].Rules {
			if r.Alert == "" {
				kept = append(kept, r)
			}
		}
		f.Groups[i].Rules = kept
	}
	b, _ = yaml.Marshal(f)
	if err := os.WriteFile(rules, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := promtest.TestRulesOutput(t, tests...)
	if err == nil {
		t.Fatalf("promtool test rules passed without the alert rules:\n%s", out)
	}
	if !strings.Contains(out, "SLOBurnRate") {
		t.Errorf("the failure does not name SLOBurnRate:\n%s", out)
	}
}

// The Operator's resources hold rule groups promtool accepts.
func TestPrometheusRuleResourcesHoldValidGroups(t *testing.T) {
	f, _, err := Rules(load(t, "../../examples/checkout.yaml", "../../examples/sloth-availability.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(f, FormatOperator, Operator{})
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var res struct {
			Kind string `yaml:"kind"`
			Spec File   `yaml:"spec"`
		}
		if err := dec.Decode(&res); err != nil {
			break
		}
		n++
		if res.Kind != "PrometheusRule" {
			t.Errorf("resource %d is a %q", n, res.Kind)
		}
		b, _ := yaml.Marshal(res.Spec)
		p := filepath.Join(t.TempDir(), "spec.yaml")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		promtest.CheckRules(t, p)
	}
	if n != 2 {
		t.Errorf("%d resources, want one per service (2)", n)
	}
}
