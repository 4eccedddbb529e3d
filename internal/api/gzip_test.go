package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func fetch(t testing.TB, url, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	// Without DisableCompression the client would ask for gzip itself and
	// hide the encoding from the test.
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestReadAnswersAreGzippedForClientsThatAcceptIt(t *testing.T) {
	ts, _, _ := newTestServer(t, Tokens{})
	plainResp, plain := fetch(t, ts.URL+"/api/v1/slos", "")
	if plainResp.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(plain, []byte("{")) {
		t.Fatalf("without Accept-Encoding: encoding %q, body %.40q", plainResp.Header.Get("Content-Encoding"), plain)
	}
	resp, zipped := fetch(t, ts.URL+"/api/v1/slos", "br, gzip;q=0.8")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("with gzip accepted: headers %v", resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unzipped, plain) {
		t.Errorf("the gzipped answer differs from the plain one:\n%s\n%s", unzipped, plain)
	}
	if resp, _ := fetch(t, ts.URL+"/api/v1/slos", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got %q", resp.Header.Get("Content-Encoding"))
	}
}

func TestAcceptEncodingIsReadAsListed(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "deflate, gzip": true, "gzip;q=0": false, "gzip; q=0.000": false,
		"gzip;q=0.5": true, "br": false, "x-gzip": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestAnAnswerWithoutABodyIsNotMarkedGzip(t *testing.T) {
	h := gzipped(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotModified) }))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Header().Get("Content-Encoding") != "" || rec.Body.Len() != 0 {
		t.Errorf("304: code %d, encoding %q, %d body bytes", rec.Code, rec.Header().Get("Content-Encoding"), rec.Body.Len())
	}
}
