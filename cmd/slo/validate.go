package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slo-dev/slo/internal/spec"
)

const validateSummary = "check spec files and report every problem with file:line:column"

func runValidate(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "[-o text|json] FILE...", validateSummary)
	out := fs.String("o", "text", "output: text or json")
	files, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	if err := output(*out, "text", "json"); err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError("validate: no spec file given")
	}
	svcs, problems := loadFiles(e, files)
	bad := problems.Invalid()
	if *out == "json" {
		type service struct {
			Name string   `json:"name"`
			File string   `json:"file"`
			SLOs []string `json:"slos"`
		}
		res := struct {
			Valid    bool         `json:"valid"`
			Services []service    `json:"services"`
			Errors   []spec.Error `json:"errors"`
			Warnings []spec.Error `json:"warnings"`
		}{Valid: len(bad) == 0, Services: []service{}, Errors: []spec.Error{}, Warnings: []spec.Error{}}
		for _, s := range svcs {
			sv := service{Name: s.Name, File: s.File, SLOs: []string{}}
			for _, o := range s.Objectives {
				sv.SLOs = append(sv.SLOs, o.Name)
			}
			res.Services = append(res.Services, sv)
		}
		for _, p := range problems {
			if p.Warning {
				res.Warnings = append(res.Warnings, *p)
			} else {
				res.Errors = append(res.Errors, *p)
			}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			fmt.Fprintln(e.stderr, p)
		}
		if len(bad) == 0 {
			n := 0
			for _, s := range svcs {
				n += len(s.Objectives)
			}
			fmt.Fprintf(e.stdout, "ok: %d files, %d services, %d SLOs, %d warnings\n", len(files), len(svcs), n, len(problems)-len(bad))
		}
	}
	if len(bad) > 0 {
		return invalidError(fmt.Errorf("%d errors: %w", len(bad), errReported))
	}
	return nil
}
