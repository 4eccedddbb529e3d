package engine

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestRingMatchesBruteForce drives a ring with random adds and advances and
// checks every window's sum against one recomputed from a plain map, at
// random phases.
func TestRingMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ks := []int64{1, 5, 30, 60}
	r := newRing(60, ks, byLength(ks), 1000)
	counts := map[int64]pair{}
	for step := 0; step < 20000; step++ {
		switch rng.IntN(10) {
		case 0:
			r.advance(r.head + int64(rng.IntN(3)))
		case 1:
			if rng.IntN(50) == 0 {
				r.advance(r.head + int64(rng.IntN(200))) // a jump past the whole ring
			}
		default:
			i := r.head - int64(rng.IntN(70)) // some older than the ring
			p := pair{float64(rng.IntN(5)), float64(5 + rng.IntN(5))}
			if r.add(i, p) {
				c := counts[i]
				c.add(p)
				counts[i] = c
			} else if r.holds(i) {
				t.Fatalf("add(%d) refused a bucket the ring holds", i)
			}
		}
		ph := rng.Float64()
		for w, k := range ks {
			var want pair
			for i := r.head - k + 1; i <= r.head; i++ {
				want.add(counts[i])
			}
			old := counts[r.head-k]
			want.good += (1 - ph) * old.good
			want.valid += (1 - ph) * old.valid
			got := r.sum(w, ph)
			if math.Abs(got.good-want.good) > 1e-9 || math.Abs(got.valid-want.valid) > 1e-9 {
				t.Fatalf("step %d window %d buckets: got %+v, want %+v", step, k, got, want)
			}
		}
	}
}

func TestFloorDivRoundsDown(t *testing.T) {
	for _, c := range []struct{ a, b, want int64 }{{7, 2, 3}, {-7, 2, -4}, {-6, 2, -3}, {0, 5, 0}} {
		if got := floorDiv(c.a, c.b); got != c.want {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestRestoreKeepsWhatTheRingHolds: buckets before the ring's reach and
// after its head are dropped, the rest summed as if added one by one.
func TestRestoreKeepsWhatTheRingHolds(t *testing.T) {
	ks := []int64{3, 1}
	want := newRing(60, ks, byLength(ks), 100)
	got := newRing(60, ks, byLength(ks), 100)
	var values []pair
	for i := int64(90); i <= 103; i++ {
		p := pair{float64(i), float64(2 * i)}
		values = append(values, p)
		want.add(i, p)
	}
	i := 0
	got.restore(90, int64(len(values)), func() pair { i++; return values[i-1] })
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("restored ring\n%+v\nwant\n%+v", got, want)
	}
}
