package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// testSnapshots covers SaveSnapshots and Snapshots.
func testSnapshots(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	sli := 0.9995
	x := slo.Series{Objective: "a/x"}
	t.Run("snapshots of one series in a range come back oldest first, in UTC", func(t *testing.T) {
		s := open(t)
		local := time.FixedZone("X", -7*3600)
		for _, batch := range [][]store.Snapshot{
			{snap("a/x", at(2*time.Minute), &sli, "healthy"), snap("a/x@c", at(time.Minute), &sli, "warning")},
			{snap("a/x", at(time.Minute).In(local), nil, "no data"), snap("b/y", at(time.Minute), &sli, "healthy")},
			{snap("a/x", t0, &sli, "healthy"), snap("a/x", at(3*time.Minute), &sli, "healthy")},
		} {
			if err := s.SaveSnapshots(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Snapshots(ctx, x, at(time.Minute), at(3*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Snapshot{snap("a/x", at(time.Minute), nil, "no data"), snap("a/x", at(2*time.Minute), &sli, "healthy")}
		if g, w := formatSnaps(got), formatSnaps(want); !slices.Equal(g, w) {
			t.Errorf("got\n %q\nwant\n %q", g, w)
		}
	})

	t.Run("a snapshot saved again at the same time replaces the first", func(t *testing.T) {
		s := open(t)
		for _, status := range []string{"healthy", "critical"} {
			if err := s.SaveSnapshots(ctx, []store.Snapshot{snap("a/x", t0, &sli, status)}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Snapshots(ctx, x, t0, at(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if g, w := formatSnaps(got), formatSnaps([]store.Snapshot{snap("a/x", t0, &sli, "critical")}); !slices.Equal(g, w) {
			t.Errorf("got %q, want %q", g, w)
		}
	})

	t.Run("a series never saved has no snapshots", func(t *testing.T) {
		s := open(t)
		got, err := s.Snapshots(ctx, x, t0, at(time.Hour))
		if err != nil || len(got) != 0 {
			t.Errorf("got %v, %v; want nothing", got, err)
		}
	})
}

// testAnnotations covers AddAnnotation and Annotations.
func testAnnotations(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	add := func(t *testing.T, s store.Store, a store.Annotation) store.Annotation {
		t.Helper()
		got, err := s.AddAnnotation(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	point := func(service string, at time.Time, text string) store.Annotation {
		return store.Annotation{Service: service, Kind: "deploy", Start: at, Text: text}
	}
	span := func(service string, from, to time.Time, text string) store.Annotation {
		return store.Annotation{Service: service, Kind: "incident", Start: from, End: to, Text: text}
	}
	texts := func(as []store.Annotation) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Text)
		}
		return out
	}

	t.Run("an added annotation gets an id and reads back whole", func(t *testing.T) {
		s := open(t)
		a := store.Annotation{Service: "checkout", Objective: "latency", Kind: "incident", Start: t0,
			End: at(time.Hour), Text: "db failover", Labels: map[string]string{"ticket": "INC-1", "sev": "2"}}
		first := add(t, s, a)
		second := add(t, s, point("checkout", at(time.Minute), "v2"))
		if first.ID == 0 || second.ID == first.ID {
			t.Errorf("ids %d and %d, want distinct and set", first.ID, second.ID)
		}
		got, err := s.Annotations(ctx, "checkout", t0, at(time.Minute))
		if err != nil || len(got) != 1 {
			t.Fatalf("got %v, %v; want one annotation", got, err)
		}
		a.ID = first.ID
		if fmt.Sprintf("%+v", got[0]) != fmt.Sprintf("%+v", a) {
			t.Errorf("got %+v\nwant %+v", got[0], a)
		}
		if got[0].Start.Location() != time.UTC || got[0].End.Location() != time.UTC {
			t.Error("times not in UTC")
		}
	})

	t.Run("annotations overlapping a range come back oldest first", func(t *testing.T) {
		s := open(t)
		from, to := at(time.Hour), at(2*time.Hour)
		for _, a := range []store.Annotation{
			point("svc", at(90*time.Minute), "point inside"),
			point("svc", from, "point at from"),
			point("svc", to, "point at to"),
			point("svc", at(59*time.Minute), "point before"),
			span("svc", t0, at(61*time.Minute), "span over from"),
			span("svc", t0, from, "span ending at from"),
			span("svc", at(119*time.Minute), at(3*time.Hour), "span over to"),
			span("svc", to, at(3*time.Hour), "span starting at to"),
			span("svc", t0, at(3*time.Hour), "span over all"),
		} {
			add(t, s, a)
		}
		got, err := s.Annotations(ctx, "", from, to)
		if err != nil {
			t.Fatal(err)
		}
		// Of two starting together, the one added first comes first.
		want := []string{"span over from", "span over all", "point at from", "point inside", "span over to"}
		if g := texts(got); !slices.Equal(g, want) {
			t.Errorf("got %q\nwant %q", g, want)
		}
	})

	t.Run("a service filter keeps that service's annotations and an empty one keeps all", func(t *testing.T) {
		s := open(t)
		add(t, s, point("checkout", at(time.Minute), "checkout deploy"))
		add(t, s, point("search", at(2*time.Minute), "search deploy"))
		for _, tt := range []struct {
			service string
			want    []string
		}{
			{"checkout", []string{"checkout deploy"}},
			{"search", []string{"search deploy"}},
			{"", []string{"checkout deploy", "search deploy"}},
			{"other", nil},
		} {
			got, err := s.Annotations(ctx, tt.service, t0, at(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if g := texts(got); !slices.Equal(g, tt.want) {
				t.Errorf("service %q: got %q, want %q", tt.service, g, tt.want)
			}
		}
	})
}
