package grafana_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/grafana"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ from the output")

// The dashboards of the examples, kept in testdata/: a change in the output
// shows in review as a diff. go test ./internal/grafana -update rewrites them.
func TestDashboardsMatchTheirGoldenFiles(t *testing.T) {
	for _, c := range []struct {
		file    string
		flavour grafana.Flavour
	}{
		{"sloth-availability.yaml", grafana.Rules},
		{"sloth-availability.yaml", grafana.Serve},
		{"notification-platform.yaml", grafana.Serve},
	} {
		name := strings.TrimSuffix(c.file, ".yaml") + "." + string(c.flavour) + ".json"
		t.Run(name, func(t *testing.T) {
			d, _ := build(t, c.flavour, load(t, examples+c.file))
			got, err := d.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/grafana -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the output; run go test ./internal/grafana -update and review the diff", golden)
			}
		})
	}
}

func TestOutputIsTheSameEveryTime(t *testing.T) {
	svcs := load(t, examples+"notification-platform.yaml", examples+"checkout.yaml")
	first, _ := build(t, grafana.Serve, svcs)
	a, _ := first.JSON()
	for range 5 {
		again, _ := build(t, grafana.Serve, svcs)
		if b, _ := again.JSON(); !bytes.Equal(a, b) {
			t.Fatal("two builds of the same specs differ")
		}
	}
}
