package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Data is what live reports read of the engine: its evaluations now, and
// the counts and history behind them.
type Data interface {
	Services() []slo.Service
	Evaluation(id slo.Series) (engine.Evaluation, bool)
	Customers(key string) []string
	Counts(ctx context.Context, key string, from, to time.Time) ([]store.Total, error)
	Count(ctx context.Context, id slo.Series, from, to time.Time) (store.Total, bool, error)
	History(ctx context.Context, id slo.Series, from, to time.Time, step time.Duration) ([]engine.Point, error)
}

// Records is what live reports read of the store beside counts.
type Records interface {
	Annotations(ctx context.Context, service string, from, to time.Time) ([]store.Annotation, error)
	Alerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error)
}

// Source is where a live report's figures come from.
type Source struct {
	Data    Data
	Records Records
}

// Request selects what a live report covers. Periods are calendar periods
// in UTC.
type Request struct {
	// Service and SLO narrow the report; empty for every one.
	Service, SLO string
	// Month is the first instant of the month an SLA report settles; zero
	// for the month holding Now.
	Month time.Time
	// Quarter is the first instant of the quarter a review covers; zero for
	// the quarter holding Now, so far.
	Quarter time.Time
	// Now is the time the report is made at.
	Now time.Time
}

// Report is a live report, written as text or Markdown; JSON is the
// report's value encoded as is.
type Report interface {
	Text(w io.Writer) error
	Markdown(w io.Writer) error
}

// Kinds are the live reports, in the order help lists them.
var Kinds = []string{"engineer", "product", "executive", "customer", "weekly", "sla", "tiers", "review"}

// Build makes the live report of the kind named.
func Build(ctx context.Context, src Source, kind string, req Request) (Report, error) {
	build := map[string]func(context.Context, Source, Request) (Report, error){
		"engineer":  buildEngineer,
		"product":   buildProduct,
		"executive": buildExecutive,
		"customer":  buildCustomer,
		"weekly":    buildWeekly,
		"sla":       buildSLA,
		"tiers":     buildTiers,
		"review":    buildReview,
	}[kind]
	if build == nil {
		return nil, fmt.Errorf("unknown report %q: want one of %v", kind, Kinds)
	}
	return build(ctx, src, req)
}

// Write writes r in format: text, markdown or json.
func Write(w io.Writer, r Report, format string) error {
	switch format {
	case "", "text":
		return r.Text(w)
	case "markdown", "md":
		return r.Markdown(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return fmt.Errorf("unknown format %q: want text, markdown or json", format)
}

// ParseMonth reads a month as 2026-10, giving its first instant in UTC.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("month %q: want YYYY-MM, such as 2026-10", s)
	}
	return t, nil
}

// ParseQuarter reads a quarter as 2026-Q3, giving its first instant in UTC.
func ParseQuarter(s string) (time.Time, error) {
	var y, q int
	if n, err := fmt.Sscanf(s, "%4d-Q%1d", &y, &q); err != nil || n != 2 || q < 1 || q > 4 || len(s) != 7 {
		return time.Time{}, fmt.Errorf("quarter %q: want YYYY-QN, such as 2026-Q3", s)
	}
	return time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC), nil
}
