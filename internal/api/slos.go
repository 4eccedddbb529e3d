package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/slo"
)

// SLO is one objective as the API shows it: its last evaluation and what the
// spec says of it.
type SLO struct {
	engine.Evaluation
	Description string `json:"description,omitempty"`
	// Measurement says in words what the SLI counts.
	Measurement string            `json:"measurement,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Customers   int               `json:"customers"`
	// Decision is the budget policy's: the status's actions and whether a
	// low- or high-risk deploy may go ahead, as the gate answers.
	Decision *policy.Decision `json:"decision,omitempty"`
}

func (s *Server) view(ev engine.Evaluation) SLO {
	v := SLO{Evaluation: ev}
	if svc, ok := s.service(ev.Service); ok {
		v.Owner = svc.Owner
		if o, ok := svc.Objective(ev.SLO); ok {
			v.Description, v.Labels = o.Description, o.Labels
			// The report's sentence marks names as Markdown code; a page shows
			// it as plain text.
			v.Measurement = strings.ReplaceAll(report.Measurement(o.SLI), "`", "")
			v.Customers = len(s.Engine.Customers(o.Key()))
			d := policy.Decide(&o.Policy, ev)
			v.Decision = &d
		}
	}
	return v
}

// listSLOs answers every objective's evaluation, filtered by ?service= and
// ?status= when given.
func (s *Server) listSLOs(w http.ResponseWriter, r *http.Request) {
	service, status := r.URL.Query().Get("service"), r.URL.Query().Get("status")
	if status != "" {
		if _, ok := slo.ParseStatus(status); !ok {
			writeError(w, http.StatusBadRequest, "status %q: want no_data, healthy, warning, critical or exhausted", status)
			return
		}
	}
	out := []SLO{}
	for _, ev := range s.Engine.Evaluations() {
		if (service == "" || ev.Service == service) && (status == "" || ev.Status == status) {
			out = append(out, s.view(ev))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"slos": out})
}

func seriesOf(r *http.Request) slo.Series {
	return slo.Series{Objective: r.PathValue("service") + "/" + r.PathValue("slo"), Customer: r.PathValue("customer")}
}

func (s *Server) getSLO(w http.ResponseWriter, r *http.Request) {
	ev, ok := s.Engine.Evaluation(seriesOf(r))
	if !ok {
		writeError(w, http.StatusNotFound, "no SLO %s", seriesOf(r))
		return
	}
	writeJSON(w, http.StatusOK, s.view(ev))
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) {
	id := seriesOf(r)
	if _, ok := s.Engine.Evaluation(id); !ok {
		writeError(w, http.StatusNotFound, "no SLO %s", id)
		return
	}
	out := []engine.Evaluation{}
	for _, c := range s.Engine.Customers(id.Objective) {
		if ev, ok := s.Engine.Evaluation(slo.Series{Objective: id.Objective, Customer: c}); ok {
			out = append(out, ev)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"customers": out})
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) {
	id := seriesOf(r)
	ev, ok := s.Engine.Evaluation(id)
	if !ok {
		writeError(w, http.StatusNotFound, "no series %s: no events of this customer yet", id)
		return
	}
	writeJSON(w, http.StatusOK, ev)
}

// history answers ?from=&to=&step=&customer=. Times are RFC 3339 or unix
// seconds; step is a duration (5m, 1h) or seconds. By default it covers the
// last 7 days at a step that gives about 300 points.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := seriesOf(r)
	id.Customer = q.Get("customer")
	if _, ok := s.Engine.Evaluation(id); !ok {
		writeError(w, http.StatusNotFound, "no series %s", id)
		return
	}
	from, to, ok := s.timeRange(w, q, 7*slo.Day)
	if !ok {
		return
	}
	step, err := durationParam(q.Get("step"), defaultStep(from, to))
	if err != nil {
		writeError(w, http.StatusBadRequest, "step: %v", err)
		return
	}
	points, err := s.Engine.History(r.Context(), id, from, to, step)
	if err != nil {
		historyError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"series": id.String(), "from": from, "to": to, "step": slo.FormatDuration(step), "points": points})
}

// defaultStep gives a chart of about 300 points over [from, to], at a
// whole number of minutes.
func defaultStep(from, to time.Time) time.Duration {
	return max(to.Sub(from)/300, time.Minute).Round(time.Minute)
}

// historyError answers the failure of a history the engine computes: the
// request's step as 400, a series gone by a reload as 404, the store's
// failure as 500.
func historyError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, engine.ErrRange):
		writeError(w, http.StatusBadRequest, "step: %v", err)
	case errors.Is(err, engine.ErrNoSeries):
		writeError(w, http.StatusNotFound, "%v", err)
	default:
		writeError(w, http.StatusInternalServerError, "%v", err)
	}
}

// timeRange reads a range from the query's from and to, by default the
// span to now; on a bad one, or from after to, it answers 400 and returns
// false.
func (s *Server) timeRange(w http.ResponseWriter, q url.Values, span time.Duration) (from, to time.Time, ok bool) {
	to, err := timeParam(q.Get("to"), s.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "to: %v", err)
		return from, to, false
	}
	from, err = timeParam(q.Get("from"), to.Add(-span))
	if err != nil {
		writeError(w, http.StatusBadRequest, "from: %v", err)
		return from, to, false
	}
	if from.After(to) {
		writeError(w, http.StatusBadRequest, "from: %s is after to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
		return from, to, false
	}
	return from, to, true
}

func timeParam(v string, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Unix(0, int64(secs*1e9)).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor unix seconds", v)
	}
	return t, nil
}

func durationParam(v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs > 0 {
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := slo.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive duration such as 5m or 1h", v)
	}
	return d, nil
}
