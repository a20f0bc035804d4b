package circleci

import (
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// Provider is the name pipelines and gates carry in model.Pipeline.Provider
// and model.Gate.Provider.
const Provider = "circleci"

// jobStatus normalises a job status. Statuses the API may add later map to
// blocked: not moving (so polling does not run hot on them), no verdict.
func jobStatus(s string) model.RunStatus {
	switch s {
	case "success":
		return model.RunSuccess
	case "running":
		return model.RunRunning
	case "queued", "not_running":
		return model.RunQueued
	case "on_hold":
		return model.RunOnHold
	case "blocked":
		return model.RunBlocked
	case "not_run":
		return model.RunSkipped
	case "retried":
		// This attempt was superseded by its retry, which carries the outcome.
		return model.RunSkipped
	case "failed", "infrastructure_fail", "timedout", "unauthorized":
		return model.RunFailed
	case "canceled", "terminated-unknown":
		return model.RunCanceled
	}
	return model.RunBlocked
}

// workflowStatus normalises a workflow status: the job words it shares
// mean the same, and "error" and "failing" (a job failed, others still
// run) are failed; the running jobs keep a failing workflow Moving.
func workflowStatus(s string) model.RunStatus {
	if s == "error" || s == "failing" {
		return model.RunFailed
	}
	return jobStatus(s)
}

// settled reports whether a workflow status is final: its jobs will not
// change again (a rerun is a new workflow).
func settled(status string) bool {
	switch status {
	case "success", "failed", "error", "canceled", "not_run", "unauthorized":
		return true
	}
	return false
}

// pipelineStatus sums up a pipeline's workflows: a failure anywhere wins,
// then anything still moving, then a hold, then a cancel. A pipeline with no
// workflows failed if it errored, is queued while young (its workflows are
// still being set up) and skipped after that (nothing ran on this branch).
func pipelineStatus(p Pipeline, wfs []model.Workflow, young bool) model.RunStatus {
	if len(wfs) == 0 {
		switch {
		case p.State == "errored" || len(p.Errors) > 0:
			return model.RunFailed
		case young:
			return model.RunQueued
		}
		return model.RunSkipped
	}
	has := map[model.RunStatus]bool{}
	moving, allQueued := false, true
	for _, w := range wfs {
		has[w.Status] = true
		if w.Moving() {
			moving = true
			allQueued = allQueued && w.Status == model.RunQueued
		}
	}
	switch {
	case has[model.RunFailed]:
		return model.RunFailed
	case moving && allQueued:
		return model.RunQueued
	case moving:
		return model.RunRunning
	case has[model.RunOnHold]:
		return model.RunOnHold
	case has[model.RunCanceled]:
		return model.RunCanceled
	case has[model.RunBlocked]:
		return model.RunBlocked
	case has[model.RunSuccess]:
		return model.RunSuccess
	}
	return model.RunSkipped
}

// toJobs maps a workflow's jobs, turning dependency ids into job names.
// A dependency on a job the list does not hold is dropped: the graph has no
// node to draw it from.
func toJobs(jobs []Job) []model.Job {
	names := make(map[string]string, len(jobs))
	for _, j := range jobs {
		names[j.ID] = j.Name
	}
	out := make([]model.Job, len(jobs))
	for i, j := range jobs {
		needs := make([]string, 0, len(j.Dependencies))
		for _, d := range j.Dependencies {
			if n, ok := names[d]; ok {
				needs = append(needs, n)
			}
		}
		out[i] = model.Job{
			ID:         j.ID,
			Name:       j.Name,
			Status:     jobStatus(j.Status),
			Needs:      needs,
			Approval:   j.Type == "approval",
			StartedAt:  j.StartedAt,
			StoppedAt:  j.StoppedAt,
			Type:       j.Type,
			Number:     int64(j.JobNumber),
			ApprovedBy: j.ApprovedBy,
		}
	}
	return out
}

func toWorkflow(w Workflow, jobs []Job) model.Workflow {
	return model.Workflow{
		ID:        w.ID,
		Name:      w.Name,
		Status:    workflowStatus(w.Status),
		Jobs:      toJobs(jobs),
		CreatedAt: w.CreatedAt,
		StoppedAt: w.StoppedAt,
	}
}

// toPipeline maps a pipeline and its (already filtered) workflows, with the
// jobs of each workflow by workflow id.
func toPipeline(p Pipeline, wfs []Workflow, jobs map[string][]Job, young bool) model.Pipeline {
	out := model.Pipeline{
		ID:          p.ID,
		Provider:    Provider,
		SHA:         p.VCS.Revision,
		Branch:      p.VCS.Branch,
		CreatedAt:   p.CreatedAt,
		Number:      int64(p.Number),
		TriggeredBy: p.Trigger.Actor.Login,
		Workflows:   make([]model.Workflow, len(wfs)),
	}
	if p.VCS.Commit != nil {
		out.Subject = model.FirstLine(p.VCS.Commit.Subject)
	}
	if out.Branch == "" && p.VCS.Tag != "" {
		out.Branch = "tag " + p.VCS.Tag
	}
	var errs []string
	for _, e := range p.Errors {
		errs = append(errs, strings.Join(strings.Fields(e.Message), " "))
	}
	out.Error = strings.Join(errs, "; ")
	for i, w := range wfs {
		out.Workflows[i] = toWorkflow(w, jobs[w.ID])
	}
	out.Status = pipelineStatus(p, out.Workflows, young)
	return out
}

// gateID is what a Gate's ID holds: the workflow and the approval request,
// the two ids the approve call needs.
func gateID(workflowID, approvalRequestID string) string {
	return workflowID + "/" + approvalRequestID
}

// gates lists the approval jobs of a pipeline that wait for a human.
func gates(service string, p model.Pipeline, raw map[string][]Job) []model.Gate {
	var out []model.Gate
	for _, w := range p.Workflows {
		byID := map[string]Job{}
		for _, j := range raw[w.ID] {
			byID[j.ID] = j
		}
		for _, j := range raw[w.ID] {
			if j.Type != "approval" || j.Status != "on_hold" {
				continue
			}
			req := j.ApprovalRequestID
			if req == "" {
				req = j.ID // the same id in every answer seen so far
			}
			out = append(out, model.Gate{
				Service:      service,
				Provider:     Provider,
				Gate:         j.Name,
				ID:           gateID(w.ID, req),
				SHA:          p.SHA,
				Subject:      p.Subject,
				WaitingSince: waitingSince(j, byID, w, p),
				WorkflowID:   w.ID,
				JobID:        j.ID,
			})
		}
	}
	return out
}

// waitingSince is when a held job started waiting: its own start time if
// the API gives one, else when the last job it needs stopped, else when
// its workflow (or pipeline) was created.
func waitingSince(j Job, byID map[string]Job, w model.Workflow, p model.Pipeline) time.Time {
	if !j.StartedAt.IsZero() {
		return j.StartedAt
	}
	var last time.Time
	for _, d := range j.Dependencies {
		if t := byID[d].StoppedAt; t.After(last) {
			last = t
		}
	}
	switch {
	case !last.IsZero():
		return last
	case !w.CreatedAt.IsZero():
		return w.CreatedAt
	}
	return p.CreatedAt
}
