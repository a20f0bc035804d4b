package awsproto

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestDecodeJSON: outside bodies of any shape give a client error or the
// input, never a panic, and members the input does not declare are named.
func TestDecodeJSON(t *testing.T) {
	type inner struct {
		Tags []string `json:"tags"`
	}
	type input struct {
		inner
		Cluster string `json:"cluster"`
		Skip    string `json:"-"`
	}
	for _, c := range []struct {
		body    string
		code    string
		unknown []string
	}{
		{"", "", nil},
		{"  {}  ", "", nil},
		{`{"cluster":"c1","tags":["a"],"extra":1}`, "", []string{"extra"}},
		{"null", "SerializationException", nil},
		{"[]", "SerializationException", nil},
		{`{"cluster":1}`, "SerializationException", nil},
		{`{"cluster":`, "SerializationException", nil},
		{"\x00\xff", "SerializationException", nil},
	} {
		var in input
		unknown, e := DecodeJSON([]byte(c.body), &in)
		if code := errCode(e); code != c.code || !slices.Equal(unknown, c.unknown) {
			t.Errorf("%q: %q %v, want %q %v", c.body, code, unknown, c.code, c.unknown)
		}
	}
}

func errCode(e *Error) string {
	if e == nil {
		return ""
	}
	return e.Code
}

// TestErrorsCarryTheRequestID: an awsQuery error repeats the id the
// answer's header carries, which is where the SDK looks first.
func TestErrorsCarryTheRequestID(t *testing.T) {
	rec := httptest.NewRecorder()
	SetRequestID(rec.Header(), "req-1")
	WriteQueryError(rec, "", 400, "Sender", "InvalidAction", "no")
	if rec.Code != 400 || RequestID(rec) != "req-1" || !slices.Contains(rec.Header()["x-amzn-RequestId"], "req-1") ||
		!strings.Contains(rec.Body.String(), "<RequestId>req-1</RequestId>") {
		t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	rec = httptest.NewRecorder()
	WriteJSONError(rec, NewError(400, "ThrottlingException", "Rate exceeded"))
	if rec.Header().Get("X-Amzn-ErrorType") != "ThrottlingException" || rec.Header().Get("Content-Type") != JSONContentType {
		t.Fatalf("%v", rec.Header())
	}
}
