package main

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/browsertest"
)

// The UI's tests drive the demo's pages in a real headless Chromium, as a
// user would see them, and check the figures they show against the API's.

const uiReadToken = "read-token"

// number reads the first number of a figure as a page writes it: "99.896%",
// "-1.9 min", "1,726".
func number(t *testing.T, text string) float64 {
	t.Helper()
	m := regexp.MustCompile(`-?[0-9][0-9,]*(\.[0-9]+)?`).FindString(text)
	x, err := strconv.ParseFloat(strings.ReplaceAll(m, ",", ""), 64)
	if err != nil {
		t.Fatalf("no number in %q", text)
	}
	return x
}

// shows fails unless the page's figure is the API's within tol: the page
// rounds percents down to the digits it shows, and the demo's live traffic
// moves figures between two reads.
func shows(t *testing.T, what string, page, api, tol float64) {
	t.Helper()
	if math.Abs(page-api) > tol {
		t.Errorf("%s: the page shows %v, the API %v (tolerance %v)", what, page, api, tol)
	}
}

type uiRow struct {
	SLO, Status, Budget, SLI, Alerts string
}

func TestTheWebUIInARealBrowser(t *testing.T) {
	s := startServe(t, "--demo", "--tick", "500ms", "--ingest-token", "ingest-token", "--read-token", uiReadToken)
	s.waitReady(t)
	b := browsertest.Start(t)
	var slos struct{ SLOs []evaluation }
	s.do(t, "GET", "/api/v1/slos", uiReadToken, nil, nil, &slos)
	if len(slos.SLOs) != 4 {
		t.Fatalf("the demo serves %d SLOs, want 4", len(slos.SLOs))
	}

	t.Run("the overview asks for the read token, then shows every SLO with the API's figures", func(t *testing.T) {
		p := b.NewPage(t)
		p.Allow(`^HTTP 401 `) // the API's answers before the token is given
		p.Navigate(s.base+"/", "#token-input")
		p.SetValue("#token-input", uiReadToken)
		p.Click("#token-save")
		p.WaitFor(`document.querySelectorAll('#slos tbody tr[data-slo]').length === 4`, 0)
		var rows []uiRow
		p.Eval(`[...document.querySelectorAll('#slos tbody tr[data-slo]')].map((tr) => ({
			SLO: tr.dataset.slo, Status: tr.querySelector('[data-status]').dataset.status,
			Budget: tr.querySelector('.budget-pct').textContent, SLI: tr.querySelector('[data-field=sli]').textContent,
			Alerts: tr.querySelector('[data-field=alerts]').textContent}))`, &rows)
		s.do(t, "GET", "/api/v1/slos", uiReadToken, nil, nil, &slos)
		byKey := map[string]evaluation{}
		for _, ev := range slos.SLOs {
			byKey[ev.Service+"/"+ev.SLO] = ev
		}
		for _, r := range rows {
			ev, ok := byKey[r.SLO]
			if !ok {
				t.Errorf("the page lists %s, which the API does not", r.SLO)
				continue
			}
			if r.Status != ev.Status {
				t.Errorf("%s: the page says %s, the API %s", r.SLO, r.Status, ev.Status)
			}
			shows(t, r.SLO+" budget left %", number(t, r.Budget), 100*ev.Budget.RemainingRatio, 0.12)
			shows(t, r.SLO+" SLI %", number(t, r.SLI), 100**ev.SLI, 0.0012)
		}
		// Worst first: the demo's exhausted availability SLO leads.
		if rows[0].SLO != "notification-platform/availability" || rows[0].Status != "exhausted" {
			t.Errorf("first row %+v, want the exhausted availability SLO", rows[0])
		}
		noJunk(t, p, "the overview")
		p.Screenshot("overview")

		// Filtering by status keeps only those SLOs, and says so.
		p.SetValue("#f-status", "healthy")
		p.WaitFor(`[...document.querySelectorAll('#slos tbody tr[data-slo]')].every((tr) => tr.querySelector('[data-status]').dataset.status === 'healthy')`, 0)
		if got := p.Text("#shown"); !strings.HasPrefix(got, "3 of 4") {
			t.Errorf("filtered to healthy: %q, want 3 of 4", got)
		}
		if !strings.Contains(p.URL(), "status=healthy") {
			t.Errorf("the filter is not in the address: %s", p.URL())
		}
		p.AssertNoErrors(t)
	})

	t.Run("the SLO page shows the API's budget in percent, minutes and events, and the what-if recomputes it", func(t *testing.T) {
		p := b.NewPage(t)
		p.Navigate(s.base+"/slo/notification-platform/availability", "[data-tile=events] .value")
		p.WaitFor(`document.querySelector('#chart-budget path[data-series]') && document.querySelectorAll('#tiers tbody tr').length > 0`, 0)
		ev := s.evaluationAs(t, "notification-platform/availability", uiReadToken)
		shows(t, "budget %", number(t, p.Text("[data-tile=budget] .value")), 100*ev.Budget.RemainingRatio, 0.12)
		minTol := 0.06 // the page writes a tenth of a minute under ten, whole ones above
		if math.Abs(ev.Budget.RemainingMinutes) >= 10 {
			minTol = 0.6
		}
		shows(t, "budget minutes", number(t, p.Text("[data-tile=minutes] .value")), ev.Budget.RemainingMinutes, minTol)
		shows(t, "budget events", number(t, p.Text("[data-tile=events] .value")), ev.Budget.RemainingEvents, 1)
		if got := p.Text("#status [data-status]"); got != "exhausted" {
			t.Errorf("status %q, want exhausted", got)
		}
		var tiers int
		p.Eval(`document.querySelectorAll('#tiers tbody tr[data-tier]').length`, &tiers)
		if tiers != len(ev.Tiers) {
			t.Errorf("%d tier rows, the API has %d tiers", tiers, len(ev.Tiers))
		}
		// The exhausted budget's alert is in the alert table, and the policy
		// blocks deploys.
		p.WaitFor(`document.querySelector('#alerts tr[data-alert=budget_exhausted][data-state=firing]')`, 10*time.Second)
		if got := p.Text("[data-gate=low]"); got != "blocked" {
			t.Errorf("low-risk deploy %q, want blocked", got)
		}
		// The demo's three incidents are marked on the charts.
		var marks int
		p.Eval(`document.querySelectorAll('#chart-budget g.annotation').length`, &marks)
		if marks < 3 {
			t.Errorf("%d annotations on the budget chart, want the demo's incidents and deploy", marks)
		}
		noJunk(t, p, "the SLO page")
		p.Screenshot("slo-availability")

		p.SetValue("#whatif-target", "99")
		p.Click("#whatif-run")
		p.WaitFor(`document.querySelector('[data-whatif=status] [data-status]')`, 0)
		var w struct {
			Now struct {
				Status string
				Budget struct {
					RemainingRatio float64 `json:"remaining_ratio"`
				}
			}
		}
		s.do(t, "GET", "/api/v1/slos/notification-platform/availability/whatif?target=0.99", uiReadToken, nil, nil, &w)
		if w.Now.Status != "healthy" {
			t.Fatalf("the API's what-if at 99%%: %s, want healthy (a tenfold budget)", w.Now.Status)
		}
		if got := p.Text("[data-whatif=status] [data-status]"); got != "healthy" {
			t.Errorf("what-if status %q, want healthy", got)
		}
		shows(t, "what-if budget %", number(t, p.Text("[data-whatif=budget] .value")), 100*w.Now.Budget.RemainingRatio, 0.12)
		var lines int
		p.Eval(`document.querySelectorAll('#chart-whatif path[data-series]').length`, &lines)
		if lines != 2 {
			t.Errorf("the what-if chart draws %d lines, want the current and the what-if target's", lines)
		}
		if got := p.Text("[data-whatif=summary]"); !strings.Contains(got, "healthy") {
			t.Errorf("what-if summary %q", got)
		}
		noJunk(t, p, "the SLO page after a what-if")
		p.Screenshot("slo-whatif")

		// Ninety days come as a few hundred points, whatever the range.
		p.Click(`#ranges button[data-range="90"]`)
		p.WaitFor(`document.getElementById('points').textContent.includes('one every 7h12m')`, 0)
		if n := number(t, p.Text("#points")); n < 200 || n > 400 {
			t.Errorf("a 90-day chart has %v points, want hundreds", n)
		}
		p.AssertNoErrors(t)
	})

	t.Run("a burn-rate page that starts firing appears on the overview", func(t *testing.T) {
		p := b.NewPage(t)
		p.Navigate(s.base+"/", "#slos tbody tr[data-slo]")
		var batch bytes.Buffer
		now := time.Now().UTC()
		for m := now.Add(-5 * time.Minute); m.Before(now); m = m.Add(time.Minute) {
			fmt.Fprintf(&batch, `{"slo":"notification-platform/latency","time":%q,"good":0,"valid":500}`+"\n", m.Format(time.RFC3339))
		}
		s.push(t, "ingest-token", "", batch.Bytes(), http.StatusOK)
		p.WaitFor(`document.querySelector('#firing li[data-alert="notification-platform/latency/page"]')`, 30*time.Second)
		var firing struct {
			Alerts []struct{ Rule, State string }
		}
		s.do(t, "GET", "/api/v1/alerts?service=notification-platform&slo=latency&state=firing", uiReadToken, nil, nil, &firing)
		found := false
		for _, a := range firing.Alerts {
			found = found || a.Rule == "page"
		}
		if !found {
			t.Errorf("the page shows the latency page firing; the API's firing alerts: %+v", firing.Alerts)
		}
		var inRow bool
		p.Eval(`!!document.querySelector('tr[data-slo="notification-platform/latency"] [data-alert="page"]:not(.pending-alert)')`, &inRow)
		if !inRow {
			t.Errorf("the latency row's alerts read %q, want the page firing", p.Text(`tr[data-slo="notification-platform/latency"] [data-field=alerts]`))
		}
		p.Screenshot("overview-firing")
		p.AssertNoErrors(t)
	})

	t.Run("the tier and customer views list the demo's tiers and customers", func(t *testing.T) {
		p := b.NewPage(t)
		p.Navigate(s.base+"/#tiers", "#view-tiers tr[data-tier]")
		var tiers []string
		p.Eval(`[...document.querySelectorAll('#view-tiers tr[data-tier]')].map((tr) => tr.dataset.tier)`, &tiers)
		if strings.Join(tiers, ",") != "free,standard,professional,enterprise" {
			t.Errorf("tiers %v, want the spec's four in its order", tiers)
		}
		p.Screenshot("tiers")
		p.Click(`#tabs a[data-view=customers]`)
		p.WaitFor(`document.querySelectorAll('#customers tr[data-customer]').length === 9`, 0)
		p.SetValue("#cq", "enterprise")
		p.WaitFor(`document.querySelectorAll('#customers tr[data-customer]').length === 2`, 0)
		var tiers2 []string
		p.Eval(`[...document.querySelectorAll('#customers tr[data-customer] td:nth-child(2)')].map((td) => td.textContent)`, &tiers2)
		if strings.Join(tiers2, ",") != "enterprise,enterprise" {
			t.Errorf("filtered to enterprise: tiers %v", tiers2)
		}
		p.Screenshot("customers")
		p.AssertNoErrors(t)

		// A customer's own page, against its tier's target.
		c := b.NewPage(t)
		c.Navigate(s.base+"/slo/notification-platform/availability?customer=acme-retail", "[data-tile=sli] .value")
		c.WaitFor(`document.getElementById('points').textContent !== ''`, 0)
		var acme evaluation
		s.do(t, "GET", "/api/v1/slos/notification-platform/availability/customers/acme-retail", uiReadToken, nil, nil, &acme)
		if acme.Tier != "enterprise" || !strings.Contains(c.Text("#title"), "acme-retail (enterprise)") {
			t.Errorf("customer page title %q; the API's tier %q", c.Text("#title"), acme.Tier)
		}
		shows(t, "acme-retail budget %", number(t, c.Text("[data-tile=budget] .value")), 100*acme.Budget.RemainingRatio, 0.12)
		noJunk(t, c, "a customer's page")
		c.Screenshot("customer")
		c.AssertNoErrors(t)
	})

	t.Run("the status page needs no token and shows the month's availability against the commitment", func(t *testing.T) {
		resp, err := http.Get(s.base + "/status")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /status without a token: %d", resp.StatusCode)
		}
		p := b.NewPage(t)
		p.Navigate(s.base+"/status", "#overall")
		var rep struct {
			Services []struct {
				Service      string
				State        string
				Availability float64
				Commitment   float64
			}
		}
		s.do(t, "GET", "/api/v1/reports/customer", uiReadToken, nil, nil, &rep)
		if len(rep.Services) != 1 {
			t.Fatalf("customer report: %+v", rep)
		}
		svc := rep.Services[0]
		card := `[data-service="notification-platform"]`
		shows(t, "availability %", number(t, p.Text(card+" .figure")), 100*svc.Availability, 0.0012)
		shows(t, "commitment %", number(t, p.Text(card+" .commitment")), 100*svc.Commitment, 1e-9)
		var state string
		p.Eval(`document.querySelector('`+card+`').dataset.state`, &state)
		if state != svc.State {
			t.Errorf("status page state %q, the report's %q", state, svc.State)
		}
		p.Screenshot("status")
		p.AssertNoErrors(t)
	})
}

// edgeSpec has what the demo lacks: an SLO without alerts, on a calendar
// window, a hard dependency that bounds it without a warning, and no data.
const edgeSpec = `apiVersion: slo/v1
service: ledger
dependencies:
  - {name: database, availability: 99.99}
slos:
  - name: monthly
    objective: 99
    window: month
    alerting: {disabled: true}
    sli:
      events:
        stream: ledger
        good: {status: ["2xx"]}
`

// noJunk fails when the page writes a value it did not format: "null",
// "undefined", "NaN" or "[object".
func noJunk(t *testing.T, p *browsertest.Page, what string) {
	t.Helper()
	var junk string
	p.Eval(`(document.body.innerText.match(/\b(null|undefined|NaN)\b|\[object/) || [''])[0]`, &junk)
	if junk != "" {
		t.Errorf("%s shows %q", what, junk)
	}
}

func TestTheWebUIWithNoDataNoAlertsAndACalendarWindow(t *testing.T) {
	s := startServe(t, "-c", writeFile(t, "ledger.yaml", edgeSpec), "--data-dir", t.TempDir(), "--tick", "500ms")
	s.waitReady(t)
	b := browsertest.Start(t)

	p := b.NewPage(t)
	p.Navigate(s.base+"/", `#slos tbody tr[data-slo="ledger/monthly"]`)
	if got := p.Text(`tr[data-slo="ledger/monthly"] [data-status]`); got != "no data" {
		t.Errorf("overview status %q, want no data", got)
	}
	noJunk(t, p, "the overview")
	p.AssertNoErrors(t)

	p = b.NewPage(t)
	p.Navigate(s.base+"/slo/ledger/monthly", "[data-tile=budget] .value")
	p.WaitFor(`document.querySelector('#ceiling [data-field=ceiling]') && document.getElementById('points').textContent !== ''`, 0)
	if got := p.Text("#ceiling [data-field=ceiling]"); got != "99.99%" {
		t.Errorf("ceiling %q, want 99.99%%", got)
	}
	if got := p.Text("[data-tile=projection] .value"); got != "no data" {
		t.Errorf("when the budget runs out: %q, want no data", got)
	}
	noJunk(t, p, "the SLO page")
	p.Screenshot("slo-no-data")
	p.AssertNoErrors(t)

	p = b.NewPage(t)
	p.Navigate(s.base+"/status", "#overall")
	if got := p.Text("#overall"); !strings.HasPrefix(got, "No data") {
		t.Errorf("status headline %q with nothing measured, want No data", got)
	}
	p.AssertNoErrors(t)
}
