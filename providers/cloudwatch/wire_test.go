package cloudwatch

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
)

// botocore's CloudWatch model (testdata/service-2.json.gz, copied from
// botocore 1.43.11, Apache-2.0): the requests the Go SDK sends are held
// to its member names and types, and answers are built from its shapes.
// Its examples-1.json has no GetMetricData example (its examples are
// empty), so the answers here are written by hand, in the shape of the
// API reference's.

type modelShape struct {
	Type     string                 `json:"type"`
	Members  map[string]modelMember `json:"members"`
	Member   *modelMember           `json:"member"`
	Required []string               `json:"required"`
	Enum     []string               `json:"enum"`
}

type modelMember struct {
	Shape string `json:"shape"`
}

type serviceModel struct {
	Metadata struct {
		TargetPrefix string   `json:"targetPrefix"`
		Protocols    []string `json:"protocols"`
	} `json:"metadata"`
	Operations map[string]struct {
		Input, Output modelMember
	} `json:"operations"`
	Shapes map[string]modelShape `json:"shapes"`
}

var loadModel = sync.OnceValue(func() *serviceModel {
	f, err := os.Open("testdata/service-2.json.gz")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		panic(err)
	}
	var m serviceModel
	if err := json.NewDecoder(z).Decode(&m); err != nil {
		panic(err)
	}
	return &m
})

// conform lists where v departs from shape: members the model does not
// have, required members missing, values of another type, enum values
// the model does not list.
func conform(m *serviceModel, shape, at string, v cbor.Value) []string {
	sh, ok := m.Shapes[shape]
	if !ok {
		return []string{at + ": no shape " + shape}
	}
	bad := func(format string, a ...any) []string { return []string{at + ": " + fmt.Sprintf(format, a...)} }
	switch sh.Type {
	case "structure":
		mv, ok := v.(cbor.Map)
		if !ok {
			return bad("want a map, got %T", v)
		}
		var out []string
		for _, r := range sh.Required {
			if _, ok := mv[r]; !ok {
				out = append(out, at+": required "+r+" missing")
			}
		}
		for k, x := range mv {
			mem, ok := sh.Members[k]
			if !ok {
				out = append(out, at+": "+k+" is not a member of "+shape)
				continue
			}
			out = append(out, conform(m, mem.Shape, at+"."+k, x)...)
		}
		return out
	case "list":
		lv, ok := v.(cbor.List)
		if !ok {
			return bad("want a list, got %T", v)
		}
		var out []string
		for i, x := range lv {
			out = append(out, conform(m, sh.Member.Shape, fmt.Sprintf("%s[%d]", at, i), x)...)
		}
		return out
	case "timestamp":
		if tag, ok := v.(*cbor.Tag); !ok || tag.ID != 1 {
			return bad("want tag 1, got %#v", v)
		}
	case "integer", "long":
		if _, ok := v.(cbor.Uint); !ok {
			if _, ok := v.(cbor.NegInt); !ok {
				return bad("want an integer, got %T", v)
			}
		}
	case "string":
		s, ok := v.(cbor.String)
		if !ok {
			return bad("want a string, got %T", v)
		}
		if len(sh.Enum) > 0 && !slices.Contains(sh.Enum, string(s)) {
			return bad("%q is not one of %v", s, sh.Enum)
		}
	case "boolean":
		if _, ok := v.(cbor.Bool); !ok {
			return bad("want a boolean, got %T", v)
		}
	case "double":
		switch v.(type) {
		case cbor.Float64, cbor.Float32:
		default:
			return bad("want a float, got %T", v)
		}
	}
	return nil
}

// TestRequestsFollowTheModel: the poll's request, as the Go SDK sends it,
// uses only the model's member names and types, every required member,
// on the path and headers of rpcv2Cbor for the model's service; the sim's
// answer to it does as well.
func TestRequestsFollowTheModel(t *testing.T) {
	m := loadModel()
	if !slices.Contains(m.Metadata.Protocols, "smithy-rpc-v2-cbor") {
		t.Fatalf("the model offers %v", m.Metadata.Protocols)
	}
	pt := cloudwatch.NewStandalone(func() time.Time { return simT0 })
	pt.Locked(func() {
		pt.SetTraffic(split(2, cloudwatch.Healthy))
		pt.Publish(lbARN, stableARN)
		pt.Publish(lbARN, canaryARN)
	})
	var got []*http.Request
	var bodies, answers [][]byte
	inner := pt.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, b)
		r.Body = io.NopCloser(bytes.NewReader(b))
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		answers = append(answers, rec.Body.Bytes())
		for k, v := range rec.Header() {
			rw.Header()[k] = v
		}
		rw.WriteHeader(rec.Code)
		rw.Write(rec.Body.Bytes())
	}))
	defer srv.Close()
	if _, _, err := newTestClient(srv.URL).Sides(context.Background(), lbARN, stableARN, canaryARN, Window, simT0); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	r := got[0]
	if want := "/service/" + m.Metadata.TargetPrefix + "/operation/GetMetricData"; r.URL.Path != want || r.Method != http.MethodPost {
		t.Errorf("%s %s, want POST %s", r.Method, r.URL.Path, want)
	}
	if r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" || r.Header.Get("Content-Type") != "application/cbor" {
		t.Errorf("headers %v", r.Header)
	}
	v, err := cbor.Decode(bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the poll's request: %d bytes of CBOR", len(bodies[0]))
	if problems := conform(m, m.Operations["GetMetricData"].Input.Shape, "GetMetricDataInput", v); len(problems) > 0 {
		t.Errorf("the request departs from botocore's model:\n%s", strings.Join(problems, "\n"))
	}
	if qs := v.(cbor.Map)["MetricDataQueries"].(cbor.List); len(qs) != 8 {
		t.Errorf("%d queries, want 8 (4 a side)", len(qs))
	}
	// And the sim's answer to it follows the model's output shape.
	a, err := cbor.Decode(answers[0])
	if err != nil {
		t.Fatal(err)
	}
	if problems := conform(m, m.Operations["GetMetricData"].Output.Shape, "GetMetricDataOutput", a); len(problems) > 0 {
		t.Errorf("the sim's answer departs from botocore's model:\n%s", strings.Join(problems, "\n"))
	}
	if rs := a.(cbor.Map)["MetricDataResults"].(cbor.List); len(rs) != 8 || len(rs[0].(cbor.Map)["Values"].(cbor.List)) != 15 {
		t.Errorf("the answer: %v", a)
	}
}

// toCBOR encodes a JSON value (as an answer is written) by the model's
// shapes: timestamps as tag 1 (from epoch seconds or RFC 3339), doubles as
// floats, integers as integers. A value of another type than its shape's
// is written as it is, as a broken server would.
func toCBOR(m *serviceModel, shape string, v any) cbor.Value {
	sh := m.Shapes[shape]
	switch x := v.(type) {
	case nil:
		return &cbor.Nil{}
	case map[string]any:
		out := cbor.Map{}
		for k, e := range x {
			out[k] = toCBOR(m, sh.Members[k].Shape, e)
		}
		return out
	case []any:
		out := cbor.List{}
		elem := ""
		if sh.Member != nil {
			elem = sh.Member.Shape
		}
		for _, e := range x {
			out = append(out, toCBOR(m, elem, e))
		}
		return out
	case string:
		if sh.Type == "timestamp" {
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.Unix()))}
			}
		}
		return cbor.String(x)
	case float64:
		switch {
		case sh.Type == "timestamp":
			return &cbor.Tag{ID: 1, Value: cbor.Uint(uint64(x))}
		case sh.Type == "double":
			return cbor.Float64(x)
		case x >= 0 && x == math.Trunc(x):
			return cbor.Uint(uint64(x))
		}
		return cbor.Float64(x)
	case bool:
		return cbor.Bool(x)
	}
	panic(fmt.Sprintf("toCBOR: %T", v))
}

// cannedAnswer serves one JSON answer, encoded by the model, to every call.
func cannedAnswer(t *testing.T, answer string) *Client {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(answer), &doc); err != nil {
		t.Fatal(err)
	}
	m := loadModel()
	body := cbor.Encode(toCBOR(m, m.Operations["GetMetricData"].Output.Shape, doc))
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/cbor")
		rw.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		rw.Write(body)
	}))
	t.Cleanup(srv.Close)
	return newTestClient(srv.URL)
}

// result is one MetricDataResult written as JSON.
func result(id, status, extra string, minutes ...int) string {
	var ts, vs []string
	for _, m := range minutes {
		ts = append(ts, fmt.Sprint(simT0.Truncate(time.Minute).Add(time.Duration(m-15)*time.Minute).Unix()))
		vs = append(vs, fmt.Sprint(10*m+1))
	}
	return fmt.Sprintf(`{"Id":%q,"Label":"RequestCount","StatusCode":%q,"Timestamps":[%s],"Values":[%s]%s}`,
		id, status, strings.Join(ts, ","), strings.Join(vs, ","), extra)
}

// answerOf is a whole answer: every query Complete with the given
// minutes, but for the replaced results.
func answerOf(replace map[string]string, minutes ...int) string {
	var rs []string
	for _, side := range []string{"s", "c"} {
		for _, q := range questions {
			id := side + "_" + q.id
			r, ok := replace[id]
			if !ok {
				r = result(id, "Complete", "", minutes...)
			}
			rs = append(rs, r)
		}
	}
	return `{"MetricDataResults":[` + strings.Join(rs, ",") + `],"Messages":[]}`
}

// TestAnswersBuiltFromTheModel: answers the model allows, odd ones
// included (integers where doubles are, nulls, members it lacks, an
// unknown StatusCode, timestamps outside the window or twice), are read
// by the SDK and mapped without a panic; anything but Complete is said.
func TestAnswersBuiltFromTheModel(t *testing.T) {
	panics := providers.RecoveredPanics()
	for _, tc := range []struct {
		name, answer string
		check        func(t *testing.T, reqs int64, err error)
	}{
		{"plain", answerOf(nil, 0, 1, 14), func(t *testing.T, reqs int64, err error) {
			if err != nil || reqs != 1+11+141 {
				t.Errorf("%d requests, %v", reqs, err)
			}
		}},
		{"nulls and strangers", answerOf(map[string]string{
			"c_req": result("c_req", "Complete", `,"Messages":null,"Unmodelled":{"x":[1,2]}`, 3),
			"c_err": `{"Id":"c_err","StatusCode":"Complete","Timestamps":null,"Values":null,"Label":null}`,
		}, 2), func(t *testing.T, reqs int64, err error) {
			if err != nil || reqs != 31 {
				t.Errorf("%d requests, %v", reqs, err)
			}
		}},
		{"outside the window, twice, more values than times", answerOf(map[string]string{
			"c_req": `{"Id":"c_req","StatusCode":"Complete","Timestamps":[1,"2030-01-01T00:00:00Z"],"Values":[5,6,7]}`,
		}, 4, 4), func(t *testing.T, reqs int64, err error) {
			if err != nil || reqs != 0 {
				t.Errorf("%d requests, %v", reqs, err)
			}
		}},
		{"unknown status", answerOf(map[string]string{"s_p99": result("s_p99", "Frobnicated", "", 1)}, 1),
			func(t *testing.T, _ int64, err error) {
				if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "stable p99: Frobnicated") {
					t.Errorf("%v", err)
				}
			}},
		{"no status", answerOf(map[string]string{"c_err": `{"Id":"c_err","Timestamps":[],"Values":[]}`}),
			func(t *testing.T, _ int64, err error) {
				if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "canary err: no StatusCode") {
					t.Errorf("%v", err)
				}
			}},
		{"a result left out", `{"MetricDataResults":[]}`, func(t *testing.T, _ int64, err error) {
			if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "no result") {
				t.Errorf("%v", err)
			}
		}},
		{"partial with a message", answerOf(map[string]string{
			"c_req": result("c_req", "PartialData", `,"Messages":[{"Code":"MaxDatapointsExceeded","Value":"try again"}]`, 1),
		}, 1), func(t *testing.T, _ int64, err error) {
			if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "MaxDatapointsExceeded try again") {
				t.Errorf("%v", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, canary, err := cannedAnswer(t, tc.answer).Sides(context.Background(), lbARN, stableARN, canaryARN, Window, simT0)
			tc.check(t, canary.Requests, err)
			if len(canary.RequestSeries) != 15 && err == nil {
				t.Errorf("series %v", canary.RequestSeries)
			}
		})
	}
	if providers.RecoveredPanics() != panics {
		t.Error("mapping panicked")
	}
}

// TestIntegersWhereDoublesAre: CBOR lets a server write 3 for 3.0; the
// SDK reads an integer datapoint as a double and the counts are the same.
func TestIntegersWhereDoublesAre(t *testing.T) {
	seed := simAnswer(t)
	read := func(body []byte) (int64, int64, error) {
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { rw.Write(body) }))
		defer srv.Close()
		s, c, err := newTestClient(srv.URL).Sides(context.Background(), lbARN, stableARN, canaryARN, Window, simT0)
		return s.Requests, c.Requests, err
	}
	v, err := cbor.Decode(seed)
	if err != nil {
		t.Fatal(err)
	}
	s1, c1, err1 := read(seed)
	s2, c2, err2 := read(cbor.Encode(withIntegers(v)))
	if err1 != nil || err2 != nil || s1 != s2 || c1 != c2 || c1 == 0 {
		t.Errorf("floats: %d %d %v; integers: %d %d %v", s1, c1, err1, s2, c2, err2)
	}
}
