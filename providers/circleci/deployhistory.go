package circleci

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// opRerunJob is rerunWorkflow sent with the deploy job's id: the spec's
// operation, named apart in receipts so a rollback through CI reads apart
// from a rerun from failed.
const opRerunJob = "rerunWorkflow"

// WorkspaceRetention is how long CircleCI keeps a workflow's workspace by
// default (15 days): a deploy job that attaches the workspace its build
// persisted cannot run again once it is gone, so an older deploy job is
// offered as unavailable, with that reason.
const WorkspaceRetention = 15 * 24 * time.Hour

var (
	_ providers.DeployHistoryReader = (*Source)(nil)
	_ providers.DeployRerunner      = (*Source)(nil)
)

// deployMemory is what an earlier DeployHistory read learnt about one
// finished pipeline: its workflows and their jobs, which do not change
// until someone reruns one (a rerun of ours forgets it).
type deployMemory struct {
	pipeline  Pipeline
	updatedAt time.Time
	workflows []Workflow
	jobs      map[string][]Job
}

// DeployJob is the job that deploys service to env: the configured one,
// else deploy-<env>.
func (svc Service) DeployJob(env string) string {
	if j := svc.DeployJobs[env]; j != "" {
		return j
	}
	return "deploy-" + env
}

// DeployHistory lists the pipelines among the newest page (the API's 20)
// whose deploy job for env succeeded, newest deploy first: one revision
// per successful run of the job (a rerun that deployed again is another),
// with the pipeline's commit and subject, when the job finished, and how
// long that version ran until the next deploy. The workflows and jobs of
// a pipeline come from the poll's memory or an earlier call's when they
// are there, and are read otherwise (finished pipelines are remembered),
// so a second opening costs the one page of pipelines.
func (s *Source) DeployHistory(ctx context.Context, service, env string) ([]model.Revision, error) {
	svc, ok := s.service(service)
	if !ok {
		return nil, fmt.Errorf("CircleCI: %s is not a service this source reads: %w", service, providers.ErrNotFound)
	}
	job := svc.DeployJob(env)
	ps, err := s.client.PipelinePage(ctx, svc.Project, svc.Branch)
	if err != nil {
		return nil, fmt.Errorf("CircleCI: pipelines of %s: %w", svc.Project, err)
	}
	type found struct {
		p   Pipeline
		wf  Workflow
		job Job
	}
	var all []found
	var mu sync.Mutex
	var firstErr error
	providers.Parallel(len(ps), s.conc, func(i int) {
		p := ps[i]
		wfs, jobs, err := s.pipelineJobs(ctx, svc, p, job)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return
		}
		for _, wf := range wfs {
			for _, j := range jobs[wf.ID] {
				if j.Name == job && j.Status == "success" {
					all = append(all, found{p, wf, j})
				}
			}
		}
	})
	if firstErr != nil && len(all) == 0 {
		return nil, fmt.Errorf("CircleCI: deploy history of %s/%s: %w", service, env, firstErr)
	}
	slices.SortStableFunc(all, func(a, b found) int { return deployedAt(b.job).Compare(deployedAt(a.job)) })
	now := s.now()
	out := make([]model.Revision, 0, len(all))
	for i, f := range all {
		r := model.Revision{
			Version:    model.Version{SHA: f.p.VCS.Revision},
			DeployedAt: deployedAt(f.job),
			Current:    i == 0,
			Available:  true,
			By:         f.p.Trigger.Actor.Login,
			CI: &model.CIDeploy{
				Provider: Provider, Pipeline: int64(f.p.Number), PipelineID: f.p.ID,
				WorkflowID: f.wf.ID, Workflow: f.wf.Name, JobID: f.job.ID, Job: f.job.Name,
			},
		}
		if f.p.VCS.Commit != nil {
			r.Subject = f.p.VCS.Commit.Subject
		}
		if i > 0 {
			r.RanFor = deployedAt(all[i-1].job).Sub(r.DeployedAt)
		}
		if age := now.Sub(f.wf.CreatedAt); !f.wf.CreatedAt.IsZero() && age > WorkspaceRetention {
			r.Available = false
			r.Why = fmt.Sprintf("workflow is %d days old: CircleCI keeps a workspace %d days", int(age.Hours()/24), int(WorkspaceRetention.Hours()/24))
		}
		out = append(out, r)
	}
	return out, nil
}

// deployedAt is when a deploy job finished (started, if the API gave no end).
func deployedAt(j Job) time.Time {
	if !j.StoppedAt.IsZero() {
		return j.StoppedAt
	}
	return j.StartedAt
}

// pipelineJobs finds a pipeline's workflows and, for those that could run
// the deploy job, their jobs: from the poll's memory, else from an earlier
// DeployHistory's, else read (and remembered when the pipeline finished).
func (s *Source) pipelineJobs(ctx context.Context, svc Service, p Pipeline, job string) ([]Workflow, map[string][]Job, error) {
	k := memKey{svc.Name, p.ID}
	s.mu.Lock()
	var wfs []Workflow
	jobs := map[string][]Job{}
	if m := s.memory[k]; m != nil && m.workflows != nil {
		wfs = m.workflows
		for id, j := range m.jobs {
			jobs[id] = j.jobs
		}
	} else if d := s.deploys[k]; d != nil && d.updatedAt.Equal(p.UpdatedAt) {
		wfs = d.workflows
		for id, j := range d.jobs {
			jobs[id] = j
		}
	}
	s.mu.Unlock()
	if wfs == nil {
		var err error
		if wfs, err = s.client.Workflows(ctx, p.ID); err != nil {
			return nil, nil, err
		}
	}
	wfs = shown(wfs, svc.Workflow)
	done := true
	for _, wf := range wfs {
		if !settled(wf.Status) {
			done = false
			continue // a deploy still running is not one to go back to
		}
		if _, ok := jobs[wf.ID]; ok {
			continue
		}
		js, err := s.client.Jobs(ctx, wf.ID)
		if err != nil {
			return nil, nil, err
		}
		jobs[wf.ID] = js
	}
	if done {
		s.mu.Lock()
		s.deploys[k] = &deployMemory{pipeline: p, updatedAt: p.UpdatedAt, workflows: wfs, jobs: jobs}
		s.mu.Unlock()
	}
	return wfs, jobs, nil
}

// service finds a service by name.
func (s *Source) service(name string) (Service, bool) {
	for _, sv := range s.services {
		if sv.Name == name {
			return sv, true
		}
	}
	return Service{}, false
}

// RerunDeploy re-runs the deploy job of an older workflow: rerunWorkflow
// with that job's id alone and sparse_tree, so the jobs of the workflow
// that do not lead from it (the build, the tests, other environments'
// deploys) do not run again. It is sent once; CircleCI's refusal comes
// back as its error.
func (s *Source) RerunDeploy(ctx context.Context, service string, d model.CIDeploy, dryRun bool) (providers.Receipt, error) {
	svc, err := s.workflowOf(service, d.WorkflowID)
	if err != nil {
		return providers.Receipt{}, err
	}
	c := providers.Call{Operation: opRerunJob, Params: map[string]string{
		"project": svc.Project, "workflow_id": d.WorkflowID, "jobs": d.JobID, "job": d.Job,
		"pipeline": strconv.FormatInt(d.Pipeline, 10), "sparse_tree": "true",
	}}
	what := fmt.Sprintf("re-run %s of pipeline #%d (%s)", d.Job, d.Pipeline, svc.Name)
	return providers.Perform(c, dryRun, what, func() (string, string, error) {
		id, rid, err := s.client.RerunJobs(ctx, d.WorkflowID, []string{d.JobID})
		if err == nil {
			s.followRerun(svc.Name, d.PipelineID)
			s.forget(svc.Name, d.PipelineID)
		}
		detail := "re-ran " + d.Job + " of pipeline #" + strconv.FormatInt(d.Pipeline, 10)
		if id != "" {
			detail += " as workflow " + id
		}
		return rid, detail, err
	})
}

// followLimit bounds how long a re-run older pipeline is polled with the
// newest ones when it does not finish sooner.
const followLimit = 30 * time.Minute

// followed is an older pipeline a rollback re-ran: the polls read it with
// the service's newest, so the board shows it move, and a gate it needs
// waits in the waiting panel as usual, until its workflows finish.
type followed struct {
	pipeline Pipeline
	since    time.Time
}

// followRerun has the polls read the pipeline a rollback re-ran.
func (s *Source) followRerun(service, pipelineID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := memKey{service, pipelineID}
	d := s.deploys[k]
	if d == nil {
		return // not listed by DeployHistory: nothing to show it by
	}
	s.follows[k] = followed{pipeline: d.pipeline, since: s.now()}
	s.dirty[k] = true
}

// withFollowed adds the pipelines a rollback re-ran to a service's list
// (after the newest, unless among them), and stops following one whose
// workflows all finished after the rerun, or that was followed too long.
// Called with s.mu held.
func (s *Source) withFollowed(service string, list []Pipeline, now time.Time) []Pipeline {
	var out []Pipeline
	for k, f := range s.follows {
		if k.service != service {
			continue
		}
		if m := s.memory[k]; now.Sub(f.since) > followLimit || (m != nil && rerunSettled(m, f.since) && !s.dirty[k]) {
			delete(s.follows, k)
			continue
		}
		if !slices.ContainsFunc(list, func(p Pipeline) bool { return p.ID == k.pipeline }) {
			out = append(out, f.pipeline)
		}
	}
	if len(out) == 0 {
		return list
	}
	slices.SortFunc(out, func(a, b Pipeline) int { return int(b.Number - a.Number) })
	return append(slices.Clone(list), out...)
}

// rerunSettled says whether a pipeline's workflows, as last listed, hold
// one created since the rerun and all of them finished.
func rerunSettled(m *pipelineMemory, since time.Time) bool {
	fresh := false
	for _, wf := range m.workflows {
		if !settled(wf.Status) {
			return false
		}
		if !wf.CreatedAt.Before(since.Add(-time.Minute)) {
			fresh = true
		}
	}
	return fresh
}

// forget drops what is remembered of a pipeline our own rerun changed.
func (s *Source) forget(service, pipelineID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := memKey{service, pipelineID}
	delete(s.deploys, k)
	if _, ok := s.memory[k]; ok {
		s.dirty[k] = true
	}
}

// PipelinePage reads the first page of a project's pipelines on a branch
// ("" for every branch), newest first: what CircleCI gives in one answer.
func (c *Client) PipelinePage(ctx context.Context, project, branch string) ([]Pipeline, error) {
	q := url.Values{}
	if branch != "" {
		q.Set("branch", branch)
	}
	var p page[Pipeline]
	if _, err := c.do(ctx, call{method: http.MethodGet, path: projectPath(project) + "/pipeline", query: q}, &p); err != nil {
		return nil, err
	}
	out := make([]Pipeline, 0, len(p.Items))
	for _, it := range p.Items {
		if it != nil {
			out = append(out, *it)
		}
	}
	return out, nil
}

// RerunJobs reruns some jobs of a workflow (and what follows them), as a
// new workflow in the same pipeline; sparse_tree keeps the jobs that do
// not lead from them out of it. It returns the new workflow's id ("" if
// the answer did not say) and the request id.
func (c *Client) RerunJobs(ctx context.Context, workflowID string, jobs []string) (newWorkflowID, requestID string, err error) {
	body := struct {
		Jobs       []string `json:"jobs"`
		SparseTree bool     `json:"sparse_tree"`
	}{jobs, true}
	rid, _, b, err := c.send(ctx, call{method: http.MethodPost, path: "/workflow/" + url.PathEscape(workflowID) + "/rerun", body: body})
	if err != nil {
		return "", rid, err
	}
	var out struct {
		WorkflowID string `json:"workflow_id"`
	}
	_ = json.Unmarshal(b, &out) // best effort: a 2xx has acted
	return out.WorkflowID, rid, nil
}
