package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// ParamError is a request a live report cannot answer as asked: an unknown
// service or SLO, a month still to come. Param names the request item, so
// that the API can answer 400 naming it.
type ParamError struct {
	Param  string
	Value  string
	Reason string
}

// Error says which item is wrong and why: service "x": no such service.
func (e *ParamError) Error() string { return fmt.Sprintf("%s %q: %s", e.Param, e.Value, e.Reason) }

// IsParamError reports whether err is, or wraps, a *ParamError.
func IsParamError(err error) bool {
	var pe *ParamError
	return errors.As(err, &pe)
}

// picked is one objective a report covers, with its service.
type picked struct {
	svc *slo.Service
	obj *slo.Objective
}

func (p picked) key() string { return p.obj.Key() }

// pick returns the objectives req selects, in spec order: all of them, a
// service's, or those named req.SLO. A name that matches nothing is a
// ParamError naming the item.
func pick(d Data, req Request) ([]picked, error) {
	svcs := d.Services()
	var out []picked
	found := req.Service == ""
	for i := range svcs {
		s := &svcs[i]
		if req.Service != "" && s.Name != req.Service {
			continue
		}
		found = true
		for j := range s.Objectives {
			if req.SLO == "" || s.Objectives[j].Name == req.SLO {
				out = append(out, picked{svc: s, obj: &s.Objectives[j]})
			}
		}
	}
	switch {
	case !found:
		return nil, &ParamError{"service", req.Service, "no such service"}
	case len(out) == 0 && req.Service != "":
		return nil, &ParamError{"slo", req.SLO, "service " + req.Service + " has no such SLO"}
	case len(out) == 0 && req.SLO != "":
		return nil, &ParamError{"slo", req.SLO, "no service has such an SLO"}
	}
	return out, nil
}

// byService groups picked objectives by service, keeping their order.
func byService(ps []picked) [][]picked {
	var out [][]picked
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1][0].svc.Name == p.svc.Name {
			out[n-1] = append(out[n-1], p)
			continue
		}
		out = append(out, []picked{p})
	}
	return out
}

// evaluation returns the objective's last evaluation; one that is not
// evaluated yet reads as no data, never as healthy.
func evaluation(d Data, p picked) engine.Evaluation {
	if ev, ok := d.Evaluation(slo.Series{Objective: p.key()}); ok {
		return ev
	}
	return engine.Evaluation{
		Service: p.svc.Name, SLO: p.obj.Name, Target: p.obj.Target, Window: p.obj.Window.String(),
		Status: slo.NoData.String(), Trend: "unknown",
	}
}

// perCustomer reports whether the objective's SLI is measured per customer.
func perCustomer(o *slo.Objective) bool {
	s := o.SLI
	return (s.Events != nil && s.Events.CustomerField != "") || (s.Prometheus != nil && s.Prometheus.CustomerLabel != "")
}

// firingAlerts returns the alerts of an objective firing at now, as the
// alert manager recorded them; none without records.
func firingAlerts(ctx context.Context, r Records, p picked, now time.Time) ([]FiringAlert, error) {
	if r == nil {
		return []FiringAlert{}, nil
	}
	// A firing alert overlaps every range after it fired; a resolved one
	// ends at or before now, so it does not overlap [now, now+1ns).
	as, err := r.Alerts(ctx, store.AlertQuery{Service: p.svc.Name, SLO: p.obj.Name, From: now, To: now.Add(1)})
	if err != nil {
		return nil, fmt.Errorf("alerts of %s: %w", p.key(), err)
	}
	out := []FiringAlert{}
	for _, a := range as {
		if a.State == "firing" && a.Customer == "" {
			out = append(out, FiringAlert{Rule: a.Rule, Severity: a.Severity, Since: a.FiredAt})
		}
	}
	return out, nil
}

// FiringAlert is an alert firing now.
type FiringAlert struct {
	// Rule is the alert tier's name, or budget_critical / budget_exhausted.
	Rule     string    `json:"rule"`
	Severity string    `json:"severity"`
	Since    time.Time `json:"since"`
}
