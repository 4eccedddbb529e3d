package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tieredSpec is a valid spec with customers, whose mapping file is %s.
const tieredSpec = `apiVersion: slo/v1
service: api
customers:
  tiers: [free, standard, enterprise]
  default_tier: free
  assignments:
    acme: enterprise
    initech: standard
  mapping_file: %s
slos:
  - name: availability
    objective: 99
    sli:
      events:
        stream: api
        customer_field: customer
        good: {status: [2xx]}
    tiers:
      enterprise: {objective: 99.9}
`

// writeTiered writes the spec into dir/specs and the mapping file beside
// it under name, and returns the spec's path.
func writeTiered(t *testing.T, name, mapping string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "specs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(mapping), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, tieredSpec, name), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAMappingFileMergesWithTheInlineAssignments(t *testing.T) {
	for _, c := range []struct{ name, file string }{
		{"tiers.yaml", "# from the CRM\nglobex: enterprise\nhooli: standard\nacme: enterprise\n"},
		{"tiers.yml", "globex: enterprise\nhooli: standard\n"},
		{"tiers.csv", "customer,tier\n# from the CRM\nglobex, enterprise\n\nhooli,standard\nacme,enterprise\n"},
		{"tiers.CSV", "globex,enterprise\nhooli,standard\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The spec is loaded by a path from elsewhere: the mapping file
			// is found beside the spec, not in the working directory.
			svcs, errs := Load(writeTiered(t, c.name, c.file))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got := svcs[0].Customers
			want := map[string]string{"acme": "enterprise", "initech": "standard", "globex": "enterprise", "hooli": "standard"}
			if fmt.Sprint(got.Assignments) != fmt.Sprint(want) {
				t.Errorf("assignments %v, want %v", got.Assignments, want)
			}
			if got.Tier("hooli") != "standard" || got.Tier("nobody") != "free" {
				t.Errorf("hooli is %q and nobody %q, want standard and free", got.Tier("hooli"), got.Tier("nobody"))
			}
		})
	}
}

func TestEachMappingFileMistakeIsReportedAtItsLine(t *testing.T) {
	for _, c := range []struct {
		name, file, file2 string
		want              []string
	}{
		{"unknown tier in CSV", "tiers.csv", "customer,tier\nglobex,enterprise\nhooli,gold\n",
			[]string{`tiers.csv:3:1: hooli: tier "gold" is not one of the tiers of customers.tiers (declared tiers: free, standard, enterprise)`}},
		{"unknown tier in YAML", "tiers.yaml", "globex: enterprise\nhooli: gold\n",
			[]string{`tiers.yaml:2:1: hooli: tier "gold" is not one of the tiers`}},
		{"a customer given two tiers in the file", "tiers.csv", "globex,enterprise\nhooli,free\nglobex,standard\n",
			[]string{`tiers.csv:3:1: globex: customer "globex" is given tier "standard" here and "enterprise" at line 1`}},
		{"a customer given two tiers in YAML", "tiers.yaml", "globex: enterprise\nglobex: free\n",
			[]string{`tiers.yaml:2:1: globex: customer "globex" is given tier "free" here and "enterprise" at line 1`}},
		{"a customer given another tier inline", "tiers.csv", "hooli,free\nacme,standard\n",
			[]string{`tiers.csv:2:1: acme: customer "acme" is given tier "standard" here and "enterprise" in customers.assignments (`, `api.yaml:7)`}},
		{"a line of three fields", "tiers.csv", "globex,enterprise\nhooli,standard,extra\n",
			[]string{`tiers.csv:2:1: 3 fields, want 2: customer,tier`}},
		{"an empty customer", "tiers.csv", "globex,enterprise\n,standard\n",
			[]string{`tiers.csv:2:1: the customer id is empty`}},
		{"a customer id too long", "tiers.csv", "globex,enterprise\n" + strings.Repeat("x", 257) + ",standard\n",
			[]string{`tiers.csv:2:1: customer id of 257 bytes, more than 256`}},
		{"broken CSV quoting", "tiers.csv", "globex,enterprise\n\"hooli,standard\n",
			[]string{`tiers.csv:2:`, `the file is not valid CSV`}},
		{"YAML that is a list", "tiers.yaml", "- globex\n- hooli\n",
			[]string{`tiers.yaml:1:1: a YAML mapping file is a map of customer id to tier`}},
		{"YAML with a nested value", "tiers.yaml", "globex: enterprise\nhooli: {tier: standard}\n",
			[]string{`tiers.yaml:2:1: each entry is customer: tier`}},
		{"broken YAML", "tiers.yaml", "globex: enterprise\nhooli: [standard\n",
			[]string{`tiers.yaml:`, `the file is not valid YAML`}},
		{"a file of another kind", "tiers.json", `{"globex": "enterprise"}`,
			[]string{`api.yaml:9:17: customers.mapping_file: mapping file `, `want a .yaml, .yml or .csv file`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errs := Load(writeTiered(t, c.file, c.file2))
			bad := errs.Invalid()
			if len(bad) != 1 {
				t.Fatalf("%d errors, want 1:\n%v", len(bad), errs)
			}
			for _, w := range c.want {
				if !strings.Contains(bad[0].Error(), w) {
					t.Errorf("error %q\nwant it to hold %q", bad[0], w)
				}
			}
		})
	}
}

func TestAMissingMappingFileIsReportedAtTheSpecsField(t *testing.T) {
	path := writeTiered(t, "tiers.csv", "")
	if err := os.Remove(filepath.Join(filepath.Dir(path), "tiers.csv")); err != nil {
		t.Fatal(err)
	}
	_, errs := Load(path)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "api.yaml:9:17: customers.mapping_file: mapping file: no such file") {
		t.Errorf("errors %v, want one at customers.mapping_file saying the file is missing", errs)
	}
}

func TestEveryMistakeOfAMappingFileIsReportedAtOnce(t *testing.T) {
	_, errs := Load(writeTiered(t, "tiers.csv", "a,gold\nb,free\nc,silver\nb,standard\n"))
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	if fmt.Sprint(lines) != "[1 3 4]" {
		t.Errorf("errors at lines %v, want [1 3 4]:\n%v", lines, errs)
	}
}

// writeBig writes a mapping file of n customers in the given format.
func writeBig(tb testing.TB, dir, format string, n int) string {
	var b strings.Builder
	tiers := []string{"free", "standard", "enterprise"}
	for i := range n {
		if format == "csv" {
			fmt.Fprintf(&b, "customer-%d,%s\n", i, tiers[i%3])
		} else {
			fmt.Fprintf(&b, "customer-%d: %s\n", i, tiers[i%3])
		}
	}
	name := "tiers." + format
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, tieredSpec, name), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestAMappingFileOfTenThousandCustomersLoadsWhole(t *testing.T) {
	for _, format := range []string{"csv", "yaml"} {
		svcs, errs := Load(writeBig(t, t.TempDir(), format, 10_000))
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		c := svcs[0].Customers
		if len(c.Assignments) != 10_002 || c.Tier("customer-9998") != "enterprise" {
			t.Errorf("%s: %d assignments, customer-9998 on %q; want 10,002 (two inline) and enterprise", format, len(c.Assignments), c.Tier("customer-9998"))
		}
	}
}

// BenchmarkMappingFile is a spec load with a mapping file of 100k
// customers: what `slo validate` and every start and reload of serve pay.
func BenchmarkMappingFile(b *testing.B) {
	for _, format := range []string{"csv", "yaml"} {
		b.Run(format, func(b *testing.B) {
			path := writeBig(b, b.TempDir(), format, 100_000)
			for b.Loop() {
				if _, errs := Load(path); len(errs) > 0 {
					b.Fatal(errs[0])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e5, "ns/customer")
		})
	}
}
