package commands

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/sim"
)

// olderDeploy picks a CI row of the history: a recent pipeline's deploy
// job that shipped a commit other than the one running.
func (aw *actionWorld) olderDeploy(service, env string) model.Revision {
	aw.t.Helper()
	running := sha(aw.env(service, env))
	for _, r := range aw.history(service, env) {
		if r.CI != nil && r.Available && !model.SameCommit(r.Version.SHA, running) {
			return r
		}
	}
	aw.t.Fatalf("%s/%s: no older pipeline's deploy job to re-run", service, env)
	return model.Revision{}
}

func TestHistoryListsCIDeploysBesideTheTarget(t *testing.T) {
	aw := newActionWorld(t)
	revs := aw.history("api", "production")
	var ci, target int
	for _, r := range revs {
		if r.CI == nil {
			target++
			continue
		}
		ci++
		if r.CI.Job != "deploy-production" || r.CI.Pipeline == 0 || r.DeployedAt.IsZero() || r.Subject == "" {
			t.Errorf("CI row %+v %+v", r, *r.CI)
		}
	}
	if ci < 2 || target < 2 {
		t.Fatalf("want both kinds side by side: %d from CI, %d from the target", ci, target)
	}
	code, out, stderr := aw.run("history", "api", "production")
	if code != exitOK || !strings.Contains(out, "re-run deploy-production of pipeline #") || !strings.Contains(out, "point the service at api-production:") {
		t.Fatalf("history exit %d: %s\n%s", code, stderr, out)
	}
}

func TestRollbackViaCIDryRunSendsNothing(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderDeploy("api", "production")
	aw.w.ResetRequests()
	code, out, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--via", "ci", "--dry-run", "--json")
	if code != exitOK {
		t.Fatalf("dry run exit %d: %s", code, stderr)
	}
	var rep actionReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Action != "rollback_ci" || rep.Result != "dry-run" || len(rep.Calls) != 1 || rep.Calls[0].Operation != "rerunWorkflow" ||
		rep.Calls[0].Params["jobs"] != to.CI.JobID || rep.Calls[0].Params["workflow_id"] != to.CI.WorkflowID {
		t.Errorf("dry run report: %+v", rep)
	}
	for op, n := range aw.w.Requests() {
		if n > 0 && (strings.Contains(op, "rerun") || strings.Contains(op, "UpdateService") || strings.Contains(op, "Register")) {
			t.Errorf("dry run sent %s ×%d", op, n)
		}
	}
}

// The chosen pipeline's deploy job runs again, alone, and production
// comes to run its commit through the pipeline's own deploy.
func TestRollbackViaCICarriesOut(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderDeploy("api", "production")
	start := aw.clk.Now()
	wall := time.Now()
	code, out, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--via", "ci", "--yes")
	if code != exitOK || !strings.Contains(out, "re-run deploy-production of pipeline #") {
		t.Fatalf("rollback exit %d: %s\n%s", code, stderr, out)
	}
	recs := aw.auditRecords()
	if len(recs) != 1 || recs[0].Action != "rollback_ci" || recs[0].Result != audit.ResultOK || len(recs[0].RequestIDs) != 1 {
		t.Errorf("audit: %+v", recs)
	}
	// The demo world keeps shipping, so a later pipeline may deploy over
	// the rollback soon after; what counts is that it lands: production
	// rolls to the commit, and the re-run deploy job ends with success once
	// ECS says the deployment completed. Read every 5 simulated seconds,
	// for at most ten minutes.
	var rolling, landed time.Duration
	for range 120 {
		e := aw.env("api", "production")
		if d, ok := e["deployment"].(map[string]any); ok && rolling == 0 && model.SameCommit(d["to_sha"].(string), to.Version.SHA) {
			rolling = aw.clk.Now().Sub(start)
		}
		if j := rerunDeployJob(aw.w, to.CI.WorkflowID); j != nil && j.Status == sim.RunSuccess && !j.StartedAt.Before(start) {
			landed = j.StoppedAt.Sub(start)
			break
		}
		aw.step(5 * time.Second)
	}
	if rolling == 0 || landed == 0 {
		e := aw.env("api", "production")
		t.Fatalf("production should roll to %s and the deploy job end well (rolling after %s, landed after %s), got %s %v", to.Version.Short(), rolling, landed, sha(e), e["state"])
	}
	t.Logf("choose → rolling: %s sim time; → landed: %s sim time; %s wall time in all", rolling, landed, time.Since(wall).Round(time.Millisecond))
	// The rerun is a new workflow of the old pipeline in which only the
	// deploy job ran again.
	found := false
	for _, p := range aw.w.Pipelines("api") {
		for _, wf := range p.Workflows {
			if wf.RerunOf != to.CI.WorkflowID {
				continue
			}
			found = true
			for _, j := range wf.Jobs {
				if again := !j.StartedAt.Before(start); again != (j.Name == "deploy-production") {
					t.Errorf("job %s ran again: %v", j.Name, again)
				}
			}
		}
	}
	if !found {
		t.Error("no rerun of the chosen workflow in the sim")
	}
}

// A rollback through CI only queues a job, so production shows nothing
// for a while: a second one (from another terminal, another member of a
// serve) is refused until the first reaches the environment, and so is a
// rollback of the target that the queued job would then overtake.
func TestRollbackViaCIIsNotSentTwice(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderDeploy("api", "production")
	if code, _, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--via", "ci", "--yes"); code != exitOK {
		t.Fatalf("first rollback: exit %d: %s", code, stderr)
	}
	code, _, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--via", "ci", "--yes")
	if code != exitRefused || !strings.Contains(stderr, "has not reached it yet") || !strings.Contains(stderr, "deploy-production of pipeline #") {
		t.Errorf("a second rollback through CI: exit %d: %s", code, stderr)
	}
	older := aw.olderRevision("api", "production")
	code, _, stderr = aw.run("rollback", "api", "production", "--to", older.Version.SHA, "--yes")
	if code != exitRefused || !strings.Contains(stderr, "acting now would race it") {
		t.Errorf("a target rollback while one through CI is on its way: exit %d: %s", code, stderr)
	}
	recs := aw.auditRecords()
	if n := len(recs); n != 3 || recs[1].Result != audit.ResultRefused || recs[2].Result != audit.ResultRefused {
		t.Errorf("one sent and two refusals audited: %+v", recs)
	}
	// Once production rolls to the commit, the note is gone.
	for range 120 {
		if d, ok := aw.env("api", "production")["deployment"].(map[string]any); ok && model.SameCommit(d["to_sha"].(string), to.Version.SHA) {
			break
		}
		aw.step(5 * time.Second)
	}
	if code, _, stderr := aw.run("rollback", "api", "production", "--to", older.Version.SHA, "--dry-run"); strings.Contains(stderr, "has not reached it yet") {
		t.Errorf("after the re-run deployed, nothing is pending: exit %d: %s", code, stderr)
	}
}

func TestRollbackViaCIBadInput(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderDeploy("api", "production")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"rollback", "api", "production", "--to", to.Version.SHA, "--via", "cd", "--yes"}, exitUsage, "give ci"},
		{[]string{"rollback", "api", "production", "--abort", "--via", "ci", "--yes"}, exitUsage, "--via says how"},
		{[]string{"rollback", "api", "production", "--to", "api-production:1", "--via", "ci", "--yes"}, exitUsage, "give --to a SHA"},
		{[]string{"rollback", "api", "production", "--to", "deadbeefdeadbeef", "--via", "ci", "--yes"}, exitUsage, "no recent pipeline deployed deadbee"},
	} {
		code, _, stderr := aw.run(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
	// CircleCI refuses (access denied): the answer is shown and audited,
	// and nothing else is tried (no rollback of the target).
	aw.w.ResetRequests()
	aw.w.SetFault(sim.SvcCircleCI, sim.Fault{DenyRate: 1})
	code, _, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--via", "ci", "--yes")
	aw.w.SetFault(sim.SvcCircleCI, sim.Fault{})
	if code == exitOK || !strings.Contains(stderr, "CircleCI") {
		t.Errorf("denied: exit %d: %s", code, stderr)
	}
	for op, n := range aw.w.Requests() {
		if n > 0 && (strings.Contains(op, "UpdateService") || strings.Contains(op, "RegisterTaskDefinition")) {
			t.Errorf("after CircleCI said no, %s was sent ×%d", op, n)
		}
	}
	recs := aw.auditRecords()
	if last := recs[len(recs)-1]; last.Action != "rollback_ci" || last.Result != audit.ResultFailed || last.Error == "" {
		t.Errorf("the refusal should be audited: %+v", last)
	}
}

// rerunDeployJob is the deploy-production job of the newest rerun of a
// workflow in the sim, or nil.
func rerunDeployJob(w *sim.World, workflowID string) *sim.Job {
	var out *sim.Job
	for _, p := range w.Pipelines("api") {
		for _, wf := range p.Workflows {
			if wf.RerunOf == workflowID {
				out = wf.Job("deploy-production")
			}
		}
	}
	return out
}

// On Elastic Beanstalk the re-run deploy job ships the old commit's
// application version through the same glue: shop's staging comes to
// run it (or at least rolls to it before the demo ships over it).
func TestRollbackViaCIBeanstalk(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderDeploy("shop", "staging")
	code, out, stderr := aw.run("rollback", "shop", "staging", "--to", to.Version.SHA, "--via", "ci", "--yes")
	if code != exitOK || !strings.Contains(out, "re-run deploy-staging of pipeline #") {
		t.Fatalf("rollback exit %d: %s\n%s", code, stderr, out)
	}
	seen := false
	for range 120 {
		e := aw.env("shop", "staging")
		d, _ := e["deployment"].(map[string]any)
		if model.SameCommit(sha(e), to.Version.SHA) || (d != nil && model.SameCommit(d["to_sha"].(string), to.Version.SHA)) {
			seen = true
			break
		}
		aw.step(5 * time.Second)
	}
	if !seen {
		e := aw.env("shop", "staging")
		t.Fatalf("shop/staging should roll to %s, runs %s %v", to.Version.Short(), sha(e), e["state"])
	}
}
