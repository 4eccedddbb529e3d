package prometheus

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

func openStore(t *testing.T, now func() time.Time) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "slo.db"), sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// scans counts a store's ScanSeries calls.
type scans struct {
	Scanner
	n int
}

func (s *scans) ScanSeries(ctx context.Context, r store.Resolution, id slo.Series, from, to time.Time, fn func(slo.Observation) error) error {
	s.n++
	return s.Scanner.ScanSeries(ctx, r, id, from, to, fn)
}

func TestStoreLastFindsTheNewestMinuteCheaply(t *testing.T) {
	now := func() time.Time { return D }
	tests := []struct {
		name   string
		stored []time.Time
		since  time.Time
		want   time.Time
		scans  int
	}{
		{name: "nothing stored", since: D.Add(-30 * slo.Day), scans: 4},
		{name: "a recent minute takes one scan of the last hour",
			stored: []time.Time{D.Add(-2 * slo.Day), D.Add(-3 * time.Minute)}, since: D.Add(-30 * slo.Day), want: D.Add(-3 * time.Minute), scans: 1},
		{name: "a minute of hours ago takes two",
			stored: []time.Time{D.Add(-2 * slo.Day), D.Add(-5 * time.Hour)}, since: D.Add(-30 * slo.Day), want: D.Add(-5 * time.Hour), scans: 2},
		{name: "a minute of days ago takes three",
			stored: []time.Time{D.Add(-2 * slo.Day)}, since: D.Add(-30 * slo.Day), want: D.Add(-2 * slo.Day), scans: 3},
		{name: "past the minute retention, the newest hour stands whole",
			stored: []time.Time{D.Add(-10*slo.Day + 12*time.Hour + 37*time.Minute)}, since: D.Add(-30 * slo.Day),
			want: D.Add(-10*slo.Day + 12*time.Hour + 59*time.Minute), scans: 4},
		{name: "counts before since are not looked at",
			stored: []time.Time{D.Add(-3 * slo.Day)}, since: D.Add(-30 * time.Minute), scans: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openStore(t, now)
			for _, at := range tt.stored {
				b := store.Batch{Received: D, Observations: []slo.Observation{{Series: slo.Series{Objective: key}, Time: at, Good: 1, Valid: 1}}}
				if _, _, err := db.Append(context.Background(), b); err != nil {
					t.Fatal(err)
				}
			}
			sc := &scans{Scanner: db}
			got, err := StoreLast(sc, now)(context.Background(), key, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) || sc.n != tt.scans {
				t.Errorf("StoreLast = %v after %d scans, want %v after %d", got, sc.n, tt.want, tt.scans)
			}
		})
	}
}

// The source appending to the store itself and resuming from it: a
// restart reads nothing twice.
func TestRestartOverTheStoreReadsNothingTwice(t *testing.T) {
	f := newFixture(t)
	db := openStore(t, f.clock.Now)
	start := func() *Source {
		return New(f.prom, services(availability), db, Options{Now: f.clock.Now, MaxBackfill: 2 * slo.Day,
			Last: StoreLast(db, f.clock.Now)})
	}
	drain(t, start())
	f.prom.take()
	drain(t, start())
	if calls := f.prom.take(); len(calls) != 0 {
		t.Errorf("a restart read %v again", calls)
	}
	f.clock.Set(D.Add(time.Minute + 30*time.Second))
	drain(t, start())
	if got := spans(t, f.prom.take()); len(got) != 1 || got[0] != [2]time.Time{D.Add(phase), D.Add(phase)} {
		t.Errorf("range queries %v, want the one new minute", got)
	}
	var got []slo.Observation
	err := db.ScanSeries(context.Background(), store.Fine, slo.Series{Objective: key}, D.Add(-3*slo.Day), D.Add(time.Hour), func(o slo.Observation) error {
		got = append(got, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameObservations(t, got, want(D.Add(-2*slo.Day), D.Add(time.Minute)))
}
