package model

import "time"

// RunStatus is the status of a pipeline, workflow or job, normalised across
// CI providers. The strings are part of the `status --json` contract.
type RunStatus string

const (
	RunQueued   RunStatus = "queued"
	RunRunning  RunStatus = "running"
	RunSuccess  RunStatus = "success"
	RunFailed   RunStatus = "failed"
	RunOnHold   RunStatus = "on_hold"
	RunCanceled RunStatus = "canceled"
	RunBlocked  RunStatus = "blocked"
	RunSkipped  RunStatus = "skipped"
)

// Moving reports whether a run in this status will change by itself.
func (s RunStatus) Moving() bool { return s == RunQueued || s == RunRunning }

// Job is one node of a workflow graph. Needs holds the names of the jobs it
// depends on.
type Job struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Status    RunStatus `json:"status"`
	Needs     []string  `json:"needs"`
	Approval  bool      `json:"approval"`
	StartedAt time.Time `json:"started_at,omitzero"`
	StoppedAt time.Time `json:"stopped_at,omitzero"`
	// Type is the provider's own job type ("build", "approval" on CircleCI).
	Type string `json:"type,omitempty"`
	// Number is the provider's job number, when it has one (approval jobs
	// on CircleCI have none).
	Number int64 `json:"number,omitempty"`
	// ApprovedBy names who approved an approval job, as the provider gives
	// it (CircleCI: a user id).
	ApprovedBy string `json:"approved_by,omitempty"`
	// Environment is the deployment environment the job targets, when the
	// provider has them (GitHub Actions `environment:`).
	Environment string `json:"environment,omitempty"`
	// Condition is the job's run condition as written (GitHub Actions
	// `if:`): the job may be skipped.
	Condition string `json:"if,omitempty"`
	// Steps are the job's steps, for providers that report them.
	Steps []Step `json:"steps,omitempty"`
}

// Workflow is a graph of jobs inside a pipeline.
type Workflow struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Status RunStatus `json:"status"`
	Jobs   []Job     `json:"jobs"`
	// CreatedAt and StoppedAt bound the workflow's run; StoppedAt is zero
	// while it has not finished.
	CreatedAt time.Time `json:"created_at,omitzero"`
	StoppedAt time.Time `json:"stopped_at,omitzero"`
	// GraphError says why Jobs carry no Needs when the provider could not
	// tell the order they run in (a GitHub workflow file that does not
	// parse), so the screen can show a list and say why, not a graph.
	GraphError string `json:"graph_error,omitempty"`
	// URL is the workflow's page on its CI host's web app ("" unknown).
	URL string `json:"url,omitempty"`
}

// Moving reports whether the workflow or any of its jobs will change by
// itself: a CircleCI workflow that is failing still has jobs running.
func (w Workflow) Moving() bool {
	if w.Status.Moving() {
		return true
	}
	for _, j := range w.Jobs {
		if j.Status.Moving() {
			return true
		}
	}
	return false
}

// Pipeline is one CI run for one commit.
type Pipeline struct {
	ID        string     `json:"id"`
	Provider  string     `json:"provider"`
	SHA       string     `json:"sha"`
	Branch    string     `json:"branch"`
	Subject   string     `json:"subject,omitempty"`
	Status    RunStatus  `json:"status"`
	CreatedAt time.Time  `json:"created_at,omitzero"`
	Workflows []Workflow `json:"workflows"`
	// Number is the provider's pipeline (or run) number.
	Number int64 `json:"number,omitempty"`
	// TriggeredBy is the login of whoever started the pipeline.
	TriggeredBy string `json:"triggered_by,omitempty"`
	// Error is the provider's word on a pipeline that could not start
	// (a CircleCI config error), flattened to one line.
	Error string `json:"error,omitempty"`
}

// Moving reports whether anything in the pipeline will change by itself.
func (p Pipeline) Moving() bool {
	if p.Status.Moving() {
		return true
	}
	for _, w := range p.Workflows {
		if w.Moving() {
			return true
		}
	}
	return false
}

// Gate is a pipeline step waiting for a human: a CircleCI approval job or a
// GitHub environment with required reviewers.
type Gate struct {
	Service      string    `json:"service"`
	Provider     string    `json:"provider"`
	Gate         string    `json:"gate"`
	ID           string    `json:"id"`
	SHA          string    `json:"sha"`
	Subject      string    `json:"subject,omitempty"`
	WaitingSince time.Time `json:"waiting_since"`
	// WorkflowID and JobID locate the gate inside its pipeline, so the
	// graph can highlight it and a re-check can read it again.
	WorkflowID string `json:"workflow_id,omitempty"`
	JobID      string `json:"job_id,omitempty"`
	// ApproveBlocked, when set, says why the user at the keyboard cannot
	// answer this gate (GitHub: not one of the environment's required
	// reviewers, or a token without the scope to review), so the screen
	// can disable approve and reject and show the reason. Empty when they
	// can, or when the provider cannot tell.
	ApproveBlocked string `json:"approve_blocked,omitempty"`
	// Environment is set on a deploy-side gate only: a deploy in that
	// environment waits for a human (an ECS PAUSE lifecycle hook), and its
	// deploy provider answers it. WorkflowID then names the deployment
	// and ID the hook. Empty on a CI gate.
	Environment string `json:"environment,omitempty"`
	// ExpiresAt is when the gate answers itself (a lifecycle hook's
	// timeout action); zero when it waits for ever.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// DeploySide reports whether a deploy provider, not CI, answers the gate.
func (g Gate) DeploySide() bool { return g.Environment != "" }

// CIStatus is what a CI source reports about one service in one poll: its
// recent pipelines, newest first, and the gates in them waiting for a human;
// or, when the service could not be read, only Service and Error (Pipelines
// nil). Error beside pipelines (not nil) is a service read in part: some of
// its pipelines could not be read in full and are shown as last read, and
// Error says what failed.
type CIStatus struct {
	Service   string
	Pipelines []Pipeline
	Gates     []Gate
	Error     string
}

// Failing is the status of a service whose read failed with err: what was
// read, with err beside it, when that holds pipelines (read in part); else
// the service and err alone (not read).
func (st CIStatus) Failing(err error) CIStatus {
	if len(st.Pipelines) == 0 {
		return CIStatus{Service: st.Service, Error: err.Error()}
	}
	st.Error = err.Error()
	return st
}
