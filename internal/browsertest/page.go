package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Page is one browser tab. Its methods end the test with a clear message
// when a step fails or a wait runs out: what was attempted, the page's URL,
// the errors seen so far, and a screenshot of the moment.
type Page struct {
	t       testing.TB
	ctx     context.Context
	timeout time.Duration

	mu       sync.Mutex
	origin   string           // scheme://host:port of the page's document
	errs     []string         // console errors, exceptions and failed requests
	allowed  []*regexp.Regexp // errors that match are expected, not recorded
	reported map[string]bool  // network request ids already in errs
}

// SetTimeout changes how long each later wait of p may take.
func (p *Page) SetTimeout(d time.Duration) { p.timeout = d }

// SetHeader sends the header with every later request of the page, such as
// Authorization for pages behind a token.
func (p *Page) SetHeader(name, value string) {
	p.t.Helper()
	_, err := chromedp.Call(p.ctx, network.SetExtraHTTPHeaders,
		network.SetExtraHTTPHeadersParams{Headers: network.Headers{name: value}})
	p.must("setting header "+name, err)
}

// Navigate loads rawURL and waits until it has loaded and the element of
// visible (a CSS selector) shows.
func (p *Page) Navigate(rawURL, visible string) {
	p.t.Helper()
	if u, err := url.Parse(rawURL); err == nil {
		p.mu.Lock()
		p.origin = u.Scheme + "://" + u.Host
		p.mu.Unlock()
	}
	p.do("loading "+rawURL, chromedp.Navigate(rawURL))
	p.WaitVisible(visible)
}

// WaitVisible waits until the element of the CSS selector is visible.
func (p *Page) WaitVisible(sel string) {
	p.t.Helper()
	p.do("waiting for "+sel+" to be visible", chromedp.WaitVisible(chromedp.CSS(sel)))
}

// Text returns the visible text of the first element of the selector,
// waiting until one exists.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	s, err := run(p, chromedp.Text(chromedp.CSS(sel)))
	p.must("reading the text of "+sel, err)
	return strings.TrimSpace(s)
}

// Eval evaluates the JavaScript expression, awaiting it when it is a
// promise, and decodes its JSON value into out; a nil out ignores it.
func (p *Page) Eval(js string, out any) {
	p.t.Helper()
	raw, err := run(p, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	p.must("evaluating "+js, err)
	if out != nil {
		p.must("decoding the value of "+js, json.Unmarshal(raw, out))
	}
}

// Click clicks the first element of the selector once it is visible.
func (p *Page) Click(sel string) {
	p.t.Helper()
	p.do("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// SetValue sets the value of the form field of the selector, as a user's
// typing or choice would, and fires its input and change events so the
// page's handlers run.
func (p *Page) SetValue(sel, value string) {
	p.t.Helper()
	p.WaitVisible(sel)
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		el.value = %s;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
	})()`, quote(sel), quote(value))
	_, err := run(p, chromedp.Evaluate[chromedp.Void](js))
	p.must("setting the value of "+sel, err)
}

// WaitFor polls the JavaScript expression until it is truthy, for up to
// timeout (the page's timeout when 0).
func (p *Page) WaitFor(cond string, timeout time.Duration) {
	p.t.Helper()
	if timeout <= 0 {
		timeout = p.timeout
	}
	ctx, cancel := context.WithTimeout(p.ctx, timeout+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	p.must(fmt.Sprintf("waiting %s for %s", timeout, cond), err)
}

// URL returns the page's current address.
func (p *Page) URL() string {
	p.t.Helper()
	u, err := run(p, chromedp.Location())
	p.must("reading the location", err)
	return u
}

// Screenshot writes a PNG of the whole page to name.png in the test's
// artifact directory (kept with go test -artifacts), logs its path and
// returns it.
func (p *Page) Screenshot(name string) string {
	p.t.Helper()
	path, err := p.screenshot(name)
	p.must("taking screenshot "+name, err)
	p.t.Logf("browsertest: screenshot %s", path)
	return path
}

func (p *Page) screenshot(name string) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG, not JPEG
	if err != nil {
		return "", err
	}
	path := filepath.Join(p.t.ArtifactDir(), fileName(name)+".png")
	return path, os.WriteFile(path, png, 0o644)
}

// run runs one action under the page's timeout.
func run[T any](p *Page, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %s", p.timeout)
	}
	return v, err
}

func (p *Page) do(what string, a chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	_, err := run(p, a)
	p.must(what, err)
}

// must ends the test when err is set, saying what failed and where the page
// was, with the errors so far and a screenshot named after the failure.
func (p *Page) must(what string, err error) {
	p.t.Helper()
	if err == nil {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	where, lerr := chromedp.Run(ctx, chromedp.Location())
	cancel()
	if lerr != nil {
		where = "unknown (" + lerr.Error() + ")"
	}
	shot, serr := p.screenshot("failed " + what)
	if serr != nil {
		shot = "none (" + serr.Error() + ")"
	}
	p.t.Fatalf("browsertest: %s: %v\npage: %s\nscreenshot: %s\n%s", what, err, where, shot, p.errorList())
}

// quote makes s a JavaScript string literal.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName turns a step's description into a short, safe file name.
func fileName(s string) string {
	s = strings.Trim(unsafeName.ReplaceAllString(s, "-"), "-.")
	if len(s) > 80 {
		s = s[:80]
	}
	if s == "" {
		s = "page"
	}
	return s
}
