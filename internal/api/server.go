// Package api serves the platform over HTTP: the JSON API, the push
// endpoint behind its token, health and readiness, and /metrics.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Evaluator is what the API reads: the engine.
type Evaluator interface {
	Evaluations() []engine.Evaluation
	Evaluation(id slo.Series) (engine.Evaluation, bool)
	Customers(key string) []string
	History(ctx context.Context, id slo.Series, from, to time.Time, step time.Duration) ([]engine.Point, error)
	Services() []slo.Service
}

// Annotator keeps annotations: the store.
type Annotator interface {
	AddAnnotation(ctx context.Context, a store.Annotation) (store.Annotation, error)
	Annotations(ctx context.Context, service string, from, to time.Time) ([]store.Annotation, error)
}

// Config is what a Server serves.
type Config struct {
	Engine      Evaluator
	Annotations Annotator
	// Alerts serves /api/v1/alerts; nil for none.
	Alerts Alerter
	// ReportData and Records serve /api/v1/reports: the engine, with its
	// counts, and the store's annotations and alerts. Without ReportData
	// reports answer 501; without Records they show no alerts or events.
	ReportData report.Data
	Records    report.Records
	// Ingest handles POST /api/v1/events once the token is checked.
	Ingest http.Handler
	// Pages serves the web UI at every path the API leaves; nil for none.
	// Its /status and /status.json answer 503 until the state is loaded.
	Pages http.Handler
	// Reload reloads the specs, for POST /api/v1/admin/reload.
	Reload   func(ctx context.Context) error
	Tokens   Tokens
	Registry *prometheus.Registry
	Now      func() time.Time
	Logger   *slog.Logger
}

// Server is the HTTP API.
type Server struct {
	Config
	ready atomic.Bool
	mux   *http.ServeMux
}

// New returns the API server; it answers /readyz with 503 until SetReady.
func New(c Config) *Server {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{Config: c, mux: http.NewServeMux()}
	s.routes()
	return s
}

// SetReady marks the server ready: its state is loaded.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

func (s *Server) routes() {
	read := func(pattern string, h http.HandlerFunc) {
		s.mux.Handle(pattern, s.require(Read, s.whenReady(gzipped(h))))
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if s.Registry != nil {
		s.mux.Handle("GET /metrics", s.require(Read, promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{})))
	}
	if s.Ingest != nil {
		s.mux.Handle("POST /api/v1/events", s.require(Ingest, s.Ingest))
	}
	read("GET /api/v1/slos", s.listSLOs)
	read("GET /api/v1/slos/{service}/{slo}", s.getSLO)
	read("GET /api/v1/slos/{service}/{slo}/customers", s.listCustomers)
	read("GET /api/v1/slos/{service}/{slo}/customers/{customer}", s.getCustomer)
	read("GET /api/v1/slos/{service}/{slo}/history", s.history)
	read("GET /api/v1/annotations", s.listAnnotations)
	if s.Alerts != nil {
		read("GET /api/v1/alerts", s.listAlerts)
		read("GET /api/v1/alerts/history", s.alertHistory)
	}
	s.mux.Handle("POST /api/v1/annotations", s.require(Ingest, http.HandlerFunc(s.addAnnotation)))
	s.mux.Handle("POST /api/v1/admin/reload", s.require(Admin, http.HandlerFunc(s.reload)))
	s.gateRoutes(read)
	s.reportRoutes(read)
	s.customerRoutes(read)
	s.dependencyRoutes(read)
	if s.Pages != nil {
		// The pages carry no figures (the browser reads the API with its
		// token); the status page is public by design.
		s.mux.Handle("GET /", s.Pages)
		s.mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "no such endpoint: GET %s (docs/api.md lists them)", r.URL.Path)
		})
		s.mux.Handle("GET /status", s.whenReady(s.Pages))
		s.mux.Handle("GET /status.json", s.whenReady(s.Pages))
	}
	s.whatIfRoutes(read)
}

// service returns the served service of that name.
func (s *Server) service(name string) (slo.Service, bool) {
	for _, svc := range s.Engine.Services() {
		if svc.Name == name {
			return svc, true
		}
	}
	return slo.Service{}, false
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// HTTPServer wraps the API in an http.Server with timeouts, so that a slow
// or stuck client cannot hold a connection for ever.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
}

// whenReady answers 503 until the state is loaded: figures from a half
// loaded state would read as no data, or worse as healthy.
func (s *Server) whenReady(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "loading state: try again shortly")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		writeError(w, http.StatusServiceUnavailable, "loading state")
		return
	}
	fmt.Fprintln(w, "ready")
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	if s.Reload == nil {
		writeError(w, http.StatusNotImplemented, "reload is not available")
		return
	}
	// A client that hangs up must not stop a reload half way.
	if err := s.Reload(context.WithoutCancel(r.Context())); err != nil {
		writeError(w, http.StatusBadRequest, "reload: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
}

// writeJSON encodes v before it writes the status, so that a value JSON
// cannot carry gives a 500 that says so, not a 200 with half a body.
func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		code = http.StatusInternalServerError
		data, _ = json.Marshal(map[string]string{"error": "encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n')) // the client is gone if this fails; nothing to tell
}

func writeError(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, map[string]string{"error": fmt.Sprintf(format, args...)})
}
