package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/alert"
	"github.com/slo-dev/slo/internal/alert/alertmanager"
	"github.com/slo-dev/slo/internal/alert/webhook"
	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/store"
)

// alertFlags are slo serve's settings for notifications.
type alertFlags struct {
	alertmanagers []string
	webhook       string
	secretFile    string
	externalURL   string
}

func (a *alertFlags) register(fs *flag.FlagSet) {
	fs.Var(listFlag{&a.alertmanagers}, "alertmanager-url", "an Alertmanager to send alerts to, such as http://alertmanager:9093 (repeat for each of a highly available set: every alert goes to all)")
	fs.StringVar(&a.webhook, "webhook-url", "", "a URL to POST a signed JSON message to whenever alerts begin firing or resolve")
	fs.StringVar(&a.secretFile, "webhook-secret-file", "", "a file holding the webhook's HMAC-SHA256 key (or $SLO_WEBHOOK_SECRET)")
	fs.StringVar(&a.externalURL, "external-url", "", "the address users reach this server at, for the links in notifications (default http://HOST:PORT of --listen, this machine's name when it listens on every address)")
}

// check validates the flags before anything starts.
func (a *alertFlags) check(listen string) error {
	if _, err := alertmanager.ParseURLs(a.alertmanagers); err != nil {
		return usageError("--alertmanager-url: %v", err)
	}
	if a.externalURL == "" {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			return usageError("--listen %q: %v", listen, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			if host, err = os.Hostname(); err != nil || host == "" { // listening everywhere: this machine's name
				host = "localhost"
			}
		}
		a.externalURL = "http://" + net.JoinHostPort(host, port)
	} else if u, err := url.Parse(a.externalURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError("--external-url %q: want an http or https URL", a.externalURL)
	}
	if a.secretFile != "" && a.webhook == "" {
		return usageError("--webhook-secret-file is given without --webhook-url")
	}
	return nil
}

// runner is a notifier's delivery loop.
type runner interface {
	Run(ctx context.Context) error
}

// manager makes the alert manager and its notifiers. metrics is read when
// a delivery is counted, since the metrics are made after the manager.
func (a *alertFlags) manager(st store.Store, tick, fine time.Duration, log *slog.Logger, metrics func() *api.Metrics) (*alert.Manager, []runner, error) {
	count := func(notifier, result string) {
		if m := metrics(); m != nil {
			m.Notifications.WithLabelValues(notifier, result).Inc()
		}
	}
	var notifiers []alert.Notifier
	var runners []runner
	if len(a.alertmanagers) > 0 {
		am := alertmanager.New(alertmanager.Options{URLs: a.alertmanagers, Tick: tick, Logger: log, OnSend: func(u string, _ int, err error) {
			result := "sent"
			if err != nil {
				result = "failed"
			}
			count("alertmanager "+u, result)
		}})
		notifiers, runners = append(notifiers, am), append(runners, am)
	}
	if a.webhook != "" {
		secret := os.Getenv("SLO_WEBHOOK_SECRET")
		if a.secretFile != "" {
			b, err := os.ReadFile(a.secretFile)
			if err != nil {
				return nil, nil, fmt.Errorf("--webhook-secret-file: %w", err)
			}
			secret = strings.TrimSpace(string(b))
		}
		wh, err := webhook.New(webhook.Options{URL: a.webhook, Secret: secret, Logger: log, OnSend: func(status string) { count("webhook", status) }})
		if err != nil {
			return nil, nil, usageError("--webhook-url: %v", err)
		}
		notifiers, runners = append(notifiers, wh), append(runners, wh)
	}
	m := alert.New(st, alert.Options{ExternalURL: a.externalURL, Notifiers: notifiers, Logger: log, FineRetention: fine})
	return m, runners, nil
}
