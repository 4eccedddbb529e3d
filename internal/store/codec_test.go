package store

import (
	"errors"
	"math"
	"testing"
)

func TestCountsRoundTripAndBadBlobsFail(t *testing.T) {
	for _, c := range []float64{0, 1, 2, 1e6, MaxCount - 1, MaxCount, 0.5, -3, 1e300, math.Copysign(0, -1), math.SmallestNonzeroFloat64} {
		d := NewDecoder(AppendCount(nil, c))
		got := d.Count()
		if got != c || d.Err() != nil || d.Len() != 0 { // -0 comes back as 0, which compares equal
			t.Errorf("%g came back as %g (err %v, %d bytes left)", c, got, d.Err(), d.Len())
		}
	}
	if len(AppendCount(nil, 1000)) != 2 {
		t.Errorf("a count of 1000 takes %d bytes, want 2", len(AppendCount(nil, 1000)))
	}
	for _, blob := range [][]byte{{}, {0x80}, {1, 2, 3}} {
		d := NewDecoder(blob)
		d.Count()
		if !errors.Is(d.Err(), ErrCorrupt) {
			t.Errorf("%x: err %v, want ErrCorrupt", blob, d.Err())
		}
	}
}
