package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/slo-dev/slo/examples"
	"github.com/slo-dev/slo/internal/alert"
	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/demo"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/push"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
	"github.com/slo-dev/slo/internal/ui"
)

const serveSummary = "run the platform: take events, evaluate every SLO, serve the API and /metrics"

// serveFlags are slo serve's settings.
type serveFlags struct {
	specs   []string
	demo    bool
	dataDir string
	listen  string
	tick    time.Duration
	ckpt    time.Duration
	tokens  api.Tokens
	fine    time.Duration
	coarse  time.Duration
	alerts  alertFlags
	prom    promFlags
	logs    logFlags
}

type listFlag struct{ list *[]string }

func (l listFlag) String() string {
	if l.list == nil {
		return ""
	}
	return strings.Join(*l.list, ",")
}
func (l listFlag) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*l.list = append(*l.list, x)
		}
	}
	return nil
}

// repeatFlag collects one value per use, kept whole: for values that hold
// commas of their own, such as HTTP headers ("Accept: a, b").
type repeatFlag struct{ list *[]string }

func (r repeatFlag) String() string {
	if r.list == nil {
		return ""
	}
	return strings.Join(*r.list, "; ")
}

func (r repeatFlag) Set(v string) error {
	*r.list = append(*r.list, v)
	return nil
}

// durationFlag reads durations as specs write them, days included (8d).
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return slo.FormatDuration(*f.d)
}

func (f durationFlag) Set(v string) error {
	d, err := slo.ParseDuration(v)
	if err != nil {
		return err
	}
	if d <= 0 {
		return fmt.Errorf("%q: want a positive duration", v)
	}
	*f.d = d
	return nil
}

func runServe(ctx context.Context, e *env, args []string) error {
	var f serveFlags
	fs := newFlags(e, "serve", "[-c SPEC]... [--demo] [flags]", serveSummary)
	fs.Var(listFlag{&f.specs}, "c", "a spec file to serve (repeat, or separate with commas)")
	fs.BoolVar(&f.demo, "demo", false, "serve the notification platform example with 30 days of synthetic traffic and live traffic after, in a temporary data directory unless --data-dir is given")
	fs.StringVar(&f.dataDir, "data-dir", "", "the directory of the database (default ./slo-data)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "the address to serve on")
	fs.DurationVar(&f.tick, "tick", 10*time.Second, "how often every SLO is evaluated")
	fs.DurationVar(&f.ckpt, "checkpoint-every", 10*time.Minute, "how often the engine's state is saved, which bounds what a restart after a crash replays")
	f.fine, f.coarse = store.DefaultRetention.Fine, store.DefaultRetention.Coarse
	fs.Var(durationFlag{&f.fine}, "retention-fine", "how long minute counts are kept; at least 1d, since a restart rebuilds the minute windows from them")
	fs.Var(durationFlag{&f.coarse}, "retention-coarse", "how long hour counts are kept (13 months serve year-on-year reviews)")
	fs.Var(listFlag{&f.tokens.Ingest}, "ingest-token", "a bearer token that may push events (or $SLO_INGEST_TOKEN); when no ingest or admin token is set, one is made and written to DATA_DIR/ingest.token")
	fs.Var(listFlag{&f.tokens.Read}, "read-token", "a bearer token that may read (or $SLO_READ_TOKEN); reading is open when none is set")
	fs.Var(listFlag{&f.tokens.Admin}, "admin-token", "a bearer token that may do anything, reload included (or $SLO_ADMIN_TOKEN)")
	f.alerts.register(fs)
	f.prom.register(fs)
	f.logs.register(fs)
	rest, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	f.specs = append(f.specs, rest...)
	if err := f.alerts.check(f.listen); err != nil {
		return err
	}
	if len(f.specs) == 0 && !f.demo {
		return usageError("serve: give spec files with -c, or --demo")
	}
	for env, list := range map[string]*[]string{"SLO_INGEST_TOKEN": &f.tokens.Ingest, "SLO_READ_TOKEN": &f.tokens.Read, "SLO_ADMIN_TOKEN": &f.tokens.Admin} {
		_ = listFlag{list}.Set(os.Getenv(env))
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return serve(ctx, e, f, log)
}

// serveLoad reads the specs to serve: the files, or the embedded demo.
func serveLoad(e *env, f serveFlags) ([]slo.Service, error) {
	var ptrs []*slo.Service
	if f.demo && len(f.specs) == 0 {
		s, problems := spec.Parse(examples.NotificationPlatformFile, examples.NotificationPlatform)
		if bad := problems.Invalid(); len(bad) > 0 {
			return nil, fmt.Errorf("the embedded demo spec is invalid: %v", bad[0])
		}
		ptrs = s
	} else {
		s, err := load(e, f.specs)
		if err != nil {
			return nil, err
		}
		ptrs = s
	}
	out := make([]slo.Service, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out, nil
}

func serve(ctx context.Context, e *env, f serveFlags, log *slog.Logger) error {
	services, err := serveLoad(e, f)
	if err != nil {
		return err
	}
	if err := checkRetention(f, services); err != nil {
		return err
	}
	if f.dataDir == "" {
		f.dataDir = "slo-data"
		if f.demo {
			if f.dataDir, err = os.MkdirTemp("", "slo-demo-"); err != nil {
				return err
			}
			defer os.RemoveAll(f.dataDir)
		}
	}
	if err := os.MkdirAll(f.dataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if len(f.tokens.Ingest) == 0 && len(f.tokens.Admin) == 0 {
		tok, path, err := makeToken(f.dataDir)
		if err != nil {
			return err
		}
		f.tokens.Ingest = []string{tok}
		log.Info("no ingest token given: pushing needs the token in " + path)
	}
	ret := store.DefaultRetention
	ret.Fine, ret.Coarse = f.fine, f.coarse
	st, err := sqlite.Open(filepath.Join(f.dataDir, "slo.db"), sqlite.Options{Retention: ret})
	if err != nil {
		return err
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var metrics *api.Metrics
	alerts, notifiers, err := f.alerts.manager(st, f.tick, f.fine, log, func() *api.Metrics { return metrics })
	if err != nil {
		return err
	}
	alerts.SetServices(services)
	now := clockFrom(ctx)
	// Pushed events are routed by the customers' tiers, which the API may
	// change through the engine.
	var ingest *push.Handler
	var eng *engine.Engine
	eng = engine.New(st, services, engine.Options{Now: now, Tick: f.tick, CheckpointEvery: f.ckpt, FineRetention: f.fine, Logger: log, Alerter: alerts, OnTick: func(d time.Duration) {
		metrics.Tick.Observe(d.Seconds())
	}, OnTierChange: func() { routeByTier(ingest, eng) }})
	ingest = push.NewHandler(eng, push.Options{MaxAge: f.coarse, Observe: func(outcome string, items int, st push.Stats) {
		metrics.ObserveBatch(outcome, items, st.Counted, st.Excluded, st.Ignored, st.Unmatched)
	}})
	router := push.NewRouter(services)
	ingest.SetRouter(router)
	prom, err := newPromSource(&f.prom, services, eng, st, now, log)
	if err != nil {
		return err
	}
	logs, err := newLogSource(&f.logs, f.dataDir, f.coarse, services, eng, now, log, reg)
	if err != nil {
		return err
	}
	reload := func(ctx context.Context) error {
		return serveReload(ctx, e, f, eng, alerts, ingest, prom, logs, log)
	}
	pages := ui.New(ui.Config{Now: now, Logger: log, Status: func(ctx context.Context, at time.Time) (*report.CustomerReport, error) {
		r, err := report.Build(ctx, report.Source{Data: eng, Records: st}, "customer", report.Request{Now: at})
		if err != nil {
			return nil, err
		}
		return r.(*report.CustomerReport), nil
	}})
	srv := api.New(api.Config{Now: now, Engine: eng, Annotations: st, Alerts: alerts, ReportData: eng, Records: st, Ingest: ingest, Reload: reload,
		Pages: pages, Tokens: f.tokens, Registry: reg, Logger: log})
	metrics = api.NewMetrics(reg, eng, func() float64 {
		n, _ := st.Size()
		return float64(n)
	})
	reg.MustRegister(api.NewAlertCollector(alerts))

	l, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := srv.HTTPServer(f.listen)
	defer hs.Close() // when start-up fails; after a graceful Shutdown, a no-op
	served := make(chan error, 1)
	go func() { served <- hs.Serve(l) }()
	fmt.Fprintf(e.stdout, "slo: serving %d SLOs on http://%s (web UI there, data in %s)\n", len(eng.Keys()), l.Addr(), f.dataDir)

	// SIGHUP is caught from here on: its default action, during a long load
	// or backfill, would end the process. It is acted on once ready.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := eng.Load(ctx); err != nil {
		return err
	}
	router = routeByTier(ingest, eng) // with the tiers set through the API
	if err := alerts.Load(ctx); err != nil {
		return fmt.Errorf("resuming alerts: %w", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The source appends to the engine, so it starts once the engine is
	// loaded, and stops before the store closes.
	prom.start(ctx, services)
	defer prom.stop()
	if err := logs.start(ctx, services); err != nil {
		return err
	}
	defer logs.stop()
	for _, n := range notifiers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Run(ctx); err != nil {
				log.Error("a notifier stopped", "err", err)
			}
		}()
	}
	if f.demo {
		if err := startDemo(ctx, &wg, eng, st, router, now, log); err != nil {
			return err
		}
	}
	eng.Evaluate()
	srv.SetReady(true)
	wg.Add(1)
	go func() { defer wg.Done(); _ = eng.Run(ctx) }()
	for {
		select {
		case <-hup:
			if err := reload(ctx); err != nil {
				log.Error("reload failed; still serving the previous specs", "err", err)
			}
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		case <-ctx.Done():
			log.Info("shutting down")
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("shutdown", "err", err)
			}
			return nil
		}
	}
}

// clockKey carries a clock in a context: tests run serve at a time of
// their choosing, as the engine's and the sources' own tests do.
type clockKey struct{}

// clockFrom returns the clock ctx carries, else time.Now.
func clockFrom(ctx context.Context) func() time.Time {
	if now, ok := ctx.Value(clockKey{}).(func() time.Time); ok {
		return now
	}
	return time.Now
}

// checkRetention refuses retentions that would lose what the engine
// rebuilds from on start: 6 hours of minutes, every SLO window of hours.
func checkRetention(f serveFlags, services []slo.Service) error {
	if f.fine < slo.Day {
		return usageError("--retention-fine %s: the engine rebuilds its minute windows from the minute counts; keep at least 1d", slo.FormatDuration(f.fine))
	}
	for _, svc := range services {
		for _, o := range svc.Objectives {
			if w := o.Window.Nominal(); w > f.coarse {
				return usageError("--retention-coarse %s is shorter than the %s window of SLO %s", slo.FormatDuration(f.coarse), o.Window, o.Key())
			}
		}
	}
	return nil
}

// readFrom lists the keys of the objectives whose SLI is read from kind.
func readFrom(services []slo.Service, kind slo.SourceKind) []string {
	var keys []string
	for _, s := range services {
		for i := range s.Objectives {
			if s.Objectives[i].SLI.Kind == kind {
				keys = append(keys, s.Objectives[i].Key())
			}
		}
	}
	return keys
}

// serveReload reads the specs again and swaps them in; on any error the old
// ones stay.
func serveReload(ctx context.Context, e *env, f serveFlags, eng *engine.Engine, alerts *alert.Manager, ingest *push.Handler, prom *promSource, logs *logSource, log *slog.Logger) error {
	services, err := serveLoad(e, f)
	if err != nil {
		return err
	}
	if err := checkRetention(f, services); err != nil {
		return err
	}
	if err := f.prom.check(services); err != nil {
		return err
	}
	if err := checkLogs(services); err != nil {
		return err
	}
	if err := eng.Reload(ctx, services); err != nil {
		return err
	}
	prom.reload(services)
	logs.reload(services)
	routeByTier(ingest, eng)
	alerts.SetServices(services)
	log.Info("specs reloaded", "slos", len(eng.Keys()))
	return nil
}

// startDemo backfills 30 days of the demo's traffic, and records its
// incidents as annotations, unless the data dir already holds it (a restart
// with --data-dir), then feeds it live from where the backfill ended, with
// no gap. Its times come from now, so that tests can hold the clock.
func startDemo(ctx context.Context, wg *sync.WaitGroup, eng *engine.Engine, notes annotator, router *push.Router, now func() time.Time, log *slog.Logger) error {
	classify := func(evs []slo.Event) []slo.Observation {
		obs, _ := router.Classify(evs)
		return obs
	}
	gen := demo.New(demo.Config{Chunk: slo.Day}) // a batch a day: 30 commits, not 720
	end := now()
	if eng.LastSeq() == 0 {
		began := time.Now()
		start := end.Add(-30 * slo.Day)
		if err := gen.Backfill(ctx, eng, classify, start, end); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		for _, a := range demo.Annotations(gen.Config().Incidents, start) {
			if _, err := notes.AddAnnotation(ctx, a); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
		log.Info("demo: 30 days of traffic backfilled", "took", time.Since(began).Round(time.Millisecond))
	} else {
		log.Info("demo: the data dir has data already; live traffic only")
	}
	first := true
	clock := func() time.Time { // Live's first reading is where the backfill ended
		if first {
			first = false
			return end
		}
		return now()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := gen.Live(ctx, eng, classify, clock, 5*time.Second); err != nil && ctx.Err() == nil {
			log.Error("demo: live traffic stopped", "err", err)
		}
	}()
	return nil
}

// annotator records annotations: the store.
type annotator interface {
	AddAnnotation(ctx context.Context, a store.Annotation) (store.Annotation, error)
}

// makeToken returns the ingest token kept in dir, making it on first use.
func makeToken(dir string) (token, path string, err error) {
	path = filepath.Join(dir, "ingest.token")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), path, nil
	}
	buf := make([]byte, 24)
	_, _ = rand.Read(buf)
	token = hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("ingest token: %w", err)
	}
	return token, path, nil
}

// routing orders routeByTier's calls: a tier change and a reload may
// come at once, and the router set last must be built from the newest.
var routing sync.Mutex

// routeByTier routes pushed events by the engine's services with the
// customer tiers set through the API, which decide the latency threshold
// of tiers that have their own, and returns the router.
func routeByTier(h *push.Handler, eng *engine.Engine) *push.Router {
	routing.Lock()
	defer routing.Unlock()
	r := push.NewRouter(eng.TieredServices())
	h.SetRouter(r)
	return r
}
