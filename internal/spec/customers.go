package spec

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

// maxMappingFile bounds the mapping file read into memory: a million
// customers in CSV is about 30 MB.
const maxMappingFile = 256 << 20

// mapEntry is one customer's tier as a mapping file writes it, with where.
type mapEntry struct {
	customer, tier string
	line, column   int
}

// assignments merges the inline assignments with those of the mapping file,
// when there is one, and returns the merged map; declared holds the tiers.
// Every problem of the file is reported at its file:line: a tier not
// declared, a customer given two different tiers (in the file, or in the
// file and inline), a malformed line. Entries that repeat an assignment
// with the same tier are accepted. The inline map is not changed.
func (d *decoder) assignments(c *Customers, declared map[string]bool) map[string]string {
	if c.MappingFile == "" {
		return c.Assignments
	}
	path := c.MappingFile
	if !filepath.IsAbs(path) {
		// Relative to the spec file; a spec read from stdin has none, and
		// its mapping file is relative to the working directory.
		path = filepath.Join(filepath.Dir(d.file), path)
	}
	entries, err := readMapping(path)
	out := make(map[string]string, len(c.Assignments)+len(entries))
	maps.Copy(out, c.Assignments)
	var fe *mappingError
	switch {
	case errors.As(err, &fe):
		d.fileErr(path, fe.line, fe.column, "", fe.hint, "%s", fe.msg)
		return out
	case err != nil:
		d.errorf("customers.mapping_file", "the path is relative to the spec file", "%v", err)
		return out
	}
	where := make(map[string]int, len(entries)) // customer -> index of its first entry
	for i, e := range entries {
		switch {
		case e.customer == "":
			d.fileErr(path, e.line, e.column, "", "", "the customer id is empty")
			continue
		case len(e.customer) > slo.MaxCustomer:
			d.fileErr(path, e.line, e.column, "", "", "customer id of %d bytes, more than %d", len(e.customer), slo.MaxCustomer)
			continue
		case !declared[e.tier]:
			d.fileErr(path, e.line, e.column, e.customer, "declared tiers: "+strings.Join(c.Tiers, ", "),
				"tier %q is not one of the tiers of customers.tiers", e.tier)
			continue
		}
		if j, seen := where[e.customer]; seen {
			if prev := entries[j]; prev.tier != e.tier {
				d.fileErr(path, e.line, e.column, e.customer, "one customer, one tier",
					"customer %q is given tier %q here and %q at line %d", e.customer, e.tier, prev.tier, prev.line)
			}
			continue
		}
		where[e.customer] = i
		if inline, ok := c.Assignments[e.customer]; ok {
			if inline != e.tier {
				at := d.where(join("customers.assignments", e.customer))
				d.fileErr(path, e.line, e.column, e.customer, "one customer, one tier",
					"customer %q is given tier %q here and %q in customers.assignments (%s:%d)", e.customer, e.tier, inline, at.File, at.Line)
			}
			continue
		}
		out[e.customer] = e.tier
	}
	return out
}

// fileErr records an error in a file other than the spec, such as the
// mapping file.
func (d *decoder) fileErr(file string, line, column int, path, hint, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: file, Line: line, Column: column, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// mappingError is a problem that stops a mapping file from being read at
// all: bad YAML or CSV, or the wrong shape.
type mappingError struct {
	line, column int
	msg, hint    string
}

func (e *mappingError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// readMapping reads a mapping file: YAML (.yaml, .yml), a map of customer
// to tier, or CSV (.csv), customer,tier lines with an optional header.
func readMapping(path string) ([]mapEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", errors.Unwrap(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMappingFile+1))
	if err != nil {
		return nil, fmt.Errorf("mapping file %s: %w", path, err)
	}
	if len(data) > maxMappingFile {
		return nil, fmt.Errorf("mapping file %s is larger than %d MiB", path, maxMappingFile>>20)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return mappingYAML(data)
	case ".csv":
		return mappingCSV(data)
	}
	return nil, fmt.Errorf("mapping file %s: want a .yaml, .yml or .csv file", path)
}

// mappingYAML reads a YAML map of customer id to tier.
func mappingYAML(data []byte) ([]mapEntry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
			if parserProblem(msg) {
				line++ // yaml.v3 counts parser lines from 0
			}
		}
		return nil, &mappingError{line: line, msg: msg, hint: "the file is not valid YAML"}
	}
	if len(doc.Content) == 0 {
		return nil, nil // an empty file maps no one
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &mappingError{line: root.Line, column: root.Column,
			msg: "a YAML mapping file is a map of customer id to tier", hint: "such as acme-retail: enterprise"}
	}
	out := make([]mapEntry, 0, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			return nil, &mappingError{line: k.Line, column: k.Column,
				msg: "each entry is customer: tier, both plain values", hint: "such as acme-retail: enterprise"}
		}
		out = append(out, mapEntry{customer: k.Value, tier: v.Value, line: k.Line, column: k.Column})
	}
	return out, nil
}

// mappingCSV reads customer,tier lines. A first line of customer,tier is a
// header; lines starting # are comments; blank lines are skipped.
func mappingCSV(data []byte) ([]mapEntry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	var out []mapEntry
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &mappingError{line: pe.Line, column: pe.Column, msg: pe.Err.Error(), hint: "the file is not valid CSV"}
		}
		if err != nil {
			return nil, err
		}
		line, col := r.FieldPos(0)
		if len(rec) != 2 {
			return nil, &mappingError{line: line, column: col,
				msg: fmt.Sprintf("%d fields, want 2: customer,tier", len(rec)), hint: "such as acme-retail,enterprise"}
		}
		c, t := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if first && strings.EqualFold(c, "customer") && strings.EqualFold(t, "tier") {
			continue
		}
		out = append(out, mapEntry{customer: c, tier: t, line: line, column: col})
	}
}
