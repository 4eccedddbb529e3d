package prometheus

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// api serves the query API from a handler of the parsed form, and keeps
// the last request.
func api(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *http.Request) {
	t.Helper()
	last := new(http.Request)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("parsing the form: %v", err)
		}
		*last = *r.Clone(context.Background())
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, last
}

func reply(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const emptyVector = `{"status":"success","data":{"resultType":"vector","result":[]}}`

func TestClientSendsCredentialsAndHeaders(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cfg      Config
		wantAuth string
		wantOrg  string
	}{
		{name: "no credentials send no Authorization", cfg: Config{}},
		{name: "a bearer token is sent as is", cfg: Config{BearerToken: "s3cret"}, wantAuth: "Bearer s3cret"},
		{name: "a token file is read, its newline trimmed", cfg: Config{BearerTokenFile: token}, wantAuth: "Bearer from-file"},
		{name: "basic auth is encoded", cfg: Config{BasicUser: "slo", BasicPassword: "pw"}, wantAuth: "Basic c2xvOnB3"},
		{name: "custom headers carry a Mimir tenant", cfg: Config{Headers: map[string]string{"X-Scope-OrgID": "team-a"}}, wantOrg: "team-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, last := api(t, reply(emptyVector))
			tt.cfg.URL = srv.URL + "/prometheus"
			if _, err := newClient(t, tt.cfg).Query(context.Background(), "up", time.Time{}); err != nil {
				t.Fatal(err)
			}
			if got := last.Header.Get("Authorization"); got != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", got, tt.wantAuth)
			}
			if got := last.Header.Get("X-Scope-OrgID"); got != tt.wantOrg {
				t.Errorf("X-Scope-OrgID = %q, want %q", got, tt.wantOrg)
			}
			if last.Method != http.MethodPost || last.URL.Path != "/prometheus/api/v1/query" {
				t.Errorf("request %s %s, want POST /prometheus/api/v1/query", last.Method, last.URL.Path)
			}
			if ct := last.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type = %q", ct)
			}
			if last.PostForm.Get("query") != "up" || last.PostForm.Has("time") {
				t.Errorf("form = %v, want the query and no time", last.PostForm)
			}
		})
	}
}

func TestNewClientRefusesAmbiguousConfig(t *testing.T) {
	for _, cfg := range []Config{
		{URL: "prometheus:9090"},
		{URL: "ftp://host"},
		{URL: "http://host?x=1"},
		{URL: "http://host", BearerToken: "a", BearerTokenFile: "b"},
		{URL: "http://host", BearerToken: "a", BasicUser: "u"},
		{URL: "http://host", BasicPassword: "p"},
	} {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("NewClient(%+v) = nil error", cfg)
		}
	}
}

func TestQueryRangeFormatsTimesAndStep(t *testing.T) {
	srv, last := api(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/query" {
			reply(emptyVector)(w, r)
			return
		}
		reply(`{"status":"success","data":{"resultType":"matrix","result":[]}}`)(w, r)
	})
	start := time.Unix(1700000000, 0)
	end := time.Unix(1700003600, 500*int64(time.Millisecond))
	if _, err := newClient(t, Config{URL: srv.URL}).QueryRange(context.Background(), "sum(x)", start, end, time.Minute); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"query": "sum(x)", "start": "1700000000", "end": "1700003600.500", "step": "60"}
	for k, v := range want {
		if got := last.PostForm.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if last.URL.Path != "/api/v1/query_range" {
		t.Errorf("path %s", last.URL.Path)
	}
	if _, err := newClient(t, Config{URL: srv.URL}).Query(context.Background(), "x", time.Unix(1700000060, 0)); err != nil {
		t.Fatal(err)
	}
	if got := last.PostForm.Get("time"); got != "1700000060" {
		t.Errorf("time = %q", got)
	}
}

func TestQueryRangeParsesSpecialValues(t *testing.T) {
	srv, _ := api(t, reply(`{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"code":"200"},"values":[[1700000000,"1.5"],[1700000060.25,"NaN"],[1700000120,"+Inf"],[1700000180,"-Inf"]]},
		{"metric":{},"values":[[1700000000,"2e3"]]}]}}`))
	m, err := newClient(t, Config{URL: srv.URL}).QueryRange(context.Background(), "x", time.Unix(0, 0), time.Unix(1, 0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m[0].Metric["code"] != "200" || len(m[0].Points) != 4 || m[1].Points[0].Value != 2000 {
		t.Fatalf("matrix = %+v", m)
	}
	ps := m[0].Points
	if ps[0].Value != 1.5 || !math.IsNaN(ps[1].Value) || !math.IsInf(ps[2].Value, 1) || !math.IsInf(ps[3].Value, -1) {
		t.Errorf("values = %+v", ps)
	}
	if want := time.UnixMilli(1700000060250); !ps[1].Time.Equal(want) {
		t.Errorf("time = %v, want %v", ps[1].Time, want)
	}
}

func TestQueryReadsVectorsAndScalars(t *testing.T) {
	srv, _ := api(t, func(w http.ResponseWriter, r *http.Request) {
		if r.PostForm.Get("query") == "1" {
			reply(`{"status":"success","data":{"resultType":"scalar","result":[1700000000,"NaN"]}}`)(w, r)
			return
		}
		reply(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1700000000,"42"]}]}}`)(w, r)
	})
	c := newClient(t, Config{URL: srv.URL})
	v, err := c.Query(context.Background(), "up", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 1 || v[0].Metric["job"] != "api" || v[0].Value != 42 || !v[0].Time.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("vector = %+v", v)
	}
	s, err := c.Query(context.Background(), "1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 1 || s[0].Metric != nil || !math.IsNaN(s[0].Value) {
		t.Errorf("scalar = %+v", s)
	}
}

func TestQueryErrorsSayWhatFailed(t *testing.T) {
	long := "sum(rate(http_requests_total{job=\"" + strings.Repeat("a", 300) + "\"}[5m]))"
	tests := []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request)
		query  string
		want   []string
		status int
	}{
		{
			name: "the API's error gives status, type and message",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = w.Write([]byte(`{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}`))
			},
			query:  "a / b",
			want:   []string{"422 Unprocessable Entity", "execution", "many-to-many matching not allowed", "/api/v1/query_range", `"a / b"`},
			status: 422,
		},
		{
			name: "a proxy's page is quoted, on one line",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte("<html>\n<h1>502 Bad Gateway</h1>\n</html>"))
			},
			query:  "up",
			want:   []string{"502 Bad Gateway", "<html> <h1>502 Bad Gateway</h1> </html>"},
			status: 502,
		},
		{
			name:   "a long query is cut",
			answer: reply(`{"status":"error","errorType":"bad_data","error":"parse error"}`),
			query:  long,
			want:   []string{"aaaa…", "bad_data", "parse error"},
			status: 200,
		},
		{
			name:   "a result of the wrong type is refused",
			answer: reply(`{"status":"success","data":{"resultType":"vector","result":[]}}`),
			query:  "up",
			want:   []string{"result is a vector, not a matrix"},
		},
		{
			name:   "a body that is not JSON is an error",
			answer: reply(`not json`),
			query:  "up",
			want:   []string{"200 OK", "decoding the response"},
			status: 200,
		},
		{
			name:   "a body past the limit is not read",
			answer: reply(`{"status":"success","data":{"resultType":"matrix","result":[` + strings.Repeat(" ", 2000) + `]}}`),
			query:  "up",
			want:   []string{"larger than 1024 bytes", "sum()"},
			status: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := api(t, tt.answer)
			c := newClient(t, Config{URL: srv.URL, MaxBody: 1024})
			_, err := c.QueryRange(context.Background(), tt.query, time.Unix(0, 0), time.Unix(60, 0), time.Minute)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status {
				t.Fatalf("error %#v: want an *Error with status %d", err, tt.status)
			}
			if want := tt.query[:min(len(tt.query), 200)]; !strings.HasPrefix(e.Query, want) || len(e.Query) > 204 {
				t.Errorf("Query = %q, want the query cut to 200 bytes", e.Query)
			}
		})
	}
}

func TestQueryTimesOutAndUnreachableServersAreErrors(t *testing.T) {
	block := make(chan struct{})
	srv, _ := api(t, func(http.ResponseWriter, *http.Request) { <-block })
	defer close(block)
	_, err := newClient(t, Config{URL: srv.URL, Timeout: 50 * time.Millisecond}).Query(context.Background(), "up", time.Time{})
	var e *Error
	if err == nil || !errors.As(err, &e) || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("slow server: error %v, want a timeout", err)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err = newClient(t, Config{URL: dead.URL}).Query(context.Background(), "up", time.Time{})
	if err == nil || !strings.Contains(err.Error(), "/api/v1/query") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("closed server: error %v, want connection refused with the path", err)
	}
}

func TestErrorURLHidesCredentials(t *testing.T) {
	srv, _ := api(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	u := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1)
	_, err := newClient(t, Config{URL: u}).Query(context.Background(), "up", time.Time{})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "401") {
		t.Errorf("error %v: want 401 without the password", err)
	}
}
