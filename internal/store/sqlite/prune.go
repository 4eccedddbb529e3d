package sqlite

import (
	"context"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

// Prune deletes what is past retention at now, one table per transaction,
// so that a large first prune does not hold ingest up for all of them at
// once.
//
// A count bucket goes once all of it is older than its retention, so a
// window reaching back exactly the retention still sees whole buckets.
// Deleting the counts by series row id lets every DELETE seek in the
// primary key instead of scanning the table.
//
// A batch log entry goes only when it is older than the dedup horizon
// (Retention.Batches) and the checkpoint covers it: the log after the
// checkpoint is what the engine replays on start, so an entry the
// checkpoint does not cover is needed whatever its age. Without any
// checkpoint nothing is pruned from the log. The newest entry always
// stays: sequence numbers are row ids, and SQLite gives a new row the
// largest id plus one, so deleting the newest would hand its sequence out
// again, and LastSeq would go back.
//
// A resolved alert goes once its ResolvedAt is older than the coarse
// retention, as long as the hour counts are kept; an active one
// (ResolvedAt zero, stored as NULL) never goes, however old. This DELETE
// scans the table, which holds a row per episode, not per minute.
//
// Series rows stay: they are small, and the checkpoint and snapshots name
// series by their ids.
func (db *DB) Prune(ctx context.Context, now time.Time) error {
	if !db.gate.enter() {
		return store.ErrClosed
	}
	defer db.gate.exit()
	r := db.opts.Retention
	fine := lastBucketBefore(now.Add(-r.Fine), store.Fine)
	coarse := lastBucketBefore(now.Add(-r.Coarse), store.Coarse)
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"fine counts", `DELETE FROM counts_fine WHERE series_id IN (SELECT id FROM series) AND bucket <= ?`, []any{fine}},
		{"coarse counts", `DELETE FROM counts_coarse WHERE series_id IN (SELECT id FROM series) AND bucket <= ?`, []any{coarse}},
		{"snapshots", `DELETE FROM snapshots WHERE series_id IN (SELECT id FROM series) AND time_ms < ?`,
			[]any{now.Add(-r.Snapshots).UnixMilli()}},
		{"batch log", `DELETE FROM batches
			WHERE seq <= (SELECT COALESCE(MAX(seq), 0) FROM checkpoint_meta)
			AND seq < (SELECT MAX(seq) FROM batches)
			AND received < ?`, []any{now.Add(-r.Batches).UnixMilli()}},
		{"alerts", `DELETE FROM alerts WHERE resolved_ms < ?`, []any{now.Add(-r.Coarse).UnixMilli()}},
	}
	for _, s := range steps {
		if _, err := db.write.ExecContext(ctx, s.sql, s.args...); err != nil {
			return db.fail("prune "+s.what, err)
		}
	}
	return nil
}

// lastBucketBefore is the start, in unix seconds, of the newest bucket of
// resolution r that ends at or before cutoff.
func lastBucketBefore(cutoff time.Time, r store.Resolution) int64 {
	res := int64(time.Duration(r) / time.Second)
	return floorDiv(cutoff.Unix(), res)*res - res
}
