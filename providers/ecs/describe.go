package ecs

import (
	"fmt"

	"github.com/airside-dev/flightdeck/model"
)

// Describe says what confirming a rollback, promotion or abort sends to
// ECS (providers.Describer).
func (s *Source) Describe(a model.Action) string {
	e, err := s.env(a.Key())
	if err != nil {
		return err.Error()
	}
	svc := e.Cluster + "/" + e.Service
	switch a.Kind {
	case model.ActionRollback:
		return fmt.Sprintf("UpdateService: point ECS service %s at task definition %s", svc, versionName(a.To))
	case model.ActionPromote:
		return fmt.Sprintf("RegisterTaskDefinition: a new revision of %s's own family with %s's image (%s), then UpdateService: point %s at it",
			a.Environment, a.SourceEnv, versionName(a.To), svc)
	case model.ActionAbort:
		return fmt.Sprintf("StopServiceDeployment: stop the deployment of %s in flight on %s; ECS rolls back to %s", a.To.Short(), svc, a.From.Short())
	case model.ActionApprove:
		return fmt.Sprintf("ContinueServiceDeployment CONTINUE: the deployment of %s on %s goes on past its PAUSE hook", a.To.Short(), svc)
	case model.ActionCanaryPromote:
		hook := "its PAUSE hook"
		if a.Gate != nil && a.Gate.ID != "" {
			hook = "its PAUSE hook " + a.Gate.ID
		}
		return fmt.Sprintf("ContinueServiceDeployment CONTINUE: the deployment of %s on %s goes on past %s; ECS then moves the weights itself", a.To.Short(), svc, hook)
	case model.ActionCanaryAbort:
		return fmt.Sprintf("StopServiceDeployment ROLLBACK: stop the deployment of %s on %s; ECS sends all the traffic back to %s", a.To.Short(), svc, a.From.Short())
	case model.ActionReject:
		return fmt.Sprintf("ContinueServiceDeployment ROLLBACK: the deployment of %s on %s stops at its PAUSE hook and ECS rolls it back", a.To.Short(), svc)
	}
	return fmt.Sprintf("ECS cannot %s", a.Kind)
}

// versionName is a version as ECS names it, with its commit:
// "api-production:31 (72c28b4)".
func versionName(v model.Version) string {
	n := v.Revision
	if n == "" {
		n = v.Artifact
	}
	switch {
	case n == "":
		return v.Short()
	case v.SHA == "":
		return n
	}
	return n + " (" + v.Short() + ")"
}
