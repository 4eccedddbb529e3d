package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

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
		if a.End, err = timeParam(in.End, a.Start); err != nil || a.End.Before(a.Start) {
			writeError(w, http.StatusBadRequest, "field \"end\": want a time at or after start")
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
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) checkAnnotation(a store.Annotation) string {
	if !contains(annotationKinds, a.Kind) {
		return `field "kind": want ` + strings.Join(annotationKinds, ", ")
	}
	for _, svc := range s.Engine.Services() {
		if svc.Name != a.Service {
			continue
		}
		if _, ok := svc.Objective(a.Objective); a.Objective != "" && !ok {
			return `field "slo": no SLO ` + a.Objective + " in service " + a.Service
		}
		return ""
	}
	return `field "service": no service ` + strings.TrimSpace(a.Service)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) listAnnotations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, ok := s.lastDays(w, q)
	if !ok {
		return
	}
	list, err := s.Annotations.Annotations(r.Context(), q.Get("service"), from, to)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "%v", err)
		return
	}
	if list == nil {
		list = []store.Annotation{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"annotations": list})
}

// lastDays reads a range from the query's from and to, by default the 30
// days to now; on a bad one it answers 400 and returns false.
func (s *Server) lastDays(w http.ResponseWriter, q url.Values) (from, to time.Time, ok bool) {
	to, err := timeParam(q.Get("to"), s.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "to: %v", err)
		return from, to, false
	}
	from, err = timeParam(q.Get("from"), to.Add(-30*slo.Day))
	if err != nil {
		writeError(w, http.StatusBadRequest, "from: %v", err)
		return from, to, false
	}
	return from, to, true
}
