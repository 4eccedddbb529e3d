// Package sqlite is the embedded store: one SQLite database file (through
// modernc.org/sqlite, so no cgo) holding counts, the batch log, the engine
// checkpoint, snapshots, annotations and alerts.
//
// Writes go through a pool of exactly one connection, so they queue in Go
// rather than spin on SQLite's busy handler, and every write transaction
// begins IMMEDIATE, so it holds the write lock from its first statement and
// can never fail half-way on a lock upgrade. Reads use a separate pool; in
// WAL mode they see a consistent snapshot and never wait for the writer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Options configure a DB. The zero value is ready to use.
type Options struct {
	// Retention is what Prune keeps; each zero field takes its value from
	// store.DefaultRetention.
	Retention store.Retention
	// BusyTimeout is how long a statement waits for another process's lock
	// before failing; 10s when zero. Within one process writes queue in Go
	// and never wait on it.
	BusyTimeout time.Duration
	// Now stamps batches appended without a Received time; time.Now when
	// nil.
	Now func() time.Time
}

// defaults fills the zero fields of o.
func (o Options) defaults() Options {
	d := store.DefaultRetention
	r := &o.Retention
	for _, f := range []struct{ v, d *time.Duration }{
		{&r.Fine, &d.Fine}, {&r.Coarse, &d.Coarse}, {&r.Snapshots, &d.Snapshots}, {&r.Batches, &d.Batches},
	} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// DB is a store.Store in one SQLite file. Its methods are safe for
// concurrent use.
type DB struct {
	path   string
	opts   Options
	write  *sql.DB // one connection: the single writer
	read   *sql.DB // readers, concurrent with the writer under WAL
	stmts  writeStmts
	series seriesCache
	gate   gate
}

var _ store.Store = (*DB)(nil)

// Open opens the database at path, creating it if needed, and brings its
// schema up to the version this code knows. A file written by a newer
// version fails with an error wrapping ErrNewerSchema.
func Open(path string, opts Options) (*DB, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite open %s: the path has a '?', which the driver takes for the start of its options", path)
	}
	db := &DB{path: path, opts: opts.defaults()}
	db.series.init()
	db.gate.idle.L = &db.gate.mu
	busy := db.opts.BusyTimeout.Milliseconds()
	// synchronous=FULL makes every commit fsync the WAL, so a nil from
	// Append means the batch survives a power cut, not just a crash.
	//
	// Foreign keys are declared but not enforced: every id the writer
	// stores it has just resolved in the same transaction, and checking
	// the parent row on each count upsert cost over a quarter of Append's time
	// per row (measured with BenchmarkAppend).
	w, err := sql.Open("sqlite", dsn(path, "_txlock=immediate", fmt.Sprintf("_pragma=busy_timeout(%d)", busy),
		"_pragma=journal_mode(WAL)", "_pragma=synchronous(FULL)", "_pragma=foreign_keys(OFF)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db.write = w
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite open %s: %w", path, err)
	}
	// query_only guards the readers against a write slipping into their
	// pool, where it would bypass the writer's queue and busy-wait.
	r, err := sql.Open("sqlite", dsn(path, fmt.Sprintf("_pragma=busy_timeout(%d)", busy), "_pragma=query_only(ON)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	db.read = r
	if err := db.stmts.prepare(w); err != nil {
		db.write.Close()
		db.read.Close()
		return nil, fmt.Errorf("sqlite open %s: %w", path, err)
	}
	return db, nil
}

// dsn builds a modernc.org/sqlite data source name for path. The path is
// not made a "file:" URI, which SQLite would percent-decode; the driver
// cuts the parameters off at the first '?', so Open refuses paths with one.
func dsn(path string, params ...string) string {
	return path + "?" + strings.Join(params, "&")
}

// Close waits for the calls in progress to return, checkpoints the WAL
// into the database file, truncating it, and closes the database. Calls
// made once Close has begun, Close included, return store.ErrClosed. Close
// must not be called from a Scan, Replay or LoadCheckpoint callback, whose
// call it would wait for.
func (db *DB) Close() error {
	if !db.gate.close() {
		return store.ErrClosed
	}
	db.stmts.close()
	// Readers first: an open read transaction would keep the checkpoint
	// from reaching the end of the WAL.
	errs := []error{db.read.Close()}
	if _, err := db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, db.write.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite close: %w", err)
	}
	return nil
}

// Size is the bytes on disk of the database file, its WAL and its shared
// memory index.
func (db *DB) Size() (int64, error) {
	if !db.gate.enter() {
		return 0, store.ErrClosed
	}
	defer db.gate.exit()
	var n int64
	for _, p := range []string{db.path, db.path + "-wal", db.path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("sqlite size: %w", err)
		}
		n += fi.Size()
	}
	return n, nil
}

// fail wraps err with the operation's name.
func (db *DB) fail(op string, err error) error {
	return fmt.Errorf("sqlite %s: %w", op, err)
}

// gate counts the calls in progress, so that Close can wait for them
// instead of closing the database under them. A call that comes once
// Close has begun is turned away, not queued: a callback of a call in
// progress that calls the store again must not wait for Close, which
// waits for it.
type gate struct {
	mu     sync.Mutex
	idle   sync.Cond
	n      int
	closed bool
}

// enter admits a call, false once closed.
func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

// exit ends a call enter admitted.
func (g *gate) exit() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 && g.closed {
		g.idle.Broadcast()
	}
}

// close turns later calls away and waits for those in progress. It
// reports false when already closed.
func (g *gate) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	for g.n > 0 {
		g.idle.Wait()
	}
	return true
}

// seriesCache maps series to their row ids both ways. Rows are created by
// the writer inside its transaction; ids enter the cache only once that
// transaction has committed, so a rolled-back batch leaves no id behind
// that names no row.
type seriesCache struct {
	mu   sync.RWMutex
	ids  map[slo.Series]int64
	byID map[int64]slo.Series
}

func (c *seriesCache) init() {
	c.ids = make(map[slo.Series]int64)
	c.byID = make(map[int64]slo.Series)
}

func (c *seriesCache) id(s slo.Series) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.ids[s]
	return id, ok
}

func (c *seriesCache) add(m map[slo.Series]int64) {
	if len(m) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for s, id := range m {
		c.ids[s] = id
		c.byID[id] = s
	}
}
