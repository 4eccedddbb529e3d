package promgen

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The output formats.
const (
	// FormatPrometheus is a rule file, as Prometheus's rule_files and
	// promtool read.
	FormatPrometheus = "prometheus"
	// FormatOperator is PrometheusRule resources of the Prometheus
	// Operator, one per service.
	FormatOperator = "prometheus-operator"
)

// header opens every file written: what made it and how its windows work.
const header = `# Written by slo rules; regenerate instead of editing.
#
# Per SLO: the five-minute increases of valid and bad events, taken each
# minute from the raw series (slo:step_*:increase5m); every window sums
# those (a fifth each, since five of them cover each event), so long
# windows are traffic-weighted and read one recorded series, not the raw
# ones. Ranges are a second short of the window, so that a sample exactly
# at the window's start is not counted twice. No valid events in a window
# gives no error ratio sample, and so no alert.
`

// Operator says how PrometheusRule resources are written.
type Operator struct {
	Namespace string
	// Labels go on every resource, for the Operator's ruleSelector.
	Labels map[string]string
}

// Marshal writes f in format: a rule file, or one PrometheusRule per
// service (groups are named slo/SERVICE/SLO).
func Marshal(f File, format string, op Operator) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	switch format {
	case FormatPrometheus, "":
		return encode(&buf, f)
	case FormatOperator:
		for i, svc := range byService(f) {
			if i > 0 {
				buf.WriteString("---\n")
			}
			labels := map[string]string{"app.kubernetes.io/managed-by": "slo"}
			for k, v := range op.Labels {
				labels[k] = v
			}
			meta := map[string]any{"name": resourceName(svc.name), "labels": labels}
			if op.Namespace != "" {
				meta["namespace"] = op.Namespace
			}
			res := struct {
				APIVersion string         `yaml:"apiVersion"`
				Kind       string         `yaml:"kind"`
				Metadata   map[string]any `yaml:"metadata"`
				Spec       File           `yaml:"spec"`
			}{"monitoring.coreos.com/v1", "PrometheusRule", meta, svc.file}
			if _, err := encode(&buf, res); err != nil {
				return nil, err
			}
		}
		return buf.Bytes(), nil
	default:
		return nil, fmt.Errorf("unknown format %q: want %s or %s", format, FormatPrometheus, FormatOperator)
	}
}

func encode(buf *bytes.Buffer, v any) ([]byte, error) {
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type serviceFile struct {
	name string
	file File
}

// byService splits f's groups by service, in the order they come.
func byService(f File) []serviceFile {
	var out []serviceFile
	for _, g := range f.Groups {
		if len(out) == 0 || out[len(out)-1].name != g.service {
			out = append(out, serviceFile{name: g.service})
		}
		last := &out[len(out)-1]
		last.file.Groups = append(last.file.Groups, g)
	}
	return out
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// resourceName makes a Kubernetes object name (RFC 1123 subdomain, kept to
// a label's 63 characters) from a service name.
func resourceName(service string) string {
	n := strings.Trim(notDNS.ReplaceAllString(strings.ToLower(service), "-"), "-")
	n = "slo-" + n
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	return n
}
