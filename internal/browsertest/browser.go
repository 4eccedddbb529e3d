// Package browsertest drives a real headless Chromium for the UI's tests:
// it finds and starts the browser, opens pages, waits on them with a
// timeout, reads and clicks them, takes screenshots into the test's
// artifact directory, and collects every console error, uncaught exception
// and failed request the page produced.
package browsertest

import (
	"bytes"
	"context"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slo-dev/slo/internal/testproc"
)

// DefaultTimeout bounds every wait of a Page unless SetTimeout changes it.
const DefaultTimeout = 15 * time.Second

// Window size of every page, in CSS pixels: wide enough for the overview's
// table, so screenshots show what a user on a laptop sees.
const (
	windowWidth  = 1400
	windowHeight = 1000
)

// InstallHint says how to get the browser, for the message of a missing one.
const InstallHint = "Chromium is needed for the browser tests: apt-get install chromium, or set SLO_CHROMIUM to a Chrome or Chromium binary"

// Browser is a running headless Chromium, closed when its test ends.
type Browser struct {
	ctx context.Context // the chromedp context that owns the browser
}

// Find returns the Chromium to run: $SLO_CHROMIUM when set, else the first
// of chromium, chromium-browser, google-chrome on PATH, else
// /usr/bin/chromium if it exists; "" when there is none.
func Find() string {
	return testproc.Find("SLO_CHROMIUM", "chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")
}

// Start launches a headless Chromium for t and closes it when t ends. With
// no browser installed it skips t, or fails it when CI=true, since in CI a
// missing browser must never pass unseen.
func Start(t testing.TB) *Browser {
	t.Helper()
	bin := Find()
	testproc.Need(t, bin, InstallHint)
	// A wrong SLO_CHROMIUM fails here, clearly: chromedp would wait in vain
	// for a browser that never ran.
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatalf("browsertest: %v (%s)", err, InstallHint)
	}

	// The profile lives in a fresh directory; TempDir's cleanup runs after
	// the browser's (cleanups run last-in first-out), once Chromium is gone.
	profile := t.TempDir()
	out := &tailBuffer{max: 4 << 10}
	// chromedp's defaults already run headless, with no first-run dialogs,
	// background networking or sync, and with shared memory in /tmp rather
	// than a container's small /dev/shm.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(windowWidth, windowHeight),
		// Tests run as root in containers, where the sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Nothing but the test's own server: no QUIC probes, no updates.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.CombinedOutput(out),
	)
	// The browser lives as long as this context, not t.Context(): that one
	// ends before the cleanups run, which would kill Chromium mid-close.
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Cancel closes the browser gracefully and waits for it to exit. A
		// browser that never started properly can leave it waiting for ever,
		// so the test moves on after a while, with the process killed.
		done := make(chan struct{})
		go func() {
			_ = chromedp.Cancel(ctx)
			cancel()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Logf("browsertest: Chromium did not close within 10s; killing it")
		}
		allocCancel()
	})
	began := time.Now()
	// The first Do starts the browser. It must not carry a timeout, which
	// would end the browser with it, so a hung start is bounded by a timer.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("browsertest: starting %s: %v\noutput:\n%s", bin, err, out)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("browsertest: %s did not start within 30s\noutput:\n%s", bin, out)
	}
	t.Logf("browsertest: started %s in %s", bin, time.Since(began).Round(time.Millisecond))
	return &Browser{ctx: ctx}
}

// Open starts a browser for t and opens one page in it: the usual start of
// a UI test.
func Open(t testing.TB) *Page {
	t.Helper()
	return Start(t).NewPage(t)
}

// NewPage opens a new tab on about:blank for t, which may be a subtest of
// the browser's test. Its console, exceptions and requests are watched
// from the tab's first message, so nothing the page does after a Navigate
// is missed. The tab closes when t ends.
func (b *Browser) NewPage(t testing.TB) *Page {
	t.Helper()
	p := &Page{t: t, timeout: DefaultTimeout, reported: map[string]bool{}}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(p.listen))
	p.ctx = ctx
	t.Cleanup(cancel)
	// The tab opens at this first Do, with no timeout for the same reason as
	// the browser's start; Chromium opens a tab in milliseconds.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	return p
}

// tailBuffer keeps the last max bytes written to it: Chromium's output, to
// show when it fails to start.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if extra := b.buf.Len() - b.max; extra > 0 {
		b.buf.Next(extra)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
