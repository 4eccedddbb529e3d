package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// platform is the seed's notification platform, the example most figures
// below are checked against.
const platform = "../../examples/notification-platform.yaml"

// result is what one run of the command line left behind.
type result struct {
	stdout, stderr string
	err            error
	code           int
}

// run runs slo with args, feeding stdin, as main would.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return result{stdout: out.String(), stderr: errb.String(), err: err, code: exitCode(err)}
}

// mustRun runs slo and fails the test unless it exits with want.
func mustRun(t *testing.T, want int, args ...string) result {
	t.Helper()
	r := run(t, "", args...)
	if r.code != want {
		t.Fatalf("slo %s: exit %d (%v), want %d\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), r.code, r.err, want, r.stdout, r.stderr)
	}
	return r
}

// writeFile writes text to name in a fresh temporary directory and returns
// its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// explainJSON runs explain -o json on files and decodes the result as
// generic JSON with every "file" field removed, for comparing two specs
// that should mean the same.
func explainJSON(t *testing.T, files ...string) any {
	t.Helper()
	r := mustRun(t, exitOK, append([]string{"explain", "-o", "json"}, files...)...)
	var v any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("explain -o json %v: %v\n%s", files, err, r.stdout)
	}
	return dropKey(v, "file")
}

func dropKey(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, key)
		for k, e := range x {
			x[k] = dropKey(e, key)
		}
	case []any:
		for i, e := range x {
			x[i] = dropKey(e, key)
		}
	}
	return v
}

// sameJSON fails the test when a and b differ, showing both.
func sameJSON(t *testing.T, what string, a, b any) {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		return
	}
	ja, _ := json.MarshalIndent(a, "", "  ")
	jb, _ := json.MarshalIndent(b, "", "  ")
	al, bl := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			t.Fatalf("%s: explanations differ from line %d:\n  %s\n  %s", what, i+1, x, y)
		}
	}
	t.Fatalf("%s: explanations differ", what)
}

func TestUsage(t *testing.T) {
	checkout := "../../examples/checkout.yaml"
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		// out and errOut must each appear in stdout and stderr; either
		// must appear in one of them.
		out, errOut, either []string
	}{
		{name: "no arguments print the commands and exit 2", code: exitUsage,
			out: []string{"Usage: slo COMMAND", "validate", "explain", "doc", "convert"}},
		{name: "help prints the commands and exits 0", args: []string{"help"}, code: exitOK,
			out: []string{"Usage: slo COMMAND", "validate", "explain", "doc", "convert"}},
		{name: "--help is the same as help", args: []string{"--help"}, code: exitOK,
			out: []string{"Commands:"}},
		{name: "an unknown command exits 2 and lists the commands", args: []string{"frobnicate"}, code: exitUsage,
			errOut: []string{"Commands:"}},
		{name: "validate --help exits 0 and prints its flags", args: []string{"validate", "--help"}, code: exitOK,
			either: []string{"Usage: slo validate", "-o string", "output: text or json"}},
		{name: "help explain prints the explain flags", args: []string{"help", "explain"}, code: exitOK,
			either: []string{"Usage: slo explain", "-traffic", "-slo", "-o string"}},
		{name: "explain -o xml is a usage error", args: []string{"explain", "-o", "xml", checkout}, code: exitUsage},
		{name: "doc -o html is a usage error", args: []string{"doc", checkout, "-o", "html"}, code: exitUsage},
		{name: "an unknown flag is a usage error", args: []string{"validate", "--strict", checkout}, code: exitUsage},
		{name: "a negative traffic is a usage error", args: []string{"explain", "--traffic", "-1", checkout}, code: exitUsage},
		{name: "validate without files is a usage error", args: []string{"validate"}, code: exitUsage},
		{name: "explain without files is a usage error", args: []string{"explain"}, code: exitUsage},
		{name: "a missing file is an invalid spec naming the file", args: []string{"validate", "no-such-spec.yaml"}, code: exitInvalid,
			errOut: []string{"no-such-spec.yaml"}},
		{name: "explain of a missing file exits 1 too", args: []string{"explain", "no-such-spec.yaml"}, code: exitInvalid,
			errOut: []string{"no-such-spec.yaml"}},
		{name: "validate - reads the spec from standard input", args: []string{"validate", "-"}, code: exitOK,
			stdin: readFile(t, checkout), out: []string{"ok: 1 files, 1 services, "}},
		{name: "explain - names standard input as the file", args: []string{"explain", "-"}, code: exitOK,
			stdin: readFile(t, checkout), out: []string{"checkout, owned by commerce-team (<stdin>)"}},
		{name: "validate - with empty input is no valid spec", args: []string{"validate", "-"}, code: exitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Fatalf("slo %s: exit %d (%v), want %d\nstdout:\n%s\nstderr:\n%s",
					strings.Join(tt.args, " "), r.code, r.err, tt.code, r.stdout, r.stderr)
			}
			for _, s := range tt.out {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range tt.errOut {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			for _, s := range tt.either {
				if !strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("output lacks %q:\nstdout:\n%s\nstderr:\n%s", s, r.stdout, r.stderr)
				}
			}
		})
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUnknownCommandNamesIt(t *testing.T) {
	r := mustRun(t, exitUsage, "frobnicate")
	if r.err == nil || !strings.Contains(r.err.Error(), `"frobnicate"`) {
		t.Errorf("error %v does not name the unknown command", r.err)
	}
}
