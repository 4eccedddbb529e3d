package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestValidateExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	r := mustRun(t, exitOK, append([]string{"validate"}, files...)...)
	want := regexp.MustCompile(fmt.Sprintf(`^ok: %d files, \d+ services, \d+ SLOs, \d+ warnings\n$`, len(files)))
	if !want.MatchString(r.stdout) {
		t.Errorf("stdout = %q, want it to match %s", r.stdout, want)
	}
	// Every line on stderr is a warning; the platform's is its ceiling.
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if l != "" && !strings.Contains(l, ": warning: ") {
			t.Errorf("stderr line is not a warning: %s", l)
		}
	}
	if !strings.Contains(r.stderr, "notification-platform.yaml") || !strings.Contains(r.stderr, "99.83%") {
		t.Errorf("stderr lacks the platform's dependency ceiling warning:\n%s", r.stderr)
	}
}

// broken holds three different mistakes: an objective above 100, a PromQL
// query with an unclosed parenthesis, and a misspelt field.
const broken = `apiVersion: slo/v1
service: broken
slos:
  - name: availability
    objective: 100.5
    window: 30d
    sli:
      prometheus:
        good: sum(rate(http_requests_total{code!~"5.."}[{{.window}}])
        total: sum(rate(http_requests_total[{{.window}}]))
    windw: 30d
`

// brokenProblem is where one mistake of broken is, computed from its text.
type brokenProblem struct {
	line, col int
	path      string
	msg       string
}

// brokenProblems finds the line and column of each mistake: the value for
// the objective and the query, the key for the unknown field.
func brokenProblems(t *testing.T) []brokenProblem {
	t.Helper()
	at := func(lineHas, token string) (int, int) {
		for i, l := range strings.Split(broken, "\n") {
			if strings.Contains(l, lineHas) {
				return i + 1, strings.Index(l, token) + 1
			}
		}
		t.Fatalf("no line with %q", lineHas)
		return 0, 0
	}
	var ps []brokenProblem
	for _, p := range []struct{ lineHas, token, path, msg string }{
		{"objective: 100.5", "100.5", "slos[0].objective", "100.5"},
		{"good: sum(", "sum(", "slos[0].sli.prometheus.good", "PromQL"},
		{"windw:", "windw", "slos[0].windw", "windw"},
	} {
		l, c := at(p.lineHas, p.token)
		ps = append(ps, brokenProblem{l, c, p.path, p.msg})
	}
	// As written: 5:16, 9:15 and 11:5.
	if ps[0].line != 5 || ps[0].col != 16 || ps[1].line != 9 || ps[1].col != 15 || ps[2].line != 11 || ps[2].col != 5 {
		t.Fatalf("the test's own positions are off: %+v", ps)
	}
	return ps
}

func TestValidateReportsEveryMistakeWhereItIs(t *testing.T) {
	file := writeFile(t, "broken.yaml", broken)
	want := brokenProblems(t)
	r := mustRun(t, exitInvalid, "validate", file)
	if r.stdout != "" {
		t.Errorf("an invalid spec printed on stdout: %q", r.stdout)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), r.stderr)
	}
	for i, w := range want {
		re := regexp.MustCompile(fmt.Sprintf(`^%s:%d:%d: %s: .*%s`,
			regexp.QuoteMeta(file), w.line, w.col, regexp.QuoteMeta(w.path), regexp.QuoteMeta(w.msg)))
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d = %q, want it to match %s", i+1, lines[i], re)
		}
	}
	if !strings.Contains(lines[2], "did you mean window?") {
		t.Errorf("the unknown field has no hint: %s", lines[2])
	}
}

func TestValidateJSON(t *testing.T) {
	file := writeFile(t, "broken.yaml", broken)
	want := brokenProblems(t)
	tests := []struct {
		name string
		args []string
	}{
		{"-o json before the file", []string{"validate", "-o", "json", file}},
		{"-o json after the file", []string{"validate", file, "-o", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRun(t, exitInvalid, tt.args...)
			var res struct {
				Valid  *bool `json:"valid"`
				Errors []struct {
					File   string `json:"file"`
					Line   int    `json:"line"`
					Column int    `json:"column"`
					Path   string `json:"path"`
					Msg    string `json:"message"`
				} `json:"errors"`
				Warnings []json.RawMessage `json:"warnings"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
				t.Fatalf("%v\n%s", err, r.stdout)
			}
			if res.Valid == nil || *res.Valid {
				t.Errorf("valid = %v, want false", res.Valid)
			}
			if len(res.Errors) != len(want) {
				t.Fatalf("%d errors, want %d:\n%s", len(res.Errors), len(want), r.stdout)
			}
			for i, w := range want {
				e := res.Errors[i]
				if e.File != file || e.Line != w.line || e.Column != w.col || e.Path != w.path || !strings.Contains(e.Msg, w.msg) {
					t.Errorf("error %d = %+v, want %s:%d:%d %s (%s)", i, e, file, w.line, w.col, w.path, w.msg)
				}
			}
		})
	}
}

func TestValidateJSONOfAValidSpec(t *testing.T) {
	r := mustRun(t, exitOK, "validate", "-o", "json", platform)
	var res struct {
		Valid    bool `json:"valid"`
		Services []struct {
			Name string   `json:"name"`
			SLOs []string `json:"slos"`
		} `json:"services"`
		Errors   []json.RawMessage `json:"errors"`
		Warnings []json.RawMessage `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if !res.Valid || len(res.Errors) != 0 {
		t.Errorf("valid = %v with %d errors, want true with none", res.Valid, len(res.Errors))
	}
	if len(res.Services) != 1 || res.Services[0].Name != "notification-platform" ||
		strings.Join(res.Services[0].SLOs, ",") != "availability,latency,delivery,correctness" {
		t.Errorf("services = %+v", res.Services)
	}
	if len(res.Warnings) != 1 {
		t.Errorf("%d warnings, want the one dependency ceiling warning", len(res.Warnings))
	}
}
