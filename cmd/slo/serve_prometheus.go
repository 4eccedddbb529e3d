package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/prometheus"
	"github.com/slo-dev/slo/internal/store"
)

// promFlags are slo serve's settings for reading SLIs from a Prometheus
// query API (Prometheus, Thanos, Mimir, VictoriaMetrics).
type promFlags struct {
	url          string
	tokenFile    string
	user         string
	passwordFile string
	headers      []string
	timeout      time.Duration
	delay        time.Duration
	maxBackfill  time.Duration
}

func (p *promFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.url, "prometheus-url", "", "the query API that prometheus SLIs are read from, such as http://prometheus:9090 or http://mimir/prometheus")
	fs.StringVar(&p.tokenFile, "prometheus-token-file", "", "a file holding a bearer token for the query API, read at every request (or $SLO_PROMETHEUS_TOKEN)")
	fs.StringVar(&p.user, "prometheus-user", "", "a basic-auth user for the query API")
	fs.StringVar(&p.passwordFile, "prometheus-password-file", "", "a file holding the basic-auth password (or $SLO_PROMETHEUS_PASSWORD)")
	fs.Var(repeatFlag{&p.headers}, "prometheus-header", `an extra request header "Name: value", such as "X-Scope-OrgID: team-a" for a Mimir tenant (repeat)`)
	fs.DurationVar(&p.timeout, "prometheus-timeout", 30*time.Second, "how long one query may take")
	fs.DurationVar(&p.delay, "prometheus-delay", 30*time.Second, "how long after a minute its counts are read, so its last scrapes have landed (VictoriaMetrics: at least its -search.latencyOffset)")
	fs.Var(durationFlag{&p.maxBackfill}, "prometheus-max-backfill", "how far back counts are read on start or after a gap (default the longest SLO window)")
}

// client builds the query API's client from the flags and environment.
func (p *promFlags) client() (*prometheus.Client, error) {
	cfg := prometheus.Config{URL: p.url, BearerTokenFile: p.tokenFile, BasicUser: p.user, Timeout: p.timeout}
	if p.tokenFile == "" {
		cfg.BearerToken = os.Getenv("SLO_PROMETHEUS_TOKEN")
	}
	if p.passwordFile != "" {
		b, err := os.ReadFile(p.passwordFile)
		if err != nil {
			return nil, usageError("--prometheus-password-file: %v", err)
		}
		cfg.BasicPassword = strings.TrimSpace(string(b))
	} else {
		cfg.BasicPassword = os.Getenv("SLO_PROMETHEUS_PASSWORD")
	}
	for _, h := range p.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usageError("--prometheus-header %q: want \"Name: value\"", h)
		}
		if cfg.Headers == nil {
			cfg.Headers = map[string]string{}
		}
		cfg.Headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	c, err := prometheus.NewClient(cfg)
	if err != nil {
		return nil, usageError("--prometheus-url: %v", err)
	}
	return c, nil
}

// promSLOs lists the objectives read from Prometheus.
func promSLOs(services []slo.Service) []string { return readFrom(services, slo.SourcePrometheus) }

// check refuses specs with prometheus SLIs and nowhere to read them.
func (p *promFlags) check(services []slo.Service) error {
	if keys := promSLOs(services); len(keys) > 0 && p.url == "" {
		return usageError("serve: %s read Prometheus: give --prometheus-url", strings.Join(keys, ", "))
	}
	return nil
}

// promSource runs the Prometheus source for the specs being served, and a
// new one when they are reloaded.
type promSource struct {
	flags  *promFlags
	client *prometheus.Client
	eng    *engine.Engine
	st     store.Store
	now    func() time.Time
	log    *slog.Logger

	mu sync.Mutex
	// base is serve's lifetime, which every source runs within: a reload
	// comes with a request's context, which ends with the request.
	base   context.Context
	cancel context.CancelFunc
	done   chan struct{}
	// keys are the objectives the running source reads.
	keys []string
}

// start runs a source over services until ctx ends or a reload; none when
// no objective is read from Prometheus.
func (p *promSource) start(ctx context.Context, services []slo.Service) {
	p.mu.Lock()
	p.base = ctx
	p.mu.Unlock()
	p.reload(services)
}

// reload replaces the running source with one over services. It waits for
// the one before to stop, so that two never append the same minutes.
func (p *promSource) reload(services []slo.Service) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.base == nil {
		return // not started: start will read these services
	}
	p.stopLocked()
	// An objective no longer read from Prometheus keeps no down mark; the
	// new source reports on the others as it first reads them.
	keys := promSLOs(services)
	for _, k := range p.keys {
		if !slices.Contains(keys, k) {
			p.eng.SetSourceDown(k, nil)
		}
	}
	p.keys = keys
	if len(keys) == 0 {
		if p.flags.url != "" {
			p.log.Warn("--prometheus-url is given but no SLO has a prometheus SLI")
		}
		return
	}
	ctx, cancel := context.WithCancel(p.base)
	done := make(chan struct{})
	src := prometheus.New(p.client, services, p.eng, prometheus.Options{
		Now: p.now, Delay: p.flags.delay, MaxBackfill: p.flags.maxBackfill, Logger: p.log,
		Last: prometheus.StoreLast(p.st, p.now),
		OnHealth: func(key string, h prometheus.Health) {
			if h.Up {
				p.eng.SetSourceDown(key, nil)
				return
			}
			p.log.Warn("prometheus source down: the SLO has no data until it is back", "slo", key, "since", h.Since, "err", h.Err)
			p.eng.SetSourceDown(key, &engine.SourceDown{Since: h.Since, Error: h.Err})
		},
	})
	p.cancel, p.done = cancel, done
	go func() {
		defer close(done)
		if err := src.Run(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("prometheus source stopped", "err", err)
		}
	}()
}

// stop ends the running source and waits for it.
func (p *promSource) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
}

func (p *promSource) stopLocked() {
	if p.cancel != nil {
		p.cancel()
		<-p.done
		p.cancel = nil
	}
}

// newPromSource checks the flags against the specs and makes the runner.
func newPromSource(f *promFlags, services []slo.Service, eng *engine.Engine, st store.Store, now func() time.Time, log *slog.Logger) (*promSource, error) {
	if err := f.check(services); err != nil {
		return nil, err
	}
	p := &promSource{flags: f, eng: eng, st: st, now: now, log: log}
	if f.url == "" {
		return p, nil
	}
	c, err := f.client()
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	p.client = c
	return p, nil
}
