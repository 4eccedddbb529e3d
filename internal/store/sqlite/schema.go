package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrNewerSchema is wrapped by Open's error when the file was written by a
// newer version of this program. Opening it anyway could corrupt data the
// newer schema relies on, so the operator has to upgrade instead.
var ErrNewerSchema = errors.New("database schema is newer than this program")

// migrations are the schema's steps, in order; the file's PRAGMA
// user_version is how many it has had. A step, once released, never
// changes: a new schema is a new step appended here.
//
// REFERENCES clauses document the links; they are not enforced (see
// Open). Times are integers: count buckets in unix seconds, snapshots,
// annotations and alerts in unix milliseconds. Count tables are WITHOUT
// ROWID so that a (series, bucket) lookup is one b-tree descent and the
// rows are stored in the order Scan reads them.
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE series (
	id        INTEGER PRIMARY KEY,
	objective TEXT NOT NULL,
	customer  TEXT NOT NULL,
	UNIQUE (objective, customer)
);
CREATE TABLE counts_fine (
	series_id INTEGER NOT NULL REFERENCES series(id),
	bucket    INTEGER NOT NULL,
	good      REAL NOT NULL,
	valid     REAL NOT NULL,
	PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
CREATE TABLE counts_coarse (
	series_id INTEGER NOT NULL REFERENCES series(id),
	bucket    INTEGER NOT NULL,
	good      REAL NOT NULL,
	valid     REAL NOT NULL,
	PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
CREATE TABLE batches (
	seq      INTEGER PRIMARY KEY,
	id       TEXT UNIQUE,
	received INTEGER NOT NULL,
	obs      BLOB NOT NULL
);
CREATE TABLE checkpoint_meta (
	one INTEGER PRIMARY KEY CHECK (one = 1),
	seq INTEGER NOT NULL
);
CREATE TABLE checkpoint (
	series_id INTEGER PRIMARY KEY REFERENCES series(id),
	state     BLOB NOT NULL
);
CREATE TABLE snapshots (
	series_id         INTEGER NOT NULL REFERENCES series(id),
	time_ms           INTEGER NOT NULL,
	sli               REAL,
	remaining         REAL,
	remaining_minutes REAL,
	burn1h            REAL,
	status            TEXT NOT NULL,
	PRIMARY KEY (series_id, time_ms)
) WITHOUT ROWID;
CREATE TABLE annotations (
	id        INTEGER PRIMARY KEY,
	service   TEXT NOT NULL,
	objective TEXT NOT NULL,
	kind      TEXT NOT NULL,
	start_ms  INTEGER NOT NULL,
	end_ms    INTEGER,
	text      TEXT NOT NULL,
	labels    TEXT
);
CREATE INDEX annotations_start ON annotations (start_ms);
`,
	// 2: alerts. A zero time is NULL, so that the active rows are those
	// whose resolved_ms is NULL; the two partial indexes hold only the rows
	// ActiveAlerts and Alerts read, in the order they read them.
	`
CREATE TABLE alerts (
	id             INTEGER PRIMARY KEY,
	service        TEXT NOT NULL,
	objective      TEXT NOT NULL,
	customer       TEXT NOT NULL,
	rule           TEXT NOT NULL,
	severity       TEXT NOT NULL,
	state          TEXT NOT NULL,
	active_ms      INTEGER,
	fired_ms       INTEGER,
	resolved_ms    INTEGER,
	last_true_ms   INTEGER,
	peak_burn_rate REAL,
	budget_spent   REAL,
	labels         TEXT,
	annotations    TEXT
);
CREATE INDEX alerts_fired ON alerts (fired_ms) WHERE fired_ms IS NOT NULL;
CREATE INDEX alerts_active ON alerts (active_ms) WHERE resolved_ms IS NULL;
`,
	// 3: customer tiers set through the API, one row per service and
	// customer, read whole at every start and reload.
	`
CREATE TABLE customer_tiers (
	service  TEXT NOT NULL,
	customer TEXT NOT NULL,
	tier     TEXT NOT NULL,
	set_ms   INTEGER NOT NULL,
	PRIMARY KEY (service, customer)
) WITHOUT ROWID;
`,
}

// migrate brings the schema at the other end of w up to date, all steps in
// one transaction, so a failed step leaves the file as it was.
func migrate(ctx context.Context, w *sql.DB) error {
	return migrateTo(ctx, w, migrations)
}

// migrateTo applies the steps of steps that the file has not had.
func migrateTo(ctx context.Context, w *sql.DB, steps []string) (err error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	have, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if have > len(steps) {
		return fmt.Errorf("%w: the file is at version %d, this program knows %d", ErrNewerSchema, have, len(steps))
	}
	if have == len(steps) {
		return tx.Rollback()
	}
	for i := have; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fmt.Errorf("migrate to version %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no parameters; the version is an int, never user text.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// schemaVersion reads the number of migration steps the file has had.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}
