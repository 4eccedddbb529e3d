package push

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestHandlerRejectsBadBatchesWhole(t *testing.T) {
	count := `{"slo":"` + deliv + `","good":1,"valid":1}`
	tests := []struct {
		name  string
		ctype string
		body  string
		// first is the first problem as Error writes it; n the number of
		// problems.
		first string
		n     int
		// field and offset are the first problem's, when the test says.
		field  string
		offset int
	}{
		{name: "an unknown field is named", body: `{"stream":"api","latency":5}`,
			first: `item 0 (line 1): field "latency": unknown field`, field: "latency"},
		{name: "an item with both slo and stream is neither shape", body: `{"stream":"api","slo":"` + deliv + `"}`,
			first: `item 0 (line 1): both "slo" and "stream" given: an item is either a count (slo) or an event (stream)`},
		{name: "an item with neither slo nor stream is neither shape", body: `{"time":"2026-03-02T10:00:00Z"}`,
			first: `item 0 (line 1): neither "slo" nor "stream" given: a count names its SLO, an event its stream`},
		{name: "a bad item after good ones is named by index and line, blank lines counted",
			body:  count + "\n\n" + count + "\n" + count + "\n" + `{"slo":"` + deliv + `","good":120,"valid":100}`,
			first: `item 3 (line 5): field "good": 120 is more than valid (100)`, field: "good"},
		{name: "a count without good is refused", body: `{"slo":"` + deliv + `","valid":1}`,
			first: `item 0 (line 1): field "good": missing: a count needs good and valid`},
		{name: "negative counts are refused each", body: `{"slo":"` + deliv + `","good":-1,"valid":-2}`,
			first: `item 0 (line 1): field "good": -1 is negative`, n: 2},
		{name: "a count past 2^53 is refused, since two of them could add up to infinity", body: `{"slo":"` + deliv + `","good":1,"valid":1e308}`,
			first: `item 0 (line 1): field "valid": 1e308 is more than 2^53, the largest count kept exactly`},
		{name: "an infinite count is refused", body: `{"slo":"` + deliv + `","good":1,"valid":1e999}`,
			first: `item 0 (line 1): field "valid": 1e999 is not a finite number`},
		{name: "an unknown SLO is named", body: `{"slo":"nope/x","good":1,"valid":1}`,
			first: `item 0 (line 1): field "slo": unknown SLO "nope/x": give service/slo as the spec names them`},
		{name: "a count given as a string is refused", body: `{"slo":"` + deliv + `","good":"1","valid":1}`,
			first: `item 0 (line 1): field "good": want a number, got a string`},
		{name: "an event's fields are not a count's", body: `{"slo":"` + deliv + `","good":1,"valid":1,"path":"/x","status":200}`,
			first: `item 0 (line 1): field "path": not a field of a count, which has slo, customer, time, good and valid`, n: 2},
		{name: "a count's fields are not an event's", body: `{"stream":"api","good":1}`,
			first: `item 0 (line 1): field "good": not a field of an event, which has stream, time, path, method, status, latency_ms, customer and labels`},
		{name: "a customer id over 256 bytes is refused", body: `{"stream":"api","customer":"` + strings.Repeat("c", 257) + `"}`,
			first: `item 0 (line 1): field "customer": 257 bytes long, more than 256`},
		{name: "an empty stream is refused", body: `{"stream":""}`,
			first: `item 0 (line 1): field "stream": must not be empty`},
		{name: "a status below 100 is refused", body: `{"stream":"api","status":99}`,
			first: `item 0 (line 1): field "status": 99 is not an HTTP status: want an integer from 100 to 599`},
		{name: "a status above 599 is refused", body: `{"stream":"api","status":600}`,
			first: `item 0 (line 1): field "status": 600 is not an HTTP status: want an integer from 100 to 599`},
		{name: "a fractional status is refused", body: `{"stream":"api","status":200.5}`,
			first: `item 0 (line 1): field "status": 200.5 is not an HTTP status: want an integer from 100 to 599`},
		{name: "a status given as a string is refused", body: `{"stream":"api","status":"200"}`,
			first: `item 0 (line 1): field "status": want a number, got a string`},
		{name: "a negative latency is refused", body: `{"stream":"api","latency_ms":-1}`,
			first: `item 0 (line 1): field "latency_ms": -1 is negative`},
		{name: "labels that are not an object are refused", body: `{"stream":"api","labels":["a"]}`,
			first: `item 0 (line 1): field "labels": want an object of strings, got an array`},
		{name: "a label that is not a string is named", body: `{"stream":"api","labels":{"a":1}}`,
			first: `item 0 (line 1): field "labels": label "a": want a string, got a number`},
		{name: "a time that is no time is refused", body: `{"stream":"api","time":"yesterday"}`,
			first: `item 0 (line 1): field "time": "yesterday" is not an RFC 3339 time (2006-01-02T15:04:05Z) nor unix seconds`},
		{name: "a date that does not exist is refused", body: `{"stream":"api","time":"2026-02-30T00:00:00Z"}`,
			first: `item 0 (line 1): field "time": "2026-02-30T00:00:00Z" is not an RFC 3339 time (2006-01-02T15:04:05Z) nor unix seconds`},
		{name: "a boolean time is refused", body: `{"stream":"api","time":true}`,
			first: `item 0 (line 1): field "time": want an RFC 3339 string or unix seconds, got a boolean`},
		{name: "a field given twice is refused", body: `{"stream":"api","status":200,"status":201}`,
			first: `item 0 (line 1): field "status": given more than once`},
		{name: "malformed JSON is placed by line and byte", body: count + "\n" + `{"stream":"api",}`,
			first: `item 1 (line 2): invalid JSON at byte 76: unexpected '}', want a string`, offset: 76},
		{name: "two items on one NDJSON line are refused", body: `{"stream":"api"} {"stream":"api"}`,
			first: `item 0 (line 1): invalid JSON at byte 17: unexpected '{' after the item: NDJSON has one item per line`, offset: 17},
		{name: "an unterminated string names its field", body: `{"stream":"api`,
			first: `item 0 (line 1): field "stream": invalid JSON at byte 14: unterminated string`, field: "stream", offset: 14},
		{name: "invalid UTF-8 is refused", body: "{\"stream\":\"a\xffb\"}",
			first: `item 0 (line 1): field "stream": invalid JSON at byte 11: string is not valid UTF-8`},
		{name: "malformed lines do not hide later problems", body: "{\n" + `{"stream":"api","x":1}`, n: 2,
			first: `item 0 (line 1): invalid JSON at byte 1: unexpected end of input, want a string`},
		{name: "an NDJSON item must be an object", body: `[{"stream":"api"}]`,
			first: `item 0 (line 1): the item is an array, want an object`},
		{name: "a JSON body that is one item is refused", ctype: "application/json", body: `{"stream":"api"}`,
			first: `body (line 1): the body is a single item: send an array of items, or {"items": [...]}`},
		{name: "a JSON array item must be an object", ctype: "application/json", body: `[1, {"stream":"api"}]`,
			first: `item 0 (line 1): the item is a number, want an object`},
		{name: "a JSON array item is placed by the line it starts on", ctype: "application/json",
			body:  "[\n{\"stream\":\"api\"},\n{\"stream\":\"api\",\"x\":1}\n]",
			first: `item 1 (line 3): field "x": unknown field`},
		{name: "a missing comma in a JSON array stops the reading", ctype: "application/json", body: `[{"stream":"api"} {"stream":"api"}]`,
			first: `item 0 (line 1): invalid JSON at byte 18: unexpected '{', want ',' or ']'`},
		{name: "an empty JSON body is refused", ctype: "application/json", body: "",
			first: `body (line 1): the body is empty: send an array of items`},
		{name: "data after the JSON array is refused", ctype: "application/json", body: "[] x",
			first: `body (line 1): invalid JSON at byte 3: unexpected 'x' after the batch`},
		{name: "items that are not an array are refused", ctype: "application/json", body: `{"items":3}`,
			first: `body (line 1): "items" is a number, want an array of items`},
		{name: "an unknown field of the batch object is refused", ctype: "application/json", body: `{"itemz":[]}`,
			first: `body (line 1): field "itemz": unknown field of the batch, which has only "items"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, Options{})
			ct := tt.ctype
			if ct == "" {
				ct = ndjson
			}
			a := x.post(t, ct, []byte(tt.body))
			if a.code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", a.code, a.raw)
			}
			if len(x.sink.Batches()) != 0 {
				t.Fatalf("the sink got %d batches of a refused request", len(x.sink.Batches()))
			}
			if len(a.bad.Errors) == 0 {
				t.Fatalf("no problems listed: %s", a.raw)
			}
			first := a.bad.Errors[0]
			if got := first.Error(); got != tt.first {
				t.Errorf("first problem\n got %s\nwant %s", got, tt.first)
			}
			n := max(tt.n, 1)
			if len(a.bad.Errors) != n {
				t.Errorf("%d problems, want %d: %+v", len(a.bad.Errors), n, a.bad.Errors)
			}
			if !strings.Contains(a.bad.Error, tt.first) {
				t.Errorf("error %q does not hold the first problem", a.bad.Error)
			}
			if tt.field != "" && first.Field != tt.field {
				t.Errorf("field %q, want %q", first.Field, tt.field)
			}
			if tt.offset != 0 && (first.Offset == nil || *first.Offset != tt.offset) {
				t.Errorf("offset %v, want %d", first.Offset, tt.offset)
			}
		})
	}
}

func TestHandlerRejectsTimesOutsideTheLimits(t *testing.T) {
	at := func(s string) string { return `{"slo":"` + deliv + `","good":1,"valid":1,"time":` + s + `}` }
	tests := []struct {
		name, item string
		ok         bool
		first      string
	}{
		{name: "a time exactly MaxFuture ahead is accepted", item: at(`"2026-03-02T10:05:30Z"`), ok: true},
		{name: "a time a nanosecond past MaxFuture is refused", item: at(`"2026-03-02T10:05:30.000000001Z"`),
			first: `item 0 (line 1): field "time": "2026-03-02T10:05:30.000000001Z" is more than 5m ahead of the server's clock (2026-03-02T10:00:30Z)`},
		{name: "a time in milliseconds gets a hint", item: at(`1772445600000`),
			first: `item 0 (line 1): field "time": 1772445600000 (58136-07-25T16:00:00Z) is more than 5m ahead of the server's clock (2026-03-02T10:00:30Z); times are unix seconds and this looks like milliseconds`},
		{name: "a time exactly MaxAge old is accepted", item: at(`"2026-02-02T10:00:30Z"`), ok: true},
		{name: "a time past MaxAge is refused", item: at(`"2026-02-02T10:00:29Z"`),
			first: `item 0 (line 1): field "time": "2026-02-02T10:00:29Z" is older than 28d, past retention`},
		{name: "a unix time past MaxAge shows the time it means", item: at(`1000`),
			first: `item 0 (line 1): field "time": 1000 (1970-01-01T00:16:40Z) is older than 28d, past retention`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, Options{MaxAge: 28 * 24 * 60 * 60 * 1e9})
			a := x.post(t, ndjson, []byte(tt.item))
			if tt.ok {
				if a.code != http.StatusOK {
					t.Fatalf("status %d: %s", a.code, a.raw)
				}
				return
			}
			if a.code != http.StatusBadRequest || len(a.bad.Errors) != 1 {
				t.Fatalf("status %d, want 400 with one problem: %s", a.code, a.raw)
			}
			if got := a.bad.Errors[0].Error(); got != tt.first {
				t.Errorf("got  %s\nwant %s", got, tt.first)
			}
		})
	}
}

func TestHandlerListsAtMostMaxErrors(t *testing.T) {
	x := newHarness(t, Options{MaxErrors: 3})
	var b strings.Builder
	for i := range 10 {
		fmt.Fprintf(&b, `{"stream":"api","status":%d}`+"\n", 700+i)
	}
	a := x.post(t, ndjson, []byte(b.String()))
	if a.code != http.StatusBadRequest || len(a.bad.Errors) != 3 {
		t.Fatalf("status %d with %d problems, want 400 with 3: %s", a.code, len(a.bad.Errors), a.raw)
	}
	want := `batch rejected, nothing written: 10 problems in a batch of 10 items; the first: item 0 (line 1): field "status": 700 is not an HTTP status: want an integer from 100 to 599`
	if a.bad.Error != want {
		t.Errorf("error\n got %s\nwant %s", a.bad.Error, want)
	}
	if last := a.bad.Errors[2]; last.Item != 2 || last.Line != 3 || last.Field != "status" {
		t.Errorf("third problem %+v, want item 2, line 3, field status", last)
	}
}

func TestHandlerRefusesCustomersOfSLOsNotMeasuredPerCustomer(t *testing.T) {
	x := newHarness(t, Options{})
	x.h.SetRouter(NewRouter(parseServices(t, `apiVersion: slo/v1
service: shop
slos:
  - name: checkout
    objective: 99
    window: 30d
    sli:
      events:
        stream: shop
`)))
	a := x.post(t, ndjson, []byte(`{"slo":"shop/checkout","customer":"acme","good":1,"valid":1}`))
	if a.code != http.StatusBadRequest || len(a.bad.Errors) != 1 {
		t.Fatalf("status %d, want 400 with one problem: %s", a.code, a.raw)
	}
	if got, want := a.bad.Errors[0].Error(), `item 0 (line 1): field "customer": SLO "shop/checkout" is not measured per customer`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
