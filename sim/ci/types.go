package ci

import (
	"hash/fnv"
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// Person is a commit author, pipeline trigger or approver.
type Person struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Login string `json:"login"`
}

// GitHubID is the person's GitHub user id, stable across runs: their
// avatar's on CircleCI too.
func (p Person) GitHubID() int64 {
	h := fnv.New32a()
	h.Write([]byte(p.Login))
	return int64(1000000 + h.Sum32()%90000000)
}

// Commit is one commit on a repository's main branch.
type Commit struct {
	SHA     string    `json:"sha"`
	Parent  string    `json:"parent,omitempty"`
	Subject string    `json:"subject"`
	Author  Person    `json:"author"`
	Time    time.Time `json:"time"`
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

	def     *JobDef       // its place in the workflow file (GitHub Actions)
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

	repo *Repo
	plan Plan
}

// Plan pins parts of a pipeline for scripted scenes; zero values mean
// "draw from the tempo".
type Plan struct {
	Durations    map[string]time.Duration // by job name (a workflow file's job key), before pacing
	ApproveAfter time.Duration            // colleague approval delay, before pacing
	NoTestFail   bool
}

// Def is the job's place in its workflow file (GitHub Actions), nil for a
// CircleCI job.
func (j *Job) Def() *JobDef { return j.def }

// Planned is how long the job was scheduled to take when it started (a
// deploy: its set-up before the rollout).
func (j *Job) Planned() time.Duration { return j.planned }

// Key is the job's name in its workflow file: the job it came from ("test"
// for "test (18)"), or the CircleCI job's own name.
func (j *Job) Key() string {
	if j.def != nil {
		return j.def.Key
	}
	return j.Name
}

func (j *Job) clone() *Job {
	cp := *j
	cp.Needs = slices.Clone(j.Needs)
	return &cp
}

// Job is the job of the workflow called name, nil if none.
func (wf *Workflow) Job(name string) *Job {
	for _, j := range wf.Jobs {
		if j.Name == name {
			return j
		}
	}
	return nil
}

// Commit is the commit the pipeline runs, nil if it is not in its
// repository.
func (p *Pipeline) Commit() *Commit {
	for _, c := range slices.Backward(p.repo.Commits) {
		if c.SHA == p.SHA {
			return c
		}
	}
	return nil
}

// Protected says whether the pipeline's environment env waits for a person.
func (p *Pipeline) Protected(env string) bool { return p.repo.Protected(env) }

// approvalRequestID is the id an approval job is approved by. CircleCI's
// answers show it equal to the job's id, but the API names it separately
// and clients must use the field; the sim derives a different id (from
// the job's, so that it draws nothing from the world's random source) so
// that a client approving by job id is caught here rather than later.
func approvalRequestID(jobID string) string { return ids.NameUUID("approval-request", jobID) }
