package ecs

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// FetchEnv reads one environment live, with the calls, task-definition
// cache and assessment of Fetch: one DescribeServices, DescribeTaskDefinition
// only for task definitions not yet cached, and ListServiceDeployments only
// when the service's deployments changed since it was last read. An
// environment this source does not cover is an error wrapping
// providers.ErrNotFound; one that cannot be read returns its own error
// (which may wrap ErrNotFound, ErrThrottled or ErrAuth) together with a
// status that carries only that error.
func (s *Source) FetchEnv(ctx context.Context, key model.EnvKey) (model.EnvStatus, error) {
	e, err := s.env(key)
	if err != nil {
		return providers.EnvFailed(key, err), err
	}
	sts, errs, _ := s.fetchEnvs(ctx, []Environment{e})
	if len(sts) != 1 {
		err := fmt.Errorf("ecs: %s/%s: no answer", key.Service, key.Environment)
		return providers.EnvFailed(key, err), err
	}
	if err := errs[key]; err != nil {
		return sts[0], uncall(err)
	}
	return sts[0], nil
}

// env finds the configured environment for key.
func (s *Source) env(key model.EnvKey) (Environment, error) {
	for _, e := range s.envs {
		if e.Key == key {
			return e, nil
		}
	}
	return Environment{}, fmt.Errorf("ecs: %s/%s is not an environment of %s: %w", key.Service, key.Environment, s.name, providers.ErrNotFound)
}

// service describes one environment's service (one DescribeServices call).
func (s *Source) service(ctx context.Context, e Environment) (*types.Service, error) {
	r := s.describeServices(ctx, e.Cluster, []string{e.Service})[e.Service]
	if r.err != nil {
		return nil, uncall(r.err)
	}
	if r.svc == nil {
		return nil, fmt.Errorf("ecs: describe services in %s: no answer for %s", e.Cluster, e.Service)
	}
	return r.svc, nil
}

// current describes one environment's service and names the task
// definition it runs or is rolling out.
func (s *Source) current(ctx context.Context, e Environment) (*types.Service, string, error) {
	svc, err := s.service(ctx, e)
	if err != nil {
		return nil, "", err
	}
	cur := currentTaskDef(svc)
	if cur == "" {
		return nil, "", fmt.Errorf("ecs: %s/%s names no task definition", e.Cluster, e.Service)
	}
	return svc, cur, nil
}

// actOn is current for an action: it refuses a service flightdeck does
// not deploy before asking for its task definition (an EXTERNAL service
// may name none).
func (s *Source) actOn(ctx context.Context, e Environment) (string, error) {
	svc, err := s.service(ctx, e)
	if err != nil {
		return "", err
	}
	if err := refuseControlled(e, svc); err != nil {
		return "", err
	}
	cur := currentTaskDef(svc)
	if cur == "" {
		return "", fmt.Errorf("ecs: %s/%s names no task definition", e.Cluster, e.Service)
	}
	return cur, nil
}

// currentTaskDef is the task definition the service runs or is rolling out
// now: the service's own (which ECS keeps equal to the PRIMARY deployment's,
// and which is the only current one on moto), else the PRIMARY's.
func currentTaskDef(svc *types.Service) string {
	if td := aws.ToString(svc.TaskDefinition); td != "" {
		return td
	}
	if p := primaryDeployment(svc.Deployments); p != nil {
		return aws.ToString(p.TaskDefinition)
	}
	return ""
}

// familyOf is the family of a task definition reference ("api:7", an ARN,
// or a bare family).
func familyOf(ref string) string {
	r := revisionFromRef(ref)
	if i := strings.LastIndexByte(r, ':'); i >= 0 {
		return r[:i]
	}
	return r
}

// revisionNumber is the revision of a pinned reference, 0 for a bare family.
func revisionNumber(ref string) int {
	r := revisionFromRef(ref)
	i := strings.LastIndexByte(r, ':')
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range r[i+1:] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// principalName is the short name of a principal ARN: its last path segment
// ("arn:aws:iam::1:role/deployer" → "deployer", an assumed role's session
// name for "arn:aws:sts::1:assumed-role/Deploy/jane").
func principalName(arn string) string {
	return lastSegment(arn)
}
