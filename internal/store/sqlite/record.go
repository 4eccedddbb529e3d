package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Snapshots and annotations keep their times in unix milliseconds: times
// are truncated to the millisecond when stored, and so are the bounds of
// the queries, so that a record is found by the time it was saved with.

// SaveSnapshots records snapshots in one transaction. Saving a snapshot of
// a series at a time already saved replaces it, so that an engine
// re-evaluating a tick after a restart does not double its history.
//
// SQLite stores a NaN as NULL: a NaN BudgetRemaining or RemainingMinutes
// reads back as NaN, a pointer to NaN as nil.
func (db *DB) SaveSnapshots(ctx context.Context, snaps []store.Snapshot) error {
	if !db.gate.enter() {
		return store.ErrClosed
	}
	defer db.gate.exit()
	series := make([]slo.Series, len(snaps))
	for i, s := range snaps {
		if s.Series.Objective == "" || s.Time.IsZero() {
			return fmt.Errorf("sqlite save snapshots: %w: snapshot %d has no objective or no time", store.ErrInvalid, i)
		}
		series[i] = s.Series
	}
	ids := make([]int64, len(snaps))
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.fail("save snapshots", err)
	}
	defer tx.Rollback()
	created, err := db.resolve(ctx, tx, series, ids)
	if err != nil {
		return db.fail("save snapshots", err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO snapshots
		(series_id, time_ms, sli, remaining, remaining_minutes, burn1h, status) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return db.fail("save snapshots", err)
	}
	defer ins.Close()
	for i, s := range snaps {
		if _, err := ins.ExecContext(ctx, ids[i], s.Time.UnixMilli(), nullable(s.SLI), s.BudgetRemaining,
			s.RemainingMinutes, nullable(s.BurnRate1h), s.Status); err != nil {
			return db.fail("save snapshots", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return db.fail("save snapshots", err)
	}
	db.series.add(created)
	return nil
}

// nullable turns a nil float pointer into SQL NULL.
func nullable(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// Snapshots reads one series' snapshots in [from, to), oldest first.
func (db *DB) Snapshots(ctx context.Context, s slo.Series, from, to time.Time) ([]store.Snapshot, error) {
	if !db.gate.enter() {
		return nil, store.ErrClosed
	}
	defer db.gate.exit()
	rows, err := db.read.QueryContext(ctx, `SELECT n.time_ms, n.sli, n.remaining, n.remaining_minutes, n.burn1h, n.status
		FROM series s JOIN snapshots n ON n.series_id = s.id
		WHERE s.objective = ? AND s.customer = ? AND n.time_ms >= ? AND n.time_ms < ?
		ORDER BY n.time_ms`, s.Objective, s.Customer, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, db.fail("snapshots", err)
	}
	defer rows.Close()
	var out []store.Snapshot
	for rows.Next() {
		var ms int64
		var sli, remaining, minutes, burn sql.NullFloat64
		n := store.Snapshot{Series: s}
		if err := rows.Scan(&ms, &sli, &remaining, &minutes, &burn, &n.Status); err != nil {
			return nil, db.fail("snapshots", err)
		}
		n.Time = time.UnixMilli(ms).UTC()
		n.SLI, n.BurnRate1h = pointer(sli), pointer(burn)
		n.BudgetRemaining, n.RemainingMinutes = orNaN(remaining), orNaN(minutes)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("snapshots", err)
	}
	return out, nil
}

func pointer(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

func orNaN(f sql.NullFloat64) float64 {
	if !f.Valid {
		return math.NaN()
	}
	return f.Float64
}

// AddAnnotation stores an annotation. It needs a service and a start, and
// an end, if any, not before the start.
func (db *DB) AddAnnotation(ctx context.Context, a store.Annotation) (store.Annotation, error) {
	if !db.gate.enter() {
		return a, store.ErrClosed
	}
	defer db.gate.exit()
	switch {
	case a.Service == "":
		return a, fmt.Errorf("sqlite add annotation: %w: no service", store.ErrInvalid)
	case a.Start.IsZero():
		return a, fmt.Errorf("sqlite add annotation: %w: no start", store.ErrInvalid)
	case !a.End.IsZero() && a.End.Before(a.Start):
		return a, fmt.Errorf("sqlite add annotation: %w: ends before it starts", store.ErrInvalid)
	}
	labels, err := jsonOrNull(a.Labels)
	if err != nil {
		return a, fmt.Errorf("sqlite add annotation: %w", err)
	}
	err = db.write.QueryRowContext(ctx, `INSERT INTO annotations (service, objective, kind, start_ms, end_ms, text, labels)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Service, a.Objective, a.Kind, a.Start.UnixMilli(), msOrNull(a.End), a.Text, labels).Scan(&a.ID)
	if err != nil {
		return a, db.fail("add annotation", err)
	}
	a.Start, a.End = stored(a.Start), stored(a.End)
	return a, nil
}

// Annotations reads the annotations overlapping [from, to). One with an
// end covers [start, end); a point in time covers its one millisecond, so
// that it is found by any range that holds it.
func (db *DB) Annotations(ctx context.Context, service string, from, to time.Time) ([]store.Annotation, error) {
	if !db.gate.enter() {
		return nil, store.ErrClosed
	}
	defer db.gate.exit()
	rows, err := db.read.QueryContext(ctx, `SELECT id, service, objective, kind, start_ms, end_ms, text, labels
		FROM annotations
		WHERE start_ms < ? AND MAX(COALESCE(end_ms, start_ms), start_ms + 1) > ? AND (? = '' OR service = ?)
		ORDER BY start_ms, id`, to.UnixMilli(), from.UnixMilli(), service, service)
	if err != nil {
		return nil, db.fail("annotations", err)
	}
	defer rows.Close()
	var out []store.Annotation
	for rows.Next() {
		var a store.Annotation
		var start int64
		var end sql.NullInt64
		var labels sql.NullString
		if err := rows.Scan(&a.ID, &a.Service, &a.Objective, &a.Kind, &start, &end, &a.Text, &labels); err != nil {
			return nil, db.fail("annotations", err)
		}
		a.Start, a.End = time.UnixMilli(start).UTC(), timeOrZero(end)
		if labels.Valid {
			if err := json.Unmarshal([]byte(labels.String), &a.Labels); err != nil {
				return nil, db.fail("annotations", fmt.Errorf("annotation %d labels: %w", a.ID, err))
			}
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("annotations", err)
	}
	return out, nil
}

// stored is t as it reads back once stored: truncated to the millisecond,
// in UTC, and the zero time for any zero time.
func stored(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// msOrNull is t in unix milliseconds, NULL for the zero time.
func msOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// timeOrZero is a time msOrNull stored, in UTC.
func timeOrZero(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

// jsonOrNull is m as a JSON object, NULL for a nil map.
func jsonOrNull(m map[string]string) (any, error) {
	if m == nil {
		return nil, nil
	}
	j, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(j), nil
}
