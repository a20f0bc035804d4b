package ecs

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// A native deployment's traffic: ECS registers each service revision's
// tasks in one of the service's two target groups (the revision's
// resolvedConfiguration.loadBalancers says which, and the production
// listener rule in front of them), so the source and the target revision
// are the stable and the canary side of the ALB's metrics. One
// SidesReader call per environment per poll, only while a native
// deployment is in flight; revisions are read once (cached with their
// task definitions).

// SidesReader reads both sides of a canary behind a load balancer (the
// ARN of the load balancer, or of a listener or rule of it) over the
// window ending at now; on an error the sides are NoData.
// *cloudwatch.Client satisfies it (commands/world.go passes one).
type SidesReader interface {
	Sides(ctx context.Context, lb, stableTG, canaryTG string, window time.Duration, now time.Time) (stable, canary model.CanarySide, err error)
}

// trafficWindow is the span the verdict is made on, as the listener
// canaries' (cloudwatch.Window).
const trafficWindow = 15 * time.Minute

// revisionLB is one of a revision's resolved load balancers.
type revisionLB struct{ targetGroup, rule string }

// resolvedLBs are a revision's resolved load balancers; nil when it has
// none (no load balancer, or an endpoint that does not resolve them).
func resolvedLBs(r types.ServiceRevision) []revisionLB {
	if r.ResolvedConfiguration == nil {
		return nil
	}
	var out []revisionLB
	for _, lb := range r.ResolvedConfiguration.LoadBalancers {
		if tg := aws.ToString(lb.TargetGroupArn); tg != "" {
			out = append(out, revisionLB{targetGroup: tg, rule: aws.ToString(lb.ProductionListenerRule)})
		}
	}
	return out
}

// nativeTraffic is what the SidesReader said of one deployment's sides.
type nativeTraffic struct {
	stable, canary model.CanarySide
	err            error
}

// trafficPair is the load balancer (rule) and the stable and canary target
// groups of a native deployment; ok is false when the revisions do not
// name two different groups behind one rule.
func (s *Source) trafficPair(svc *types.Service, sd *types.ServiceDeployment) (lb, stableTG, canaryTG string, ok bool) {
	if sd.TargetServiceRevision == nil || len(sd.SourceServiceRevisions) == 0 {
		return "", "", "", false
	}
	s.revMu.Lock()
	target := s.revLBs[aws.ToString(sd.TargetServiceRevision.Arn)]
	source := s.revLBs[aws.ToString(sd.SourceServiceRevisions[0].Arn)]
	s.revMu.Unlock()
	for _, t := range target {
		for _, src := range source {
			if t.targetGroup == src.targetGroup || (t.rule != "" && src.rule != "" && t.rule != src.rule) {
				continue
			}
			lb = t.rule
			if lb == "" {
				lb = src.rule
			}
			if lb == "" {
				lb = productionRule(svc, t.targetGroup, src.targetGroup)
			}
			if lb != "" {
				return lb, src.targetGroup, t.targetGroup, true
			}
		}
	}
	return "", "", "", false
}

// productionRule is the service's productionListenerRule for the load
// balancer whose two target groups are a and b, "" when none says one.
func productionRule(svc *types.Service, a, b string) string {
	for _, lb := range svc.LoadBalancers {
		ac := lb.AdvancedConfiguration
		if ac == nil {
			continue
		}
		tgs := []string{aws.ToString(lb.TargetGroupArn), aws.ToString(ac.AlternateTargetGroupArn)}
		if (tgs[0] == a && tgs[1] == b) || (tgs[0] == b && tgs[1] == a) {
			return aws.ToString(ac.ProductionListenerRule)
		}
	}
	return ""
}

// readNativeTraffic is the deployment's sides, one SidesReader call; nil
// without a reader or a pair of target groups to read.
func (s *Source) readNativeTraffic(ctx context.Context, svc *types.Service, sd *types.ServiceDeployment, now time.Time) *nativeTraffic {
	if s.sides == nil || !inFlight(sd.Status) {
		return nil
	}
	lb, stableTG, canaryTG, ok := s.trafficPair(svc, sd)
	if !ok {
		return nil
	}
	t := &nativeTraffic{stable: model.CanarySide{NoData: true}, canary: model.CanarySide{NoData: true}}
	err := providers.Guard("cloudwatch", func() error {
		var err error
		t.stable, t.canary, err = s.sides.Sides(ctx, lb, stableTG, canaryTG, trafficWindow, now)
		return err
	})
	if err != nil {
		t.stable, t.canary, t.err = model.CanarySide{NoData: true}, model.CanarySide{NoData: true}, err
	}
	return t
}

// withTraffic fills the canary's sides with their traffic, keeping the
// versions and targets ECS said.
func withTraffic(c *model.Canary, t *nativeTraffic) {
	if t == nil {
		return
	}
	t.stable.Version, t.stable.Target = c.Stable.Version, c.Stable.Target
	t.canary.Version, t.canary.Target = c.Canary.Version, c.Canary.Target
	c.Stable, c.Canary = t.stable, t.canary
	if t.err != nil {
		c.MetricsError = providers.OneLine(t.err.Error(), 300)
	}
}

// inFlight: the deployment still moves or holds traffic (a finished one
// is not judged, and costs no call).
func inFlight(st types.ServiceDeploymentStatus) bool {
	switch st {
	case types.ServiceDeploymentStatusPending, types.ServiceDeploymentStatusInProgress, types.ServiceDeploymentStatusStopRequested,
		types.ServiceDeploymentStatusRollbackRequested, types.ServiceDeploymentStatusRollbackInProgress:
		return true
	}
	return false
}
