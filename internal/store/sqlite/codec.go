package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
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
		buf = appendCount(buf, r.good)
		buf = appendCount(buf, r.valid)
	}
	return buf
}

// maxExact is 2^53: every integer below it is exact as a float64.
const maxExact = 1 << 53

// appendCount writes c as uvarint(c<<1) when it is a whole number below
// 2^53, otherwise as uvarint(1) followed by its IEEE 754 bits.
func appendCount(buf []byte, c float64) []byte {
	if c >= 0 && c < maxExact && c == math.Trunc(c) {
		return binary.AppendUvarint(buf, uint64(c)<<1)
	}
	buf = binary.AppendUvarint(buf, 1)
	return binary.LittleEndian.AppendUint64(buf, math.Float64bits(c))
}

var errCorrupt = errors.New("corrupt batch log entry")

// decodeRows reads a blob encodeRows wrote, appending its rows to rows.
func decodeRows(rows []row, blob []byte) ([]row, error) {
	if len(blob) == 0 || blob[0] != logVersion {
		return rows, fmt.Errorf("%w: unknown version", errCorrupt)
	}
	d := decoder{b: blob[1:]}
	n := d.uvarint()
	if n > uint64(len(d.b)) { // every row takes at least one byte
		return rows, fmt.Errorf("%w: %d rows in %d bytes", errCorrupt, n, len(d.b))
	}
	var prev int64
	for range n {
		var r row
		r.series = int64(d.uvarint())
		prev += d.varint()
		r.bucket = prev
		r.good = d.count()
		r.valid = d.count()
		rows = append(rows, r)
	}
	if d.err != nil {
		return rows, d.err
	}
	if len(d.b) != 0 {
		return rows, fmt.Errorf("%w: %d bytes left over", errCorrupt, len(d.b))
	}
	return rows, nil
}

// decoder reads varints from b, keeping the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad varint", errCorrupt)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad varint", errCorrupt)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) count() float64 {
	v := d.uvarint()
	if v&1 == 0 {
		return float64(v >> 1)
	}
	if d.err != nil || len(d.b) < 8 {
		d.err = fmt.Errorf("%w: short count", errCorrupt)
		return 0
	}
	c := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return c
}
