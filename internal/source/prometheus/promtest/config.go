package promtest

import (
	"fmt"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// Options configure Start. The zero value runs a Prometheus that scrapes
// nothing and evaluates no rules, on an empty TSDB.
type Options struct {
	// ScrapeTargets are host:port addresses scraped at ScrapeInterval
	// under MetricsPath, in one job named "targets". The first scrape
	// comes about 5s after Start: Prometheus 2.42 hands new targets to its
	// scrapers on a fixed 5s tick.
	ScrapeTargets []string
	// ScrapeInterval defaults to 1s, so a test sees samples at once. It is
	// the scrape timeout too.
	ScrapeInterval time.Duration
	// MetricsPath defaults to /metrics.
	MetricsPath string
	// ScrapeConfigs are more entries of scrape_configs, each one YAML
	// mapping such as "job_name: x\nstatic_configs: [{targets: [...]}]".
	ScrapeConfigs []string

	// RuleFiles are referenced where they are, not copied, so a test can
	// change one and Reload. Prometheus resolves globs in them.
	RuleFiles []string
	// EvaluationInterval defaults to 1s: rules over scraped data give
	// results within a second or two.
	EvaluationInterval time.Duration

	// DataDir is the TSDB directory: an existing one is used as it is, to
	// query data written before Start. It defaults to a directory in the
	// test's temporary directory.
	DataDir string

	// Args are more command-line flags, such as
	// "--enable-feature=promql-per-step-stats".
	Args []string
}

func (o Options) defaults() Options {
	if o.ScrapeInterval == 0 {
		o.ScrapeInterval = time.Second
	}
	if o.MetricsPath == "" {
		o.MetricsPath = "/metrics"
	}
	if o.EvaluationInterval == 0 {
		o.EvaluationInterval = time.Second
	}
	return o
}

// config is prometheus.yml for o, built as data so that no target or path
// can break its YAML.
func (o Options) config() ([]byte, error) {
	interval := promDuration(o.ScrapeInterval)
	var scrape []any
	if len(o.ScrapeTargets) > 0 {
		scrape = append(scrape, map[string]any{
			"job_name":       "targets",
			"metrics_path":   o.MetricsPath,
			"static_configs": []any{map[string]any{"targets": o.ScrapeTargets}},
		})
	}
	for i, c := range o.ScrapeConfigs {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(c), &m); err != nil {
			return nil, fmt.Errorf("scrape config %d: %w", i, err)
		}
		scrape = append(scrape, m)
	}
	rules := make([]string, len(o.RuleFiles))
	for i, f := range o.RuleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("rule file %s: %w", f, err)
		}
		rules[i] = abs
	}
	return yaml.Marshal(map[string]any{
		"global": map[string]any{
			"scrape_interval":     interval,
			"scrape_timeout":      interval,
			"evaluation_interval": promDuration(o.EvaluationInterval),
		},
		"rule_files":     rules,
		"scrape_configs": scrape,
	})
}

// promDuration writes d as Prometheus durations are written: "1500ms", "1m".
// Go's "1m0s" is not one of them.
func promDuration(d time.Duration) string {
	switch {
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	default:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
}
