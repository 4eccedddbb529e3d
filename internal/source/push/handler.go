// Package push is the push ingest source: POST /api/v1/events takes
// batches of request events and of ready-made counts, classifies the events
// with the objectives' SLIs, sums everything per series and minute, and
// hands the sums to a sink as one batch, all or nothing.
package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Sink takes a batch of observations: the engine, which writes it to the
// store durably and then applies it in memory. Append returns the batch's
// sequence number, and duplicate true when a batch with the same non-empty
// ID was already taken (nothing is applied again).
type Sink interface {
	Append(ctx context.Context, b store.Batch) (seq int64, duplicate bool, err error)
}

// Options bound what the handler accepts. Zero fields take the defaults.
type Options struct {
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// MaxFuture is how far ahead of Now an item's time may be: 5m.
	MaxFuture time.Duration
	// MaxAge is how far behind Now an item's time may be: 400 days, the
	// retention of coarse counts.
	MaxAge time.Duration
	// MaxBody is the largest body in bytes, both as sent and decompressed:
	// 32 MiB.
	MaxBody int64
	// MaxErrors is how many problems a rejection lists: 20.
	MaxErrors int
	// Observe, when set, is told the outcome of every batch that was read:
	// accepted, duplicate, rejected (a bad item) or failed (not stored),
	// with its number of items and, unless rejected, their tally. The
	// server counts them in /metrics.
	Observe func(outcome string, items int, st Stats)
}

func (o Options) defaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxFuture <= 0 {
		o.MaxFuture = 5 * time.Minute
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 400 * slo.Day
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 32 << 20
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = 20
	}
	return o
}

// Handler serves POST /api/v1/events. It does not authenticate: the API
// wraps it in its token middleware.
type Handler struct {
	sink   Sink
	opts   Options
	router atomic.Pointer[Router]
}

// NewHandler returns a handler that appends to sink. It answers 503 until
// SetRouter gives it the objectives.
func NewHandler(sink Sink, opts Options) *Handler {
	return &Handler{sink: sink, opts: opts.defaults()}
}

// SetRouter makes r route every request from now on; requests under way
// finish with the router they started with.
func (h *Handler) SetRouter(r *Router) { h.router.Store(r) }

// Response is the body of a 200 answer. The figures describe the batch
// even when it was a duplicate and so changed nothing.
type Response struct {
	// Accepted is the number of items in the batch.
	Accepted  int `json:"accepted"`
	Counted   int `json:"counted"`
	Excluded  int `json:"excluded"`
	Ignored   int `json:"ignored"`
	Unmatched int `json:"unmatched"`
	// Observations is the number of (series, minute) sums written.
	Observations int `json:"observations"`
	// Seq is the batch's sequence number in the store, 0 when the batch
	// had neither observations nor an id, and so was not stored.
	Seq       int64 `json:"seq"`
	Duplicate bool  `json:"duplicate"`
}

// ErrorResponse is the body of every other answer. Errors lists the
// problems of a rejected batch, up to Options.MaxErrors of them.
type ErrorResponse struct {
	Error  string      `json:"error"`
	Errors []ItemError `json:"errors,omitempty"`
}

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 128

// ServeHTTP reads, checks, classifies and appends one batch.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, ErrorResponse{Error: "method " + r.Method + " not allowed: POST a batch of items"})
		return
	}
	router := h.router.Load()
	if router == nil {
		w.Header().Set("Retry-After", "1")
		reply(w, http.StatusServiceUnavailable, ErrorResponse{Error: "not ready: no SLO specs loaded yet"})
		return
	}
	f, err := bodyFormat(r.Header.Get("Content-Type"))
	if err != nil {
		reply(w, http.StatusUnsupportedMediaType, ErrorResponse{Error: err.Error()})
		return
	}
	id := r.Header.Get("Idempotency-Key")
	if err := checkKey(id); err != nil {
		reply(w, http.StatusBadRequest, ErrorResponse{Error: err.Error()})
		return
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := readBody(r, h.opts.MaxBody, buf); err != nil {
		var enc *encodingError
		switch {
		case errors.Is(err, errTooLarge):
			reply(w, http.StatusRequestEntityTooLarge, ErrorResponse{Error: fmt.Sprintf("body larger than %d bytes: send smaller batches", h.opts.MaxBody)})
		case errors.As(err, &enc):
			reply(w, http.StatusUnsupportedMediaType, ErrorResponse{Error: err.Error()})
		default:
			reply(w, http.StatusBadRequest, ErrorResponse{Error: err.Error()})
		}
		return
	}
	// The decoder's strings point into buf: everything it made is used or
	// copied before buf goes back to the pool.
	d := newBatchDecoder(router, h.opts)
	if f == formatNDJSON {
		d.ndjson(buf.Bytes())
	} else {
		d.json(buf.Bytes())
	}
	if d.errs.total > 0 {
		h.observe("rejected", d.items, Stats{})
		reply(w, http.StatusBadRequest, ErrorResponse{Error: d.errs.summary(d.items), Errors: d.errs.list})
		return
	}
	obs := d.t.observations()
	st := d.t.stats
	res := Response{Accepted: d.items, Counted: st.Counted, Excluded: st.Excluded, Ignored: st.Ignored,
		Unmatched: st.Unmatched, Observations: len(obs)}
	// A batch with nothing to count is still logged when it has an id, so
	// that a retry of it is reported as the duplicate it is.
	if len(obs) > 0 || id != "" {
		res.Seq, res.Duplicate, err = h.sink.Append(r.Context(), store.Batch{ID: id, Received: d.now, Observations: obs})
		switch {
		case errors.Is(err, store.ErrInvalid): // a retry cannot succeed
			h.observe("rejected", d.items, Stats{})
			reply(w, http.StatusBadRequest, ErrorResponse{Error: "batch refused by the store: " + err.Error()})
			return
		case err != nil:
			h.observe("failed", d.items, st)
			w.Header().Set("Retry-After", "1")
			reply(w, http.StatusServiceUnavailable, ErrorResponse{Error: "batch not stored, send it again: " + err.Error()})
			return
		}
	}
	if res.Duplicate {
		h.observe("duplicate", d.items, st)
	} else {
		h.observe("accepted", d.items, st)
	}
	reply(w, http.StatusOK, res)
}

func (h *Handler) observe(outcome string, items int, st Stats) {
	if h.opts.Observe != nil {
		h.opts.Observe(outcome, items, st)
	}
}

// checkKey checks an Idempotency-Key: at most 128 bytes of printable ASCII.
func checkKey(id string) error {
	if len(id) > MaxIdempotencyKey {
		return fmt.Errorf("Idempotency-Key is %d bytes long, more than %d", len(id), MaxIdempotencyKey)
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return fmt.Errorf("Idempotency-Key has byte %#x at %d: use printable ASCII", id[i], i)
		}
	}
	return nil
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do about it
}
