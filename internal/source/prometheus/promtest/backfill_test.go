package promtest

import (
	"testing"
	"time"
)

const (
	level1 = `groups:
  - name: requests
    rules:
      - record: code:http_requests:rate5m
        expr: sum by (code) (rate(http_requests_total[5m]))
`
	level2 = `groups:
  - name: errors
    rules:
      - record: http_requests:error_ratio5m
        expr: sum(code:http_requests:rate5m{code="500"}) / sum(code:http_requests:rate5m)
`
)

func TestBackfillsTwoLevelsOfRulesAtPastTimes(t *testing.T) {
	t.Parallel()
	s := withRequests(t, Options{})
	begun := time.Now()
	s.BackfillRuleLevels(t, [][]byte{[]byte(level1), []byte(level2)}, day.Add(10*time.Minute), day.Add(50*time.Minute), time.Minute)
	t.Logf("two levels backfilled, with two restarts, in %s", time.Since(begun))

	for _, at := range []time.Duration{15 * time.Minute, 30 * time.Minute, 45 * time.Minute} {
		rates := byCode(s.Query(t, "code:http_requests:rate5m", day.Add(at)))
		if len(rates) != 2 || !near(rates["200"], 2.0/3) || !near(rates["500"], 1.0/15) {
			t.Errorf("code:http_requests:rate5m at day+%s = %v, want 200: 2/3, 500: 1/15", at, rates)
		}
		ratio := s.Query(t, "http_requests:error_ratio5m", day.Add(at))
		if len(ratio) != 1 || !near(ratio[0].Value, 1.0/11) {
			t.Errorf("http_requests:error_ratio5m at day+%s = %v, want 1/11", at, ratio)
		}
	}
	// Nothing before start, where no rule was evaluated.
	if v := s.Query(t, "http_requests:error_ratio5m", day.Add(5*time.Minute)); len(v) != 0 {
		t.Errorf("http_requests:error_ratio5m before the backfill's start = %v, want nothing", v)
	}
}

func TestOnePassMissesARuleOverAnotherRule(t *testing.T) {
	t.Parallel()
	s := withRequests(t, Options{})
	file := writeFile(t, t.TempDir(), "both.yml", level1+level2[len("groups:\n"):])
	s.BackfillRules(t, file, day.Add(10*time.Minute), day.Add(50*time.Minute), time.Minute)
	if v := s.Query(t, "code:http_requests:rate5m", day.Add(30*time.Minute)); len(v) != 2 {
		t.Errorf("the rule over raw data has %v, want 2 series", v)
	}
	if v := s.Query(t, "http_requests:error_ratio5m", day.Add(30*time.Minute)); len(v) != 0 {
		t.Errorf("the rule over a rule of the same pass has %v: promtool now evaluates rules in order?", v)
	}
}

// TestBackfillEvaluatesAtTheGroupsPhase shows where promtool 2.42 puts
// evaluations: every step, at a phase of the epoch fixed by the group and
// file names, whatever the start.
func TestBackfillEvaluatesAtTheGroupsPhase(t *testing.T) {
	t.Parallel()
	s := withRequests(t, Options{})
	step := time.Minute
	var phases []time.Duration
	for i, start := range []time.Time{day.Add(10*time.Minute + 17*time.Second), day.Add(30*time.Minute + 41*time.Second)} {
		// The same file and group names in two directories, and two
		// record names to tell the passes apart.
		record := []string{"promtest:first", "promtest:second"}[i]
		file := writeFile(t, t.TempDir(), "phase.yml",
			"groups:\n  - name: phase\n    rules:\n      - record: "+record+"\n        expr: sum(http_requests_total)\n")
		end := start.Add(10 * time.Minute)
		s.BackfillRules(t, file, start, end, step)

		raw := s.Raw(t, record, day, day.Add(time.Hour))
		if len(raw) != 1 || len(raw[0].Points) != 10 {
			t.Fatalf("%s: %v, want one series of 10 evaluations", record, raw)
		}
		pts := raw[0].Points
		if first := pts[0].Time; first.Before(start) || !first.Before(start.Add(step)) {
			t.Errorf("%s: first evaluation at %s, want within a step from the start %s", record, first, start)
		}
		for j := 1; j < len(pts); j++ {
			if d := pts[j].Time.Sub(pts[j-1].Time); d != step {
				t.Errorf("%s: evaluations %s apart at %s, want %s", record, d, pts[j].Time, step)
			}
		}
		phase := time.Duration(pts[0].Time.UnixMilli()%step.Milliseconds()) * time.Millisecond
		t.Logf("%s from %s: first evaluation at %s, phase %s", record, start.Format(time.TimeOnly), pts[0].Time.Format("15:04:05.000"), phase)
		phases = append(phases, phase)
	}
	if phases[0] != phases[1] {
		t.Errorf("phases %s and %s from two starts, want one phase of the group", phases[0], phases[1])
	}
	if phases[0] == 17*time.Second || phases[0] == 41*time.Second {
		t.Errorf("phase %s is the start's: promtool now evaluates from the start?", phases[0])
	}
}

func TestQueryStatsCountsMoreSamplesOverALongerRange(t *testing.T) {
	t.Parallel()
	s := withRequests(t, Options{Args: []string{"--enable-feature=promql-per-step-stats"}})
	at := day.Add(time.Hour)
	short := s.QueryStats(t, "rate(http_requests_total[5m])", at)
	long := s.QueryStats(t, "rate(http_requests_total[1h])", at)
	t.Logf("[5m]: %+v\n[1h]: %+v", short, long)
	if short.TotalQueryableSamples <= 0 || short.PeakSamples <= 0 {
		t.Errorf("rate over [5m]: %+v, want positive sample counts", short)
	}
	if long.TotalQueryableSamples <= short.TotalQueryableSamples {
		t.Errorf("%d samples over [1h], %d over [5m], want more over [1h]", long.TotalQueryableSamples, short.TotalQueryableSamples)
	}
	if len(long.PerStep) != 1 || long.PerStep[0].Value != float64(long.TotalQueryableSamples) || !long.PerStep[0].Time.Equal(at) {
		t.Errorf("samples per step = %v, want one step at %s of %d", long.PerStep, at, long.TotalQueryableSamples)
	}
	if _, ok := long.Timings["evalTotalTime"]; !ok {
		t.Errorf("timings %v, want evalTotalTime", long.Timings)
	}
}
