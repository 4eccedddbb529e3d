package grafana

import (
	"fmt"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/slo"
)

// The panels' titles; tests and the docs refer to them.
const (
	TitleStatus   = "SLO status"
	TitleBudget   = "Error budget remaining"
	TitleMinutes  = "Error budget remaining (minutes)"
	TitleBurnRate = "Burn rate"
	TitleSLI      = "SLI over time"
	TitleEvents   = "Events over the SLO window"
)

// legend names a series by its SLO: the SLO status stat shows them all, and
// a repeated row may hold the same SLO name for several services.
const legend = "{{service}} / {{slo}}"

// panels lays out the SLO status of every SLO across the top, then a row
// that repeats for each SLO picked: budget and burn rates, then the SLI
// over time beside the budget in minutes and the events.
func panels(src source, objs []*slo.Objective) []Panel {
	ps := []Panel{
		statusPanel(src, objs, GridPos{H: 5, W: 24, X: 0, Y: 0}),
		{Type: "row", Title: "SLO $slo", GridPos: GridPos{H: 1, W: 24, X: 0, Y: 5}, Repeat: "slo", Collapsed: new(bool), Panels: []Panel{}},
		budgetPanel(src, objs, GridPos{H: 8, W: 6, X: 0, Y: 6}),
		burnPanel(src, GridPos{H: 8, W: 18, X: 6, Y: 6}),
		sliPanel(src, GridPos{H: 8, W: 18, X: 0, Y: 14}),
		minutesPanel(src, GridPos{H: 4, W: 6, X: 18, Y: 14}),
		eventsPanel(src, GridPos{H: 4, W: 6, X: 18, Y: 18}),
	}
	for i := range ps {
		ps[i].ID = i + 1
	}
	return ps
}

func statusPanel(src source, objs []*slo.Objective, at GridPos) Panel {
	var over []Override
	for _, o := range objs {
		over = append(over, byName(o, &Thresholds{Mode: "absolute", Steps: sliSteps(o)}))
	}
	return Panel{
		Type: "stat", Title: TitleStatus, GridPos: at, Datasource: ds,
		Description: "Each SLO's SLI over its SLO window, coloured by its error budget policy: green while healthy, yellow at warning, orange at critical, red when the budget is exhausted (the SLI is below the target). No data means no valid events, not a good SLI.",
		Targets:     []Target{instant("A", src.sli(), legend)},
		FieldConfig: &FieldConfig{
			Defaults: FieldDefaults{Unit: "percentunit", Decimals: ptr(3), Thresholds: &Thresholds{Mode: "absolute", Steps: []Step{{Color: "text"}}}},
			// Targets differ, so each SLO has its own thresholds.
			Overrides: over,
		},
		Options: stat("background", "value_and_name"),
	}
}

func budgetPanel(src source, objs []*slo.Objective, at GridPos) Panel {
	over := []Override{}
	for _, o := range objs {
		// Only SLOs whose policy moves the statuses need their own steps.
		if steps := budgetSteps(o.Policy); !sameSteps(steps, defaultBudgetSteps) {
			over = append(over, byName(o, &Thresholds{Mode: "absolute", Steps: steps}))
		}
	}
	return Panel{
		Type: "gauge", Title: TitleBudget, GridPos: at, Datasource: ds,
		Description: "The share of the SLO window's error budget left; below zero when overspent. Colours follow each SLO's budget policy; by default healthy above 50%, warning above 20%, critical above 0%, then exhausted.",
		Targets:     []Target{instant("A", src.budgetRemaining(), legend)},
		FieldConfig: &FieldConfig{
			Defaults:  FieldDefaults{Unit: "percentunit", Decimals: ptr(1), Min: ptr(0.0), Max: ptr(1.0), Thresholds: &Thresholds{Mode: "absolute", Steps: defaultBudgetSteps}},
			Overrides: over,
		},
		Options: map[string]any{"orientation": "auto", "reduceOptions": lastValue, "showThresholdLabels": false, "showThresholdMarkers": true},
	}
}

func burnPanel(src source, at GridPos) Panel {
	ws, note := src.burnWindows()
	var ts []Target
	for i, w := range ws {
		ts = append(ts, rangeQuery(string(rune('A'+i)), src.burnRate(w), legend+" "+windowName(w)))
	}
	desc := "How fast the error budget is spent, as a multiple of the pace that spends exactly the whole budget over the SLO window. Lines at 1x (on pace), 6x and 14.4x (the default paging thresholds over 6h and 1h, for a 30-day window). No line where a window held no valid events."
	if note != "" {
		desc += " " + note
	}
	return Panel{
		Type: "timeseries", Title: fmt.Sprintf("%s (%s)", TitleBurnRate, windowList(ws, ", ")), GridPos: at, Datasource: ds,
		Description: desc, Targets: ts,
		FieldConfig: &FieldConfig{
			Defaults: FieldDefaults{
				Unit: "suffix:x", Decimals: ptr(2), Min: ptr(0.0),
				Custom: map[string]any{"showPoints": "never", "thresholdsStyle": map[string]any{"mode": "line"}},
				Thresholds: &Thresholds{Mode: "absolute", Steps: []Step{
					{Color: "green"}, {Color: "yellow", Value: ptr(1.0)}, {Color: "orange", Value: ptr(6.0)}, {Color: "red", Value: ptr(14.4)},
				}},
			},
			Overrides: []Override{},
		},
		Options: timeseries(),
	}
}

func sliPanel(src source, at GridPos) Panel {
	// The target dashed, so the SLI line reads against it.
	dashed := Override{Matcher: Matcher{ID: "byFrameRefID", Options: "B"}, Properties: []Property{
		{ID: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
	}}
	return Panel{
		Type: "timeseries", Title: TitleSLI, GridPos: at, Datasource: ds,
		Description: "The SLI over the SLO window as it stood at each moment, against the target (dashed). The SLI is good events over valid events of the whole window, never a mean of shorter ratios.",
		Targets: []Target{
			rangeQuery("A", src.sli(), legend+" SLI"),
			rangeQuery("B", src.objective(), legend+" target"),
		},
		FieldConfig: &FieldConfig{
			Defaults:  FieldDefaults{Unit: "percentunit", Decimals: ptr(3), Custom: map[string]any{"showPoints": "never"}},
			Overrides: []Override{dashed},
		},
		Options: timeseries(),
	}
}

func minutesPanel(src source, at GridPos) Panel {
	return Panel{
		Type: "stat", Title: TitleMinutes, GridPos: at, Datasource: ds,
		Description: "The error budget left, in minutes of full outage: the share left times (1 - target) times the SLO window. Negative when overspent.",
		Targets:     []Target{instant("A", src.budgetMinutes(), legend)},
		FieldConfig: &FieldConfig{
			Defaults:  FieldDefaults{Unit: "m", Decimals: ptr(1), Thresholds: &Thresholds{Mode: "absolute", Steps: []Step{{Color: "red"}, {Color: "green", Value: ptr(0.0)}}}},
			Overrides: []Override{},
		},
		Options: stat("value", "auto"),
	}
}

func eventsPanel(src source, at GridPos) Panel {
	return Panel{
		Type: "stat", Title: TitleEvents, GridPos: at, Datasource: ds,
		Description: "Valid and bad events over the SLO window: the SLI's denominator, and what spent the budget. Few valid events make every failure a large share.",
		Targets: []Target{
			instant("A", src.valid(), legend+" valid"),
			instant("B", src.bad(), legend+" bad"),
		},
		FieldConfig: &FieldConfig{
			Defaults:  FieldDefaults{Unit: "short", Decimals: ptr(0), Thresholds: &Thresholds{Mode: "absolute", Steps: []Step{{Color: "text"}}}},
			Overrides: []Override{},
		},
		Options: stat("none", "value_and_name"),
	}
}

func instant(ref string, e parser.Expr, legend string) Target {
	return Target{RefID: ref, Datasource: ds, EditorMode: "code", Expr: e.String(), LegendFormat: legend, Instant: true}
}

func rangeQuery(ref string, e parser.Expr, legend string) Target {
	return Target{RefID: ref, Datasource: ds, EditorMode: "code", Expr: e.String(), LegendFormat: legend, Range: true}
}

// lastValue reduces a series to its last value that is not null.
var lastValue = map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false}

func stat(color, text string) map[string]any {
	return map[string]any{
		"colorMode": color, "graphMode": "none", "justifyMode": "center", "orientation": "auto",
		"reduceOptions": lastValue, "textMode": text,
	}
}

func timeseries() map[string]any {
	return map[string]any{
		"legend":  map[string]any{"calcs": []string{"lastNotNull", "max"}, "displayMode": "table", "placement": "bottom", "showLegend": true},
		"tooltip": map[string]any{"mode": "multi", "sort": "desc"},
	}
}

// byName overrides the thresholds of one SLO's series, named by legend.
func byName(o *slo.Objective, t *Thresholds) Override {
	return Override{
		Matcher:    Matcher{ID: "byName", Options: o.Service + " / " + o.Name},
		Properties: []Property{{ID: "thresholds", Value: t}},
	}
}

func ptr[T any](v T) *T { return &v }
