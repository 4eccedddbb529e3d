package main

import (
	"context"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/spec"
)

const convertSummary = "rewrite specs (OpenSLO v1, Sloth prometheus/v1 or native) in the native slo/v1 form"

func runConvert(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "convert", "[--out FILE] FILE...", convertSummary)
	to := fs.String("out", "", "write to this file instead of standard output")
	files, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	svcs, err := load(e, files)
	if err != nil {
		return err
	}
	var buf []byte
	for i, s := range svcs {
		b, err := yaml.Marshal(spec.Native(s))
		if err != nil {
			return fmt.Errorf("convert %s: %w", s.Name, err)
		}
		if i > 0 {
			buf = append(buf, "---\n"...)
		}
		buf = append(buf, b...)
	}
	if *to != "" {
		return os.WriteFile(*to, buf, 0o644)
	}
	_, err = e.stdout.Write(buf)
	return err
}
