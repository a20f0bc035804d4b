package githubactions

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// These check that a failed read of one service, or of one of its runs
// or workflow files, is that service's trouble only.

var workerService = Service{Name: "worker", Repo: "acme/worker", Workflow: "deploy.yml", Branch: "main"}

// twoWaiting is waitingWorld's acme/web beside acme/worker, whose one run
// waits for production too.
func twoWaiting(t *testing.T) (*fakeGH, *fakeclock.Clock) {
	t.Helper()
	f, clock, _ := waitingWorld(t)
	run := f.addRun("acme/worker", sha(3), "in_progress", "")
	f.addFile("acme/worker", sha(3), ".github/workflows/deploy.yml", deployYML)
	for _, n := range []string{"build", "test (18)", "test (20)", "deploy-staging"} {
		f.addJob(run, n, "completed", "success")
	}
	f.addJob(run, "deploy-production", "waiting", "")
	f.setStatus(run, "waiting", "")
	f.pend(run, 161171796, "production", true)
	return f, clock
}

// fetchFailing polls web and worker once, the next request of op
// answered with status and msg.
func fetchFailing(t *testing.T, op string, status int, msg string) (*fakeGH, *Source, []model.CIStatus, error) {
	t.Helper()
	f, _ := twoWaiting(t)
	s := f.source(t, Options{}, webService, workerService)
	f.failNext(op, status, nil, errBody(msg))
	sts, err := s.Fetch(ctx)
	return f, s, sts, err
}

// withError lists the statuses that carry an error.
func withError(sts []model.CIStatus) []model.CIStatus {
	var out []model.CIStatus
	for _, st := range sts {
		if st.Error != "" {
			out = append(out, st)
		}
	}
	return out
}

func secondaryLimit() (int, map[string]string, any) {
	return http.StatusForbidden, map[string]string{"Retry-After": "60"},
		map[string]any{"message": "You have exceeded a secondary rate limit.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}
}

// A throttled workflow-file read holds the client for the wait GitHub
// asked for; the files are read after everything gates depend on, so it
// costs the graphs, not a service or a gate.
func TestThrottledWorkflowFileCostsOnlyTheGraph(t *testing.T) {
	f, _ := twoWaiting(t)
	st, hdr, body := secondaryLimit()
	f.failNext("get-content", st, hdr, body)
	s := f.source(t, Options{}, webService, workerService)
	sts, _ := s.Fetch(ctx)
	graphless := 0
	for _, st := range sts {
		if st.Error != "" || len(st.Gates) != 1 {
			t.Errorf("%s: error %q, gates %+v", st.Service, st.Error, st.Gates)
		}
		for _, p := range st.Pipelines {
			if strings.Contains(p.Workflows[0].GraphError, "secondary rate limit") {
				graphless++
			}
		}
	}
	if graphless == 0 {
		t.Errorf("no graph says why it is missing: %+v", sts)
	}
}

// A run whose jobs cannot be read is shown from its run alone; the
// service is read in part, its other runs and its gate stand, and the
// other service is read in full. The next poll reads it again.
func TestFailedRunIsItsServicesTroubleOnly(t *testing.T) {
	// The first jobs read fails: one of the three runs.
	_, s, sts, err := fetchFailing(t, "list-jobs", http.StatusBadGateway, "Server Error")
	if err != nil {
		t.Errorf("one run's failure is not the source's: %v", err)
	}
	for _, st := range sts {
		if len(st.Gates) != 1 || st.Pipelines == nil {
			t.Errorf("%s: gates %+v, pipelines %v", st.Service, st.Gates, st.Pipelines)
		}
		for _, p := range st.Pipelines {
			if g := p.Workflows[0].GraphError; strings.HasPrefix(g, "jobs not read") && len(p.Workflows[0].Jobs) != 0 {
				t.Errorf("a run whose jobs were not read lists jobs: %+v", p)
			}
		}
	}
	if bad := withError(sts); len(bad) != 1 || !strings.Contains(bad[0].Error, "runs not read in full") || !strings.Contains(bad[0].Error, "502") {
		t.Errorf("want one service read in part: %+v", sts)
	}
	if sts := fetchOK(t, s); len(sts[0].Pipelines) != 2 || len(sts[1].Pipelines) != 1 {
		t.Errorf("after recovery: %+v", sts)
	}
}

// The gates of a run whose jobs cannot be read are still read: the two
// reads stand on their own.
func TestGateReadWhenItsRunsJobsFail(t *testing.T) {
	f, _ := twoWaiting(t)
	s := f.source(t, Options{}, workerService)
	f.failNext("list-jobs", http.StatusBadGateway, nil, errBody("Server Error"))
	st, err := s.FetchService(ctx, "worker")
	if err == nil || !strings.Contains(st.Error, "1 of 1 runs not read in full") || len(st.Gates) != 1 || len(st.Pipelines) != 1 {
		t.Errorf("worker: %+v, %v", st, err)
	}
}

// A 403 about one repository (the token may not read it) is that
// service's; a 401 is the source's.
func TestForbiddenRepositoryIsItsServicesOwn(t *testing.T) {
	f, s, sts, err := fetchFailing(t, "list-workflow-runs", http.StatusForbidden, "Resource not accessible by personal access token")
	if err != nil {
		t.Errorf("source error %v", err)
	}
	if bad := withError(sts); len(bad) != 1 || !strings.Contains(bad[0].Error, "403") || bad[0].Pipelines != nil {
		t.Errorf("want one service failed, with no pipelines: %+v", sts)
	}
	f.failNext("list-workflow-runs", http.StatusUnauthorized, nil, errBody("Bad credentials"))
	if _, err := s.Fetch(ctx); !errors.Is(err, providers.ErrAuth) {
		t.Errorf("401: source error %v", err)
	}
}

// FetchService reads one service, and only what its gates need: no
// workflow file, no jobs of a finished run, nothing of the other service.
func TestFetchServiceReadsOneServicesGates(t *testing.T) {
	f, _ := twoWaiting(t)
	s := f.source(t, Options{}, webService, workerService)
	st, err := s.FetchService(ctx, "web")
	if err != nil || st.Service != "web" || st.Error != "" || len(st.Gates) != 1 || len(st.Pipelines) != 2 {
		t.Fatalf("web: %+v, %v", st, err)
	}
	if g := st.Gates[0]; g.JobID == "" || g.WaitingSince.IsZero() {
		t.Errorf("the gate lacks its job: %+v", g)
	}
	ops, _ := f.count()
	if ops["get-content"] != 0 || ops["list-jobs"] != 1 || ops["pending-deployments"] != 1 || ops["list-workflow-runs"] != 1 {
		t.Errorf("requests: %v", ops)
	}
	for _, r := range f.requests() {
		if strings.Contains(r.Path, "acme/worker") {
			t.Errorf("read worker: %s", r.Path)
		}
	}
	// A poll after it reads what it left out.
	f.resetSeen()
	fetchOK(t, s)
	if ops, _ := f.count(); ops["get-content"] == 0 || ops["list-jobs"] < 2 {
		t.Errorf("the poll after: %v", ops)
	}
	if _, err := s.FetchService(ctx, "ghost"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("unknown service: %v", err)
	}
}

// The snapshot's merge of a poll where one service's run list fails:
// the other service's gate is listed, the failed one keeps its last.
func TestMergeKeepsHealthyServicesGates(t *testing.T) {
	f, clock := twoWaiting(t)
	s := f.source(t, Options{}, webService, workerService)
	snap := model.NewSnapshot([]model.ServiceSpec{{Name: "web"}, {Name: "worker"}})
	snap.MergeCI(providers.PollCI(ctx, s, time.Minute, clock.Now))
	if len(snap.Approvals) != 2 {
		t.Fatalf("approvals: %+v", snap.Approvals)
	}
	clock.Advance(time.Minute)
	f.failNext("list-workflow-runs", http.StatusBadGateway, nil, errBody("Server Error"))
	r := providers.PollCI(ctx, s, time.Minute, clock.Now)
	snap.MergeCI(r)
	if r.Err != nil || len(snap.Approvals) != 2 {
		t.Errorf("source error %v, approvals %+v", r.Err, snap.Approvals)
	}
	marked := 0
	for _, svc := range snap.Services {
		if svc.CIError != "" {
			marked++
		}
	}
	if marked != 1 {
		t.Errorf("want one service marked: %+v", snap.Services)
	}
}
