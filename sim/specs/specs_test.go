package specs_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/specs"
)

// recordingTB stands in for a *testing.T to see what Check reports.
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

// send makes one request to the sim behind url and reads the answer to
// its end, which comes only once the handler (and the check) returned.
func send(t *testing.T, url, method, path string, hdr ...string) {
	t.Helper()
	req, err := http.NewRequest(method, url+path, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
}

// TestCheckReportsAtTheEnd: Check fails the test that asked, when it
// ends, once per violation, and stops checking then.
func TestCheckReportsAtTheEnd(t *testing.T) {
	w := sim.New(sim.Options{Seed: 2})
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	circle := func(path string) { send(t, srv.URL, "GET", path, "Circle-Token", "sim") }

	tb := &recordingTB{}
	log := specs.Check(tb, w)
	circle("/api/v2/me")
	circle("/api/v2/project/gh/acme/api/pipeline?per-page=5") // not a CircleCI parameter
	circle("/api/v2/workflow/not-a-uuid")
	if len(tb.errors) != 0 {
		t.Fatalf("reported before the end: %q", tb.errors)
	}
	if reqs, resps := log.Checked(sim.SvcCircleCI); reqs != 3 || resps != 3 {
		t.Fatalf("checked %d, %d: %v", reqs, resps, log.Violations())
	}
	for _, f := range tb.cleanups {
		f()
	}
	if len(tb.errors) != 2 || !strings.Contains(tb.errors[0], `query parameter "per-page" is not declared by listPipelinesForProject`) ||
		!strings.Contains(tb.errors[1], `GET /api/v2/workflow/not-a-uuid (getWorkflowById, request): parameter "id" in path`) {
		t.Fatalf("reported %q", tb.errors)
	}
	// Off again: nothing more is checked.
	circle("/api/v2/me")
	if reqs, _ := log.Checked(sim.SvcCircleCI); reqs != 3 {
		t.Fatalf("still checking: %d", reqs)
	}
	// ECS traffic has no spec here and is never held to one.
	log = specs.Check(nil, w)
	send(t, srv.URL, "POST", "/", "X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters",
		"Content-Type", "application/x-amz-json-1.1")
	if reqs, _ := log.Checked(sim.SvcECS); reqs != 0 || len(log.Violations()) != 0 {
		t.Fatalf("ECS checked: %d %v", reqs, log.Violations())
	}
	if w.Requests()["ecs:ListClusters"] != 1 {
		t.Fatalf("the ECS request did not arrive: %v", w.Requests())
	}
	specs.Stop(w)
}

// TestServiceNamesMatchTheSim: the hook is keyed by the sim's service
// names, spelled again here because this package cannot import sim.
func TestServiceNamesMatchTheSim(t *testing.T) {
	if specs.CircleCI != sim.SvcCircleCI || specs.GitHub != sim.SvcGitHub {
		t.Fatalf("specs names %q %q, sim %q %q", specs.CircleCI, specs.GitHub, sim.SvcCircleCI, sim.SvcGitHub)
	}
}
