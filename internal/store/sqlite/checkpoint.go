package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"iter"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// SaveCheckpoint replaces the checkpoint in one transaction, so a crash
// leaves either the old checkpoint or the new one, never a mix.
//
// The states are drawn from the iterator, and copied, before the write
// transaction begins: the iterator may be the engine encoding its state as
// it goes, and ingest should not wait on that. It also means the iterator
// may reuse its buffer between yields.
func (db *DB) SaveCheckpoint(ctx context.Context, seq int64, states iter.Seq2[slo.Series, []byte]) error {
	if !db.gate.enter() {
		return store.ErrClosed
	}
	defer db.gate.exit()
	type entry struct {
		series slo.Series
		state  []byte
	}
	var all []entry
	index := make(map[slo.Series]int)
	for s, b := range states {
		if i, ok := index[s]; ok { // the last state of a series wins
			all[i].state = bytes.Clone(b)
			continue
		}
		index[s] = len(all)
		all = append(all, entry{s, bytes.Clone(b)})
	}
	if err := ctx.Err(); err != nil {
		return db.fail("save checkpoint", err)
	}
	series := make([]slo.Series, len(all))
	for i, e := range all {
		series[i] = e.series
	}
	ids := make([]int64, len(all))

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.fail("save checkpoint", err)
	}
	defer tx.Rollback()
	created, err := db.resolve(ctx, tx, series, ids)
	if err != nil {
		return db.fail("save checkpoint", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM checkpoint`); err != nil {
		return db.fail("save checkpoint", err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO checkpoint (series_id, state) VALUES (?, ?)`)
	if err != nil {
		return db.fail("save checkpoint", err)
	}
	defer ins.Close()
	for i, e := range all {
		state := e.state
		if state == nil {
			state = []byte{} // the column is NOT NULL; an empty state is still a state
		}
		if _, err := ins.ExecContext(ctx, ids[i], state); err != nil {
			return db.fail("save checkpoint", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoint_meta (one, seq) VALUES (1, ?)
		ON CONFLICT (one) DO UPDATE SET seq = excluded.seq`, seq); err != nil {
		return db.fail("save checkpoint", err)
	}
	if err := tx.Commit(); err != nil {
		return db.fail("save checkpoint", err)
	}
	db.series.add(created)
	return nil
}

// LoadCheckpoint streams the checkpoint, series in name order, from one
// read transaction, so the sequence and the states belong together even
// while a new checkpoint is being saved.
func (db *DB) LoadCheckpoint(ctx context.Context, fn func(slo.Series, []byte) error) (int64, error) {
	if !db.gate.enter() {
		return 0, store.ErrClosed
	}
	defer db.gate.exit()
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, db.fail("load checkpoint", err)
	}
	defer tx.Rollback()
	var seq int64
	err = tx.QueryRowContext(ctx, `SELECT seq FROM checkpoint_meta WHERE one = 1`).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, db.fail("load checkpoint", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT s.objective, s.customer, c.state
		FROM checkpoint c JOIN series s ON s.id = c.series_id ORDER BY s.objective, s.customer`)
	if err != nil {
		return 0, db.fail("load checkpoint", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s slo.Series
		var state []byte
		if err := rows.Scan(&s.Objective, &s.Customer, &state); err != nil {
			return 0, db.fail("load checkpoint", err)
		}
		if err := fn(s, state); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, db.fail("load checkpoint", err)
	}
	return seq, nil
}
