package spec

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

// Other formats (Sloth, OpenSLO) are read in two steps: their documents are
// decoded into structs of their own, where their own rules are checked at
// the paths their authors wrote; then they are rewritten as a native Doc and
// handed to build, which checks everything the formats share (PromQL,
// windows, tiers, names). A conversion links every native path it fills to
// the original text, so that build's errors point at the line the author
// wrote and name the field as the author knows it.

// droppedFile marks native paths whose problems the converter has already
// reported in the original format's own words; build's errors there are
// dropped rather than said twice, differently.
const droppedFile = "\x00dropped"

// conversion builds one native document out of documents of another format.
type conversion struct {
	nd   *decoder
	drop []string
}

func newConversion(file string) *conversion {
	return &conversion{nd: newDecoder(file)}
}

// link makes problems at the native path point at from in src's document.
func (c *conversion) link(native string, src *decoder, from string) {
	c.nd.link(native, src, from)
}

// skip silences build at the native path, and at those of its children
// that are not linked elsewhere: the converter reported the problem there.
func (c *conversion) skip(native string) {
	c.drop = append(c.drop, native)
}

// build checks and maps the native document, returning build's problems
// with those at skipped paths left out.
func (c *conversion) build(doc *Doc) (*slo.Service, Errors) {
	for _, p := range c.drop {
		c.nd.at[p] = place{File: droppedFile, Path: p}
	}
	svc := c.nd.build(doc, defaults)
	var out Errors
	for _, e := range c.nd.errs {
		if e.File != droppedFile {
			out = append(out, e)
		}
	}
	return svc, out
}

// decodeNode decodes a node kept for later (a spec read once its kind is
// known) at path, keeping the place of path at its key, where the decoder
// put it, rather than at the value's first line.
func decodeNode(d *decoder, n *yaml.Node, path string, v any) {
	at, ok := d.at[path]
	d.decode(n, path, v)
	if ok {
		d.at[path] = at
	}
}

// ratioPercent turns a ratio into the percent the native format takes,
// rounded so that a converted SLO has exactly the target of its native twin
// (0.57*100 is 56.99999999999999 in floating point).
func ratioPercent(r float64) float64 { return round(r * 100) }

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
