package store

import (
	"encoding/binary"
	"errors"
	"math"
)

// The stores' blobs (the batch log, the engine's checkpoints) write counts
// and integers compactly, with the helpers below.

// ErrCorrupt marks a blob that does not decode: cut short or not written
// by AppendCount and the binary varint appenders.
var ErrCorrupt = errors.New("corrupt encoding")

// AppendCount writes a count: a whole number below 2^53 (as event counts
// nearly always are) as the uvarint of twice it, a byte to three; anything
// else as the uvarint 1 and its IEEE 754 bits.
func AppendCount(buf []byte, c float64) []byte {
	if c >= 0 && c < MaxCount && c == math.Trunc(c) {
		return binary.AppendUvarint(buf, uint64(c)<<1)
	}
	buf = binary.AppendUvarint(buf, 1)
	return binary.LittleEndian.AppendUint64(buf, math.Float64bits(c))
}

// Decoder reads a blob's bytes, varints and counts in order. After the first
// failure every read gives 0 and Err says what went wrong.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder reads b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err is the first failure, wrapping ErrCorrupt; nil when none.
func (d *Decoder) Err() error { return d.err }

// Len is the number of bytes not read yet.
func (d *Decoder) Len() int { return len(d.b) }

func (d *Decoder) fail(what string) {
	if d.err == nil {
		d.err = errors.Join(ErrCorrupt, errors.New(what))
	}
	d.b = nil
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if len(d.b) == 0 {
		d.fail("cut short")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Varint reads a signed varint.
func (d *Decoder) Varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Count reads what AppendCount wrote.
func (d *Decoder) Count() float64 {
	v := d.Uvarint()
	if v&1 == 0 {
		return float64(v >> 1)
	}
	if len(d.b) < 8 {
		d.fail("short count")
		return 0
	}
	c := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return c
}
