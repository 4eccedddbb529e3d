package main

import (
	"fmt"
	"io"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
)

// load reads spec files ("-" for standard input), writes every warning and
// error to stderr, and fails with exit code 1 when the specs are invalid.
func load(e *env, files []string) ([]*slo.Service, error) {
	if len(files) == 0 {
		return nil, usageError("no spec file given")
	}
	svcs, problems := loadFiles(e, files)
	for _, p := range problems {
		fmt.Fprintln(e.stderr, p)
	}
	if bad := problems.Invalid(); len(bad) > 0 {
		return nil, invalidError(fmt.Errorf("%d errors in the spec: %w", len(bad), errReported))
	}
	return svcs, nil
}

func loadFiles(e *env, files []string) ([]*slo.Service, spec.Errors) {
	var svcs []*slo.Service
	var problems spec.Errors
	var paths []string
	for _, f := range files {
		if f != "-" {
			paths = append(paths, f)
			continue
		}
		data, err := io.ReadAll(e.stdin)
		if err != nil {
			problems = append(problems, &spec.Error{File: "<stdin>", Msg: err.Error()})
			continue
		}
		s, p := spec.Parse("<stdin>", data)
		svcs, problems = append(svcs, s...), append(problems, p...)
	}
	if len(paths) > 0 {
		s, p := spec.Load(paths...)
		svcs, problems = append(svcs, s...), append(problems, p...)
	}
	return svcs, problems
}
