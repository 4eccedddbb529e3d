package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"

	"github.com/slo-dev/slo/internal/store"
)

// Alerts keep their times in unix milliseconds, NULL for the zero time, and
// their labels and annotations as JSON objects, NULL for a nil map. As with
// snapshots, SQLite stores a NaN float as NULL, which reads back as NaN.

// alertColumns are the alerts table's columns but id, in the order
// alertArgs gives their values and scanAlert reads them.
const alertColumns = `service, objective, customer, rule, severity, state, active_ms, fired_ms, resolved_ms,
	last_true_ms, peak_burn_rate, budget_spent, labels, annotations`

// SaveAlerts writes alerts in one transaction, so one commit and one fsync.
// An alert with an ID that names no row fails the call, with an error
// naming the ID, and nothing of the batch is written. The returned alerts
// have their times as they read back: to the millisecond, in UTC.
func (db *DB) SaveAlerts(ctx context.Context, alerts []store.Alert) ([]store.Alert, error) {
	if !db.gate.enter() {
		return nil, store.ErrClosed
	}
	defer db.gate.exit()
	out := make([]store.Alert, len(alerts))
	args := make([][]any, len(alerts))
	for i, a := range alerts {
		a.ActiveAt, a.FiredAt = stored(a.ActiveAt), stored(a.FiredAt)
		a.ResolvedAt, a.LastTrueAt = stored(a.ResolvedAt), stored(a.LastTrueAt)
		var err error
		if args[i], err = alertArgs(a); err != nil {
			return nil, db.fail("save alerts", fmt.Errorf("alert %d: %w", i, err))
		}
		out[i] = a
	}
	if len(alerts) == 0 {
		return out, nil
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.fail("save alerts", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO alerts (`+alertColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return nil, db.fail("save alerts", err)
	}
	defer ins.Close()
	upd, err := tx.PrepareContext(ctx, `UPDATE alerts SET (`+alertColumns+`)
		= (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`)
	if err != nil {
		return nil, db.fail("save alerts", err)
	}
	defer upd.Close()
	for i := range out {
		if out[i].ID == 0 {
			if err := ins.QueryRowContext(ctx, args[i]...).Scan(&out[i].ID); err != nil {
				return nil, db.fail("save alerts", err)
			}
			continue
		}
		res, err := upd.ExecContext(ctx, append(args[i], out[i].ID)...)
		if err != nil {
			return nil, db.fail("save alerts", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, db.fail("save alerts", err)
		}
		if n == 0 {
			return nil, db.fail("save alerts", fmt.Errorf("no alert with id %d", out[i].ID))
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, db.fail("save alerts", err)
	}
	return out, nil
}

// alertArgs are the values of alertColumns for a.
func alertArgs(a store.Alert) ([]any, error) {
	labels, err := jsonOrNull(a.Labels)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	annotations, err := jsonOrNull(a.Annotations)
	if err != nil {
		return nil, fmt.Errorf("annotations: %w", err)
	}
	return []any{a.Service, a.SLO, a.Customer, a.Rule, a.Severity, a.State,
		msOrNull(a.ActiveAt), msOrNull(a.FiredAt), msOrNull(a.ResolvedAt), msOrNull(a.LastTrueAt),
		a.PeakBurnRate, a.BudgetSpent, labels, annotations}, nil
}

// DeleteAlert deletes the alert with ID id, if there is one.
func (db *DB) DeleteAlert(ctx context.Context, id int64) error {
	if !db.gate.enter() {
		return store.ErrClosed
	}
	defer db.gate.exit()
	if _, err := db.write.ExecContext(ctx, `DELETE FROM alerts WHERE id = ?`, id); err != nil {
		return db.fail("delete alert", err)
	}
	return nil
}

// ActiveAlerts reads the alerts whose ResolvedAt is zero, whatever their
// State, oldest ActiveAt first and, among those active together, in the
// order they were first saved. It reads the alerts_active index only.
func (db *DB) ActiveAlerts(ctx context.Context) ([]store.Alert, error) {
	if !db.gate.enter() {
		return nil, store.ErrClosed
	}
	defer db.gate.exit()
	return db.queryAlerts(ctx, "active alerts", activeAlertsSQL)
}

// activeAlertsSQL is ActiveAlerts' query.
const activeAlertsSQL = `SELECT id, ` + alertColumns + ` FROM alerts
	WHERE resolved_ms IS NULL ORDER BY active_ms, id`

// Alerts reads the alerts that fired (FiredAt not zero) with FiredAt < q.To
// and a ResolvedAt that is zero or after q.From; a zero From or To leaves
// that end open. Of alerts that fired together, the one saved last comes
// first. The query walks the alerts_fired index back from q.To, so a
// limited read of recent history stops after the rows it returns.
func (db *DB) Alerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error) {
	if !db.gate.enter() {
		return nil, store.ErrClosed
	}
	defer db.gate.exit()
	from, to, limit := int64(math.MinInt64), int64(math.MaxInt64), -1 // -1: no limit to SQLite
	if !q.From.IsZero() {
		from = q.From.UnixMilli()
	}
	if !q.To.IsZero() {
		to = q.To.UnixMilli()
	}
	if q.Limit > 0 {
		limit = q.Limit
	}
	return db.queryAlerts(ctx, "alerts", alertsSQL, to, from, q.Service, q.Service, q.SLO, q.SLO, limit)
}

// alertsSQL is Alerts' query: its parameters are to, from, the service
// twice, the SLO twice and the limit, -1 for none.
const alertsSQL = `SELECT id, ` + alertColumns + ` FROM alerts
	WHERE fired_ms IS NOT NULL AND fired_ms < ? AND (resolved_ms IS NULL OR resolved_ms > ?)
	AND (? = '' OR service = ?) AND (? = '' OR objective = ?)
	ORDER BY fired_ms DESC, id DESC LIMIT ?`

// queryAlerts runs a query of id and alertColumns and reads its rows.
func (db *DB) queryAlerts(ctx context.Context, op, query string, args ...any) ([]store.Alert, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.fail(op, err)
	}
	defer rows.Close()
	var out []store.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, db.fail(op, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail(op, err)
	}
	return out, nil
}

// scanAlert reads a row of id and alertColumns.
func scanAlert(rows *sql.Rows) (store.Alert, error) {
	var a store.Alert
	var active, fired, resolved, lastTrue sql.NullInt64
	var peak, spent sql.NullFloat64
	var labels, annotations sql.NullString
	if err := rows.Scan(&a.ID, &a.Service, &a.SLO, &a.Customer, &a.Rule, &a.Severity, &a.State,
		&active, &fired, &resolved, &lastTrue, &peak, &spent, &labels, &annotations); err != nil {
		return a, err
	}
	a.ActiveAt, a.FiredAt, a.ResolvedAt, a.LastTrueAt = timeOrZero(active), timeOrZero(fired),
		timeOrZero(resolved), timeOrZero(lastTrue)
	a.PeakBurnRate, a.BudgetSpent = orNaN(peak), orNaN(spent)
	for _, m := range []struct {
		what string
		s    sql.NullString
		m    *map[string]string
	}{{"labels", labels, &a.Labels}, {"annotations", annotations, &a.Annotations}} {
		if !m.s.Valid {
			continue
		}
		if err := json.Unmarshal([]byte(m.s.String), m.m); err != nil {
			return a, fmt.Errorf("alert %d %s: %w", a.ID, m.what, err)
		}
	}
	return a, nil
}
