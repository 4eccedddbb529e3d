package spec

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

// The OpenSLO v1 vocabulary: names, durations and labels.

// dnsLabel is an OpenSLO object name: an RFC 1123 label.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// shorthand is OpenSLO's duration-shorthand: a positive whole number and a
// unit of m, h, d, w, M (month), Q (quarter) or Y (year).
var shorthand = regexp.MustCompile(`^([1-9][0-9]*)([mhdwMQY])$`)

var calendarUnits = map[string]string{"w": "week", "M": "month", "Q": "quarter", "Y": "year"}

var shorthandUnits = map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": slo.Day, "w": slo.Week, "Y": slo.Year}

func validStartTime(s string) bool {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", time.RFC3339, "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// fixedDuration reads a duration of a fixed length: OpenSLO's shorthand
// without months, quarters and years, or the Prometheus form (1h30m).
func fixedDuration(s string) (time.Duration, error) {
	if m := shorthand.FindStringSubmatch(s); m != nil && strings.ContainsAny(m[2], "MQY") {
		return 0, fmt.Errorf("duration %q has no fixed length: use m, h, d or w", s)
	}
	return slo.ParseDuration(s)
}

// joinLabels flattens OpenSLO labels, whose values may be lists, into the
// native single values: a list is joined with commas.
func joinLabels(labels map[string][]string) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = strings.Join(v, ",")
	}
	return out
}

// The OpenSLO v1 object model, field for field as the specification writes
// it, so that unknown fields are caught where they are written.

type osObject struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   osMetadata `yaml:"metadata"`
	Spec       yaml.Node  `yaml:"spec"` // decoded once the kind is known
}

type osMetadata struct {
	Name        string `yaml:"name"`
	DisplayName string `yaml:"displayName"`
	// A label's value is a string or a list of strings; the decoder reads a
	// single value as a list of one.
	Labels      map[string][]string `yaml:"labels"`
	Annotations map[string]string   `yaml:"annotations"`
}

type osService struct {
	Description string `yaml:"description"`
}

type osDataSource struct {
	Description       string    `yaml:"description"`
	Type              string    `yaml:"type"`
	ConnectionDetails yaml.Node `yaml:"connectionDetails"` // free-form, unused
}

type osTarget struct {
	Description string `yaml:"description"`
	Target      string `yaml:"target"`
}

type osSLI struct {
	Description     string    `yaml:"description"`
	ThresholdMetric *osMetric `yaml:"thresholdMetric"`
	RatioMetric     *osRatio  `yaml:"ratioMetric"`
}

type osRatio struct {
	Counter *bool     `yaml:"counter"`
	Good    *osMetric `yaml:"good"`
	Bad     *osMetric `yaml:"bad"`
	Total   *osMetric `yaml:"total"`
	RawType string    `yaml:"rawType"`
	Raw     *osMetric `yaml:"raw"`
}

type osMetric struct {
	MetricSource osSource `yaml:"metricSource"`
}

type osSource struct {
	MetricSourceRef string `yaml:"metricSourceRef"`
	Type            string `yaml:"type"`
	// Spec's fields depend on the type; a Prometheus one is osPromQuery.
	Spec yaml.Node `yaml:"spec"`
}

type osPromQuery struct {
	Query string `yaml:"query"`
}

type osSLO struct {
	Description     string         `yaml:"description"`
	Service         string         `yaml:"service"`
	Indicator       *osInlineSLI   `yaml:"indicator"`
	IndicatorRef    string         `yaml:"indicatorRef"`
	TimeWindow      []osTimeWindow `yaml:"timeWindow"`
	BudgetingMethod string         `yaml:"budgetingMethod"`
	Objectives      []osObjective  `yaml:"objectives"`
	AlertPolicies   []osPolicyItem `yaml:"alertPolicies"`
}

type osInlineSLI struct {
	Metadata osMetadata `yaml:"metadata"`
	Spec     osSLI      `yaml:"spec"`
}

type osTimeWindow struct {
	Duration  string      `yaml:"duration"`
	IsRolling *bool       `yaml:"isRolling"`
	Calendar  *osCalendar `yaml:"calendar"`
}

type osCalendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type osObjective struct {
	DisplayName     string   `yaml:"displayName"`
	Op              string   `yaml:"op"`
	Value           *float64 `yaml:"value"`
	Target          *float64 `yaml:"target"`
	TargetPercent   *float64 `yaml:"targetPercent"`
	TimeSliceTarget *float64 `yaml:"timeSliceTarget"`
	TimeSliceWindow string   `yaml:"timeSliceWindow"`
	// Composite SLOs name an indicator per objective; not supported yet.
	Indicator       yaml.Node `yaml:"indicator"`
	IndicatorRef    string    `yaml:"indicatorRef"`
	CompositeWeight *float64  `yaml:"compositeWeight"`
}

// osPolicyItem is an SLO's alert policy: a reference, or one written inline.
type osPolicyItem struct {
	AlertPolicyRef string      `yaml:"alertPolicyRef"`
	Kind           string      `yaml:"kind"`
	Metadata       *osMetadata `yaml:"metadata"`
	Spec           *osPolicy   `yaml:"spec"`
}

type osPolicy struct {
	Description        string            `yaml:"description"`
	AlertWhenNoData    *bool             `yaml:"alertWhenNoData"`
	AlertWhenResolved  *bool             `yaml:"alertWhenResolved"`
	AlertWhenBreaching *bool             `yaml:"alertWhenBreaching"`
	Conditions         []osConditionItem `yaml:"conditions"`
	// Where alerts go is Alertmanager's business: targets are not read.
	NotificationTargets []yaml.Node `yaml:"notificationTargets"`
}

// osConditionItem is a policy's condition: a reference, or one inline.
type osConditionItem struct {
	ConditionRef string       `yaml:"conditionRef"`
	Kind         string       `yaml:"kind"`
	Metadata     *osMetadata  `yaml:"metadata"`
	Spec         *osCondition `yaml:"spec"`
}

type osCondition struct {
	Description string     `yaml:"description"`
	Severity    string     `yaml:"severity"`
	Condition   osBurnRate `yaml:"condition"`
}

type osBurnRate struct {
	Kind           string   `yaml:"kind"`
	Op             string   `yaml:"op"`
	Threshold      *float64 `yaml:"threshold"`
	LookbackWindow string   `yaml:"lookbackWindow"`
	AlertAfter     string   `yaml:"alertAfter"`
}
