package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// writeStmts are the writer's prepared statements. The writer pool has one
// connection, so each is compiled once and reused by every transaction.
type writeStmts struct {
	batchByID *sql.Stmt
	series    *sql.Stmt
	logBatch  *sql.Stmt
	fine      upserter
	coarse    upserter
	all       []*sql.Stmt
}

func (s *writeStmts) prepare(w *sql.DB) error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = w.Prepare(q)
		if st != nil {
			s.all = append(s.all, st)
		}
		return st
	}
	s.batchByID = prep(`SELECT seq FROM batches WHERE id = ?`)
	s.series = prep(`INSERT INTO series (objective, customer) VALUES (?, ?)
		ON CONFLICT (objective, customer) DO UPDATE SET objective = excluded.objective RETURNING id`)
	s.logBatch = prep(`INSERT INTO batches (id, received, obs) VALUES (?, ?, ?) RETURNING seq`)
	s.fine.table, s.coarse.table = "counts_fine", "counts_coarse"
	for _, u := range []*upserter{&s.fine, &s.coarse} {
		for i, n := range chunks {
			u.stmts[i] = prep(upsertSQL(u.table, n))
		}
	}
	if err != nil {
		s.close()
		return fmt.Errorf("prepare: %w", err)
	}
	return nil
}

func (s *writeStmts) close() {
	for _, st := range s.all {
		st.Close()
	}
	s.all = nil
}

// chunks are the numbers of rows one upsert statement takes, largest first.
// A statement per row costs a round through database/sql and the driver per
// row; many rows a statement amortise that, and the smaller sizes mop up the
// rest with at most a few statements more. 64 rows are 256 parameters, far
// below SQLite's limit.
var chunks = [...]int{64, 8, 1}

// upserter adds rows to one count table.
type upserter struct {
	table string
	stmts [len(chunks)]*sql.Stmt
}

// upsertSQL is the statement that adds n rows to table, summing into the
// rows already there.
func upsertSQL(table string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (series_id, bucket, good, valid) VALUES ", table)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
	}
	b.WriteString(" ON CONFLICT (series_id, bucket) DO UPDATE SET good = good + excluded.good, valid = valid + excluded.valid")
	return b.String()
}

// upsert adds rows to the table in as few statements as chunks allow.
func (u *upserter) upsert(ctx context.Context, tx *sql.Tx, rows []row) error {
	args := make([]any, 0, 4*chunks[0])
	for i, n := range chunks {
		if len(rows) < n {
			continue
		}
		st := tx.StmtContext(ctx, u.stmts[i])
		for len(rows) >= n {
			args = args[:0]
			for _, r := range rows[:n] {
				args = append(args, r.series, r.bucket, r.good, r.valid)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return err
			}
			rows = rows[n:]
		}
	}
	if len(rows) != 0 {
		return errors.New("upsert: rows left over") // chunks ends in 1; cannot happen
	}
	return nil
}
