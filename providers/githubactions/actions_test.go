package githubactions

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// polledGate polls the waiting world once and returns its gate.
func polledGate(t *testing.T, s *Source) model.Gate {
	t.Helper()
	st := fetchOK(t, s)[0]
	if len(st.Gates) != 1 {
		t.Fatalf("gates: %+v", st.Gates)
	}
	return st.Gates[0]
}

func TestApproveReviewsThePendingDeployment(t *testing.T) {
	f, clock, run := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	g := polledGate(t, s)
	if err := s.CheckGate(ctx, g); err != nil {
		t.Fatalf("CheckGate on a waiting gate: %v", err)
	}

	f.resetSeen()
	dry, err := s.Approve(ctx, g, true)
	if err != nil || len(f.requests()) != 0 || !strings.HasPrefix(dry.Detail, "would approve the deployment of web to production") {
		t.Fatalf("dry run: %+v %v (%d requests)", dry, err, len(f.requests()))
	}
	if c := dry.Calls[0]; c.Operation != "actions/review-pending-deployments-for-run" || c.Params["environment_id"] != "161171795" ||
		c.Params["state"] != "approved" || c.Params["comment"] != "approved from flightdeck by tester" {
		t.Errorf("call: %+v", c)
	}

	rc, err := s.Approve(ctx, g, false)
	if err != nil {
		t.Fatalf("Approve: %v", err)
	}
	if len(rc.RequestIDs) != 1 || rc.Detail != "approved production" {
		t.Errorf("receipt: %+v", rc)
	}
	f.mu.Lock()
	reviews := f.reviews
	f.mu.Unlock()
	if len(reviews) != 1 || reviews[0].Run != run.id() || reviews[0].State != "approved" ||
		len(reviews[0].EnvIDs) != 1 || reviews[0].EnvIDs[0] != 161171795 || reviews[0].Comment != "approved from flightdeck by tester" {
		t.Errorf("review sent: %+v", reviews)
	}
	var body map[string]any
	for _, r := range f.requests() {
		if r.Method == http.MethodPost {
			_ = json.Unmarshal([]byte(r.Body), &body)
		}
	}
	if len(body) != 3 {
		t.Errorf("review body %v: want environment_ids, state and comment", body)
	}

	// The run moves on; the re-check now says who answered.
	clock.Advance(2 * time.Second)
	st := fetchOK(t, s)[0]
	if len(st.Gates) != 0 || st.Pipelines[0].Status != model.RunRunning {
		t.Errorf("after approval: gates %v, status %s", st.Gates, st.Pipelines[0].Status)
	}
	err = s.CheckGate(ctx, g)
	if !model.IsRefusal(err) || !strings.Contains(err.Error(), "production of web was already approved by octocat") {
		t.Errorf("CheckGate after approval: %v", err)
	}
}

func TestRejectStopsTheRun(t *testing.T) {
	f, _, _ := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	g := polledGate(t, s)
	if _, err := s.Reject(ctx, g, false); err != nil {
		t.Fatalf("Reject: %v", err)
	}
	f.mu.Lock()
	state, comment := f.reviews[0].State, f.reviews[0].Comment
	f.mu.Unlock()
	if state != "rejected" || comment != "rejected from flightdeck by tester" {
		t.Errorf("review: %s %q", state, comment)
	}
	p := fetchOK(t, s)[0].Pipelines[0]
	if p.Status != model.RunFailed {
		t.Errorf("status after reject: %s", p.Status)
	}
	if err := s.CheckGate(ctx, g); !model.IsRefusal(err) || !strings.Contains(err.Error(), "already rejected by octocat") {
		t.Errorf("CheckGate: %v", err)
	}
}

func TestGateTheUserMayNotReview(t *testing.T) {
	f, _ := newFake(t)
	run := f.addRun("acme/web", sha(7), "waiting", "")
	f.addFile("acme/web", sha(7), ".github/workflows/deploy.yml", deployYML)
	f.addJob(run, "deploy-production", "waiting", "")
	f.pend(run, 42, "production", false)
	s := f.source(t, Options{}, webService)
	g := polledGate(t, s)
	if !strings.Contains(g.ApproveBlocked, "not allowed to review deployments to production") {
		t.Errorf("ApproveBlocked = %q", g.ApproveBlocked)
	}
	if err := s.CheckGate(ctx, g); !model.IsRefusal(err) || !strings.Contains(err.Error(), "you may not review it") {
		t.Errorf("CheckGate: %v", err)
	}
	// Should it be sent anyway, GitHub's refusal is an auth error.
	f.failNext("review-pending-deployments", http.StatusForbidden, nil, errBody("Must have admin rights to Repository."))
	rc, err := s.Approve(ctx, g, false)
	if !errors.Is(err, providers.ErrAuth) || len(rc.RequestIDs) != 1 {
		t.Errorf("Approve: %v, receipt %+v", err, rc)
	}
}

func TestCheckGateOnACanceledRun(t *testing.T) {
	f, _, run := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	g := polledGate(t, s)
	f.mu.Lock()
	run.pending = nil
	f.mu.Unlock()
	f.setStatus(run, "completed", "cancelled")
	if err := s.CheckGate(ctx, g); !model.IsRefusal(err) || !strings.Contains(err.Error(), "its run was canceled") {
		t.Errorf("CheckGate: %v", err)
	}
	bad := g
	bad.ID = "1/2"
	if err := s.CheckGate(ctx, bad); !model.IsRefusal(err) || !strings.Contains(err.Error(), "no longer exists") {
		t.Errorf("CheckGate on a run that is gone: %v", err)
	}
	bad.ID = "nonsense"
	if err := s.CheckGate(ctx, bad); err == nil || model.IsRefusal(err) {
		t.Errorf("CheckGate on a bad id: %v", err)
	}
}

func TestRerunAndCancel(t *testing.T) {
	f, _ := newFake(t)
	failed := f.addRun("acme/web", sha(8), "completed", "failure")
	f.addJob(failed, "build", "completed", "failure")
	running := f.addRun("acme/web", sha(9), "in_progress", "")
	f.addJob(running, "build", "in_progress", "")
	s := f.source(t, Options{}, webService)
	fetchOK(t, s)

	id := strconv.FormatInt(failed.id(), 10)
	rc, err := s.RerunFailed(ctx, "web", id, false)
	if err != nil || rc.Calls[0].Operation != "actions/re-run-workflow-failed-jobs" || len(rc.RequestIDs) != 1 {
		t.Fatalf("RerunFailed: %+v %v", rc, err)
	}
	if st := fetchOK(t, s)[0].Pipelines[1]; st.Status != model.RunQueued {
		t.Errorf("after the rerun: %s", st.Status)
	}

	// Cancel: GitHub answers 202, which is success.
	rid := strconv.FormatInt(running.id(), 10)
	rc, err = s.CancelWorkflow(ctx, "web", rid, false)
	if err != nil || rc.Detail != "cancel requested" || len(rc.RequestIDs) != 1 {
		t.Fatalf("CancelWorkflow: %+v %v", rc, err)
	}
	if st := fetchOK(t, s)[0].Pipelines[0]; st.Status != model.RunCanceled {
		t.Errorf("after cancel: %s", st.Status)
	}
	// A second cancel of a finished run: GitHub's 409 comes back as an error.
	if _, err := s.CancelWorkflow(ctx, "web", rid, false); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("second cancel: %v", err)
	}
	// A run is acted on only through the service it belongs to.
	other := f.source(t, Options{}, webService, Service{Name: "api", Repo: "acme/api", Workflow: "ci.yml"})
	f.mu.Lock()
	f.runs["acme/api"] = nil
	f.mu.Unlock()
	if _, err := other.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.CancelWorkflow(ctx, "api", rid, false); !model.IsRefusal(err) {
		t.Errorf("cancel through the wrong service: %v", err)
	}
	if _, err := other.CancelWorkflow(ctx, "nope", rid, false); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("cancel of an unknown service: %v", err)
	}
	// Two services on one repository and workflow (a monorepo) share its
	// runs: either may act on them.
	canary := webService
	canary.Name = "web-canary"
	mono := f.source(t, Options{}, webService, canary)
	if _, err := mono.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web", "web-canary"} {
		if rc, err := mono.RerunFailed(ctx, name, id, true); err != nil || len(rc.Calls) != 1 || len(rc.RequestIDs) != 0 {
			t.Errorf("rerun (dry) through %s, which shares the repository: %+v %v", name, rc, err)
		}
	}
}
