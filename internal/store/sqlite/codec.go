package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/slo-dev/slo/internal/store"
)

// row is one summed count of a series in one bucket, as the count tables
// and the batch log keep it.
type row struct {
	series int64 // series.id
	bucket int64 // bucket start, unix seconds
	good   float64
	valid  float64
}

// logVersion is the first byte of every batch log blob, so that a later
// encoding can be told from this one.
const logVersion = 1

// encodeRows writes rows, sorted by series then bucket, as a batch log
// blob: the version byte, the row count, then per row the series id, the
// bucket as a delta from the previous row's (zigzag varint) and the two
// counts. Sorting makes most deltas one small varint, and counts that are
// whole numbers, as event counts nearly always are, take a varint instead
// of eight bytes: a typical row is 5 to 8 bytes.
func encodeRows(buf []byte, rows []row) []byte {
	buf = append(buf[:0], logVersion)
	buf = binary.AppendUvarint(buf, uint64(len(rows)))
	var prev int64
	for _, r := range rows {
		buf = binary.AppendUvarint(buf, uint64(r.series))
		buf = binary.AppendVarint(buf, r.bucket-prev)
		prev = r.bucket
		buf = store.AppendCount(buf, r.good)
		buf = store.AppendCount(buf, r.valid)
	}
	return buf
}

var errCorrupt = errors.New("corrupt batch log entry")

// decodeRows reads a blob encodeRows wrote, appending its rows to rows.
func decodeRows(rows []row, blob []byte) ([]row, error) {
	if len(blob) == 0 || blob[0] != logVersion {
		return rows, fmt.Errorf("%w: unknown version", errCorrupt)
	}
	d := store.NewDecoder(blob[1:])
	n := d.Uvarint()
	if n > uint64(d.Len()) { // every row takes at least one byte
		return rows, fmt.Errorf("%w: %d rows in %d bytes", errCorrupt, n, d.Len())
	}
	var prev int64
	for range n {
		var r row
		r.series = int64(d.Uvarint())
		prev += d.Varint()
		r.bucket = prev
		r.good = d.Count()
		r.valid = d.Count()
		rows = append(rows, r)
	}
	if err := d.Err(); err != nil {
		return rows, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	if d.Len() != 0 {
		return rows, fmt.Errorf("%w: %d bytes left over", errCorrupt, d.Len())
	}
	return rows, nil
}
