// Package ui serves the web pages of `slo serve`: the overview of every SLO,
// one page per SLO, and the public status page. The assets are embedded and
// plain (HTML, CSS and JavaScript without a build step); the overview and
// SLO pages read the JSON API from the browser, so they carry no figures
// themselves and need no token. The status page is rendered on the server
// from the customer report, and is public whatever the read tokens.
package ui

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"
)

//go:embed assets
var assets embed.FS

// Config is what the pages need.
type Config struct {
	// Status makes the public status page's report; nil serves none.
	Status StatusFunc
	// StatusCache is how long one status report serves every visitor, so
	// that a busy public page costs one report per period. Default 15s.
	StatusCache time.Duration
	Now         func() time.Time
	Logger      *slog.Logger
}

// Handler serves the pages.
type Handler struct {
	Config
	mux    *http.ServeMux
	status statusCache
}

// New returns the pages' handler.
func New(c Config) *Handler {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.StatusCache <= 0 {
		c.StatusCache = 15 * time.Second
	}
	h := &Handler{Config: c, mux: http.NewServeMux()}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(static)
	h.mux.Handle("GET /ui/", http.StripPrefix("/ui/", noDirs(files)))
	h.mux.HandleFunc("GET /{$}", h.page("index.html"))
	h.mux.HandleFunc("GET /slo/{service}/{slo}", h.page("slo.html"))
	if c.Status != nil {
		h.mux.HandleFunc("GET /status", h.statusPage)
		h.mux.HandleFunc("GET /status.json", h.statusJSON)
	}
	return h
}

// ServeHTTP serves the pages with headers that keep them from being framed
// or running scripts from elsewhere.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// page serves one of the pages' HTML: each reads its figures from the API
// once loaded.
func (h *Handler) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := assets.ReadFile("assets/" + name)
		if err != nil {
			http.Error(w, "page missing from the build", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(data) // a failed write is a client gone
	}
}

// noDirs refuses directory listings of the assets.
func noDirs(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || r.URL.Path[len(r.URL.Path)-1] == '/' {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
