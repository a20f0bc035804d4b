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
}

// Workflow is a graph of jobs inside a pipeline.
type Workflow struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Status RunStatus `json:"status"`
	Jobs   []Job     `json:"jobs"`
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
}
