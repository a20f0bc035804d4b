// Package specs holds the sim's CircleCI and GitHub traffic to the
// published OpenAPI subsets kept beside it (Check). It is test support:
// only _test.go files import it, so kin-openapi, its JSON-schema and YAML
// packages and the 384 KB of specs stay out of the flightdeck binary,
// whose every start would otherwise pay their package init.
//
// It does not import package sim (sim's own tests use it, and a test may
// not import what imports its package): it reaches a world through the
// TrafficCheck hook, whose type is spelled out here as there.
package specs

import (
	_ "embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/airside-dev/flightdeck/sim/speccheck"
)

// The published API descriptions the sim is held to. They are copies kept
// in the repository (CI builds from a clean clone), embedded so that tests
// of any package can check traffic against them without finding files.

// Service names, as the sim passes them to the hook (sim.SvcCircleCI,
// sim.SvcGitHub).
const (
	CircleCI = "circleci"
	GitHub   = "github"
)

//go:embed circleci-v2-subset.openapi.json
var circleCISpecJSON []byte

// circleCISpec loads the CircleCI spec once per process.
var circleCISpec = sync.OnceValues(func() (*speccheck.Spec, error) {
	return speccheck.Load(CircleCI, circleCISpecJSON, speccheck.Options{
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

//go:embed github-rest-subset.openapi.json
var gitHubSpecJSON []byte

// gitHubSpec loads the GitHub spec once per process. GitHub serves it at
// the root of api.github.com and under /api/v3 on Enterprise Server.
var gitHubSpec = sync.OnceValues(func() (*speccheck.Spec, error) {
	return speccheck.Load(GitHub, gitHubSpecJSON, speccheck.Options{
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

// specFor is the spec a service's traffic is checked against; nil for
// services without one (the AWS ones are judged by the SDKs themselves).
func specFor(service string) (*speccheck.Spec, error) {
	switch service {
	case CircleCI:
		return circleCISpec()
	case GitHub:
		return gitHubSpec()
	}
	return nil, nil
}

// TB is the part of testing.TB Check needs; *testing.T fits.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Hook is sim.TrafficCheck: given a request the sim received for a
// service, with its body, it returns what to call with the answer (nil:
// nothing to check).
type Hook = func(service string, r *http.Request, body []byte) (answer func(status int, header http.Header, body []byte))

// World is what Check attaches to; *sim.World fits.
type World interface{ SetTrafficCheck(Hook) }

// Check turns on spec checking: from now on every request w receives for
// a backend with a published spec (CircleCI, GitHub), and every answer it
// gives, is checked against that spec, and each violation is reported on
// t when the test ends (and checking stops then). The returned log lets a
// test look sooner, or count what was checked. Checking costs a schema
// walk per request, which is why it is off unless asked for. A nil t only
// records.
//
// The sim leaves deliberately broken answers (the malformed-body and
// dropped-connection faults) unchecked; injected errors (429, 5xx, 401)
// are checked, since they claim to be the service's own error shape.
func Check(t TB, w World) *speccheck.Log {
	if t != nil {
		t.Helper()
	}
	for _, svc := range []string{CircleCI, GitHub} {
		if _, err := specFor(svc); err != nil {
			if t == nil {
				panic(err)
			}
			t.Fatalf("sim: %v", err)
		}
	}
	log := speccheck.NewLog()
	w.SetTrafficCheck(hook(log))
	if t != nil {
		t.Cleanup(func() {
			t.Helper()
			w.SetTrafficCheck(nil)
			log.Report(t)
		})
	}
	return log
}

// Stop turns spec checking off again.
func Stop(w World) { w.SetTrafficCheck(nil) }

func hook(log *speccheck.Log) Hook {
	return func(service string, r *http.Request, body []byte) func(int, http.Header, []byte) {
		spec, _ := specFor(service)
		if spec == nil || strings.HasPrefix(r.URL.Path, "/api/v1.1/") {
			// CircleCI API v1.1 (the step output flightdeck reads on
			// demand) has no published OpenAPI document; its shapes are
			// tested where the provider reads them.
			return nil
		}
		op := log.Request(spec, r, body)
		return func(status int, header http.Header, body []byte) { log.Response(op, status, header, body) }
	}
}
