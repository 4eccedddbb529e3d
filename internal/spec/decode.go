package spec

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// place is where a value sits in the source file, and the field path the
// user knows it by.
type place struct {
	File         string
	Line, Column int
	Path         string
}

// decoder turns YAML nodes into tagged Go structs. Unlike yaml.v3's own
// decoding it keeps going past the first problem, reports each with its
// file:line:column and field path, rejects unknown fields with a "did you
// mean" hint, and records where every value came from so that later
// validation can point at it too.
type decoder struct {
	file string
	errs Errors
	// at maps a field path to where its value is written. Converters from
	// other formats add the paths of the native form here, pointing at the
	// original text.
	at map[string]place
	// budget bounds the values one document may decode to, so that aliases
	// of aliases (a "billion laughs" document) cannot expand without end.
	budget int
	// reported holds the places that already have an error.
	reported map[string]bool
}

// maxValues is far above any real spec (the examples decode to under 2,000).
const maxValues = 200_000

func newDecoder(file string) *decoder {
	return &decoder{file: file, at: map[string]place{}}
}

// scalarSetter is implemented by types written as one scalar in YAML
// (durations, percents) that parse themselves.
type scalarSetter interface {
	setScalar(s string) error
}

var nodeType = reflect.TypeOf(yaml.Node{})

// errorf records an error at the value written under path.
func (d *decoder) errorf(path, hint, format string, args ...any) {
	d.add(path, false, hint, format, args...)
}

// warnf records a warning at the value written under path.
func (d *decoder) warnf(path, hint, format string, args ...any) {
	d.add(path, true, hint, format, args...)
}

func (d *decoder) add(path string, warning bool, hint, format string, args ...any) {
	p := d.where(path)
	if p.File == "" {
		p.File = d.file
	}
	// The first error at a path is its cause: a value that failed to decode
	// is left at zero, and a range check on that zero would only add noise.
	key := p.File + "\x00" + p.Path
	if !warning {
		if d.reported[key] {
			return
		}
		if d.reported == nil {
			d.reported = map[string]bool{}
		}
		d.reported[key] = true
	}
	d.errs = append(d.errs, &Error{
		File: p.File, Line: p.Line, Column: p.Column, Path: p.Path,
		Msg: fmt.Sprintf(format, args...), Hint: hint, Warning: warning,
	})
}

// where finds the place of path, or of its nearest written parent when the
// field itself is missing (a required field points at its parent).
func (d *decoder) where(path string) place {
	for p := path; ; {
		if pl, ok := d.at[p]; ok {
			if p != path && pl.Path == p {
				pl.Path = path
			}
			return pl
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			if pl, ok := d.at[""]; ok {
				pl.Path = path
				return pl
			}
			return place{File: d.file, Line: 1, Column: 1, Path: path}
		}
		p = p[:i]
	}
}

// link makes errors at path (of a converted, native document) point at the
// place from, in the original document read by src.
func (d *decoder) link(path string, src *decoder, from string) {
	d.at[path] = src.where(from)
}

// mark records where the value of path is written.
func (d *decoder) mark(path string, n *yaml.Node) {
	d.at[path] = place{File: d.file, Line: n.Line, Column: n.Column, Path: path}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// decode fills v, a pointer, from n.
func (d *decoder) decode(n *yaml.Node, path string, v any) {
	d.value(n, path, reflect.ValueOf(v).Elem())
}

func (d *decoder) value(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if d.budget++; d.budget > maxValues {
		if d.budget == maxValues+1 {
			d.errorf(path, "aliases of aliases expand the document; write the values out", "the document expands to more than %d values", maxValues)
		}
		return
	}
	d.mark(path, n)
	if v.Type() == nodeType {
		v.Set(reflect.ValueOf(*n))
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the field at its zero value
	}
	if s, ok := v.Addr().Interface().(scalarSetter); ok {
		if n.Kind != yaml.ScalarNode {
			d.errorf(path, "", "want a single value, found %s", kindName(n))
			return
		}
		if err := s.setScalar(n.Value); err != nil {
			d.errorf(path, "", "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.value(n, path, p.Elem())
		v.Set(p)
	case reflect.Struct:
		d.structure(n, path, v)
	case reflect.Slice:
		d.list(n, path, v)
	case reflect.Map:
		d.dict(n, path, v)
	default:
		d.scalar(n, path, v)
	}
}

func (d *decoder) structure(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(path, "", "want a mapping of fields, found %s", kindName(n))
		return
	}
	fields := map[string]int{}
	var names []string
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag == "!!merge" {
			d.value(val, path, v) // a YAML merge key fills the same struct
			continue
		}
		fp := join(path, k.Value)
		idx, ok := fields[k.Value]
		if !ok {
			d.mark(fp, k)
			hint := "known fields: " + strings.Join(sorted(names), ", ")
			if c := closest(k.Value, names); c != "" {
				hint = "did you mean " + c + "?"
			}
			d.errorf(fp, hint, "unknown field %q", k.Value)
			continue
		}
		if seen[k.Value] {
			d.mark(fp, k)
			d.errorf(fp, "", "field %q is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		d.value(val, fp, v.Field(idx))
		if val.Kind != yaml.ScalarNode && val.Style&yaml.FlowStyle == 0 {
			// A block mapping or list starts on the line after its key;
			// problems with it as a whole are best shown at the key.
			d.mark(fp, k)
		}
	}
}

func (d *decoder) list(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.ScalarNode { // a single item may be written without brackets
		item := reflect.New(v.Type().Elem()).Elem()
		d.value(n, index(path, 0), item)
		d.at[path] = d.at[index(path, 0)]
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), item))
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(path, "", "want a list, found %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, index(path, i), s.Index(i))
	}
	v.Set(s)
}

func (d *decoder) dict(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(path, "", "want a mapping, found %s", kindName(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		panic("spec: maps must have string keys: " + v.Type().String())
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		fp := join(path, k.Value)
		if m.MapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key())).IsValid() {
			d.mark(fp, k)
			d.errorf(fp, "", "key %q is given twice", k.Value)
			continue
		}
		item := reflect.New(v.Type().Elem()).Elem()
		d.value(val, fp, item)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), item)
	}
	v.Set(m)
}

func (d *decoder) scalar(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(path, "", "want a single value, found %s", kindName(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if err != nil || n.Tag != "!!bool" {
			d.errorf(path, "", "want true or false, found %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSuffix(n.Value, "%"), 64)
		if err != nil || n.Tag == "!!bool" || math.IsNaN(f) || math.IsInf(f, 0) {
			d.errorf(path, "", "want a finite number, found %q", n.Value)
			return
		}
		v.SetFloat(f)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			d.errorf(path, "", "want a whole number, found %q", n.Value)
			return
		}
		v.SetInt(i)
	default:
		panic("spec: cannot decode into " + v.Type().String())
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
