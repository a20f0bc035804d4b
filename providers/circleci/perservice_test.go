package circleci

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/providers"
)

// These check that a failed read of one project, or of one of its
// pipelines, is that service's trouble only.

var paymentsService = Service{Name: "payments", Project: "gh/acme/payments", Branch: "main"}

// twoProjects is api with an older finished pipeline and a newer one
// held at hold-production, beside payments with one finished pipeline.
func twoProjects(t *testing.T) (*fakeCI, *Pipeline) {
	t.Helper()
	f := newFakeCI(t)
	old := f.addPipeline("gh/acme/api", 1, shaA, "old", t0.Add(-time.Hour))
	f.addJob(f.addWorkflow(old, "build-test-deploy", "success"), "build", "build", "success")
	heldPipeline(f, 2, shaB, t0.Add(-time.Minute))
	p := f.addPipeline("gh/acme/payments", 1, shaA, "pay", t0.Add(-time.Hour))
	f.addJob(f.addWorkflow(p, "build-test-deploy", "success"), "build", "build", "success")
	return f, old
}

func TestFailedPipelineIsItsServicesOwn(t *testing.T) {
	f, old := twoProjects(t)
	s := f.source(t, fakeclock.New(t0), apiService, paymentsService)
	f.failPath["/pipeline/"+old.ID+"/workflow"] = 502
	sts, err := s.Fetch(ctx)
	if err != nil {
		t.Errorf("one pipeline's failure is not the source's: %v", err)
	}
	api, payments := sts[0], sts[1]
	// Never listed, the old pipeline is left out: nothing is known of it.
	if len(api.Gates) != 1 || len(api.Pipelines) != 1 || !strings.Contains(api.Error, "1 of 2 pipelines not read in full") || !strings.Contains(api.Error, "502") {
		t.Errorf("api: %+v", api)
	}
	if payments.Error != "" || len(payments.Pipelines) != 1 {
		t.Errorf("payments: %+v", payments)
	}

	// Read once, a pipeline that fails later is shown as last read.
	delete(f.failPath, "/pipeline/"+old.ID+"/workflow")
	if sts, err := s.Fetch(ctx); err != nil || len(sts[0].Pipelines) != 2 || sts[0].Error != "" {
		t.Fatalf("after recovery: %+v, %v", sts, err)
	}
	f.set(func() { old.UpdatedAt = t0 }) // so that it is listed again
	f.failPath["/pipeline/"+old.ID+"/workflow"] = 500
	sts, _ = s.Fetch(ctx)
	if api := sts[0]; len(api.Pipelines) != 2 || len(api.Gates) != 1 || api.Error == "" {
		t.Errorf("api, its old pipeline failing again: %+v", api)
	}
}

func TestForbiddenProjectIsItsServicesOwn(t *testing.T) {
	f, _ := twoProjects(t)
	s := f.source(t, fakeclock.New(t0), apiService, paymentsService)
	f.failPath["/project/gh/acme/payments/"] = 403
	sts, err := s.Fetch(ctx)
	if err != nil || sts[0].Error != "" || len(sts[0].Gates) != 1 || !strings.Contains(sts[1].Error, "403") {
		t.Errorf("%+v, %v", sts, err)
	}
	// Refused everywhere, it is the source's.
	f.failPath["/project/gh/acme/api/"] = 403
	if _, err := s.Fetch(ctx); !errors.Is(err, providers.ErrAuth) {
		t.Errorf("403 everywhere: %v", err)
	}
}

// FetchService reads one project, and only what its gates need: the jobs
// of a finished workflow are left out.
func TestFetchServiceReadsOneProjectsGates(t *testing.T) {
	f, _ := twoProjects(t)
	s := f.source(t, fakeclock.New(t0), apiService, paymentsService)
	// Throttled, payments would hold every request: it is not read.
	f.failPath["/project/gh/acme/payments/"] = 429
	st, err := s.FetchService(ctx, "api")
	if err != nil || st.Error != "" || len(st.Gates) != 1 || len(st.Pipelines) != 2 {
		t.Fatalf("api: %+v, %v", st, err)
	}
	got := f.count()
	if got["listPipelinesForProject"] != 1 || got["listWorkflowsByPipelineId"] != 2 || got["listWorkflowJobs"] != 1 {
		t.Errorf("requests: %v", got)
	}
	for _, r := range f.requests() {
		if strings.Contains(r.Path, "payments") {
			t.Errorf("read payments: %s", r.Path)
		}
	}
	if _, err := s.FetchService(ctx, "ghost"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("unknown service: %v", err)
	}
}

// Two services built by one project and branch share one pipeline list a
// poll; FetchServices polls only the services named, as Fetch polls them.
func TestSharedListAndSubsetPolls(t *testing.T) {
	f, _ := twoProjects(t)
	admin := apiService
	admin.Name = "api-admin"
	s := f.source(t, fakeclock.New(t0), apiService, admin, paymentsService)
	sts, err := s.Fetch(ctx)
	if err != nil || len(sts) != 3 || len(sts[1].Gates) != 1 {
		t.Fatalf("%+v, %v", sts, err)
	}
	if got := f.count()["listPipelinesForProject"]; got != 2 {
		t.Errorf("a poll of api, api-admin (one project) and payments listed pipelines %d times, want 2", got)
	}
	before := len(f.requests())
	sts, err = s.FetchServices(ctx, []string{"payments"})
	if err != nil || len(sts) != 1 || sts[0].Service != "payments" || len(sts[0].Pipelines) != 1 {
		t.Fatalf("payments alone: %+v, %v", sts, err)
	}
	for _, r := range f.requests()[before:] {
		if strings.Contains(r.Path, "acme/api") {
			t.Errorf("a poll of payments alone read %s", r.Path)
		}
	}
}
