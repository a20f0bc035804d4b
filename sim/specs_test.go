package sim

import (
	"fmt"
	"strings"
	"testing"

	"flightdeck/sim/speccheck"
)

// recordingTB stands in for a *testing.T to see what CheckSpecs reports.
type recordingTB struct {
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recordingTB) Cleanup(f func())                  { r.cleanups = append(r.cleanups, f) }

// TestCheckSpecsReportsAtTheEnd: CheckSpecs fails the test that asked,
// when it ends, once per violation, and stops checking then.
func TestCheckSpecsReportsAtTheEnd(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	tb := &recordingTB{}
	log := h.w.CheckSpecs(tb)
	h.circle("GET", "/api/v2/me", "")
	h.circle("GET", "/api/v2/project/gh/acme/api/pipeline?per-page=5", "") // not a CircleCI parameter
	h.circle("GET", "/api/v2/workflow/not-a-uuid", "")
	if len(tb.errors) != 0 {
		t.Fatalf("reported before the end: %q", tb.errors)
	}
	if reqs, resps := log.Checked(SvcCircleCI); reqs != 3 || resps != 3 {
		t.Fatalf("checked %d, %d", reqs, resps)
	}
	for _, f := range tb.cleanups {
		f()
	}
	if len(tb.errors) != 2 || !strings.Contains(tb.errors[0], `query parameter "per-page" is not declared by listPipelinesForProject`) ||
		!strings.Contains(tb.errors[1], `GET /api/v2/workflow/not-a-uuid (getWorkflowById, request): parameter "id" in path`) {
		t.Fatalf("reported %q", tb.errors)
	}
	// Off again: nothing more is checked.
	h.circle("GET", "/api/v2/me", "")
	if reqs, _ := log.Checked(SvcCircleCI); reqs != 3 {
		t.Fatalf("still checking: %d", reqs)
	}
	// ECS traffic has no spec here and is never held to one.
	log = h.w.CheckSpecs(nil)
	h.service("staging", "api")
	if reqs, _ := log.Checked(SvcECS); reqs != 0 || len(log.Violations()) != 0 {
		t.Fatalf("ECS checked: %d %v", reqs, log.Violations())
	}
	h.w.StopCheckingSpecs()
}

// wantViolations fails t if an answer broke its spec, or if the request
// broke it when it should not have (or did not when it should have).
func wantViolations(t *testing.T, log *speccheck.Log, badRequest bool) {
	t.Helper()
	var reqV, respV []string
	for _, v := range log.Violations() {
		if v.Response {
			respV = append(respV, v.String())
		} else {
			reqV = append(reqV, v.String())
		}
	}
	if len(respV) > 0 {
		t.Errorf("response breaks the spec: %v", respV)
	}
	if badRequest != (len(reqV) > 0) {
		t.Errorf("request violations %v, want some: %v", reqV, badRequest)
	}
}
