package spec

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Defaults returns the built-in defaults as the spec writes them.
func Defaults() []byte { return defaultsYAML }

// defaults is the decoded defaults document. It is checked by a test, and
// panics at start if broken, since no spec can load without it.
var defaults = func() *Doc {
	d := newDecoder("defaults.yaml")
	var n yaml.Node
	if err := yaml.Unmarshal(defaultsYAML, &n); err != nil {
		panic(err)
	}
	doc := &Doc{}
	d.decode(n.Content[0], "", doc)
	if len(d.errs) > 0 {
		panic(d.errs.Error())
	}
	return doc
}()

// document is one YAML document of a spec file, with the decoder that knows
// where each of its values is written.
type document struct {
	root *yaml.Node
	d    *decoder
}

// field returns the scalar value of a top-level key of the document.
func (doc *document) field(key string) string {
	if doc.root.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(doc.root.Content); i += 2 {
		if doc.root.Content[i].Value == key {
			return doc.root.Content[i+1].Value
		}
	}
	return ""
}

// Load reads spec files and returns their services, with every problem
// found: errors (the spec is invalid; callers check Errors.Invalid) and
// warnings. Files may hold several YAML documents, in the native slo/v1
// format, OpenSLO v1 or Sloth prometheus/v1; OpenSLO documents may refer to
// each other across the files given.
func Load(paths ...string) ([]*slo.Service, Errors) {
	var docs []*document
	var errs Errors
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))})
			continue
		}
		ds, perr := split(p, data)
		if perr != nil {
			errs = append(errs, perr)
			continue
		}
		docs = append(docs, ds...)
	}
	svcs, more := decodeAll(docs)
	return svcs, append(errs, more...).finish()
}

// Parse reads one spec file's content, as Load does.
func Parse(file string, data []byte) ([]*slo.Service, Errors) {
	docs, err := split(file, data)
	if err != nil {
		return nil, Errors{err}
	}
	svcs, errs := decodeAll(docs)
	return svcs, errs.finish()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of yaml.v3's parser, as opposed to its
// scanner: the parser's line numbers start at 0.
var parserProblems = []string{
	"did not find expected <document start>", "did not find expected node content",
	"did not find expected key", "did not find expected '-' indicator",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"found undefined tag handle", "found duplicate %YAML directive",
	"found incompatible YAML document", "found duplicate %TAG directive",
}

func parserProblem(msg string) bool {
	for _, p := range parserProblems {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// split parses the YAML documents of a file.
func split(file string, data []byte) ([]*document, *Error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var docs []*document
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			e := &Error{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: "), Hint: "the file is not valid YAML; the line is where the parser noticed, at or just after the mistake's enclosing block"}
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				e.Line, _ = strconv.Atoi(m[1])
				e.Msg = m[2] // yaml.v3 gives a line, no column
				if parserProblem(e.Msg) {
					e.Line++ // yaml.v3 counts lines from 0 for parser (not scanner) errors
				}
			}
			return nil, e
		}
		if len(n.Content) == 0 || (n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null") {
			continue // an empty document, as after a trailing ---
		}
		d := newDecoder(file)
		d.mark("", n.Content[0])
		docs = append(docs, &document{root: n.Content[0], d: d})
	}
	if len(docs) == 0 {
		return nil, &Error{File: file, Msg: "no spec in the file", Hint: "start with apiVersion: slo/v1"}
	}
	return docs, nil
}

// decodeAll turns documents of any format into services.
func decodeAll(docs []*document) ([]*slo.Service, Errors) {
	var svcs []*slo.Service
	var errs Errors
	var open []*document
	var natives []built
	for _, doc := range docs {
		switch {
		case doc.field("apiVersion") == APIVersion:
			native := &Doc{}
			doc.d.decode(doc.root, "", native)
			svcs = append(svcs, doc.d.build(native, defaults))
			natives = append(natives, built{doc.d, svcs[len(svcs)-1]})
		case strings.HasPrefix(doc.field("apiVersion"), "openslo/"):
			open = append(open, doc)
			continue // OpenSLO documents are resolved together, below
		case doc.field("version") != "":
			svcs = append(svcs, decodeSloth(doc))
		default:
			v := doc.field("apiVersion")
			hint := "native specs start with apiVersion: slo/v1; OpenSLO with apiVersion: openslo/v1; Sloth with version: prometheus/v1"
			if v == "" {
				doc.d.errorf("", hint, "the document names no format")
			} else if strings.HasPrefix(v, "sloth.slok.dev/") {
				doc.d.errorf("apiVersion", "save its spec: block as a file with version: prometheus/v1", "Sloth's Kubernetes resource (PrometheusServiceLevel) is not read")
			} else {
				doc.d.errorf("apiVersion", hint, "unknown apiVersion %q", v)
			}
		}
		errs = append(errs, doc.d.errs...)
	}
	if len(open) > 0 {
		more, openErrs := decodeOpenSLO(open)
		svcs = append(svcs, more...)
		errs = append(errs, openErrs...)
	}
	seen := map[string]string{}
	for _, s := range svcs {
		if prev, ok := seen[s.Name]; ok && s.Name != "" {
			errs = append(errs, &Error{File: s.File, Line: 1, Column: 1, Path: "service",
				Msg: fmt.Sprintf("service %q is also defined in %s", s.Name, prev), Hint: "one service, one spec"})
		}
		seen[s.Name] = s.File
	}
	errs = append(errs, checkMeasuredBy(natives, svcs)...)
	return svcs, errs
}
