package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const slothExample = "../../examples/sloth/notification-availability.yaml"

func TestRulesWritesRulesAndAPromtoolTestPerSLO(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "slo.rules.yaml")
	r := mustRun(t, exitOK, "rules", "--tests", "-o", out, "../../examples/checkout.yaml")
	if r.stdout != "" {
		t.Errorf("rules -o also wrote to stdout: %q", r.stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "name: slo/checkout/checkout-success") {
		t.Errorf("rules lack the checkout-success group:\n%s", b)
	}
	tests, _ := filepath.Glob(filepath.Join(dir, "*.test.yaml"))
	if len(tests) != 3 {
		t.Fatalf("test files %v, want one per SLO of checkout (3)", tests)
	}
	tb, _ := os.ReadFile(tests[0])
	if !strings.Contains(string(tb), "- slo.rules.yaml") {
		t.Errorf("%s does not load the rule file by its name:\n%s", tests[0], tb)
	}
}

func TestRulesReadsSlothSpecs(t *testing.T) {
	r := mustRun(t, exitOK, "rules", slothExample)
	for _, want := range []string{"record: slo:events_bad:increase5m", "alert: SLOBurnRate", "alert_name: NotificationGatewayHighErrorRate", "routing_key: platform-team"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("rules from the Sloth example lack %q", want)
		}
	}
}

func TestRulesForThePrometheusOperator(t *testing.T) {
	r := mustRun(t, exitOK, "rules", "--format", "prometheus-operator", "--namespace", "monitoring", "--label", "release=prometheus", slothExample)
	for _, want := range []string{"kind: PrometheusRule", "namespace: monitoring", "release: prometheus", "name: slo-notification-gateway"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("PrometheusRule lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestRulesRefusesBadUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"an unknown format", []string{"rules", "--format", "thanos", slothExample}, exitUsage, "--format"},
		{"tests without -o", []string{"rules", "--tests", slothExample}, exitUsage, "--tests needs -o"},
		{"a bad resource label", []string{"rules", "--label", "release", slothExample}, exitUsage, "KEY=VALUE"},
		{"SLOs that Prometheus does not measure", []string{"rules", platform}, exitInvalid, "no SLO with a prometheus SLI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRun(t, tc.code, tc.args...)
			if msg := r.stderr + r.err.Error(); !strings.Contains(msg, tc.want) {
				t.Errorf("error %q lacks %q", msg, tc.want)
			}
		})
	}
}
