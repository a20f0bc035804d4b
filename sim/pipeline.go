package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"flightdeck/sim/ecs"
	"flightdeck/sim/internal/ids"
)

// The CI part of the world: each service's repository with its commits, and
// one pipeline per commit. A CircleCI service's workflow runs build → test →
// deploy-<env> … with an approval job (hold-<env>) before each protected
// environment. A GitHub Actions service's run is the job graph of its
// deploy.yml (workflowfile.go): a matrix of tests, a reusable workflow's
// deploy, and deploy jobs to protected environments that wait for a
// reviewer instead of an approval job. Deploy jobs register a task
// definition and drive the ECS engine, so what the CI shows and what ECS
// shows are one story. circleci.go and github.go serve it; a GitHub run is
// a pipeline, its attempts are the pipeline's workflows. Every unexported
// method expects w.mu.

// Person is a commit author, pipeline trigger or approver.
type Person struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Login string `json:"login"`
}

// Commit is one commit on a repository's main branch.
type Commit struct {
	SHA     string    `json:"sha"`
	Parent  string    `json:"parent,omitempty"`
	Subject string    `json:"subject"`
	Author  Person    `json:"author"`
	Time    time.Time `json:"time"`
	bad     bool      // its image crashes on start
}

// RunStatus is a job's or workflow's state, in CircleCI's words.
type RunStatus string

const (
	RunBlocked  RunStatus = "blocked" // waiting for the jobs it needs
	RunRunning  RunStatus = "running"
	RunOnHold   RunStatus = "on_hold" // an approval job waiting for a human
	RunSuccess  RunStatus = "success"
	RunFailed   RunStatus = "failed"
	RunCanceled RunStatus = "canceled"
	RunNotRun   RunStatus = "not_run" // never started because something it needs failed
	RunFailing  RunStatus = "failing" // a workflow with a failed job and others still running
)

// Job types.
const (
	JobBuild    = "build"
	JobApproval = "approval"
)

// Job is one node of a workflow. A GitHub Actions job waiting for a
// reviewer of its environment is on hold, like an approval job.
type Job struct {
	ID                   string    `json:"id"`
	Number               int       `json:"number,omitempty"` // approval jobs have none, as in CircleCI
	Name                 string    `json:"name"`
	Type                 string    `json:"type"`
	Status               RunStatus `json:"status"`
	Needs                []string  `json:"needs"`
	Environment          string    `json:"environment,omitempty"` // deploy-* and hold-* jobs
	StartedAt            time.Time `json:"started_at,omitzero"`
	StoppedAt            time.Time `json:"stopped_at,omitzero"`
	ApprovedBy           *Person   `json:"approved_by,omitempty"`
	CanceledBy           *Person   `json:"canceled_by,omitempty"` // set when a person canceled it, not auto-cancel
	ApprovalRequestID    string    `json:"approval_request_id,omitempty"`
	TaskDefinitionArn    string    `json:"task_definition_arn,omitempty"`
	ServiceDeploymentArn string    `json:"service_deployment_arn,omitempty"`

	// GitHub Actions services only.
	GitHubID  int64     `json:"github_id,omitempty"` // the job's id in the jobs API
	Attempt   int       `json:"attempt,omitempty"`   // the run attempt it ran in (kept jobs keep theirs)
	CreatedAt time.Time `json:"created_at,omitzero"` // when it became ready to start (or was skipped)
	Review    *Review   `json:"review,omitempty"`    // the review of its environment's pending deployment

	def     *ghJobDef     // its place in the workflow file
	planned time.Duration // how long it was scheduled to take (deploys: their set-up)
}

// Review states, as GitHub names them.
const (
	ReviewApproved = "approved"
	ReviewRejected = "rejected"
)

// Review is a decision on a GitHub environment's pending deployment.
type Review struct {
	State   string    `json:"state"`
	By      Person    `json:"by"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

// Workflow is the job graph of a pipeline. A pipeline's first workflow is
// started by its trigger; reruns add workflows started by whoever asked.
type Workflow struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Status     RunStatus `json:"status"`
	StartedBy  Person    `json:"started_by"`
	CanceledBy *Person   `json:"canceled_by,omitempty"`
	RerunOf    string    `json:"rerun_of,omitempty"` // the workflow this one reruns
	CreatedAt  time.Time `json:"created_at"`
	StoppedAt  time.Time `json:"stopped_at,omitzero"`
	Jobs       []*Job    `json:"jobs"`

	draws map[string]testDraw // a matrix's shared outcome, by deploy.yml job
}

// testDraw is what the world drew for a test job: how long, and whether it
// fails. A matrix draws once and its legs share it.
type testDraw struct {
	d    time.Duration
	fail bool
}

// Pipeline is the CI run for one commit.
type Pipeline struct {
	ID        string      `json:"id"`
	Number    int         `json:"number"`
	Service   string      `json:"service"`
	Repo      string      `json:"repo"`
	Branch    string      `json:"branch"`
	SHA       string      `json:"sha"`
	Trigger   Person      `json:"trigger"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
	Workflows []*Workflow `json:"workflows"`
	RunID     int64       `json:"run_id,omitempty"` // GitHub Actions services: the run's id

	cs   *catalogueService
	plan pipelinePlan
}

// repo is a service's repository: commits and pipelines, oldest first.
type repo struct {
	name      string // owner/name
	commits   []*Commit
	pipelines []*Pipeline
	prNumber  int
	jobNumber int
	actions   *ghWorkflow // the deploy workflow of a GitHub Actions service; nil for CircleCI
}

// pipelinePlan pins parts of a pipeline for scripted scenes; zero values
// mean "draw from the tempo".
type pipelinePlan struct {
	durations    map[string]time.Duration // by job name, before pacing
	approveAfter time.Duration            // colleague approval delay, before pacing
	noTestFail   bool
}

// --- read access ---

// Commits returns a service's commits, oldest first.
func (w *World) Commits(service string) []Commit {
	w.loop.Lock()
	defer w.loop.Unlock()
	r := w.repos[service]
	if r == nil {
		return nil
	}
	out := make([]Commit, len(r.commits))
	for i, c := range r.commits {
		out[i] = *c
	}
	return out
}

// Pipelines returns deep copies of a service's pipelines, oldest first.
func (w *World) Pipelines(service string) []Pipeline {
	w.loop.Lock()
	defer w.loop.Unlock()
	r := w.repos[service]
	if r == nil {
		return nil
	}
	out := make([]Pipeline, 0, len(r.pipelines))
	for _, p := range r.pipelines {
		cp := *p
		cp.Workflows = nil
		for _, wf := range p.Workflows {
			wcp := *wf
			wcp.Jobs, wcp.draws = nil, nil
			for _, j := range wf.Jobs {
				wcp.Jobs = append(wcp.Jobs, j.clone())
			}
			cp.Workflows = append(cp.Workflows, &wcp)
		}
		out = append(out, cp)
	}
	return out
}

// --- commits and pipelines ---

func (w *World) newCommit(cs *catalogueService, bad bool) *Commit {
	r := w.repos[cs.name]
	parent := ""
	if n := len(r.commits); n > 0 {
		parent = r.commits[n-1].SHA
	}
	r.prNumber += 1 + w.loop.Rand().IntN(3)
	subject := cs.subjects[w.loop.Rand().IntN(len(cs.subjects))]
	if w.loop.Chance(0.3) {
		subject = genericSubjects[w.loop.Rand().IntN(len(genericSubjects))]
	}
	c := &Commit{
		SHA:     ids.Hex(w.loop.Rand(), 40),
		Parent:  parent,
		Subject: fmt.Sprintf("%s (#%d)", subject, r.prNumber),
		Author:  team[w.loop.Rand().IntN(len(team))],
		Time:    w.loop.Now(),
		bad:     bad,
	}
	r.commits = append(r.commits, c)
	return c
}

// startPipeline creates the pipeline for a commit and starts its first job.
func (w *World) startPipeline(cs *catalogueService, c *Commit, plan pipelinePlan) *Pipeline {
	r := w.repos[cs.name]
	p := &Pipeline{
		ID: ids.UUID(w.loop.Rand()), Number: len(r.pipelines) + 1, Service: cs.name, Repo: r.name,
		Branch: "main", SHA: c.SHA, Trigger: c.Author, CreatedAt: w.loop.Now(), UpdatedAt: w.loop.Now(),
		cs: cs, plan: plan,
	}
	wf := &Workflow{ID: ids.UUID(w.loop.Rand()), Name: "build-test-deploy", Status: RunRunning, StartedBy: p.Trigger, CreatedAt: w.loop.Now()}
	if r.actions != nil {
		// One random id per job, as for CircleCI, keeps a seed's story when
		// the job counts agree (they do for the demo's services).
		wf.Name = r.actions.name
		p.RunID = w.newRunID()
		for _, d := range r.actions.jobs {
			j := &Job{ID: ids.UUID(w.loop.Rand()), Name: d.name, Type: JobBuild, Status: RunBlocked, Needs: slices.Clone(d.needs), Environment: d.env, def: d}
			w.numberGitHubJob(j, 1)
			wf.Jobs = append(wf.Jobs, j)
		}
		return w.addPipeline(r, p, wf)
	}
	add := func(name, typ, env string, needs ...string) {
		j := &Job{ID: ids.UUID(w.loop.Rand()), Name: name, Type: typ, Status: RunBlocked, Needs: needs, Environment: env}
		if typ == JobApproval {
			j.ApprovalRequestID = approvalRequestID(j.ID)
		}
		wf.Jobs = append(wf.Jobs, j)
	}
	add("build", JobBuild, "")
	add("test", JobBuild, "", "build")
	prev := "test"
	for _, env := range cs.envs {
		if env.protected {
			add("hold-"+env.name, JobApproval, env.name, prev)
			prev = "hold-" + env.name
		}
		add("deploy-"+env.name, JobBuild, env.name, prev)
		prev = "deploy-" + env.name
	}
	return w.addPipeline(r, p, wf)
}

func (w *World) addPipeline(r *repo, p *Pipeline, wf *Workflow) *Pipeline {
	p.Workflows = []*Workflow{wf}
	r.pipelines = append(r.pipelines, p)
	w.pipelines[p.ID] = p
	w.workflows[wf.ID] = p
	if p.RunID != 0 {
		w.runs[p.RunID] = p
	}
	w.startReadyJobs(p, wf)
	return p
}

// GitHub ids count up from where a busy installation's would be, in
// steps, so that they look like GitHub's and never repeat. They come from
// counters, not the world's random source, so a seed's story is the same
// whatever CI its services use.
func (w *World) newRunID() int64 {
	w.gh.runs++
	return 11_800_000_000 + w.gh.runs*4_127
}

func (w *World) newGitHubDeploymentID() int64 {
	w.gh.deployments++
	return 1_900_000_000 + w.gh.deployments*97
}

// numberGitHubJob gives a new job of a GitHub run its id and attempt.
func (w *World) numberGitHubJob(j *Job, attempt int) {
	w.gh.jobs++
	j.GitHubID = 33_100_000_000 + w.gh.jobs*1_311
	j.Attempt = attempt
}

// key is the job's name in its workflow file: the deploy.yml job it came
// from ("test" for "test (18)"), or the CircleCI job's own name.
func (j *Job) key() string {
	if j.def != nil {
		return j.def.key
	}
	return j.Name
}

// approvalRequestID is the id an approval job is approved by. CircleCI's
// answers show it equal to the job's id, but the API names it separately
// and clients must use the field; the sim derives a different id (from
// the job's, so that it draws nothing from the world's random source) so
// that a client approving by job id is caught here rather than later.
func approvalRequestID(jobID string) string { return ids.NameUUID("approval-request", jobID) }

func (j *Job) clone() *Job {
	cp := *j
	cp.Needs = slices.Clone(j.Needs)
	return &cp
}

// workflow finds a workflow and its pipeline by the workflow's id.
func (w *World) workflow(id string) (*Pipeline, *Workflow) {
	p := w.workflows[id]
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

func (p *Pipeline) commit(w *World) *Commit {
	for _, c := range slices.Backward(w.repos[p.Service].commits) {
		if c.SHA == p.SHA {
			return c
		}
	}
	return nil
}

// startReadyJobs starts every blocked job whose needs have all succeeded.
func (w *World) startReadyJobs(p *Pipeline, wf *Workflow) {
	for _, j := range wf.Jobs {
		if j.Status != RunBlocked {
			continue
		}
		ready := true
		for _, n := range j.Needs {
			if jobByName(wf, n).Status != RunSuccess {
				ready = false
			}
		}
		if ready {
			w.startJob(p, wf, j)
		}
	}
}

func jobByName(wf *Workflow, name string) *Job {
	for _, j := range wf.Jobs {
		if j.Name == name {
			return j
		}
	}
	return nil
}

func (w *World) jobDuration(p *Pipeline, name string, lo, hi time.Duration) time.Duration {
	if d, ok := p.plan.durations[name]; ok {
		return w.loop.Pace(d)
	}
	return w.loop.Between(lo, hi)
}

// startJob starts a job whose needs have succeeded: an approval job, or a
// GitHub job deploying to an environment with required reviewers, waits
// for a person; any other runs.
func (w *World) startJob(p *Pipeline, wf *Workflow, j *Job) {
	p.UpdatedAt = w.loop.Now()
	if j.CreatedAt.IsZero() {
		j.CreatedAt = w.loop.Now()
	}
	if j.Type == JobApproval || w.awaitsReview(p, j) {
		j.Status = RunOnHold
		if j.Type == JobApproval {
			j.StartedAt = w.loop.Now()
		}
		if wf.RerunOf == "" { // auto-cancel is for new pipelines, not for a rerun of an old one
			w.supersedeHolds(p, j)
		}
		w.updateWorkflow(p, wf)
		w.scheduleColleague(p, wf, j)
		return
	}
	w.runJob(p, wf, j)
}

// awaitsReview says whether a GitHub job deploys to an environment with
// required reviewers and has no approval yet (a rerun asks again).
func (w *World) awaitsReview(p *Pipeline, j *Job) bool {
	if j.def == nil || j.Environment == "" || j.Review != nil {
		return false
	}
	env := p.cs.env(j.Environment)
	return env != nil && env.protected
}

// runJob puts a job on a runner and schedules its end.
func (w *World) runJob(p *Pipeline, wf *Workflow, j *Job) {
	p.UpdatedAt = w.loop.Now()
	r := w.repos[p.Service]
	r.jobNumber++
	j.Number = r.jobNumber
	j.Status = RunRunning
	j.StartedAt = w.loop.Now()
	w.updateWorkflow(p, wf)
	switch key := j.key(); {
	case key == "build":
		j.planned = w.jobDuration(p, key, 20*time.Second, 40*time.Second)
		w.loop.After(j.planned, func() { w.finishJob(p, wf, j, RunSuccess) })
	case key == "test":
		d, fail := w.testOutcome(p, wf, j)
		j.planned = d
		w.loop.After(d, func() {
			if fail {
				w.finishJob(p, wf, j, RunFailed)
			} else {
				w.finishJob(p, wf, j, RunSuccess)
			}
		})
	case j.Environment != "":
		// The deploy job's own set-up (checkout, aws cli) before it calls ECS.
		j.planned = w.jobDuration(p, key, 3*time.Second, 6*time.Second)
		w.loop.After(j.planned, func() { w.runDeploy(p, wf, j) })
	default:
		j.planned = w.loop.Pace(10 * time.Second)
		w.loop.After(j.planned, func() { w.finishJob(p, wf, j, RunSuccess) })
	}
}

// testOutcome draws a test job's duration and outcome. The legs of a
// matrix share one draw (so a matrix costs the world's random source what
// one test job does): one leg, chosen by the commit, takes the drawn time
// and carries the drawn outcome; the others pass a little sooner.
func (w *World) testOutcome(p *Pipeline, wf *Workflow, j *Job) (time.Duration, bool) {
	g, ok := wf.draws[j.key()]
	if !ok {
		g.fail = !p.plan.noTestFail && w.loop.Chance(w.tempo.testFailP)
		g.d = w.jobDuration(p, j.key(), 30*time.Second, 60*time.Second)
		if wf.draws == nil {
			wf.draws = map[string]testDraw{}
		}
		wf.draws[j.key()] = g
	}
	if j.def == nil || j.def.legs < 2 || j.def.leg == int(hashOf(p.SHA)%uint32(j.def.legs)) {
		return g.d, g.fail
	}
	return g.d * time.Duration(75+hashOf(p.SHA, j.Name)%20) / 100, false
}

// hashOf is a stable number from strings, for choices that must not draw
// on the world's random source.
func hashOf(parts ...string) uint32 {
	h := fnv.New32a()
	for _, s := range parts {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum32()
}

// runDeploy registers the commit's task definition for the environment and
// updates the ECS service; the job ends when the service deployment does.
func (w *World) runDeploy(p *Pipeline, wf *Workflow, j *Job) {
	if j.Status != RunRunning {
		return
	}
	env := p.cs.env(j.Environment)
	c := p.commit(w)
	if env == nil || c == nil || !w.ecs.ServiceActive(env.cluster, p.cs.name) {
		w.finishJob(p, wf, j, RunFailed)
		return
	}
	j.TaskDefinitionArn = w.registerForCommit(p.cs, env, c)
	sd := w.ecs.Deploy(env.cluster, p.cs.name, j.TaskDefinitionArn)
	if sd == "" {
		w.finishJob(p, wf, j, RunSuccess)
		return
	}
	j.ServiceDeploymentArn = sd
	w.ecs.OnDone(sd, func(o ecs.Outcome) {
		switch o {
		case ecs.Succeeded:
			w.finishJob(p, wf, j, RunSuccess)
		case ecs.Superseded:
			w.finishJob(p, wf, j, RunCanceled)
		default:
			w.finishJob(p, wf, j, RunFailed)
		}
	})
}

func (w *World) finishJob(p *Pipeline, wf *Workflow, j *Job, st RunStatus) {
	if j.Status != RunRunning && j.Status != RunOnHold {
		return
	}
	j.Status = st
	j.StoppedAt = w.loop.Now()
	p.UpdatedAt = w.loop.Now()
	if st == RunSuccess {
		w.startReadyJobs(p, wf)
	} else {
		w.skipBlocked(wf)
	}
	w.updateWorkflow(p, wf)
}

// skipBlocked marks every job still waiting for its needs as never run.
func (w *World) skipBlocked(wf *Workflow) {
	for _, j := range wf.Jobs {
		if j.Status == RunBlocked {
			w.skip(j)
		}
	}
}

func (w *World) skip(j *Job) {
	j.Status = RunNotRun
	if j.CreatedAt.IsZero() {
		j.CreatedAt = w.loop.Now()
	}
}

func (w *World) updateWorkflow(p *Pipeline, wf *Workflow) {
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
		wf.StoppedAt = w.loop.Now()
	}
}

// supersedeHolds cancels older pipelines of the service still waiting at
// the same gate, as CircleCI's auto-cancel of redundant workflows does (and
// GitHub's concurrency group on the deploy job: a newer waiting run
// replaces an older one).
func (w *World) supersedeHolds(p *Pipeline, hold *Job) {
	for _, other := range w.repos[p.Service].pipelines {
		if other == p {
			continue
		}
		for _, wf := range other.Workflows {
			j := jobByName(wf, hold.Name)
			if j == nil || j.Status != RunOnHold {
				continue
			}
			j.Status = RunCanceled
			j.StoppedAt = w.loop.Now()
			w.skipBlocked(wf)
			other.UpdatedAt = w.loop.Now()
			w.updateWorkflow(other, wf)
		}
	}
}

// scheduleColleague has a teammate approve the hold after a while (or, with
// the tempo's odds, leave it for the person at the keyboard).
func (w *World) scheduleColleague(p *Pipeline, wf *Workflow, j *Job) {
	delay := p.plan.approveAfter
	if delay == 0 {
		if !w.loop.Chance(w.tempo.approveP) {
			return
		}
		delay = w.loop.Span(w.tempo.approveAfter[0], w.tempo.approveAfter[1])
	}
	c := p.commit(w)
	by := team[w.loop.Rand().IntN(len(team))]
	if c != nil && by == c.Author {
		by = team[(slices.Index(team, by)+1)%len(team)]
	}
	comment := colleagueComments[hashOf(j.ID)%uint32(len(colleagueComments))]
	w.loop.After(w.loop.Pace(delay), func() {
		if j.Status == RunOnHold {
			w.approve(p, wf, j, by, comment)
		}
	})
}

var colleagueComments = []string{"LGTM", "Staging looks healthy, go ahead.", "Checked the dashboards: ship it.", "Approved."}

// approve passes a gate: an approval job succeeds, a GitHub job waiting
// for its environment's reviewers starts.
func (w *World) approve(p *Pipeline, wf *Workflow, j *Job, by Person, comment string) {
	j.ApprovedBy = &by
	if j.Type == JobApproval {
		w.finishJob(p, wf, j, RunSuccess)
		return
	}
	j.Review = &Review{State: ReviewApproved, By: by, Comment: comment, At: w.loop.Now()}
	w.runJob(p, wf, j)
}

// reject turns down a GitHub job's pending deployment: the job fails, and
// with it the run.
func (w *World) reject(p *Pipeline, wf *Workflow, j *Job, by Person, comment string) {
	j.Review = &Review{State: ReviewRejected, By: by, Comment: comment, At: w.loop.Now()}
	w.finishJob(p, wf, j, RunFailed)
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
func (w *World) ApproveRequest(workflowID, requestID string, by Person) (Job, error) {
	w.loop.Lock()
	defer w.loop.Unlock()
	p, wf := w.workflow(workflowID)
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
		w.approve(p, wf, j, by, "")
		return *j.clone(), nil
	}
	return Job{}, ErrNoSuchJob
}

// ApproveJob approves a held approval job, or a GitHub job waiting for its
// environment's reviewers, by pipeline and job id (the CircleCI endpoint
// goes through ApproveRequest, GitHub's through the run's pending
// deployments); reject by canceling is CancelWorkflow's job.
func (w *World) ApproveJob(pipelineID, jobID string, by Person) error {
	w.loop.Lock()
	defer w.loop.Unlock()
	p := w.pipelines[pipelineID]
	if p == nil {
		return ErrNoSuchJob
	}
	for _, wf := range p.Workflows {
		for _, j := range wf.Jobs {
			if j.ID != jobID {
				continue
			}
			env := p.cs.env(j.Environment)
			if j.Type != JobApproval && (j.def == nil || env == nil || !env.protected) {
				return ErrNotApprove
			}
			if j.Status != RunOnHold {
				return ErrNotOnHold
			}
			w.approve(p, wf, j, by, "")
			return nil
		}
	}
	return ErrNoSuchJob
}

// CancelWorkflow cancels a pipeline's workflows: running and held jobs end
// canceled and nothing after them starts.
func (w *World) CancelWorkflow(pipelineID string) error {
	w.loop.Lock()
	defer w.loop.Unlock()
	p := w.pipelines[pipelineID]
	if p == nil {
		return ErrNoSuchJob
	}
	for _, wf := range p.Workflows {
		w.cancelWorkflow(p, wf, nil)
	}
	return nil
}

// cancelWorkflow cancels one workflow on by's behalf (nil: the system's).
// A workflow that has already finished is left as it is.
func (w *World) cancelWorkflow(p *Pipeline, wf *Workflow, by *Person) {
	touched := false
	for _, j := range wf.Jobs {
		switch j.Status {
		case RunRunning, RunOnHold:
			j.Status = RunCanceled
			j.StoppedAt = w.loop.Now()
			j.CanceledBy = by
			touched = true
		case RunBlocked:
			w.skip(j)
			touched = true
		}
	}
	if !touched {
		return
	}
	wf.CanceledBy = by
	p.UpdatedAt = w.loop.Now()
	w.updateWorkflow(p, wf)
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
func (w *World) RerunWorkflow(workflowID string, o RerunOptions) (string, error) {
	w.loop.Lock()
	defer w.loop.Unlock()
	p, old := w.workflow(workflowID)
	if old == nil {
		return "", ErrNoSuchWorkflow
	}
	wf, err := w.rerunWorkflow(p, old, o)
	if err != nil {
		return "", err
	}
	return wf.ID, nil
}

func (w *World) rerunWorkflow(p *Pipeline, old *Workflow, o RerunOptions) (*Workflow, error) {
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

	wf := &Workflow{ID: ids.UUID(w.loop.Rand()), Name: old.Name, Status: RunRunning, StartedBy: o.By, RerunOf: old.ID, CreatedAt: w.loop.Now()}
	for _, oj := range old.Jobs {
		j := &Job{ID: ids.UUID(w.loop.Rand()), Name: oj.Name, Type: oj.Type, Status: RunBlocked, Needs: slices.Clone(oj.Needs), Environment: oj.Environment, def: oj.def}
		if !rerun[oj.Name] {
			// Not rerun: the new workflow shows the outcome it had, under
			// the same job number (the run it refers to is that one), and
			// on GitHub under the same job id and attempt.
			j = oj.clone()
			j.ID = ids.UUID(w.loop.Rand())
		} else if p.RunID != 0 {
			w.numberGitHubJob(j, len(p.Workflows)+1)
		}
		if j.Type == JobApproval {
			j.ApprovalRequestID = approvalRequestID(j.ID)
		}
		wf.Jobs = append(wf.Jobs, j)
	}
	p.Workflows = append(p.Workflows, wf)
	w.workflows[wf.ID] = p
	p.UpdatedAt = w.loop.Now()
	w.startReadyJobs(p, wf)
	// A rerun job whose upstream, kept from the old run, did not succeed
	// can never start.
	for _, j := range wf.Jobs {
		if j.Status == RunBlocked && !w.canStart(wf, j) {
			w.skip(j)
		}
	}
	w.updateWorkflow(p, wf)
	return wf, nil
}

// canStart says whether a blocked job may still start: nothing it needs,
// directly or not, has ended without success.
func (w *World) canStart(wf *Workflow, j *Job) bool {
	for _, n := range j.Needs {
		up := jobByName(wf, n)
		switch up.Status {
		case RunSuccess:
		case RunBlocked:
			if !w.canStart(wf, up) {
				return false
			}
		case RunRunning, RunOnHold:
		default:
			return false
		}
	}
	return true
}

// --- task definitions for commits ---

func (w *World) imageFor(cs *catalogueService, env *catalogueEnv, c *Commit) string {
	tag := c.SHA[:7]
	if !cs.labelled {
		tag = "sha-" + c.SHA[:7]
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s:%s", w.account, env.region, cs.name, tag)
}

// revisionLabel is the OCI label that names the commit an image was built
// from; flightdeck reads the SHA from it, or from the tag without it.
const revisionLabel = "org.opencontainers.image.revision"

// registerForCommit registers the next revision of the environment's family
// running the commit's image, then applies the team's retention policy; it
// returns the revision's ARN.
func (w *World) registerForCommit(cs *catalogueService, env *catalogueEnv, c *Commit) string {
	image := w.imageFor(cs, env, c)
	if c.bad {
		w.ecs.MarkImageBad(image)
	}
	labels := map[string]string{
		"org.opencontainers.image.source": "https://github.com/" + w.repos[cs.name].name,
		"com.acme.service":                cs.name,
	}
	if cs.labelled {
		labels[revisionLabel] = c.SHA
	}
	container := map[string]any{
		"name": cs.name, "image": image, "essential": true, "cpu": 0,
		"portMappings": []map[string]any{{"containerPort": cs.port, "hostPort": cs.port, "protocol": "tcp", "name": cs.name + "-http"}},
		"environment":  []map[string]string{{"name": "APP_ENV", "value": env.name}, {"name": "GIT_SHA", "value": c.SHA}},
		"dockerLabels": labels,
		"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]string{
			"awslogs-group": "/ecs/" + cs.name + "-" + env.name, "awslogs-region": env.region, "awslogs-stream-prefix": cs.name,
		}},
		"mountPoints": []any{}, "volumesFrom": []any{}, "systemControls": []any{},
	}
	fields := map[string]json.RawMessage{}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		fields[k] = b
	}
	set("containerDefinitions", []any{container})
	set("networkMode", "awsvpc")
	set("requiresCompatibilities", []string{"FARGATE"})
	set("cpu", strconv.Itoa(cs.cpu))
	set("memory", strconv.Itoa(cs.cpu*2))
	set("executionRoleArn", "arn:aws:iam::"+w.account+":role/ecsTaskExecutionRole")
	set("taskRoleArn", "arn:aws:iam::"+w.account+":role/"+cs.name+"-"+env.name)
	set("runtimePlatform", map[string]string{"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"})

	return w.ecs.Register(ecs.Registration{
		Family: cs.name + "-" + env.name, FirstRevision: env.firstRevision, KeepActive: env.keepActive,
		Region: env.region, Fields: fields, Tags: envTags(cs, env),
		Containers: []ecs.Container{{Name: cs.name, Image: image, DockerLabels: labels}},
	})
}

func envTags(cs *catalogueService, env *catalogueEnv) []ecs.Tag {
	return []ecs.Tag{{Key: "service", Value: cs.name}, {Key: "environment", Value: env.name}}
}
