package circleci

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// specPath is the in-repo copy of CircleCI's API v2 description (a subset of
// the official document); CI runs on a clean clone, so tests read this one.
const specPath = "../../sim/specs/circleci-v2-subset.openapi.json"

// apiSpec is the parsed spec with the operations indexed for matching
// requests against it.
type apiSpec struct {
	doc map[string]any
	ops []specOp
}

type specOp struct {
	method, template, id string
	re                   *regexp.Regexp
	query                map[string]bool
	op                   map[string]any
}

var (
	specOnce sync.Once
	specVal  *apiSpec
	specErr  error
)

func loadSpec(t testing.TB) *apiSpec {
	t.Helper()
	specOnce.Do(func() {
		b, err := os.ReadFile(specPath)
		if err != nil {
			specErr = err
			return
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			specErr = err
			return
		}
		s := &apiSpec{doc: doc}
		for tmpl, item := range doc["paths"].(map[string]any) {
			for method, raw := range item.(map[string]any) {
				op, ok := raw.(map[string]any)
				if !ok {
					continue
				}
				so := specOp{method: strings.ToUpper(method), template: tmpl, op: op, query: map[string]bool{}}
				so.id, _ = op["operationId"].(string)
				pattern := regexp.QuoteMeta(tmpl)
				params, _ := op["parameters"].([]any)
				for _, p := range params {
					pm := p.(map[string]any)
					name := pm["name"].(string)
					switch pm["in"] {
					case "query":
						so.query[name] = true
					case "path":
						seg := `[^/]+`
						if r, _ := pm["allowReserved"].(bool); r {
							seg = `.+`
						}
						pattern = strings.Replace(pattern, regexp.QuoteMeta("{"+name+"}"), seg, 1)
					}
				}
				so.re = regexp.MustCompile("^/api/v2" + pattern + "$")
				s.ops = append(s.ops, so)
			}
		}
		// Literal paths before templated ones: /project/x/pipeline must not
		// match /project/{slug}/pipeline/{number} by accident.
		sort.Slice(s.ops, func(i, j int) bool {
			return strings.Count(s.ops[i].template, "{") < strings.Count(s.ops[j].template, "{")
		})
		specVal = s
	})
	if specErr != nil {
		t.Fatalf("reading %s: %v", specPath, specErr)
	}
	return specVal
}

// match finds the operation a request is, or "" when the spec has none.
// Query parameters must be ones the spec names; page-token is allowed on
// every list (the 2023 spec omits it on listWorkflowJobs, the API takes it).
func (s *apiSpec) match(r *http.Request) (string, bool) {
	for _, op := range s.ops {
		if op.method != r.Method || !op.re.MatchString(r.URL.EscapedPath()) {
			continue
		}
		for k := range r.URL.Query() {
			if !op.query[k] && k != "page-token" {
				return op.id, false
			}
		}
		return op.id, true
	}
	return "", false
}

// operation returns the operation with the given operationId.
func (s *apiSpec) operation(t testing.TB, id string) map[string]any {
	t.Helper()
	for _, op := range s.ops {
		if op.id == id {
			return op.op
		}
	}
	t.Fatalf("spec has no operation %s", id)
	return nil
}

// example builds the JSON body the spec documents for one response of an
// operation: a media type's example or first examples entry when present,
// else an object assembled from the schema, property by property, from
// each property's own example; properties without one get a plain value of
// their type (the first enum value, a fixed uuid or date-time).
func (s *apiSpec) example(t testing.TB, id, status string) map[string]any {
	t.Helper()
	resp, ok := s.operation(t, id)["responses"].(map[string]any)[status].(map[string]any)
	if !ok {
		t.Fatalf("%s has no %s response", id, status)
	}
	media := resp["content"].(map[string]any)["application/json"].(map[string]any)
	if ex, ok := media["example"]; ok {
		return clone(ex).(map[string]any)
	}
	if exs, ok := media["examples"].(map[string]any); ok {
		for _, ex := range exs {
			return clone(ex.(map[string]any)["value"]).(map[string]any)
		}
	}
	return fromSchema(media["schema"].(map[string]any)).(map[string]any)
}

const (
	fillUUID = "00000000-0000-4000-8000-000000000001"
	fillTime = "2026-11-21T09:58:00Z"
)

func fromSchema(sc map[string]any) any {
	if ex, ok := sc["example"]; ok {
		return clone(ex)
	}
	if enum, ok := sc["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	switch sc["type"] {
	case "object":
		out := map[string]any{}
		props, _ := sc["properties"].(map[string]any)
		for name, p := range props {
			out[name] = fromSchema(p.(map[string]any))
		}
		return out
	case "array":
		items, _ := sc["items"].(map[string]any)
		if items == nil {
			return []any{}
		}
		return []any{fromSchema(items)}
	case "integer", "number":
		return 1
	case "boolean":
		return false
	case "string":
		switch sc["format"] {
		case "uuid":
			return fillUUID
		case "date-time":
			return fillTime
		}
		return "x"
	}
	return nil
}

// clone deep-copies decoded JSON so a test may change its fixture.
func clone(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
