package githubactions

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"
)

// PendingDeployment is one environment a waiting run asks to deploy to
// (GET …/runs/{id}/pending_deployments, not in go-github v60).
type PendingDeployment struct {
	Environment struct {
		ID      int64  `json:"id"`
		Name    string `json:"name"`
		HTMLURL string `json:"html_url"`
	} `json:"environment"`
	WaitTimer          int64             `json:"wait_timer"`
	WaitTimerStartedAt *github.Timestamp `json:"wait_timer_started_at"`
	// CurrentUserCanApprove says whether the token's user may review it.
	CurrentUserCanApprove bool `json:"current_user_can_approve"`
	// Reviewers are the environment's required reviewers. Not go-github's
	// RequiredReviewer: its decoder panics on a reviewer without "type".
	Reviewers []Reviewer `json:"reviewers"`
}

// Reviewer is one required reviewer of an environment: a User or a Team.
type Reviewer struct {
	Type     string `json:"type"`
	Reviewer struct {
		Login string `json:"login"` // a user's
		Slug  string `json:"slug"`  // a team's
	} `json:"reviewer"`
}

// Review is one answer given to a run's deployment gates (GET
// …/runs/{id}/approvals, not in go-github v60).
type Review struct {
	State        string `json:"state"` // approved, rejected, pending
	Comment      string `json:"comment"`
	Environments []struct {
		ID        int64             `json:"id"`
		Name      string            `json:"name"`
		UpdatedAt *github.Timestamp `json:"updated_at"`
	} `json:"environments"`
	User struct {
		Login string `json:"login"`
	} `json:"user"`
}

// getJSON reads a GET go-github has no method for, with the client's auth,
// base URL, transport and error mapping.
func (c *Client) getJSON(ctx context.Context, what, path string, out any) error {
	_, err := c.do(ctx, what, func(ctx context.Context) (*github.Response, error) {
		req, err := c.gh.NewRequest(http.MethodGet, path, nil)
		if err != nil {
			return nil, err
		}
		return c.gh.Do(ctx, req, out)
	})
	return err
}

// PendingDeployments lists the environments a run waits to deploy to.
func (c *Client) PendingDeployments(ctx context.Context, repo string, runID int64) ([]PendingDeployment, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var out []PendingDeployment
	err = c.getJSON(ctx, fmt.Sprintf("list pending deployments of run %d in %s", runID, repo),
		fmt.Sprintf("repos/%s/%s/actions/runs/%d/pending_deployments", owner, name, runID), &out)
	return out, err
}

// Reviews lists the answers given to a run's deployment gates.
func (c *Client) Reviews(ctx context.Context, repo string, runID int64) ([]Review, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var out []Review
	err = c.getJSON(ctx, fmt.Sprintf("list reviews of run %d in %s", runID, repo),
		fmt.Sprintf("repos/%s/%s/actions/runs/%d/approvals", owner, name, runID), &out)
	return out, err
}

// The actions below are sent once and never retried; each returns the
// request id, also on failure when there was an answer.

// ReviewDeployments approves (state "approved") or rejects ("rejected")
// a waiting run's deployments to the given environments.
func (c *Client) ReviewDeployments(ctx context.Context, repo string, runID int64, envIDs []int64, state, comment string) (string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	req := &github.PendingDeploymentsRequest{EnvironmentIDs: envIDs, State: state, Comment: comment}
	return c.do(ctx, fmt.Sprintf("review deployments of run %d in %s", runID, repo), func(ctx context.Context) (*github.Response, error) {
		_, resp, err := c.gh.Actions.PendingDeployments(ctx, owner, name, runID, req)
		return resp, err
	})
}

// RerunFailed reruns a run's failed jobs and those that depend on them.
func (c *Client) RerunFailed(ctx context.Context, repo string, runID int64) (string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	return c.do(ctx, fmt.Sprintf("rerun failed jobs of run %d in %s", runID, repo), func(ctx context.Context) (*github.Response, error) {
		return c.gh.Actions.RerunFailedJobsByID(ctx, owner, name, runID)
	})
}

// Cancel cancels a run. GitHub answers 202, which go-github reports as an
// *AcceptedError; that is success, and do maps it to nil.
func (c *Client) Cancel(ctx context.Context, repo string, runID int64) (string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	return c.do(ctx, fmt.Sprintf("cancel run %d in %s", runID, repo), func(ctx context.Context) (*github.Response, error) {
		return c.gh.Actions.CancelWorkflowRunByID(ctx, owner, name, runID)
	})
}
