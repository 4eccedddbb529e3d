package push

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestTimeParserAgreesWithTimeParse(t *testing.T) {
	inputs := []string{
		"2026-03-02T10:00:00Z", "2026-03-02T10:00:00.5Z", "2026-03-02T10:00:00.123456789Z",
		"2026-03-02T10:00:00.1234567891Z", "2026-03-02T10:00:00+01:00", "2026-03-02T10:00:00.25-07:30",
		"2024-02-29T23:59:59Z", "2100-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "1999-12-31T23:59:59Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-03-02T24:00:00Z", "2026-03-02T10:60:00Z", "2026-03-02T10:00:60Z",
		"2026-03-02t10:00:00z", "2026-03-02 10:00:00Z", "2026-03-02T10:00:00", "2026-03-02T10:00:00.Z",
		"2026-03-02T10:00:00+1:00", "2026-03-02T10:00:00+24:00", "2026-3-2T10:00:00Z", "2026-03-02T10:00:00ZZ",
		"yesterday", "", "2026-03-02T10:00:0aZ", "-026-03-02T10:00:00Z",
	}
	var p timeParser
	// Twice through, the second time with the parser's minute cache warm
	// from the entry before.
	for range 2 {
		for _, in := range inputs {
			want, err := time.Parse(time.RFC3339Nano, in)
			got, ok := p.parse(in)
			if ok != (err == nil) || ok && !got.Equal(want) {
				t.Errorf("parse(%q) = %v, %v; time.Parse gives %v, %v", in, got, ok, want, err)
			}
			if ok && got.Location() != time.UTC {
				t.Errorf("parse(%q) is in %v, want UTC", in, got.Location())
			}
		}
	}
}

func TestUnixTimeIsExactForDecimals(t *testing.T) {
	tests := []struct {
		text string
		want time.Time
		ok   bool
	}{
		{"1772445600", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), true},
		{"1772445599.999999999", time.Date(2026, 3, 2, 9, 59, 59, 999999999, time.UTC), true},
		{"1772445599.9999999999", time.Date(2026, 3, 2, 9, 59, 59, 999999999, time.UTC), true},
		{"1.7724456e9", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), true},
		{"-1.5", time.Unix(-2, 5e8).UTC(), true},
		{"1e13", time.Time{}, false},
	}
	for _, tt := range tests {
		v, _ := strconv.ParseFloat(tt.text, 64)
		got, ok := unixTime(v, tt.text)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("unixTime(%s) = %v, %v; want %v, %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

func TestScannerReadsStringsAsEncodingJSONDoes(t *testing.T) {
	inputs := []string{
		`""`, `"plain"`, `"exactly8"`, `"sixteen bytes!!!"`, `"a\"b"`, `"a\\b"`, `"\/api\/v1"`, `"\b\f\n\r\t"`,
		`"\u00e9t\u00E9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ude00"`, `"\ud83d\u0041"`, `"\u12"`, `"\x"`,
		`"café"`, `"日本語のテキスト"`, "\"tab\there\"", "\"nl\nhere\"", `"unterminated`, `"ends in escape\`, `no quote`,
		`"long string with many plain bytes before an \"escape\" near its end"`,
	}
	for _, in := range inputs {
		var want string
		wantErr := json.Unmarshal([]byte(in), &want)
		s := scanner{buf: []byte(in)}
		got, err := s.str()
		if (err != nil) != (wantErr != nil) || err == nil && (got != want || s.pos != len(in)) {
			t.Errorf("str(%s) = %q, %v (pos %d); encoding/json gives %q, %v", in, got, err, s.pos, want, wantErr)
		}
	}
	for _, in := range []string{"\"a\xffb\"", "\"\xc3\"", "\"\xed\xa0\x80\""} {
		s := scanner{buf: []byte(in)}
		if _, err := s.str(); err == nil {
			t.Errorf("str(%q) accepted invalid UTF-8", in)
		}
	}
}

func TestScannerReadsNumbersAsParseFloatDoes(t *testing.T) {
	inputs := []string{
		"0", "-0", "7", "42.5", "0.1", "0.30000000000000004", "123456789012345", "1234567890123456789",
		"9007199254740993", "1.5e3", "1E-2", "2.5e+1", "1e400", "-1e400", "1e-400", "0.000001",
		"99999999999999.9", "1772445599.999", "01", "1.", ".5", "-", "1e", "1e+", "+1", "-x",
	}
	for _, in := range inputs {
		s := scanner{buf: []byte(in)}
		got, text, err := s.number()
		valid := json.Valid([]byte(in))
		if (err == nil) != valid {
			t.Errorf("number(%s): error %v, but json.Valid says %v", in, err, valid)
			continue
		}
		if err != nil {
			continue
		}
		want, _ := strconv.ParseFloat(in, 64)
		if got != want || text != in {
			t.Errorf("number(%s) = %v (%q), want %v", in, got, text, want)
		}
	}
}

// TestHandlerAgreesWithReference runs a large realistic batch through the
// handler and through the encoding/json reference: both must count the
// same.
func TestHandlerAgreesWithReference(t *testing.T) {
	x := newHarness(t, Options{})
	x.clock.t = benchStart.Add(time.Minute)
	body := platformEvents(20000, 3)
	a := x.post(t, ndjson, body)
	if a.code != http.StatusOK {
		t.Fatalf("status %d: %s", a.code, a.raw)
	}
	obs, stats, err := refDecode(NewRouter(loadServices(t, platformSpec)), body, x.clock.t)
	if err != nil {
		t.Fatal(err)
	}
	got := x.sink.sums()
	if want := sumsOf(obs); !reflect.DeepEqual(got, want) {
		t.Errorf("handler and reference differ:\n got %v\nwant %v", got, want)
	}
	if a.ok.Counted != stats.Counted || a.ok.Ignored != stats.Ignored || a.ok.Accepted != 20000 {
		t.Errorf("handler said %+v, reference %+v", a.ok, stats)
	}
	if a.ok.Observations > 2000 {
		t.Errorf("%d observations for 20000 events over two minutes: not summed per minute", a.ok.Observations)
	}
}

func sumsOf(obs []slo.Observation) map[string][2]float64 {
	out := map[string][2]float64{}
	for _, o := range obs {
		k := o.Series.String() + " " + o.Time.Format("15:04")
		v := out[k]
		out[k] = [2]float64{v[0] + o.Good, v[1] + o.Valid}
	}
	return out
}

// FuzzHandler feeds the handler arbitrary NDJSON: it must never panic, and
// what it accepts the encoding/json reference must read the same way.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{
		`{"stream":"api","time":"2026-03-02T10:00:10Z","path":"/api/v1/notifications","method":"POST","status":202,"latency_ms":150,"customer":"acme-retail"}`,
		`{"slo":"notification-platform/delivery","good":95,"valid":100,"customer":"initech","time":1772445600.5}`,
		`{"stream":"delivery","status":200,"latency_ms":1200,"labels":{"recipient_ok":"true","channel":"sms"}}`,
		"{\"stream\":\"api\",\"path\":\"\\/api\\/x\\u00e9\",\"labels\":{}}\n\n{\"stream\":\"x\"}\r\n",
		`{"stream":"api","status":99}`,
		`[{"stream":"api"}]`,
	} {
		f.Add([]byte(seed))
	}
	r := NewRouter(loadServices(f, platformSpec))
	f.Fuzz(func(t *testing.T, body []byte) {
		sink := &fakeSink{}
		clock := &fixedClock{monday}
		h := NewHandler(sink, Options{Now: clock.now})
		h.SetRouter(r)
		x := &harness{h: h, sink: sink, clock: clock}
		a := x.post(t, ndjson, body)
		if a.code != http.StatusOK {
			if a.code != http.StatusBadRequest || len(a.bad.Errors) == 0 {
				t.Fatalf("status %d without problems: %s", a.code, a.raw)
			}
			return
		}
		obs, _, err := refDecode(r, body, monday)
		if err != nil {
			t.Fatalf("the handler accepted what the reference refuses: %v", err)
		}
		if got, want := sink.sums(), sumsOf(obs); !reflect.DeepEqual(got, want) {
			t.Fatalf("handler and reference differ:\n got %v\nwant %v", got, want)
		}
	})
}
