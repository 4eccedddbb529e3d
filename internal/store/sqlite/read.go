package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Scan reads the counts of resolution r in [from, to). The query walks the
// series by name and, for each, seeks the range in the count table's
// primary key, so it reads only the rows it returns and sorts nothing. It
// reads from one transaction, so that a concurrent Append is seen whole or
// not at all.
func (db *DB) Scan(ctx context.Context, r store.Resolution, from, to time.Time, fn func(slo.Observation) error) error {
	return db.scan(ctx, r, "", nil, from, to, fn)
}

// ScanSeries reads the counts of one series, as Scan does for all.
func (db *DB) ScanSeries(ctx context.Context, r store.Resolution, s slo.Series, from, to time.Time, fn func(slo.Observation) error) error {
	return db.scan(ctx, r, "s.objective = ? AND s.customer = ? AND ", []any{s.Objective, s.Customer}, from, to, fn)
}

// scan reads the counts of the series that where (a condition on s, ending
// in AND, with its args) selects.
func (db *DB) scan(ctx context.Context, r store.Resolution, where string, args []any, from, to time.Time, fn func(slo.Observation) error) error {
	if !db.gate.enter() {
		return store.ErrClosed
	}
	defer db.gate.exit()
	var table string
	switch r {
	case store.Fine:
		table = "counts_fine"
	case store.Coarse:
		table = "counts_coarse"
	default:
		return fmt.Errorf("sqlite scan: unknown resolution %v", time.Duration(r))
	}
	// The series' names are looked up by id rather than read with each
	// row: every column read through the driver costs two mutex round
	// trips and a text one an allocation, a third of the scan's time.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return db.fail("scan", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT c.series_id, c.bucket, c.good, c.valid
		FROM series s JOIN `+table+` c ON c.series_id = s.id
		WHERE `+where+`c.bucket >= ? AND c.bucket < ?
		ORDER BY s.objective, s.customer, c.bucket`, append(args, ceilUnix(from), ceilUnix(to))...)
	if err != nil {
		return db.fail("scan", err)
	}
	defer rows.Close()
	var o slo.Observation
	last := int64(-1)
	for rows.Next() {
		var id, bucket int64
		if err := rows.Scan(&id, &bucket, &o.Good, &o.Valid); err != nil {
			return db.fail("scan", err)
		}
		if id != last {
			if o.Series, err = db.seriesOf(ctx, tx, id); err != nil {
				return db.fail("scan", err)
			}
			last = id
		}
		o.Time = time.Unix(bucket, 0).UTC()
		if err := fn(o); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return db.fail("scan", err)
	}
	return nil
}

// ceilUnix is the first whole unix second at or after t: a bucket starting
// at second b is at or after t exactly when b >= ceilUnix(t), and before t
// exactly when b < ceilUnix(t).
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// Replay reads the batch log after a sequence number. Each batch's
// observations come summed per series and fine bucket, stamped with the
// bucket's start, sorted by series row id then time: exactly what the
// batch added to the counts. Each call to fn gets a slice of its own.
func (db *DB) Replay(ctx context.Context, after int64, fn func(seq int64, obs []slo.Observation) error) error {
	if !db.gate.enter() {
		return store.ErrClosed
	}
	defer db.gate.exit()
	// One read transaction: the series a blob names were committed with
	// it, so the same snapshot has them.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return db.fail("replay", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT seq, obs FROM batches WHERE seq > ? ORDER BY seq`, after)
	if err != nil {
		return db.fail("replay", err)
	}
	defer rows.Close()
	var decoded []row
	for rows.Next() {
		var seq int64
		var blob sql.RawBytes
		if err := rows.Scan(&seq, &blob); err != nil {
			return db.fail("replay", err)
		}
		decoded, err = decodeRows(decoded[:0], blob)
		if err != nil {
			return db.fail("replay", fmt.Errorf("batch %d: %w", seq, err))
		}
		obs := make([]slo.Observation, len(decoded))
		for i, r := range decoded {
			s, err := db.seriesOf(ctx, tx, r.series)
			if err != nil {
				return db.fail("replay", fmt.Errorf("batch %d: %w", seq, err))
			}
			obs[i] = slo.Observation{Series: s, Time: time.Unix(r.bucket, 0).UTC(), Good: r.good, Valid: r.valid}
		}
		if err := fn(seq, obs); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return db.fail("replay", err)
	}
	return nil
}

// seriesOf names the series with row id id, from the cache or else from
// the database, as seen by tx.
func (db *DB) seriesOf(ctx context.Context, tx *sql.Tx, id int64) (slo.Series, error) {
	db.series.mu.RLock()
	s, ok := db.series.byID[id]
	db.series.mu.RUnlock()
	if ok {
		return s, nil
	}
	err := tx.QueryRowContext(ctx, `SELECT objective, customer FROM series WHERE id = ?`, id).Scan(&s.Objective, &s.Customer)
	if err != nil {
		return s, fmt.Errorf("series %d: %w", id, err)
	}
	// Committed, since this reader sees it: safe to cache.
	db.series.add(map[slo.Series]int64{s: id})
	return s, nil
}

// LastSeq is the largest sequence in the batch log. Prune keeps the newest
// entry, so this never goes back.
func (db *DB) LastSeq(ctx context.Context) (int64, error) {
	if !db.gate.enter() {
		return 0, store.ErrClosed
	}
	defer db.gate.exit()
	var seq int64
	if err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM batches`).Scan(&seq); err != nil {
		return 0, db.fail("last seq", err)
	}
	return seq, nil
}
