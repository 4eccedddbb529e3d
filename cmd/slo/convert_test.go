package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConvertRoundTrips(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f)+" explains the same once converted", func(t *testing.T) {
			r := mustRun(t, exitOK, "convert", f)
			if !strings.HasPrefix(r.stdout, "apiVersion: slo/v1\n") {
				t.Errorf("converted spec does not start with apiVersion: slo/v1:\n%s", r.stdout)
			}
			out := writeFile(t, "converted.yaml", r.stdout)
			sameJSON(t, f, explainJSON(t, f), explainJSON(t, out))
		})
	}
}

func TestConvertOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.yaml")
	r := mustRun(t, exitOK, "convert", platform, "--out", out)
	if r.stdout != "" {
		t.Errorf("convert --out also wrote to stdout: %q", r.stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "service: notification-platform") {
		t.Errorf("--out file lacks the service:\n%s", b)
	}
}

// The OpenSLO and Sloth examples are the same SLOs as their native twins.
func TestOtherFormatsExplainLikeTheirTwins(t *testing.T) {
	tests := []struct {
		name, file, twin string
	}{
		{"OpenSLO", "../../examples/openslo/notification-availability.yaml", "../../examples/notification-availability.yaml"},
		{"Sloth", "../../examples/sloth/notification-availability.yaml", "../../examples/sloth-availability.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" explains like its native twin", func(t *testing.T) {
			r := run(t, "", "validate", tt.file)
			if r.code != exitOK {
				t.Fatalf("validate %s: exit %d\n%s", tt.file, r.code, r.stderr)
			}
			sameJSON(t, tt.file, explainJSON(t, tt.twin), explainJSON(t, tt.file))
			c := mustRun(t, exitOK, "convert", tt.file)
			conv := writeFile(t, "converted.yaml", c.stdout)
			sameJSON(t, tt.file+" converted", explainJSON(t, tt.twin), explainJSON(t, conv))
		})
	}
}
