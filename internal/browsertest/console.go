package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Allow makes errors that match the regular expression expected: they are
// not recorded, so AssertNoErrors passes with them. Use it for a failure a
// test provokes on purpose, such as a 401 without a token.
func (p *Page) Allow(pattern string) {
	p.t.Helper()
	re, err := regexp.Compile(pattern)
	if err != nil {
		p.t.Fatalf("browsertest: Allow(%q): %v", pattern, err)
	}
	p.mu.Lock()
	p.allowed = append(p.allowed, re)
	p.mu.Unlock()
}

// Errors returns what went wrong on the page so far, in order: console.error
// and failed console.assert calls, uncaught exceptions and promise
// rejections, requests to the page's own origin answered with status 400
// or more, and error entries of the browser's log.
func (p *Page) Errors() []string {
	// A round trip first: the browser sends the events a script caused
	// before the answer to a later command, so they are all recorded.
	ctx, cancel := context.WithTimeout(p.ctx, time.Second)
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void]("0"))
	cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// AssertNoErrors fails t, listing them, when the page had any errors that
// Allow did not expect.
func (p *Page) AssertNoErrors(t testing.TB) {
	t.Helper()
	if errs := p.Errors(); len(errs) > 0 {
		t.Errorf("browsertest: the page had %d errors:\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
}

// errorList is the page's errors as the end of a failure message.
func (p *Page) errorList() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.errs) == 0 {
		return "no page errors so far"
	}
	return "page errors so far:\n  " + strings.Join(p.errs, "\n  ")
}

// listen records the events that are errors. The tab's reader goroutine
// calls it, so it only formats and appends under the lock.
func (p *Page) listen(ev any) {
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			p.record("", "console.%s: %s%s", e.Type, argsText(e.Args), stackPlace(e.StackTrace))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		if d == nil {
			return
		}
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + firstLine(d.Exception.Description)
		} else if d.Exception != nil {
			text += " " + argsText([]*runtime.RemoteObject{d.Exception})
		}
		p.record("", "exception: %s (%s:%d:%d)", text, d.URL, d.LineNumber+1, d.ColumnNumber+1)
	case *network.EventResponseReceived:
		r := e.Response
		if r != nil && r.Status >= 400 && sameOrigin(r.URL, p.pageOrigin()) && !isFavicon(r.URL) {
			p.record(string(e.RequestID), "HTTP %d %s: %s (%s)", r.Status, r.StatusText, r.URL, e.Type)
		}
	case *log.EventEntryAdded:
		if en := e.Entry; en != nil && en.Level == log.EntryLevelError && !isFavicon(en.URL) {
			p.record(string(en.NetworkRequestID), "log (%s): %s %s", en.Source, en.Text, en.URL)
		}
	case *page.EventFrameNavigated:
		// Links and redirects change the document; its origin is the page's.
		if f := e.Frame; f != nil && f.ParentID == "" && f.SecurityOrigin != "" && f.SecurityOrigin != "null" {
			p.mu.Lock()
			p.origin = f.SecurityOrigin
			p.mu.Unlock()
		}
	}
}

// record appends an error unless an Allow pattern matches it. A request
// that both the network and the browser's log report (as a 404 is) counts
// once: request is its id, "" for errors of no request.
func (p *Page) record(request, format string, args ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, args...))
	p.mu.Lock()
	defer p.mu.Unlock()
	if request != "" {
		if p.reported[request] {
			return
		}
		p.reported[request] = true
	}
	for _, re := range p.allowed {
		if re.MatchString(msg) {
			return
		}
	}
	p.errs = append(p.errs, msg)
}

// isFavicon reports whether rawURL is a site's /favicon.ico, which the
// browser asks for by itself for every page that names no icon: that 404
// is no fault of the page.
func isFavicon(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Path == "/favicon.ico"
}

func (p *Page) pageOrigin() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.origin
}

// sameOrigin reports whether rawURL is at origin (scheme://host:port).
func sameOrigin(rawURL, origin string) bool {
	return origin != "" && (rawURL == origin || strings.HasPrefix(rawURL, origin+"/") || strings.HasPrefix(rawURL, origin+"?"))
}

// argsText joins a console call's arguments as the console shows them:
// strings as they are, other values by their description.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		switch {
		case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil:
		case a.Description != "":
			s = a.Description
		case a.UnserializableValue != "":
			s = string(a.UnserializableValue)
		default:
			s = string(a.Value)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// stackPlace is " (url:line)" of the top of the stack, "" when unknown.
func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" (%s:%d)", f.URL, f.LineNumber+1)
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
