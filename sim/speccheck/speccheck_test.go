package speccheck

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// A small spec with the features the checker must handle.
const testSpec = `{
  "openapi": "3.0.0",
  "info": {"title": "t", "version": "1"},
  "servers": [{"url": "https://example.com/api/v9"}],
  "paths": {
    "/project/{slug}/thing": {
      "get": {
        "operationId": "listThings",
        "parameters": [
          {"in": "path", "name": "slug", "required": true, "allowReserved": true, "schema": {"type": "string"}},
          {"in": "query", "name": "page-token", "schema": {"type": "string"}}
        ],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
          "type": "object", "required": ["items", "next"],
          "properties": {
            "items": {"type": "array", "items": {"type": "object", "required": ["id", "at", "state"], "properties": {
              "id": {"type": "string", "format": "uuid"},
              "at": {"type": "string", "format": "date-time", "x-nullable": true},
              "state": {"type": "string", "enum": ["on", "off"]}
            }}},
            "next": {"type": "string", "x-nullable": true}
          }}}}},
          "default": {"description": "error", "content": {"application/json": {"schema": {"type": "object", "properties": {"message": {"type": "string"}}}}}}
        }
      }
    },
    "/project/{slug}/thing/mine": {
      "get": {"operationId": "myThings", "parameters": [{"in": "path", "name": "slug", "required": true, "allowReserved": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}}}
    },
    "/thing/{id}": {
      "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"type": "string", "format": "uuid"}}],
      "post": {
        "operationId": "poke",
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
          "force": {"type": "boolean"},
          "jobs": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
        }}}}},
        "responses": {"202": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}}}
      }
    }
  }
}`

const id = "5034460f-c7c4-4c43-9457-de07e2029e7b"

func load(t *testing.T) *Spec {
	t.Helper()
	s, err := Load("test", []byte(testSpec), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func req(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func TestRequests(t *testing.T) {
	s := load(t)
	for _, c := range []struct {
		name, method, target, body string
		op                         string // "" = matches no operation
		problem                    string // "" = clean; else a substring of one problem
	}{
		{"slug with slashes", "GET", "/api/v9/project/gh/acme/api/thing", "", "listThings", ""},
		{"slug escaped", "GET", "/api/v9/project/gh%2Facme%2Fapi/thing?page-token=abc", "", "listThings", ""},
		{"literal beats parameter", "GET", "/api/v9/project/gh/acme/api/thing/mine", "", "myThings", ""},
		{"undeclared query", "GET", "/api/v9/project/gh/acme/api/thing?page_token=abc", "", "listThings", `query parameter "page_token" is not declared`},
		{"empty slug segment", "GET", "/api/v9/project//thing", "", "", "no path in the spec matches"},
		{"outside the base path", "GET", "/api/v2/project/gh/acme/api/thing", "", "", "outside the spec's base path"},
		{"unknown path", "GET", "/api/v9/nothing", "", "", "no path in the spec matches /nothing"},
		{"method not in spec", "DELETE", "/api/v9/thing/" + id, "", "", "the spec allows only POST"},
		{"path parameter format", "POST", "/api/v9/thing/42", "", "poke", `parameter "id" in path`},
		{"body ok", "POST", "/api/v9/thing/" + id, `{"force":true,"jobs":[{"name":"a"}]}`, "poke", ""},
		{"no body is fine", "POST", "/api/v9/thing/" + id, "", "poke", ""},
		{"body wrong type", "POST", "/api/v9/thing/" + id, `{"force":"yes"}`, "poke", "request body"},
		{"body undeclared member", "POST", "/api/v9/thing/" + id, `{"forse":true}`, "poke", "request body member /forse is not declared"},
		{"nested undeclared member", "POST", "/api/v9/thing/" + id, `{"jobs":[{"nmae":"a"}]}`, "poke", "request body member /jobs/0/nmae"},
		{"body not JSON", "POST", "/api/v9/thing/" + id, `{`, "poke", "request body"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := req(c.method, c.target, c.body)
			op, problems := s.CheckRequest(r, []byte(c.body))
			if op.ID() != c.op {
				t.Errorf("operation %q, want %q", op.ID(), c.op)
			}
			joined := strings.Join(problems, "\n")
			if (c.problem == "") != (len(problems) == 0) || !strings.Contains(joined, c.problem) {
				t.Errorf("problems %q, want %q", problems, c.problem)
			}
		})
	}
}

func TestResponses(t *testing.T) {
	s := load(t)
	op, problems := s.CheckRequest(req("GET", "/api/v9/project/gh/acme/api/thing", ""), nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	json := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	item := func(fields string) string { return `{"items":[{` + fields + `}],"next":null}` }
	for _, c := range []struct {
		name    string
		status  int
		header  http.Header
		body    string
		problem string
	}{
		{"clean", 200, json, item(`"id":"` + id + `","at":"2026-11-21T10:00:00.000Z","state":"on"`), ""},
		{"x-nullable is nullable", 200, json, item(`"id":"` + id + `","at":null,"state":"off"`), ""},
		{"extra members are fine", 200, json, item(`"id":"` + id + `","at":null,"state":"off","more":1`), ""},
		{"missing required", 200, json, `{"items":[]}`, `property "next" is missing`},
		{"null where not nullable", 200, json, `{"items":null,"next":null}`, "not nullable"},
		{"bad uuid", 200, json, item(`"id":"abc","at":null,"state":"on"`), "uuid"},
		{"bad date-time", 200, json, item(`"id":"` + id + `","at":"21/11/2026","state":"on"`), "date-time"},
		{"enum", 200, json, item(`"id":"` + id + `","at":null,"state":"maybe"`), "state"},
		{"error by default", 404, json, `{"message":"Not found."}`, ""},
		{"error of the wrong shape", 500, json, `{"message":5}`, "message"},
		{"not JSON", 200, http.Header{"Content-Type": {"text/plain"}}, "hello", "text/plain"},
	} {
		t.Run(c.name, func(t *testing.T) {
			problems := op.CheckResponse(c.status, c.header, []byte(c.body))
			joined := strings.Join(problems, "\n")
			if (c.problem == "") != (len(problems) == 0) || !strings.Contains(joined, c.problem) {
				t.Errorf("problems %q, want %q", problems, c.problem)
			}
		})
	}
	// A status the operation does not document, and no default, is a violation.
	pop, _ := s.CheckRequest(req("POST", "/api/v9/thing/"+id, ""), nil)
	if p := pop.CheckResponse(404, json, []byte(`{}`)); len(p) == 0 {
		t.Error("undocumented status accepted")
	}
}

type fakeTB struct{ errors []string }

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func TestLogHandler(t *testing.T) {
	s := load(t)
	log := NewLog()
	srv := httptest.NewServer(log.Handler(s, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		if r.Method == "POST" {
			rw.WriteHeader(202)
			rw.Write([]byte(`{"msg":"typo"}`))
			return
		}
		rw.Write([]byte(`{"items":[],"next":null}`))
	})))
	defer srv.Close()
	for _, target := range []string{"/api/v9/project/gh/acme/api/thing", "/api/v9/thing/" + id} {
		method := "GET"
		if strings.HasPrefix(target, "/api/v9/thing/") {
			method = "POST"
		}
		r, _ := http.NewRequest(method, srv.URL+target, strings.NewReader(`{"force":true}`))
		r.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if reqs, resps := log.Checked("test"); reqs != 2 || resps != 2 {
		t.Fatalf("checked %d, %d", reqs, resps)
	}
	vs := log.Violations()
	if len(vs) != 1 || !vs[0].Response || vs[0].Status != 202 || vs[0].Operation != "poke" || !strings.Contains(vs[0].String(), `property "message" is missing`) {
		t.Fatalf("violations %v", vs)
	}
	tb := &fakeTB{}
	log.Report(tb)
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "test POST /api/v9/thing/"+id+" (poke, response 202)") {
		t.Fatalf("report %q", tb.errors)
	}
	log.Reset()
	if len(log.Violations()) != 0 {
		t.Fatal("reset kept violations")
	}
}

// TestPublishedSpecs: both specs the sim is held to load, and their paths
// route as clients send them.
func TestPublishedSpecs(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("../specs/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	circle, err := Load("circleci", read("circleci-v2-subset.openapi.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// GitHub marks its slash-containing parameters x-multi-segment; no
	// MultiSegment option is needed.
	gh, err := Load("github", read("github-rest-subset.openapi.json"), Options{BasePaths: []string{"/api/v3", ""}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec          *Spec
		method, path  string
		op            string
		param, value  string
		wantProblems  bool
		problemSubstr string
	}{
		{circle, "GET", "/api/v2/project/gh/acme/api/pipeline?branch=main", "listPipelinesForProject", "project-slug", "gh/acme/api", false, ""},
		{circle, "GET", "/api/v2/project/gh%2Facme%2Fapi/pipeline", "listPipelinesForProject", "project-slug", "gh/acme/api", false, ""},
		{circle, "GET", "/api/v2/project/gh/acme/api/pipeline/12", "getPipelineByNumber", "pipeline-number", "12", false, ""},
		{circle, "POST", "/api/v2/workflow/" + id + "/approve/" + id, "approvePendingApprovalJobById", "approval_request_id", id, false, ""},
		{circle, "GET", "/api/v2/workflow/" + id + "/job?page-token=x", "listWorkflowJobs", "id", id, true, "page-token"}, // unpatched spec
		{gh, "GET", "/repos/acme/api/actions/runs?per_page=10", "actions/list-workflow-runs-for-repo", "repo", "api", false, ""},
		{gh, "GET", "/api/v3/repos/acme/api/actions/runs", "actions/list-workflow-runs-for-repo", "owner", "acme", false, ""},
		{gh, "GET", "/repos/acme/api/contents/deploy/k8s/app.yaml", "repos/get-content", "path", "deploy/k8s/app.yaml", false, ""},
		{gh, "GET", "/repos/acme/api/compare/main...feature", "repos/compare-commits-with-basehead", "basehead", "main...feature", false, ""},
		{gh, "GET", "/repos/acme/api/compare/main...feature/x", "repos/compare-commits-with-basehead", "basehead", "main...feature/x", false, ""},
		{gh, "GET", "/repos/acme/api/commits/heads/main", "repos/get-commit", "ref", "heads/main", false, ""},
		{gh, "GET", "/api/v3/repos/acme/api/contents/.github/workflows/deploy.yml?ref=main", "repos/get-content", "path", ".github/workflows/deploy.yml", false, ""},
		{gh, "GET", "/repos/acme/api/actions/runs/12/jobs", "actions/list-jobs-for-workflow-run", "run_id", "12", false, ""},
	} {
		r := req(c.method, c.path, "")
		route, params, problem := c.spec.find(r)
		if route == nil || route.Operation.OperationID != c.op || params[c.param] != c.value {
			t.Errorf("%s %s: %v %v %s", c.method, c.path, route, params, problem)
			continue
		}
		_, problems := c.spec.CheckRequest(r, nil)
		if (len(problems) > 0) != c.wantProblems || !strings.Contains(strings.Join(problems, " "), c.problemSubstr) {
			t.Errorf("%s %s: problems %q", c.method, c.path, problems)
		}
	}
}

func TestPatch(t *testing.T) {
	_, err := Load("test", []byte(testSpec), Options{Patch: func(doc *openapi3.T) error {
		s, err := ResponseSchema(doc, "listThings", "200", "items", "[]", "nope")
		if err == nil || s != nil {
			t.Error("found a schema that is not there")
		}
		return err
	}})
	if err == nil || !strings.Contains(err.Error(), "listThings 200: no items.[].nope") {
		t.Fatalf("patch error %v", err)
	}
}
