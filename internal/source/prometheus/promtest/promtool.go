package promtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// promtool runs promtool in dir ("" for the test's) and returns what it
// printed, both streams.
func promtool(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(need(t, "promtool", PromtoolBinary), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// CheckRules runs promtool check rules on files, and fails the test with
// promtool's output when it finds a fault.
func CheckRules(t testing.TB, files ...string) {
	t.Helper()
	if out, err := CheckRulesOutput(t, files...); err != nil {
		t.Fatalf("promtest: promtool check rules %s: %v\n%s", strings.Join(files, " "), err, out)
	}
}

// CheckRulesOutput runs promtool check rules on files and returns its
// output, and an error when it exits with a failure: for tests that a bad
// file fails.
func CheckRulesOutput(t testing.TB, files ...string) (string, error) {
	t.Helper()
	return promtool(t, "", append([]string{"check", "rules"}, files...)...)
}

// TestRules runs promtool's rule unit tests in files, and fails the test
// with promtool's output when one fails. A test file's rule_files are
// relative to the test file.
func TestRules(t testing.TB, files ...string) {
	t.Helper()
	if out, err := TestRulesOutput(t, files...); err != nil {
		t.Fatalf("promtest: promtool test rules %s: %v\n%s", strings.Join(files, " "), err, out)
	}
}

// TestRulesOutput runs promtool test rules on files and returns its
// output, and an error when a test fails or a file is bad.
func TestRulesOutput(t testing.TB, files ...string) (string, error) {
	t.Helper()
	return promtool(t, "", append([]string{"test", "rules"}, files...)...)
}

// WriteOpenMetrics writes text, in the OpenMetrics text format, as TSDB
// blocks into dataDir with promtool tsdb create-blocks-from openmetrics.
//
// The text must end with "# EOF", a family's samples must not be
// interleaved with another's, and a series' samples must be in increasing
// time order: promtool 2.42 silently drops a sample older than the one
// before it, so WriteOpenMetrics counts what it wrote and fails the test
// when a sample is missing.
//
// A Prometheus running on dataDir loads new blocks by itself, but only at
// its next block reload, up to a minute later (52s seen): call it before
// Start, or use (*Server).WriteOpenMetrics, which restarts the server.
func WriteOpenMetrics(t testing.TB, dataDir, text string) {
	t.Helper()
	if !strings.HasSuffix(strings.TrimSpace(text), "# EOF") {
		t.Fatal(`promtest: OpenMetrics text must end with "# EOF"`)
	}
	file := filepath.Join(t.TempDir(), "data.om")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := promtool(t, "", "tsdb", "create-blocks-from", "openmetrics", file, dataDir)
	if err != nil {
		t.Fatalf("promtest: promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
	wrote, err := blockSamples(out)
	if err != nil {
		t.Fatalf("promtest: reading promtool's list of blocks: %v\n%s", err, out)
	}
	if want := sampleLines(text); wrote != want {
		t.Fatalf("promtest: promtool wrote %d samples of %d: are a series' samples in increasing "+
			"time order, each timestamp once?\n%s", wrote, want, out)
	}
}

// WriteOpenMetrics writes text as blocks into the server's data directory,
// as the function WriteOpenMetrics does, and restarts the server so that
// queries see them at once.
func (s *Server) WriteOpenMetrics(t testing.TB, text string) {
	t.Helper()
	WriteOpenMetrics(t, s.dataDir, text)
	s.Restart(t)
}

// sampleLines counts the samples in OpenMetrics text: the lines that are
// neither blank nor comments.
func sampleLines(text string) int {
	n := 0
	for line := range strings.Lines(text) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	return n
}

// blockSamples sums the NUM SAMPLES column of the table of blocks that
// promtool prints after it wrote them.
func blockSamples(out string) (int, error) {
	const column = 4 // BLOCK ULID, MIN TIME, MAX TIME, DURATION, NUM SAMPLES
	sc := bufio.NewScanner(strings.NewReader(out))
	header, total := false, 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 1 && f[0] == "BLOCK" && f[1] == "ULID" {
			header = true
			continue
		}
		if !header || len(f) <= column {
			continue
		}
		n, err := strconv.Atoi(f[column])
		if err != nil {
			return 0, fmt.Errorf("line %q: %w", sc.Text(), err)
		}
		total += n
	}
	if !header && strings.TrimSpace(out) != "" {
		return 0, errors.New("no table of blocks")
	}
	return total, nil
}
