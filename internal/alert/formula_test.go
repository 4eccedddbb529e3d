package alert_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/slo"
)

// TestDetectionAndResetTimesMatchTheWorkbooksFormula runs a sudden,
// sustained error ratio of 100%, 10% and 1% on a 99.9% SLO over 30 days
// through the engine and the alert manager, and checks that every default
// tier fires and resets when `slo explain` says (report.Explain, the
// workbook's formula), within one tick; and that the tiers it says never
// fire stay quiet.
func TestDetectionAndResetTimesMatchTheWorkbooksFormula(t *testing.T) {
	const tick = 10 * time.Second
	services := scenarioSpec(t, map[string]string{"objective": "99.9", "window": "30d"})
	svc := services[0]
	exp := report.Explain([]*slo.Service{&svc}, 0)
	tiers := exp.Services[0].SLOs[0].Tiers
	if len(tiers) != 4 {
		t.Fatalf("explain gives %d tiers, want the 4 defaults", len(tiers))
	}
	for i, ratio := range report.ErrorRatios {
		t.Run(fmt.Sprintf("errors=%g", ratio), func(t *testing.T) {
			// The errors last until every tier that fires has fired and
			// its short window is full of them; then they stop until every
			// tier has reset.
			var errorsFor, resetsIn time.Duration
			firing := 0
			for _, tf := range tiers {
				d := tf.Detection[i]
				if !d.Fires {
					continue
				}
				firing++
				short, _ := slo.ParseDuration(tf.ShortWindow)
				errorsFor = max(errorsFor, seconds(d.Seconds), short)
				resetsIn = max(resetsIn, seconds(d.ResetSeconds))
			}
			if firing == 0 {
				t.Fatalf("no tier fires at %g%% errors", 100*ratio)
			}
			errorsFor = (errorsFor + 10*time.Minute).Truncate(time.Minute)
			sc := scenario{
				name: t.Name(), tick: tick, sloArgs: map[string]string{"objective": "99.9", "window": "30d"},
				baseline: segment{d: 3*slo.Day + time.Hour, rate: 600},
				runs: []segment{
					{d: errorsFor, rate: 600, errors: ratio},
					{d: resetsIn + 10*time.Minute, rate: 600},
				},
			}
			for _, tf := range tiers {
				d := tf.Detection[i]
				if !d.Fires {
					sc.expects = append(sc.expects, expectation{text: tf.Name + " never fires, as explain says", rule: tf.Name, what: "quiet"})
					continue
				}
				sc.expects = append(sc.expects,
					expectation{text: fmt.Sprintf("%s fires after %s", tf.Name, d.Human), rule: tf.Name, what: "fires", at: seconds(d.Seconds), within: tick},
					expectation{text: fmt.Sprintf("%s resets %gs after the errors stop", tf.Name, d.ResetSeconds), rule: tf.Name, what: "resolves", at: errorsFor + seconds(d.ResetSeconds), within: tick},
				)
			}
			sc.check(t, sc.run(t))
		})
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
