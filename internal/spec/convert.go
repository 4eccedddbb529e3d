package spec

import (
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
