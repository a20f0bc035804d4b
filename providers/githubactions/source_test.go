package githubactions

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

const deployYML = `name: Deploy
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
  test:
    needs: build
    strategy:
      matrix:
        node: [18, 20]
    runs-on: ubuntu-latest
    steps:
      - run: npm test
  deploy-staging:
    needs: [test]
    environment: staging
    runs-on: ubuntu-latest
    steps: [{run: ./deploy staging}]
  deploy-production:
    needs: deploy-staging
    if: github.ref == 'refs/heads/main'
    environment:
      name: production
      url: https://acme.example
    runs-on: ubuntu-latest
    steps: [{run: ./deploy production}]
`

var webService = Service{Name: "web", Repo: "acme/web", Workflow: "deploy.yml", Branch: "main"}

func sha(n int) string { return fmt.Sprintf("%040x", n) }

// waitingWorld is acme/web with an older finished run and a newer one
// waiting for its production deployment.
func waitingWorld(t *testing.T) (*fakeGH, *fakeclock.Clock, *fakeRun) {
	t.Helper()
	f, clock := newFake(t)
	old := f.addRun("acme/web", sha(1), "completed", "success")
	f.addFile("acme/web", sha(1), ".github/workflows/deploy.yml", deployYML)
	for _, n := range []string{"build", "test (18)", "test (20)", "deploy-staging", "deploy-production"} {
		f.addJob(old, n, "completed", "success")
	}
	clock.Advance(10 * time.Minute)
	run := f.addRun("acme/web", sha(2), "in_progress", "")
	f.addFile("acme/web", sha(2), ".github/workflows/deploy.yml", deployYML)
	for _, n := range []string{"build", "test (18)", "test (20)", "deploy-staging"} {
		f.addJob(run, n, "completed", "success")
	}
	clock.Advance(3 * time.Minute)
	f.addJob(run, "deploy-production", "waiting", "")
	f.setStatus(run, "waiting", "")
	f.pend(run, 161171795, "production", true)
	clock.Advance(2 * time.Minute)
	return f, clock, run
}

func fetchOK(t *testing.T, s *Source) []model.CIStatus {
	t.Helper()
	sts, err := s.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for _, st := range sts {
		if st.Error != "" {
			t.Fatalf("%s: %s", st.Service, st.Error)
		}
	}
	return sts
}

func jobByName(t *testing.T, w model.Workflow, name string) model.Job {
	t.Helper()
	for _, j := range w.Jobs {
		if j.Name == name {
			return j
		}
	}
	t.Fatalf("workflow %s has no job %q: %v", w.Name, name, jobNames(w))
	return model.Job{}
}

func jobNames(w model.Workflow) []string {
	var out []string
	for _, j := range w.Jobs {
		out = append(out, j.Name)
	}
	return out
}

func TestFetchRunsJobsGraphAndGate(t *testing.T) {
	f, clock, run := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	sts := fetchOK(t, s)
	if len(sts) != 1 || len(sts[0].Pipelines) != 2 {
		t.Fatalf("want one service with 2 pipelines, got %+v", sts)
	}
	p := sts[0].Pipelines[0]
	if p.ID != strconv.FormatInt(run.id(), 10) || p.Provider != "github" || p.SHA != sha(2) || p.Branch != "main" ||
		p.Status != model.RunOnHold || p.Subject != "Ship run "+p.ID || p.TriggeredBy != "octocat" || p.Number != 2 {
		t.Errorf("pipeline = %+v", p)
	}
	w := p.Workflows[0]
	if w.Name != "Deploy" || w.GraphError != "" || w.Status != model.RunOnHold {
		t.Errorf("workflow = %s %s %q", w.Name, w.Status, w.GraphError)
	}
	want := map[string]string{
		"build": "", "test (18)": "build", "test (20)": "build",
		"deploy-staging": "test (18),test (20)", "deploy-production": "deploy-staging",
	}
	for name, needs := range want {
		j := jobByName(t, w, name)
		if got := strings.Join(j.Needs, ","); got != needs {
			t.Errorf("%s needs %q, want %q", name, got, needs)
		}
	}
	prod := jobByName(t, w, "deploy-production")
	if prod.Status != model.RunOnHold || !prod.Approval || prod.Environment != "production" || !strings.Contains(prod.Condition, "refs/heads/main") {
		t.Errorf("deploy-production = %+v", prod)
	}
	if b := jobByName(t, w, "build"); len(b.Steps) != 10 || b.Steps[0].Name != "Set up job" || b.Steps[0].Status != model.RunSuccess {
		t.Errorf("build's steps = %+v", b.Steps)
	}

	if len(sts[0].Gates) != 1 {
		t.Fatalf("gates = %+v", sts[0].Gates)
	}
	g := sts[0].Gates[0]
	wantSince := t0.Add(13 * time.Minute)
	if g.Gate != "production" || g.ID != p.ID+"/161171795" || g.Provider != "github" || g.Service != "web" ||
		g.SHA != sha(2) || g.WorkflowID != p.ID || g.JobID != prod.ID || !g.WaitingSince.Equal(wantSince) || g.ApproveBlocked != "" {
		t.Errorf("gate = %+v (waiting since want %s)", g, wantSince)
	}
	if old := sts[0].Pipelines[1]; old.Status != model.RunSuccess || old.Moving() {
		t.Errorf("older pipeline = %s", old.Status)
	}
	_ = clock
}

func TestFetchPlaceholdersForJobsNotStarted(t *testing.T) {
	f, _ := newFake(t)
	run := f.addRun("acme/web", sha(3), "in_progress", "")
	f.addFile("acme/web", sha(3), ".github/workflows/deploy.yml", deployYML)
	f.addJob(run, "build", "in_progress", "")
	s := f.source(t, Options{}, webService)
	w := fetchOK(t, s)[0].Pipelines[0].Workflows[0]
	if got := strings.Join(jobNames(w), ","); got != "build,test (18),test (20),deploy-staging,deploy-production" {
		t.Fatalf("jobs = %s", got)
	}
	if j := jobByName(t, w, "test (20)"); j.Status != model.RunBlocked || j.ID != "" || strings.Join(j.Needs, ",") != "build" {
		t.Errorf("placeholder = %+v", j)
	}
	if w.Status != model.RunRunning || !w.Moving() {
		t.Errorf("status %s", w.Status)
	}
}

func TestFetchFallsBackWhenTheWorkflowFileDoesNotParse(t *testing.T) {
	f, _ := newFake(t)
	run := f.addRun("acme/web", sha(4), "completed", "failure")
	f.addFile("acme/web", sha(4), ".github/workflows/deploy.yml", "on: push\njobs:\n  build:\n    runs-on: [ubuntu\n")
	f.addJob(run, "build", "completed", "failure")
	f.addJob(run, "lint", "completed", "success")
	s := f.source(t, Options{}, webService)
	p := fetchOK(t, s)[0].Pipelines[0]
	w := p.Workflows[0]
	if !strings.Contains(w.GraphError, ".github/workflows/deploy.yml at "+model.ShortSHA(sha(4))+": does not parse (line ") ||
		!strings.Contains(w.GraphError, "listed without their order") {
		t.Errorf("GraphError = %q", w.GraphError)
	}
	if got := strings.Join(jobNames(w), ","); got != "build,lint" {
		t.Errorf("jobs = %s", got)
	}
	for _, j := range w.Jobs {
		if j.Needs == nil || len(j.Needs) != 0 {
			t.Errorf("%s needs %v", j.Name, j.Needs)
		}
	}
	if p.Status != model.RunFailed {
		t.Errorf("status %s", p.Status)
	}
	// The verdict on a file at a commit is kept: no second read.
	if ops := refetch(t, f, s); ops["get-content"] != 0 {
		t.Errorf("read the file again: %v", ops)
	}
}

func TestFetchMissingWorkflowFile(t *testing.T) {
	f, _ := newFake(t)
	run := f.addRun("acme/web", sha(5), "completed", "success")
	f.addJob(run, "build", "completed", "success")
	s := f.source(t, Options{}, webService)
	w := fetchOK(t, s)[0].Pipelines[0].Workflows[0]
	if !strings.Contains(w.GraphError, "not found in acme/web") {
		t.Errorf("GraphError = %q", w.GraphError)
	}
}

// A token that may not read the workflow file: the graph says so, and the
// file is asked for again only after refusedRetry, not on every poll.
func TestFetchRefusedWorkflowFile(t *testing.T) {
	f, clock := newFake(t)
	run := f.addRun("acme/web", sha(6), "completed", "success")
	f.addJob(run, "build", "completed", "success")
	f.addFile("acme/web", sha(6), ".github/workflows/deploy.yml", "jobs:\n  build:\n    runs-on: ubuntu-latest\n")
	f.failNext("get-content", http.StatusForbidden, nil, errBody("Resource not accessible by personal access token"))
	s := f.source(t, Options{}, webService)
	w := fetchOK(t, s)[0].Pipelines[0].Workflows[0]
	if !strings.Contains(w.GraphError, "403") || !strings.Contains(w.GraphError, "Resource not accessible") {
		t.Errorf("GraphError should give GitHub's reason: %q", w.GraphError)
	}
	clock.Advance(time.Minute)
	if ops := refetch(t, f, s); ops["get-content"] != 0 {
		t.Errorf("a refused file is not asked for on every poll: %v", ops)
	}
	clock.Advance(refusedRetry)
	if ops := refetch(t, f, s); ops["get-content"] != 1 {
		t.Errorf("after %s the file is asked for again: %v", refusedRetry, ops)
	}
	if w := fetchOK(t, s)[0].Pipelines[0].Workflows[0]; w.GraphError != "" {
		t.Errorf("once read, the graph is drawn: %q", w.GraphError)
	}
}

// A workflow file over 1 MB comes without its content: the graph says so
// once, for good.
func TestFetchWorkflowFileTooLarge(t *testing.T) {
	f, _ := newFake(t)
	run := f.addRun("acme/web", sha(7), "completed", "success")
	f.addJob(run, "build", "completed", "success")
	f.addFile("acme/web", sha(7), ".github/workflows/deploy.yml", "jobs: {}\n#"+strings.Repeat("x", 1<<20))
	s := f.source(t, Options{}, webService)
	w := fetchOK(t, s)[0].Pipelines[0].Workflows[0]
	if !strings.Contains(w.GraphError, "larger than the 1 MB") || len(w.Jobs) != 1 {
		t.Errorf("GraphError = %q, jobs %d", w.GraphError, len(w.Jobs))
	}
	if ops := refetch(t, f, s); ops["get-content"] != 0 {
		t.Errorf("a file too large is not asked for again: %v", ops)
	}
}

// An idle board costs one conditional request per service and poll, and
// each is a 304 that spends nothing.
func TestSecondPollIsConditionalAndFree(t *testing.T) {
	f, clock, _ := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	first := fetchOK(t, s)
	remaining, limit, _, ok := s.Rate()
	if !ok || limit != 5000 {
		t.Fatalf("rate %d/%d %v", remaining, limit, ok)
	}
	f.resetSeen()
	clock.Advance(10 * time.Second)
	second := fetchOK(t, s)
	reqs := f.requests()
	if len(reqs) == 0 {
		t.Fatal("no requests on the second poll")
	}
	for _, r := range reqs {
		if r.Method == http.MethodGet && (r.IfNoneMatch == "" || r.Status != http.StatusNotModified) {
			t.Errorf("%s %s: If-None-Match %q, answered %d", r.Method, r.Path, r.IfNoneMatch, r.Status)
		}
	}
	if r2, _, _, _ := s.Rate(); r2 != remaining {
		t.Errorf("remaining %d → %d: 304s spent rate limit", remaining, r2)
	}
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Errorf("answers differ:\n%v\n%v", first, second)
	}
	// Only the run list is read: the finished run is settled, the waiting
	// one unchanged and read less than heldRelist ago.
	if ops, nm := f.count(); ops["list-workflow-runs"] != 1 || len(reqs) != 1 || nm != 1 {
		t.Errorf("second poll: %v (%d 304s)", ops, nm)
	}
}

func TestETagCachePersistsAcrossSources(t *testing.T) {
	f, _, _ := waitingWorld(t)
	dir := t.TempDir()
	s := f.source(t, Options{ClientOptions: ClientOptions{CacheDir: dir}}, webService)
	fetchOK(t, s)
	file := filepath.Join(dir, CacheFile)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(file)
	plain := gunzip(t, raw)
	for _, secret := range []string{testToken, "Bearer", "Authorization"} {
		if strings.Contains(plain, secret) {
			t.Errorf("the cache file holds %q", secret)
		}
	}

	// A new source, as after a restart: its first poll is all 304s.
	f.resetSeen()
	s2 := f.source(t, Options{ClientOptions: ClientOptions{CacheDir: dir}}, webService)
	fetchOK(t, s2)
	for _, r := range f.requests() {
		if r.Status != http.StatusNotModified {
			t.Errorf("after restart %s %s answered %d (If-None-Match %q)", r.Method, r.Path, r.Status, r.IfNoneMatch)
		}
	}
	if sent, nm := s2.Requests(); sent == 0 || sent != nm {
		t.Errorf("sent %d, 304s %d", sent, nm)
	}
}

func TestETagCacheIsPerToken(t *testing.T) {
	f, _, _ := waitingWorld(t)
	dir := t.TempDir()
	fetchOK(t, f.source(t, Options{ClientOptions: ClientOptions{CacheDir: dir}}, webService))
	f.resetSeen()
	other := f.source(t, Options{ClientOptions: ClientOptions{CacheDir: dir, Token: NewToken("another-token", "GH_TOKEN")}}, webService)
	_, _ = other.Fetch(ctx) // the fake refuses the other token; what matters is what was sent
	for _, r := range f.requests() {
		if r.IfNoneMatch != "" {
			t.Errorf("%s sent another token's ETag", r.Path)
		}
	}
}

func TestFetchRereadsWaitingRunAndNoticesApprovalElsewhere(t *testing.T) {
	f, clock, run := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	fetchOK(t, s)
	// Someone approves on github.com; the run moves on.
	f.mu.Lock()
	run.pending = nil
	f.mu.Unlock()
	clock.Advance(time.Second)
	f.setJob(run, "deploy-production", "in_progress", "")
	f.setStatus(run, "in_progress", "")
	st := fetchOK(t, s)[0]
	if len(st.Gates) != 0 || st.Pipelines[0].Status != model.RunRunning {
		t.Errorf("after approval elsewhere: gates %v, status %s", st.Gates, st.Pipelines[0].Status)
	}
}

func TestFetchServiceErrorsAndSourceErrors(t *testing.T) {
	f, _, _ := waitingWorld(t)
	missing := Service{Name: "ghost", Repo: "acme/ghost", Workflow: "deploy.yml", Branch: "main"}
	s := f.source(t, Options{}, webService, missing)
	sts, err := s.Fetch(ctx)
	if err != nil {
		t.Fatalf("one missing repository is not the source's trouble: %v", err)
	}
	if sts[0].Error != "" || !strings.Contains(sts[1].Error, "404") || !strings.Contains(sts[1].Error, "private repository") {
		t.Errorf("errors: %q, %q", sts[0].Error, sts[1].Error)
	}

	bad := f.source(t, Options{ClientOptions: ClientOptions{Token: NewToken("wrong", "GH_TOKEN")}}, webService)
	_, err = bad.Fetch(ctx)
	if !errors.Is(err, providers.ErrAuth) || !strings.HasPrefix(err.Error(), "GitHub: 401, check GH_TOKEN") {
		t.Errorf("bad token: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error quotes the token: %v", err)
	}
}

func TestNumericWorkflowIDReadsItsPath(t *testing.T) {
	f, _, _ := waitingWorld(t)
	svc := webService
	svc.Workflow = "161335"
	s := f.source(t, Options{}, svc)
	w := fetchOK(t, s)[0].Pipelines[0].Workflows[0]
	if w.GraphError != "" {
		t.Errorf("GraphError %q", w.GraphError)
	}
	if ops := refetch(t, f, s); ops["get-workflow"] != 0 {
		t.Errorf("workflow path read again: %v", ops)
	}
}

func TestFetchReadsCalledWorkflowsLocalAndPinned(t *testing.T) {
	f, _ := newFake(t)
	run := f.addRun("acme/web", sha(6), "in_progress", "")
	f.mu.Lock()
	run.obj["referenced_workflows"] = []any{
		map[string]any{"path": "acme/shared/.github/workflows/notify.yml@v1", "sha": sha(99), "ref": "refs/tags/v1"},
		map[string]any{"path": "acme/web/.github/workflows/deploy-env.yml@" + sha(6), "sha": sha(6)},
	}
	f.mu.Unlock()
	f.addFile("acme/web", sha(6), ".github/workflows/deploy.yml", callerYML)
	f.addFile("acme/web", sha(6), ".github/workflows/deploy-env.yml", calleeYML)
	f.addFile("acme/shared", sha(99), ".github/workflows/notify.yml",
		"on: {workflow_call: {}}\njobs:\n  post:\n    runs-on: x\n    steps: [{run: ./post}]\n")
	f.addJob(run, "build", "completed", "success")
	f.addJob(run, "deploy (staging) / rollout", "in_progress", "")
	s := f.source(t, Options{}, webService)
	w := fetchOK(t, s)[0].Pipelines[0].Workflows[0]
	want := "build; deploy (staging) / rollout<-build; deploy (production) / rollout<-build?; " +
		"deploy (staging) / smoke<-deploy (staging) / rollout?; deploy (production) / smoke<-deploy (production) / rollout?; " +
		"notify / post<-deploy (staging) / smoke+deploy (production) / smoke?"
	if got := needsOf(w.Jobs); got != want || w.GraphError != "" {
		t.Errorf("graph (%q):\n got %s\nwant %s", w.GraphError, got, want)
	}
	ops, _ := f.count()
	if ops["get-content"] != 3 {
		t.Errorf("files read: %v", ops)
	}
	if ops := refetch(t, f, s); ops["get-content"] != 0 {
		t.Errorf("files read again: %v", ops)
	}
}
