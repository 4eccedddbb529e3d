package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Append writes the batch in one transaction: the dedup check, the counts
// summed per series and bucket into both resolutions, and the batch log
// row. One commit, hence one fsync, per batch: that, not the rows, is what
// an Append costs, so sources should batch generously.
func (db *DB) Append(ctx context.Context, b store.Batch) (seq int64, duplicate bool, err error) {
	if !db.gate.enter() {
		return 0, false, store.ErrClosed
	}
	defer db.gate.exit()
	if err := b.Validate(); err != nil {
		return 0, false, fmt.Errorf("sqlite append: %w", err)
	}
	if b.Received.IsZero() {
		b.Received = db.opts.Now()
	}
	// Everything that needs no database is done before the write lock is
	// taken, so that concurrent Appends overlap their preparation.
	agg := aggregate(b.Observations)

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, db.fail("append", err)
	}
	defer tx.Rollback() // a no-op once committed
	if b.ID != "" {
		err := tx.StmtContext(ctx, db.stmts.batchByID).QueryRowContext(ctx, b.ID).Scan(&seq)
		if err == nil {
			return seq, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, false, db.fail("append", err)
		}
	}
	created, err := db.resolve(ctx, tx, agg.series, agg.ids)
	if err != nil {
		return 0, false, db.fail("append", err)
	}
	agg.fine = agg.withIDs(agg.fine)
	agg.coarse = agg.withIDs(agg.coarse)
	// Minute rows past their retention would only be pruned: a backfill of
	// months writes its hours and the last days' minutes, not months of
	// minutes. The log keeps every row, since a replay needs them.
	cutoff := db.opts.Now().Add(-db.opts.Retention.Fine).Unix()
	if err := db.stmts.fine.upsert(ctx, tx, recentRows(agg.fine, cutoff)); err != nil {
		return 0, false, db.fail("append fine counts", err)
	}
	if err := db.stmts.coarse.upsert(ctx, tx, agg.coarse); err != nil {
		return 0, false, db.fail("append coarse counts", err)
	}
	var id any // NULL when empty: UNIQUE lets any number of NULLs through
	if b.ID != "" {
		id = b.ID
	}
	blob := encodeRows(nil, agg.fine)
	err = tx.StmtContext(ctx, db.stmts.logBatch).QueryRowContext(ctx, id, b.Received.UnixMilli(), blob).Scan(&seq)
	if err != nil {
		return 0, false, db.fail("append log", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, false, db.fail("append commit", err)
	}
	db.series.add(created)
	return seq, false, nil
}

// resolve finds the row id of each series, creating the rows of new ones
// inside tx, and stores them in ids (parallel to series). It returns the
// series it created or looked up in the database, for the cache to learn
// once tx commits.
func (db *DB) resolve(ctx context.Context, tx *sql.Tx, series []slo.Series, ids []int64) (map[slo.Series]int64, error) {
	var found map[slo.Series]int64
	for i, s := range series {
		if id, ok := db.series.id(s); ok {
			ids[i] = id
			continue
		}
		// The no-op update makes RETURNING give the id also when the row
		// exists, as it does when another handle on the file created it.
		err := tx.StmtContext(ctx, db.stmts.series).QueryRowContext(ctx, s.Objective, s.Customer).Scan(&ids[i])
		if err != nil {
			return nil, fmt.Errorf("series %s: %w", s, err)
		}
		if found == nil {
			found = make(map[slo.Series]int64)
		}
		found[s] = ids[i]
	}
	return found, nil
}

// aggregated is a batch summed per series and bucket, both resolutions,
// sorted by series then bucket. Until resolve runs, row.series is an index
// into series.
type aggregated struct {
	series []slo.Series
	ids    []int64
	fine   []row
	coarse []row
}

// withIDs replaces the series indexes of rows by the resolved row ids and
// sorts the rows again, since ids need not be in the order of indexes.
func (a *aggregated) withIDs(rows []row) []row {
	for i := range rows {
		rows[i].series = a.ids[rows[i].series]
	}
	sortRows(rows)
	return rows
}

// aggregate sums observations per series and bucket. Observations of one
// series and minute usually come in runs, so the series and the bucket of
// the previous observation are tried before the maps.
func aggregate(obs []slo.Observation) *aggregated {
	a := &aggregated{}
	index := make(map[slo.Series]int64)
	type key struct{ series, bucket int64 }
	fine := make(map[key]int, min(len(obs), 1024))
	last := int64(-1)
	prev, prevKey := 0, key{-1, 0}
	fineRes, coarseRes := int64(time.Duration(store.Fine)/time.Second), int64(time.Duration(store.Coarse)/time.Second)
	for i := range obs {
		o := &obs[i]
		if last < 0 || a.series[last] != o.Series {
			idx, ok := index[o.Series]
			if !ok {
				idx = int64(len(a.series))
				index[o.Series] = idx
				a.series = append(a.series, o.Series)
			}
			last = idx
		}
		k := key{last, floorDiv(o.Time.Unix(), fineRes) * fineRes}
		j, ok := prev, k == prevKey
		if !ok {
			j, ok = fine[k]
		}
		if !ok {
			j = len(a.fine)
			fine[k] = j
			a.fine = append(a.fine, row{series: k.series, bucket: k.bucket})
		}
		a.fine[j].good += o.Good
		a.fine[j].valid += o.Valid
		prev, prevKey = j, k
	}
	a.ids = make([]int64, len(a.series))
	sortRows(a.fine)
	// Coarse buckets are sums of whole fine ones, since an hour is a whole
	// number of minutes; summing the sorted fine rows needs no map.
	for _, r := range a.fine {
		r.bucket = floorDiv(r.bucket, coarseRes) * coarseRes
		if n := len(a.coarse); n > 0 && a.coarse[n-1].series == r.series && a.coarse[n-1].bucket == r.bucket {
			a.coarse[n-1].good += r.good
			a.coarse[n-1].valid += r.valid
			continue
		}
		a.coarse = append(a.coarse, r)
	}
	return a
}

// floorDiv divides rounding toward minus infinity, so that times before
// 1970 fall in the bucket that starts before them, as Truncate's do.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// recentRows returns the rows with a bucket at or after cutoff.
func recentRows(rows []row, cutoff int64) []row {
	var out []row
	for i, r := range rows {
		if r.bucket < cutoff {
			if out == nil {
				out = append(make([]row, 0, len(rows)), rows[:i]...)
			}
			continue
		}
		if out != nil {
			out = append(out, r)
		}
	}
	if out == nil {
		return rows
	}
	return out
}

func sortRows(rows []row) {
	slices.SortFunc(rows, func(x, y row) int {
		return cmp.Or(cmp.Compare(x.series, y.series), cmp.Compare(x.bucket, y.bucket))
	})
}
