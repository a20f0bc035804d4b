package githubactions

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// opRerunJob re-runs one job of a run (and the jobs that need it).
const opRerunJob = "actions/re-run-job-for-workflow-run"

// RerunWindow is how long after a run was created GitHub lets it, or a job
// of it, be re-run (30 days); an older run's deploy job is offered as
// unavailable, with that reason.
const RerunWindow = 30 * 24 * time.Hour

// DeployHistoryPage is how many of a workflow's newest runs a deploy
// history reads: one page of the runs API.
const DeployHistoryPage = 30

var (
	_ providers.DeployHistoryReader = (*Source)(nil)
	_ providers.DeployRerunner      = (*Source)(nil)
)

// deployMemory is a finished run's jobs as an earlier DeployHistory read
// them (the run's updated_at moves on a rerun).
type deployMemory struct {
	updatedAt time.Time
	jobs      []*github.WorkflowJob
}

// deployRow is one successful run of a deploy job.
type deployRow struct {
	run *github.WorkflowRun
	job model.Job
}

// DeployHistory lists the workflow's runs among the newest page whose
// deploy job for env succeeded, newest deploy first: the configured job
// (ci.deploy_jobs), else deploy-<env>, else the job whose `environment:`
// is env in the workflow file. Each revision says the run's commit and
// subject, when the job finished, how long that version ran until the
// next deploy, and what a re-run will wait for: the environment's
// reviewers, when the newest run's deploy waited for one. A run older than
// GitHub's 30 days is listed as unavailable. Jobs come from the poll's
// memory or an earlier call's when the run has not moved since.
func (s *Source) DeployHistory(ctx context.Context, service, env string) ([]model.Revision, error) {
	svc, err := s.service(service)
	if err != nil {
		return nil, err
	}
	runs, err := s.client.Runs(ctx, svc.Repo, runsWorkflow(svc.Workflow), svc.Branch, DeployHistoryPage)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var rows []deployRow
	var first error
	providers.Parallel(len(runs), s.conc, func(i int) {
		r := runs[i]
		if r.GetStatus() != "completed" {
			return // a run still going is not one to go back to
		}
		jobs, err := s.runJobs(ctx, svc, r)
		var j model.Job
		var ok bool
		if err == nil {
			j, ok = s.deployJob(ctx, svc, r, jobs, env)
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil && first == nil:
			first = err
		case ok:
			rows = append(rows, deployRow{r, j})
		}
	})
	if first != nil && len(rows) == 0 {
		return nil, fmt.Errorf("GitHub: deploy history of %s/%s: %w", service, env, first)
	}
	slices.SortStableFunc(rows, func(a, b deployRow) int { return deployedAt(b.job).Compare(deployedAt(a.job)) })
	next := ""
	if len(rows) > 0 && s.reviewed(ctx, svc, rows[0].run, env) {
		next = "will wait for a reviewer of " + env
	}
	now := s.now()
	out := make([]model.Revision, 0, len(rows))
	for i, row := range rows {
		r := row.run
		rev := model.Revision{
			Version: model.Version{SHA: r.GetHeadSHA()}, DeployedAt: deployedAt(row.job), Current: i == 0, Available: true,
			Subject: firstLine(r.GetHeadCommit().GetMessage()), By: r.GetTriggeringActor().GetLogin(),
			CI: &model.CIDeploy{
				Provider: Provider, Pipeline: int64(r.GetRunNumber()), PipelineID: strconv.FormatInt(r.GetID(), 10),
				WorkflowID: strconv.FormatInt(r.GetID(), 10), Workflow: r.GetName(), JobID: row.job.ID, Job: row.job.Name, Next: next,
			},
		}
		if i > 0 {
			rev.RanFor = deployedAt(rows[i-1].job).Sub(rev.DeployedAt)
		}
		if age := now.Sub(r.GetCreatedAt().Time); !r.GetCreatedAt().IsZero() && age > RerunWindow {
			rev.Available = false
			rev.Why = fmt.Sprintf("run is %d days old: GitHub re-runs a run only within %d days", int(age.Hours()/24), int(RerunWindow.Hours()/24))
		}
		out = append(out, rev)
	}
	return out, nil
}

func deployedAt(j model.Job) time.Time {
	if !j.StoppedAt.IsZero() {
		return j.StoppedAt
	}
	return j.StartedAt
}

// firstLine is a commit message's subject.
func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' || c == '\r' {
			return s[:i]
		}
	}
	return s
}

// runJobs is a finished run's jobs: from the poll's memory or an earlier
// call's while the run has not moved, else read.
func (s *Source) runJobs(ctx context.Context, svc Service, r *github.WorkflowRun) ([]*github.WorkflowJob, error) {
	k := memKey{svc.Name, r.GetID()}
	upd := r.GetUpdatedAt().Time
	s.mu.Lock()
	if m := s.memory[k]; m != nil && !m.jobsAt.IsZero() && m.updatedAt.Equal(upd) && m.status == "completed" {
		jobs := m.jobs
		s.mu.Unlock()
		return jobs, nil
	}
	if d := s.deploys[k]; d != nil && d.updatedAt.Equal(upd) {
		s.mu.Unlock()
		return d.jobs, nil
	}
	s.mu.Unlock()
	jobs, err := s.client.Jobs(ctx, svc.Repo, r.GetID())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.deploys[k] = &deployMemory{updatedAt: upd, jobs: jobs}
	s.mu.Unlock()
	return jobs, nil
}

// deployJob finds the run's successful deploy job for env: by the
// configured name or deploy-<env>, else by the workflow file's
// `environment:`.
func (s *Source) deployJob(ctx context.Context, svc Service, r *github.WorkflowRun, jobs []*github.WorkflowJob, env string) (model.Job, bool) {
	name := svc.DeployJobs[env]
	if name == "" {
		name = "deploy-" + env
	}
	var found *github.WorkflowJob
	for _, j := range jobs {
		// "deploy-staging / deploy": the deploy job calls a reusable
		// workflow, whose last job is the deploy.
		if j.GetName() == name || strings.HasPrefix(j.GetName(), name+" / ") {
			found = j
		}
	}
	if found != nil {
		mj := toJob(found)
		return mj, mj.Status == model.RunSuccess
	}
	if svc.DeployJobs[env] != "" {
		return model.Job{}, false // the configured job did not run here
	}
	g, err := s.graphOf(ctx, svc, r)
	if err != nil {
		return model.Job{}, false
	}
	for _, mj := range jobsWithGraph(g, jobs, true) {
		if mj.Environment == env && mj.ID != "" && mj.Status == model.RunSuccess {
			return mj, true
		}
	}
	return model.Job{}, false
}

// reviewed says whether the run's deploy to env waited for a reviewer:
// the environment has required reviewers, and a re-run will wait too.
func (s *Source) reviewed(ctx context.Context, svc Service, r *github.WorkflowRun, env string) bool {
	revs, err := s.client.Reviews(ctx, svc.Repo, r.GetID())
	if err != nil {
		return false
	}
	for _, rv := range revs {
		for _, e := range rv.Environments {
			if e.Name == env {
				return true
			}
		}
	}
	return false
}

// RerunDeploy re-runs the deploy job of an older run (and the jobs that
// need it) as the run's next attempt. GitHub's refusal (a run older than
// 30 days, no permission) comes back as its error; nothing else is tried.
func (s *Source) RerunDeploy(ctx context.Context, service string, d model.CIDeploy, dryRun bool) (providers.Receipt, error) {
	svc, run, err := s.runOf(service, d.WorkflowID)
	if err != nil {
		return providers.Receipt{}, err
	}
	job, err := strconv.ParseInt(d.JobID, 10, 64)
	if err != nil || job <= 0 {
		return providers.Receipt{}, fmt.Errorf("GitHub: %q is not a job id", d.JobID)
	}
	c := providers.Call{Operation: opRerunJob, Params: map[string]string{"repo": svc.Repo, "job_id": d.JobID, "job": d.Job, "run_id": d.WorkflowID}}
	what := fmt.Sprintf("re-run %s of run #%d (%s)", d.Job, d.Pipeline, svc.Name)
	return s.act(c, dryRun, what, func() (string, string, error) {
		rid, err := s.client.RerunJob(ctx, svc.Repo, job)
		if err == nil {
			s.markDirty(svc.Name, run)
			s.mu.Lock()
			delete(s.deploys, memKey{svc.Name, run})
			s.follows[memKey{svc.Name, run}] = s.now()
			s.mu.Unlock()
		}
		return rid, "re-ran " + d.Job + " of run #" + strconv.FormatInt(d.Pipeline, 10) + " as its next attempt", err
	})
}

// RerunJob re-runs one job of a run and the jobs that need it.
func (c *Client) RerunJob(ctx context.Context, repo string, jobID int64) (string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	return c.do(ctx, fmt.Sprintf("re-run job %d in %s", jobID, repo), func(ctx context.Context) (*github.Response, error) {
		return c.gh.Actions.RerunJobByID(ctx, owner, name, jobID)
	})
}

// followLimit bounds how long a re-run older run is polled with the
// newest when it does not finish sooner.
const followLimit = 30 * time.Minute

// withFollowed adds the runs a rollback re-ran to a service's list when
// they are not among its newest: each is read again (one conditional
// request), so the board shows it move and a review it waits for is a
// gate in the waiting panel as usual. A run is followed until it is
// completed again after the rerun, or for followLimit.
func (s *Source) withFollowed(ctx context.Context, svc Service, list []*github.WorkflowRun, now time.Time) []*github.WorkflowRun {
	s.mu.Lock()
	var ids []int64
	sinces := map[int64]time.Time{}
	for k, since := range s.follows {
		if k.service != svc.Name {
			continue
		}
		if now.Sub(since) > followLimit {
			delete(s.follows, k)
			continue
		}
		if !slices.ContainsFunc(list, func(r *github.WorkflowRun) bool { return r.GetID() == k.run }) {
			ids = append(ids, k.run)
			sinces[k.run] = since
		}
	}
	s.mu.Unlock()
	if len(ids) == 0 {
		return list
	}
	out := slices.Clone(list)
	for _, id := range ids {
		r, err := s.client.Run(ctx, svc.Repo, id)
		if err != nil || r == nil {
			continue // shown again once it can be read
		}
		if r.GetStatus() == "completed" && r.GetUpdatedAt().Time.After(sinces[id]) {
			s.mu.Lock()
			delete(s.follows, memKey{svc.Name, id})
			s.mu.Unlock()
		}
		out = append(out, r)
	}
	return out
}
