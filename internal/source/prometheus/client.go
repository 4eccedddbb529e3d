package prometheus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Config says where a query API is and how to reach it. The zero value of
// each optional field takes its default.
type Config struct {
	// URL is the API's base, without /api/v1: http://prometheus:9090, or
	// http://mimir/prometheus behind a path prefix.
	URL string
	// BearerToken, or the file holding one (read on every request, so that
	// a rotated token is picked up), is sent as Authorization: Bearer.
	BearerToken     string
	BearerTokenFile string
	// BasicUser and BasicPassword are sent as HTTP basic auth.
	BasicUser, BasicPassword string
	// Headers are sent with every request: X-Scope-OrgID for a Mimir or
	// Cortex tenant, say.
	Headers map[string]string
	// Timeout bounds one query, the response read included: 30s.
	Timeout time.Duration
	// MaxBody is the largest response read, in bytes: 32 MiB. A day of
	// minutes is 1440 points a series; a response past this is a query
	// that returns far too many series.
	MaxBody int64
	// Transport carries the requests (TLS settings, proxies); a clone of
	// http.DefaultTransport by default.
	Transport http.RoundTripper
}

// Client queries one Prometheus compatible API. It is safe for concurrent
// use.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
}

// NewClient checks cfg and returns a client for it.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("prometheus url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return nil, fmt.Errorf("prometheus url %q: want http:// or https:// and a host", cfg.URL)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("prometheus url %q: no query or fragment, only the base the API is under", cfg.URL)
	case cfg.BearerToken != "" && cfg.BearerTokenFile != "":
		return nil, errors.New("prometheus: set a bearer token or a bearer token file, not both")
	case (cfg.BearerToken != "" || cfg.BearerTokenFile != "") && cfg.BasicUser != "":
		return nil, errors.New("prometheus: set bearer or basic auth, not both")
	case cfg.BasicPassword != "" && cfg.BasicUser == "":
		return nil, errors.New("prometheus: basic auth password without a user")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 32 << 20
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &Client{cfg: cfg, base: u, http: &http.Client{Transport: cfg.Transport, Timeout: cfg.Timeout}}, nil
}

// Sample is one value of an instant query.
type Sample struct {
	Metric map[string]string
	Time   time.Time
	Value  float64
}

// Vector is an instant query's result.
type Vector []Sample

// Point is one value of a series.
type Point struct {
	Time  time.Time
	Value float64
}

// Series is one series of a range query's result.
type Series struct {
	Metric map[string]string
	Points []Point
}

// Matrix is a range query's result.
type Matrix []Series

// Query evaluates expr at one time (the server's now when at is zero), with
// POST /api/v1/query. A scalar result comes back as one sample without
// labels.
func (c *Client) Query(ctx context.Context, expr string, at time.Time) (Vector, error) {
	form := url.Values{"query": {expr}}
	if !at.IsZero() {
		form.Set("time", formatTime(at))
	}
	const path = "api/v1/query"
	typ, raw, err := c.do(ctx, path, expr, form)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "vector":
		var in []struct {
			Metric map[string]string `json:"metric"`
			Value  point             `json:"value"`
		}
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, c.errorf(path, expr, "decoding the vector: %w", err)
		}
		out := make(Vector, 0, len(in))
		for _, s := range in {
			out = append(out, Sample{Metric: s.Metric, Time: s.Value.Time, Value: s.Value.Value})
		}
		return out, nil
	case "scalar":
		var p point
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, c.errorf(path, expr, "decoding the scalar: %w", err)
		}
		return Vector{{Time: p.Time, Value: p.Value}}, nil
	}
	return nil, c.errorf(path, expr, "result is a %s, not an instant vector or a scalar", typ)
}

// QueryRange evaluates expr at start, start+step, ... up to end, with POST
// /api/v1/query_range.
func (c *Client) QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) (Matrix, error) {
	if step <= 0 || end.Before(start) {
		return nil, fmt.Errorf("prometheus query_range: want start <= end and a positive step, got %s..%s step %s", start, end, step)
	}
	form := url.Values{"query": {expr}, "start": {formatTime(start)}, "end": {formatTime(end)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}}
	const path = "api/v1/query_range"
	typ, raw, err := c.do(ctx, path, expr, form)
	if err != nil {
		return nil, err
	}
	if typ != "matrix" {
		return nil, c.errorf(path, expr, "result is a %s, not a matrix", typ)
	}
	// Native histogram points ("histograms") are left out: the counts are
	// floats, and a histogram's count is read with histogram_count().
	var in []struct {
		Metric map[string]string `json:"metric"`
		Values []point           `json:"values"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, c.errorf(path, expr, "decoding the matrix: %w", err)
	}
	out := make(Matrix, 0, len(in))
	for _, s := range in {
		ps := make([]Point, len(s.Values))
		for i, p := range s.Values {
			ps[i] = Point(p)
		}
		out = append(out, Series{Metric: s.Metric, Points: ps})
	}
	return out, nil
}

// response is the envelope of every answer of the API.
type response struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

// do posts form to path and returns the result's type and raw JSON.
func (c *Client) do(ctx context.Context, path, expr string, form url.Values) (string, json.RawMessage, error) {
	u := c.base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", nil, c.errorf(path, expr, "%w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "slo")
	for k, v := range c.cfg.Headers {
		req.Header.Set(k, v)
	}
	if err := c.auth(req); err != nil {
		return "", nil, c.errorf(path, expr, "%w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", nil, c.errorf(path, expr, "%w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBody+1))
	if err != nil {
		return "", nil, &Error{URL: c.url(path), Query: truncate(expr), Status: resp.StatusCode, Err: fmt.Errorf("reading the response: %w", err)}
	}
	if int64(len(body)) > c.cfg.MaxBody {
		return "", nil, &Error{URL: c.url(path), Query: truncate(expr), Status: resp.StatusCode,
			Err: fmt.Errorf("response larger than %d bytes: the query returns too many series; aggregate it with sum()", c.cfg.MaxBody)}
	}
	var r response
	jerr := json.Unmarshal(body, &r)
	if resp.StatusCode/100 != 2 || r.Status == "error" {
		e := &Error{URL: c.url(path), Query: truncate(expr), Status: resp.StatusCode, Type: r.ErrorType, Msg: r.Error}
		if jerr != nil || r.Error == "" { // a proxy's page, not the API's answer
			e.Msg = snippet(body)
		}
		return "", nil, e
	}
	if jerr != nil {
		return "", nil, &Error{URL: c.url(path), Query: truncate(expr), Status: resp.StatusCode, Err: fmt.Errorf("decoding the response: %w", jerr)}
	}
	return r.Data.ResultType, r.Data.Result, nil
}

func (c *Client) auth(req *http.Request) error {
	switch {
	case c.cfg.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+c.cfg.BearerToken)
	case c.cfg.BearerTokenFile != "":
		b, err := os.ReadFile(c.cfg.BearerTokenFile)
		if err != nil {
			return fmt.Errorf("bearer token: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(b)))
	case c.cfg.BasicUser != "":
		req.SetBasicAuth(c.cfg.BasicUser, c.cfg.BasicPassword)
	}
	return nil
}

// url is where path is, without credentials, for messages.
func (c *Client) url(path string) string { return c.base.JoinPath(path).Redacted() }

func (c *Client) errorf(path, expr, format string, args ...any) error {
	return &Error{URL: c.url(path), Query: truncate(expr), Err: fmt.Errorf(format, args...)}
}

// Error is a failed query: the API's own error (Status, Type, Msg) or one
// of reaching or reading it (Err).
type Error struct {
	// URL is the endpoint queried, credentials redacted.
	URL string
	// Query is the expression, cut to 200 bytes.
	Query string
	// Status is the HTTP status; 0 when no response came.
	Status int
	// Type and Msg are the API's errorType (bad_data, execution, timeout,
	// ...) and error; Msg is the start of the body when it was not the
	// API's JSON.
	Type, Msg string
	Err       error
}

// Error writes the failure as: prometheus query http://host/api/v1/query_range
// "sum(...)": 422 execution: the message.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "prometheus query %s %q: ", e.URL, e.Query)
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
		if e.Type != "" {
			b.WriteString(": " + e.Type)
		}
		if e.Msg != "" {
			b.WriteString(": " + e.Msg)
		}
		if e.Err != nil {
			b.WriteString(": ")
		}
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error: a context's, a network one.
func (e *Error) Unwrap() error { return e.Err }

// point is a [<unix seconds>, "<value>"] pair, as the API writes them.
type point Point

// UnmarshalJSON reads a pair. Values are strings so that NaN and ±Inf
// survive JSON; strconv reads "NaN", "+Inf" and "-Inf" as Go does.
func (p *point) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 2 {
		return fmt.Errorf("sample %s: want [time, value]", b)
	}
	ts, err := strconv.ParseFloat(string(raw[0]), 64)
	if err != nil {
		return fmt.Errorf("sample time %s: %w", raw[0], err)
	}
	s := string(raw[1])
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("sample value %s: %w", raw[1], err)
	}
	// Prometheus keeps milliseconds: rounding to them undoes the float's
	// error in the last digits.
	p.Time, p.Value = time.UnixMilli(int64(math.Round(ts*1000))).UTC(), v
	return nil
}

// formatTime writes t as unix seconds, with milliseconds when it has any:
// the form every compatible API reads.
func formatTime(t time.Time) string {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10)
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
}

// truncate cuts q to about 200 bytes, at a character's start.
func truncate(q string) string {
	const n = 200
	if len(q) <= n {
		return q
	}
	i := n
	for i > 0 && !utf8.RuneStart(q[i]) {
		i--
	}
	return q[:i] + "…"
}

// snippet is the start of a body that is not the API's JSON, on one line.
func snippet(b []byte) string {
	return truncate(strings.Join(strings.Fields(string(b[:min(len(b), 1000)])), " "))
}
