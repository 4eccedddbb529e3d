package report

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// grid is a table that live reports write as aligned columns for a
// terminal or as a Markdown table.
type grid struct {
	head []string
	rows [][]string
}

func newGrid(head ...string) *grid { return &grid{head: head} }

func (g *grid) add(cells ...string) { g.rows = append(g.rows, cells) }

// text writes the table with columns padded to their widest cell, each
// line after indent.
func (g *grid) text(b *strings.Builder, indent string) {
	width := make([]int, len(g.head))
	for _, r := range append([][]string{g.head}, g.rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string) {
		b.WriteString(indent)
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+2))
		}
		b.WriteString("\n")
	}
	line(g.head)
	for _, r := range g.rows {
		line(r)
	}
}

// markdown writes the table in Markdown, escaping the cells' pipes.
func (g *grid) markdown(b *strings.Builder) {
	cell := strings.NewReplacer("|", `\|`, "\n", " ")
	line := func(r []string) {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(" " + cell.Replace(c) + " |")
		}
		b.WriteString("\n")
	}
	line(g.head)
	b.WriteString("|" + strings.Repeat("---|", len(g.head)) + "\n")
	for _, r := range g.rows {
		line(r)
	}
}

// table writes g as Markdown, or as text with each line after indent.
func table(b *strings.Builder, md bool, g *grid, indent string) {
	if md {
		g.markdown(b)
		return
	}
	g.text(b, indent)
}

// flush writes what was built to w.
func flush(w io.Writer, b *strings.Builder) error {
	_, err := io.WriteString(w, b.String())
	return err
}

const noData = "no data"

// ratioPercent writes a ratio as an availability percent with three
// decimals (99.896%, which two would show as 99.9% and so as meeting a
// 99.9% target), more when three would round it up to 100; or no data.
func ratioPercent(x *float64) string {
	if x == nil {
		return noData
	}
	return percentDigits(100*(*x), 3) + "%"
}

// targetPercent writes a target ratio as a percent: 0.999 is 99.9%.
func targetPercent(x float64) string { return num(100*x) + "%" }

// sharePercent writes a share (of a budget) as a percent with up to two
// decimals, or no data.
func sharePercent(x *float64) string {
	if x == nil {
		return noData
	}
	return trim(100*(*x)) + "%"
}

// burnText writes a burn rate as 0.8x, or no data.
func burnText(x *float64) string {
	if x == nil {
		return noData
	}
	return trim(*x) + "x"
}

// minutesText writes minutes with up to two decimals, or no data.
func minutesText(x *float64) string {
	if x == nil {
		return noData
	}
	return trim(*x)
}

// stamp writes a time in UTC to the minute, as reports show times.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// plural writes n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// fptr returns &x, for figures that are nil without data.
func fptr(x float64) *float64 { return &x }
