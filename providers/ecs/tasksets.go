package ecs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
)

// Services whose deployment controller is CODE_DEPLOY or EXTERNAL run task
// sets, not ECS deployments: CodeDeploy or an external tool creates them
// and says which one is PRIMARY (serving production). flightdeck reads them
// as they are and changes nothing there: ECS refuses a new task definition
// through UpdateService on such a service, and a promote would leave a
// registered revision nobody deploys.

// controllerOf is the service's deployment controller when it is not ECS's
// own ("CODE_DEPLOY", "EXTERNAL", or a type ECS adds later); "" for ECS.
func controllerOf(svc *types.Service) string {
	dc := svc.DeploymentController
	if dc == nil || dc.Type == "" || dc.Type == types.DeploymentControllerTypeEcs {
		return ""
	}
	return string(dc.Type)
}

// readOnlyWhy says why flightdeck does not act on an environment deployed
// by controller ctl.
func readOnlyWhy(env, ctl string) string {
	by := "an external deployment controller (task sets)"
	switch types.DeploymentControllerType(ctl) {
	case types.DeploymentControllerTypeCodeDeploy:
		by = "CodeDeploy"
	case types.DeploymentControllerTypeExternal:
	default:
		by = "deployment controller " + ctl
	}
	return env + " is deployed by " + by + "; flightdeck shows it but does not change it"
}

// refuseControlled refuses an action on a service flightdeck does not deploy.
func refuseControlled(e Environment, svc *types.Service) error {
	if ctl := controllerOf(svc); ctl != "" {
		return model.Refuse("%s/%s: %s", e.Key.Service, e.Key.Environment, readOnlyWhy(e.Key.Environment, ctl))
	}
	return nil
}

// liveTaskSets are the service's PRIMARY and ACTIVE task sets, oldest
// first (DRAINING ones are on their way out and deploy nothing).
func liveTaskSets(svc *types.Service) []*types.TaskSet {
	var out []*types.TaskSet
	for i := range svc.TaskSets {
		ts := &svc.TaskSets[i]
		switch strings.ToUpper(aws.ToString(ts.Status)) {
		case statusPrimary, statusActive:
			out = append(out, ts)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return aws.ToTime(out[i].CreatedAt).Before(aws.ToTime(out[j].CreatedAt)) })
	return out
}

// assessTaskSets reads a task-set service: the version is the PRIMARY task
// set's (the oldest live one when none is PRIMARY yet); a second live task
// set is a deploy in flight from the older to the newer. An EXTERNAL
// service with no task set runs nothing, which is not an error.
func assessTaskSets(svc *types.Service, st model.EnvStatus, versionOf func(string) (model.Version, error)) (model.EnvStatus, error) {
	sets := liveTaskSets(svc)
	for _, ts := range sets {
		v, _ := versionOf(aws.ToString(ts.TaskDefinition))
		st.Rollouts = append(st.Rollouts, taskSetRollout(ts, v))
	}
	if len(sets) == 0 {
		st.State = model.StateSteady
		if td := aws.ToString(svc.TaskDefinition); td != "" {
			v, err := versionOf(td)
			if err != nil {
				return st, err
			}
			st.Version = v
		}
		return st, nil
	}
	primary := sets[0]
	for _, ts := range sets {
		if strings.EqualFold(aws.ToString(ts.Status), statusPrimary) {
			primary = ts
		}
	}
	v, err := versionOf(aws.ToString(primary.TaskDefinition))
	if err != nil {
		return st, err
	}
	st.Version, st.Since = v, aws.ToTime(primary.CreatedAt)
	st.State = model.StateSteady
	newest := sets[len(sets)-1]
	switch {
	case len(sets) > 1:
		from := sets[len(sets)-2]
		st.State = model.StateDeploying
		st.Deployment = taskSetProgress(newest, st.Rollouts[len(sets)-1].Version.SHA)
		st.Deployment.FromSHA = st.Rollouts[len(sets)-2].Version.SHA
		if from == primary && newest != primary {
			st.Deployment.Reason = "replacement task set " + aws.ToString(newest.Id) + " is not serving production yet"
		}
	case primary.StabilityStatus == types.StabilityStatusStabilizing:
		st.State = model.StateDeploying
		st.Deployment = taskSetProgress(primary, v.SHA)
		st.Deployment.FromSHA = v.SHA
	}
	return st, nil
}

func taskSetProgress(ts *types.TaskSet, sha string) *model.Deployment {
	return &model.Deployment{
		ToSHA:     sha,
		Running:   int(ts.RunningCount),
		Desired:   int(ts.ComputedDesiredCount),
		StartedAt: aws.ToTime(ts.CreatedAt),
	}
}

// taskSetRollout shows a task set as a rollout: its status, whether it is
// steady, its scale and who started it.
func taskSetRollout(ts *types.TaskSet, v model.Version) model.Rollout {
	state := rolloutCompleted
	if ts.StabilityStatus != types.StabilityStatusSteadyState {
		state = rolloutInProgress
	}
	reason := "task set"
	if sc := ts.Scale; sc != nil {
		reason += fmt.Sprintf(", scale %g %s", sc.Value, strings.ToLower(string(sc.Unit)))
	}
	if by := aws.ToString(ts.StartedBy); by != "" {
		reason += ", started by " + by
	}
	if ext := aws.ToString(ts.ExternalId); ext != "" {
		reason += " (" + ext + ")"
	}
	return model.Rollout{
		ID: aws.ToString(ts.Id), Status: aws.ToString(ts.Status), State: state, Reason: reason, Version: v,
		Running: int(ts.RunningCount), Desired: int(ts.ComputedDesiredCount), Pending: int(ts.PendingCount),
		Created: aws.ToTime(ts.CreatedAt), Updated: aws.ToTime(ts.UpdatedAt),
	}
}
