package push

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandlerAnswersHTTPErrors(t *testing.T) {
	count := []byte(`{"slo":"` + deliv + `","good":1,"valid":1}`)
	tests := []struct {
		name    string
		method  string
		ctype   string
		headers []string
		body    []byte
		setup   func(*harness)
		code    int
		errText string
	}{
		{name: "GET is not allowed", method: http.MethodGet, code: http.StatusMethodNotAllowed, errText: "method GET not allowed"},
		{name: "text/plain is an unsupported content type", ctype: "text/plain", body: count,
			code: http.StatusUnsupportedMediaType, errText: `unsupported Content-Type "text/plain"`},
		{name: "a missing content type is unsupported", ctype: "-", body: count,
			code: http.StatusUnsupportedMediaType, errText: `unsupported Content-Type ""`},
		{name: "brotli is an unsupported encoding", headers: []string{"Content-Encoding", "br"}, body: count,
			code: http.StatusUnsupportedMediaType, errText: `unsupported Content-Encoding "br"`},
		{name: "a body that is not gzip is refused", headers: []string{"Content-Encoding", "gzip"}, body: count,
			code: http.StatusBadRequest, errText: "reading the gzip body"},
		{name: "an idempotency key over 128 bytes is refused", headers: []string{"Idempotency-Key", strings.Repeat("k", 129)}, body: count,
			code: http.StatusBadRequest, errText: "Idempotency-Key is 129 bytes long, more than 128"},
		{name: "an idempotency key with a non-ASCII byte is refused", headers: []string{"Idempotency-Key", "bätch"}, body: count,
			code: http.StatusBadRequest, errText: "Idempotency-Key has byte 0xc3 at 1: use printable ASCII"},
		{name: "a handler without a router is not ready", body: count, setup: func(x *harness) { x.h = NewHandler(x.sink, Options{}) },
			code: http.StatusServiceUnavailable, errText: "not ready"},
		{name: "a failing sink answers 503 with its error", body: count, setup: func(x *harness) { x.sink.err = errors.New("disk full") },
			code: http.StatusServiceUnavailable, errText: "batch not stored, send it again: disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, Options{})
			if tt.setup != nil {
				tt.setup(x)
			}
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/api/v1/events", bytes.NewReader(tt.body))
			switch tt.ctype {
			case "":
				req.Header.Set("Content-Type", ndjson)
			case "-":
			default:
				req.Header.Set("Content-Type", tt.ctype)
			}
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			w := httptest.NewRecorder()
			x.h.ServeHTTP(w, req)
			var res ErrorResponse
			if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
				t.Fatalf("answer is not JSON: %v\n%s", err, w.Body)
			}
			if w.Code != tt.code || !strings.Contains(res.Error, tt.errText) {
				t.Errorf("got %d %q, want %d with %q", w.Code, res.Error, tt.code, tt.errText)
			}
			if len(x.sink.Batches()) != 0 {
				t.Errorf("the sink got %d batches, want none", len(x.sink.Batches()))
			}
		})
	}
}

func TestHandlerLimitsTheBody(t *testing.T) {
	line := `{"slo":"` + deliv + `","good":1,"valid":1}` + "\n"
	fits := []byte(strings.Repeat(line, 10))
	tests := []struct {
		name string
		body []byte
		gzip bool
		code int
	}{
		{name: "a body of exactly the limit is read", body: fits, code: http.StatusOK},
		{name: "a body one byte over the limit is too large", body: append(fits, ' '), code: http.StatusRequestEntityTooLarge},
		{name: "a small gzip body that decompresses past the limit is too large",
			body: []byte(strings.Repeat(line, 11)), gzip: true, code: http.StatusRequestEntityTooLarge},
		{name: "a gzip body within the limit both ways is read", body: fits, gzip: true, code: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, Options{MaxBody: int64(len(fits))})
			body, headers := tt.body, []string(nil)
			if tt.gzip {
				body, headers = gzipped(body), []string{"Content-Encoding", "gzip"}
			}
			if a := x.post(t, ndjson, body, headers...); a.code != tt.code {
				t.Fatalf("status %d, want %d: %s", a.code, tt.code, a.raw)
			}
		})
	}
	t.Run("a compressed body over the limit is too large", func(t *testing.T) {
		x := newHarness(t, Options{MaxBody: 64})
		// Random-looking text compresses badly: the gzip body itself is
		// over 64 bytes.
		var b strings.Builder
		for i := range 40 {
			b.WriteString(time.Duration(i * 7919).String())
		}
		body := gzipped([]byte(b.String()))
		if len(body) <= 64 {
			t.Fatalf("test body compressed to %d bytes", len(body))
		}
		if a := x.post(t, ndjson, body, "Content-Encoding", "gzip"); a.code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413: %s", a.code, a.raw)
		}
	})
}
