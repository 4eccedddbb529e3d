package alert_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/alert"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// BenchmarkTickFiring is a tick of the alert manager when n objectives all
// have their page tier firing and stay so: what a wide outage costs the
// engine's goroutine every tick, on top of the evaluation.
func BenchmarkTickFiring(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("firing=%d", n), func(b *testing.B) {
			base := testService(page)[0]
			svc := base
			svc.Objectives = make([]slo.Objective, n)
			evals := make([]engine.Evaluation, n)
			for i := range n {
				svc.Objectives[i] = base.Objectives[0]
				svc.Objectives[i].Name = fmt.Sprintf("o%d", i)
				services := []slo.Service{svc}
				evals[i] = evalOf(services, "healthy", "page")
				evals[i].SLO = svc.Objectives[i].Name
			}
			st, err := sqlite.Open(filepath.Join(b.TempDir(), "slo.db"), sqlite.Options{Now: func() time.Time { return t0 }})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			m := alert.New(st, alert.Options{ExternalURL: "http://slo", Notifiers: []alert.Notifier{&recorder{}}})
			m.SetServices([]slo.Service{svc})
			ctx := context.Background()
			now := t0
			m.Tick(ctx, now, evals) // all fire: the first tick saves them
			b.ResetTimer()
			for b.Loop() {
				now = now.Add(10 * time.Second)
				m.Tick(ctx, now, evals)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/tick")
		})
	}
}
