package sqlite

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

func TestBatchLogBlobsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		rows []row
	}{
		{"no rows", nil},
		{"whole counts", []row{{1, 1741608000, 99, 100}, {1, 1741608060, 0, 0}, {7, 1741608000, 5, 5}}},
		{"fractional, huge and negative-zero counts", []row{
			{2, 60, 0.1, 1e300}, {2, 120, store.MaxCount, store.MaxCount - 1}, {3, 0, math.Copysign(0, -1), math.SmallestNonzeroFloat64},
		}},
		{"buckets going back in time and before 1970", []row{{1, 1741608000, 1, 1}, {2, -62135596800, 1, 1}, {3, -60, 1, 2}}},
		{"large series ids", []row{{math.MaxInt64, 0, 1, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob := encodeRows(nil, tt.rows)
			got, err := decodeRows(nil, blob)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.rows) {
				t.Errorf("got %v, want %v", got, tt.rows)
			}
		})
	}
}

func TestWholeCountsTakeAFewBytes(t *testing.T) {
	rows := make([]row, 100)
	for i := range rows {
		rows[i] = row{series: 3, bucket: 1741608000 + 60*int64(i), good: 9990, valid: 10000}
	}
	if n := len(encodeRows(nil, rows)); n > 8*len(rows)+16 {
		t.Errorf("100 rows take %d bytes, want at most 8 a row", n)
	}
}

func TestCorruptBlobsFailWithoutPanicking(t *testing.T) {
	good := encodeRows(nil, []row{{1, 60, 0.5, 1}})
	for _, blob := range [][]byte{
		nil,
		{2, 0},
		good[:len(good)-1],
		append(slices.Clone(good), 0),
		{logVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		{logVersion, 100, 1},
	} {
		if _, err := decodeRows(nil, blob); !errors.Is(err, errCorrupt) {
			t.Errorf("%x: got %v, want errCorrupt", blob, err)
		}
	}
}

func FuzzDecodeRows(f *testing.F) {
	f.Add(encodeRows(nil, []row{{1, 60, 0.5, 1}, {2, 120, 3, 4}}))
	f.Add([]byte{logVersion, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, blob []byte) {
		rows, err := decodeRows(nil, blob)
		if err != nil {
			return
		}
		// What decodes encodes back to rows that decode the same.
		again, err := decodeRows(nil, encodeRows(nil, rows))
		if err != nil || len(again) != len(rows) {
			t.Fatalf("re-encoding %v: %v, %v", rows, again, err)
		}
	})
}

func TestAggregateBucketsAsTruncateDoes(t *testing.T) {
	se := slo.Series{Objective: "a/x"}
	for _, at := range []time.Time{
		time.Date(2025, 3, 10, 12, 34, 56, 789, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 500_000_000, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 30, 0, time.FixedZone("X", 1800)),
		time.Unix(-1, 0),
		time.Unix(0, 0),
	} {
		a := aggregate([]slo.Observation{{Series: se, Time: at, Good: 1, Valid: 1}})
		if got, want := a.fine[0].bucket, store.Fine.Truncate(at).Unix(); got != want {
			t.Errorf("%v: fine bucket %d, want %d", at, got, want)
		}
		if got, want := a.coarse[0].bucket, store.Coarse.Truncate(at).Unix(); got != want {
			t.Errorf("%v: coarse bucket %d, want %d", at, got, want)
		}
	}
}

func TestAggregateSumsPerSeriesAndBucket(t *testing.T) {
	x, y := slo.Series{Objective: "a/x"}, slo.Series{Objective: "b/y"}
	t0 := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	obs := []slo.Observation{
		{Series: y, Time: t0.Add(61 * time.Minute), Good: 1, Valid: 1},
		{Series: x, Time: t0, Good: 1, Valid: 2},
		{Series: y, Time: t0.Add(61 * time.Minute), Good: 2, Valid: 2},
		{Series: x, Time: t0.Add(30 * time.Second), Good: 3, Valid: 4},
		{Series: x, Time: t0.Add(time.Minute), Good: 5, Valid: 6},
	}
	a := aggregate(obs)
	if !slices.Equal(a.series, []slo.Series{y, x}) {
		t.Fatalf("series %v", a.series)
	}
	h := t0.Unix()
	wantFine := []row{{0, h + 3660, 3, 3}, {1, h, 4, 6}, {1, h + 60, 5, 6}}
	wantCoarse := []row{{0, h + 3600, 3, 3}, {1, h, 9, 12}}
	if !slices.Equal(a.fine, wantFine) || !slices.Equal(a.coarse, wantCoarse) {
		t.Errorf("fine %v coarse %v\nwant %v and %v", a.fine, a.coarse, wantFine, wantCoarse)
	}
}
