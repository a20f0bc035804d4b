package circleci

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim"
)

// The demo's api pipelines that deployed to production are listed, newest
// deploy first, each with the job a rollback re-runs; a second read costs
// one request, the page of pipelines, as every pipeline on it that the
// poll does not hold is finished and remembered.
func TestSimDeployHistory(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, simServices...)
	simFetch(t, s) // the board's poll: its pipelines are in memory
	sw.World.ResetRequests()
	revs, err := s.DeployHistory(ctx, "api", "production")
	if err != nil {
		t.Fatal(err)
	}
	first, ops := sw.circleRequests()
	if len(revs) < 2 {
		t.Fatalf("%d deploys of api to production, want at least 2: %+v", len(revs), revs)
	}
	deployed := map[string]bool{}
	for _, p := range sw.World.Pipelines("api") {
		for _, wf := range p.Workflows {
			if j := wf.Job("deploy-production"); j != nil && j.Status == sim.RunSuccess {
				deployed[p.SHA] = true
			}
		}
	}
	for i, r := range revs {
		d := r.CI
		switch {
		case d == nil || d.Job != "deploy-production" || d.JobID == "" || d.WorkflowID == "" || d.Pipeline == 0 || d.Provider != "circleci":
			t.Errorf("rev %d: deploy %+v", i, d)
		case !sha40.MatchString(r.Version.SHA) || r.Subject == "" || r.DeployedAt.IsZero():
			t.Errorf("rev %d: %+v", i, r)
		case !deployed[r.Version.SHA]:
			t.Errorf("rev %d: %s never deployed to production in the sim", i, r.Version.Short())
		case r.Current != (i == 0):
			t.Errorf("rev %d: current %v", i, r.Current)
		case i > 0 && (r.RanFor <= 0 || r.DeployedAt.After(revs[i-1].DeployedAt)):
			t.Errorf("rev %d: ran %s, deployed %s after %s", i, r.RanFor, r.DeployedAt, revs[i-1].DeployedAt)
		case !r.Available:
			t.Errorf("rev %d: unavailable (%s) in a young world", i, r.Why)
		}
		if !strings.HasPrefix(r.How(), "re-run deploy-production of pipeline #") {
			t.Errorf("how %q", r.How())
		}
	}
	sw.World.ResetRequests()
	if _, err := s.DeployHistory(ctx, "api", "production"); err != nil {
		t.Fatal(err)
	}
	again, ops2 := sw.circleRequests()
	t.Logf("CI calls per picker opening: first %d %v, again %d %v", first, ops, again, ops2)
	if again != 1 {
		t.Errorf("a second read made %d requests (%v), want the one page of pipelines", again, ops2)
	}
}

// A configured deploy job is the one looked for; a service whose jobs
// never deployed the environment offers nothing.
func TestSimDeployHistoryConfiguredJob(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, Service{Name: "api", Project: "gh/acme/api", Branch: "main", DeployJobs: map[string]string{"production": "deploy-staging"}})
	revs, err := s.DeployHistory(ctx, "api", "production")
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) == 0 || revs[0].CI.Job != "deploy-staging" {
		t.Fatalf("configured job: %+v", revs)
	}
	revs, err = s.DeployHistory(ctx, "api", "qa")
	if err != nil || len(revs) != 0 {
		t.Fatalf("an environment no job deployed: %+v, %v", revs, err)
	}
	if _, err := s.DeployHistory(ctx, "nope", "production"); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("unknown service: %v", err)
	}
}

// Re-running an older deploy job reruns that job alone and ships the old
// commit's image to production; a dry run sends nothing.
func TestSimRerunDeploy(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, simServices...)
	revs, err := s.DeployHistory(ctx, "api", "production")
	if err != nil || len(revs) < 2 {
		t.Fatalf("%v %+v", err, revs)
	}
	old := revs[1]
	sw.World.ResetRequests()
	rc, err := s.RerunDeploy(ctx, "api", *old.CI, true)
	if n, _ := sw.circleRequests(); err != nil || n != 0 || len(rc.Calls) != 1 || rc.Calls[0].Params["jobs"] != old.CI.JobID || rc.Calls[0].Params["sparse_tree"] != "true" {
		t.Fatalf("dry run: %+v, %v, %d requests", rc, err, n)
	}
	rc, err = s.RerunDeploy(ctx, "api", *old.CI, false)
	if err != nil || len(rc.RequestIDs) != 1 || !strings.Contains(rc.Detail, "as workflow ") {
		t.Fatalf("rerun: %+v, %v", rc, err)
	}
	newID := rc.Detail[strings.LastIndex(rc.Detail, " ")+1:]
	// The board's poll follows the re-run pipeline, older than the newest
	// it reads, until its workflows finish.
	shows := func() *model.Pipeline {
		for _, st := range simFetch(t, s) {
			for i, p := range st.Pipelines {
				if st.Service == "api" && p.ID == old.CI.PipelineID {
					return &st.Pipelines[i]
				}
			}
		}
		return nil
	}
	if p := shows(); p == nil || !p.Moving() || !slices.ContainsFunc(p.Workflows, func(w model.Workflow) bool { return w.ID == newID }) {
		t.Fatalf("the poll should show the re-run pipeline #%d moving: %+v", old.CI.Pipeline, p)
	}
	var wf *sim.Workflow
	var p0 sim.Pipeline
	for range 60 {
		sw.Step(10 * time.Second)
		for _, p := range sw.World.Pipelines("api") {
			for _, w := range p.Workflows {
				if w.ID == newID {
					wf, p0 = w, p
				}
			}
		}
		if wf != nil && wf.Status != sim.RunRunning {
			break
		}
	}
	if wf == nil || wf.Status != sim.RunSuccess || wf.RerunOf != old.CI.WorkflowID || p0.SHA != old.Version.SHA {
		t.Fatalf("the rerun workflow: %+v in pipeline %s", wf, p0.SHA)
	}
	for _, j := range wf.Jobs {
		rerun := !j.StartedAt.Before(t0)
		if rerun != (j.Name == "deploy-production") {
			t.Errorf("job %s rerun=%v: only the deploy job should run again", j.Name, rerun)
		}
		if j.Name == "deploy-production" && !strings.Contains(j.TaskDefinitionArn, "task-definition/api-production:") {
			t.Errorf("deploy registered %q", j.TaskDefinitionArn)
		}
	}
	if p := shows(); p != nil && p.Moving() {
		t.Errorf("the re-run pipeline should have finished: %+v", p)
	}
	if p := shows(); p != nil {
		t.Errorf("a finished re-run is no longer followed: %+v", p)
	}
	// The history now has the re-run on top, the old commit current.
	revs, err = s.DeployHistory(ctx, "api", "production")
	if err != nil || !model.SameCommit(revs[0].Version.SHA, old.Version.SHA) || revs[0].CI.WorkflowID != newID {
		t.Fatalf("after the rerun: %v %+v", err, revs[0])
	}
}

// CircleCI saying no to the rerun (access denied) comes back as its
// answer after one request; nothing else is sent.
func TestSimRerunDeployRefused(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, simServices...)
	revs, err := s.DeployHistory(ctx, "api", "production")
	if err != nil || len(revs) < 2 {
		t.Fatalf("%v %+v", err, revs)
	}
	sw.World.ResetRequests()
	sw.World.SetFault(sim.SvcCircleCI, sim.Fault{DenyRate: 1})
	rc, err := s.RerunDeploy(ctx, "api", *revs[1].CI, false)
	sw.World.SetFault(sim.SvcCircleCI, sim.Fault{})
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "re-run deploy-production of pipeline #") {
		t.Fatalf("the refusal should come back: %v", err)
	}
	if n, ops := sw.circleRequests(); n != 1 || ops["rerunWorkflow"] != 1 || len(rc.Calls) != 1 {
		t.Errorf("one rerun request and nothing else: %d %v, %+v", n, ops, rc)
	}
}
