package grafana

import (
	"bytes"
	"encoding/json"
)

// SchemaVersion is the Grafana dashboard schema the model is written for
// (Grafana 10.4 and 11); newer Grafana migrates it on load.
const SchemaVersion = 39

// Dashboard is a Grafana dashboard: only the fields slo writes, in the order
// Grafana itself writes them, so the output reads like an exported one.
type Dashboard struct {
	UID           string     `json:"uid"`
	Title         string     `json:"title"`
	Description   string     `json:"description,omitempty"`
	Tags          []string   `json:"tags"`
	Editable      bool       `json:"editable"`
	GraphTooltip  int        `json:"graphTooltip"`
	Refresh       string     `json:"refresh"`
	SchemaVersion int        `json:"schemaVersion"`
	Time          TimeRange  `json:"time"`
	Timezone      string     `json:"timezone"`
	Templating    Templating `json:"templating"`
	Panels        []Panel    `json:"panels"`
}

// TimeRange is the dashboard's default time range, in Grafana's relative
// syntax (now-7d).
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Templating holds the dashboard's variables.
type Templating struct {
	List []Variable `json:"list"`
}

// Variable is a template variable: the data source picker or a query over
// label values.
type Variable struct {
	Name       string      `json:"name"`
	Label      string      `json:"label"`
	Type       string      `json:"type"`
	Datasource *Datasource `json:"datasource,omitempty"`
	Definition string      `json:"definition,omitempty"`
	Query      string      `json:"query"`
	Current    Current     `json:"current"`
	Multi      bool        `json:"multi"`
	IncludeAll bool        `json:"includeAll"`
	// Refresh 1 reloads the values when the dashboard loads.
	Refresh int `json:"refresh"`
	// Sort 1 sorts the values alphabetically.
	Sort    int    `json:"sort"`
	Hide    int    `json:"hide"`
	Regex   string `json:"regex"`
	Options []any  `json:"options"`
}

// Current is a variable's selected value. Query variables start at All.
type Current struct {
	Selected bool `json:"selected,omitempty"`
	Text     any  `json:"text,omitempty"`
	Value    any  `json:"value,omitempty"`
}

// Datasource refers to a data source by type and uid; the uid is
// ${datasource}, the picker variable, everywhere.
type Datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Panel is one panel, or a row (Type "row") that repeats the panels below it.
type Panel struct {
	ID              int            `json:"id"`
	Type            string         `json:"type"`
	Title           string         `json:"title"`
	Description     string         `json:"description,omitempty"`
	GridPos         GridPos        `json:"gridPos"`
	Datasource      *Datasource    `json:"datasource,omitempty"`
	Targets         []Target       `json:"targets,omitempty"`
	FieldConfig     *FieldConfig   `json:"fieldConfig,omitempty"`
	Options         map[string]any `json:"options,omitempty"`
	Repeat          string         `json:"repeat,omitempty"`
	RepeatDirection string         `json:"repeatDirection,omitempty"`
	Collapsed       *bool          `json:"collapsed,omitempty"`
	// Panels holds a collapsed row's panels; an open row's follow it, and
	// its Panels is empty (written []), as Grafana's schema wants.
	Panels []Panel `json:"panels,omitzero"`
}

// GridPos places a panel on Grafana's 24-column grid.
type GridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// Target is one PromQL query of a panel.
type Target struct {
	RefID        string      `json:"refId"`
	Datasource   *Datasource `json:"datasource"`
	EditorMode   string      `json:"editorMode"`
	Expr         string      `json:"expr"`
	LegendFormat string      `json:"legendFormat"`
	Instant      bool        `json:"instant"`
	Range        bool        `json:"range"`
}

// FieldConfig is how a panel shows its values, with per-series overrides.
type FieldConfig struct {
	Defaults  FieldDefaults `json:"defaults"`
	Overrides []Override    `json:"overrides"`
}

// FieldDefaults are the display settings every series starts from.
type FieldDefaults struct {
	Unit       string         `json:"unit,omitempty"`
	Decimals   *int           `json:"decimals,omitempty"`
	Min        *float64       `json:"min,omitempty"`
	Max        *float64       `json:"max,omitempty"`
	Color      map[string]any `json:"color,omitempty"`
	Custom     map[string]any `json:"custom,omitempty"`
	Thresholds *Thresholds    `json:"thresholds,omitempty"`
}

// Thresholds colour a value by the last step at or below it.
type Thresholds struct {
	Mode  string `json:"mode"`
	Steps []Step `json:"steps"`
}

// Step is one threshold; the first has a nil (null) value, the base colour.
type Step struct {
	Color string   `json:"color"`
	Value *float64 `json:"value"`
}

// Override changes properties of the series a matcher selects.
type Override struct {
	Matcher    Matcher    `json:"matcher"`
	Properties []Property `json:"properties"`
}

// Matcher selects series: byName (display name) or byFrameRefID.
type Matcher struct {
	ID      string `json:"id"`
	Options string `json:"options"`
}

// Property is one overridden setting: thresholds, custom.lineStyle.
type Property struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

// JSON writes the dashboard indented, with a final newline. PromQL's < and
// > stay as they are: Go's HTML escaping would make them unreadable.
func (d *Dashboard) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
