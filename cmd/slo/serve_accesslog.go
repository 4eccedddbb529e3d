package main

import (
	"context"
	"flag"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/accesslog"
)

// logFlags are slo serve's settings for reading accesslog SLIs.
type logFlags struct {
	poll time.Duration
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&l.poll, "accesslog-poll", time.Second, "how often the access logs of accesslog SLIs are read for new lines")
}

// logSource runs the access log source for the specs being served, and a
// new one when they are reloaded. Positions are kept in DATA_DIR/accesslog,
// one file per SLO.
type logSource struct {
	flags *logFlags
	dir   string
	// maxAge is how old a line may be: the hour counts' retention, as for
	// pushed events.
	maxAge time.Duration
	eng    *engine.Engine
	now    func() time.Time
	log    *slog.Logger

	mu sync.Mutex
	// base is serve's lifetime; see promSource.
	base   context.Context
	cancel context.CancelFunc
	done   chan struct{}
	src    *accesslog.Source
	keys   []string
	// before sums the stats of the sources replaced by reloads, so that
	// the metrics' counters do not go back.
	before map[string]accesslog.Stat
}

// newLogSource checks the specs' accesslog SLIs and makes the runner; its
// metrics go to reg.
func newLogSource(f *logFlags, dataDir string, maxAge time.Duration, services []slo.Service, eng *engine.Engine, now func() time.Time, log *slog.Logger, reg prometheus.Registerer) (*logSource, error) {
	if err := checkLogs(services); err != nil {
		return nil, err
	}
	l := &logSource{flags: f, dir: filepath.Join(dataDir, "accesslog"), maxAge: maxAge, eng: eng, now: now, log: log, before: map[string]accesslog.Stat{}}
	reg.MustRegister(logCollector{l})
	return l, nil
}

// accessLogSLOs lists the objectives read from access logs.
func accessLogSLOs(services []slo.Service) []string { return readFrom(services, slo.SourceAccessLog) }

// checkLogs refuses accesslog SLIs no log line can satisfy.
func checkLogs(services []slo.Service) error {
	if err := accesslog.Check(services); err != nil {
		return usageError("serve: %v", err)
	}
	return nil
}

// start runs a source over services until ctx ends or a reload; none when
// no objective reads an access log. It fails when a position file cannot
// be read.
func (l *logSource) start(ctx context.Context, services []slo.Service) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.base = ctx
	return l.replaceLocked(services)
}

// reload replaces the running source with one over services. The specs
// were checked (checkLogs) and the engine already has them, so a failure
// here (a position file that cannot be read) does not undo the reload: it
// is logged, and the SLOs are marked down until the next reload.
func (l *logSource) reload(services []slo.Service) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.base == nil {
		return // not started: start will read these services
	}
	if err := l.replaceLocked(services); err != nil {
		l.log.Error("access log source not restarted: its SLOs have no data until the next reload", "err", err)
		for _, t := range accessLogSLOs(services) {
			l.eng.SetSourceDown(t, &engine.SourceDown{Since: l.now(), Error: err.Error()})
		}
		l.keys = accessLogSLOs(services)
	}
}

// replaceLocked stops the running source and starts one over services. It
// waits for the one before to stop, so that two never read one log: the
// new one resumes from the positions the old one saved.
func (l *logSource) replaceLocked(services []slo.Service) error {
	l.stopLocked()
	src, err := accesslog.New(services, l.eng, accesslog.Options{
		StateDir: l.dir, Now: l.now, Poll: l.flags.poll, MaxAge: l.maxAge, Logger: l.log,
		OnHealth: func(key string, h accesslog.Health) {
			if h.Up {
				l.eng.SetSourceDown(key, nil)
				return
			}
			l.log.Warn("access log source down: the SLO has no data until it is back", "slo", key, "since", h.Since, "err", h.Err)
			l.eng.SetSourceDown(key, &engine.SourceDown{Since: h.Since, Error: h.Err})
		},
	})
	if err != nil {
		return err
	}
	// An objective no longer read from a log keeps no down mark.
	keys := src.Keys()
	for _, k := range l.keys {
		if !slices.Contains(keys, k) {
			l.eng.SetSourceDown(k, nil)
		}
	}
	l.keys = keys
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(l.base)
	done := make(chan struct{})
	l.src, l.cancel, l.done = src, cancel, done
	go func() {
		defer close(done)
		_ = src.Run(ctx)
	}()
	return nil
}

// stop ends the running source and waits for it.
func (l *logSource) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopLocked()
}

func (l *logSource) stopLocked() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
	for _, st := range l.src.Stats() {
		b := l.before[st.Objective]
		addLines(&b, st)
		l.before[st.Objective] = b
	}
	l.cancel, l.src = nil, nil
}

// stats returns the running source's stats with the counts of the sources
// before it added.
func (l *logSource) stats() []accesslog.Stat {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.src == nil {
		return nil
	}
	out := l.src.Stats()
	for i := range out {
		addLines(&out[i], l.before[out[i].Objective])
	}
	return out
}

// addLines adds the line counts of b to a.
func addLines(a *accesslog.Stat, b accesslog.Stat) {
	a.Lines += b.Lines
	a.Counted += b.Counted
	a.Ignored += b.Ignored
	a.Excluded += b.Excluded
	a.Malformed += b.Malformed
	a.OutOfRange += b.OutOfRange
}

var (
	logLinesDesc = prometheus.NewDesc("slo_accesslog_lines_total",
		"Access log lines read per SLO, by what became of them: counted, ignored (not valid), excluded (maintenance), malformed, out_of_range (dated too old or ahead).",
		[]string{"service", "slo", "result"}, nil)
	logOffsetDesc = prometheus.NewDesc("slo_accesslog_offset_bytes",
		"The position in the log file read per SLO: the bytes counted.", []string{"service", "slo"}, nil)
	logUpDesc = prometheus.NewDesc("slo_accesslog_up",
		"1 while the SLO's access log can be read, 0 while it cannot.", []string{"service", "slo"}, nil)
)

// logCollector exports the access log source's stats on /metrics.
type logCollector struct{ l *logSource }

func (c logCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- logLinesDesc
	ch <- logOffsetDesc
	ch <- logUpDesc
}

func (c logCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.l.stats() {
		service, name := splitKey(st.Objective)
		for _, r := range []struct {
			result string
			n      int64
		}{{"counted", st.Counted}, {"ignored", st.Ignored}, {"excluded", st.Excluded}, {"malformed", st.Malformed}, {"out_of_range", st.OutOfRange}} {
			ch <- prometheus.MustNewConstMetric(logLinesDesc, prometheus.CounterValue, float64(r.n), service, name, r.result)
		}
		ch <- prometheus.MustNewConstMetric(logOffsetDesc, prometheus.GaugeValue, float64(st.Offset), service, name)
		up := 0.0
		if st.Health.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(logUpDesc, prometheus.GaugeValue, up, service, name)
	}
}

// splitKey splits "service/slo": names have no slash.
func splitKey(key string) (service, name string) {
	service, name, _ = strings.Cut(key, "/")
	return service, name
}
