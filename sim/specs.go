package sim

import (
	_ "embed"
	"fmt"
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

// specFor is the spec a protocol's traffic is checked against; nil for
// protocols without one (the AWS ones are judged by the SDKs themselves).
func specFor(p protocol) (*speccheck.Spec, error) {
	switch p {
	case protoCircleCI:
		return circleCISpec()
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
// receives for a backend with a published spec (CircleCI), and every
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
	if _, err := circleCISpec(); err != nil {
		if t == nil {
			panic(err)
		}
		t.Fatalf("sim: %v", err)
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
