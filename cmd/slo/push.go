package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/slo-dev/slo/client"
)

const pushSummary = "send request events and counts from an NDJSON file to a server's push API, in batches"

const pushHelp = `
Each line of FILE (- for standard input) is one item, an event or a count:
  {"stream":"api","time":"2026-03-02T10:00:00Z","path":"/api/v1/notifications","method":"POST","status":202,"latency_ms":42.5,"customer":"acme"}
  {"slo":"notification-platform/delivery","time":1772445600,"good":95,"valid":100}
Blank lines are skipped.

Each batch is sent under an id made from a hash of its bytes and its index
in the file. If a push fails half way, fix the file and run the same command
again: the batches the server already has are recognised by their ids and
not counted twice, as long as the server still remembers them (its dedup
horizon, 24 hours by default) and --batch is the same.

The server defaults to $SLO_SERVER, else http://127.0.0.1:8080; the token to
$SLO_TOKEN. Exit status: 0 when every batch was taken, 1 when the server
refused items (each is shown as FILE:LINE), 2 for usage and other errors.
`

// maxBatchBytes ends a batch early when its lines are long, to stay well
// within the server's 32 MiB body limit.
const maxBatchBytes = 8 << 20

func runPush(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "push", "[--server URL] [--token TOKEN] [--batch N] [--progress] [--retries N] FILE|-", pushSummary)
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(e.stderr, pushHelp) }
	var rem remote
	fs.StringVar(&rem.server, "server", "", "the server's base URL (default $SLO_SERVER, else http://127.0.0.1:8080)")
	fs.StringVar(&rem.token, "token", "", "bearer token (default $SLO_TOKEN)")
	batch := fs.Int("batch", 5000, "items per batch")
	progress := fs.Bool("progress", false, "show progress on stderr even when it is not a terminal")
	retries := fs.Int("retries", 5, "times a batch is sent again after a network error or a 5xx")
	files, err := parse(fs, args)
	if err != nil {
		return helpOr(err)
	}
	switch {
	case len(files) != 1:
		return usageError("push: give one file, or - for standard input")
	case *batch < 1:
		return usageError("push: --batch must be at least 1")
	case *retries < 0:
		return usageError("push: --retries must not be negative")
	}
	if err := rem.resolve(); err != nil {
		return fmt.Errorf("push: %w", err)
	}

	name, in, size, err := openInput(e, files[0])
	if err != nil {
		return err
	}
	defer in.Close()
	p := &pusher{
		name:   name,
		r:      bufio.NewReaderSize(in, 1<<20),
		c:      client.New(rem.server, client.WithToken(rem.token), client.WithRetries(*retries)),
		batch:  *batch,
		stdout: e.stdout,
		stderr: e.stderr,
	}
	if *progress || isTerminal(e.stderr) {
		p.bar = &progressBar{w: e.stderr, size: size}
	}
	return p.run(ctx)
}

// openInput opens the file to push, or standard input for "-", with its
// size when known (0 otherwise).
func openInput(e *env, file string) (string, io.ReadCloser, int64, error) {
	if file == "-" {
		var size int64
		if f, ok := e.stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				size = st.Size()
			}
		}
		return "<stdin>", io.NopCloser(e.stdin), size, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return "", nil, 0, usageError("push: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return "", nil, 0, usageError("push: %w", err)
	}
	return file, f, st.Size(), nil
}

// pusher reads items and sends them in batches.
type pusher struct {
	name   string
	r      *bufio.Reader
	c      *client.Client
	batch  int
	stdout io.Writer
	stderr io.Writer
	bar    *progressBar

	// line is the number of lines read; read the bytes read.
	line int
	read int64
	// buf holds the batch being filled, lines the file line of each of
	// its items.
	buf   []byte
	lines []int
	// What the server took so far.
	items, batches, duplicates int
	total                      client.Result
}

func (p *pusher) run(ctx context.Context) error {
	for index := 0; ; index++ {
		eof, err := p.fill()
		if err != nil {
			return p.failed(fmt.Errorf("push: reading %s: %w", p.name, err))
		}
		if len(p.lines) > 0 {
			if err := p.send(ctx, index); err != nil {
				return p.failed(err)
			}
		}
		if eof {
			break
		}
	}
	p.bar.finish()
	fmt.Fprintf(p.stdout, "pushed %d items in %d batches (%d duplicate): %d counted, %d excluded, %d ignored, %d unmatched\n",
		p.items, p.batches, p.duplicates, p.total.Counted, p.total.Excluded, p.total.Ignored, p.total.Unmatched)
	if p.duplicates > 0 {
		fmt.Fprintf(p.stderr, "note: %d batches were already on the server (same content, same place in the file) and were not counted again\n", p.duplicates)
	}
	if p.total.Unmatched > 0 {
		fmt.Fprintf(p.stderr, "warning: %d events have a stream no SLO reads: check the stream names\n", p.total.Unmatched)
	}
	return nil
}

// fill reads the next batch of items into buf, reporting whether the input
// ended.
func (p *pusher) fill() (bool, error) {
	p.buf, p.lines = p.buf[:0], p.lines[:0]
	for len(p.lines) < p.batch && len(p.buf) < maxBatchBytes {
		start := len(p.buf)
		var err error
		for {
			var chunk []byte
			chunk, err = p.r.ReadSlice('\n')
			p.buf = append(p.buf, chunk...)
			p.read += int64(len(chunk))
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		if len(p.buf) > start {
			p.line++
		}
		if blank(p.buf[start:]) {
			p.buf = p.buf[:start]
		} else {
			if p.buf[len(p.buf)-1] != '\n' {
				p.buf = append(p.buf, '\n')
			}
			p.lines = append(p.lines, p.line)
		}
		if err != nil {
			return true, nil
		}
	}
	return false, nil
}

func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// send pushes the batch in buf as batch index of the file.
func (p *pusher) send(ctx context.Context, index int) error {
	res, err := p.c.PushNDJSON(ctx, batchID(index, p.buf), p.buf)
	if err != nil {
		var ae *client.APIError
		if errors.As(err, &ae) && ae.StatusCode/100 == 4 {
			p.reportRefusal(index, ae)
			return invalidError(fmt.Errorf("push: the server refused batch %d (lines %d-%d): nothing of it was counted",
				index, p.lines[0], p.lines[len(p.lines)-1]))
		}
		return fmt.Errorf("push: batch %d (lines %d-%d): %w", index, p.lines[0], p.lines[len(p.lines)-1], err)
	}
	p.items += len(p.lines)
	p.batches++
	if res.Duplicate { // already on the server: nothing of it counted now
		p.duplicates++
		p.bar.update(p.read, p.items)
		return nil
	}
	p.total.Counted += res.Counted
	p.total.Excluded += res.Excluded
	p.total.Ignored += res.Ignored
	p.total.Unmatched += res.Unmatched
	p.bar.update(p.read, p.items)
	return nil
}

// batchID names a batch by its index and a hash of both it and its bytes:
// the same file pushed again with the same --batch gives the same ids.
func batchID(index int, body []byte) string {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(index))
	h.Write(n[:])
	h.Write(body)
	return fmt.Sprintf("push-%d-%x", index, h.Sum(nil)[:16])
}

// reportRefusal writes each problem the server found, placed by the
// file's line rather than the batch's item index.
func (p *pusher) reportRefusal(index int, ae *client.APIError) {
	p.bar.finish()
	if len(ae.Items) == 0 {
		fmt.Fprintf(p.stderr, "%s: batch %d (lines %d-%d): %v\n", p.name, index, p.lines[0], p.lines[len(p.lines)-1], ae)
	}
	for _, it := range ae.Items {
		where := fmt.Sprintf("%s: batch %d", p.name, index)
		if it.Item >= 0 && it.Item < len(p.lines) {
			where = fmt.Sprintf("%s:%d", p.name, p.lines[it.Item])
		}
		if it.Field != "" {
			fmt.Fprintf(p.stderr, "%s: field %q: %s\n", where, it.Field, it.Message)
		} else {
			fmt.Fprintf(p.stderr, "%s: %s\n", where, it.Message)
		}
	}
}

// failed adds to err what was pushed before it, so that the user knows
// running the command again is safe.
func (p *pusher) failed(err error) error {
	p.bar.finish()
	if p.batches > 0 {
		fmt.Fprintf(p.stderr, "pushed %d items in %d batches (%d duplicate) before the failure; "+
			"run the same command again to push the rest: batches already taken are not counted twice\n",
			p.items, p.batches, p.duplicates)
	}
	return err
}
