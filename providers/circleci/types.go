package circleci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The API's shapes, as far as flightdeck reads them (CircleCI API v2,
// listPipelinesForProject, listWorkflowsByPipelineId, listWorkflowJobs,
// getCurrentUser). Nullable fields decode to their zero value.

// Pipeline is one pipeline of a project.
type Pipeline struct {
	ID          string          `json:"id"`
	Number      Int             `json:"number"`
	ProjectSlug string          `json:"project_slug"`
	State       string          `json:"state"` // created, errored, setup-pending, setup, pending
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	Errors      []PipelineError `json:"errors"`
	Trigger     struct {
		Type       string    `json:"type"`
		ReceivedAt time.Time `json:"received_at"`
		Actor      struct {
			Login string `json:"login"`
		} `json:"actor"`
	} `json:"trigger"`
	VCS struct {
		ProviderName string `json:"provider_name"`
		Revision     string `json:"revision"`
		Branch       string `json:"branch"`
		Tag          string `json:"tag"`
		Commit       *struct {
			Subject string `json:"subject"`
			Body    string `json:"body"`
		} `json:"commit"`
	} `json:"vcs"`
}

// PipelineError is why a pipeline could not run (a config error…).
type PipelineError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// Workflow is one workflow of a pipeline.
type Workflow struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	PipelineID     string    `json:"pipeline_id"`
	PipelineNumber Int       `json:"pipeline_number"`
	ProjectSlug    string    `json:"project_slug"`
	Status         string    `json:"status"`
	StartedBy      string    `json:"started_by"`
	CanceledBy     string    `json:"canceled_by"`
	CreatedAt      time.Time `json:"created_at"`
	StoppedAt      time.Time `json:"stopped_at"`
}

// Job is one job of a workflow. Approval jobs have no JobNumber.
type Job struct {
	ID                string    `json:"id"`
	Name              string    `json:"name"`
	Type              string    `json:"type"` // build, approval
	Status            string    `json:"status"`
	Dependencies      []string  `json:"dependencies"` // job ids
	JobNumber         Int       `json:"job_number"`
	ProjectSlug       string    `json:"project_slug"`
	StartedAt         time.Time `json:"started_at"`
	StoppedAt         time.Time `json:"stopped_at"`
	ApprovedBy        string    `json:"approved_by"` // a user id
	CanceledBy        string    `json:"canceled_by"`
	ApprovalRequestID string    `json:"approval_request_id"`
}

// User is the owner of the token (getCurrentUser).
type User struct {
	ID    string `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
}

// Int is an integer the API may send as a number or as a numeric string:
// the spec's own examples give pipeline numbers as "25".
type Int int64

// UnmarshalJSON accepts 25, "25" and null.
func (n *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*n = 0
			return nil
		}
		b = []byte(s)
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %.20q", b)
	}
	*n = Int(v)
	return nil
}
