package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/slo-dev/slo/internal/report"
)

const reportSummary = "print a live report from a running server: engineer, product, executive, customer, weekly, sla, tiers or review"

// runReport fetches a report as the server renders it: the figures are
// the server's engine's, so the command needs no spec or data of its own.
// Exit 0 with the report, 2 when the server cannot be reached or refuses
// the request.
func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "KIND [--service S] [--slo N] [--month 2026-10] [--quarter 2026-Q3] [-o text|markdown|json] [--server URL]",
		reportSummary+".\n\nKinds: "+strings.Join(report.Kinds, ", "))
	var rem remote
	rem.register(fs)
	service := fs.String("service", "", "report on this service only")
	name := fs.String("slo", "", "report on the SLOs of this name only")
	month := fs.String("month", "", "the calendar month (UTC) of an sla, executive or customer report, as 2026-10 (default: the current month so far)")
	quarter := fs.String("quarter", "", "the quarter of a review, as 2026-Q3 (default: the current quarter so far)")
	out := fs.String("o", "text", "output: text, markdown or json")
	rest, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	if len(rest) != 1 {
		fs.Usage()
		return usageError("report: give one report kind: %s", strings.Join(report.Kinds, ", "))
	}
	kind := rest[0]
	if !slices.Contains(report.Kinds, kind) {
		return usageError("report: unknown kind %q: want one of %s", kind, strings.Join(report.Kinds, ", "))
	}
	if err := output(*out, "text", "markdown", "json"); err != nil {
		return err
	}
	q := url.Values{"format": {*out}}
	for k, v := range map[string]string{"service": *service, "slo": *name, "month": *month, "quarter": *quarter} {
		if v != "" {
			q.Set(k, v)
		}
	}
	// Checked here too, so that a typo is told before the network is tried.
	if *month != "" {
		if _, err := report.ParseMonth(*month); err != nil {
			return usageError("report: --%v", err)
		}
	}
	if *quarter != "" {
		if _, err := report.ParseQuarter(*quarter); err != nil {
			return usageError("report: --%v", err)
		}
	}
	body, err := rem.do(ctx, "GET", "/api/v1/reports/"+kind, q, nil)
	if err != nil { // unreachable, or refused: exit 2 either way
		return &exitError{exitUsage, fmt.Errorf("report %s: %w", kind, err)}
	}
	_, err = e.stdout.Write(body)
	return err
}
