package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const slothAvailability = "../../examples/sloth-availability.yaml"

// dashboardJSON decodes a dashboard just enough to check it.
type dashboardJSON struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title string `json:"title"`
	} `json:"panels"`
}

func decodeDashboard(t *testing.T, b []byte) dashboardJSON {
	t.Helper()
	var d dashboardJSON
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b)
	}
	return d
}

func TestDashboardWritesJSONOfEitherFlavour(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"rules by default", []string{slothAvailability}},
		{"rules", []string{"--flavour", "rules", slothAvailability}},
		{"serve of events SLIs", []string{platform, "--flavour", "serve"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRun(t, exitOK, append([]string{"dashboard"}, tt.args...)...)
			d := decodeDashboard(t, []byte(r.stdout))
			if d.UID == "" || !strings.HasPrefix(d.Title, "SLOs: ") || len(d.Templating.List) != 3 || len(d.Panels) < 6 {
				t.Errorf("dashboard lacks a uid, title, variables or panels: %+v", d)
			}
			if strings.Contains(r.stderr, "slo dashboard:") {
				t.Errorf("an SLO was left out:\n%s", r.stderr)
			}
		})
	}
}

func TestDashboardOutWritesTheFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "slo.json")
	r := mustRun(t, exitOK, "dashboard", "-o", out, "--title", "Gateway SLOs", slothAvailability)
	if r.stdout != "" {
		t.Errorf("dashboard -o also wrote to stdout: %q", r.stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if d := decodeDashboard(t, b); d.Title != "Gateway SLOs" {
		t.Errorf("title = %q, want the --title", d.Title)
	}
}

func TestDashboardUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"an unknown flavour", []string{"--flavour", "loki", slothAvailability}, `unknown flavour "loki"`},
		{"no spec file", []string{"--flavour", "serve"}, "no spec file given"},
		{"an unknown flag", []string{"--colour", slothAvailability}, "flag provided but not defined"},
	} {
		t.Run(tt.name+" is a usage error", func(t *testing.T) {
			r := mustRun(t, exitUsage, append([]string{"dashboard"}, tt.args...)...)
			if !strings.Contains(r.err.Error()+r.stderr, tt.want) {
				t.Errorf("error %q, stderr %q: want %q", r.err, r.stderr, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %q", r.stdout)
			}
		})
	}
}

func TestDashboardRulesFlavourNamesTheSLOsItCannotChart(t *testing.T) {
	r := mustRun(t, exitInvalid, "dashboard", "--flavour", "rules", platform)
	if !strings.Contains(r.stderr, "slo dashboard: notification-platform/delivery: left out: the rules flavour needs a prometheus SLI") {
		t.Errorf("stderr does not name the delivery SLO:\n%s", r.stderr)
	}
	if !strings.Contains(r.err.Error(), "use --flavour serve") {
		t.Errorf("error does not point to serve: %v", r.err)
	}
	// With some prometheus SLIs left, the others are warned about and left out.
	r = mustRun(t, exitOK, "dashboard", "../../examples/checkout.yaml")
	if !strings.Contains(r.stderr, "checkout/browse-availability: left out") || strings.Contains(r.stdout, "browse-availability") {
		t.Errorf("browse-availability not left out with a warning:\nstderr: %s", r.stderr)
	}
	decodeDashboard(t, []byte(r.stdout))
}

func TestDashboardHelp(t *testing.T) {
	r := mustRun(t, exitOK, "dashboard", "--help")
	if !strings.Contains(r.stderr, "--flavour rules|serve") {
		t.Errorf("help lacks the synopsis:\n%s", r.stderr)
	}
}
