package engine

import (
	"context"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Run evaluates every tick until ctx is done, recording snapshots, saving
// checkpoints and pruning the store on their own schedules, and saves a last
// checkpoint when ctx is done. Ticks time themselves with
// after, which tests replace to step a fake clock. A tick that overruns the
// interval is not made up: the next one starts when it is due.
func (e *Engine) Run(ctx context.Context) error {
	return e.run(ctx, time.After)
}

func (e *Engine) run(ctx context.Context, after func(time.Duration) <-chan time.Time) error {
	var lastSnap, lastPrune time.Time
	lastCheckpoint := e.opts.Now()
	for {
		select {
		case <-ctx.Done():
			// The batches are durable already; the checkpoint only spares
			// the next start the replay.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			return e.Checkpoint(cctx)
		case <-after(e.opts.Tick):
		}
		began := time.Now()
		now := e.Evaluate()
		if e.opts.OnTick != nil {
			e.opts.OnTick(time.Since(began))
		}
		if e.opts.Alerter != nil {
			e.opts.Alerter.Tick(ctx, now, e.Alerting())
		}
		if now.Sub(lastSnap) >= e.opts.SnapshotEvery {
			lastSnap = now
			if err := e.store.SaveSnapshots(ctx, e.snapshots()); err != nil {
				e.opts.Logger.Error("saving snapshots", "err", err)
			}
		}
		if now.Sub(lastCheckpoint) >= e.opts.CheckpointEvery {
			lastCheckpoint = now
			if err := e.Checkpoint(ctx); err != nil {
				e.opts.Logger.Error("saving a checkpoint", "err", err)
			}
		}
		if now.Sub(lastPrune) >= e.opts.PruneEvery {
			lastPrune = now
			if err := e.store.Prune(ctx, now); err != nil {
				e.opts.Logger.Error("pruning the store", "err", err)
			}
		}
	}
}

// snapshots records the last evaluation of every objective. Customers'
// series are left out: at thousands of customers a snapshot a few minutes
// would outgrow the counts themselves, and their counts are kept anyway.
func (e *Engine) snapshots() []store.Snapshot {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]store.Snapshot, 0, len(e.keys))
	for _, k := range e.keys {
		s, ok := e.series[slo.Series{Objective: k}]
		if !ok {
			continue
		}
		r := &s.last
		b := s.budget()
		snap := store.Snapshot{Series: s.id, Time: r.at, Status: r.status.String()}
		if sli, ok := b.SLI(); ok {
			snap.SLI = &sli
			snap.BudgetRemaining, snap.RemainingMinutes = b.RemainingRatio(), b.RemainingMinutes()
		} else {
			snap.BudgetRemaining, snap.RemainingMinutes = 1, b.TotalMinutes()
		}
		if s.plan.w1h >= 0 {
			w := r.sums[s.plan.w1h]
			x, ok := slo.BurnRate(w.good, w.valid, s.target)
			snap.BurnRate1h = ptr(x, ok)
		}
		out = append(out, snap)
	}
	return out
}
