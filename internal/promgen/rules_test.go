package promgen

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
)

var promql = parser.NewParser(parser.Options{})

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func load(t *testing.T, files ...string) []*slo.Service {
	t.Helper()
	svcs, errs := spec.Load(files...)
	if bad := errs.Invalid(); len(bad) > 0 {
		t.Fatalf("spec: %v", bad)
	}
	return svcs
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from what is generated now; if the change is meant, run go test ./internal/promgen -update\n--- got ---\n%s", path, got)
	}
}

func TestRulesMatchTheGoldenFiles(t *testing.T) {
	for _, tc := range []struct{ spec, format, golden string }{
		{"../../examples/sloth/notification-availability.yaml", FormatPrometheus, "sloth.rules.yaml"},
		{"../../examples/checkout.yaml", FormatPrometheus, "checkout.rules.yaml"},
		{"../../examples/checkout.yaml", FormatOperator, "checkout.operator.yaml"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			f, _, err := Rules(load(t, tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			out, err := Marshal(f, tc.format, Operator{Namespace: "monitoring", Labels: map[string]string{"release": "prometheus"}})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, out)
		})
	}
}

func TestEveryExpressionParses(t *testing.T) {
	f, _, err := Rules(load(t, "../../examples/checkout.yaml", "../../examples/sloth-availability.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if _, err := promql.ParseExpr(r.Expr); err != nil {
				t.Errorf("%s %s%s: %v\n%s", g.Name, r.Record, r.Alert, err, r.Expr)
			}
			n++
		}
	}
	if n < 30 {
		t.Errorf("only %d rules", n)
	}
}

// The rules of a 30-day SLO read the raw series over five minutes only:
// every longer window reads the recorded five-minute series.
func TestOnlyTheFiveMinuteRulesReadRawSeries(t *testing.T) {
	f, _, err := Rules(load(t, "../../examples/sloth-availability.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var long []string
	for _, r := range f.Groups[0].Rules {
		expr, err := promql.ParseExpr(r.Expr)
		if err != nil {
			t.Fatal(err)
		}
		base := r.Record == StepValid || r.Record == StepBad
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			switch n := n.(type) {
			case *parser.VectorSelector:
				if raw := !strings.HasPrefix(n.Name, "slo:"); raw && !base {
					t.Errorf("%s%s reads the raw series %s", r.Record, r.Alert, n.Name)
				}
			case *parser.MatrixSelector:
				if base && n.Range > promsli.Step {
					t.Errorf("%s reads %s of raw samples", r.Record, n.Range)
				}
				if n.Range > 29*slo.Day {
					long = append(long, r.Record)
				}
			}
			return nil
		})
	}
	if want := []string{Valid(30 * slo.Day), Bad(30 * slo.Day)}; !slices.Equal(long, want) {
		t.Errorf("rules over 30 days: %v, want %v", long, want)
	}
}

func TestWindowsAreEveryTierWindowAndTheSLOWindow(t *testing.T) {
	svcs := load(t, "../../examples/sloth-availability.yaml")
	got := Windows(&svcs[0].Objectives[0])
	want := []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, slo.Day, 3 * slo.Day, 30 * slo.Day}
	if !slices.Equal(got, want) {
		t.Errorf("windows %v, want %v", got, want)
	}
}

func TestThresholdsAreWrittenWithoutFloatNoise(t *testing.T) {
	f, _, err := Rules(load(t, "../../examples/sloth-availability.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var page string
	for _, r := range f.Groups[0].Rules {
		if r.Labels["tier"] == "page" {
			page = r.Expr
		}
		if strings.Contains(r.Expr, "0000000") {
			t.Errorf("%s%s has float noise: %s", r.Record, r.Alert, r.Expr)
		}
	}
	want := `slo:error_ratio:increase1h{service="notification-gateway",slo="requests-availability"} / 0.001 >= 14.4`
	if !strings.HasPrefix(page, "("+want+")") && !strings.HasPrefix(page, want) {
		t.Errorf("page alert:\n%s\nwant it to start with\n%s", page, want)
	}
	if !strings.Contains(page, `slo:events_valid:increase1h{service="notification-gateway",slo="requests-availability"} >= 70`) {
		t.Errorf("page alert lacks the low-traffic guard of 70 events: %s", page)
	}
}

func TestSLOsNotReadFromPrometheusAreLeftOutWithANote(t *testing.T) {
	platform := load(t, "../../examples/notification-platform.yaml")
	if _, notes, err := Rules(platform); err == nil || len(notes) == 0 {
		t.Errorf("rules for events SLIs only: err %v, notes %v; want an error and notes", err, notes)
	}
	f, notes, err := Rules(append(platform, load(t, "../../examples/sloth-availability.yaml")...))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Groups) != 1 || len(notes) != 4 || !strings.Contains(notes[0].String(), "notification-platform/availability: left out") {
		t.Errorf("groups %d, notes %v", len(f.Groups), notes)
	}
}
