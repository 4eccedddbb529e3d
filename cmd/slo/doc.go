package main

import (
	"context"

	"github.com/slo-dev/slo/internal/report"
)

const docSummary = "write the SLO document of a spec as Markdown, as a team reviews and signs it"

func runDoc(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "doc", "[-o markdown] FILE...", docSummary)
	out := fs.String("o", "markdown", "output: markdown")
	files, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	if err := output(*out, "markdown"); err != nil {
		return err
	}
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
		if err := report.WriteDocument(e.stdout, s); err != nil {
			return err
		}
	}
	return nil
}
