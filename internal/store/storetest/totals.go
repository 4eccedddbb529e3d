package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

func testTotals(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := open(t)
	mustAppend(t, s, "",
		ob("a/x", at(-time.Hour), 100, 100), // before the range
		ob("a/x", t0, 9, 10), ob("a/x", at(30*time.Minute), 8, 10),
		ob("a/x@beta", at(time.Hour), 1, 2), ob("a/x@alpha", t0, 3, 3),
		ob("a/x@alpha", at(2*time.Hour), 50, 50),  // at the range's end: left out
		ob("a/xy", t0, 7, 7), ob("b/x", t0, 5, 5), // other objectives
	)
	want := []store.Total{{Customer: "", Good: 17, Valid: 20}, {Customer: "alpha", Good: 3, Valid: 3}, {Customer: "beta", Good: 1, Valid: 2}}
	for _, r := range []store.Resolution{store.Fine, store.Coarse} {
		got, err := s.Totals(ctx, r, "a/x", t0, at(2*time.Hour))
		if err != nil {
			t.Fatalf("totals at %v: %v", time.Duration(r), err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("totals at %v: got %+v, want %+v (one per series of the objective, sorted by customer, in [from, to))", time.Duration(r), got, want)
		}
	}
	got, err := s.Totals(ctx, store.Fine, "a/x", at(time.Minute), at(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.Total{{Good: 8, Valid: 10}}; !slices.Equal(got, want) {
		t.Errorf("minutes [t0+1m, t0+1h): got %+v, want %+v", got, want)
	}
	if got, err := s.Totals(ctx, store.Coarse, "none/such", t0, at(time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("an objective without counts: got %+v, %v, want nothing", got, err)
	}
	if _, err := s.Totals(ctx, store.Resolution(time.Second), "a/x", t0, at(time.Hour)); err == nil {
		t.Error("an unknown resolution did not fail")
	}
}
