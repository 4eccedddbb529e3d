package alertmanager

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when the test steps it. Its After
// fires when the clock reaches the deadline, so a sender's resend timer
// runs on it exactly as on the real clock.
type fakeClock struct {
	mu      sync.Mutex
	t       time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.t
		return ch
	}
	c.waiters = append(c.waiters, waiter{c.t.Add(d), ch})
	return ch
}

// Step moves the clock and fires the timers that came due.
func (c *fakeClock) Step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.t
	}
	c.waiters = kept
}

// TestFakeClock checks the fake the other tests rely on.
func TestFakeClock(t *testing.T) {
	c := newClock(time.Unix(1000, 0))
	a, b := c.After(time.Minute), c.After(2*time.Minute)
	select {
	case <-c.After(0):
	default:
		t.Fatal("After(0) did not fire at once")
	}
	c.Step(59 * time.Second)
	select {
	case <-a:
		t.Fatal("fired at 59 s of 60")
	default:
	}
	c.Step(time.Second)
	select {
	case at := <-a:
		if !at.Equal(time.Unix(1060, 0)) {
			t.Errorf("fired with %v", at)
		}
	default:
		t.Fatal("did not fire at 60 s")
	}
	select {
	case <-b:
		t.Fatal("the 2-minute timer fired at 1 minute")
	default:
	}
}
