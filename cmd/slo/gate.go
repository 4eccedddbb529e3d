package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/slo-dev/slo/internal/policy"
)

const gateSummary = "ask a server whether the error budgets allow a deploy: exit 0 allowed, 1 blocked, 2 cannot tell"

const gateHelp = `
The server answers from its budget policy (GET /api/v1/gate): a low-risk
deploy is blocked where the status stops feature development (critical and
exhausted by default), a high-risk one where it stops risky deployments
(warning and worse). Without --slo every SLO of the service is asked: one
that blocks blocks the deploy; otherwise one without data makes it a
cannot tell.

The server defaults to $SLO_SERVER; the token is --token or --token-file, else
$SLO_READ_TOKEN, else $SLO_TOKEN. Exit status: 0 allowed; 1 blocked (the
reason and the budget figures are printed); 2 cannot tell: the server is
unreachable or answers 5xx, or an SLO has no data. --fail-open turns a
cannot tell into exit 0 with a warning on stderr. A refused request (a bad
token, an unknown service or SLO) and bad flags exit 2 even with
--fail-open: they are mistakes in the pipeline, not outages. See
docs/gate.md.
`

// gateFlags are slo gate's settings.
type gateFlags struct {
	service, slo, risk string
	rem                remote
	failOpen           bool
	output             string
}

func runGate(ctx context.Context, e *env, args []string) error {
	var f gateFlags
	fs := newFlags(e, "gate", "--service S [--slo N] [--risk low|high] --server URL [--token T | --token-file F] [--fail-open] [--timeout 10s] [-o text|json]", gateSummary)
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(e.stderr, gateHelp) }
	fs.StringVar(&f.service, "service", "", "the service to deploy (required)")
	fs.StringVar(&f.slo, "slo", "", "ask one SLO of the service only")
	fs.StringVar(&f.risk, "risk", "low", "the deploy's risk: low (a feature change) or high (a risky deployment)")
	fs.StringVar(&f.rem.server, "server", "", "the base URL of slo serve (default $SLO_SERVER)")
	fs.StringVar(&f.rem.token, "token", "", "a read token (default $SLO_READ_TOKEN, else $SLO_TOKEN)")
	fs.StringVar(&f.rem.tokenFile, "token-file", "", "a file holding the read token")
	fs.BoolVar(&f.failOpen, "fail-open", false, "let the deploy go ahead (exit 0, with a warning) when the gate cannot tell")
	fs.DurationVar(&f.rem.timeout, "timeout", 10*time.Second, "how long to wait for an answer, retries of a server still loading included")
	fs.StringVar(&f.output, "o", "text", "output format: text or json")
	rest, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	query, err := f.check(rest)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.rem.timeout)
	defer cancel()
	res, err := askGate(ctx, &f.rem, query)
	if err != nil {
		return f.cannotTell(e, err)
	}
	if f.output == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false) // "5xx_rate > 1%", not \u003e
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("gate: writing the answer: %w", err)
		}
	} else {
		printGate(e.stdout, res)
	}
	switch res.Outcome {
	case policy.Allowed:
		return nil
	case policy.Blocked:
		return &exitError{exitInvalid, fmt.Errorf("gate: blocked: %w", errReported)}
	}
	return f.cannotTell(e, &gateUnsure{errors.New(res.Reason)})
}

// check reads the flags into the query and the server and token, or a
// usage error naming the flag.
func (f *gateFlags) check(rest []string) (url.Values, error) {
	if len(rest) > 0 {
		return nil, usageError("gate: unexpected argument %q: every setting is a flag", rest[0])
	}
	if f.service == "" {
		return nil, usageError("gate: --service is required")
	}
	if _, err := policy.ParseRisk(f.risk); err != nil {
		return nil, usageError("gate: --risk: %v", err)
	}
	if err := output(f.output, "text", "json"); err != nil {
		return nil, err
	}
	if f.rem.timeout <= 0 {
		return nil, usageError("gate: --timeout must be positive")
	}
	// No default server, unlike the other commands: a pipeline that names
	// none would ask a localhost with nothing on it, and --fail-open would
	// then let every deploy through.
	if f.rem.server == "" {
		f.rem.server = os.Getenv("SLO_SERVER")
	}
	if f.rem.server == "" {
		return nil, usageError("gate: give --server URL (or $SLO_SERVER)")
	}
	if f.rem.token == "" && f.rem.tokenFile == "" {
		f.rem.token = os.Getenv("SLO_READ_TOKEN")
	}
	if err := f.rem.resolve(); err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	q := url.Values{"service": {f.service}, "risk": {f.risk}}
	if f.slo != "" {
		q.Set("slo", f.slo)
	}
	return q, nil
}

// gateUnsure is an error after which the gate cannot tell: the server is
// unreachable, answers 5xx or something that is not the gate's answer, or
// an SLO has no data. --fail-open may pass it; other errors never.
type gateUnsure struct{ err error }

func (u *gateUnsure) Error() string { return u.err.Error() }
func (u *gateUnsure) Unwrap() error { return u.err }

// cannotTell ends the command after err: exit 2, or 0 with a warning when
// err is gateUnsure and --fail-open is set.
func (f *gateFlags) cannotTell(e *env, err error) error {
	var u *gateUnsure
	if !errors.As(err, &u) {
		return &exitError{exitUsage, fmt.Errorf("gate: %w", err)}
	}
	if f.failOpen {
		fmt.Fprintf(e.stderr, "slo gate: warning: cannot tell (%v); --fail-open lets the deploy go ahead\n", err)
		return nil
	}
	return &exitError{exitUsage, fmt.Errorf("gate: cannot tell: %w", err)}
}

// askGate gets the gate's answer. A server still loading its state (503)
// is asked again each second until ctx ends.
func askGate(ctx context.Context, rem *remote, query url.Values) (policy.Result, error) {
	var res policy.Result
	for {
		body, err := rem.do(ctx, http.MethodGet, "/api/v1/gate", query, nil)
		var se *statusError
		if errors.As(err, &se) && se.code == http.StatusServiceUnavailable {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
				continue
			}
		}
		switch {
		case errors.Is(err, errUnreachable) || se != nil && se.code >= 500:
			return res, &gateUnsure{err}
		case err != nil:
			return res, err // 4xx: a mistake in the request, not an outage
		}
		if err := json.Unmarshal(body, &res); err != nil || res.Outcome == "" {
			return res, &gateUnsure{fmt.Errorf("the server's answer is not the gate's (%.80q)", body)}
		}
		return res, nil
	}
}

// printGate writes the outcome and reason, then every SLO's status and
// budget figures, then the policy's word on each SLO that stops the deploy.
func printGate(w io.Writer, res policy.Result) {
	fmt.Fprintf(w, "%s: %s\n\n", res.Outcome, res.Reason)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SLO\tSTATUS\tDEPLOY\tBUDGET LEFT\tMINUTES LEFT\tBAD EVENTS LEFT\tBURN 1H\tEXHAUSTION")
	for _, v := range res.SLOs {
		b := v.Budget
		exh := "-"
		if b.Exhaustion != nil {
			exh = b.Exhaustion.UTC().Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.SLO, v.Status, v.Outcome,
			gateFigure(b.RemainingPercent, "%"), gateOf(b.RemainingMinutes, &b.TotalMinutes), gateOf(b.RemainingEvents, b.AllowedEvents),
			gateFigure(b.BurnRate1h, "x"), exh)
	}
	tw.Flush()
	for _, v := range res.SLOs {
		if v.Outcome == policy.Allowed || v.Actions == nil {
			continue
		}
		a := v.Actions
		fmt.Fprintf(w, "\n%s (%s): %s Deployment approval: %s; rollback threshold: %s; on-call: %s.\n",
			v.SLO, a.Rule, a.Message, a.DeploymentApproval, a.RollbackThreshold, a.OnCallEscalation)
	}
}

// gateFigure writes a figure with four significant digits, and whole
// numbers from 1000 (54000, not 5.4e+04); "-" without data.
func gateFigure(x *float64, suffix string) string {
	if x == nil {
		return "-"
	}
	if math.Abs(*x) >= 1000 {
		return strconv.FormatFloat(*x, 'f', 0, 64) + suffix
	}
	return strconv.FormatFloat(*x, 'g', 4, 64) + suffix
}

// gateOf writes "x of total".
func gateOf(x, total *float64) string {
	if x == nil || total == nil {
		return "-"
	}
	return gateFigure(x, "") + " of " + gateFigure(total, "")
}
