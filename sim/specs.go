package sim

import (
	_ "embed"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"flightdeck/sim/speccheck"
)

// The published API descriptions the sim is held to. They are copies kept
// in the repository (CI builds from a clean clone), embedded so that tests
// of any package can check traffic against them without finding files.

//go:embed specs/circleci-v2-subset.openapi.json
var circleCISpecJSON []byte

// circleCISpec loads the CircleCI spec once per process.
var circleCISpec = sync.OnceValues(func() (*speccheck.Spec, error) {
	return speccheck.Load(SvcCircleCI, circleCISpecJSON, speccheck.Options{
		BasePaths: []string{"/api/v2"},
		Patch:     patchCircleCI,
	})
})

// patchCircleCI records where CircleCI's traffic goes beyond its own spec.
func patchCircleCI(doc *openapi3.T) error {
	// A job that has not started (blocked, not_run) has "started_at": null;
	// the spec lists started_at as a required, non-nullable date-time.
	// Clients must cope (../shared/reference/apis.md §2), so the sim sends
	// null as CircleCI does and the check accepts it.
	s, err := speccheck.ResponseSchema(doc, "listWorkflowJobs", "200", "items", "[]", "started_at")
	if err != nil {
		return err
	}
	s.Nullable = true

	// listWorkflowJobs answers with next_page_token, and the spec's own
	// NextWorkflowJobPage link passes it back as page-token, but the
	// operation declares no such parameter. CircleCI accepts it (its MCP
	// server pages jobs that way), so clients may send it.
	op := speccheck.FindOperation(doc, "listWorkflowJobs")
	if op == nil {
		return fmt.Errorf("no listWorkflowJobs")
	}
	op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
		In: openapi3.ParameterInQuery, Name: "page-token", AllowEmptyValue: true,
		Schema: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()},
	}})
	return nil
}

//go:embed specs/github-rest-subset.openapi.json
var gitHubSpecJSON []byte

// gitHubSpec loads the GitHub spec once per process. GitHub serves it at
// the root of api.github.com and under /api/v3 on Enterprise Server.
var gitHubSpec = sync.OnceValues(func() (*speccheck.Spec, error) {
	return speccheck.Load(SvcGitHub, gitHubSpecJSON, speccheck.Options{
		BasePaths: []string{"/api/v3", ""},
		Patch:     patchGitHub,
	})
})

// gitHubErrorStatuses are the answers any GitHub endpoint may give whether
// or not its entry in the spec lists them: 401 without a token, 403 for
// the primary and the secondary rate limits, 404 for what is not there
// (or not visible to the token), 422 for a request it cannot process,
// 501 for what the sim does not simulate, and server errors (the fault
// injection's 502 among them). The spec lists them only where someone
// wrote them down.
var gitHubErrorStatuses = []int{
	http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity,
	http.StatusInternalServerError, http.StatusNotImplemented, http.StatusBadGateway, http.StatusServiceUnavailable,
}

// patchGitHub records where GitHub's traffic goes beyond its own spec.
func patchGitHub(doc *openapi3.T) error {
	basic := doc.Components.Schemas["basic-error"]
	if basic == nil {
		return fmt.Errorf("no basic-error schema")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			// Every GET may be conditional (GitHub documents 304 for
			// conditional requests on all of them, the spec on a few).
			if method == http.MethodGet && op.Responses.Value("304") == nil {
				op.Responses.Set("304", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Not modified")})
			}
			for _, st := range gitHubErrorStatuses {
				code := strconv.Itoa(st)
				if op.Responses.Value(code) == nil {
					op.Responses.Set(code, &openapi3.ResponseRef{Value: openapi3.NewResponse().
						WithDescription(http.StatusText(st)).WithJSONSchemaRef(basic)})
				}
			}
			if op.OperationID == "" {
				return fmt.Errorf("%s %s has no operationId", method, path)
			}
		}
	}
	return nil
}

// specFor is the spec a protocol's traffic is checked against; nil for
// protocols without one (the AWS ones are judged by the SDKs themselves).
func specFor(p protocol) (*speccheck.Spec, error) {
	switch p {
	case protoCircleCI:
		return circleCISpec()
	case protoGitHub:
		return gitHubSpec()
	}
	return nil, nil
}

// TB is the part of testing.TB CheckSpecs needs; *testing.T fits.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// CheckSpecs turns on spec checking: from now on every request the sim
// receives for a backend with a published spec (CircleCI, GitHub), and every
// answer it gives, is checked against that spec, and each violation is
// reported on t when the test ends. The returned log lets a test look
// sooner, or count what was checked. Checking costs a schema walk per
// request, which is why it is off unless asked for. A nil t only records.
//
// Deliberately broken answers (the malformed-body and dropped-connection
// faults) are not checked; injected errors (429, 5xx, 401) are, since they
// claim to be the service's own error shape.
func (w *World) CheckSpecs(t TB) *speccheck.Log {
	if t != nil {
		t.Helper()
	}
	for _, p := range []protocol{protoCircleCI, protoGitHub} {
		if _, err := specFor(p); err != nil {
			if t == nil {
				panic(err)
			}
			t.Fatalf("sim: %v", err)
		}
	}
	log := speccheck.NewLog()
	w.specLog.Store(log)
	if t != nil {
		t.Cleanup(func() {
			t.Helper()
			w.specLog.CompareAndSwap(log, nil)
			log.Report(t)
		})
	}
	return log
}

// StopCheckingSpecs turns spec checking off again.
func (w *World) StopCheckingSpecs() { w.specLog.Store(nil) }
