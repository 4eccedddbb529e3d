package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slo-dev/slo/internal/report"
)

const annotateSummary = "record a deploy, an incident or a note on a running server, or list them with the budget each spent"

const annotateHelp = `
An annotation concerns its SLO (--slo), or every SLO of its service. The
server attributes it the error budget it consumed: the bad events of its
range over the events the SLO window ending at its end allows. A point in
time (no --end) is held to account for the hour after it, or until the
service's next deploy when that comes sooner. See docs/review.md.

Times are RFC 3339 (2026-10-13T08:52:30Z) or unix seconds; --start is
now by default. Posting needs an ingest or admin token (--token,
--token-file or $SLO_TOKEN). Nothing is saved when a flag is wrong: the
error names it.

  slo annotate list [--service S] [--from T] [--to T]
lists the annotations overlapping [from, to) (the last 30 days by
default) with the budget each spent.
`

var annotationKinds = []string{"deploy", "incident", "note"}

// labelFlag collects --label k=v into a map.
type labelFlag map[string]string

func (l labelFlag) String() string {
	var parts []string
	for k, v := range l {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (l labelFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, such as version=v42")
	}
	l[strings.TrimSpace(k)] = val
	return nil
}

func runAnnotate(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "list" {
		return runAnnotateList(ctx, e, args[1:])
	}
	fs := newFlags(e, "annotate", "--service S [--slo N] --kind deploy|incident|note [--start T] [--end T] [--text TEXT] [--label k=v]... [--server URL] [-o text|json]", annotateSummary)
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(e.stderr, annotateHelp) }
	var rem remote
	rem.register(fs)
	service := fs.String("service", "", "the service (required)")
	name := fs.String("slo", "", "the SLO it concerns (default: every SLO of the service)")
	kind := fs.String("kind", "", "deploy, incident or note (required)")
	start := fs.String("start", "", "when it began (default: now)")
	end := fs.String("end", "", "when it ended (default: a point in time)")
	text := fs.String("text", "", "what happened")
	labels := labelFlag{}
	fs.Var(labels, "label", "a label key=value (repeat)")
	out := fs.String("o", "text", "output: text or json")
	rest, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	switch {
	case len(rest) > 0 && rest[0] == "list":
		return usageError("annotate: write list first: slo annotate list [flags]")
	case len(rest) > 0:
		return usageError("annotate: unexpected argument %q (the text goes in --text)", rest[0])
	case *service == "":
		return usageError("annotate: --service is required")
	case !slices.Contains(annotationKinds, *kind):
		return usageError("annotate: --kind %q: want %s", *kind, strings.Join(annotationKinds, ", "))
	}
	if err := output(*out, "text", "json"); err != nil {
		return err
	}
	for flag, v := range map[string]string{"start": *start, "end": *end} {
		if _, err := clockTime(v); err != nil {
			return usageError("annotate: --%s: %v", flag, err)
		}
	}
	if *end != "" {
		s, _ := clockTime(*start)
		if en, _ := clockTime(*end); *start != "" && en.Before(s) {
			return usageError("annotate: --end %s is before --start %s", *end, *start)
		}
	}
	body, err := json.Marshal(map[string]any{"service": *service, "slo": *name, "kind": *kind,
		"start": *start, "end": *end, "text": *text, "labels": map[string]string(labels)})
	if err != nil {
		return err
	}
	data, err := rem.do(ctx, "POST", "/api/v1/annotations", nil, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("annotate: %w", err)
	}
	if *out == "json" {
		_, err := e.stdout.Write(data)
		return err
	}
	var a report.Annotated
	if err := json.Unmarshal(data, &a); err != nil {
		return fmt.Errorf("annotate: reading the answer: %w", err)
	}
	fmt.Fprintf(e.stdout, "annotation %d: %s of %s at %s saved\n", a.ID, a.Kind, subject(a), when(a))
	for _, s := range a.Attribution.SLOs {
		fmt.Fprintf(e.stdout, "  %s\n", spendText(s))
	}
	return nil
}

func runAnnotateList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "annotate list", "[--service S] [--from T] [--to T] [--server URL] [-o text|json]", "list the annotations with the budget each spent")
	var rem remote
	rem.register(fs)
	service := fs.String("service", "", "one service's only")
	from := fs.String("from", "", "the range's start (default: 30 days before --to)")
	to := fs.String("to", "", "the range's end (default: now)")
	out := fs.String("o", "text", "output: text or json")
	rest, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	if len(rest) > 0 {
		return usageError("annotate list: unexpected argument %q", rest[0])
	}
	if err := output(*out, "text", "json"); err != nil {
		return err
	}
	q := url.Values{}
	if *service != "" {
		q.Set("service", *service)
	}
	for k, v := range map[string]string{"from": *from, "to": *to} {
		if _, err := clockTime(v); err != nil {
			return usageError("annotate list: --%s: %v", k, err)
		}
		if v != "" {
			q.Set(k, v)
		}
	}
	data, err := rem.do(ctx, "GET", "/api/v1/annotations", q, nil)
	if err != nil {
		return fmt.Errorf("annotate list: %w", err)
	}
	if *out == "json" {
		_, err := e.stdout.Write(data)
		return err
	}
	var list struct{ Annotations []report.Annotated }
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("annotate list: reading the answer: %w", err)
	}
	if len(list.Annotations) == 0 {
		fmt.Fprintln(e.stdout, "no annotations in the range")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSUBJECT\tWHEN\tTEXT\tBUDGET SPENT")
	for _, a := range list.Annotations {
		var spent []string
		for _, s := range a.Attribution.SLOs {
			if s.BadEvents > 0 {
				spent = append(spent, fmt.Sprintf("%s %s%% (%s min)", s.SLO, figure(s.Percent()), figure(s.BudgetMinutes)))
			}
		}
		if len(spent) == 0 {
			spent = []string{"none"}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Kind, subject(a), when(a), a.Text, strings.Join(spent, ", "))
	}
	return tw.Flush()
}

// clockTime reads a time as the API does: RFC 3339 or unix seconds; the
// zero time for none.
func clockTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Unix(0, int64(secs*1e9)).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-10-13T08:52:30Z) nor unix seconds", v)
	}
	return t, nil
}

func subject(a report.Annotated) string {
	if a.Objective != "" {
		return a.Service + "/" + a.Objective
	}
	return a.Service
}

func when(a report.Annotated) string {
	s := a.Start.UTC().Format("2006-01-02 15:04")
	if !a.End.IsZero() {
		s += " to " + a.End.UTC().Format("2006-01-02 15:04")
	}
	return s + " UTC"
}

// spendText says what one SLO spent, or that it has no data.
func spendText(s report.Spend) string {
	if s.BudgetSpent == nil {
		return s.SLO + ": no data"
	}
	return fmt.Sprintf("%s: %s%% of the error budget, %s minutes (%s bad events)", s.SLO, figure(s.Percent()), figure(s.BudgetMinutes), figure(s.BadEvents))
}

// figure writes x with up to two decimals.
func figure(x float64) string {
	return strconv.FormatFloat(float64(int64(x*100+0.5*sign(x)))/100, 'f', -1, 64)
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}
