package api

import (
	"net/http"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
)

// gateRoutes adds GET /api/v1/gate, the deploy gate.
func (s *Server) gateRoutes(read func(string, http.HandlerFunc)) {
	read("GET /api/v1/gate", s.gate)
}

// gateParams are the parameters the gate reads. Any other is refused: a
// misspelt risk read as the default low would let a risky deploy through.
var gateParams = map[string]bool{"service": true, "slo": true, "risk": true}

// gate answers ?service=S[&slo=N][&risk=low|high] with the outcome
// (allowed, blocked or unknown), its reason and every SLO's verdict. The
// answer is 200 whatever the outcome: the outcome is the answer.
func (s *Server) gate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for p := range q {
		if !gateParams[p] {
			writeError(w, http.StatusBadRequest, "parameter %q: the gate takes service, slo and risk", p)
			return
		}
	}
	risk, err := policy.ParseRisk(q.Get("risk"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	name := q.Get("service")
	if name == "" {
		writeError(w, http.StatusBadRequest, "service: required, the service whose SLOs gate the deploy")
		return
	}
	svc, ok := s.service(name)
	if !ok {
		writeError(w, http.StatusNotFound, "service %q: no such service", name)
		return
	}
	objs := svc.Objectives
	if n := q.Get("slo"); n != "" {
		o, ok := svc.Objective(n)
		if !ok {
			writeError(w, http.StatusNotFound, "slo %q: service %s has no such SLO", n, name)
			return
		}
		objs = []slo.Objective{*o}
	}
	ds := make([]policy.Decision, len(objs))
	for i := range objs {
		ds[i] = s.decide(&objs[i])
	}
	res := policy.Gate(name, risk, ds)
	res.SLO = q.Get("slo")
	writeJSON(w, http.StatusOK, res)
}

// decide is the policy's decision on the objective's last evaluation; an
// objective the engine has not evaluated yet (just reloaded in) cannot
// tell.
func (s *Server) decide(o *slo.Objective) policy.Decision {
	ev, ok := s.Engine.Evaluation(slo.Series{Objective: o.Key()})
	if !ok {
		ev = engine.Evaluation{Service: o.Service, SLO: o.Name, Target: o.Target, Window: o.Window.String()}
	}
	return policy.Decide(&o.Policy, ev)
}
