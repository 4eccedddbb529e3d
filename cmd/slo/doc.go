package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"

	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/slo"
)

const docSummary = "write the SLO document of a spec as Markdown, as a team reviews and signs it; with --server, with each SLO's live figures"

func runDoc(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "doc", "[-o markdown] [--server URL] FILE...", docSummary)
	out := fs.String("o", "markdown", "output: markdown")
	var rem remote
	rem.register(fs)
	files, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	if err := output(*out, "markdown"); err != nil {
		return err
	}
	live := false
	fs.Visit(func(f *flag.Flag) { live = live || f.Name == "server" })
	svcs, err := load(e, files)
	if err != nil {
		return err
	}
	for i, s := range svcs {
		if i > 0 {
			if _, err := e.stdout.Write([]byte("\n---\n\n")); err != nil {
				return err
			}
		}
		if !live {
			err = report.WriteDocument(e.stdout, s)
		} else {
			var l report.Live
			if l, err = fetchLive(ctx, &rem, s); err != nil {
				return &exitError{exitUsage, fmt.Errorf("doc: %w", err)}
			}
			err = report.WriteLiveDocument(e.stdout, s, l)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fetchLive reads the service's engineer report, and its SLA report when
// it has an SLA, from the server. A server that does not serve the service
// gives a document that says so; one that cannot be reached, an error.
func fetchLive(ctx context.Context, rem *remote, s *slo.Service) (report.Live, error) {
	l := report.Live{From: rem.server}
	get := func(kind string, into any) error {
		body, err := rem.do(ctx, "GET", "/api/v1/reports/"+kind, url.Values{"service": {s.Name}, "format": {"json"}}, nil)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, into); err != nil {
			return fmt.Errorf("the server's %s report: %w", kind, err)
		}
		return nil
	}
	l.Engineer = &report.EngineerReport{}
	err := get("engineer", l.Engineer)
	var se *statusError
	if errors.As(err, &se) && se.code == http.StatusBadRequest {
		return report.Live{From: rem.server, Missing: se.msg}, nil
	}
	if err != nil {
		return l, err
	}
	if s.SLA != nil {
		l.SLA = &report.SLAReport{}
		if err := get("sla", l.SLA); err != nil {
			return l, err
		}
	}
	return l, nil
}
