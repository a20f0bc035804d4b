// Package ci is the CI part of the simulated world: each service's
// repository with its commits, and one pipeline per commit, run job by job.
// A CircleCI service's workflow runs build → test → deploy-<env> … with an
// approval job (hold-<env>) before each protected environment. A GitHub
// Actions service's run is the job graph its workflow file gives
// (Actions: a matrix of tests, a reusable workflow's deploy, and deploy
// jobs to protected environments that wait for a reviewer instead of an
// approval job). A GitHub run is a pipeline; its attempts are the
// pipeline's workflows.
//
// The part owns the job engine; the protocols that show it (sim/circleci,
// sim/github) read its pipelines, workflows and jobs under the loop's lock
// and change them only through its operations (Approve, Reject, Cancel,
// Rerun). Deploy jobs reach the services they deploy to through a
// Deployer, the world's glue, by names and SHAs: the part never sees ECS.
//
// Every method expects the loop held, as events and handlers hold it.
package ci

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

// Deployer is how a deploy job reaches what it deploys to, as its script
// would: the world's glue between this part and the deploy targets.
type Deployer interface {
	// Deploy ships commit sha of service to its environment env. It
	// returns the revision it registered and the deployment it started
	// ("" when none started: the target already runs it); ok is false
	// when there is nothing to deploy to, and the job fails.
	Deploy(service, env, sha string) (revision, deployment string, ok bool)
	// OnDone calls fn, in the event that ends the deployment, with how
	// the job that started it ends (success, failed or canceled).
	OnDone(deployment string, fn func(RunStatus))
}

// Tempo is how the team around the pipelines behaves: how often and how
// soon a colleague approves a gate, and how often tests fail.
type Tempo struct {
	ApproveP     float64
	ApproveAfter [2]time.Duration // before pacing
	TestFailP    float64
}

// Part is the CI of one world: repositories, pipelines and their jobs.
type Part struct {
	loop   *loop.Loop
	deploy Deployer
	team   []Person // who commits and approves on their own (colleagues)
	tempo  Tempo

	repos     map[string]*Repo // by service name
	order     []*Repo          // in the order they were added
	pipelines map[string]*Pipeline
	workflows map[string]*Pipeline // the pipeline of each workflow, by workflow ID
	runs      map[int64]*Pipeline  // GitHub Actions pipelines, by run id

	runIDs, jobIDs int64 // GitHub id counters
}

// New is a CI with no repositories, on the world's loop; team are the
// colleagues who approve gates on their own, d the deploy jobs' way out.
func New(l *loop.Loop, d Deployer, team []Person) *Part {
	return &Part{
		loop: l, deploy: d, team: team,
		repos:     map[string]*Repo{},
		pipelines: map[string]*Pipeline{},
		workflows: map[string]*Pipeline{},
		runs:      map[int64]*Pipeline{},
	}
}

// SetTempo sets how the team behaves from now on.
func (pt *Part) SetTempo(t Tempo) { pt.tempo = t }

// Env is an environment a service's pipelines deploy to, in order.
type Env struct {
	Name      string
	Protected bool // a person approves before it deploys
}

// Actions is the job graph of a GitHub Actions service's runs: its
// workflow file, expanded as GitHub expands it.
type Actions struct {
	Name string // the workflow's name, the run's name
	Jobs []*JobDef
}

// JobDef is one job of a run as GitHub names it.
type JobDef struct {
	Name      string   // as the API names it
	Key       string   // the workflow file's job it comes from; plans and draws go by it
	Needs     []string // API names of the jobs it waits for
	Env       string   // the deployment environment, "" for none
	Steps     []string // step names as the API lists them
	LongStep  int      // the step that lasts (a deploy's rollout, a test run)
	Leg, Legs int      // its place in a matrix (Legs 1 when there is none)
}

// Repo is a service's repository: commits and pipelines, oldest first.
// Protocol handlers read it under the loop's lock and never change it.
type Repo struct {
	Service   string
	Name      string   // owner/name
	Envs      []Env    // where its pipelines deploy, in order
	Actions   *Actions // GitHub Actions services; nil for CircleCI
	Commits   []*Commit
	Pipelines []*Pipeline
	// Rand, when set, is the source its pipelines draw from (ids,
	// durations, test outcomes, a colleague's approval) instead of the
	// loop's: a repository added to a scenario that must not change what
	// the others draw.
	Rand *rand.Rand

	jobNumber int
}

// rnd is the random source of a repository's pipelines.
func (pt *Part) rnd(r *Repo) *rand.Rand {
	if r != nil && r.Rand != nil {
		return r.Rand
	}
	return pt.loop.Rand()
}

// chance is true with probability p, drawn from r's source.
func (pt *Part) chance(r *Repo, p float64) bool { return pt.rnd(r).Float64() < p }

// span is an unpaced duration in [lo, hi] drawn from r's source (as the
// loop's Span draws).
func (pt *Part) span(r *Repo, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(pt.rnd(r).Int64N(int64(hi-lo)+1))
}

// AddRepo adds a service's repository.
func (pt *Part) AddRepo(service, name string, envs []Env, actions *Actions) *Repo {
	r := &Repo{Service: service, Name: name, Envs: envs, Actions: actions}
	pt.repos[service] = r
	pt.order = append(pt.order, r)
	return r
}

// Repo is a service's repository, nil if it has none.
func (pt *Part) Repo(service string) *Repo { return pt.repos[service] }

// Repos are the repositories in the order they were added.
func (pt *Part) Repos() []*Repo { return pt.order }

// Protected says whether the repository's environment env waits for a
// person.
func (r *Repo) Protected(env string) bool {
	i := slices.IndexFunc(r.Envs, func(e Env) bool { return e.Name == env })
	return i >= 0 && r.Envs[i].Protected
}

// AddCommit lands a commit on the service's main branch, its parent the
// branch's head.
func (pt *Part) AddCommit(service string, c Commit) *Commit {
	r := pt.repos[service]
	if n := len(r.Commits); n > 0 {
		c.Parent = r.Commits[n-1].SHA
	}
	r.Commits = append(r.Commits, &c)
	return &c
}

// Pipeline finds a pipeline by id.
func (pt *Part) Pipeline(id string) *Pipeline { return pt.pipelines[id] }

// Run finds a GitHub Actions pipeline by run id.
func (pt *Part) Run(id int64) *Pipeline { return pt.runs[id] }

// Commits returns copies of a service's commits, oldest first.
func (pt *Part) Commits(service string) []Commit {
	r := pt.repos[service]
	if r == nil {
		return nil
	}
	out := make([]Commit, len(r.Commits))
	for i, c := range r.Commits {
		out[i] = *c
	}
	return out
}

// Pipelines returns deep copies of a service's pipelines, oldest first.
func (pt *Part) Pipelines(service string) []Pipeline {
	r := pt.repos[service]
	if r == nil {
		return nil
	}
	out := make([]Pipeline, 0, len(r.Pipelines))
	for _, p := range r.Pipelines {
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
