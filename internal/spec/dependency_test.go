package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const databaseSpec = `apiVersion: slo/v1
service: database
slos:
  - name: availability
    objective: 99.99
    sli:
      events:
        stream: db
        good: {status: ["2xx"]}
`

// apiSpec depends on the database, measured by the reference given, on
// line 16.
func apiSpec(ref string) string {
	return `apiVersion: slo/v1
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        stream: api
        good: {status: ["2xx"]}
dependencies:
  - name: database
    availability: 99.99
    depends_on:
      - name: storage
        availability: 99.99
        slo: ` + ref + `
`
}

// loadPair writes the two specs to files and loads them together.
func loadPair(t *testing.T, api string, withDatabase bool) ([]string, Errors) {
	t.Helper()
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "api.yaml")}
	if err := os.WriteFile(paths[0], []byte(api), 0o600); err != nil {
		t.Fatal(err)
	}
	if withDatabase {
		paths = append(paths, filepath.Join(dir, "database.yaml"))
		if err := os.WriteFile(paths[1], []byte(databaseSpec), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	svcs, errs := Load(paths...)
	var refs []string
	for _, s := range svcs {
		if s.Name == "api" && len(s.Dependencies) == 1 && len(s.Dependencies[0].DependsOn) == 1 {
			refs = append(refs, s.Dependencies[0].DependsOn[0].MeasuredBy)
		}
	}
	return refs, errs
}

func TestADependencyMeasuredByAnSLOOfAnotherSpecLoads(t *testing.T) {
	refs, errs := loadPair(t, apiSpec("database/availability"), true)
	if len(errs.Invalid()) > 0 {
		t.Fatal(errs)
	}
	if len(refs) != 1 || refs[0] != "database/availability" {
		t.Errorf("MeasuredBy = %v, want [database/availability]", refs)
	}
}

func TestAnUnknownMeasuringSLOIsAnErrorAtItsLine(t *testing.T) {
	tests := []struct {
		name, ref string
		withDB    bool
		want      string
	}{
		{"an SLO the service does not have", "database/latency", true, `service "database" has no SLO "latency"`},
		{"a service not loaded", "database/availability", false, `no service "database" among the specs loaded`},
		{"a reference that is not SERVICE/SLO", "database", true, `"database" does not name an SLO`},
		{"an SLO of the service itself", "api/availability", true, `api/availability is an SLO of this service`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := loadPair(t, apiSpec(tt.ref), tt.withDB)
			bad := errs.Invalid()
			if len(bad) != 1 {
				t.Fatalf("want one error, got %v", errs)
			}
			e := bad[0]
			if filepath.Base(e.File) != "api.yaml" || e.Line != 16 || e.Path != "dependencies[0].depends_on[0].slo" || !strings.Contains(e.Msg, tt.want) {
				t.Errorf("error = %v; want api.yaml:16 at dependencies[0].depends_on[0].slo saying %q", e, tt.want)
			}
		})
	}
}

func TestConvertKeepsTheMeasuringSLO(t *testing.T) {
	svcs, errs := Parse("api.yaml", []byte(apiSpec("database/availability")))
	// Alone, the reference cannot be resolved; the service is still built.
	if len(errs.Invalid()) != 1 || len(svcs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	doc := Native(svcs[0])
	if got := doc.Dependencies[0].DependsOn[0].SLO; got != "database/availability" {
		t.Errorf("converted slo = %q", got)
	}
}
