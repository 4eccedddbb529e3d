package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

// WhatIfer recomputes a series' figures under another target: the engine.
type WhatIfer interface {
	WhatIf(ctx context.Context, id slo.Series, target float64, from, to time.Time, step time.Duration) (engine.WhatIf, error)
}

// WhatIfView is the what-if answer: the last tick and the history
// recomputed under target, with the budget policy's decision under the
// status that target gives.
type WhatIfView struct {
	Series        string               `json:"series"`
	Target        float64              `json:"target"`
	CurrentTarget float64              `json:"current_target"`
	From          time.Time            `json:"from"`
	To            time.Time            `json:"to"`
	Step          string               `json:"step"`
	Now           SLO                  `json:"now"`
	Points        []engine.Point       `json:"points"`
	Summary       engine.WhatIfSummary `json:"summary"`
}

// whatIfRoutes adds GET /api/v1/slos/{service}/{slo}/whatif, when the
// engine can answer it.
func (s *Server) whatIfRoutes(read func(string, http.HandlerFunc)) {
	wi, ok := s.Engine.(WhatIfer)
	if !ok {
		return
	}
	read("GET /api/v1/slos/{service}/{slo}/whatif", func(w http.ResponseWriter, r *http.Request) { s.whatIf(w, r, wi) })
}

// whatIf answers ?target=&from=&to=&step=&customer=. The range defaults to
// the SLO window's length up to now, at a step that gives about 300 points,
// as a budget burndown shows it.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request, wi WhatIfer) {
	q := r.URL.Query()
	id := seriesOf(r)
	id.Customer = q.Get("customer")
	svc, ok := s.service(r.PathValue("service"))
	var o *slo.Objective
	if ok {
		o, ok = svc.Objective(r.PathValue("slo"))
	}
	if !ok {
		writeError(w, http.StatusNotFound, "no SLO %s", id.Objective)
		return
	}
	if _, ok := s.Engine.Evaluation(id); !ok {
		writeError(w, http.StatusNotFound, "no series %s", id)
		return
	}
	target, err := targetParam(q.Get("target"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "target: %v", err)
		return
	}
	from, to, ok := s.timeRange(w, q, o.Window.Nominal())
	if !ok {
		return
	}
	step, err := durationParam(q.Get("step"), defaultStep(from, to))
	if err != nil {
		writeError(w, http.StatusBadRequest, "step: %v", err)
		return
	}
	res, err := wi.WhatIf(r.Context(), id, target, from, to, step)
	if err != nil {
		historyError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, WhatIfView{
		Series: id.String(), Target: res.Target, CurrentTarget: res.CurrentTarget,
		From: from, To: to, Step: slo.FormatDuration(step),
		Now: s.view(res.Now), Points: res.Points, Summary: res.Summary,
	})
}

// targetParam reads a target as a ratio strictly between 0 and 1.
func targetParam(v string) (float64, error) {
	if v == "" {
		return 0, fmt.Errorf("missing: want a ratio between 0 and 1, such as 0.995 for 99.5%%")
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || !(x > 0 && x < 1) { // NaN fails both comparisons
		return 0, fmt.Errorf("%q: want a ratio strictly between 0 and 1, such as 0.995 for 99.5%%", v)
	}
	return x, nil
}
