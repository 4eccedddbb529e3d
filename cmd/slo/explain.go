package main

import (
	"context"
	"encoding/json"

	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/slo"
)

const explainSummary = "show what a spec means: budgets, alert tiers and their detection times, dependency ceilings, SLA headroom"

func runExplain(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "explain", "[-o text|json] [--traffic RATE] [--slo NAME] FILE...", explainSummary)
	out := fs.String("o", "text", "output: text or json")
	traffic := fs.Float64("traffic", 0, "valid events per second, to express budgets in events")
	only := fs.String("slo", "", "explain only the SLO with this name")
	files, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	if err := output(*out, "text", "json"); err != nil {
		return err
	}
	if *traffic < 0 {
		return usageError("explain: --traffic must not be negative")
	}
	svcs, err := load(e, files)
	if err != nil {
		return err
	}
	if *only != "" {
		if svcs, err = pick(svcs, *only); err != nil {
			return err
		}
	}
	x := report.Explain(svcs, *traffic)
	if *out == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	}
	return x.WriteText(e.stdout)
}

// pick keeps only the objectives named name, failing when there is none.
func pick(svcs []*slo.Service, name string) ([]*slo.Service, error) {
	var out []*slo.Service
	for _, s := range svcs {
		if o, ok := s.Objective(name); ok {
			c := *s
			c.Objectives = []slo.Objective{*o}
			if c.SLA != nil && c.SLA.SLO != name { // the SLA's SLO is not shown: its headroom would read 0
				c.SLA = nil
			}
			out = append(out, &c)
		}
	}
	if len(out) == 0 {
		return nil, usageError("no SLO named %q in the specs given", name)
	}
	return out, nil
}
