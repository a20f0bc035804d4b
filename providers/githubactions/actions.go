package githubactions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// GitHub operation names, as Receipt.Calls and the audit log spell them
// (the REST API's operationIds).
const (
	opReview = "actions/review-pending-deployments-for-run"
	opRerun  = "actions/re-run-workflow-failed-jobs"
	opCancel = "actions/cancel-workflow-run"
)

// Each action sends one request, once: none is safe to repeat blindly.

// Approve approves the gate's pending deployment: its run may deploy to
// the environment. The review's comment says it came from flightdeck and
// who sat at the keyboard. It does not re-check the gate; the action
// pipeline calls CheckGate first.
func (s *Source) Approve(ctx context.Context, g model.Gate, dryRun bool) (providers.Receipt, error) {
	return s.review(ctx, g, "approved", dryRun)
}

// Reject rejects the gate's pending deployment: the run stops there.
func (s *Source) Reject(ctx context.Context, g model.Gate, dryRun bool) (providers.Receipt, error) {
	return s.review(ctx, g, "rejected", dryRun)
}

func (s *Source) review(ctx context.Context, g model.Gate, state string, dryRun bool) (providers.Receipt, error) {
	svc, run, env, err := s.gateRef(g)
	if err != nil {
		return providers.Receipt{}, err
	}
	comment := state + " from flightdeck by " + s.who()
	c := providers.Call{Operation: opReview, Params: map[string]string{
		"repo": svc.Repo, "run_id": strconv.FormatInt(run, 10), "environment_id": strconv.FormatInt(env, 10),
		"environment": g.Gate, "state": state, "comment": comment,
	}}
	verb := map[string]string{"approved": "approve", "rejected": "reject"}[state]
	what := fmt.Sprintf("%s the deployment of %s to %s at %s", verb, svc.Name, g.Gate, model.ShortSHA(g.SHA))
	return s.act(c, dryRun, what, func() (string, string, error) {
		rid, err := s.client.ReviewDeployments(ctx, svc.Repo, run, []int64{env}, state, comment)
		if err == nil {
			s.markDirty(svc.Name, run)
		}
		return rid, state + " " + g.Gate, err
	})
}

// RerunFailed reruns the failed jobs of a run (workflowID is the run id)
// and the jobs that need them, as a new attempt of the same run.
func (s *Source) RerunFailed(ctx context.Context, service, workflowID string, dryRun bool) (providers.Receipt, error) {
	svc, run, err := s.runOf(service, workflowID)
	if err != nil {
		return providers.Receipt{}, err
	}
	c := providers.Call{Operation: opRerun, Params: map[string]string{"repo": svc.Repo, "run_id": workflowID}}
	return s.act(c, dryRun, "rerun the failed jobs of run "+workflowID+" of "+svc.Name, func() (string, string, error) {
		rid, err := s.client.RerunFailed(ctx, svc.Repo, run)
		if err == nil {
			s.markDirty(svc.Name, run)
		}
		return rid, "rerun of the failed jobs started as a new attempt", err
	})
}

// CancelWorkflow cancels a run (workflowID is the run id). GitHub answers
// 202: the cancel is under way.
func (s *Source) CancelWorkflow(ctx context.Context, service, workflowID string, dryRun bool) (providers.Receipt, error) {
	svc, run, err := s.runOf(service, workflowID)
	if err != nil {
		return providers.Receipt{}, err
	}
	c := providers.Call{Operation: opCancel, Params: map[string]string{"repo": svc.Repo, "run_id": workflowID}}
	return s.act(c, dryRun, "cancel run "+workflowID+" of "+svc.Name, func() (string, string, error) {
		rid, err := s.client.Cancel(ctx, svc.Repo, run)
		if err == nil {
			s.markDirty(svc.Name, run)
		}
		return rid, "cancel requested", err
	})
}

// act sends one action's call through providers.Perform, taking the
// request id off the error when the call was refused.
func (s *Source) act(c providers.Call, dryRun bool, what string, send func() (rid, detail string, err error)) (providers.Receipt, error) {
	return providers.Perform(c, dryRun, what, func() (string, string, error) {
		rid, detail, err := send()
		return cmp.Or(rid, RequestID(err)), detail, err
	})
}

// CheckGate re-reads the gate's run's pending deployments. While the
// environment is still pending and the token's user may review it, it
// returns nil. Otherwise a *model.Refusal says why not: the user may not
// review it, or what became of it (approved or rejected by whom, from the
// run's reviews; the run canceled or gone).
func (s *Source) CheckGate(ctx context.Context, g model.Gate) error {
	svc, run, env, err := s.gateRef(g)
	if err != nil {
		return err
	}
	pending, err := s.client.PendingDeployments(ctx, svc.Repo, run)
	if errors.Is(err, providers.ErrNotFound) {
		return model.Refuse("%s of %s: its run no longer exists; look again before acting", g.Gate, svc.Name)
	}
	if err != nil {
		return fmt.Errorf("re-check %s of %s: %w", g.Gate, svc.Name, err)
	}
	for _, d := range pending {
		if d.Environment.ID != env {
			continue
		}
		if !d.CurrentUserCanApprove {
			return model.Refuse("%s of %s waits for a reviewer, and GitHub says you may not review it (not one of its required reviewers, or the token lacks the repo scope)", g.Gate, svc.Name)
		}
		return nil
	}
	return s.answered(ctx, svc, run, env, g)
}

// answered explains a gate that no longer waits.
func (s *Source) answered(ctx context.Context, svc Service, run, env int64, g model.Gate) error {
	if reviews, err := s.client.Reviews(ctx, svc.Repo, run); err == nil {
		// The newest review of the environment decides; GitHub lists them
		// oldest first.
		for i := len(reviews) - 1; i >= 0; i-- {
			r := reviews[i]
			for _, e := range r.Environments {
				if e.ID != env {
					continue
				}
				by := r.User.Login
				if by == "" {
					by = "someone"
				}
				state := r.State
				if state == "" {
					state = "answered"
				}
				return model.Refuse("%s of %s was already %s by %s; look again before acting", g.Gate, svc.Name, state, by)
			}
		}
	}
	r, err := s.client.Run(ctx, svc.Repo, run)
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return model.Refuse("%s of %s: its run no longer exists; look again before acting", g.Gate, svc.Name)
	case err != nil:
		return model.Refuse("%s of %s no longer waits for a review; look again before acting", g.Gate, svc.Name)
	case r.GetStatus() == "completed" && r.GetConclusion() == "cancelled":
		return model.Refuse("%s of %s: its run was canceled; look again before acting", g.Gate, svc.Name)
	}
	return model.Refuse("%s of %s no longer waits for a review (the run is %s); look again before acting",
		g.Gate, svc.Name, jobStatus(r.GetStatus(), r.GetConclusion()))
}

// gateRef finds the service, run and environment a gate names.
func (s *Source) gateRef(g model.Gate) (Service, int64, int64, error) {
	run, env, err := parseGateID(g.ID)
	if err != nil {
		return Service{}, 0, 0, err
	}
	svc, _, err := s.runOf(g.Service, strconv.FormatInt(run, 10))
	return svc, run, env, err
}

// runOf checks that the source serves the service and, when a recent poll
// saw the run, that it belongs to that service's repository: an action
// must not land on another repository's run. Services may share a
// repository and workflow (a monorepo), and then they share its runs.
func (s *Source) runOf(service, workflowID string) (Service, int64, error) {
	svc, err := s.service(service)
	if err != nil {
		return Service{}, 0, err
	}
	run, err := strconv.ParseInt(workflowID, 10, 64)
	if err != nil || run <= 0 {
		return Service{}, 0, fmt.Errorf("GitHub: %q is not a run id", workflowID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.memory {
		if k.run != run || k.service == service {
			continue
		}
		if other, err := s.service(k.service); err == nil && !strings.EqualFold(other.Repo, svc.Repo) {
			return Service{}, 0, model.Refuse("run %s belongs to %s (%s), not %s (%s)", workflowID, k.service, other.Repo, service, svc.Repo)
		}
	}
	return svc, run, nil
}

// who names the person at the keyboard for review comments.
func (s *Source) who() string {
	if s.reviewer != "" {
		return s.reviewer
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "an unknown user"
}
