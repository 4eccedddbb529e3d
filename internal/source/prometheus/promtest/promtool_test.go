package promtest

import (
	"strings"
	"testing"
	"time"
)

func TestCheckRulesPassesAGoodFileAndFailsABrokenOne(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	CheckRules(t, writeFile(t, dir, "good.yml", level1), writeFile(t, dir, "level2.yml", level2))

	broken := writeFile(t, dir, "broken.yml", strings.Replace(level1, "[5m]))", "[5m])", 1))
	out, err := CheckRulesOutput(t, broken)
	if err == nil || !strings.Contains(out, "broken.yml") {
		t.Fatalf("promtool check rules on a broken file: %v\n%s\nwant a failure naming the file", err, out)
	}
}

func TestTestRulesRunsPromtoolsUnitTests(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "rules.yml", level1)
	unit := func(want string) string {
		return `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 15s
    input_series:
      - series: 'http_requests_total{code="500"}'
        values: '0+1x40'
    promql_expr_test:
      - expr: code:http_requests:rate5m
        eval_time: 10m
        exp_samples:
          - labels: 'code:http_requests:rate5m{code="500"}'
            value: ` + want + "\n"
	}
	TestRules(t, writeFile(t, dir, "pass_test.yml", unit("0.06666666666666667")))

	out, err := TestRulesOutput(t, writeFile(t, dir, "fail_test.yml", unit("1")))
	if err == nil || !strings.Contains(out, "FAILED") {
		t.Fatalf("promtool test rules with a wrong expectation: %v\n%s\nwant a failure", err, out)
	}
}

func TestConfigWritesPrometheusDurationsAndAllTargets(t *testing.T) {
	opts := Options{
		ScrapeTargets: []string{"127.0.0.1:9"},
		ScrapeConfigs: []string{"job_name: more\nstatic_configs: [{targets: ['127.0.0.1:10']}]"},
		RuleFiles:     []string{"/r/a.yml"},
	}.defaults()
	opts.EvaluationInterval = 90 * time.Second
	opts.ScrapeInterval = 1500 * time.Millisecond
	b, err := opts.config()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scrape_interval: 1500ms", "evaluation_interval: 90s", "job_name: targets",
		"metrics_path: /metrics", "127.0.0.1:9", "job_name: more", "127.0.0.1:10", "/r/a.yml"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config has no %q:\n%s", want, b)
		}
	}
	if _, err := (Options{ScrapeConfigs: []string{"job_name: [unclosed"}}).config(); err == nil {
		t.Error("a scrape config that is not YAML was accepted")
	}
}
