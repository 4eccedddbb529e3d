package api

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/slo-dev/slo/internal/report"
)

// reportParams are the query parameters of GET /api/v1/reports/{kind}.
var reportParams = []string{"service", "slo", "month", "quarter", "format"}

// reportTypes are the content types of the report formats.
var reportTypes = map[string]string{
	"json":     "application/json",
	"text":     "text/plain; charset=utf-8",
	"markdown": "text/markdown; charset=utf-8",
}

// reportRoutes adds GET /api/v1/reports/{kind}: a live report made now,
// as JSON (the default), text or Markdown.
func (s *Server) reportRoutes(read func(string, http.HandlerFunc)) {
	read("GET /api/v1/reports/{kind}", s.getReport)
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	if s.ReportData == nil {
		writeError(w, http.StatusNotImplemented, "reports are not available")
		return
	}
	kind := r.PathValue("kind")
	if !slices.Contains(report.Kinds, kind) {
		writeError(w, http.StatusNotFound, "no report %q: want one of %s", kind, strings.Join(report.Kinds, ", "))
		return
	}
	req, format, err := s.reportRequest(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	rep, err := report.Build(r.Context(), report.Source{Data: s.ReportData, Records: s.Records}, kind, req)
	switch {
	case report.IsParamError(err):
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	case err != nil:
		s.Logger.Error("report failed", "kind", kind, "err", err)
		writeError(w, http.StatusInternalServerError, "report %s: %v", kind, err)
		return
	}
	// Rendered whole before the status is written, so that a failure is a
	// 500 that says so rather than a 200 with half a report.
	var buf bytes.Buffer
	if err := report.Write(&buf, rep, format); err != nil {
		writeError(w, http.StatusInternalServerError, "report %s: %v", kind, err)
		return
	}
	w.Header().Set("Content-Type", reportTypes[format])
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes()) // the client is gone if this fails; nothing to tell
}

// reportRequest reads the query: each parameter at most once, none
// unknown, months and quarters as 2026-10 and 2026-Q3.
func (s *Server) reportRequest(r *http.Request) (report.Request, string, error) {
	q := r.URL.Query()
	for k, vs := range q {
		if !slices.Contains(reportParams, k) {
			return report.Request{}, "", fmt.Errorf("parameter %q: unknown; want %s", k, strings.Join(reportParams, ", "))
		}
		if len(vs) > 1 {
			return report.Request{}, "", fmt.Errorf("parameter %q: given %d times; give it once", k, len(vs))
		}
	}
	req := report.Request{Service: q.Get("service"), SLO: q.Get("slo"), Now: s.Now()}
	var err error
	if v := q.Get("month"); v != "" {
		if req.Month, err = report.ParseMonth(v); err != nil {
			return req, "", err
		}
	}
	if v := q.Get("quarter"); v != "" {
		if req.Quarter, err = report.ParseQuarter(v); err != nil {
			return req, "", err
		}
	}
	format := q.Get("format")
	switch format {
	case "":
		format = "json"
	case "md":
		format = "markdown"
	}
	if _, ok := reportTypes[format]; !ok {
		return req, "", fmt.Errorf("format %q: want json, text or markdown", format)
	}
	return req, format, nil
}
