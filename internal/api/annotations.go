package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// annotationIn is the body of POST /api/v1/annotations.
type annotationIn struct {
	Service string            `json:"service"`
	SLO     string            `json:"slo"`
	Kind    string            `json:"kind"`
	Start   string            `json:"start"`
	End     string            `json:"end"`
	Text    string            `json:"text"`
	Labels  map[string]string `json:"labels"`
}

var annotationKinds = []string{"deploy", "incident", "note"}

func (s *Server) addAnnotation(w http.ResponseWriter, r *http.Request) {
	var in annotationIn
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "annotation: %v", err)
		return
	}
	a := store.Annotation{Service: in.Service, Objective: in.SLO, Kind: in.Kind, Text: in.Text, Labels: in.Labels}
	var err error
	if a.Start, err = timeParam(in.Start, s.Now()); err != nil {
		writeError(w, http.StatusBadRequest, "field \"start\": %v", err)
		return
	}
	if in.End != "" {
		if a.End, err = timeParam(in.End, a.Start); err != nil {
			writeError(w, http.StatusBadRequest, "field \"end\": %v", err)
			return
		}
		if a.End.Before(a.Start) {
			writeError(w, http.StatusBadRequest, "field \"end\": %s is before start %s", a.End.Format(time.RFC3339), a.Start.Format(time.RFC3339))
			return
		}
	}
	if msg := s.checkAnnotation(a); msg != "" {
		writeError(w, http.StatusBadRequest, "%s", msg)
		return
	}
	a, err = s.Annotations.AddAnnotation(r.Context(), a)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "annotation not saved: %v", err)
		return
	}
	out, err := s.attribute(r.Context(), []store.Annotation{a})
	if err != nil {
		// Saved: the answer says so, without the budget it cannot tell yet.
		writeJSON(w, http.StatusCreated, a)
		return
	}
	writeJSON(w, http.StatusCreated, out[0])
}

// Bounds of an annotation's free text, so that a timeline stays readable
// and a store row small.
const (
	maxText   = 4096
	maxLabels = 64
)

func (s *Server) checkAnnotation(a store.Annotation) string {
	if !slices.Contains(annotationKinds, a.Kind) {
		return `field "kind": want ` + strings.Join(annotationKinds, ", ")
	}
	if len(a.Text) > maxText {
		return fmt.Sprintf(`field "text": %d bytes is more than %d`, len(a.Text), maxText)
	}
	if len(a.Labels) > maxLabels {
		return fmt.Sprintf(`field "labels": %d labels is more than %d`, len(a.Labels), maxLabels)
	}
	for k, v := range a.Labels {
		if k == "" || len(k) > 128 || len(v) > 1024 {
			return fmt.Sprintf(`field "labels": label %q: want a name of 1 to 128 bytes and a value of at most 1024`, k)
		}
	}
	svc, ok := s.service(a.Service)
	if !ok {
		return `field "service": no service ` + strings.TrimSpace(a.Service)
	}
	if _, ok := svc.Objective(a.Objective); a.Objective != "" && !ok {
		return `field "slo": no SLO ` + a.Objective + " in service " + a.Service
	}
	return ""
}

// listAnnotations answers the annotations overlapping the range, each with
// the budget it consumed (report.Attribute).
func (s *Server) listAnnotations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, ok := s.timeRange(w, q, 30*slo.Day)
	if !ok {
		return
	}
	list, err := s.Annotations.Annotations(r.Context(), q.Get("service"), from, to)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "%v", err)
		return
	}
	out, err := s.attribute(r.Context(), list)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"annotations": out})
}

// attribute gives each annotation the budget it consumed, as of now.
// Without the engine's counts (an Evaluator that has none) the
// attribution is left empty.
func (s *Server) attribute(ctx context.Context, list []store.Annotation) ([]report.Annotated, error) {
	var c report.Counter = s.ReportData
	if c == nil {
		c, _ = s.Engine.(report.Counter)
	}
	if c == nil {
		out := make([]report.Annotated, len(list))
		for i, a := range list {
			out[i] = report.Annotated{Annotation: a, Attribution: report.Attribution{SLOs: []report.Spend{}}}
		}
		return out, nil
	}
	return report.Attribute(ctx, c, s.Annotations, s.Engine.Services(), list, s.Now())
}
