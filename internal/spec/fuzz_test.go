package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/report"
)

// FuzzParse feeds the decoder arbitrary bytes, starting from the examples
// and from specs broken in the ways users break them. Whatever the input,
// Parse must not panic, and every problem it reports must say where.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	more, _ := filepath.Glob("../../examples/*/*.yaml")
	for _, p := range append(files, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		base,
		"apiVersion: slo/v1\nservice: a\nslos: [{name: x, objective: 99, sli: {events: {stream: s}}, window: 1h}]\n",
		"apiVersion: slo/v1\n<<: *x\n",
		"a: &a [*a]\n",
		"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec: {}\n",
		"version: prometheus/v1\nservice: s\nslos: [{name: x, objective: 99.9, sli: {events: {error_query: 'a[{{.window}}]', total_query: b}}}]\n",
		"---\n---\n",
		"\t",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		svcs, errs := Parse("fuzz.yaml", data)
		for _, e := range errs {
			if e.File == "" || e.Msg == "" || (e.Line == 0 && !strings.HasPrefix(e.Hint, "the file is not valid YAML") && e.Path != "") {
				t.Fatalf("a problem without a place or a message: %#v", e)
			}
		}
		if len(errs.Invalid()) > 0 {
			return
		}
		// A spec that validates must explain, and its figures must be
		// finite numbers that JSON can carry.
		if _, err := json.Marshal(report.Explain(svcs, 1000)); err != nil {
			t.Fatalf("a valid spec does not explain: %v\n%s", err, data)
		}
	})
}
