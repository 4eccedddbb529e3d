package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/slo-dev/slo/internal/promgen"
)

const rulesSummary = "write Prometheus recording and alerting rules (and promtool tests) for SLOs with prometheus SLIs"

func runRules(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "rules", "[-o FILE] [--format prometheus|prometheus-operator] [--tests] FILE...", rulesSummary)
	out := fs.String("o", "", "write the rules to this file instead of standard output")
	format := fs.String("format", promgen.FormatPrometheus, "prometheus (a rule file) or prometheus-operator (PrometheusRule resources)")
	tests := fs.Bool("tests", false, "also write a promtool unit-test file per SLO beside the -o file: SERVICE.SLO.test.yaml")
	var op promgen.Operator
	fs.StringVar(&op.Namespace, "namespace", "", "the namespace of the PrometheusRule resources")
	var resLabels []string
	fs.Var(listFlag{&resLabels}, "label", "a KEY=VALUE label for the PrometheusRule resources, such as the Operator's ruleSelector (repeat)")
	files, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	if *format != promgen.FormatPrometheus && *format != promgen.FormatOperator {
		return usageError("rules: --format %q: want %s or %s", *format, promgen.FormatPrometheus, promgen.FormatOperator)
	}
	if *tests && (*out == "" || *format != promgen.FormatPrometheus) {
		return usageError("rules: --tests needs -o FILE and --format prometheus: promtool tests name the rule file they load")
	}
	for _, kv := range resLabels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError("rules: --label %q: want KEY=VALUE", kv)
		}
		if op.Labels == nil {
			op.Labels = map[string]string{}
		}
		op.Labels[k] = v
	}
	svcs, err := load(e, files)
	if err != nil {
		return err
	}
	f, notes, err := promgen.Rules(svcs)
	for _, n := range notes {
		fmt.Fprintln(e.stderr, "slo rules:", n)
	}
	if err != nil {
		return invalidError(err)
	}
	buf, err := promgen.Marshal(f, *format, op)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(buf)
		return err
	}
	if err := os.WriteFile(*out, buf, 0o644); err != nil {
		return err
	}
	if !*tests {
		return nil
	}
	for _, t := range promgen.Tests(svcs, filepath.Base(*out)) {
		path := filepath.Join(filepath.Dir(*out), t.Name)
		if err := os.WriteFile(path, t.Data, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, "slo rules: wrote", path)
	}
	return nil
}
