package alertmanager

import (
	"maps"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/alert"
	"github.com/slo-dev/slo/internal/alert/alertmanager/amtest"
)

// The tests against a real Alertmanager (see amtest for the binary).

// only is the one alert of the list, failing the test if there is not
// exactly one.
func only(t *testing.T, alerts []amtest.Alert) amtest.Alert {
	t.Helper()
	if len(alerts) != 1 {
		t.Fatalf("Alertmanager holds %d alerts, want 1: %+v", len(alerts), alerts)
	}
	return alerts[0]
}

func hasActive(alerts []amtest.Alert) bool { return len(alerts) == 1 && alerts[0].Active() }

func TestAlertmanagerReceivesFiringThenResolved(t *testing.T) {
	am := amtest.Start(t)
	n, sends := newNotifier(t, nil, Options{URLs: []string{am.URL()}})
	run(t, n, nil)

	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	a := firing("availability", start)
	n.Notify(time.Now(), []alert.Notification{a}, []alert.Notification{a})
	if s := sends.next(t); s.err != nil || s.alerts != 1 {
		t.Fatalf("sending to Alertmanager: %d alerts, %v", s.alerts, s.err)
	}
	got := only(t, am.WaitAlerts(t, 10*time.Second, hasActive))
	if !maps.Equal(got.Labels, a.Labels) || !maps.Equal(got.Annotations, a.Annotations) {
		t.Errorf("Alertmanager holds labels %v, annotations %v\nwant %v, %v", got.Labels, got.Annotations, a.Labels, a.Annotations)
	}
	for _, k := range []string{"alertname", "service", "slo", "severity", "tier", "long_window", "short_window"} {
		if got.Labels[k] == "" {
			t.Errorf("no label %s", k)
		}
	}
	if !got.StartsAt.Equal(start) || got.GeneratorURL != a.GeneratorURL {
		t.Errorf("startsAt %s, generatorURL %q; want %s, %q", got.StartsAt, got.GeneratorURL, start, a.GeneratorURL)
	}
	// endsAt as sent: four resend intervals ahead (Alertmanager keeps
	// milliseconds).
	if ahead := time.Until(got.EndsAt); ahead < 3*time.Minute+50*time.Second || ahead > 4*time.Minute {
		t.Errorf("endsAt %s is %s ahead, want about 4m", got.EndsAt, ahead)
	}
	if len(got.Receivers) != 1 || got.Receivers[0].Name != "blackhole" {
		t.Errorf("receivers %+v", got.Receivers)
	}

	// The resolution: Alertmanager drops a resolved alert from its list
	// (it would otherwise hold it for minutes, until the endsAt sent while
	// it fired), and counts it received as resolved.
	a = resolved("availability", start, time.Now().Truncate(time.Millisecond))
	n.Notify(time.Now(), []alert.Notification{a}, []alert.Notification{a})
	if s := sends.next(t); s.err != nil {
		t.Fatalf("sending the resolution: %v", s.err)
	}
	am.WaitAlerts(t, 10*time.Second, func(alerts []amtest.Alert) bool { return len(alerts) == 0 })
	if firing, resolved := am.Received(t); firing != 1 || resolved != 1 {
		t.Errorf("Alertmanager received %d firing and %d resolved alerts, want 1 and 1", firing, resolved)
	}
}

func TestAlertmanagerDownForTwoMinutesGetsTheAlertWhenBack(t *testing.T) {
	am := amtest.Start(t)
	// The fake clock starts at the real time, so that the endsAt it
	// computes lies in Alertmanager's future; only the notifier's waiting
	// is fake, and the test takes seconds.
	c := newClock(time.Now())
	n, sends := newNotifier(t, c, Options{URLs: []string{am.URL()}, Timeout: 2 * time.Second})
	run(t, n, c)

	a := firing("availability", c.Now())
	n.Notify(c.Now(), []alert.Notification{a}, []alert.Notification{a})
	if s := sends.next(t); s.err != nil {
		t.Fatalf("sending to Alertmanager: %v", s.err)
	}
	am.WaitAlerts(t, 10*time.Second, hasActive)

	am.Stop(t)
	for i := range 2 { // two minutes of resends, into a closed port
		c.Step(time.Minute)
		s := sends.next(t)
		if s.err == nil {
			t.Fatalf("resend %d reached a stopped Alertmanager", i+1)
		}
		t.Logf("resend %d while Alertmanager is down: %v", i+1, s.err)
	}
	am.Restart(t)
	// Alertmanager keeps alerts in memory only: it is back empty.
	if alerts := am.Alerts(t); len(alerts) != 0 {
		t.Fatalf("Alertmanager holds %d alerts after its restart, before the resend", len(alerts))
	}
	c.Step(time.Minute)
	if s := sends.next(t); s.err != nil {
		t.Fatalf("the resend after the restart: %v", s.err)
	}
	got := only(t, am.WaitAlerts(t, 10*time.Second, hasActive))
	if !maps.Equal(got.Labels, a.Labels) {
		t.Errorf("labels %v, want %v", got.Labels, a.Labels)
	}
	// Sent at minute 3 of the fake clock, ending 4 minutes later.
	if want := a.StartsAt.Add(7 * time.Minute); got.EndsAt.Sub(want).Abs() > time.Millisecond {
		t.Errorf("endsAt %s, want %s", got.EndsAt, want)
	}
}
