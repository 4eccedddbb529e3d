package promtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BackfillRules evaluates the recording rules of ruleFile over the
// server's data from start to end, every step, with promtool tsdb
// create-blocks-from rules, moves the blocks it writes into the server's
// data directory, and restarts the server so that queries see them.
//
// How promtool 2.42 backfills, as the tests show:
//
//   - It evaluates each rule on its own, by one range query a block (2h),
//     so a rule over another rule of the same pass sees nothing of it:
//     use BackfillRuleLevels for rules over rules.
//   - Evaluation times are not start + k*step. Like a rule group in a
//     running Prometheus, a group is evaluated at the times that are
//     offset by phase from multiples of its interval since the Unix epoch,
//     where phase = hash(group name, rule file name) mod interval, to the
//     nanosecond (then the millisecond, in the TSDB). The first is the
//     first of those at or after start, the last the last at or before
//     end. Raw reads the exact times; an instant query at time T sees the
//     last evaluation at or before T, within the 5m lookback.
//   - A group's own interval: overrides step.
//   - start and end are taken to the second; alerting rules are skipped.
//
// promtool is run in the rule file's directory with its base name, so the
// phase depends on the group and file names only, and is the same on
// every run: group "phase" of phase.yml is at 39.222s past each minute.
// A pass over an hour at 1m takes about 0.1s, the restart that follows
// well under a second on a small TSDB.
func (s *Server) BackfillRules(t testing.TB, ruleFile string, start, end time.Time, step time.Duration) {
	t.Helper()
	abs, err := filepath.Abs(ruleFile)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	printed, err := promtool(t, filepath.Dir(abs), "tsdb", "create-blocks-from", "rules",
		"--start="+strconv.FormatInt(start.Unix(), 10),
		"--end="+strconv.FormatInt(end.Unix(), 10),
		"--eval-interval="+promDuration(step),
		"--url="+s.URL(),
		"--output-dir="+out,
		filepath.Base(abs))
	if err != nil {
		t.Fatalf("promtest: promtool tsdb create-blocks-from rules %s: %v\n%s", ruleFile, err, printed)
	}
	if err := moveBlocks(out, s.dataDir); err != nil {
		t.Fatalf("promtest: backfilling %s: %v", ruleFile, err)
	}
	s.Restart(t)
}

// BackfillRuleLevels backfills rule files level by level: each level's
// rules may use the recording rules of the levels before it, which the
// server holds by the time the level is evaluated. One pass over a file
// whose rules use one another would not do: see BackfillRules. Level i
// (from 1) is written as level<i>.yml, which fixes its groups' phases.
func (s *Server) BackfillRuleLevels(t testing.TB, levels [][]byte, start, end time.Time, step time.Duration) {
	t.Helper()
	dir := t.TempDir()
	for i, rules := range levels {
		file := filepath.Join(dir, fmt.Sprintf("level%d.yml", i+1))
		if err := os.WriteFile(file, rules, 0o644); err != nil {
			t.Fatal(err)
		}
		s.BackfillRules(t, file, start, end, step)
	}
}

// moveBlocks moves the blocks of dir (directories with a meta.json) into
// dataDir. A block that cannot be renamed there, being on another file
// system, is copied under a name Prometheus ignores and then renamed, so
// that a running Prometheus never loads half a block.
func moveBlocks(dir, dataDir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		src := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(src, "meta.json")); err != nil {
			continue
		}
		dst := filepath.Join(dataDir, e.Name())
		if os.Rename(src, dst) == nil {
			continue
		}
		tmp := dst + ".tmp-for-creation"
		if err := os.CopyFS(tmp, os.DirFS(src)); err != nil {
			return fmt.Errorf("copying block %s: %w", e.Name(), err)
		}
		if err := os.Rename(tmp, dst); err != nil {
			return fmt.Errorf("moving block %s: %w", e.Name(), err)
		}
	}
	return nil
}
