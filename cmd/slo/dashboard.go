package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/slo-dev/slo/internal/grafana"
)

const dashboardSummary = "write a Grafana dashboard of the SLOs, reading slo rules' recording rules or slo serve's /metrics"

func runDashboard(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "dashboard", "[--flavour rules|serve] [--title TITLE] [-o FILE] FILE...", dashboardSummary)
	flavour := fs.String("flavour", string(grafana.Rules), "which series the dashboard reads: rules (the recording rules of slo rules) or serve (the /metrics of slo serve)")
	var out string
	fs.StringVar(&out, "o", "", "write to this file instead of standard output")
	fs.StringVar(&out, "out", "", "the same as -o")
	title := fs.String("title", "", `the dashboard's title (default "SLOs: " and the services); the uid follows it`)
	files, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	// Check the flavour before reading specs: a typo is a usage error,
	// whatever the specs hold.
	f, err := grafana.ParseFlavour(*flavour)
	if err != nil {
		return usageError("dashboard: %v", err)
	}
	svcs, err := load(e, files)
	if err != nil {
		return err
	}
	d, warnings, err := grafana.Build(svcs, grafana.Config{Flavour: f, Title: *title})
	for _, w := range warnings {
		fmt.Fprintln(e.stderr, "slo dashboard:", w)
	}
	if errors.Is(err, grafana.ErrNoSLO) {
		return invalidError(fmt.Errorf("dashboard: %w", err))
	}
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	b, err := d.JSON()
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	if out != "" {
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
		return nil
	}
	_, err = e.stdout.Write(b)
	return err
}
