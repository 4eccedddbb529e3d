package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar shows on one line how much of the input has been pushed. A
// nil bar shows nothing.
type progressBar struct {
	w io.Writer
	// size is the input's size in bytes, 0 when unknown.
	size  int64
	shown bool
	last  time.Time
	// bytes and items are the latest figures, drawn again at the end.
	bytes int64
	items int
}

// progressWidth is the number of cells of the bar.
const progressWidth = 30

// update records the bytes and items pushed so far and redraws the line,
// at most ten times a second.
func (b *progressBar) update(bytes int64, items int) {
	if b == nil {
		return
	}
	b.bytes, b.items = bytes, items
	if now := time.Now(); now.Sub(b.last) >= 100*time.Millisecond {
		b.last = now
		b.draw()
	}
}

func (b *progressBar) draw() {
	b.shown = true
	if b.size <= 0 {
		fmt.Fprintf(b.w, "\rpushed %s, %d items", formatBytes(b.bytes), b.items)
		return
	}
	frac := min(float64(b.bytes)/float64(b.size), 1)
	cells := int(frac * progressWidth)
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%%  %s of %s, %d items", strings.Repeat("#", cells), strings.Repeat(".", progressWidth-cells),
		100*frac, formatBytes(b.bytes), formatBytes(b.size), b.items)
}

// finish draws the final figures and ends the line, once.
func (b *progressBar) finish() {
	if b == nil || b.items == 0 && !b.shown {
		return
	}
	b.draw()
	fmt.Fprintln(b.w)
	b.items, b.shown = 0, false
}

// formatBytes writes a size in bytes, KiB or MiB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// isTerminal reports whether w is a terminal, where a progress line that
// redraws itself belongs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
