// Package oddanswers helps the providers' tests feed odd but plausible API
// answers to the real clients and mappings: variants of a real JSON answer
// with a null, a value of the wrong type or an unknown enum value in one
// place, and an in-memory transport that serves an http.Handler and keeps
// what it answered (to capture real answers from the simulator).
package oddanswers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Unknown is the enum value no API sends.
const Unknown = "frobnicated"

// Variants returns copies of a JSON document, its arrays cut to their
// first two elements, with one change each, for every place in it (the
// elements of an array count once, by the first): the value made null;
// made a value of the wrong type (a string where a number is, a number
// where a string is, an object where an array is…); a string made Unknown
// or empty; an array given a null first element. At most limit variants
// (0: all), spread over the document. A document that is not JSON has
// none.
func Variants(doc []byte, limit int) [][]byte {
	root, err := decode(doc)
	if err != nil {
		return nil
	}
	root = cut(root)
	doc = encode(root)
	type edit struct {
		path   []any
		change any
	}
	var edits []edit
	walk(root, nil, func(p []any) {
		for _, c := range changes(at(root, p)) {
			edits = append(edits, edit{slices.Clone(p), c})
		}
	})
	if limit > 0 && len(edits) > limit {
		// Spread over the document: every part keeps a chance.
		step := float64(len(edits)) / float64(limit)
		thin := make([]edit, 0, limit)
		for i := range limit {
			thin = append(thin, edits[int(float64(i)*step)])
		}
		edits = thin
	}
	var out [][]byte
	seen := map[string]bool{string(doc): true}
	for _, e := range edits {
		v, _ := decode(doc) // a fresh copy to change
		b := encode(set(v, e.path, e.change))
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	return out
}

// cut cuts every array below v to its first two elements.
func cut(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = cut(e)
		}
	case []any:
		x = x[:min(len(x), 2)]
		for i, e := range x {
			x[i] = cut(e)
		}
		return x
	}
	return v
}

// Edit returns a copy of a JSON document with the value at a dotted path
// ("workflow_runs.0.status": a key, an array index, a key) set to v (a key
// may be new), or the error that the path names no place in it.
func Edit(doc []byte, path string, v any) ([]byte, error) {
	root, err := decode(doc)
	if err != nil {
		return nil, err
	}
	var steps []any
	cur := root
	parts := strings.Split(path, ".")
	for n, s := range parts {
		switch x := cur.(type) {
		case map[string]any:
			if _, ok := x[s]; !ok && n < len(parts)-1 {
				return nil, fmt.Errorf("%s: no %q", path, s)
			}
			steps, cur = append(steps, s), x[s]
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%s: no element %q", path, s)
			}
			steps, cur = append(steps, i), x[i]
		default:
			return nil, fmt.Errorf("%s: nothing below %q", path, s)
		}
	}
	return encode(set(root, steps, v)), nil
}

// Change is one odd place to put in an answer of a kind: the value at a
// dotted path (see Edit); an empty path replaces the whole answer.
type Change struct {
	Kind, Path string
	Value      any
}

// At is the change of the value at path in the answer of kind.
func At(kind, path string, v any) Change { return Change{kind, path, v} }

// Apply makes changes to answers, by kind, and fails tb on a change whose
// path names no place in its answer.
func Apply(tb testing.TB, answers map[string][]byte, changes ...Change) {
	tb.Helper()
	for _, c := range changes {
		b, err := json.Marshal(c.Value)
		if c.Path != "" {
			b, err = Edit(answers[c.Kind], c.Path, c.Value)
		}
		if err != nil {
			tb.Fatalf("%s %s: %v", c.Kind, c.Path, err)
		}
		answers[c.Kind] = b
	}
}

// Case is one odd-shape test: changes to real answers, and the error the
// read must make (a part of its text; "" for none) or, without one, a
// check of what it reads.
type Case[S any] struct {
	Name    string
	Changes []Change
	Err     string
	Check   func(t *testing.T, got S)
}

// RunCases runs each case as a subtest: read reads a copy of base's
// answers with the case's changes made, and returns what it read and the
// text of its error.
func RunCases[S any](t *testing.T, base func(testing.TB) map[string][]byte, cases []Case[S], read func(t *testing.T, answers map[string][]byte) (S, string)) {
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			answers := base(t)
			Apply(t, answers, tc.Changes...)
			got, errText := read(t, answers)
			switch {
			case tc.Err != "" && !strings.Contains(errText, tc.Err):
				t.Errorf("error %q, want one saying %q", errText, tc.Err)
			case tc.Err == "" && errText != "":
				t.Errorf("error %q", errText)
			case tc.Check != nil:
				tc.Check(t, got)
			}
		})
	}
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func encode(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// walk calls visit with the path of every value below v (v's own path
// included), keys as strings and array elements as index 0.
func walk(v any, path []any, visit func([]any)) {
	visit(path)
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walk(x[k], append(path, k), visit)
		}
	case []any:
		if len(x) > 0 {
			walk(x[0], append(path, 0), visit)
		}
	}
}

func at(v any, path []any) any {
	for _, step := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[step.(string)]
		case []any:
			v = x[step.(int)]
		}
	}
	return v
}

// set replaces the value at path, or the whole document for an empty path.
func set(root any, path []any, v any) any {
	if len(path) == 0 {
		return v
	}
	parent := at(root, path[:len(path)-1])
	switch x := parent.(type) {
	case map[string]any:
		x[path[len(path)-1].(string)] = v
	case []any:
		x[path[len(path)-1].(int)] = v
	}
	return root
}

// changes lists what a value may be replaced with.
func changes(v any) []any {
	out := []any{nil}
	switch x := v.(type) {
	case string:
		out = append(out, json.Number("12345"), Unknown)
		if x != "" {
			out = append(out, "")
		}
	case json.Number:
		out = append(out, "12345", json.Number("-1"), json.Number("1e300"))
	case bool:
		out = append(out, "true")
	case map[string]any:
		out = append(out, Unknown, []any{})
	case []any:
		out = append(out, map[string]any{}, Unknown, append([]any{nil}, x...))
	}
	return out
}

// Exchange is one request and its answer, as a Recorder served them.
type Exchange struct {
	Method, Path string
	Header       http.Header // of the request
	ReqBody      []byte
	Status       int
	Body         []byte
}

// Recorder is an http.RoundTripper that serves a handler in memory and
// keeps every exchange.
type Recorder struct {
	Handler http.Handler

	mu        sync.Mutex
	exchanges []Exchange
}

// RoundTrip serves r with the handler.
func (rec *Recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	var reqBody []byte
	if r.Body != nil {
		reqBody, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp := Serve(rec.Handler, r)
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	rec.exchanges = append(rec.exchanges, Exchange{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(),
		ReqBody: reqBody, Status: resp.StatusCode, Body: body})
	rec.mu.Unlock()
	return resp, nil
}

// Exchanges are the exchanges so far, in order.
func (rec *Recorder) Exchanges() []Exchange {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.exchanges)
}

// Bodies sorts the distinct bodies of the 2xx answers by kind; kind
// returns "" for exchanges to leave out. The bodies of a kind are in byte
// order: the order of the exchanges depends on how concurrent requests
// were scheduled, and seeds should not.
func (rec *Recorder) Bodies(kind func(Exchange) string) map[string][][]byte {
	out := map[string][][]byte{}
	seen := map[string]bool{}
	for _, x := range rec.Exchanges() {
		k := kind(x)
		if k == "" || x.Status < 200 || x.Status > 299 || seen[string(x.Body)] {
			continue
		}
		seen[string(x.Body)] = true
		out[k] = append(out[k], x.Body)
	}
	for _, bodies := range out {
		slices.SortFunc(bodies, bytes.Compare)
	}
	return out
}

// Seeds is what a fuzzer of one kind of answer starts from: up to four
// real answers, the spec's examples, and up to n Variants of the first
// real answer.
func Seeds(real, examples [][]byte, n int) [][]byte {
	out := slices.Concat(real[:min(4, len(real))], examples)
	if len(real) > 0 {
		out = append(out, Variants(real[0], n)...)
	}
	return out
}

// Serve answers r with h in memory, as a client would receive it.
func Serve(h http.Handler, r *http.Request) *http.Response {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	resp := w.Result()
	resp.Request = r
	return resp
}

// Transport is an http.RoundTripper that serves a handler in memory.
type Transport struct{ Handler http.Handler }

// RoundTrip serves r with the handler.
func (t Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	return Serve(t.Handler, r), nil
}
