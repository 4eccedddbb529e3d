//go:build unix

package accesslog

import (
	"os"
	"syscall"
)

// idOf is the identity of an open file: its device and inode, which a
// rename keeps and a new file at the same path does not have.
func idOf(fi os.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		// The conversions are for systems whose fields are narrower or signed.
		return fileID{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}
	}
	return fileID{}
}
