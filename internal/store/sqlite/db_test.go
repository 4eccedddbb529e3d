package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := Open(filepath.Join(t.TempDir(), "slo.db"), Options{Now: storetest.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// open opens the database at path, failing the test on an error.
func open(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path, Options{Now: storetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// batch is a batch of n observations of one series, one a minute from t0.
func batch(id string, n int) store.Batch {
	b := store.Batch{ID: id, Received: t0}
	for i := range n {
		b.Observations = append(b.Observations, slo.Observation{
			Series: slo.Series{Objective: "a/x"}, Time: t0.Add(time.Duration(i) * time.Minute), Good: 1, Valid: 2,
		})
	}
	return b
}

// total sums the fine counts of db.
func total(t *testing.T, db *DB) (good, valid float64) {
	t.Helper()
	err := db.Scan(context.Background(), store.Fine, t0.Add(-slo.Day), t0.Add(slo.Day), func(o slo.Observation) error {
		good += o.Good
		valid += o.Valid
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return good, valid
}

func TestDataSurvivesCloseAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slo.db")
	db := open(t, path)
	seq, _, err := db.Append(ctx, batch("one", 10))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCheckpoint(ctx, seq, func(yield func(slo.Series, []byte) bool) {
		yield(slo.Series{Objective: "a/x"}, []byte("state"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, path)
	defer db.Close()
	if g, v := total(t, db); g != 10 || v != 20 {
		t.Errorf("counts %g/%g after reopening, want 10/20", g, v)
	}
	if _, dup, err := db.Append(ctx, batch("one", 10)); err != nil || !dup {
		t.Errorf("retry after reopening: duplicate %v, %v; want a duplicate", dup, err)
	}
	if last, err := db.LastSeq(ctx); err != nil || last != seq {
		t.Errorf("last seq %d, %v; want %d", last, err, seq)
	}
	got, err := db.LoadCheckpoint(ctx, func(s slo.Series, b []byte) error {
		if s.Objective != "a/x" || string(b) != "state" {
			t.Errorf("checkpoint %s: %q", s, b)
		}
		return nil
	})
	if err != nil || got != seq {
		t.Errorf("checkpoint seq %d, %v; want %d", got, err, seq)
	}
	// A series created before the reopen, written to after it, is the same
	// series: the cache starts empty and finds the existing row.
	if _, _, err := db.Append(ctx, batch("two", 1)); err != nil {
		t.Fatal(err)
	}
	if g, _ := total(t, db); g != 11 {
		t.Errorf("good %g, want 11", g)
	}
}

// TestAcknowledgedBatchesSurviveAnAbandonedHandle stands in for a crash:
// the first handle is never closed, so its WAL is never checkpointed, and a
// fresh handle must find every batch Append acknowledged.
func TestAcknowledgedBatchesSurviveAnAbandonedHandle(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slo.db")
	crashed := open(t, path)
	const n = 50
	for i := range n {
		if _, _, err := crashed.Append(ctx, batch(fmt.Sprint("b", i), 3)); err != nil {
			t.Fatal(err)
		}
	}

	fresh := open(t, path)
	defer fresh.Close()
	if g, v := total(t, fresh); g != 3*n || v != 6*n {
		t.Errorf("counts %g/%g, want %d/%d", g, v, 3*n, 6*n)
	}
	seqs := 0
	if err := fresh.Replay(ctx, 0, func(int64, []slo.Observation) error { seqs++; return nil }); err != nil {
		t.Fatal(err)
	}
	if seqs != n {
		t.Errorf("replayed %d batches, want %d", seqs, n)
	}
	// The fresh handle writes on: a series the other handle created is
	// found, not duplicated.
	if _, _, err := fresh.Append(ctx, batch("after", 1)); err != nil {
		t.Fatal(err)
	}
	var series int
	if err := fresh.read.QueryRow(`SELECT COUNT(*) FROM series`).Scan(&series); err != nil || series != 1 {
		t.Errorf("%d series rows, %v; want 1", series, err)
	}
	crashed.Close()
}

func TestReopeningAnUpToDateDatabaseChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slo.db")
	version := func() int {
		t.Helper()
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		v, err := schemaVersion(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for range 2 {
		if err := open(t, path).Close(); err != nil {
			t.Fatal(err)
		}
		if v := version(); v != len(migrations) {
			t.Errorf("schema version %d, want %d", v, len(migrations))
		}
	}
}

func TestMigrationsApplyOnlyTheStepsNotYetApplied(t *testing.T) {
	ctx := context.Background()
	raw, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	steps := []string{`CREATE TABLE a (x)`, `CREATE TABLE b (x)`}
	if err := migrateTo(ctx, raw, steps[:1]); err != nil {
		t.Fatal(err)
	}
	// Step one again would fail: table a exists.
	if err := migrateTo(ctx, raw, steps); err != nil {
		t.Fatal(err)
	}
	if v, _ := schemaVersion(ctx, raw); v != 2 {
		t.Errorf("version %d, want 2", v)
	}
	// A failing step leaves the file at the version it had.
	if err := migrateTo(ctx, raw, append(steps, `CREATE TABLE c (x)`, `NOT SQL`)); err == nil {
		t.Error("a broken step did not fail")
	}
	if v, _ := schemaVersion(ctx, raw); v != 2 {
		t.Errorf("version %d after a failed migration, want 2", v)
	}
	var n int
	raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'`).Scan(&n)
	if n != 0 {
		t.Error("a failed migration left table c behind")
	}
}

func TestOpeningANewerDatabaseFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slo.db")
	if err := open(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if db, err := Open(path, Options{}); !errors.Is(err, ErrNewerSchema) {
		if db != nil {
			db.Close()
		}
		t.Errorf("got %v, want ErrNewerSchema", err)
	}
}

func TestTheDatabaseIsInWALModeWithFullSync(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "slo.db"))
	defer db.Close()
	var mode string
	var sync int
	if err := db.write.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q, %v; want wal", mode, err)
	}
	if err := db.write.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous %d, %v; want 2 (FULL)", sync, err)
	}
}

func TestSizeCountsTheWAL(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "slo.db"))
	defer db.Close()
	before, err := db.Size()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Append(context.Background(), batch("", 1000)); err != nil {
		t.Fatal(err)
	}
	after, err := db.Size()
	if err != nil || after <= before {
		t.Errorf("size %d then %d, %v; want growth", before, after, err)
	}
}

func TestCloseWaitsForCallsInProgressAndTurnsNewOnesAway(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "slo.db"))
	if _, _, err := db.Append(ctx, batch("", 3)); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	calls := 0
	err := db.Scan(ctx, store.Fine, t0, t0.Add(time.Hour), func(slo.Observation) error {
		calls++
		if calls > 1 {
			return nil
		}
		go func() { closed <- db.Close() }()
		// Close has begun once calls are turned away; it cannot finish
		// while this scan is in progress.
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, err := db.LastSeq(ctx); errors.Is(err, store.ErrClosed) {
				break
			}
			if time.Now().After(deadline) {
				return errors.New("calls still admitted 10s after Close began")
			}
			time.Sleep(time.Millisecond)
		}
		select {
		case err := <-closed:
			return fmt.Errorf("close returned %v while a scan was in progress", err)
		default:
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("scan: %v after %d calls, want nil after 3", err, calls)
	}
	if err := <-closed; err != nil {
		t.Errorf("close: %v", err)
	}
}

func TestPathsWithSpacesAndPercentSignsAreFileNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data 100%20")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "slo.db")
	if err := open(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %s: %v", path, err)
	}
	if _, err := Open(filepath.Join(dir, "a?b.db"), Options{}); err == nil {
		t.Error("a path with a '?' opened")
	}
}
