package ci

import (
	"errors"
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The job engine. Every unexported method expects the loop held.

// Start creates the pipeline for a commit of service and starts its
// first job.
func (pt *Part) Start(service string, c *Commit, plan Plan) *Pipeline {
	r := pt.repos[service]
	p := &Pipeline{
		ID: ids.UUID(pt.rnd(r)), Number: len(r.Pipelines) + 1, Service: service, Repo: r.Name,
		Branch: "main", SHA: c.SHA, Trigger: c.Author, CreatedAt: pt.loop.Now(), UpdatedAt: pt.loop.Now(),
		repo: r, plan: plan,
	}
	wf := &Workflow{ID: ids.UUID(pt.rnd(r)), Name: "build-test-deploy", Status: RunRunning, StartedBy: p.Trigger, CreatedAt: pt.loop.Now()}
	if r.Actions != nil {
		// One random id per job, as for CircleCI, keeps a seed's story when
		// the job counts agree (they do for the demo's services).
		wf.Name = r.Actions.Name
		p.RunID = pt.newRunID()
		for _, d := range r.Actions.Jobs {
			j := &Job{ID: ids.UUID(pt.rnd(r)), Name: d.Name, Type: JobBuild, Status: RunBlocked, Needs: slices.Clone(d.Needs), Environment: d.Env, def: d}
			pt.numberGitHubJob(j, 1)
			wf.Jobs = append(wf.Jobs, j)
		}
		return pt.addPipeline(r, p, wf)
	}
	add := func(name, typ, env string, needs ...string) {
		j := &Job{ID: ids.UUID(pt.rnd(r)), Name: name, Type: typ, Status: RunBlocked, Needs: needs, Environment: env}
		if typ == JobApproval {
			j.ApprovalRequestID = approvalRequestID(j.ID)
		}
		wf.Jobs = append(wf.Jobs, j)
	}
	add("build", JobBuild, "")
	add("test", JobBuild, "", "build")
	prev := "test"
	for _, env := range r.Envs {
		if env.Protected {
			add("hold-"+env.Name, JobApproval, env.Name, prev)
			prev = "hold-" + env.Name
		}
		add("deploy-"+env.Name, JobBuild, env.Name, prev)
		prev = "deploy-" + env.Name
	}
	return pt.addPipeline(r, p, wf)
}

func (pt *Part) addPipeline(r *Repo, p *Pipeline, wf *Workflow) *Pipeline {
	p.Workflows = []*Workflow{wf}
	r.Pipelines = append(r.Pipelines, p)
	pt.pipelines[p.ID] = p
	pt.workflows[wf.ID] = p
	if p.RunID != 0 {
		pt.runs[p.RunID] = p
	}
	pt.startReadyJobs(p, wf)
	return p
}

// GitHub ids count up from where a busy installation's would be, in
// steps, so that they look like GitHub's and never repeat. They come from
// counters, not the world's random source, so a seed's story is the same
// whatever CI its services use.
func (pt *Part) newRunID() int64 {
	pt.runIDs++
	return 11_800_000_000 + pt.runIDs*4_127
}

// numberGitHubJob gives a new job of a GitHub run its id and attempt.
func (pt *Part) numberGitHubJob(j *Job, attempt int) {
	pt.jobIDs++
	j.GitHubID = 33_100_000_000 + pt.jobIDs*1_311
	j.Attempt = attempt
}

// Workflow finds a workflow and its pipeline by the workflow's id.
func (pt *Part) Workflow(id string) (*Pipeline, *Workflow) {
	p := pt.workflows[id]
	if p == nil {
		return nil, nil
	}
	for _, wf := range p.Workflows {
		if wf.ID == id {
			return p, wf
		}
	}
	return nil, nil
}

// startReadyJobs starts every blocked job whose needs have all succeeded.
func (pt *Part) startReadyJobs(p *Pipeline, wf *Workflow) {
	for _, j := range wf.Jobs {
		if j.Status != RunBlocked {
			continue
		}
		ready := true
		for _, n := range j.Needs {
			if wf.Job(n).Status != RunSuccess {
				ready = false
			}
		}
		if ready {
			pt.startJob(p, wf, j)
		}
	}
}

func (pt *Part) jobDuration(p *Pipeline, name string, lo, hi time.Duration) time.Duration {
	if d, ok := p.plan.Durations[name]; ok {
		return pt.loop.Pace(d)
	}
	return pt.loop.Pace(pt.span(p.repo, lo, hi))
}

// startJob starts a job whose needs have succeeded: an approval job, or a
// GitHub job deploying to an environment with required reviewers, waits
// for a person; any other runs.
func (pt *Part) startJob(p *Pipeline, wf *Workflow, j *Job) {
	p.UpdatedAt = pt.loop.Now()
	if j.CreatedAt.IsZero() {
		j.CreatedAt = pt.loop.Now()
	}
	if j.Type == JobApproval || pt.awaitsReview(p, j) {
		j.Status = RunOnHold
		if j.Type == JobApproval {
			j.StartedAt = pt.loop.Now()
		}
		if wf.RerunOf == "" { // auto-cancel is for new pipelines, not for a rerun of an old one
			pt.supersedeHolds(p, j)
		}
		pt.updateWorkflow(p, wf)
		pt.scheduleColleague(p, wf, j)
		return
	}
	pt.runJob(p, wf, j)
}

// awaitsReview says whether a GitHub job deploys to an environment with
// required reviewers and has no approval yet (a rerun asks again).
func (pt *Part) awaitsReview(p *Pipeline, j *Job) bool {
	if j.def == nil || j.Environment == "" || j.Review != nil {
		return false
	}
	return p.Protected(j.Environment)
}

// runJob puts a job on a runner and schedules its end.
func (pt *Part) runJob(p *Pipeline, wf *Workflow, j *Job) {
	p.UpdatedAt = pt.loop.Now()
	p.repo.jobNumber++
	j.Number = p.repo.jobNumber
	j.Status = RunRunning
	j.StartedAt = pt.loop.Now()
	pt.updateWorkflow(p, wf)
	switch key := j.Key(); {
	case key == "build":
		j.planned = pt.jobDuration(p, key, 20*time.Second, 40*time.Second)
		pt.loop.After(j.planned, func() { pt.finishJob(p, wf, j, RunSuccess) })
	case key == "test":
		d, fail := pt.testOutcome(p, wf, j)
		j.planned = d
		pt.loop.After(d, func() {
			if fail {
				pt.finishJob(p, wf, j, RunFailed)
			} else {
				pt.finishJob(p, wf, j, RunSuccess)
			}
		})
	case j.Environment != "":
		// The deploy job's own set-up (checkout, aws cli) before it calls ECS.
		j.planned = pt.jobDuration(p, key, 3*time.Second, 6*time.Second)
		pt.loop.After(j.planned, func() { pt.runDeploy(p, wf, j) })
	default:
		j.planned = pt.loop.Pace(10 * time.Second)
		pt.loop.After(j.planned, func() { pt.finishJob(p, wf, j, RunSuccess) })
	}
}

// testOutcome draws a test job's duration and outcome. The legs of a
// matrix share one draw (so a matrix costs the world's random source what
// one test job does): one leg, chosen by the commit, takes the drawn time
// and carries the drawn outcome; the others pass a little sooner.
func (pt *Part) testOutcome(p *Pipeline, wf *Workflow, j *Job) (time.Duration, bool) {
	g, ok := wf.draws[j.Key()]
	if !ok {
		g.fail = !p.plan.NoTestFail && pt.chance(p.repo, pt.tempo.TestFailP)
		g.d = pt.jobDuration(p, j.Key(), 30*time.Second, 60*time.Second)
		if wf.draws == nil {
			wf.draws = map[string]testDraw{}
		}
		wf.draws[j.Key()] = g
	}
	if j.def == nil || j.def.Legs < 2 || j.def.Leg == int(ids.Hash(p.SHA)%uint32(j.def.Legs)) {
		return g.d, g.fail
	}
	return g.d * time.Duration(75+ids.Hash(p.SHA, j.Name)%20) / 100, false
}

// runDeploy ships the commit to the job's environment through the
// world's glue; the job ends when the deployment does.
func (pt *Part) runDeploy(p *Pipeline, wf *Workflow, j *Job) {
	if j.Status != RunRunning {
		return
	}
	c := p.Commit()
	if !slices.ContainsFunc(p.repo.Envs, func(e Env) bool { return e.Name == j.Environment }) || c == nil {
		pt.finishJob(p, wf, j, RunFailed)
		return
	}
	td, sd, ok := pt.deploy.Deploy(p.Service, j.Environment, c.SHA)
	if !ok {
		pt.finishJob(p, wf, j, RunFailed)
		return
	}
	j.TaskDefinitionArn = td
	if sd == "" {
		pt.finishJob(p, wf, j, RunSuccess)
		return
	}
	j.ServiceDeploymentArn = sd
	pt.deploy.OnDone(sd, func(st RunStatus) { pt.finishJob(p, wf, j, st) })
}

func (pt *Part) finishJob(p *Pipeline, wf *Workflow, j *Job, st RunStatus) {
	if j.Status != RunRunning && j.Status != RunOnHold {
		return
	}
	j.Status = st
	j.StoppedAt = pt.loop.Now()
	p.UpdatedAt = pt.loop.Now()
	if st == RunSuccess {
		pt.startReadyJobs(p, wf)
	} else {
		pt.skipBlocked(wf)
	}
	pt.updateWorkflow(p, wf)
}

// skipBlocked marks every job still waiting for its needs as never run.
func (pt *Part) skipBlocked(wf *Workflow) {
	for _, j := range wf.Jobs {
		if j.Status == RunBlocked {
			pt.skip(j)
		}
	}
}

func (pt *Part) skip(j *Job) {
	j.Status = RunNotRun
	if j.CreatedAt.IsZero() {
		j.CreatedAt = pt.loop.Now()
	}
}

func (pt *Part) updateWorkflow(p *Pipeline, wf *Workflow) {
	var running, hold, failed, canceled, done int
	for _, j := range wf.Jobs {
		switch j.Status {
		case RunRunning:
			running++
		case RunOnHold:
			hold++
		case RunFailed:
			failed++
		case RunCanceled:
			canceled++
		case RunSuccess, RunNotRun:
			done++
		}
	}
	old := wf.Status
	switch {
	case running > 0 && failed > 0:
		wf.Status = RunFailing
	case running > 0:
		wf.Status = RunRunning
	case hold > 0:
		wf.Status = RunOnHold
	case failed > 0:
		wf.Status = RunFailed
	case canceled > 0:
		wf.Status = RunCanceled
	default:
		wf.Status = RunSuccess
	}
	if wf.Status != old && (wf.Status == RunSuccess || wf.Status == RunFailed || wf.Status == RunCanceled) {
		wf.StoppedAt = pt.loop.Now()
	}
}

// supersedeHolds cancels older pipelines of the service still waiting at
// the same gate, as CircleCI's auto-cancel of redundant workflows does (and
// GitHub's concurrency group on the deploy job: a newer waiting run
// replaces an older one).
func (pt *Part) supersedeHolds(p *Pipeline, hold *Job) {
	for _, other := range p.repo.Pipelines {
		if other == p {
			continue
		}
		for _, wf := range other.Workflows {
			j := wf.Job(hold.Name)
			if j == nil || j.Status != RunOnHold {
				continue
			}
			j.Status = RunCanceled
			j.StoppedAt = pt.loop.Now()
			pt.skipBlocked(wf)
			other.UpdatedAt = pt.loop.Now()
			pt.updateWorkflow(other, wf)
		}
	}
}

// scheduleColleague has a teammate approve the hold after a while (or, with
// the tempo's odds, leave it for the person at the keyboard).
func (pt *Part) scheduleColleague(p *Pipeline, wf *Workflow, j *Job) {
	delay := p.plan.ApproveAfter
	if delay == 0 {
		if !pt.chance(p.repo, pt.tempo.ApproveP) {
			return
		}
		delay = pt.span(p.repo, pt.tempo.ApproveAfter[0], pt.tempo.ApproveAfter[1])
	}
	c := p.Commit()
	team := pt.team
	by := team[pt.rnd(p.repo).IntN(len(team))]
	if c != nil && by == c.Author {
		by = team[(slices.Index(team, by)+1)%len(team)]
	}
	comment := colleagueComments[ids.Hash(j.ID)%uint32(len(colleagueComments))]
	pt.loop.After(pt.loop.Pace(delay), func() {
		if j.Status == RunOnHold {
			pt.Approve(p, wf, j, by, comment)
		}
	})
}

var colleagueComments = []string{"LGTM", "Staging looks healthy, go ahead.", "Checked the dashboards: ship it.", "Approved."}

// Approve passes a gate: an approval job succeeds, a GitHub job waiting
// for its environment's reviewers starts.
func (pt *Part) Approve(p *Pipeline, wf *Workflow, j *Job, by Person, comment string) {
	j.ApprovedBy = &by
	if j.Type == JobApproval {
		pt.finishJob(p, wf, j, RunSuccess)
		return
	}
	j.Review = &Review{State: ReviewApproved, By: by, Comment: comment, At: pt.loop.Now()}
	pt.runJob(p, wf, j)
}

// Reject turns down a GitHub job's pending deployment: the job fails, and
// with it the run.
func (pt *Part) Reject(p *Pipeline, wf *Workflow, j *Job, by Person, comment string) {
	j.Review = &Review{State: ReviewRejected, By: by, Comment: comment, At: pt.loop.Now()}
	pt.finishJob(p, wf, j, RunFailed)
}

// Errors from ApproveJob and ApproveRequest.
var (
	ErrNoSuchJob  = errors.New("sim: no such pipeline job")
	ErrNotOnHold  = errors.New("sim: job is not on hold")
	ErrNotApprove = errors.New("sim: job is not an approval job")
)

// ApproveRequest approves the held approval job of a workflow by its
// approval request id, as CircleCI's approve endpoint does. The error says
// what stood in the way; the job, when found, comes back either way.
func (pt *Part) ApproveRequest(workflowID, requestID string, by Person) (Job, error) {
	p, wf := pt.Workflow(workflowID)
	if wf == nil {
		return Job{}, ErrNoSuchWorkflow
	}
	for _, j := range wf.Jobs {
		if j.ApprovalRequestID != requestID {
			continue
		}
		if j.Status != RunOnHold {
			return *j.clone(), ErrNotOnHold
		}
		pt.Approve(p, wf, j, by, "")
		return *j.clone(), nil
	}
	return Job{}, ErrNoSuchJob
}

// ApproveJob approves a held approval job, or a GitHub job waiting for its
// environment's reviewers, by pipeline and job id (the CircleCI endpoint
// goes through ApproveRequest, GitHub's through the run's pending
// deployments); reject by canceling is CancelWorkflow's job.
func (pt *Part) ApproveJob(pipelineID, jobID string, by Person) error {
	p := pt.pipelines[pipelineID]
	if p == nil {
		return ErrNoSuchJob
	}
	for _, wf := range p.Workflows {
		for _, j := range wf.Jobs {
			if j.ID != jobID {
				continue
			}
			if j.Type != JobApproval && (j.def == nil || !p.Protected(j.Environment)) {
				return ErrNotApprove
			}
			if j.Status != RunOnHold {
				return ErrNotOnHold
			}
			pt.Approve(p, wf, j, by, "")
			return nil
		}
	}
	return ErrNoSuchJob
}

// CancelPipeline cancels a pipeline's workflows: running and held jobs end
// canceled and nothing after them starts.
func (pt *Part) CancelPipeline(pipelineID string) error {
	p := pt.pipelines[pipelineID]
	if p == nil {
		return ErrNoSuchJob
	}
	for _, wf := range p.Workflows {
		pt.Cancel(p, wf, nil)
	}
	return nil
}

// Cancel cancels one workflow on by's behalf (nil: the system's).
// A workflow that has already finished is left as it is.
func (pt *Part) Cancel(p *Pipeline, wf *Workflow, by *Person) {
	touched := false
	for _, j := range wf.Jobs {
		switch j.Status {
		case RunRunning, RunOnHold:
			j.Status = RunCanceled
			j.StoppedAt = pt.loop.Now()
			j.CanceledBy = by
			touched = true
		case RunBlocked:
			pt.skip(j)
			touched = true
		}
	}
	if !touched {
		return
	}
	wf.CanceledBy = by
	p.UpdatedAt = pt.loop.Now()
	pt.updateWorkflow(p, wf)
}

// Errors from RerunWorkflow (and ErrNoSuchWorkflow from ApproveRequest).
var (
	ErrNoSuchWorkflow = errors.New("sim: no such workflow")
	ErrWorkflowActive = errors.New("sim: workflow has not finished")
	ErrNoFailedJobs   = errors.New("sim: workflow has no failed jobs")
)

// JobNotInWorkflowError is RerunWorkflow's answer to a job id the workflow
// does not have.
type JobNotInWorkflowError struct{ JobID string }

func (e *JobNotInWorkflowError) Error() string {
	return "sim: job " + e.JobID + " is not part of the workflow"
}

// RerunOptions say what RerunWorkflow runs again, as CircleCI's rerun
// endpoint does. With neither FromFailed nor Jobs the whole workflow runs
// again.
type RerunOptions struct {
	FromFailed bool     // the failed jobs and every job downstream of them
	Jobs       []string // these jobs (by id) and every job downstream of them
	By         Person   // who asked; the new workflow's started_by
}

// RerunWorkflow starts a new workflow on the same pipeline that runs the
// chosen jobs again; the jobs it does not rerun keep the outcome they had
// (a rerun from failed does not build again what built fine). It returns
// the new workflow's id. A workflow still running or on hold cannot be
// rerun: cancel it first. For a GitHub run the new workflow is the run's
// next attempt.
func (pt *Part) RerunWorkflow(workflowID string, o RerunOptions) (string, error) {
	p, old := pt.Workflow(workflowID)
	if old == nil {
		return "", ErrNoSuchWorkflow
	}
	wf, err := pt.Rerun(p, old, o)
	if err != nil {
		return "", err
	}
	return wf.ID, nil
}

func (pt *Part) Rerun(p *Pipeline, old *Workflow, o RerunOptions) (*Workflow, error) {
	switch old.Status {
	case RunRunning, RunFailing, RunOnHold:
		return nil, ErrWorkflowActive
	}
	rerun := map[string]bool{} // by job name
	switch {
	case o.FromFailed:
		for _, j := range old.Jobs {
			if j.Status == RunFailed {
				rerun[j.Name] = true
			}
		}
		if len(rerun) == 0 {
			return nil, ErrNoFailedJobs
		}
	case len(o.Jobs) > 0:
		for _, id := range o.Jobs {
			i := slices.IndexFunc(old.Jobs, func(j *Job) bool { return j.ID == id })
			if i < 0 {
				return nil, &JobNotInWorkflowError{JobID: id}
			}
			rerun[old.Jobs[i].Name] = true
		}
	default:
		for _, j := range old.Jobs {
			rerun[j.Name] = true
		}
	}
	// Everything downstream of a rerun job runs again too. Jobs are listed
	// after the jobs they need, so one pass in order closes the set.
	for _, j := range old.Jobs {
		for _, n := range j.Needs {
			if rerun[n] {
				rerun[j.Name] = true
			}
		}
	}

	wf := &Workflow{ID: ids.UUID(pt.rnd(p.repo)), Name: old.Name, Status: RunRunning, StartedBy: o.By, RerunOf: old.ID, CreatedAt: pt.loop.Now()}
	for _, oj := range old.Jobs {
		j := &Job{ID: ids.UUID(pt.rnd(p.repo)), Name: oj.Name, Type: oj.Type, Status: RunBlocked, Needs: slices.Clone(oj.Needs), Environment: oj.Environment, def: oj.def}
		if !rerun[oj.Name] {
			// Not rerun: the new workflow shows the outcome it had, under
			// the same job number (the run it refers to is that one), and
			// on GitHub under the same job id and attempt.
			j = oj.clone()
			j.ID = ids.UUID(pt.rnd(p.repo))
		} else if p.RunID != 0 {
			pt.numberGitHubJob(j, len(p.Workflows)+1)
		}
		if j.Type == JobApproval {
			j.ApprovalRequestID = approvalRequestID(j.ID)
		}
		wf.Jobs = append(wf.Jobs, j)
	}
	p.Workflows = append(p.Workflows, wf)
	pt.workflows[wf.ID] = p
	p.UpdatedAt = pt.loop.Now()
	pt.startReadyJobs(p, wf)
	// A rerun job whose upstream, kept from the old run, did not succeed
	// can never start.
	for _, j := range wf.Jobs {
		if j.Status == RunBlocked && !pt.canStart(wf, j) {
			pt.skip(j)
		}
	}
	pt.updateWorkflow(p, wf)
	return wf, nil
}

// canStart says whether a blocked job may still start: nothing it needs,
// directly or not, has ended without success.
func (pt *Part) canStart(wf *Workflow, j *Job) bool {
	for _, n := range j.Needs {
		up := wf.Job(n)
		switch up.Status {
		case RunSuccess:
		case RunBlocked:
			if !pt.canStart(wf, up) {
				return false
			}
		case RunRunning, RunOnHold:
		default:
			return false
		}
	}
	return true
}
