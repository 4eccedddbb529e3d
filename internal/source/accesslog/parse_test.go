package accesslog

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// sli is an SLI whose filters test the labels named, and latency when
// latency is set.
func sli(customer string, latency bool, labels ...string) *slo.EventSLI {
	s := &slo.EventSLI{CustomerField: customer}
	if len(labels) > 0 {
		s.Valid.Labels = map[string]string{}
		for _, l := range labels {
			s.Valid.Labels[l] = "x"
		}
	}
	if latency {
		s.Good.LatencyBelow = time.Second
	}
	return s
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParsingGoodLines(t *testing.T) {
	tests := []struct {
		name   string
		format string
		sli    *slo.EventSLI
		line   string
		want   slo.Event
	}{
		{
			name: "an nginx combined line with $request_time gives seconds, the path without its query, and the zone applied",
			sli:  sli("remote_user", true, "user_agent"),
			line: `203.0.113.9 - alice [24/Nov/2026:10:00:05 +0100] "GET /api/v1/items?page=2 HTTP/1.1" 200 512 "https://example.com/" "curl/8.5.0" 0.125`,
			want: slo.Event{Time: at("2026-11-24T09:00:05Z"), Method: "GET", Path: "/api/v1/items", Status: 200,
				Latency: 125 * time.Millisecond, Customer: "alice", Labels: map[string]string{"user_agent": "curl/8.5.0"}},
		},
		{
			name: "an Apache line with %D gives microseconds",
			line: `10.0.0.1 - - [01/Dec/2026:23:59:59 -0000] "POST /send HTTP/2.0" 503 0 "-" "Mozilla/5.0 (X11; Linux x86_64)" 250000`,
			want: slo.Event{Time: at("2026-12-01T23:59:59Z"), Method: "POST", Path: "/send", Status: 503, Latency: 250 * time.Millisecond},
		},
		{
			name: "a common-format line has no referer, agent or request time",
			sli:  sli("", false, "referer"),
			line: `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "GET / HTTP/1.0" 404 -`,
			want: slo.Event{Time: at("2026-12-01T12:00:00Z"), Method: "GET", Path: "/", Status: 404},
		},
		{
			name: "extra quoted fields are skipped, and rt= names the request time",
			line: `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "agent" "198.51.100.7, 10.0.0.2" rt=0.042 uct="0.000"`,
			want: slo.Event{Time: at("2026-12-01T12:00:00Z"), Method: "GET", Path: "/a", Status: 200, Latency: 42 * time.Millisecond},
		},
		{
			name: "a request time with a unit is read as written",
			line: `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "agent" 1.5s`,
			want: slo.Event{Time: at("2026-12-01T12:00:00Z"), Method: "GET", Path: "/a", Status: 200, Latency: 1500 * time.Millisecond},
		},
		{
			name: "escaped quotes stay inside their field",
			sli:  sli("", false, "user_agent"),
			line: `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "GET /q\"x HTTP/1.1" 200 1 "-" "say \"hi\"" 0.001`,
			want: slo.Event{Time: at("2026-12-01T12:00:00Z"), Method: "GET", Path: `/q\"x`, Status: 200, Latency: time.Millisecond,
				Labels: map[string]string{"user_agent": `say \"hi\"`}},
		},
		{
			name: "a request that is not one (a TLS hello on a plain port) is still a request answered 400",
			line: `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "\x16\x03\x01" 400 157 "-" "-"`,
			want: slo.Event{Time: at("2026-12-01T12:00:00Z"), Method: `\x16\x03\x01`, Status: 400},
		},
		{
			name: "a dash for the user is no customer",
			sli:  sli("remote_user", false),
			line: `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "-" 408 0 "-" "-"`,
			want: slo.Event{Time: at("2026-12-01T12:00:00Z"), Status: 408},
		},
		{
			name:   "a JSON line with push's field names, labels from other fields and from a labels object",
			format: JSON,
			sli:    sli("customer", true, "region", "tier"),
			line:   `{"time":"2026-11-24T10:00:05.250Z","method":"POST","path":"/api/v1/send?x=1","status":502,"latency_ms":12.5,"customer":"acme","region":"eu","labels":{"tier":"gold"},"other":"no"}`,
			want: slo.Event{Time: at("2026-11-24T10:00:05.25Z"), Method: "POST", Path: "/api/v1/send", Status: 502,
				Latency: 12500 * time.Microsecond, Customer: "acme", Labels: map[string]string{"region": "eu", "tier": "gold"}},
		},
		{
			name:   "an nginx escape=json line: request line, string status and request_time in seconds, time_local's form",
			format: JSON,
			line:   `{"time":"24/Nov/2026:10:00:05 +0000","remote_addr":"10.0.0.1","request":"GET /a?b HTTP/1.1","status":"200","request_time":"0.005"}`,
			want:   slo.Event{Time: at("2026-11-24T10:00:05Z"), Method: "GET", Path: "/a", Status: 200, Latency: 5 * time.Millisecond},
		},
		{
			name:   "unix seconds with a fraction, and a duration with its unit",
			format: JSON,
			line:   `{"ts":1795521605.5,"status":201,"duration":"250ms","uri":"/x"}`,
			want:   slo.Event{Time: time.Unix(1795521605, 5e8).UTC(), Path: "/x", Status: 201, Latency: 250 * time.Millisecond},
		},
		{
			name:   "unix milliseconds, and a latency number in seconds",
			format: JSON,
			line:   `{"timestamp":1795521605250,"status":200,"latency":0.75}`,
			want:   slo.Event{Time: time.UnixMilli(1795521605250).UTC(), Status: 200, Latency: 750 * time.Millisecond},
		},
		{
			name:   "escapes are decoded and a numeric customer is its text",
			format: JSON,
			sli:    sli("account", false),
			line:   `{"time":"2026-11-24T10:00:05+01:00","status":200,"path":"\/caf\u00e9\ud83d\ude00","account":42}`,
			want:   slo.Event{Time: at("2026-11-24T09:00:05Z"), Path: "/café😀", Status: 200, Customer: "42"},
		},
		{
			name:   "the preferred field wins whatever the order, and nested values are skipped",
			format: JSON,
			line:   `{"url":"/late","nested":{"a":[1,{"b":null}],"c":"d"},"path":"/early","status_code":204,"status":200,"time":"2026-11-24T10:00:05Z","tags":["x"]}`,
			want:   slo.Event{Time: at("2026-11-24T10:00:05Z"), Path: "/early", Status: 200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.format == "" {
				tt.format = Combined
			}
			if tt.sli == nil {
				tt.sli = sli("", false)
			}
			p, err := NewParser(tt.format, tt.sli)
			if err != nil {
				t.Fatal(err)
			}
			var got slo.Event
			if err := p.Parse([]byte(tt.line), &got); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParsingBadLines(t *testing.T) {
	const good = `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "agent"`
	tests := []struct {
		name, format string
		latency      bool
		line, want   string
	}{
		{"a line that is not the format", Combined, false, `hello world`, "then [time]"},
		{"a time without its bracket", Combined, false, `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000 "GET / HTTP/1.1" 200 1`, "no closing ]"},
		{"an impossible time", Combined, false, `10.0.0.1 - - [01/Dec/2026:25:00:00 +0000] "GET / HTTP/1.1" 200 1`, "time: want"},
		{"a request without its closing quote", Combined, false, `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "GET / HTTP/1.1 200 1`, "request"},
		{"a status that is not one", Combined, false, `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "GET / HTTP/1.1" 999 1`, `status "999"`},
		{"a line cut after the status", Combined, false, `10.0.0.1 - - [01/Dec/2026:12:00:00 +0000] "GET / HTTP/1.1" 200`, "no bytes field"},
		{"a request time that is not one", Combined, false, good + ` example.com`, `request time "example.com"`},
		{"a missing request time where latency is tested", Combined, true, good, "no request time"},
		{"an array, not an object", JSON, false, `[1,2]`, "want an object"},
		{"text after the object", JSON, false, `{"time":"2026-11-24T10:00:05Z","status":200} x`, "more after"},
		{"a line cut inside a string", JSON, false, `{"time":"2026-11-24T10:00:05Z","status":200,"path":"/a`, "no closing quote"},
		{"no time", JSON, false, `{"status":200}`, "no time"},
		{"no status", JSON, false, `{"time":"2026-11-24T10:00:05Z"}`, "no status"},
		{"a status in words", JSON, false, `{"time":"2026-11-24T10:00:05Z","status":"OK"}`, `status "OK"`},
		{"a time in an unknown form", JSON, false, `{"time":"yesterday","status":200}`, `time "yesterday"`},
		{"a negative latency", JSON, false, `{"time":"2026-11-24T10:00:05Z","status":200,"latency_ms":-1}`, "latency_ms"},
		{"a missing latency where latency is tested", JSON, true, `{"time":"2026-11-24T10:00:05Z","status":200}`, "no latency"},
		{"a raw control character", JSON, false, "{\"time\":\"2026-11-24T10:00:05Z\",\"status\":200,\"path\":\"/a\tb\"}", "control character"},
		{"an unknown escape", JSON, false, `{"time":"2026-11-24T10:00:05Z","status":200,"path":"\q"}`, "unknown escape"},
		{"a missing colon", JSON, false, `{"time" "2026-11-24T10:00:05Z"}`, "want ':'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewParser(tt.format, sli("", tt.latency))
			if err != nil {
				t.Fatal(err)
			}
			var e slo.Event
			err = p.Parse([]byte(tt.line), &e)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) = %v, want an error with %q", tt.line, err, tt.want)
			}
		})
	}
}

func TestACombinedSLIMayNameOnlyTheFieldsACombinedLineHas(t *testing.T) {
	if _, err := NewParser(Combined, sli("customer", false)); err == nil || !strings.Contains(err.Error(), `customer_field "customer"`) {
		t.Errorf("customer_field customer: %v", err)
	}
	if _, err := NewParser(Combined, sli("", false, "region")); err == nil || !strings.Contains(err.Error(), `label "region"`) {
		t.Errorf("label region: %v", err)
	}
	if _, err := NewParser(JSON, sli("customer", false, "region")); err != nil {
		t.Errorf("a JSON line may have any field: %v", err)
	}
}

func TestRequestTimeForms(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0.125": 125 * time.Millisecond, "12.000": 12 * time.Second, "125000": 125 * time.Millisecond,
		"0": 0, "125ms": 125 * time.Millisecond, "250us": 250 * time.Microsecond, "250µs": 250 * time.Microsecond,
		"1e-3": 0, // no point: not seconds; not an integer: refused below
	} {
		d, ok, err := requestTime(in)
		if in == "1e-3" {
			if err == nil {
				t.Errorf("%q: want an error", in)
			}
			continue
		}
		if err != nil || !ok || d != want {
			t.Errorf("requestTime(%q) = %v, %v, %v; want %v", in, d, ok, err, want)
		}
	}
	if _, ok, err := requestTime("-"); ok || err != nil {
		t.Errorf(`"-" is no request time, got ok=%v err=%v`, ok, err)
	}
}
