package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/slo-dev/slo/internal/slo"
)

// Live is what a running server says of a service now, for the SLO
// document: its engineer report and, where the service has an SLA, the
// SLA report of the current month. From names the server.
type Live struct {
	// From is the server's URL, as the document names it.
	From string
	// Engineer holds the service's SLOs now; SLA its SLA's month so far,
	// nil without an SLA.
	Engineer *EngineerReport
	SLA      *SLAReport
	// Missing says why there are no figures (the server does not serve the
	// service); empty when there are.
	Missing string
}

// WriteLiveDocument writes the service's SLO document, then a section of
// live figures per SLO from live: status, SLI, budget, burn rates,
// exhaustion, firing alerts and the policy's word, and the SLA's month so
// far.
func WriteLiveDocument(w io.Writer, s *slo.Service, live Live) error {
	if err := WriteDocument(w, s); err != nil {
		return err
	}
	b := &strings.Builder{}
	if live.Missing != "" || live.Engineer == nil {
		fmt.Fprintf(b, "## Status now\n\nNo live figures from %s: %s.\n", live.From, orDash(live.Missing))
		return flush(w, b)
	}
	fmt.Fprintf(b, "## Status now\n\nFrom %s at %s.\n", live.From, stamp(live.Engineer.Time))
	for _, o := range s.Objectives {
		fmt.Fprintf(b, "\n### SLO: %s\n\n", o.Name)
		x, ok := findLive(live.Engineer, s.Name, o.Name)
		if !ok {
			b.WriteString("The server does not evaluate this SLO.\n")
			continue
		}
		writeLiveSLO(b, x)
	}
	if r := live.SLA; r != nil {
		for _, a := range r.Services {
			if a.Service == s.Name {
				fmt.Fprintf(b, "\n### SLA: %s\n\n%s: %s.\n", r.Month, a.SLO, outcomeSentence(a.Overall, r.Partial))
			}
		}
	}
	return flush(w, b)
}

func findLive(r *EngineerReport, service, name string) (EngineerSLO, bool) {
	for _, x := range r.SLOs {
		if x.Service == service && x.SLO == name {
			return x, true
		}
	}
	return EngineerSLO{}, false
}

func writeLiveSLO(b *strings.Builder, x EngineerSLO) {
	fmt.Fprintf(b, "%s\n\n", x.Summary)
	fmt.Fprintf(b, "- **Status:** %s since %s\n", x.Status, stamp(x.StatusSince))
	fmt.Fprintf(b, "- **SLI:** %s against %s over %s (%s of %s valid events good)\n", ratioPercent(x.SLI), targetPercent(x.Target), x.Window, trim(x.Good), trim(x.Valid))
	if x.Budget.RemainingRatio != nil {
		fmt.Fprintf(b, "- **Error budget left:** %s: %s of %s minutes, %s of %s bad events\n", sharePercent(x.Budget.RemainingRatio),
			minutesText(x.Budget.RemainingMinutes), trim(x.Budget.TotalMinutes), trim(*x.Budget.RemainingEvents), trim(*x.Budget.AllowedEvents))
	} else {
		fmt.Fprintf(b, "- **Error budget left:** no data\n")
	}
	fmt.Fprintf(b, "- **Burn rate:** %s over 1h, %s over 6h, %s over 24h (trend %s)\n", burnText(x.BurnRate1h), burnText(x.BurnRate6h), burnText(x.BurnRate24h), x.Trend)
	switch {
	case x.SLI == nil:
	case *x.Budget.RemainingRatio <= 0:
		b.WriteString("- **Budget exhausted at the 24h burn rate:** already spent\n")
	case x.Exhaustion != nil:
		fmt.Fprintf(b, "- **Budget exhausted at the 24h burn rate:** %s\n", stamp(*x.Exhaustion))
	default:
		b.WriteString("- **Budget exhausted at the 24h burn rate:** not at this pace\n")
	}
	if len(x.Firing) > 0 {
		var fs []string
		for _, f := range x.Firing {
			fs = append(fs, fmt.Sprintf("%s (%s) since %s", f.Rule, f.Severity, stamp(f.Since)))
		}
		fmt.Fprintf(b, "- **Firing:** %s\n", strings.Join(fs, "; "))
	}
	if x.Actions != nil {
		fmt.Fprintf(b, "- **Policy (%s):** %s\n", x.Actions.Rule, orDash(x.Actions.Message))
	}
	if x.SourceDown != "" {
		fmt.Fprintf(b, "- **Source down** %s\n", x.SourceDown)
	}
}
