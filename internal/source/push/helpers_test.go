package push

import (
	"context"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/push/pushtest"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store"
)

// platformSpec is the seed's notification platform: two event streams
// (api, delivery), four objectives, customer tiers and a weekly
// maintenance window on Sundays 02:00-02:30 UTC.
const platformSpec = "../../../examples/notification-platform.yaml"

// loadServices reads spec files for a test.
func loadServices(t testing.TB, files ...string) []slo.Service {
	t.Helper()
	svcs, problems := spec.Load(files...)
	if bad := problems.Invalid(); len(bad) > 0 {
		t.Fatalf("loading %v: %v", files, bad)
	}
	out := make([]slo.Service, len(svcs))
	for i, s := range svcs {
		out[i] = *s
	}
	return out
}

// parseServices reads a spec given as text.
func parseServices(t testing.TB, yaml string) []slo.Service {
	t.Helper()
	svcs, problems := spec.Parse("test.yaml", []byte(yaml))
	if bad := problems.Invalid(); len(bad) > 0 {
		t.Fatalf("parsing the spec: %v", bad)
	}
	out := make([]slo.Service, len(svcs))
	for i, s := range svcs {
		out[i] = *s
	}
	return out
}

// fakeSink is pushtest's store in memory, or fails every append with err.
type fakeSink struct {
	pushtest.Sink
	err error
}

func (s *fakeSink) Append(ctx context.Context, b store.Batch) (int64, bool, error) {
	if s.err != nil {
		return 0, false, s.err
	}
	return s.Sink.Append(ctx, b)
}

// sums adds up every observation appended, by "series minute".
func (s *fakeSink) sums() map[string][2]float64 {
	out := map[string][2]float64{}
	for _, b := range s.Batches() {
		for _, o := range b.Observations {
			k := o.Series.String() + " " + o.Time.Format("15:04")
			v := out[k]
			out[k] = [2]float64{v[0] + o.Good, v[1] + o.Valid}
		}
	}
	return out
}

// fixedClock is a clock the test sets.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }
