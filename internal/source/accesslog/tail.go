package accesslog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// tailer follows one objective's log. Its position is the state file's:
// it moves only once what lies before it is appended.
type tailer struct {
	src *Source
	target
	state string // the state file

	// saved is the state file's position until the first open uses it.
	saved *position

	f    *os.File
	name string // the name f was opened by
	id   fileID
	pos  position
	// rotated is set when the path holds a newer file than f: f is
	// finished, then left for the path's file.
	rotated bool
	// lastSize is f's size at the last poll, -1 when unknown: a rotated
	// file is left once it has stopped growing.
	lastSize int64
	// failing is since when the path cannot be opened; zero while it can.
	failing time.Time
	failErr error

	// buf holds bufN bytes of f from bufAt, kept from next to append
	// within a poll.
	buf         []byte
	bufAt, bufN int64
	bat         batch
}

func newTailer(s *Source, t target) (*tailer, error) {
	tl := &tailer{src: s, target: t, state: statePath(s.opts.StateDir, t.key), lastSize: -1}
	saved, err := loadPosition(tl.state)
	if err != nil {
		return nil, err
	}
	if saved != nil && (saved.Path != t.path || saved.Format != t.format) {
		s.opts.Logger.Info("access log: the SLO reads another file now; reading it from the start",
			"slo", t.key, "was", saved.Path, "now", t.path)
		saved = nil
	}
	tl.saved = saved
	tl.bat.init(s, tl)
	return tl, nil
}

func (t *tailer) close() {
	if t.f != nil {
		t.f.Close()
		t.f = nil
	}
	t.id, t.bufN = fileID{}, 0
}

// poll reads what the log has gained, at most PollBytes, and tells whether
// there is more.
func (t *tailer) poll(ctx context.Context) (bool, error) {
	log := t.src.opts.Logger
	t.bufN = 0 // bytes read at an earlier poll may have been truncated since
	if t.f == nil {
		if err := t.open(); err != nil {
			t.close()
			t.fail(err)
			return false, nil // reported as health, not as an error of the poll
		}
		t.failing = time.Time{}
		t.src.health(t.key, true, "")
	}
	fi, err := t.f.Stat()
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", t.name, err)
	}
	if err := t.checkTruncated(fi.Size()); err != nil {
		return false, err
	}
	if t.pos.Pending != nil {
		// A batch that may not have been appended goes again first, the
		// same bytes under the same ID.
		if err := t.append(ctx, t.pos.Pending.End, t.pos.Pending.Final); err != nil {
			return false, err
		}
	}
	read := int64(0)
	for read < t.src.opts.PollBytes {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		end, err := t.next(fi.Size(), false)
		if err != nil {
			return false, err
		}
		if end == t.pos.Offset {
			break
		}
		n := end - t.pos.Offset
		if err := t.append(ctx, end, false); err != nil {
			return false, err
		}
		read += n
	}
	if read >= t.src.opts.PollBytes {
		return true, nil
	}
	// At the end of f: has the path moved on to a new file?
	pfi, err := os.Stat(t.path)
	switch {
	case err != nil:
		t.fail(err)
	case !os.SameFile(pfi, fi):
		t.failing = time.Time{}
		t.rotated = true
		t.src.health(t.key, true, "")
	default:
		t.failing = time.Time{}
		t.src.health(t.key, true, "")
	}
	if t.rotated && fi.Size() == t.lastSize {
		// f has stopped growing: its writer has moved to the new file.
		// A last line without its newline is whole now.
		if end, err := t.next(fi.Size(), true); err != nil {
			return false, err
		} else if end > t.pos.Offset {
			if err := t.append(ctx, end, true); err != nil {
				return false, err
			}
		}
		log.Info("access log rotated: reading the new file", "slo", t.key, "old", t.name, "path", t.path, "lines", t.pos.Line)
		t.close()
		t.pos = position{Objective: t.key, Path: t.path, Format: t.format}
		t.rotated, t.lastSize = false, -1
		if err := t.save(); err != nil {
			return false, err
		}
		return t.poll(ctx) // the new file, at once
	}
	t.lastSize = fi.Size()
	return false, nil
}

// fail records that the path cannot be read. The objective is down at once
// when no file is open, and after Grace when the file read before is still.
func (t *tailer) fail(err error) {
	now := t.src.opts.Now()
	if t.failing.IsZero() || t.failErr == nil || t.failErr.Error() != err.Error() {
		if t.failing.IsZero() {
			t.failing = now
		}
		t.failErr = err
		t.src.opts.Logger.Warn("access log cannot be read; trying again at every poll", "slo", t.key, "path", t.path, "err", err)
	}
	if t.f == nil || now.Sub(t.failing) >= t.src.opts.Grace {
		t.src.health(t.key, false, err.Error())
	}
}

// open opens the path, resuming the saved position when it is this file's,
// or the file it was when that file is still in the directory under another
// name (rotated while slo was not running).
func (t *tailer) open() error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	saved := t.saved
	t.saved = nil
	t.pos = position{Objective: t.key, Path: t.path, Format: t.format}
	t.f, t.name, t.lastSize = f, t.path, -1
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	t.id = idOf(fi)
	if saved == nil {
		return nil
	}
	if t.same(f, fi, saved) {
		t.resume(saved)
		return nil
	}
	if old, name := t.findRotated(saved); old != nil {
		f.Close()
		t.f, t.name, t.rotated = old, name, true
		ofi, err := old.Stat()
		if err != nil {
			return err
		}
		t.id = idOf(ofi)
		t.resume(saved)
		t.src.opts.Logger.Info("access log rotated while slo was stopped: finishing the old file first", "slo", t.key, "old", name, "offset", saved.Offset)
		return nil
	}
	if saved.Offset > 0 || saved.Pending != nil {
		t.src.opts.Logger.Warn("access log: the file read before is gone; reading the path from the start",
			"slo", t.key, "path", t.path, "lost_pending", saved.Pending != nil)
	}
	return nil
}

// same reports whether f is the file pos was read from.
func (t *tailer) same(f *os.File, fi os.FileInfo, pos *position) bool {
	if idOf(fi) != pos.File || fi.Size() < pos.Offset {
		return false
	}
	if pos.First == "" {
		return pos.Offset == 0
	}
	fp, ok, err := fingerprint(f, false)
	return err == nil && ok && fp == pos.First
}

func (t *tailer) resume(saved *position) {
	t.pos = *saved
}

// findRotated looks in the path's directory for the file pos was read
// from.
func (t *tailer) findRotated(pos *position) (*os.File, string) {
	if pos.File == (fileID{}) {
		return nil, ""
	}
	dir := filepath.Dir(t.path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, ""
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		if fi, err := f.Stat(); err == nil && t.same(f, fi, pos) {
			return f, name
		}
		f.Close()
	}
	return nil, ""
}

// checkTruncated starts the file over when it has been truncated in place
// (copytruncate): it is shorter than the position, or its first line is
// not the one read.
func (t *tailer) checkTruncated(size int64) error {
	truncated := size < t.pos.Offset || t.pos.Pending != nil && size < t.pos.Pending.End
	if !truncated && t.pos.First != "" {
		fp, ok, err := fingerprint(t.f, false)
		if err != nil {
			return fmt.Errorf("read %s: %w", t.name, err)
		}
		truncated = !ok || fp != t.pos.First
	}
	if !truncated {
		return nil
	}
	t.src.opts.Logger.Warn("access log truncated: reading it from the start", "slo", t.key, "path", t.name,
		"was_at", t.pos.Offset, "size", size, "lost_pending", t.pos.Pending != nil)
	t.pos = position{Objective: t.key, Path: t.path, Format: t.format}
	t.lastSize = -1
	return t.save()
}

// next returns where the batch starting at the position ends: after the
// last whole line within BatchBytes of it and before size, or the position
// itself when no line is whole. With final, a last line without its
// newline counts as whole.
func (t *tailer) next(size int64, final bool) (int64, error) {
	from := t.pos.Offset
	n := min(size-from, int64(t.src.opts.BatchBytes))
	if n <= 0 {
		return from, nil
	}
	buf, err := t.read(from, n)
	if err != nil {
		return from, err
	}
	if final && from+int64(len(buf)) == size {
		return size, nil
	}
	for i := len(buf) - 1; i >= 0; i-- {
		if buf[i] == '\n' {
			return from + int64(i) + 1, nil
		}
	}
	if len(buf) >= t.src.opts.MaxLine {
		// No newline in MaxLine bytes: a line too long to read, taken as
		// far as this batch goes and skipped.
		return from + int64(len(buf)), nil
	}
	return from, nil
}

// read returns [from, from+n) of f, or less when the file ends first
// (truncated since the stat: the next poll sees it).
func (t *tailer) read(from, n int64) ([]byte, error) {
	if t.bufAt == from && t.bufN >= n {
		return t.buf[:n], nil
	}
	if int64(cap(t.buf)) < n {
		t.buf = make([]byte, n)
	}
	buf := t.buf[:n]
	got, err := t.f.ReadAt(buf, from)
	if err != nil && !errors.Is(err, io.EOF) {
		t.bufN = 0
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	t.bufAt, t.bufN = from, int64(got)
	return buf[:got], nil
}

// save writes the position to the state file.
func (t *tailer) save() error {
	t.pos.File = t.id
	if err := t.pos.save(t.state); err != nil {
		return err
	}
	t.src.update(t.key, func(st *Stat) { st.Offset, st.Path = t.pos.Offset, t.name })
	return nil
}
