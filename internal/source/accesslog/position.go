package accesslog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// fileID is a file's device and inode.
type fileID struct {
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
}

// position is where an objective's reading of its log stands, as its state
// file keeps it. Everything before Offset has been counted; Pending, when
// set, is a batch that may or may not have been: it is appended again, with
// the same ID, before anything after it.
type position struct {
	Objective string `json:"objective"`
	Path      string `json:"path"`
	Format    string `json:"format"`
	File      fileID `json:"file"`
	// First is the fingerprint of the file's first line: an inode is
	// reused once its file is deleted, and a file truncated in place
	// (copytruncate) keeps it.
	First string `json:"first_line"`
	// Offset is the byte after the last line counted; Line is that line's
	// number.
	Offset int64 `json:"offset"`
	Line   int64 `json:"line"`
	// Skipping is set while Offset is inside a line too long to read.
	Skipping bool     `json:"skipping,omitempty"`
	Pending  *pending `json:"pending,omitempty"`
}

// pending is a batch about to be appended: the bytes [Offset, End) of the
// file, End included a last line without its newline when Final.
type pending struct {
	End   int64  `json:"end"`
	Final bool   `json:"final,omitempty"`
	ID    string `json:"id"`
}

// statePath is the state file of an objective in dir.
func statePath(dir, key string) string {
	return filepath.Join(dir, url.PathEscape(key)+".json")
}

// loadPosition reads a state file; nil without error when there is none.
func loadPosition(path string) (*position, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("access log position: %w", err)
	}
	var p position
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("access log position %s: %w", path, err)
	}
	return &p, nil
}

// save writes the state file durably: a whole new file, synced, renamed
// over the old one, and the directory synced, so that a crash leaves the
// old position or the new one, never a mix.
func (p *position) save(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("access log position: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("access log position: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("access log position: sync %s: %w", filepath.Dir(path), err)
		}
	}
	return nil
}

// fingerprintLen bounds the bytes a fingerprint reads: the first line, or
// this much of it when it is longer.
const fingerprintLen = 1024

// fingerprint hashes the first line of f. ok is false while the file has
// no complete first line yet, unless final, when what there is serves.
func fingerprint(f io.ReaderAt, final bool) (fp string, ok bool, err error) {
	buf := make([]byte, fingerprintLen)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	buf = buf[:n]
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i+1]
	} else if n < fingerprintLen && !final || n == 0 {
		return "", false, nil
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:8]), true, nil
}
