package beanstalk

import (
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The example-answer server: answers written as botocore's examples write
// them (JSON values), encoded to awsQuery XML by the shapes of botocore's
// service model (testdata/service-2.json.gz, testdata/examples-1.json,
// copied from botocore 1.43.11, Apache-2.0), served over real HTTP to the
// real SDK client.

type shape struct {
	Type          string            `json:"type"`
	Members       map[string]member `json:"members"`
	Member        *member           `json:"member"`
	ResultWrapper string            `json:"resultWrapper"`
}

type member struct {
	Shape string `json:"shape"`
}

type operation struct {
	Output *struct {
		Shape         string `json:"shape"`
		ResultWrapper string `json:"resultWrapper"`
	} `json:"output"`
}

type serviceModel struct {
	Operations map[string]operation `json:"operations"`
	Shapes     map[string]shape     `json:"shapes"`
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

// examples are botocore's examples-1.json outputs, by operation.
var examples = sync.OnceValue(func() map[string]any {
	raw, err := os.ReadFile("testdata/examples-1.json")
	if err != nil {
		panic(err)
	}
	var doc struct {
		Examples map[string][]struct {
			Output any `json:"output"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		panic(err)
	}
	out := map[string]any{}
	for op, exs := range doc.Examples {
		if len(exs) > 0 && exs[0].Output != nil {
			out[op] = exs[0].Output
		}
	}
	return out
})

// queryXML is op's awsQuery answer carrying the output value v (a JSON
// value as examples-1.json writes it), encoded by the model's shapes.
// Values of the wrong type, nulls and members the model lacks are written
// anyway, the way a broken server would.
func queryXML(op string, v any, requestID string) []byte {
	m := loadModel()
	var b strings.Builder
	fmt.Fprintf(&b, `<%sResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/">`, op)
	if o := m.Operations[op].Output; o != nil {
		fmt.Fprintf(&b, "<%s>", o.ResultWrapper)
		encodeValue(&b, m, o.Shape, v)
		fmt.Fprintf(&b, "</%s>", o.ResultWrapper)
	}
	fmt.Fprintf(&b, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", requestID, op)
	return []byte(b.String())
}

// queryError is an awsQuery error answer.
func queryError(code, message, requestID string) []byte {
	var b strings.Builder
	b.WriteString(`<ErrorResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><Error><Type>Sender</Type><Code>`)
	xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(message))
	fmt.Fprintf(&b, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", requestID)
	return []byte(b.String())
}

func encodeValue(b *strings.Builder, m *serviceModel, shapeName string, v any) {
	sh := m.Shapes[shapeName]
	switch x := v.(type) {
	case nil:
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(b, "<%s>", k)
			encodeValue(b, m, sh.Members[k].Shape, x[k])
			fmt.Fprintf(b, "</%s>", k)
		}
	case []any:
		elem := ""
		if sh.Member != nil {
			elem = sh.Member.Shape
		}
		for _, e := range x {
			b.WriteString("<member>")
			encodeValue(b, m, elem, e)
			b.WriteString("</member>")
		}
	case string:
		xml.EscapeText(b, []byte(x))
	case float64:
		if x == float64(int64(x)) && sh.Type != "double" {
			fmt.Fprintf(b, "%d", int64(x))
		} else {
			fmt.Fprint(b, x)
		}
	default:
		fmt.Fprint(b, x)
	}
}

// jsonOf parses a JSON literal for an answer.
func jsonOf(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON in a test: %v\n%s", err, s)
	}
	return v
}

// exampleServer answers every operation with botocore's example output
// for it, or with what answer returns for it when that is set (a JSON
// value, or an *apiError). It counts operations and keeps every request's
// form.
type exampleServer struct {
	mu     sync.Mutex
	answer func(op string, form map[string][]string) any
	ops    map[string]int
	forms  []map[string][]string
	seq    int
}

type apiError struct {
	status        int
	code, message string
}

func (s *exampleServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	op := r.PostForm.Get("Action")
	s.mu.Lock()
	if s.ops == nil {
		s.ops = map[string]int{}
	}
	s.ops[op]++
	s.forms = append(s.forms, r.PostForm)
	s.seq++
	rid := fmt.Sprintf("req-%04d", s.seq)
	answer := s.answer
	s.mu.Unlock()
	var v any
	if answer != nil {
		v = answer(op, r.PostForm)
	} else {
		v = examples()[op]
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", rid)
	if e, ok := v.(*apiError); ok {
		w.WriteHeader(e.status)
		_, _ = w.Write(queryError(e.code, e.message, rid))
		return
	}
	_, _ = w.Write(queryXML(op, v, rid))
}

// take returns the operation counts since the last take.
func (s *exampleServer) take() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.ops
	s.ops = map[string]int{}
	return got
}

// lastForm is the form of the last request of op.
func (s *exampleServer) lastForm(op string) map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.forms) - 1; i >= 0; i-- {
		if first(s.forms[i], "Action") == op {
			return s.forms[i]
		}
	}
	return nil
}

func first(form map[string][]string, k string) string {
	if v := form[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// members lists a form's list parameter (Name.member.1, .2 …).
func members(form map[string][]string, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v := first(form, fmt.Sprintf("%s.member.%d", name, i))
		if v == "" {
			return out
		}
		out = append(out, v)
	}
}

func formatOps(ops map[string]int) string {
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, ops[k])
	}
	return strings.Join(parts, " ")
}
