package demo

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// fakeClock is a clock the test moves, which says each time it is read.
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	read chan time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	t := c.t
	c.mu.Unlock()
	c.read <- t
	return t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLiveCoversTimeWithoutGapOrOverlap(t *testing.T) {
	start := monday.Add(14*time.Hour + 123*time.Millisecond)
	clock := &fakeClock{t: start, read: make(chan time.Time)}
	ticks := make(chan time.Time)
	var every time.Duration
	g := New(Config{Tick: func(d time.Duration) <-chan time.Time { every = d; return ticks }})

	var got []slo.Event
	classified := make(chan struct{})
	c := newClassifier(t)
	counted := 0 // intervals with something to append
	classify := func(events []slo.Event) []slo.Observation {
		got = append(got, events...)
		obs := c.classify(events)
		if len(obs) > 0 {
			counted++
		}
		classified <- struct{}{}
		return obs
	}
	sink := &memSink{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Live(ctx, sink, classify, clock.now, 10*time.Second) }()

	<-clock.read // Live starts from the time at the call
	// Ticks come late, early and not at all; the clock is what counts.
	steps := []time.Duration{10 * time.Second, 7*time.Second + 1, 0, 95 * time.Second, 3 * time.Minute, 1, 0, 41 * time.Second}
	for _, d := range steps {
		clock.advance(d)
		ticks <- time.Time{}
		<-clock.read
		if d > 0 {
			<-classified
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Live returned %v when its context ended, want nil", err)
	}

	if every != 10*time.Second {
		t.Errorf("ticker asked for %v, want 10s", every)
	}
	end := clock.t
	want := byTime(g.Events(start, end))
	if len(want) == 0 || !reflect.DeepEqual(byTime(got), want) {
		t.Fatalf("Live made %d events over %v, want the %d of the range made at once", len(got), end.Sub(start), len(want))
	}
	// The 1 ns step holds no event, and an empty batch is not appended.
	if len(sink.batches) != counted || counted != 5 {
		t.Errorf("%d batches appended, want one per interval with events: %d of 5", len(sink.batches), counted)
	}
	for _, b := range sink.batches {
		if !strings.HasPrefix(b.ID, "demo-live-") {
			t.Errorf("batch id %q, want demo-live-…", b.ID)
		}
	}
}

func TestLiveStopsOnASinkError(t *testing.T) {
	clock := &fakeClock{t: monday, read: make(chan time.Time, 2)}
	ticks := make(chan time.Time, 1)
	g := New(Config{Tick: func(time.Duration) <-chan time.Time { return ticks }})
	go func() {
		<-clock.read
		clock.advance(time.Minute)
		ticks <- time.Time{}
		<-clock.read
	}()
	err := g.Live(context.Background(), &memSink{err: errSink}, newClassifier(t).classify, clock.now, time.Second)
	if !errors.Is(err, errSink) || !strings.HasPrefix(err.Error(), "demo: live ") {
		t.Fatalf("Live returned %v, want a wrapped %v", err, errSink)
	}
}

func TestBackfillStopsAtTheFirstSinkError(t *testing.T) {
	sink := &memSink{err: errSink, failAt: 3}
	err := New(Config{}).Backfill(context.Background(), sink, newClassifier(t).classify, monday, monday.Add(slo.Day))
	if !errors.Is(err, errSink) {
		t.Fatalf("Backfill returned %v, want a wrapped %v", err, errSink)
	}
	if want := "demo: backfill 2026-03-02T02:00:00Z: disk full"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if sink.appends != 3 {
		t.Errorf("%d appends, want 3: none after the failure", sink.appends)
	}
}

func TestBackfillStopsWhenItsContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sink := &memSink{}
	err := New(Config{}).Backfill(ctx, sink, newClassifier(t).classify, monday, monday.Add(slo.Day))
	if !errors.Is(err, context.Canceled) || sink.appends != 0 {
		t.Fatalf("Backfill returned %v after %d appends, want context.Canceled and none", err, sink.appends)
	}
}

func TestBackfillRunAgainCountsNothingTwice(t *testing.T) {
	g := New(Config{})
	c := newClassifier(t)
	sink := &memSink{}
	start := monday.Add(20*time.Hour + 10*time.Minute)
	end := start.Add(6 * time.Hour)
	if err := g.Backfill(context.Background(), sink, c.classify, start, end); err != nil {
		t.Fatal(err)
	}
	good, valid := sink.sums(series("availability"))
	first := len(sink.batches)
	if first != 7 {
		t.Errorf("6 hours from 20:10 made %d batches, want 7: one per clock hour touched", first)
	}
	for _, b := range sink.batches {
		if !strings.HasPrefix(b.ID, "demo-backfill-") || !b.Received.Equal(end) {
			t.Errorf("batch %q received %v, want demo-backfill-… received at the end %v", b.ID, b.Received, end)
		}
	}
	// The same range again, and a range shifted by half an hour, as a
	// restart later would make: every batch is one already stored.
	for _, shift := range []time.Duration{0, 30 * time.Minute} {
		if err := g.Backfill(context.Background(), sink, c.classify, start.Add(shift), end.Add(shift)); err != nil {
			t.Fatal(err)
		}
	}
	g2, v2 := sink.sums(series("availability"))
	if len(sink.batches) != first || g2 != good || v2 != valid {
		t.Errorf("reruns stored %d batches, %v good of %v valid; want %d, %v of %v", len(sink.batches), g2, v2, first, good, valid)
	}
}

func TestCustomersOfTheSpecComeSortedThenTheFreeOnes(t *testing.T) {
	got := CustomersOf(example(t).Customers, "tinyco")
	names := make([]string, len(got))
	for i, c := range got {
		names[i] = c.Name + ":" + c.Tier
	}
	want := "acme-retail:enterprise globex-bank:enterprise hooli-games:standard initech:professional " +
		"pied-piper:standard umbrella-health:professional tinyco:free"
	if strings.Join(names, " ") != want {
		t.Errorf("customers = %v, want %v", names, want)
	}
}
