package githubactions

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim"
)

// ghRequests totals the sim's GitHub request counts.
func (sw *simWorld) ghRequests() (int, map[string]int) {
	total, ops := 0, map[string]int{}
	for k, n := range sw.World.Requests() {
		if op, ok := strings.CutPrefix(k, sim.SvcGitHub+":"); ok {
			ops[op] += n
			total += n
		}
	}
	return total, ops
}

// web's runs that deployed production are listed newest first with the
// job a rollback re-runs and the review it will wait for; staging's
// deploy job, a reusable workflow's, is found by its environment.
func TestSimDeployHistory(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, Options{}, simServices...)
	fetchOK(t, s) // the board's poll
	sw.World.ResetRequests()
	revs, err := s.DeployHistory(ctx, "web", "production")
	if err != nil {
		t.Fatal(err)
	}
	first, ops := sw.ghRequests()
	if len(revs) < 2 {
		t.Fatalf("want at least 2 deploys of web to production: %+v", revs)
	}
	for i, r := range revs {
		d := r.CI
		switch {
		case d == nil || d.Job != "deploy-production" || d.JobID == "" || d.WorkflowID == "" || d.Pipeline == 0 || d.Provider != "github":
			t.Errorf("rev %d: deploy %+v", i, d)
		case d.Next != "will wait for a reviewer of production":
			t.Errorf("rev %d: next %q", i, d.Next)
		case !sha40.MatchString(r.Version.SHA) || r.Subject == "" || r.DeployedAt.IsZero() || !r.Available:
			t.Errorf("rev %d: %+v", i, r)
		case i > 0 && (r.RanFor <= 0 || r.DeployedAt.After(revs[i-1].DeployedAt)):
			t.Errorf("rev %d: not newest first", i)
		}
	}
	sw.World.ResetRequests()
	if _, err := s.DeployHistory(ctx, "web", "production"); err != nil {
		t.Fatal(err)
	}
	again, ops2 := sw.ghRequests()
	t.Logf("GitHub calls per picker opening: first %d %v, again %d %v", first, ops, again, ops2)
	if again > 2 {
		t.Errorf("a second read made %d requests (%v), want the page of runs and the reviews of the newest", again, ops2)
	}
	staging, err := s.DeployHistory(ctx, "web", "staging")
	if err != nil || len(staging) == 0 || staging[0].CI.Job != "deploy-staging / deploy" || staging[0].CI.Next != "" {
		t.Fatalf("staging through the reusable workflow: %v %+v", err, staging)
	}
	// A source whose clock is 31 days on sees every run too old to re-run.
	late := sw.source(t, Options{}, simServices...)
	late.now = func() time.Time { return sw.Clock.Now().Add(31 * 24 * time.Hour) }
	old, err := late.DeployHistory(ctx, "web", "production")
	if err != nil || len(old) == 0 || old[0].Available || !strings.Contains(old[0].Why, "GitHub re-runs a run only within 30 days") {
		t.Fatalf("too old: %v %+v", err, old)
	}
}

// Re-running the deploy job of an older run starts the run's next
// attempt, which waits for production's reviewer (a gate in the poll, as
// usual), and once approved deploys the old commit.
func TestSimRerunDeploy(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, Options{}, simServices...)
	revs, err := s.DeployHistory(ctx, "web", "production")
	if err != nil || len(revs) < 2 {
		t.Fatalf("%v %+v", err, revs)
	}
	old := revs[len(revs)-1] // the oldest: not among the newest the poll reads
	t.Logf("re-running run #%d of %d deploys listed", old.CI.Pipeline, len(revs))
	sw.World.ResetRequests()
	rc, err := s.RerunDeploy(ctx, "web", *old.CI, true)
	if n, _ := sw.ghRequests(); err != nil || n != 0 || len(rc.Calls) != 1 || rc.Calls[0].Operation != "actions/re-run-job-for-workflow-run" || rc.Calls[0].Params["job_id"] != old.CI.JobID {
		t.Fatalf("dry run: %+v %v (%d requests)", rc, err, n)
	}
	rc, err = s.RerunDeploy(ctx, "web", *old.CI, false)
	if err != nil || !strings.Contains(rc.Detail, "as its next attempt") {
		t.Fatalf("rerun: %+v %v", rc, err)
	}
	var p sim.Pipeline
	for _, q := range sw.World.Pipelines("web") {
		if q.SHA == old.Version.SHA && len(q.Workflows) > 1 {
			p = q
		}
	}
	if len(p.Workflows) < 2 {
		t.Fatalf("no new attempt of the run of %s", old.Version.Short())
	}
	wf := p.Workflows[len(p.Workflows)-1]
	for _, j := range wf.Jobs {
		if again := !j.StartedAt.Before(t0) || j.Status == sim.RunOnHold || j.Status == sim.RunBlocked; again != (j.Name == "deploy-production") {
			t.Errorf("job %s %s: only the deploy job should run again", j.Name, j.Status)
		}
	}
	// The gate the re-run needs is in the poll, as any other.
	var gate *model.Gate
	for _, st := range fetchOK(t, s) {
		for i, g := range st.Gates {
			if st.Service == "web" && g.Gate == "production" && g.SHA == old.Version.SHA {
				gate = &st.Gates[i]
			}
		}
	}
	if gate == nil {
		t.Fatal("the re-run's wait for production's reviewer should be a gate")
	}
	if _, err := s.Approve(ctx, *gate, false); err != nil {
		t.Fatal(err)
	}
	// The demo world keeps shipping, so a newer deploy may supersede this
	// one soon after; what counts is that the old commit's task
	// definition was registered and an ECS deployment of it started.
	for range 60 {
		sw.Step(5 * time.Second)
		if j := lastJob(sw.World, "web", old.Version.SHA, "deploy-production"); j != nil && j.ServiceDeploymentArn != "" {
			if !strings.Contains(j.TaskDefinitionArn, "task-definition/web-production:") {
				t.Errorf("deploy registered %q", j.TaskDefinitionArn)
			}
			return
		}
	}
	t.Fatal("the re-run deploy job never deployed")
}

func lastJob(w *sim.World, service, sha, name string) *sim.Job {
	for _, p := range w.Pipelines(service) {
		if p.SHA == sha && len(p.Workflows) > 0 {
			return p.Workflows[len(p.Workflows)-1].Job(name)
		}
	}
	return nil
}

// Against shapes from the spec: a run past GitHub's 30 days is listed as
// unavailable, with the reason; re-running it anyway gets GitHub's 403,
// which comes back as the answer (not authorised, GitHub's words, the
// request id) after one request, and nothing else is tried.
func TestDeployHistoryTooOldRefused(t *testing.T) {
	f, clock := newFake(t)
	svc := Service{Name: "api", Repo: "acme/api", Workflow: "deploy.yml", Branch: "main"}
	old := f.addRun("acme/api", strings.Repeat("a", 40), "completed", "success")
	f.addJob(old, "build", "completed", "success")
	f.addJob(old, "deploy-production", "completed", "success")
	clock.Advance(40 * 24 * time.Hour)
	recent := f.addRun("acme/api", strings.Repeat("b", 40), "completed", "success")
	f.addJob(recent, "build", "completed", "success")
	f.addJob(recent, "deploy-production", "completed", "success")
	f.addJob(recent, "deploy-staging", "completed", "failure")
	s := f.source(t, Options{}, svc)
	revs, err := s.DeployHistory(ctx, "api", "production")
	if err != nil || len(revs) != 2 {
		t.Fatalf("%v %+v", err, revs)
	}
	if !revs[0].Available || revs[0].Version.SHA != strings.Repeat("b", 40) || revs[0].Subject == "" || strings.Contains(revs[0].Subject, "\n") {
		t.Errorf("the recent run: %+v", revs[0])
	}
	if revs[1].Available || !strings.Contains(revs[1].Why, "40 days old") || revs[1].RanFor != 40*24*time.Hour {
		t.Errorf("the old run: %+v", revs[1])
	}
	if st, err := s.DeployHistory(ctx, "api", "staging"); err != nil || len(st) != 0 {
		t.Errorf("a deploy job that failed is not offered: %+v %v", st, err)
	}
	f.resetSeen()
	_, err = s.RerunDeploy(ctx, "api", *revs[1].CI, false)
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "created over a month ago") {
		t.Fatalf("GitHub's refusal should come back: %v", err)
	}
	if reqs := f.requests(); len(reqs) != 1 {
		t.Errorf("one request, nothing else tried: %+v", reqs)
	}
	if _, err := s.RerunDeploy(ctx, "api", *revs[0].CI, false); err != nil {
		t.Errorf("the recent run's deploy job: %v", err)
	}
}
