package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Tiers keeps the customer-to-tier mapping: the engine does. The customer
// endpoints are served when the Evaluator is one.
type Tiers interface {
	SetCustomerTier(ctx context.Context, service, customer, tier string) (store.CustomerTier, error)
	DeleteCustomerTier(ctx context.Context, service, customer string) (bool, error)
	CustomerTier(service, customer string) (engine.CustomerTier, bool)
	CustomerTiers(service string) ([]engine.CustomerTier, bool)
	Target(id slo.Series) (target float64, tier string, ok bool)
}

// maxTierBody bounds a PUT's body: {"tier": NAME} is a few dozen bytes.
const maxTierBody = 4 << 10

// customerRoutes adds the customer-to-tier mapping endpoints: the mapping
// of a service and one customer's tier and status (read), and setting or
// removing a tier (admin).
func (s *Server) customerRoutes(read func(string, http.HandlerFunc)) {
	t, ok := s.Engine.(Tiers)
	if !ok {
		return
	}
	c := customers{s: s, t: t}
	read("GET /api/v1/customers/{service}", c.list)
	read("GET /api/v1/customers/{service}/{customer}", c.get)
	admin := func(pattern string, h http.HandlerFunc) {
		s.mux.Handle(pattern, s.require(Admin, s.whenReady(h)))
	}
	admin("PUT /api/v1/customers/{service}/{customer}", c.put)
	admin("DELETE /api/v1/customers/{service}/{customer}", c.delete)
}

// customers serves the customer endpoints.
type customers struct {
	s *Server
	t Tiers
}

// CustomerMapping is a service's effective customer-to-tier mapping.
type CustomerMapping struct {
	Service     string                `json:"service"`
	Tiers       []string              `json:"tiers"`
	DefaultTier string                `json:"default_tier,omitempty"`
	Customers   []engine.CustomerTier `json:"customers"`
}

// CustomerStatus is one customer's tier and its status on every SLO of the
// service measured per customer.
type CustomerStatus struct {
	Service string `json:"service"`
	engine.CustomerTier
	SLOs []CustomerSLO `json:"slos"`
}

// CustomerSLO is a customer's standing on one SLO: the target and tier its
// series has from the next tick, and the last tick's evaluation, nil until
// the customer's first events (the status is then no_data).
type CustomerSLO struct {
	SLO        string             `json:"slo"`
	Target     float64            `json:"target"`
	Tier       string             `json:"tier"`
	Status     string             `json:"status"`
	Evaluation *engine.Evaluation `json:"evaluation"`
}

// tieredService returns the service when it is served with a customers
// section, else writes a 404 naming the field.
func (c customers) tieredService(w http.ResponseWriter, name string) (*slo.Service, bool) {
	svc, ok := c.s.service(name)
	switch {
	case !ok:
		fieldError(w, http.StatusNotFound, "service", "no service %q", name)
		return nil, false
	case svc.Customers == nil:
		fieldError(w, http.StatusNotFound, "service", "service %s has no customers section in its spec", name)
		return nil, false
	}
	return &svc, true
}

// list answers the mapping, filtered by ?tier= and ?source= when given.
func (c customers) list(w http.ResponseWriter, r *http.Request) {
	svc, ok := c.tieredService(w, r.PathValue("service"))
	if !ok {
		return
	}
	tier, source := r.URL.Query().Get("tier"), r.URL.Query().Get("source")
	switch source {
	case "", engine.TierFromAPI, engine.TierFromSpec, engine.TierFromDefault:
	default:
		fieldError(w, http.StatusBadRequest, "source", "source %q: want api, spec or default", source)
		return
	}
	all, ok := c.t.CustomerTiers(svc.Name)
	if !ok { // reloaded away since
		fieldError(w, http.StatusNotFound, "service", "no service %q", svc.Name)
		return
	}
	out := CustomerMapping{Service: svc.Name, Tiers: svc.Customers.Tiers, DefaultTier: svc.Customers.DefaultTier,
		Customers: make([]engine.CustomerTier, 0, len(all))}
	for _, ct := range all {
		if (tier == "" || ct.Tier == tier) && (source == "" || ct.Source == source) {
			out.Customers = append(out.Customers, ct)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// get answers one customer's tier and status. A customer neither assigned
// nor measured is still answered, on the default tier, when the spec has
// one; else 404.
func (c customers) get(w http.ResponseWriter, r *http.Request) {
	svc, ok := c.tieredService(w, r.PathValue("service"))
	if !ok {
		return
	}
	out, ok := c.status(svc, r.PathValue("customer"))
	if !ok {
		fieldError(w, http.StatusNotFound, "customer", "customer %q of %s has no tier: it is not assigned one and the spec has no default_tier", r.PathValue("customer"), svc.Name)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// status builds a customer's answer; false when it has no tier at all.
func (c customers) status(svc *slo.Service, customer string) (CustomerStatus, bool) {
	ct, ok := c.t.CustomerTier(svc.Name, customer)
	if !ok || ct.Tier == "" {
		return CustomerStatus{}, false
	}
	out := CustomerStatus{Service: svc.Name, CustomerTier: ct, SLOs: []CustomerSLO{}}
	for i := range svc.Objectives {
		o := &svc.Objectives[i]
		if !perCustomer(o) {
			continue
		}
		id := slo.Series{Objective: o.Key(), Customer: customer}
		target, tier, ok := c.t.Target(id)
		if !ok {
			continue
		}
		cs := CustomerSLO{SLO: o.Name, Target: target, Tier: tier, Status: slo.NoData.String()}
		if ev, ok := c.s.Engine.Evaluation(id); ok {
			cs.Evaluation, cs.Status = &ev, ev.Status
		}
		out.SLOs = append(out.SLOs, cs)
	}
	return out, true
}

// perCustomer reports whether the objective is measured per customer.
func perCustomer(o *slo.Objective) bool {
	s := o.SLI
	return (s.Events != nil && s.Events.CustomerField != "") ||
		(s.Prometheus != nil && s.Prometheus.CustomerLabel != "") || len(o.TierTargets) > 0
}

// put sets a customer's tier from {"tier": NAME}. It answers once the
// assignment is saved; the customer's series take it at the next tick.
func (c customers) put(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Tier *string `json:"tier"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxTierBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			fieldError(w, http.StatusRequestEntityTooLarge, "", "the body is larger than %d bytes", maxTierBody)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			fieldError(w, http.StatusBadRequest, field, "unknown field %q: the body is {\"tier\": NAME}", field)
		default:
			fieldError(w, http.StatusBadRequest, "", "the body is not JSON of the form {\"tier\": NAME}: %v", err)
		}
		return
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		fieldError(w, http.StatusBadRequest, "", "the body holds more than one JSON value")
		return
	}
	if body.Tier == nil || *body.Tier == "" {
		fieldError(w, http.StatusBadRequest, "tier", "tier is required: {\"tier\": NAME}")
		return
	}
	service, customer := r.PathValue("service"), r.PathValue("customer")
	// A client that hangs up must not leave the save half done.
	if _, err := c.t.SetCustomerTier(context.WithoutCancel(r.Context()), service, customer, *body.Tier); err != nil {
		tierError(w, err)
		return
	}
	c.answer(w, service, customer)
}

// delete removes a customer's API tier, so the spec's applies again.
func (c customers) delete(w http.ResponseWriter, r *http.Request) {
	service, customer := r.PathValue("service"), r.PathValue("customer")
	found, err := c.t.DeleteCustomerTier(context.WithoutCancel(r.Context()), service, customer)
	if err != nil {
		tierError(w, err)
		return
	}
	svc, ok := c.tieredService(w, service)
	if !ok {
		return
	}
	out := struct {
		// Deleted is false when the customer had no tier set through the
		// API: nothing changed.
		Deleted bool `json:"deleted"`
		CustomerStatus
	}{Deleted: found}
	out.CustomerStatus = c.after(svc, customer)
	writeJSON(w, http.StatusOK, out)
}

// answer writes the customer's tier and status after a change.
func (c customers) answer(w http.ResponseWriter, service, customer string) {
	svc, ok := c.tieredService(w, service)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, c.after(svc, customer))
}

// after is the customer's tier and status after a change, which may have
// left it with no tier (deleted, and the spec has no default tier).
func (c customers) after(svc *slo.Service, customer string) CustomerStatus {
	out, ok := c.status(svc, customer)
	if !ok {
		ct, _ := c.t.CustomerTier(svc.Name, customer)
		out = CustomerStatus{Service: svc.Name, CustomerTier: ct, SLOs: []CustomerSLO{}}
	}
	return out
}

// tierError answers an engine's refusal with the field at fault.
func tierError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, engine.ErrUnknownService):
		fieldError(w, http.StatusNotFound, "service", "%v", err)
	case errors.Is(err, engine.ErrNotTiered):
		fieldError(w, http.StatusBadRequest, "service", "%v", err)
	case errors.Is(err, engine.ErrUnknownTier):
		fieldError(w, http.StatusBadRequest, "tier", "%v", err)
	case errors.Is(err, engine.ErrInvalidCustomer):
		fieldError(w, http.StatusBadRequest, "customer", "%v", err)
	default:
		fieldError(w, http.StatusInternalServerError, "", "not saved: %v", err)
	}
}

// fieldError writes an error that names the request field at fault, when
// there is one.
func fieldError(w http.ResponseWriter, code int, field, format string, args ...any) {
	body := map[string]string{"error": fmt.Sprintf(format, args...)}
	if field != "" {
		body["field"] = field
	}
	writeJSON(w, code, body)
}
