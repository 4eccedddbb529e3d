package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/report"
)

// StatusFunc makes the customer report the status page shows, as of now.
type StatusFunc func(ctx context.Context, now time.Time) (*report.CustomerReport, error)

// statusCache keeps the last report for a while: the page is public, and
// a report reads a month of counts.
type statusCache struct {
	mu     sync.Mutex
	at     time.Time
	report *report.CustomerReport
}

// current returns the report, made anew when the cached one is older than
// the cache period. Visitors who arrive while one is made wait for it.
func (h *Handler) currentStatus(ctx context.Context) (*report.CustomerReport, error) {
	c := &h.status
	c.mu.Lock()
	defer c.mu.Unlock()
	now := h.Now()
	if c.report != nil && now.Sub(c.at) < h.StatusCache && !now.Before(c.at) {
		return c.report, nil
	}
	// The visitor's hang-up must not waste the report for the next one.
	r, err := h.Status(context.WithoutCancel(ctx), now)
	if err != nil {
		return nil, err
	}
	c.at, c.report = now, r
	return r, nil
}

func (h *Handler) statusJSON(w http.ResponseWriter, r *http.Request) {
	rep, ok := h.statusOrError(w, r)
	if !ok {
		return
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		http.Error(w, "encoding the status: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(h.StatusCache.Seconds())))
	_, _ = w.Write(append(data, '\n')) // a failed write is a client gone
}

func (h *Handler) statusPage(w http.ResponseWriter, r *http.Request) {
	rep, ok := h.statusOrError(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := statusTemplate.Execute(&b, statusView(rep)); err != nil {
		h.Logger.Error("status page", "err", err)
		http.Error(w, "rendering the status page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(h.StatusCache.Seconds())))
	_, _ = w.Write(b.Bytes()) // a failed write is a client gone
}

// statusOrError returns the report, or answers 503 and returns false.
func (h *Handler) statusOrError(w http.ResponseWriter, r *http.Request) (*report.CustomerReport, bool) {
	rep, err := h.currentStatus(r.Context())
	if err != nil {
		h.Logger.Error("status page", "err", err)
		http.Error(w, "the status cannot be read right now", http.StatusServiceUnavailable)
		return nil, false
	}
	return rep, true
}

var statusTemplate = template.Must(template.New("status.html").
	Funcs(template.FuncMap{"deref": func(b *bool) bool { return b != nil && *b }}).
	ParseFS(assets, "assets/status.html"))

// statusService is one service as the page writes it.
type statusService struct {
	Name, State, StateText, Message string
	Availability, Commitment        string
	Kind                            string
	Meeting                         *bool
	// Bar is the availability's place on a scale from the commitment's
	// budget below it to 100%, for the bar; Mark is the commitment's.
	Bar, Mark  float64
	Components []statusComponent
}

type statusComponent struct{ Name, State, StateText string }

type statusPageView struct {
	Month, Updated, Overall, OverallText string
	Partial                              bool
	Services                             []statusService
}

var stateTexts = map[string]string{
	"operational":  "Operational",
	"degraded":     "Degraded performance",
	"major_outage": "Major outage",
	"unknown":      "No data",
}

// statusView turns the report into what the template writes: texts, not
// figures to format.
func statusView(r *report.CustomerReport) statusPageView {
	// The headline is the worst measured state; with nothing measured it
	// says so, and never claims health it has not seen.
	v := statusPageView{Month: monthName(r.Month), Updated: r.Time.UTC().Format("2006-01-02 15:04 UTC"), Partial: r.Partial, Overall: "unknown"}
	for _, s := range r.Services {
		sv := statusService{Name: s.Service, State: s.State, StateText: stateTexts[s.State], Message: s.Message,
			Commitment: percent(s.Commitment), Kind: strings.ToUpper(s.CommitmentKind), Meeting: s.MeetingCommitment, Availability: "no data"}
		if s.Availability != nil {
			sv.Availability = percent(*s.Availability)
			sv.Bar, sv.Mark = barOf(*s.Availability, s.Commitment)
		}
		for _, c := range s.Components {
			sv.Components = append(sv.Components, statusComponent{Name: c.Name, State: c.State, StateText: stateTexts[c.State]})
		}
		if report.WorseState(s.State, v.Overall) {
			v.Overall = s.State
		}
		v.Services = append(v.Services, sv)
	}
	v.OverallText = map[string]string{
		"operational": "All systems operational", "degraded": "Some systems are degraded",
		"major_outage": "A major outage is under way", "unknown": "No data yet: nothing is measured",
	}[v.Overall]
	return v
}

// barOf places availability and commitment on a scale from 100% less
// three times the commitment's allowance to 100%, so that the commitment
// mark sits at two thirds and a miss is plain to see.
func barOf(availability, commitment float64) (bar, mark float64) {
	low := 1 - 3*(1-commitment)
	place := func(x float64) float64 { return 100 * min(1, max(0, (x-low)/(1-low))) }
	return place(availability), place(commitment)
}

// percent writes a ratio with the digits a status page needs: 99.95%. It
// rounds down, so that 99.4996% never reads as meeting 99.5%, nor 99.9999%
// as 100%.
func percent(x float64) string {
	s := fmt.Sprintf("%.3f", math.Floor(100*x*1000+1e-9)/1000)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

func monthName(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("January 2006")
}
