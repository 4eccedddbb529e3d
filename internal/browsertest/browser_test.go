package browsertest

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pages are the small sites the tests load, by path.
var pages = map[string]string{
	"/clean": `<!doctype html><title>clean</title>
<h1 id="title">Error budget</h1>
<p id="out">waiting</p>
<button id="go" onclick="document.getElementById('out').textContent = 'clicked'">Go</button>
<input id="target" oninput="document.getElementById('echo').textContent = 'input ' + this.value"
       onchange="document.getElementById('echo').textContent += ' change'">
<p id="echo"></p>
<div id="late"></div>
<div style="height: 2500px"></div>
<script>setTimeout(() => document.getElementById('late').textContent = 'later', 200)</script>`,

	"/broken": `<!doctype html><title>broken</title>
<p id="ok">loaded</p>
<script>console.error("budget is", 42); console.assert(1 === 2, "one is two");</script>
<script>throw new Error("boom in the page")</script>
<script>Promise.reject(new Error("promise nobody caught"))</script>`,

	"/fetch404": `<!doctype html><title>fetch</title>
<p id="status">pending</p>
<script>fetch("/missing.json").then(r => document.getElementById("status").textContent = "got " + r.status)</script>`,

	"/whoami": `<!doctype html><title>whoami</title><p id="auth">AUTH</p>`,
}

// serve starts the test site on 127.0.0.1. /whoami shows the request's
// Authorization header; other unknown paths are 404s.
func serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body = strings.Replace(body, "AUTH", "auth="+r.Header.Get("Authorization"), 1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCleanPage(t *testing.T) {
	srv := serve(t)
	p := Open(t)

	began := time.Now()
	p.Navigate(srv.URL+"/clean", "#title")
	t.Logf("loaded /clean in %s", time.Since(began).Round(time.Millisecond))

	if got := p.Text("#title"); got != "Error budget" {
		t.Errorf("text of #title = %q, want %q", got, "Error budget")
	}
	p.Click("#go")
	if got := p.Text("#out"); got != "clicked" {
		t.Errorf("after the click #out = %q, want %q", got, "clicked")
	}
	p.SetValue("#target", "99.9")
	if got := p.Text("#echo"); got != "input 99.9 change" {
		t.Errorf("after SetValue #echo = %q, want the input and change handlers' text", got)
	}
	p.WaitFor(`document.getElementById("late").textContent === "later"`, 5*time.Second)
	var n int
	p.Eval(`document.querySelectorAll("p").length`, &n)
	if n != 2 {
		t.Errorf("Eval counted %d paragraphs, want 2", n)
	}
	if got := p.URL(); got != srv.URL+"/clean" {
		t.Errorf("URL() = %q, want %q", got, srv.URL+"/clean")
	}

	path := p.Screenshot("clean page")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", path, err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != windowWidth || h < 2500 {
		t.Errorf("screenshot is %dx%d pixels, want the window's width %d and the page's full height, over 2500", w, h, windowWidth)
	}
	p.AssertNoErrors(t)
}

func TestConsoleErrorsAndExceptionsAreCollected(t *testing.T) {
	srv := serve(t)
	p := Open(t)
	p.Navigate(srv.URL+"/broken", "#ok")

	got := strings.Join(p.Errors(), "\n")
	for _, want := range []string{"console.error: budget is 42", "console.assert: one is two", "boom in the page", "promise nobody caught"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q; got:\n%s", want, got)
		}
	}
}

func TestFailedRequestIsReportedOnce(t *testing.T) {
	srv := serve(t)
	p := Open(t)
	p.Navigate(srv.URL+"/fetch404", "#status")
	p.WaitFor(`document.getElementById("status").textContent === "got 404"`, 0)

	errs := p.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0], "404") || !strings.Contains(errs[0], "/missing.json") {
		t.Errorf("errors = %q, want one naming the 404 of /missing.json", errs)
	}
}

func TestAllowedErrorsAreNotRecorded(t *testing.T) {
	srv := serve(t)
	p := Open(t)
	p.Allow(`/missing\.json`)
	p.Navigate(srv.URL+"/fetch404", "#status")
	p.WaitFor(`document.getElementById("status").textContent === "got 404"`, 0)
	p.AssertNoErrors(t)
}

func TestHeaderIsSentWithEveryRequest(t *testing.T) {
	srv := serve(t)
	p := Open(t)
	p.SetHeader("Authorization", "Bearer s3cret")
	p.Navigate(srv.URL+"/whoami", "#auth")
	if got := p.Text("#auth"); got != "auth=Bearer s3cret" {
		t.Errorf("the server saw %q, want the header set on the page", got)
	}
}

// fatalRecorder stands for a test whose Fatalf is recorded: it stops the
// goroutine as a real Fatalf does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestTimedOutWaitSaysWhatWhereAndTakesAScreenshot(t *testing.T) {
	srv := serve(t)
	p := Open(t)
	p.Navigate(srv.URL+"/broken", "#ok")

	rec := &fatalRecorder{TB: t}
	p.t = rec
	p.SetTimeout(300 * time.Millisecond)
	done := make(chan struct{})
	go func() { defer close(done); p.WaitVisible("#never-there") }()
	<-done

	for _, want := range []string{"waiting for #never-there to be visible: timed out after 300ms", "page: " + srv.URL + "/broken", "boom in the page", "screenshot: "} {
		if !strings.Contains(rec.msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, rec.msg)
		}
	}
	_, shot, _ := strings.Cut(rec.msg, "screenshot: ")
	shot, _, _ = strings.Cut(shot, "\n")
	if _, err := os.Stat(shot); err != nil {
		t.Errorf("the failure's screenshot: %v", err)
	}
}

func TestTimedOutConditionSaysWhichOne(t *testing.T) {
	srv := serve(t)
	p := Open(t)
	p.Navigate(srv.URL+"/clean", "#title")

	rec := &fatalRecorder{TB: t}
	p.t = rec
	done := make(chan struct{})
	go func() { defer close(done); p.WaitFor(`window.never === true`, 200*time.Millisecond) }()
	<-done
	if !strings.Contains(rec.msg, "waiting 200ms for window.never === true") {
		t.Errorf("failure message does not name the condition:\n%s", rec.msg)
	}
}
