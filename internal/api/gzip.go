package api

import (
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
)

// gzipped compresses a read answer for a client that accepts gzip: a
// 90-day chart's history is about 116 KB of JSON and travels as about 20
// KB. BestSpeed, because the server's time is the one every reader waits
// for and the ratio of the better levels gains little on JSON.
func gzipped(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if r.Method == http.MethodHead || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		h.ServeHTTP(gw, r)
	})
}

// acceptsGzip reads an Accept-Encoding header: gzip listed, and not with
// q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

var gzipPool = sync.Pool{New: func() any {
	z, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a valid level cannot fail
	return z
}}

// gzipWriter compresses what the handler writes; the encoding header goes
// out with the status, before the first byte.
type gzipWriter struct {
	http.ResponseWriter
	z           *gzip.Writer
	wroteHeader bool
	bodyless    bool
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// WriteHeader sends the status; an answer with a body is marked gzip.
// Answers that have none (204, 304) go out as they are.
func (g *gzipWriter) WriteHeader(code int) {
	if !g.wroteHeader {
		g.wroteHeader = true
		g.bodyless = code == http.StatusNoContent || code == http.StatusNotModified
		if !g.bodyless {
			g.Header().Set("Content-Encoding", "gzip")
			g.Header().Del("Content-Length")
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	if !g.wroteHeader {
		g.WriteHeader(http.StatusOK)
	}
	if g.bodyless {
		return g.ResponseWriter.Write(p)
	}
	if g.z == nil {
		g.z = gzipPool.Get().(*gzip.Writer)
		g.z.Reset(g.ResponseWriter)
	}
	return g.z.Write(p)
}

// close ends the gzip stream, if one began.
func (g *gzipWriter) close() {
	if g.z == nil {
		return
	}
	_ = g.z.Close() // the client is gone if this fails; nothing to tell
	gzipPool.Put(g.z)
}
