package githubactions

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/airside-dev/flightdeck/model"
)

// Provider is the name pipelines and gates carry in model.Pipeline.Provider
// and model.Gate.Provider.
const Provider = "github"

// jobStatus normalises the status and conclusion of a run, a job or a
// step. A run or job waiting on an environment's reviewers (or its wait
// timer) is on hold. Values GitHub may add later map to blocked: not
// moving, no verdict.
func jobStatus(status, conclusion string) model.RunStatus {
	switch status {
	case "queued", "requested", "pending":
		return model.RunQueued
	case "in_progress":
		return model.RunRunning
	case "waiting", "action_required":
		return model.RunOnHold
	case "completed":
		return conclusionStatus(conclusion)
	}
	return model.RunBlocked
}

func conclusionStatus(c string) model.RunStatus {
	switch c {
	case "success", "neutral":
		return model.RunSuccess
	case "failure", "timed_out", "startup_failure":
		return model.RunFailed
	case "cancelled":
		return model.RunCanceled
	case "skipped", "stale":
		return model.RunSkipped
	case "action_required":
		return model.RunOnHold
	}
	return model.RunBlocked
}

// runStatus sums up a run: its own status, except that a run GitHub calls
// waiting while some job still runs is running (it is moving), and a run in
// progress whose only unfinished job waits for a reviewer is on hold.
func runStatus(r *github.WorkflowRun, jobs []model.Job) model.RunStatus {
	st := jobStatus(r.GetStatus(), r.GetConclusion())
	if st != model.RunOnHold && st != model.RunRunning {
		return st
	}
	moving, held := false, false
	for _, j := range jobs {
		switch {
		case j.Status.Moving():
			moving = true
		case j.Status == model.RunOnHold:
			held = true
		}
	}
	switch {
	case moving:
		return model.RunRunning
	case held:
		return model.RunOnHold
	}
	return st
}

// settled reports whether a run is over: its jobs will not change unless
// someone reruns it, which changes the run too.
func settled(r *github.WorkflowRun) bool { return r.GetStatus() == "completed" }

func runID(r *github.WorkflowRun) string { return strconv.FormatInt(r.GetID(), 10) }

// toPipeline maps a run and its jobs (already laid out) to a pipeline with
// one workflow: a GitHub run is both.
func toPipeline(r *github.WorkflowRun, jobs []model.Job, graphErr string) model.Pipeline {
	id := runID(r)
	wf := model.Workflow{
		ID:         id,
		Name:       r.GetName(),
		Jobs:       jobs,
		CreatedAt:  r.GetRunStartedAt().Time,
		GraphError: graphErr,
		URL:        r.GetHTMLURL(),
	}
	if wf.CreatedAt.IsZero() {
		wf.CreatedAt = r.GetCreatedAt().Time
	}
	wf.Status = runStatus(r, jobs)
	if settled(r) {
		wf.StoppedAt = r.GetUpdatedAt().Time
	}
	p := model.Pipeline{
		ID:          id,
		Provider:    Provider,
		SHA:         r.GetHeadSHA(),
		Branch:      r.GetHeadBranch(),
		Subject:     model.FirstLine(r.GetHeadCommit().GetMessage()),
		Status:      wf.Status,
		CreatedAt:   r.GetCreatedAt().Time,
		Workflows:   []model.Workflow{wf},
		Number:      int64(r.GetRunNumber()),
		TriggeredBy: r.GetActor().GetLogin(),
	}
	if p.Subject == "" {
		p.Subject = model.FirstLine(r.GetDisplayTitle())
	}
	if r.GetConclusion() == "startup_failure" {
		p.Error = "the workflow could not start (startup_failure); see " + r.GetHTMLURL()
	}
	return p
}

// gateID is what a Gate's ID holds: the run and the environment, the two
// ids a review needs.
func gateID(runID, envID int64) string { return fmt.Sprintf("%d/%d", runID, envID) }

// parseGateID reads a Gate's ID back.
func parseGateID(id string) (runID, envID int64, err error) {
	a, b, ok := strings.Cut(id, "/")
	if ok {
		runID, err = strconv.ParseInt(a, 10, 64)
	}
	if ok && err == nil {
		envID, err = strconv.ParseInt(b, 10, 64)
	}
	if !ok || err != nil || runID <= 0 || envID <= 0 {
		return 0, 0, fmt.Errorf("GitHub: gate id %q is not <run id>/<environment id>", id)
	}
	return runID, envID, nil
}

// gates lists the environments a waiting run asks a human to approve.
// An environment guarded only by a wait timer is not a gate: nobody can
// answer it; nor is an entry that names no environment (null in the
// answer): there is nothing to review. WaitingSince is when the job that waits was created, else
// when the run last changed (it started waiting then).
func gates(service string, p model.Pipeline, r *github.WorkflowRun, raw []*github.WorkflowJob, pending []PendingDeployment) []model.Gate {
	var out []model.Gate
	var jobs []model.Job
	if len(p.Workflows) > 0 {
		jobs = p.Workflows[0].Jobs
	}
	for _, d := range pending {
		if len(d.Reviewers) == 0 && d.WaitTimer > 0 || d.Environment.ID == 0 {
			continue
		}
		g := model.Gate{
			Service:    service,
			Provider:   Provider,
			Gate:       d.Environment.Name,
			ID:         gateID(r.GetID(), d.Environment.ID),
			SHA:        p.SHA,
			Subject:    p.Subject,
			WorkflowID: p.ID,
		}
		if wj := waitingJob(jobs, raw, d.Environment.Name); wj != nil {
			g.JobID = strconv.FormatInt(wj.GetID(), 10)
			g.WaitingSince = firstTime(wj.GetCreatedAt().Time, wj.GetStartedAt().Time)
		}
		if g.WaitingSince.IsZero() {
			g.WaitingSince = firstTime(r.GetUpdatedAt().Time, r.GetRunStartedAt().Time, r.GetCreatedAt().Time)
		}
		if !d.CurrentUserCanApprove {
			g.ApproveBlocked = "you are not allowed to review deployments to " + d.Environment.Name + " (not one of its required reviewers, or the token lacks the repo scope)"
		}
		out = append(out, g)
	}
	return out
}

// waitingJob finds the job that waits for an environment: the waiting job
// the graph says deploys there, else the only waiting job.
func waitingJob(jobs []model.Job, raw []*github.WorkflowJob, env string) *github.WorkflowJob {
	var waiting []*github.WorkflowJob
	for _, j := range raw {
		if j.GetStatus() == "waiting" {
			waiting = append(waiting, j)
		}
	}
	for _, mj := range jobs {
		if mj.Environment != env || mj.ID == "" {
			continue
		}
		for _, j := range waiting {
			if strconv.FormatInt(j.GetID(), 10) == mj.ID {
				return j
			}
		}
	}
	if len(waiting) == 1 {
		return waiting[0]
	}
	return nil
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
