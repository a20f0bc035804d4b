package circleci

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

const (
	shaA = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
	shaB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
)

var apiService = Service{Name: "api", Project: "gh/acme/api", Branch: "main"}

// heldPipeline adds api's newest pipeline, waiting at hold-production:
// build → test → hold-production → deploy-production.
func heldPipeline(f *fakeCI, number int, sha string, at time.Time) (*Pipeline, *Workflow, map[string]*Job) {
	p := f.addPipeline("gh/acme/api", number, sha, "Cache feature flags (#412)\n\nLonger body.", at)
	w := f.addWorkflow(p, "build-test-deploy", "on_hold")
	build := f.addJob(w, "build", "build", "success")
	test := f.addJob(w, "test", "build", "success", build)
	hold := f.addJob(w, "hold-production", "approval", "on_hold", test)
	deploy := f.addJob(w, "deploy-production", "build", "blocked", hold)
	f.set(func() {
		build.StartedAt, build.StoppedAt, build.JobNumber = at, at.Add(30*time.Second), 7
		test.StartedAt, test.StoppedAt, test.JobNumber = at.Add(30*time.Second), at.Add(80*time.Second), 8
	})
	return p, w, map[string]*Job{"build": build, "test": test, "hold": hold, "deploy": deploy}
}

func fetchOne(t *testing.T, s *Source) model.CIStatus {
	t.Helper()
	sts, err := s.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(sts) != 1 || sts[0].Error != "" {
		t.Fatalf("Fetch: %+v", sts)
	}
	return sts[0]
}

func TestFetchMapsPipelineAndGate(t *testing.T) {
	f := newFakeCI(t)
	clock := fakeclock.New(t0)
	p, w, jobs := heldPipeline(f, 42, shaA, t0.Add(-5*time.Minute))
	st := fetchOne(t, f.source(t, clock, apiService))

	if len(st.Pipelines) != 1 {
		t.Fatalf("pipelines %+v", st.Pipelines)
	}
	got := st.Pipelines[0]
	if got.ID != p.ID || got.Provider != "circleci" || got.SHA != shaA || got.Branch != "main" || got.Number != 42 ||
		got.Subject != "Cache feature flags (#412)" || got.TriggeredBy != "praman" || got.Status != model.RunOnHold || !got.CreatedAt.Equal(p.CreatedAt) {
		t.Errorf("pipeline %+v", got)
	}
	if len(got.Workflows) != 1 || got.Workflows[0].ID != w.ID || got.Workflows[0].Status != model.RunOnHold {
		t.Fatalf("workflows %+v", got.Workflows)
	}
	var lines []string
	for _, j := range got.Workflows[0].Jobs {
		lines = append(lines, fmt.Sprintf("%s:%s:%v:%v:%d", j.Name, j.Status, j.Needs, j.Approval, j.Number))
	}
	want := "[build:success:[]:false:7 test:success:[build]:false:8 hold-production:on_hold:[test]:true:0 deploy-production:blocked:[hold-production]:false:0]"
	if fmt.Sprint(lines) != want {
		t.Errorf("jobs\n got %v\nwant %s", lines, want)
	}

	if len(st.Gates) != 1 {
		t.Fatalf("gates %+v", st.Gates)
	}
	g := st.Gates[0]
	// The hold has no start time: it has waited since test stopped.
	if g.Service != "api" || g.Provider != "circleci" || g.Gate != "hold-production" || g.ID != w.ID+"/"+jobs["hold"].ID ||
		g.WorkflowID != w.ID || g.JobID != jobs["hold"].ID || g.SHA != shaA || g.Subject != "Cache feature flags (#412)" ||
		!g.WaitingSince.Equal(jobs["test"].StoppedAt) {
		t.Errorf("gate %+v", g)
	}
}

// The newest Recent pipelines only, newest first; older ones fall out of
// memory too.
func TestFetchNewestPipelines(t *testing.T) {
	f := newFakeCI(t)
	f.pageSize = 3
	for i := 1; i <= 8; i++ {
		p := f.addPipeline("gh/acme/api", i, shaA, fmt.Sprint("commit ", i), t0.Add(time.Duration(i-20)*time.Minute))
		f.addJob(f.addWorkflow(p, "build-test-deploy", "success"), "build", "build", "success")
	}
	s := f.source(t, fakeclock.New(t0), apiService)
	st := fetchOne(t, s)
	var numbers []int64
	for _, p := range st.Pipelines {
		numbers = append(numbers, p.Number)
	}
	if fmt.Sprint(numbers) != "[8 7 6 5 4]" {
		t.Errorf("pipelines %v, want the newest five", numbers)
	}
	if n := f.count()["listPipelinesForProject"]; n != 2 {
		t.Errorf("%d pipeline pages read for 5 at 3 a page, want 2", n)
	}
	p := f.addPipeline("gh/acme/api", 9, shaB, "commit 9", t0)
	f.addWorkflow(p, "build-test-deploy", "running")
	fetchOne(t, s)
	if len(s.memory) != 5 {
		t.Errorf("memory holds %d pipelines, want the 5 listed", len(s.memory))
	}
}

// The requests a poll costs: everything once, then only what can change.
func TestRequestsPerPoll(t *testing.T) {
	f := newFakeCI(t)
	clock := fakeclock.New(t0)
	for i := 1; i <= 4; i++ {
		p := f.addPipeline("gh/acme/api", i, shaA, "old", t0.Add(-time.Duration(10-i)*time.Hour))
		w := f.addWorkflow(p, "build-test-deploy", "success")
		f.addJob(w, "build", "build", "success")
	}
	run := f.addPipeline("gh/acme/api", 5, shaB, "new", t0.Add(-time.Minute))
	wf := f.addWorkflow(run, "build-test-deploy", "running")
	build := f.addJob(wf, "build", "build", "running")
	s := f.source(t, clock, apiService)

	poll := func(name string, want map[string]int) {
		t.Helper()
		f.reset()
		fetchOne(t, s)
		got := f.count()
		for _, op := range []string{"listPipelinesForProject", "listWorkflowsByPipelineId", "listWorkflowJobs"} {
			if got[op] != want[op] {
				t.Errorf("%s: %v, want %v", name, got, want)
				return
			}
		}
		t.Logf("%s: %d requests %v", name, len(f.requests()), got)
	}
	all := map[string]int{"listPipelinesForProject": 1, "listWorkflowsByPipelineId": 5, "listWorkflowJobs": 5}
	running := map[string]int{"listPipelinesForProject": 1, "listWorkflowsByPipelineId": 1, "listWorkflowJobs": 1}
	idle := map[string]int{"listPipelinesForProject": 1}

	poll("first poll", all)
	clock.Advance(2 * time.Second)
	poll("one pipeline running", running)

	f.set(func() {
		wf.Status, build.Status = "success", "success"
		run.UpdatedAt = t0.Add(time.Minute)
	})
	clock.Advance(2 * time.Second)
	poll("it finished", running)
	clock.Advance(10 * time.Second)
	poll("idle", idle)
	clock.Advance(10 * time.Second)
	poll("idle again", idle)

	// After settledRecheck the settled pipelines' workflows are listed
	// once more (a rerun from the web UI would show); their jobs are not.
	clock.Advance(settledRecheck)
	poll("settled re-check", map[string]int{"listPipelinesForProject": 1, "listWorkflowsByPipelineId": 5})
	poll("idle after re-check", idle)
}

// A held gate costs its workflow list once a heldRelist and its jobs once
// a heldRecheck; approval moves the workflow, which is seen at once where
// updated_at says so.
func TestRequestsWhileHeld(t *testing.T) {
	f := newFakeCI(t)
	clock := fakeclock.New(t0)
	p, w, jobs := heldPipeline(f, 1, shaA, t0.Add(-time.Minute))
	s := f.source(t, clock, apiService)
	fetchOne(t, s)

	f.reset()
	clock.Advance(10 * time.Second)
	if st := fetchOne(t, s); len(st.Gates) != 1 {
		t.Fatalf("gate lost: %+v", st)
	}
	if got := f.count(); len(f.requests()) != 1 {
		t.Errorf("held poll: %v, want the pipeline list only", got)
	}
	f.reset()
	clock.Advance(heldRelist)
	fetchOne(t, s)
	if got := f.count(); got["listWorkflowsByPipelineId"] != 1 || got["listWorkflowJobs"] != 0 {
		t.Errorf("after heldRelist: %v, want its workflows listed again", got)
	}
	f.reset()
	clock.Advance(heldRecheck)
	fetchOne(t, s)
	if got := f.count(); got["listWorkflowJobs"] != 1 {
		t.Errorf("after heldRecheck: %v, want the jobs read again", got)
	}

	f.set(func() {
		jobs["hold"].Status, jobs["hold"].ApprovedBy = "success", "u-colleague"
		jobs["deploy"].Status = "running"
		w.Status, p.UpdatedAt = "running", t0
	})
	f.reset()
	clock.Advance(2 * time.Second)
	st := fetchOne(t, s)
	if len(st.Gates) != 0 || st.Pipelines[0].Status != model.RunRunning || f.count()["listWorkflowJobs"] != 1 {
		t.Errorf("after approval: gates %+v, status %s, %v", st.Gates, st.Pipelines[0].Status, f.count())
	}
	if j := st.Pipelines[0].Workflows[0].Jobs[2]; j.ApprovedBy != "u-colleague" || j.Status != model.RunSuccess {
		t.Errorf("approved job %+v", j)
	}
}

func TestWorkflowFilter(t *testing.T) {
	f := newFakeCI(t)
	p := f.addPipeline("gh/acme/api", 1, shaA, "both", t0.Add(-time.Hour))
	f.addJob(f.addWorkflow(p, "lint", "failed"), "lint", "build", "failed")
	f.addJob(f.addWorkflow(p, "deploy", "success"), "deploy", "build", "success")
	other := f.addPipeline("gh/acme/api", 2, shaB, "lint only", t0.Add(-time.Minute))
	f.addJob(f.addWorkflow(other, "lint", "success"), "lint", "build", "success")

	svc := apiService
	svc.Workflow = "deploy"
	st := fetchOne(t, f.source(t, fakeclock.New(t0), svc))
	if len(st.Pipelines) != 1 || st.Pipelines[0].ID != p.ID || len(st.Pipelines[0].Workflows) != 1 ||
		st.Pipelines[0].Workflows[0].Name != "deploy" || st.Pipelines[0].Status != model.RunSuccess {
		t.Errorf("filtered: %+v", st.Pipelines)
	}
	if n := f.count()["listWorkflowJobs"]; n != 1 {
		t.Errorf("%d job lists read, want only the shown workflow's", n)
	}
}

// A pipeline still being set up has no workflows yet and is queued; one
// whose config failed is failed, with the reason.
func TestPipelinesWithoutWorkflows(t *testing.T) {
	f := newFakeCI(t)
	clock := fakeclock.New(t0)
	f.addPipeline("gh/acme/api", 1, shaA, "no workflows ran", t0.Add(-time.Hour))
	bad := f.addPipeline("gh/acme/api", 2, shaA, "bad config", t0.Add(-time.Hour))
	f.addPipeline("gh/acme/api", 3, shaB, "just pushed", t0.Add(-10*time.Second))
	f.set(func() {
		bad.State = "errored"
		bad.Errors = []PipelineError{{Type: "config", Message: "Config does not conform\nto schema"}}
	})
	st := fetchOne(t, f.source(t, clock, apiService))
	var got []string
	for _, p := range st.Pipelines {
		got = append(got, fmt.Sprintf("%d:%s:%s", p.Number, p.Status, p.Error))
	}
	if fmt.Sprint(got) != "[3:queued: 2:failed:Config does not conform to schema 1:skipped:]" {
		t.Errorf("%v", got)
	}
}

func TestFetchErrors(t *testing.T) {
	web := Service{Name: "web", Project: "gh/acme/web", Branch: "main"}
	setup := func(t *testing.T) (*fakeCI, *Source) {
		f := newFakeCI(t)
		heldPipeline(f, 1, shaA, t0.Add(-time.Minute))
		return f, f.source(t, fakeclock.New(t0), apiService, web)
	}

	t.Run("project not found is the service's own error", func(t *testing.T) {
		_, s := setup(t)
		sts, err := s.Fetch(ctx)
		if err != nil {
			t.Errorf("source error %v", err)
		}
		if sts[0].Service != "api" || sts[0].Error != "" || len(sts[0].Gates) != 1 {
			t.Errorf("api: %+v", sts[0])
		}
		if sts[1].Service != "web" || !strings.Contains(sts[1].Error, "404 Project not found") || sts[1].Pipelines != nil {
			t.Errorf("web: %+v", sts[1])
		}
	})
	t.Run("401 is the source's trouble", func(t *testing.T) {
		f, s := setup(t)
		f.fail["listPipelinesForProject"] = 401
		sts, err := s.Fetch(ctx)
		if !errors.Is(err, providers.ErrAuth) || err.Error() != "CircleCI: 401, check CIRCLECI_TOKEN (fake 401 for listPipelinesForProject)" {
			t.Errorf("source error %v", err)
		}
		if len(sts) != 2 || sts[0].Error == "" || sts[1].Error == "" {
			t.Errorf("%+v", sts)
		}
	})
	t.Run("429 throttles the source", func(t *testing.T) {
		f, s := setup(t)
		f.fail["listPipelinesForProject"] = 429
		_, err := s.Fetch(ctx)
		if d, ok := providers.RetryAfter(err); !ok || d != 30*time.Second {
			t.Errorf("source error %v (retry after %s)", err, d)
		}
		if strings.Count(err.Error(), "throttled") != 1 {
			t.Errorf("message says throttled twice: %q", err)
		}
		if n := len(f.requests()); n > 2 {
			t.Errorf("%d requests after the first 429", n)
		}
	})
	t.Run("5xx everywhere fails the source", func(t *testing.T) {
		f, s := setup(t)
		f.fail["listPipelinesForProject"] = 502
		if _, err := s.Fetch(ctx); err == nil || !strings.Contains(err.Error(), "502") {
			t.Errorf("source error %v", err)
		}
	})
	t.Run("a failed job list fails the service, then recovers", func(t *testing.T) {
		f, s := setup(t)
		f.fail["listWorkflowJobs"] = 500
		sts, err := s.Fetch(ctx)
		if err == nil || !strings.Contains(sts[0].Error, "500") {
			t.Errorf("%+v, %v", sts, err)
		}
		delete(f.fail, "listWorkflowJobs")
		sts, _ = s.Fetch(ctx)
		if sts[0].Error != "" || len(sts[0].Gates) != 1 {
			t.Errorf("after recovery: %+v", sts[0])
		}
	})
}

// PollCI packs a poll for the snapshot, throttling flagged.
func TestPollCI(t *testing.T) {
	f := newFakeCI(t)
	heldPipeline(f, 1, shaA, t0.Add(-time.Minute))
	s := f.source(t, fakeclock.New(t0), apiService)
	r := providers.PollCI(ctx, s, time.Second, func() time.Time { return t0 })
	if r.Source != "circleci "+strings.TrimPrefix(f.srv.URL, "http://") || r.Kind != "circleci" || r.Err != nil || r.Throttled ||
		!r.At.Equal(t0) || fmt.Sprint(r.Covers) != "[api]" || len(r.Services) != 1 {
		t.Errorf("%+v", r)
	}
	snap := model.NewSnapshot([]model.ServiceSpec{{Name: "api"}})
	snap.MergeCI(r)
	if len(snap.Approvals) != 1 || len(snap.Services[0].Pipelines) != 1 {
		t.Errorf("merged: %+v", snap)
	}
	f.fail["listPipelinesForProject"] = 429
	if r := providers.PollCI(ctx, s, time.Second, time.Now); !r.Throttled {
		t.Errorf("%+v", r)
	}
}

func TestSourceName(t *testing.T) {
	for host, want := range map[string]string{"": "circleci", "https://circleci.com": "circleci", "https://ci.acme.example": "circleci ci.acme.example"} {
		s, err := New(Options{Host: host})
		if err != nil || s.Name() != want || s.Kind() != "circleci" {
			t.Errorf("%q: %q, %v", host, s.Name(), err)
		}
	}
}

// Without a token every poll says how to set one, as the source's error.
func TestFetchWithoutToken(t *testing.T) {
	s, err := New(Options{Services: []Service{apiService}})
	if err != nil {
		t.Fatal(err)
	}
	sts, err := s.Fetch(ctx)
	if !errors.Is(err, providers.ErrAuth) || len(sts) != 1 || !strings.Contains(sts[0].Error, "CIRCLECI_TOKEN") {
		t.Errorf("%+v, %v", sts, err)
	}
}

func TestApproveAndCheckGate(t *testing.T) {
	f := newFakeCI(t)
	_, w, jobs := heldPipeline(f, 1, shaA, t0.Add(-time.Minute))
	s := f.source(t, fakeclock.New(t0), apiService)
	g := fetchOne(t, s).Gates[0]

	if err := s.CheckGate(ctx, g); err != nil {
		t.Fatalf("held gate re-check: %v", err)
	}

	f.reset()
	rc, err := s.Approve(ctx, g, true)
	if err != nil || len(f.requests()) != 0 || rc.Detail != "would approve hold-production of api at a1a1a1a" || len(rc.RequestIDs) != 0 {
		t.Errorf("dry run: %+v, %v, %d requests", rc, err, len(f.requests()))
	}
	wantCall := providers.Call{Operation: "approvePendingApprovalJobById", Params: map[string]string{
		"project": "gh/acme/api", "workflow_id": w.ID, "approval_request_id": jobs["hold"].ID, "job": "hold-production",
	}}
	if len(rc.Calls) != 1 || fmt.Sprint(rc.Calls[0]) != fmt.Sprint(wantCall) {
		t.Errorf("calls %+v", rc.Calls)
	}

	rc, err = s.Approve(ctx, g, false)
	if err != nil || rc.Detail != "approved hold-production" || len(rc.RequestIDs) != 1 || !strings.HasPrefix(rc.RequestIDs[0], "req-") {
		t.Errorf("approve: %+v, %v", rc, err)
	}
	if fmt.Sprint(f.approved) != fmt.Sprint([]string{w.ID + "/" + jobs["hold"].ID}) {
		t.Errorf("approved %v", f.approved)
	}

	cases := []struct {
		status, by, canceledBy, want string
	}{
		{"success", "u-me", "", "hold-production of api was already approved by you (arivera); look again before acting"},
		{"success", "u-other", "", "hold-production of api was already approved by user u-other; look again before acting"},
		{"success", "", "", "hold-production of api was already approved; look again before acting"},
		{"canceled", "", "u-other", "hold-production of api was canceled by user u-other; look again before acting"},
		{"not_run", "", "", "hold-production of api is skipped, no longer waiting for approval; look again before acting"},
	}
	for _, tc := range cases {
		f.set(func() {
			jobs["hold"].Status, jobs["hold"].ApprovedBy, jobs["hold"].CanceledBy = tc.status, tc.by, tc.canceledBy
		})
		err := s.CheckGate(ctx, g)
		if !model.IsRefusal(err) || err.Error() != tc.want {
			t.Errorf("%s by %q: %v", tc.status, tc.by, err)
		}
	}
	if n := f.count()["getCurrentUser"]; n != 1 {
		t.Errorf("/me read %d times, want once", n)
	}

	f.set(func() { delete(f.jobs, w.ID); delete(f.workflows, w.PipelineID) })
	if err := s.CheckGate(ctx, g); !model.IsRefusal(err) || !strings.Contains(err.Error(), "no longer exists") {
		t.Errorf("gone workflow: %v", err)
	}
	f.fail["listWorkflowJobs"] = 500
	if err := s.CheckGate(ctx, g); err == nil || model.IsRefusal(err) {
		t.Errorf("a failed re-check is an error, not a refusal: %v", err)
	}
}

func TestRejectRerunCancel(t *testing.T) {
	f := newFakeCI(t)
	clock := fakeclock.New(t0)
	_, w, _ := heldPipeline(f, 2, shaA, t0.Add(-time.Minute))
	failed := f.addPipeline("gh/acme/api", 1, shaB, "older", t0.Add(-time.Hour))
	fw := f.addWorkflow(failed, "build-test-deploy", "failed")
	f.addJob(fw, "test", "build", "failed")
	f.set(func() {
		f.pipelines["gh/acme/api"][0], f.pipelines["gh/acme/api"][1] = f.pipelines["gh/acme/api"][1], f.pipelines["gh/acme/api"][0]
	})
	s := f.source(t, clock, apiService)
	g := fetchOne(t, s).Gates[0]

	rc, err := s.Reject(ctx, g, false)
	if err != nil || rc.Calls[0].Operation != "cancelWorkflow" || rc.Calls[0].Params["workflow_id"] != w.ID || rc.Detail != "workflow canceled" {
		t.Errorf("reject: %+v, %v", rc, err)
	}
	rc, err = s.CancelWorkflow(ctx, "api", w.ID, true)
	if err != nil || rc.Detail != "would cancel workflow "+w.ID+" of api" {
		t.Errorf("cancel dry run: %+v, %v", rc, err)
	}

	fetchOne(t, s)
	f.reset()
	fetchOne(t, s)
	if n := f.count()["listWorkflowsByPipelineId"]; n != 0 {
		t.Fatalf("settled (and held) pipelines listed again before the rerun: %d", n)
	}
	rc, err = s.RerunFailed(ctx, "api", fw.ID, false)
	if err != nil || rc.Detail != "rerun started as workflow wf-rerun" || rc.Calls[0].Params["from_failed"] != "true" {
		t.Errorf("rerun: %+v, %v", rc, err)
	}
	f.reset()
	fetchOne(t, s)
	if n := f.count()["listWorkflowsByPipelineId"]; n != 1 {
		t.Errorf("after our rerun, %d workflow lists, want the rerun one only (the held one waits heldRelist)", n)
	}

	if _, err := s.RerunFailed(ctx, "web", fw.ID, false); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("unknown service: %v", err)
	}
	web := Service{Name: "web", Project: "gh/acme/web"}
	s2 := f.source(t, clock, apiService, web)
	fetchOne2 := func() {
		if _, err := s2.Fetch(ctx); err != nil {
			t.Fatal(err)
		}
	}
	fetchOne2()
	if _, err := s2.CancelWorkflow(ctx, "web", w.ID, false); !model.IsRefusal(err) || !strings.Contains(err.Error(), "belongs to api") {
		t.Errorf("another service's workflow: %v", err)
	}
}

func TestGateRefErrors(t *testing.T) {
	s, _ := New(Options{Services: []Service{apiService}})
	for _, g := range []model.Gate{
		{Service: "api", Gate: "hold", ID: "no-slash"},
		{Service: "api", Gate: "hold", ID: "wf/"},
		{Service: "web", Gate: "hold", ID: "wf/req"},
	} {
		if _, err := s.Approve(ctx, g, true); err == nil {
			t.Errorf("%+v accepted", g)
		}
	}
}

// The API's status words, normalised.
func TestStatusMapping(t *testing.T) {
	jobs := map[string]model.RunStatus{
		"success": model.RunSuccess, "running": model.RunRunning, "not_run": model.RunSkipped, "failed": model.RunFailed,
		"retried": model.RunSkipped, "queued": model.RunQueued, "not_running": model.RunQueued, "infrastructure_fail": model.RunFailed,
		"timedout": model.RunFailed, "on_hold": model.RunOnHold, "terminated-unknown": model.RunCanceled, "blocked": model.RunBlocked,
		"canceled": model.RunCanceled, "unauthorized": model.RunFailed, "something-new": model.RunBlocked,
	}
	checkStatuses(t, "listWorkflowJobs", jobs, jobStatus)
	wfs := map[string]model.RunStatus{
		"success": model.RunSuccess, "running": model.RunRunning, "not_run": model.RunSkipped, "failed": model.RunFailed,
		"error": model.RunFailed, "failing": model.RunFailed, "on_hold": model.RunOnHold, "canceled": model.RunCanceled,
		"unauthorized": model.RunFailed,
	}
	checkStatuses(t, "listWorkflowsByPipelineId", wfs, workflowStatus)
}

// checkStatuses checks a mapping against its table, and that the table
// covers every status the spec lists for the operation's items.
func checkStatuses(t *testing.T, op string, table map[string]model.RunStatus, mapping func(string) model.RunStatus) {
	t.Helper()
	for _, st := range specEnum(t, loadSpec(t), op, "status") {
		if _, ok := table[st]; !ok {
			t.Errorf("%s: status %q from the spec is not in the table", op, st)
		}
	}
	for in, want := range table {
		if got := mapping(in); got != want {
			t.Errorf("%s: %s → %s, want %s", op, in, got, want)
		}
	}
}

// specEnum lists the enum of an item property of a list operation.
func specEnum(t *testing.T, spec *apiSpec, op, prop string) []string {
	t.Helper()
	resp := spec.operation(t, op)["responses"].(map[string]any)["200"].(map[string]any)
	schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	item := schema["properties"].(map[string]any)["items"].(map[string]any)["items"].(map[string]any)
	var out []string
	for _, v := range item["properties"].(map[string]any)[prop].(map[string]any)["enum"].([]any) {
		out = append(out, v.(string))
	}
	if len(out) == 0 {
		t.Fatalf("no enum for %s.%s", op, prop)
	}
	return out
}

func TestPipelineStatus(t *testing.T) {
	wf := func(st model.RunStatus, jobs ...model.RunStatus) model.Workflow {
		w := model.Workflow{Status: st}
		for _, j := range jobs {
			w.Jobs = append(w.Jobs, model.Job{Status: j})
		}
		return w
	}
	cases := []struct {
		wfs  []model.Workflow
		want model.RunStatus
	}{
		{[]model.Workflow{wf(model.RunSuccess), wf(model.RunFailed)}, model.RunFailed},
		// "failing": a failed job, another still running.
		{[]model.Workflow{wf(model.RunFailed, model.RunFailed, model.RunRunning)}, model.RunFailed},
		{[]model.Workflow{wf(model.RunSuccess), wf(model.RunRunning)}, model.RunRunning},
		{[]model.Workflow{wf(model.RunQueued)}, model.RunQueued},
		{[]model.Workflow{wf(model.RunOnHold), wf(model.RunSuccess)}, model.RunOnHold},
		{[]model.Workflow{wf(model.RunCanceled), wf(model.RunSuccess)}, model.RunCanceled},
		{[]model.Workflow{wf(model.RunSuccess), wf(model.RunSkipped)}, model.RunSuccess},
		{[]model.Workflow{wf(model.RunSkipped)}, model.RunSkipped},
	}
	for i, tc := range cases {
		if got := pipelineStatus(Pipeline{}, tc.wfs, false); got != tc.want {
			t.Errorf("%d: %s, want %s", i, got, tc.want)
		}
	}
}

// Waiting since: the job's own start, else its upstream's stop, else the
// workflow's creation.
func TestWaitingSince(t *testing.T) {
	up := Job{ID: "u1", StoppedAt: t0.Add(-time.Minute)}
	up2 := Job{ID: "u2", StoppedAt: t0.Add(-30 * time.Second)}
	byID := map[string]Job{"u1": up, "u2": up2}
	w := model.Workflow{CreatedAt: t0.Add(-time.Hour)}
	p := model.Pipeline{CreatedAt: t0.Add(-2 * time.Hour)}
	if got := waitingSince(Job{StartedAt: t0}, byID, w, p); !got.Equal(t0) {
		t.Errorf("own start: %s", got)
	}
	if got := waitingSince(Job{Dependencies: []string{"u1", "u2"}}, byID, w, p); !got.Equal(up2.StoppedAt) {
		t.Errorf("upstream: %s", got)
	}
	if got := waitingSince(Job{}, byID, w, p); !got.Equal(w.CreatedAt) {
		t.Errorf("workflow: %s", got)
	}
	if got := waitingSince(Job{}, byID, model.Workflow{}, p); !got.Equal(p.CreatedAt) {
		t.Errorf("pipeline: %s", got)
	}
}

// Dependencies are job names; an id the list lacks is dropped, and needs
// is never null in JSON.
func TestToJobsNeeds(t *testing.T) {
	jobs := toJobs([]Job{
		{ID: "1", Name: "build", Dependencies: nil},
		{ID: "2", Name: "test", Dependencies: []string{"1", "missing"}},
	})
	if jobs[0].Needs == nil || len(jobs[0].Needs) != 0 || fmt.Sprint(jobs[1].Needs) != "[build]" {
		t.Errorf("%+v", jobs)
	}
}
