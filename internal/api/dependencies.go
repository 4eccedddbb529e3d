package api

import (
	"net/http"

	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/slo"
)

// CeilingView is an objective's dependency ceiling as the API serves it:
// measured figures from the dependencies' own SLOs where the engine has
// them, published ones elsewhere. Bounded is false, with no figures, when
// no hard dependency bounds the objective.
type CeilingView struct {
	Service string `json:"service"`
	SLO     string `json:"slo"`
	Bounded bool   `json:"bounded"`
	*report.Ceiling
}

// dependencyRoutes adds the dependency ceilings:
// GET /api/v1/slos/{service}/{slo}/ceiling and GET /api/v1/dependencies.
func (s *Server) dependencyRoutes(read func(string, http.HandlerFunc)) {
	read("GET /api/v1/slos/{service}/{slo}/ceiling", s.getCeiling)
	read("GET /api/v1/dependencies", s.listCeilings)
}

func (s *Server) getCeiling(w http.ResponseWriter, r *http.Request) {
	name, obj := r.PathValue("service"), r.PathValue("slo")
	if svc, ok := s.service(name); ok {
		if o, ok := svc.Objective(obj); ok {
			writeJSON(w, http.StatusOK, s.ceiling(&svc, o))
			return
		}
	}
	writeError(w, http.StatusNotFound, "no SLO %s/%s", name, obj)
}

// listCeilings answers the ceiling of every SLO some hard dependency
// bounds, of one service with ?service=; those above it carry a warning.
func (s *Server) listCeilings(w http.ResponseWriter, r *http.Request) {
	only := r.URL.Query().Get("service")
	out := []CeilingView{}
	services := s.Engine.Services()
	for i := range services {
		if only != "" && services[i].Name != only {
			continue
		}
		for j := range services[i].Objectives {
			if c := s.ceiling(&services[i], &services[i].Objectives[j]); c.Bounded {
				out = append(out, c)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ceilings": out})
}

// ceiling measures each dependency by its SLO's SLI at the last tick.
func (s *Server) ceiling(svc *slo.Service, o *slo.Objective) CeilingView {
	measure := func(ref string) (float64, bool) {
		ev, ok := s.Engine.Evaluation(slo.Series{Objective: ref})
		if !ok || ev.SLI == nil {
			return 0, false
		}
		return *ev.SLI, true
	}
	v := CeilingView{Service: svc.Name, SLO: o.Name}
	if c, ok := report.CeilingOf(svc, o, measure); ok {
		v.Bounded, v.Ceiling = true, &c
	}
	return v
}
