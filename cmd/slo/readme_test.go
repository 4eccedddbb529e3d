package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheREADMECommandsWork runs every ./slo command the README shows, from
// the repository root, so the tour cannot drift from what the tool does.
func TestTheREADMECommandsWork(t *testing.T) {
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Chdir("../..")
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "./slo ") {
			continue
		}
		line, _, _ = strings.Cut(line, ">") // output redirection: stdout is captured anyway
		line, _, _ = strings.Cut(line, "#")
		var args []string
		for _, a := range strings.Fields(line)[1:] {
			if strings.ContainsAny(a, "*?[") {
				matches, err := filepath.Glob(a)
				if err != nil || len(matches) == 0 {
					t.Fatalf("%s: the glob %s matches nothing", line, a)
				}
				args = append(args, matches...)
				continue
			}
			args = append(args, a)
		}
		n++
		var stdout, stderr strings.Builder
		err := Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		if code := exitCode(err); code != 0 {
			t.Errorf("%s: exit %d: %v\n%s", line, code, err, stderr.String())
		}
		if stdout.Len() == 0 {
			t.Errorf("%s: printed nothing", line)
		}
	}
	if n < 5 {
		t.Fatalf("found only %d ./slo commands in the README", n)
	}
}
