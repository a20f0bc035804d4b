package ecs

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// ECS native deployment strategies (BLUE_GREEN, CANARY, LINEAR): ECS moves
// the traffic from the source service revision to the target through
// lifecycle stages, and a PAUSE lifecycle hook stops it until someone
// continues or rolls back. Only services with such a strategy and a
// deployment in flight cost more than DescribeServices: one
// DescribeServiceDeployments a poll (the service names its current
// service deployment; ListServiceDeployments first where it does not),
// and DescribeServiceRevisions once per new revision (revisions are
// immutable, so their task definitions are cached).

// nativeStrategyOf is the service's native strategy, "" for a rolling one.
func nativeStrategyOf(svc *types.Service) types.DeploymentStrategy {
	if c := svc.DeploymentConfiguration; c != nil {
		switch c.Strategy {
		case types.DeploymentStrategyBlueGreen, types.DeploymentStrategyCanary, types.DeploymentStrategyLinear:
			return c.Strategy
		}
	}
	return ""
}

// nativeRead is what one poll read of a native deployment in flight.
type nativeRead struct {
	sd      *types.ServiceDeployment
	tdOf    map[string]string // service revision ARN → task definition ARN
	start   time.Time         // when this poll began, for the stage clock
	traffic *nativeTraffic    // the sides' traffic; nil when not read
}

// wantNative: a native strategy, a deploy in flight, and service
// deployments known to the endpoint.
func (s *Source) wantNative(svc *types.Service) bool {
	return nativeStrategyOf(svc) != "" && controllerOf(svc) == "" && !plainlySteady(svc) && !s.noServiceDeployments.Load()
}

// readNative reads the service deployment in flight and its revisions'
// task definitions. Failures leave it unread (nil): the rest of the status
// stands without the canary.
func (s *Source) readNative(ctx context.Context, cluster string, svc *types.Service) *nativeRead {
	arn := aws.ToString(svc.CurrentServiceDeployment)
	if arn == "" {
		arn = s.latestInFlight(ctx, cluster, svc)
	}
	if arn == "" {
		return nil
	}
	out, err := s.client.DescribeServiceDeployments(ctx, &awsecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}},
		func(o *awsecs.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		if unsupported(err) {
			s.noServiceDeployments.Store(true)
		}
		return nil
	}
	var sd *types.ServiceDeployment
	for i := range out.ServiceDeployments {
		if aws.ToString(out.ServiceDeployments[i].ServiceDeploymentArn) == arn {
			sd = &out.ServiceDeployments[i]
		}
	}
	if sd == nil {
		return nil
	}
	revs := []string{}
	if t := sd.TargetServiceRevision; t != nil {
		revs = append(revs, aws.ToString(t.Arn))
	}
	for _, r := range sd.SourceServiceRevisions {
		revs = append(revs, aws.ToString(r.Arn))
	}
	tdOf, err := s.serviceRevisionTaskDefs(ctx, revs)
	if err != nil {
		tdOf = map[string]string{}
	}
	start := s.now()
	return &nativeRead{sd: sd, tdOf: tdOf, start: start, traffic: s.readNativeTraffic(ctx, svc, sd, start)}
}

// latestInFlight is the newest IN_PROGRESS service deployment, for an
// endpoint whose DescribeServices names no current one.
func (s *Source) latestInFlight(ctx context.Context, cluster string, svc *types.Service) string {
	service := aws.ToString(svc.ServiceArn)
	if service == "" {
		service = aws.ToString(svc.ServiceName)
	}
	out, err := s.client.ListServiceDeployments(ctx, &awsecs.ListServiceDeploymentsInput{
		Cluster: aws.String(cluster), Service: aws.String(service),
		Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusInProgress},
	}, func(o *awsecs.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		if unsupported(err) {
			s.noServiceDeployments.Store(true)
		}
		return ""
	}
	var latest *types.ServiceDeploymentBrief
	for i := range out.ServiceDeployments {
		if d := &out.ServiceDeployments[i]; latest == nil || briefTime(d).After(briefTime(latest)) {
			latest = d
		}
	}
	if latest == nil {
		return ""
	}
	return aws.ToString(latest.ServiceDeploymentArn)
}

// stageMark is when the provider saw a native deployment's stage and
// weight begin, for the bake clocks (ECS does not say when a stage began).
type stageMark struct {
	arn, stage string
	weight     int
	at         time.Time
}

// nativeStatus turns a read native deployment into the canary and the
// PAUSE gates of an environment. strategy and cfg are the service's.
// Called with s.mu held (mem).
func nativeStatus(env string, svc *types.Service, nr *nativeRead, versionOf func(string) (model.Version, error), mem *serviceMemory) (*model.Canary, []model.Gate) {
	sd := nr.sd
	cfg := sd.DeploymentConfiguration
	if cfg == nil {
		cfg = svc.DeploymentConfiguration
	}
	strategy := nativeStrategyOf(svc)
	if cfg != nil && cfg.Strategy != "" {
		strategy = cfg.Strategy
	}
	side := func(r *types.ServiceRevisionSummary) (model.CanarySide, float64) {
		if r == nil {
			return model.CanarySide{}, 0
		}
		arn := aws.ToString(r.Arn)
		v, _ := versionOf(nr.tdOf[arn])
		return model.CanarySide{Version: v, Target: arn}, aws.ToFloat64(r.RequestedProductionTrafficWeight)
	}
	c := &model.Canary{Source: "ecs", Stage: string(sd.LifecycleStage), Step: -1}
	var w float64
	c.Canary, w = side(sd.TargetServiceRevision)
	if len(sd.SourceServiceRevisions) > 0 {
		c.Stable, _ = side(&sd.SourceServiceRevisions[0])
	}
	withTraffic(c, nr.traffic)
	c.Weight = int(math.Round(math.Max(0, math.Min(100, w))))
	c.Steps = nativeSteps(strategy, cfg)
	for i, st := range c.Steps {
		if st == c.Weight {
			c.Step = i
		}
	}
	c.Alarms, c.CircuitBreaker = alarmWords(sd.Alarms), breakerWords(sd.DeploymentCircuitBreaker)

	arn := aws.ToString(sd.ServiceDeploymentArn)
	m := mem.stage
	if m.arn != arn || m.stage != c.Stage || m.weight != c.Weight {
		at := nr.start
		if m.arn == "" && !aws.ToTime(sd.UpdatedAt).IsZero() {
			at = aws.ToTime(sd.UpdatedAt) // first sight: ECS's last change is the best guess
		}
		mem.stage = stageMark{arn: arn, stage: c.Stage, weight: c.Weight, at: at}
	}
	c.EndsAt = bakeEnd(strategy, cfg, c.Stage, c.Weight, mem.stage.at)

	var gates []model.Gate
	for _, h := range sd.LifecycleHookDetails {
		if h.Status != types.DeploymentLifecycleHookStatusAwaitingAction || h.TargetType != types.DeploymentLifecycleHookTargetTypePause {
			continue
		}
		gates = append(gates, model.Gate{
			Environment: env, Provider: "ecs", Gate: "pause-" + env, ID: aws.ToString(h.HookId), SHA: c.Canary.Version.SHA,
			Subject:      fmt.Sprintf("ECS %s deploy paused at %s (%d%% of production)", strings.ToLower(string(strategy)), c.Stage, c.Weight),
			WaitingSince: mem.stage.at, WorkflowID: arn, JobID: aws.ToString(h.HookId), ExpiresAt: aws.ToTime(h.ExpiresAt),
		})
	}
	if len(gates) == 0 {
		// ECS moves the weights by itself; only a waiting hook can be
		// continued (an abort is always open: a rollback).
		c.Blocked = fmt.Sprintf("nothing waits for you at %s: ECS moves the weights itself", c.Stage)
	}
	return c, gates
}

// nativeSteps are the production weights a strategy walks through.
func nativeSteps(strategy types.DeploymentStrategy, cfg *types.DeploymentConfiguration) []int {
	switch strategy {
	case types.DeploymentStrategyCanary:
		pct := 5.0 // ECS's default canaryPercent
		if cfg != nil && cfg.CanaryConfiguration != nil && aws.ToFloat64(cfg.CanaryConfiguration.CanaryPercent) > 0 {
			pct = aws.ToFloat64(cfg.CanaryConfiguration.CanaryPercent)
		}
		return dedupe([]int{int(math.Round(math.Min(pct, 100))), 100})
	case types.DeploymentStrategyLinear:
		pct := 10.0
		if cfg != nil && cfg.LinearConfiguration != nil && aws.ToFloat64(cfg.LinearConfiguration.StepPercent) > 0 {
			pct = aws.ToFloat64(cfg.LinearConfiguration.StepPercent)
		}
		var steps []int
		for w := pct; len(steps) < 1000; w += pct {
			if w >= 100 {
				break
			}
			steps = append(steps, int(math.Round(w)))
		}
		return dedupe(append(steps, 100))
	}
	return []int{100}
}

func dedupe(xs []int) []int {
	out := xs[:0]
	for _, x := range xs {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}

// bakeEnd is when the stage in force ends by itself: the final bake, or a
// canary's or linear step's bake while production traffic shifts.
func bakeEnd(strategy types.DeploymentStrategy, cfg *types.DeploymentConfiguration, stage string, weight int, since time.Time) time.Time {
	if cfg == nil || since.IsZero() {
		return time.Time{}
	}
	mins := int32(-1)
	switch {
	case stage == string(types.ServiceDeploymentLifecycleStageBakeTime):
		mins = aws.ToInt32(cfg.BakeTimeInMinutes)
	case stage != string(types.ServiceDeploymentLifecycleStageProductionTrafficShift) || weight <= 0 || weight >= 100:
	case strategy == types.DeploymentStrategyCanary:
		mins = 10 // ECS's default canaryBakeTimeInMinutes
		if cc := cfg.CanaryConfiguration; cc != nil && cc.CanaryBakeTimeInMinutes != nil {
			mins = *cc.CanaryBakeTimeInMinutes
		}
	case strategy == types.DeploymentStrategyLinear:
		if lc := cfg.LinearConfiguration; lc != nil && lc.StepBakeTimeInMinutes != nil {
			mins = *lc.StepBakeTimeInMinutes
		}
	}
	if mins < 0 {
		return time.Time{}
	}
	return since.Add(time.Duration(mins) * time.Minute)
}

// alarmWords: "TRIGGERED: HighErrors, Latency", "MONITORING", or "".
func alarmWords(a *types.ServiceDeploymentAlarms) string {
	if a == nil || a.Status == "" {
		return ""
	}
	if len(a.TriggeredAlarmNames) > 0 {
		return string(a.Status) + ": " + strings.Join(a.TriggeredAlarmNames, ", ")
	}
	return string(a.Status)
}

// breakerWords: "MONITORING (1 of 3 tasks failed)", "TRIGGERED …", or "".
func breakerWords(b *types.ServiceDeploymentCircuitBreaker) string {
	if b == nil || b.Status == "" {
		return ""
	}
	if b.Threshold > 0 {
		return fmt.Sprintf("%s (%d of %d tasks failed)", b.Status, b.FailureCount, b.Threshold)
	}
	return string(b.Status)
}

// readNatives reads, in parallel, the native deployments in flight of the
// services described this poll.
func (s *Source) readNatives(ctx context.Context, results map[svcRef]svcResult) map[svcRef]*nativeRead {
	var refs []svcRef
	for ref, r := range results {
		if r.svc != nil && s.wantNative(r.svc) {
			refs = append(refs, ref)
		}
	}
	got := make([]*nativeRead, len(refs))
	s.parallel(len(refs), func(i int) {
		// Best effort: an unread deployment leaves the canary out.
		_ = providers.Guard("ecs", func() error {
			got[i] = s.readNative(ctx, refs[i].cluster, results[refs[i]].svc)
			return nil
		})
	})
	out := make(map[svcRef]*nativeRead, len(refs))
	for i, ref := range refs {
		out[ref] = got[i]
	}
	return out
}
