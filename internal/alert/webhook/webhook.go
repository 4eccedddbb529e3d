// Package webhook delivers alert notifications to an HTTP endpoint: one
// signed JSON message per evaluation at which alerts began firing or
// resolved, POSTed in order and retried with backoff until delivered, found
// undeliverable, or too old to matter.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slo-dev/slo/internal/alert"
)

// Options configure a Notifier. Zero fields take the defaults.
type Options struct {
	// URL is where messages are POSTed: http or https.
	URL string
	// Secret is the HMAC-SHA256 key that signs every request (see
	// Verify). Empty sends requests unsigned, which lets anyone who can
	// reach the receiver forge alerts: set it.
	Secret string
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Timeout bounds each attempt, connection to response: 10s.
	Timeout time.Duration
	// Backoff is the first retry's backoff, doubling with each retry up
	// to MaxBackoff: 1s and 5m. Each wait is drawn at random between zero
	// and the backoff (full jitter).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxAge is how old a message may get, counted from the evaluation
	// that made it, before it is dropped undelivered: 24h. A page that
	// old helps nobody.
	MaxAge time.Duration
	// QueueSize is how many messages wait for delivery at most: 10000.
	// When it is full, the oldest waiting message is dropped.
	QueueSize int
	// Client sends the requests; a client of its own by default.
	Client *http.Client
	Logger *slog.Logger
	// OnSend, when set, is told of every delivery ("delivered"), every
	// retry scheduled ("retried") and every message given up ("dropped"),
	// for /metrics. It is called from Notify as well as from Run, so it
	// must be safe for concurrent use, and quick.
	OnSend func(status string)
}

func (o Options) defaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Backoff == 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.MaxAge == 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.QueueSize == 0 {
		o.QueueSize = 10000
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.OnSend == nil {
		o.OnSend = func(string) {}
	}
	return o
}

// validate checks options after defaults.
func (o Options) validate() (*url.URL, error) {
	if o.URL == "" {
		return nil, errors.New("webhook url: missing")
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("webhook url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("webhook url %q: must be http or https", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("webhook url %q: no host", u.Redacted())
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"timeout", o.Timeout}, {"backoff", o.Backoff}, {"max backoff", o.MaxBackoff}, {"max age", o.MaxAge}} {
		if d.d < 0 {
			return nil, fmt.Errorf("webhook %s %s: must be positive", d.name, d.d)
		}
	}
	if o.MaxBackoff < o.Backoff {
		return nil, fmt.Errorf("webhook max backoff %s: less than the backoff, %s", o.MaxBackoff, o.Backoff)
	}
	if o.QueueSize < 0 {
		return nil, fmt.Errorf("webhook queue size %d: must be positive", o.QueueSize)
	}
	return u, nil
}

// Notifier queues the alerts' transitions and delivers them to a webhook.
// Notify queues; Run delivers.
type Notifier struct {
	opts Options
	url  string
	host string // for logs: the URL's path or query may hold a token
	// jitter draws a wait in [0, d]; tests replace it.
	jitter func(d time.Duration) time.Duration

	mu    sync.Mutex
	queue []*message // oldest first
	wake  chan struct{}

	running atomic.Bool
}

var _ alert.Notifier = (*Notifier)(nil)

// New returns a Notifier for the options, or an error that names the field
// at fault.
func New(o Options) (*Notifier, error) {
	o = o.defaults()
	u, err := o.validate()
	if err != nil {
		return nil, err
	}
	if o.Secret == "" {
		o.Logger.Warn("webhook requests are unsigned: set a secret so the receiver can tell them from forgeries", "host", u.Host)
	}
	return &Notifier{
		opts:   o,
		url:    u.String(),
		host:   u.Host,
		jitter: func(d time.Duration) time.Duration { return rand.N(d + 1) },
		wake:   make(chan struct{}, 1),
	}, nil
}

// Notify queues one message with the alerts in changed, if any: those
// that began firing or resolved at now. The alerts that go on firing
// (the rest of active) were sent already. It does not block: when the queue
// is full, the oldest waiting message is dropped to make room.
func (n *Notifier) Notify(now time.Time, active, changed []alert.Notification) {
	if len(changed) == 0 {
		return
	}
	if now.IsZero() {
		now = n.opts.Now()
	}
	m, err := newMessage(now, changed)
	if err != nil {
		n.opts.Logger.Error("webhook: encoding a message", "alerts", len(changed), "err", err)
		n.opts.OnSend("dropped")
		return
	}
	var dropped *message
	n.mu.Lock()
	if len(n.queue) >= n.opts.QueueSize {
		dropped = n.queue[0]
		n.queue[0] = nil
		n.queue = n.queue[1:]
	}
	n.queue = append(n.queue, m)
	n.mu.Unlock()
	if dropped != nil {
		n.opts.Logger.Error("webhook queue full: dropped the oldest message", "host", n.host,
			"queue_size", n.opts.QueueSize, "status", dropped.status, "alerts", dropped.alerts, "made_at", dropped.created)
		n.opts.OnSend("dropped")
	}
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run delivers the queued messages one at a time, in the order they were
// queued, until ctx is done; it then returns nil, and the messages not yet
// delivered are lost. A message that fails (no answer, 408, 429, 5xx) is
// retried after a backoff, or after the answer's Retry-After, until it is
// delivered or older than MaxAge; one refused with any other status is
// dropped, since sending it again would not change the answer. Only one
// Run may run at a time.
func (n *Notifier) Run(ctx context.Context) error {
	return n.run(ctx, time.After)
}

func (n *Notifier) run(ctx context.Context, after func(time.Duration) <-chan time.Time) error {
	if !n.running.CompareAndSwap(false, true) {
		return errors.New("webhook: Run is running already")
	}
	defer n.running.Store(false)
	for {
		if ctx.Err() != nil {
			n.stopped(0)
			return nil
		}
		m := n.pop()
		if m == nil {
			select {
			case <-ctx.Done():
				n.stopped(0)
				return nil
			case <-n.wake:
			}
			continue
		}
		if !n.deliver(ctx, m, after) {
			n.stopped(1)
			return nil
		}
	}
}

func (n *Notifier) pop() *message {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.queue) == 0 {
		return nil
	}
	m := n.queue[0]
	n.queue[0] = nil
	n.queue = n.queue[1:]
	if len(n.queue) == 0 {
		n.queue = nil // let the array go
	}
	return m
}

// stopped logs the messages that Run leaves undelivered: inFlight, the
// one it was sending, and those queued.
func (n *Notifier) stopped(inFlight int) {
	n.mu.Lock()
	left := len(n.queue) + inFlight
	n.mu.Unlock()
	if left > 0 {
		n.opts.Logger.Warn("webhook stopped with messages undelivered", "host", n.host, "messages", left)
	}
}

// deliver sends m until it is delivered or dropped, and returns true, or
// until ctx is done, and returns false.
func (n *Notifier) deliver(ctx context.Context, m *message, after func(time.Duration) <-chan time.Time) bool {
	for attempt := 1; ; attempt++ {
		if age := n.opts.Now().Sub(m.created); age > n.opts.MaxAge {
			n.opts.Logger.Error("webhook message expired undelivered: dropped", "host", n.host, "status", m.status,
				"alerts", m.alerts, "age", age.Round(time.Second), "max_age", n.opts.MaxAge, "attempts", attempt-1)
			n.opts.OnSend("dropped")
			return true
		}
		r := n.attempt(ctx, m)
		if r.err == nil {
			n.opts.OnSend("delivered")
			if attempt > 1 {
				n.opts.Logger.Info("webhook message delivered", "host", n.host, "status", m.status, "attempts", attempt)
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if r.permanent {
			n.opts.Logger.Error("webhook message refused: dropped", "host", n.host, "status", m.status,
				"alerts", m.alerts, "attempts", attempt, "err", r.err)
			n.opts.OnSend("dropped")
			return true
		}
		// A receiver's Retry-After is honoured up to MaxBackoff: the queue
		// is delivered in order, and a long one would hold every later
		// message until it grew too old to send.
		wait := min(r.retryAfter, n.opts.MaxBackoff)
		if r.retryAfter < 0 {
			wait = n.jitter(n.backoff(attempt))
		}
		n.opts.Logger.Warn("webhook attempt failed: retrying", "host", n.host, "status", m.status,
			"attempt", attempt, "wait", wait, "err", r.err)
		n.opts.OnSend("retried")
		select {
		case <-ctx.Done():
			return false
		case <-after(wait):
		}
	}
}

// backoff is the most to wait after the attempt-th failure: Backoff,
// doubled with every further failure, up to MaxBackoff.
func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.opts.Backoff
	for i := 1; i < attempt && d < n.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, n.opts.MaxBackoff)
}

type result struct {
	err        error         // nil when delivered
	permanent  bool          // retrying cannot help
	retryAfter time.Duration // the answer's Retry-After, or -1
}

// attempt POSTs m once, within its own Timeout.
func (n *Notifier) attempt(ctx context.Context, m *message) result {
	ctx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(m.body))
	if err != nil {
		return result{err: err, permanent: true, retryAfter: -1}
	}
	ts := strconv.FormatInt(n.opts.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderIdempotencyKey, m.key)
	req.Header.Set(HeaderTimestamp, ts)
	if n.opts.Secret != "" {
		req.Header.Set(HeaderSignature, signature(n.opts.Secret, ts, m.body))
	}
	resp, err := n.opts.Client.Do(req)
	if err != nil {
		return result{err: err, retryAfter: -1}
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	// Read a little more, so that the connection can serve the next.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	c := resp.StatusCode
	if c >= 200 && c < 300 {
		return result{}
	}
	err = fmt.Errorf("%s: %q", resp.Status, bytes.TrimSpace(text))
	if c >= 500 || c == http.StatusRequestTimeout || c == http.StatusTooManyRequests {
		return result{err: err, retryAfter: retryAfter(resp.Header.Get("Retry-After"), n.opts.Now())}
	}
	return result{err: err, permanent: true, retryAfter: -1}
}

// retryAfter reads a Retry-After header, seconds or an HTTP date, as a
// wait from now; -1 when it is absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return -1
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return -1
		}
		return time.Duration(min(s, int64(365*24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}
