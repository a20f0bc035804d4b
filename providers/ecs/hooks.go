package ecs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// A PAUSE lifecycle hook waiting is a deploy-side gate (model.Gate with
// Environment set; WorkflowID the service deployment, ID the hook):
// approving it continues the deployment, rejecting it rolls it back, both
// through ContinueServiceDeployment. A native deployment's canary steps go
// the same way: promote continues past a waiting hook (ECS moves the
// weights itself otherwise), abort rolls back.

const opContinueServiceDeployment = "ContinueServiceDeployment"

var (
	_ providers.Approver      = (*Source)(nil)
	_ providers.Rejecter      = (*Source)(nil)
	_ providers.GateChecker   = (*Source)(nil)
	_ providers.CanaryStepper = (*Source)(nil)
)

// hookWaiting reads the deployment a gate names and reports whether its
// hook still waits, or why not.
func (s *Source) hookWaiting(ctx context.Context, g model.Gate) error {
	if !g.DeploySide() || g.WorkflowID == "" || g.ID == "" {
		return model.Refuse("%s: %s is not an ECS lifecycle hook", g.Service, g.Gate)
	}
	out, err := s.client.DescribeServiceDeployments(ctx, &awsecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{g.WorkflowID}})
	if err != nil {
		return fmt.Errorf("ecs: describe service deployment %s: %w", lastSegment(g.WorkflowID), classify(err, s.profile, s.now()))
	}
	for _, sd := range out.ServiceDeployments {
		if aws.ToString(sd.ServiceDeploymentArn) != g.WorkflowID {
			continue
		}
		for _, h := range sd.LifecycleHookDetails {
			if aws.ToString(h.HookId) != g.ID {
				continue
			}
			if h.Status == types.DeploymentLifecycleHookStatusAwaitingAction {
				return nil
			}
			return model.Refuse("%s: the %s hook is no longer waiting (it is %s; the deployment is %s)", g.Service, g.Gate, h.Status, sd.Status)
		}
		return model.Refuse("%s: the deployment no longer has the %s hook (it is %s)", g.Service, g.Gate, sd.Status)
	}
	return model.Refuse("%s: service deployment %s is gone", g.Service, lastSegment(g.WorkflowID))
}

// CheckGate is the re-check before answering: the hook must still wait.
func (s *Source) CheckGate(ctx context.Context, g model.Gate) error { return s.hookWaiting(ctx, g) }

// Approve continues the deployment past the hook.
//
// Calls: ContinueServiceDeployment 1 with action CONTINUE (none with dryRun).
func (s *Source) Approve(ctx context.Context, g model.Gate, dryRun bool) (providers.Receipt, error) {
	return s.answerHook(ctx, g, types.DeploymentLifecycleHookActionContinue, dryRun)
}

// Reject rolls the deployment back at the hook.
//
// Calls: ContinueServiceDeployment 1 with action ROLLBACK (none with dryRun).
func (s *Source) Reject(ctx context.Context, g model.Gate, dryRun bool) (providers.Receipt, error) {
	return s.answerHook(ctx, g, types.DeploymentLifecycleHookActionRollback, dryRun)
}

func (s *Source) answerHook(ctx context.Context, g model.Gate, act types.DeploymentLifecycleHookAction, dryRun bool) (providers.Receipt, error) {
	var rc providers.Receipt
	if !g.DeploySide() || g.WorkflowID == "" || g.ID == "" {
		return rc, model.Refuse("%s: %s is not an ECS lifecycle hook", g.Service, g.Gate)
	}
	rc.Calls = []providers.Call{{Operation: opContinueServiceDeployment, Params: map[string]string{
		"serviceDeploymentArn": g.WorkflowID, "hookId": g.ID, "action": string(act),
	}}}
	what := "continue"
	if act == types.DeploymentLifecycleHookActionRollback {
		what = "roll back"
	}
	if dryRun {
		rc.Detail = "would " + what + " service deployment " + lastSegment(g.WorkflowID)
		return rc, nil
	}
	out, err := s.client.ContinueServiceDeployment(ctx, &awsecs.ContinueServiceDeploymentInput{
		ServiceDeploymentArn: aws.String(g.WorkflowID), HookId: aws.String(g.ID), Action: act,
	}, noRetry)
	rc.RequestIDs = appendRequestID(rc.RequestIDs, out, err)
	if err != nil {
		return rc, fmt.Errorf("ecs: %s service deployment %s at hook %s: %w", what, lastSegment(g.WorkflowID), g.ID, classify(err, s.profile, s.now()))
	}
	rc.Detail = "ECS will " + what + " service deployment " + lastSegment(g.WorkflowID)
	return rc, nil
}

// StepCanary moves a native deployment's canary: promote continues past
// the PAUSE hook that waits (refused when none does: ECS moves the weights
// by itself), abort stops the deployment with a rollback. It reads the
// environment live first.
//
// Calls: DescribeServices 1 and DescribeServiceDeployments 1 (with
// DescribeServiceRevisions for a revision not cached), then
// ContinueServiceDeployment 1 (promote) or StopServiceDeployment 1 (abort),
// none with dryRun.
func (s *Source) StepCanary(ctx context.Context, key model.EnvKey, promote, dryRun bool) (providers.Receipt, error) {
	if !promote {
		return s.Abort(ctx, key, dryRun)
	}
	st, err := s.FetchEnv(ctx, key)
	if err != nil {
		return providers.Receipt{}, err
	}
	if st.ReadOnly != "" {
		return providers.Receipt{}, model.Refuse("%s/%s: %s", key.Service, key.Environment, st.ReadOnly)
	}
	if st.Canary == nil || st.Canary.Source != "ecs" {
		return providers.Receipt{}, model.Refuse("%s/%s has no ECS native deployment in flight to promote", key.Service, key.Environment)
	}
	if len(st.Gates) == 0 {
		return providers.Receipt{}, model.Refuse("%s/%s: nothing waits for you (stage %s, %d%%): ECS moves the weights itself", key.Service, key.Environment, st.Canary.Stage, st.Canary.Weight)
	}
	return s.Approve(ctx, st.Gates[0], dryRun)
}
