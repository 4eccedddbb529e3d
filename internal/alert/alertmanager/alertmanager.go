// Package alertmanager delivers alerts to one or more Prometheus
// Alertmanagers through their API v2.
//
// The notifier follows the protocol Prometheus itself speaks: it posts the
// whole active set to every Alertmanager, when an alert begins firing or
// resolves and again every resend interval. Firing alerts carry an endsAt a
// few intervals ahead, so that if slo stops, Alertmanager resolves them by
// itself; an Alertmanager that missed a send catches up at the next one.
package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slo-dev/slo/internal/alert"
)

// Options configure a Notifier.
type Options struct {
	// URLs are the base URLs of the Alertmanagers, such as
	// http://alertmanager:9093 (with a path prefix if Alertmanager runs
	// under one). Every alert goes to every one of them, as Alertmanager's
	// high availability expects. ParseURLs checks them.
	URLs []string
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Tick is the engine's evaluation interval; 10 s by default.
	Tick time.Duration
	// Resend is how often the active set is sent again when nothing
	// changed; 1 minute by default.
	Resend time.Duration
	// Timeout bounds each request; 10 s by default.
	Timeout time.Duration
	// Client sends the requests; a client without a timeout of its own by
	// default (Timeout applies either way).
	Client *http.Client
	// Logger reports failed sends; slog.Default() by default.
	Logger *slog.Logger
	// Token, when set, is sent as a bearer token.
	Token string
	// Headers are added to every request.
	Headers map[string]string
	// OnSend, when set, is called after every attempt to send to an
	// Alertmanager, with its URL (any password redacted), the number of
	// alerts sent and the error, nil on success. It is called from the
	// sending goroutines, one per URL, and must not block long.
	OnSend func(url string, alerts int, err error)
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tick <= 0 {
		o.Tick = 10 * time.Second
	}
	if o.Resend <= 0 {
		o.Resend = time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Notifier sends alerts to Alertmanagers. It implements alert.Notifier;
// Run does the sending.
type Notifier struct {
	opts    Options
	targets []*target
	err     error // from ParseURLs, returned by Run
	running atomic.Bool

	mu     sync.Mutex
	active []alert.Notification
	primed bool // a non-empty set was recorded since the start

	// after waits on the clock; tests replace it to step a fake clock.
	after func(time.Duration) <-chan time.Time
}

// target is one Alertmanager.
type target struct {
	endpoint string // <base>/api/v2/alerts
	name     string // the base URL, password redacted, for logs and OnSend
	wake     chan struct{}
}

var _ alert.Notifier = (*Notifier)(nil)

// New returns a notifier for o.URLs. A URL that ParseURLs rejects makes
// Run return its error: check them with ParseURLs first to report it early.
func New(o Options) *Notifier {
	o.defaults()
	n := &Notifier{opts: o, after: time.After}
	urls, err := ParseURLs(o.URLs)
	if err == nil && len(urls) == 0 {
		err = errors.New("alertmanager: no URL")
	}
	n.err = err
	for _, u := range urls {
		n.targets = append(n.targets, &target{
			endpoint: u.JoinPath("api", "v2", "alerts").String(),
			name:     u.Redacted(),
			wake:     make(chan struct{}, 1),
		})
	}
	return n
}

// ParseURLs checks Alertmanager base URLs: absolute http or https URLs
// without a query or fragment. The error names the first bad one.
func ParseURLs(raw []string) ([]*url.URL, error) {
	out := make([]*url.URL, 0, len(raw))
	for _, s := range raw {
		u, err := url.Parse(strings.TrimSpace(s))
		switch {
		case err != nil:
			return nil, fmt.Errorf("alertmanager URL %q: %w", s, err)
		case u.Scheme != "http" && u.Scheme != "https":
			return nil, fmt.Errorf("alertmanager URL %q: want an http:// or https:// URL", s)
		case u.Host == "":
			return nil, fmt.Errorf("alertmanager URL %q: no host", s)
		case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
			return nil, fmt.Errorf("alertmanager URL %q: a base URL has no query or fragment", s)
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		out = append(out, u)
	}
	return out, nil
}

// Notify records the active set, and wakes the senders when an alert
// began firing or resolved, or on the first set since the start (so that
// alerts still firing across a restart of slo go out at once). It does
// not block.
func (n *Notifier) Notify(now time.Time, active, changed []alert.Notification) {
	n.mu.Lock()
	n.active = active // the notifier's to keep (alert.Notifier)
	wake := len(changed) > 0 || (!n.primed && len(active) > 0)
	if len(active) > 0 {
		n.primed = true
	}
	n.mu.Unlock()
	if wake {
		for _, t := range n.targets {
			select {
			case t.wake <- struct{}{}:
			default: // a wake is pending already: it will read the new set
			}
		}
	}
}

// current is the latest active set.
func (n *Notifier) current() []alert.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.active
}

// Run sends until ctx is done: to every Alertmanager concurrently, each on
// its own schedule, so that one that is slow or down holds back none of
// the others. It returns an error only for a bad configuration.
func (n *Notifier) Run(ctx context.Context) error {
	if n.err != nil {
		return n.err
	}
	if !n.running.CompareAndSwap(false, true) {
		return errors.New("alertmanager: Run called twice")
	}
	defer n.running.Store(false)
	var wg sync.WaitGroup
	for _, t := range n.targets {
		wg.Go(func() { n.loop(ctx, t) })
	}
	wg.Wait()
	return nil
}

// loop sends to one Alertmanager when woken, and otherwise every Resend on
// the injected clock. Every send carries the current set, so a send that
// failed is made good by the next one.
func (n *Notifier) loop(ctx context.Context, t *target) {
	due := n.opts.Now().Add(n.opts.Resend)
	failing := false
	for {
		wait := max(due.Sub(n.opts.Now()), 0)
		select {
		case <-ctx.Done():
			return
		case <-t.wake:
		case <-n.after(wait):
			if n.opts.Now().Before(due) {
				continue
			}
		}
		now := n.opts.Now()
		due = now.Add(n.opts.Resend)
		alerts := n.current()
		if len(alerts) == 0 {
			continue // Alertmanager resolved whatever it had by their endsAt
		}
		err := n.send(ctx, t, now, alerts)
		if ctx.Err() != nil {
			return // shutting down: the failure is ours, not Alertmanager's
		}
		if n.opts.OnSend != nil {
			n.opts.OnSend(t.name, len(alerts), err)
		}
		switch {
		case err != nil:
			n.opts.Logger.Warn("sending alerts to Alertmanager", "url", t.name, "alerts", len(alerts), "err", err)
			failing = true
		case failing:
			n.opts.Logger.Info("sending alerts to Alertmanager again", "url", t.name, "alerts", len(alerts))
			failing = false
		}
	}
}

// EndsAt is the endsAt sent for a firing alert at now: far enough ahead
// that a few missed sends do not resolve it, near enough that Alertmanager
// resolves it soon after slo stops sending.
func EndsAt(now time.Time, tick, resend time.Duration) time.Time {
	return now.Add(4 * max(tick, resend))
}

// body encodes alerts as sent at now, in Alertmanager's API v2
// (postableAlert), whose fields Notification's JSON has: every alert has
// an endsAt, ahead for a firing one.
func (n *Notifier) body(now time.Time, alerts []alert.Notification) ([]byte, error) {
	firingEnd := EndsAt(now, n.opts.Tick, n.opts.Resend)
	out := slices.Clone(alerts)
	for i := range out {
		if out[i].Firing() {
			out[i].EndsAt = firingEnd
		}
	}
	return json.Marshal(out)
}

// send posts alerts to one Alertmanager.
func (n *Notifier) send(ctx context.Context, t *target, now time.Time, alerts []alert.Notification) error {
	body, err := n.body(now, alerts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "slo")
	for k, v := range n.opts.Headers {
		req.Header.Set(k, v)
	}
	if n.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+n.opts.Token)
	}
	resp, err := n.opts.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // lets the connection be reused
	if resp.StatusCode/100 != 2 {
		if m := strings.TrimSpace(string(msg)); m != "" {
			return fmt.Errorf("%s: %s", resp.Status, m)
		}
		return errors.New(resp.Status)
	}
	return nil
}
