package push

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// errTooLarge is a body, compressed or not, beyond Options.MaxBody.
var errTooLarge = errors.New("body too large")

// format is how a body writes its items.
type format int

const (
	formatJSON format = iota
	formatNDJSON
)

// bodyFormat reads the Content-Type header.
func bodyFormat(header string) (format, error) {
	mt, _, err := mime.ParseMediaType(header)
	if err != nil && header != "" {
		return 0, fmt.Errorf("unsupported Content-Type %q: %w", header, err)
	}
	switch mt {
	case "application/json":
		return formatJSON, nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonl":
		return formatNDJSON, nil
	}
	return 0, fmt.Errorf("unsupported Content-Type %q: send application/json (an array of items) or application/x-ndjson (one item per line)", header)
}

// Buffers and gzip readers are reused across requests: at a million events
// a second, allocating a body's worth of memory per request would keep the
// collector busier than the decoder.
var (
	buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	gzips   sync.Pool
)

// keepBuffer is the largest buffer put back into the pool, so that one
// huge request does not pin its memory for good.
const keepBuffer = 64 << 20

func getBuffer() *bytes.Buffer {
	b := buffers.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= keepBuffer {
		buffers.Put(b)
	}
}

// readBody reads the request body, decompressed, into buf. Both the body
// as sent and as decompressed are held to max bytes; beyond, errTooLarge.
func readBody(r *http.Request, max int64, buf *bytes.Buffer) error {
	if r.ContentLength > max {
		return errTooLarge
	}
	sent := &limited{r: r.Body, left: max}
	var src io.Reader = sent
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		if r.ContentLength > 0 {
			buf.Grow(int(r.ContentLength))
		}
	case "gzip", "x-gzip":
		gz, err := gzipReader(sent)
		if err != nil {
			if sent.over {
				return errTooLarge
			}
			return fmt.Errorf("reading the gzip body: %w", err)
		}
		defer gzips.Put(gz)
		src = &limited{r: gz, left: max}
	default:
		return &encodingError{enc}
	}
	_, err := buf.ReadFrom(src)
	if sent.over {
		return errTooLarge
	}
	if l, ok := src.(*limited); ok && l.over {
		return errTooLarge
	}
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	return nil
}

func gzipReader(src io.Reader) (*gzip.Reader, error) {
	if gz, ok := gzips.Get().(*gzip.Reader); ok {
		if err := gz.Reset(src); err != nil {
			gzips.Put(gz)
			return nil, err
		}
		return gz, nil
	}
	return gzip.NewReader(src)
}

// encodingError is a Content-Encoding the handler cannot read.
type encodingError struct{ enc string }

func (e *encodingError) Error() string {
	return fmt.Sprintf("unsupported Content-Encoding %q: send gzip or no encoding", e.enc)
}

// limited reads at most left bytes from r, and notes whether r had more.
type limited struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Read one byte more to tell a body of exactly the limit from a
		// longer one.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.over = true
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
