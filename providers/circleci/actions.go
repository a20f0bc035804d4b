package circleci

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// CircleCI operation names, as Receipt.Calls and the audit log spell them
// (the spec's operationIds).
const (
	opApprove = "approvePendingApprovalJobById"
	opRerun   = "rerunWorkflow"
	opCancel  = "cancelWorkflow"
)

// Each action sends one request, once: none of them is safe to repeat
// blindly (a second rerun starts a second workflow).

// Approve approves a held approval job. The gate is one this source
// reported: its WorkflowID (or the first half of its ID) names the workflow,
// the second half of its ID the approval request. It does not re-check the
// gate; the action pipeline calls CheckGate first.
func (s *Source) Approve(ctx context.Context, g model.Gate, dryRun bool) (providers.Receipt, error) {
	svc, wf, req, err := s.gateRef(g)
	if err != nil {
		return providers.Receipt{}, err
	}
	c := providers.Call{Operation: opApprove, Params: map[string]string{
		"project": svc.Project, "workflow_id": wf, "approval_request_id": req, "job": g.Gate,
	}}
	what := fmt.Sprintf("approve %s of %s at %s", g.Gate, svc.Name, model.ShortSHA(g.SHA))
	return providers.Perform(c, dryRun, what, func() (string, string, error) {
		rid, err := s.client.Approve(ctx, wf, req)
		if err == nil {
			// CircleCI does not bump the pipeline's updated_at for this.
			s.markDirty(svc.Name, wf)
		}
		return rid, "approved " + g.Gate, err
	})
}

// Reject stops a gate's pipeline at the gate by canceling its workflow:
// CircleCI has no other way to say no to an approval job.
func (s *Source) Reject(ctx context.Context, g model.Gate, dryRun bool) (providers.Receipt, error) {
	svc, wf, _, err := s.gateRef(g)
	if err != nil {
		return providers.Receipt{}, err
	}
	return s.cancel(ctx, svc, wf, dryRun, fmt.Sprintf("reject %s of %s at %s (cancel its workflow)", g.Gate, svc.Name, model.ShortSHA(g.SHA)))
}

// RerunFailed reruns a workflow from its failed jobs, as a new workflow in
// the same pipeline; the next poll lists that pipeline's workflows again.
func (s *Source) RerunFailed(ctx context.Context, service, workflowID string, dryRun bool) (providers.Receipt, error) {
	svc, err := s.workflowOf(service, workflowID)
	if err != nil {
		return providers.Receipt{}, err
	}
	c := providers.Call{Operation: opRerun, Params: map[string]string{
		"project": svc.Project, "workflow_id": workflowID, "from_failed": "true",
	}}
	return providers.Perform(c, dryRun, "rerun workflow "+workflowID+" of "+svc.Name+" from its failed jobs", func() (string, string, error) {
		id, rid, err := s.client.RerunFailed(ctx, workflowID)
		if err == nil {
			s.markDirty(svc.Name, workflowID)
		}
		detail := "rerun started"
		if id != "" {
			detail += " as workflow " + id
		}
		return rid, detail, err
	})
}

// CancelWorkflow cancels a running or held workflow.
func (s *Source) CancelWorkflow(ctx context.Context, service, workflowID string, dryRun bool) (providers.Receipt, error) {
	svc, err := s.workflowOf(service, workflowID)
	if err != nil {
		return providers.Receipt{}, err
	}
	return s.cancel(ctx, svc, workflowID, dryRun, "cancel workflow "+workflowID+" of "+svc.Name)
}

func (s *Source) cancel(ctx context.Context, svc Service, workflowID string, dryRun bool, what string) (providers.Receipt, error) {
	c := providers.Call{Operation: opCancel, Params: map[string]string{"project": svc.Project, "workflow_id": workflowID}}
	return providers.Perform(c, dryRun, what, func() (string, string, error) {
		rid, err := s.client.Cancel(ctx, workflowID)
		if err == nil {
			s.markDirty(svc.Name, workflowID)
		}
		return rid, "workflow canceled", err
	})
}

// CheckGate re-reads the gate's job. While it is on hold it returns nil;
// otherwise a *model.Refusal saying what became of it: approved (by whom,
// when the API says), canceled, or gone. Reading it costs one request (two
// the first time an approval is found, to learn who "you" are).
func (s *Source) CheckGate(ctx context.Context, g model.Gate) error {
	svc, wf, req, err := s.gateRef(g)
	if err != nil {
		return err
	}
	jobs, err := s.client.Jobs(ctx, wf)
	if errors.Is(err, providers.ErrNotFound) {
		return model.Refuse("%s of %s: its workflow no longer exists; look again before acting", g.Gate, svc.Name)
	}
	if err != nil {
		return fmt.Errorf("re-check %s of %s: %w", g.Gate, svc.Name, err)
	}
	j, ok := findGateJob(jobs, g, req)
	if !ok {
		return model.Refuse("%s of %s is no longer in its workflow; look again before acting", g.Gate, svc.Name)
	}
	switch j.Status {
	case "on_hold":
		return nil
	case "success":
		if j.ApprovedBy == "" {
			return model.Refuse("%s of %s was already approved; look again before acting", g.Gate, svc.Name)
		}
		return model.Refuse("%s of %s was already approved by %s; look again before acting", g.Gate, svc.Name, s.who(ctx, j.ApprovedBy))
	case "canceled":
		by := ""
		if j.CanceledBy != "" {
			by = " by " + s.who(ctx, j.CanceledBy)
		}
		return model.Refuse("%s of %s was canceled%s; look again before acting", g.Gate, svc.Name, by)
	}
	return model.Refuse("%s of %s is %s, no longer waiting for approval; look again before acting", g.Gate, svc.Name, jobStatus(j.Status))
}

// findGateJob finds the gate's job by approval request, then job id, then
// approval job name.
func findGateJob(jobs []Job, g model.Gate, req string) (Job, bool) {
	match := []func(Job) bool{
		func(j Job) bool { return j.ApprovalRequestID != "" && j.ApprovalRequestID == req },
		func(j Job) bool { return j.ID == req || (g.JobID != "" && j.ID == g.JobID) },
		func(j Job) bool { return j.Type == "approval" && j.Name == g.Gate },
	}
	for _, m := range match {
		for _, j := range jobs {
			if m(j) {
				return j, true
			}
		}
	}
	return Job{}, false
}

// who names a user id as well as the API lets us: "you (login)" when it
// is the token's owner, else the id itself (API v2 has no user lookup that
// a personal token can always use).
func (s *Source) who(ctx context.Context, id string) string {
	s.mu.Lock()
	me := s.me
	s.mu.Unlock()
	if me == nil {
		if u, err := s.client.Me(ctx); err == nil {
			me = &u
			s.mu.Lock()
			s.me = me
			s.mu.Unlock()
		}
	}
	switch {
	case me != nil && me.ID == id && me.Login != "":
		return "you (" + me.Login + ")"
	case me != nil && me.ID == id:
		return "you"
	}
	return "user " + id
}

// gateRef finds the service, workflow and approval request a gate names.
func (s *Source) gateRef(g model.Gate) (Service, string, string, error) {
	wf, req, ok := strings.Cut(g.ID, "/")
	if g.WorkflowID != "" {
		wf = g.WorkflowID
	}
	if !ok || wf == "" || req == "" {
		return Service{}, "", "", fmt.Errorf("CircleCI: gate %q of %s has no workflow/approval-request id (%q)", g.Gate, g.Service, g.ID)
	}
	svc, err := s.workflowOf(g.Service, wf)
	return svc, wf, req, err
}

// workflowOf checks that the source serves the service and, when a recent
// poll saw the workflow, that it belongs to that service: an action must
// not land on another project's workflow.
func (s *Source) workflowOf(service, workflowID string) (Service, error) {
	var svc Service
	found := false
	for _, sv := range s.services {
		if sv.Name == service {
			svc, found = sv, true
			break
		}
	}
	if !found {
		return Service{}, fmt.Errorf("CircleCI: %s is not a service this source reads: %w", service, providers.ErrNotFound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, m := range s.memory {
		for _, w := range m.workflows {
			if w.ID == workflowID && k.service != service {
				return Service{}, model.Refuse("workflow %s belongs to %s, not %s", workflowID, k.service, service)
			}
		}
	}
	return svc, nil
}

// markDirty has the next poll list the workflows of the pipeline holding
// workflowID again.
func (s *Source) markDirty(service, workflowID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, m := range s.memory {
		if k.service != service {
			continue
		}
		for _, w := range m.workflows {
			if w.ID == workflowID {
				s.dirty[k] = true
			}
		}
	}
}
