package commands

import (
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/specs"
)

// These run approve and reject of a GitHub environment's pending
// deployment against the simulated world's GitHub REST API over real HTTP,
// through go-github, the GitHub source and the action pipeline.

const opReview = "github:actions/review-pending-deployments-for-run"

func TestApproveGitHubDeployment(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("web")
	before := sha(aw.env("web", "production"))
	checked := specs.Check(t, aw.w)
	aw.w.ResetRequests()
	code, out, stderr := aw.run("approve", "web", "production", "--yes", "--wait")
	if code != exitOK {
		t.Fatalf("approve exit %d: %s\n%s", code, stderr, out)
	}
	if !strings.Contains(stderr, "will ship ") {
		t.Errorf("approve should say what it ships to production:\n%s", stderr)
	}
	if req, resp := checked.Checked(sim.SvcGitHub); req < 3 || resp < 3 {
		t.Errorf("the spec checker saw %d GitHub request(s) and %d answer(s); want the poll, the re-check and the review", req, resp)
	}
	if !strings.Contains(out, "approve sent: web production ("+model.ShortSHA(g.SHA)+" → production)") {
		t.Errorf("output should say what was approved:\n%s", out)
	}
	if n := aw.w.Requests()[opReview]; n != 1 {
		t.Errorf("want one review request, got %d", n)
	}
	_, deploy := aw.simRunJob("web", g.SHA, "deploy-production")
	if deploy.Review == nil || deploy.Review.State != "approved" || deploy.Review.Comment == "" {
		t.Errorf("the pending deployment should be approved with a comment: %+v", deploy.Review)
	}
	if recs := aw.auditRecords(); len(recs) != 1 || recs[0].Action != "approve" || recs[0].Result != audit.ResultOK ||
		recs[0].Gate != "production" || recs[0].Environment != "production" || !model.SameCommit(recs[0].To, g.SHA) ||
		!model.SameCommit(recs[0].From, before) {
		t.Errorf("audit: %+v", recs)
	}
	// The run goes on to its deploy job, and the deploy to production.
	aw.expectProduction("web", g.SHA)
}

func TestRejectGitHubDeployment(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("web")
	specs.Check(t, aw.w)
	aw.w.ResetRequests()
	code, out, stderr := aw.run("reject", "web", "--yes")
	if code != exitOK {
		t.Fatalf("reject exit %d: %s\n%s", code, stderr, out)
	}
	if !strings.Contains(out, "reject sent: web production ("+model.ShortSHA(g.SHA)+" stays out of production)") {
		t.Errorf("output should say what was rejected:\n%s", out)
	}
	if n := aw.w.Requests()[opReview]; n != 1 {
		t.Errorf("want one review request, got %d", n)
	}
	_, deploy := aw.simRunJob("web", g.SHA, "deploy-production")
	if deploy.Review == nil || deploy.Review.State != "rejected" || deploy.Status == sim.RunSuccess {
		t.Errorf("the pending deployment should be rejected and never run: %s %+v", deploy.Status, deploy.Review)
	}
	aw.settle()
	if model.SameCommit(sha(aw.env("web", "production")), g.SHA) {
		t.Errorf("web production runs the rejected %s", model.ShortSHA(g.SHA))
	}
}

// simRunJob finds a job of the sim's run of a commit: a GitHub gate names
// its run by the run's id, which the sim's books do not use.
func (aw *actionWorld) simRunJob(service, sha, name string) (sim.Workflow, sim.Job) {
	aw.t.Helper()
	for _, p := range aw.w.Pipelines(service) {
		if model.SameCommit(p.SHA, sha) && len(p.Workflows) > 0 {
			return aw.simJob(service, p.Workflows[len(p.Workflows)-1].ID, name)
		}
	}
	aw.t.Fatalf("the sim has no run of %s at %s", service, model.ShortSHA(sha))
	return sim.Workflow{}, sim.Job{}
}
