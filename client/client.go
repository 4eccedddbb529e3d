// Package client pushes request events and counts to an slo server's push
// API (POST /api/v1/events). Batches travel as gzip NDJSON under a batch
// id; a batch that fails on the network or with a 5xx or 429 is sent again
// with the same id, so the server counts it once however often it arrives.
//
//	c := client.New("http://127.0.0.1:8080", client.WithToken(token))
//	res, err := c.PushEvents(ctx, "", []client.Event{{
//		Stream: "api", Time: time.Now(), Path: "/api/v1/notifications",
//		Method: "POST", Status: 202, Latency: 42 * time.Millisecond,
//	}})
package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// EventsPath is where the server takes batches.
const EventsPath = "/api/v1/events"

// Client pushes batches to one server. It is safe for concurrent use.
type Client struct {
	url        string
	token      string
	hc         *http.Client
	retries    int
	minBackoff time.Duration
	maxBackoff time.Duration
	// sleep waits between attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// Option sets up a Client.
type Option func(*Client)

// WithToken sends token as a bearer token with every request.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sends requests with hc instead of a client with a
// one-minute timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithRetries sets how many times a failed batch is sent again: 5 by
// default, 0 for never.
func WithRetries(n int) Option { return func(c *Client) { c.retries = max(n, 0) } }

// WithBackoff sets the wait before the first retry, doubled for each next
// one up to most: 200ms and 10s by default. Each wait is drawn at random
// from its upper half, so that many clients do not retry in step.
func WithBackoff(first, most time.Duration) Option {
	return func(c *Client) { c.minBackoff, c.maxBackoff = first, most }
}

// New returns a client of the server at baseURL, such as
// http://127.0.0.1:8080.
func New(baseURL string, opts ...Option) *Client {
	c := &Client{
		url:        strings.TrimRight(baseURL, "/") + EventsPath,
		hc:         &http.Client{Timeout: time.Minute}, // a stuck server must not hang a pusher for ever
		retries:    5,
		minBackoff: 200 * time.Millisecond,
		maxBackoff: 10 * time.Second,
		sleep:      sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	c.maxBackoff = max(c.maxBackoff, c.minBackoff)
	return c
}

// PushEvents sends events as one batch. An empty batchID gets a random one,
// which still makes the client's own retries count once; give a batch id
// derived from the data to make re-running a failed job safe too.
func (c *Client) PushEvents(ctx context.Context, batchID string, events []Event) (Result, error) {
	var body []byte
	for i := range events {
		body = events[i].appendJSON(body)
		body = append(body, '\n')
	}
	return c.PushNDJSON(ctx, batchID, body)
}

// PushCounts sends counts as one batch, as PushEvents does events.
func (c *Client) PushCounts(ctx context.Context, batchID string, counts []Count) (Result, error) {
	var body []byte
	for i := range counts {
		if err := counts[i].check(); err != nil {
			return Result{}, fmt.Errorf("count %d: %w", i, err)
		}
		body = counts[i].appendJSON(body)
		body = append(body, '\n')
	}
	return c.PushNDJSON(ctx, batchID, body)
}

// PushNDJSON sends body, items one per line in the push API's format, as
// one batch. It retries network errors, 5xx and 429 answers with
// exponential backoff, and returns other answers but 200 at once. An
// answer other than 200 comes back as an *APIError, the last one when
// retries ran out.
func (c *Client) PushNDJSON(ctx context.Context, batchID string, body []byte) (Result, error) {
	if batchID == "" {
		batchID = NewBatchID()
	}
	gz, err := compress(body)
	if err != nil {
		return Result{}, err
	}
	wait := c.minBackoff
	for attempt := 0; ; attempt++ {
		res, retryAfter, err := c.send(ctx, batchID, gz)
		if err == nil {
			res.BatchID = batchID
			return res, nil
		}
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("batch %s: %w (last error: %v)", batchID, ctx.Err(), err)
		}
		if !retryable(err) || attempt >= c.retries {
			var ae *APIError
			if errors.As(err, &ae) {
				ae.BatchID, ae.Attempts = batchID, attempt+1
				return Result{}, ae
			}
			if attempt > 0 {
				return Result{}, fmt.Errorf("batch %s, after %d attempts: %w", batchID, attempt+1, err)
			}
			return Result{}, fmt.Errorf("batch %s: %w", batchID, err)
		}
		d := wait/2 + mrand.N(wait/2+1)
		if retryAfter > d {
			d = min(retryAfter, c.maxBackoff)
		}
		if err := c.sleep(ctx, d); err != nil {
			return Result{}, fmt.Errorf("batch %s: %w", batchID, err)
		}
		wait = min(2*wait, c.maxBackoff)
	}
}

// send makes one attempt. It returns how long the server asked to wait,
// when it did.
func (c *Client) send(ctx context.Context, batchID string, gz []byte) (Result, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(gz))
	if err != nil {
		return Result{}, 0, fmt.Errorf("push: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Idempotency-Key", batchID)
	req.Header.Set("User-Agent", "slo-client")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return Result{}, 0, &netError{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Result{}, 0, &netError{fmt.Errorf("reading the answer: %w", err)}
	}
	if resp.StatusCode == http.StatusOK {
		var res Result
		if err := json.Unmarshal(data, &res); err != nil {
			return Result{}, 0, fmt.Errorf("push: the server's answer is not a result: %w", err)
		}
		return res, 0, nil
	}
	apiErr := &APIError{StatusCode: resp.StatusCode}
	var body struct {
		Error  string      `json:"error"`
		Errors []ItemError `json:"errors"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error != "" {
		apiErr.Message, apiErr.Items = body.Error, body.Errors
	} else {
		apiErr.Message = strings.TrimSpace(string(data))
	}
	var after time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		after = time.Duration(s) * time.Second
	}
	return Result{}, after, apiErr
}

// netError is a failure to talk to the server at all.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// retryable reports whether sending the batch again may succeed.
func retryable(err error) bool {
	// Any failure to hear back is worth another try, the HTTP client's own
	// timeout included (it reads as a deadline exceeded): the batch id makes
	// a batch that did arrive count once. The caller's context is checked
	// before this is asked.
	var ne *netError
	if errors.As(err, &ne) {
		return true
	}
	var ae *APIError
	return errors.As(err, &ae) && (ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests)
}

func compress(body []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, fmt.Errorf("compressing the batch: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing the batch: %w", err)
	}
	return b.Bytes(), nil
}

// NewBatchID returns a random batch id: 32 hex digits.
func NewBatchID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return hex.EncodeToString(b[:])
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
