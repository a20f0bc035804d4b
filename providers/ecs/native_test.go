package ecs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// nativeConfig is a CANARY service's configuration: 10 % for a 3-minute
// canary bake, a 5-minute final bake, and a PAUSE hook before production
// traffic moves that rolls back after 30 minutes unanswered.
func nativeConfig(strategy types.DeploymentStrategy) *types.DeploymentConfiguration {
	return &types.DeploymentConfiguration{
		Strategy:                 strategy,
		BakeTimeInMinutes:        aws.Int32(5),
		DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		CanaryConfiguration:      &types.CanaryConfiguration{CanaryPercent: aws.Float64(10), CanaryBakeTimeInMinutes: aws.Int32(3)},
		LinearConfiguration:      &types.LinearConfiguration{StepPercent: aws.Float64(25), StepBakeTimeInMinutes: aws.Int32(2)},
		LifecycleHooks: []types.DeploymentLifecycleHook{{
			TargetType:           types.DeploymentLifecycleHookTargetTypePause,
			LifecycleStages:      []types.DeploymentLifecycleHookStage{types.DeploymentLifecycleHookStagePreProductionTrafficShift},
			TimeoutConfiguration: &types.DeploymentLifecycleHookTimeoutConfiguration{Action: types.DeploymentLifecycleHookActionRollback, TimeoutInMinutes: aws.Int32(30)},
		}},
	}
}

// seedNative creates prod/api on shaGood1 with the configuration and starts
// a deploy of shaGood2.
func seedNative(t *testing.T, sb *simBackend, cfg *types.DeploymentConfiguration) {
	t.Helper()
	c := sb.seedClient(t)
	createCluster(t, c, "prod")
	td1 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood1})
	createService(t, c, "prod", "api", td1, 2, cfg)
	sb.settle(t)
	td2 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood2})
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(td2)})
}

// untilCanary polls a second at a time until cond holds of the canary.
func untilCanary(t *testing.T, sb *simBackend, s *Source, what string, cond func(model.EnvStatus) bool) model.EnvStatus {
	t.Helper()
	for range 3600 {
		sb.step(t, time.Second)
		if st := fetchOne(t, s); cond(st) {
			return st
		}
	}
	t.Fatalf("never saw %s", what)
	return model.EnvStatus{}
}

func TestSimNativeCanaryWithPauseHook(t *testing.T) {
	sb := startSim(t)
	seedNative(t, sb, nativeConfig(types.DeploymentStrategyCanary))
	cnt := newCounter()
	s := sb.source(t, prodAPI, cnt.client())

	// Scaling up: a canary at 0 %, both sides named with their versions.
	st := untilCanary(t, sb, s, "the canary", func(st model.EnvStatus) bool { return st.Canary != nil })
	c := st.Canary
	if st.State != model.StateDeploying || c.Source != "ecs" || c.Weight != 0 || c.Step != -1 ||
		c.Canary.Version.SHA != shaGood2 || c.Stable.Version.SHA != shaGood1 ||
		!strings.Contains(c.Canary.Target, ":service-revision/") || len(c.Steps) != 2 || c.Steps[0] != 10 || c.Steps[1] != 100 {
		t.Fatalf("canary while scaling up: %s %+v", st.State, c)
	}
	if !strings.HasPrefix(c.CircuitBreaker, "MONITORING (0 of") {
		t.Errorf("circuit breaker %q", c.CircuitBreaker)
	}

	// The PAUSE hook waits before production traffic moves: a gate.
	st = untilCanary(t, sb, s, "the PAUSE gate", func(st model.EnvStatus) bool { return len(st.Gates) > 0 })
	g := st.Gates[0]
	if st.Canary.Stage != "PRODUCTION_TRAFFIC_SHIFT" || st.Canary.Weight != 0 || g.Environment != "production" || g.Service != "api" ||
		g.Provider != "ecs" || g.SHA != shaGood2 || !strings.Contains(g.WorkflowID, ":service-deployment/") || g.ID == "" ||
		g.ExpiresAt.Sub(sb.now()) > 30*time.Minute || g.ExpiresAt.Sub(sb.now()) < 29*time.Minute {
		t.Fatalf("the waiting hook: stage %s weight %d gate %+v", st.Canary.Stage, st.Canary.Weight, g)
	}
	// Nothing moves while it waits, however long.
	sb.step(t, 10*time.Minute)
	if st2 := fetchOne(t, s); len(st2.Gates) != 1 || st2.Canary.Weight != 0 {
		t.Fatalf("after ten minutes waiting: %+v %+v", st2.Canary, st2.Gates)
	}

	// Calls per poll with the native deployment in flight.
	cnt.take()
	fetchOne(t, s)
	perPoll := cnt.take()
	t.Logf("ECS calls per poll with one native deployment waiting: %s", formatOps(perPoll))
	if perPoll["DescribeServices"] != 1 || perPoll["DescribeServiceDeployments"] != 1 || len(perPoll) != 2 {
		t.Errorf("calls per poll: %s, want DescribeServices=1 DescribeServiceDeployments=1", formatOps(perPoll))
	}

	// Promote through the canary stepper = the gate approved.
	if _, err := s.StepCanary(context.Background(), key("api", "production"), true, false); err != nil {
		t.Fatalf("StepCanary promote: %v", err)
	}
	st = untilCanary(t, sb, s, "10 %", func(st model.EnvStatus) bool { return st.Canary != nil && st.Canary.Weight == 10 })
	if st.Canary.Step != 0 || st.Canary.EndsAt.IsZero() || len(st.Gates) != 0 {
		t.Fatalf("canary at 10 %%: %+v gates %+v", st.Canary, st.Gates)
	}
	left := st.Canary.EndsAt.Sub(sb.now())
	if left <= 2*time.Minute || left > 3*time.Minute {
		t.Errorf("canary bake left %s, want just under 3m", left)
	}
	// Nothing waits now: a promote is refused with why.
	if _, err := s.StepCanary(context.Background(), key("api", "production"), true, false); !model.IsRefusal(err) || !strings.Contains(err.Error(), "ECS moves the weights itself") {
		t.Errorf("promote with nothing waiting: %v", err)
	}
	st = untilCanary(t, sb, s, "the final bake", func(st model.EnvStatus) bool { return st.Canary != nil && st.Canary.Stage == "BAKE_TIME" })
	if st.Canary.Weight != 100 || st.Canary.Step != 1 || st.Canary.EndsAt.Sub(sb.now()) > 5*time.Minute || st.Canary.EndsAt.Sub(sb.now()) < 4*time.Minute {
		t.Fatalf("bake: %+v (ends in %s)", st.Canary, st.Canary.EndsAt.Sub(sb.now()))
	}
	st = untilCanary(t, sb, s, "steady", func(st model.EnvStatus) bool { return st.State == model.StateSteady })
	if st.Version.SHA != shaGood2 || st.Canary != nil || len(st.Gates) != 0 {
		t.Fatalf("after the deploy: %+v", st)
	}
}

// The gate goes through the one planner: the deploy-side case of approve
// and reject, refused once it no longer waits.
func TestSimPauseGateThroughPlanner(t *testing.T) {
	for _, kind := range []model.ActionKind{model.ActionApprove, model.ActionReject} {
		t.Run(string(kind), func(t *testing.T) {
			sb := startSim(t)
			seedNative(t, sb, nativeConfig(types.DeploymentStrategyBlueGreen))
			s := sb.source(t, prodAPI, nil)
			st := untilCanary(t, sb, s, "the gate", func(st model.EnvStatus) bool { return len(st.Gates) > 0 })
			if st.Canary.Steps[0] != 100 || st.Canary.Weight != 0 {
				t.Fatalf("blue/green before the shift: %+v", st.Canary)
			}
			reg := providers.NewRegistry()
			reg.AddSource(s)
			p := action.New(action.Options{Providers: reg, Now: sb.now})
			snap := model.NewSnapshot([]model.ServiceSpec{{Name: "api", Environments: []model.EnvSpec{{Name: "production", Target: model.TargetECS}}}})
			snap.Merge(model.FetchResult{Source: s.Name(), At: sb.now(), Envs: []model.EnvStatus{st}})
			if len(snap.Approvals) != 1 || !snap.Approvals[0].DeploySide() {
				t.Fatalf("approvals: %+v", snap.Approvals)
			}
			pl := p.Propose(snap, action.Ask{Kind: kind, Service: "api"})
			if pl.Why != "" || pl.Action.Environment != "production" || !strings.Contains(pl.Note, "the deploy to production waits") ||
				!strings.Contains(pl.Calls, "ContinueServiceDeployment") {
				t.Fatalf("plan: why %q env %q note %q calls %q", pl.Why, pl.Action.Environment, pl.Note, pl.Calls)
			}
			sb.world.ResetRequests()
			res, err := p.Run(context.Background(), pl.Action)
			if err != nil || res.Outcome != "ok" || res.Receipt.Calls[0].Operation != "ContinueServiceDeployment" {
				t.Fatalf("Run: %+v %v", res, err)
			}
			want := map[model.ActionKind]string{model.ActionApprove: "CONTINUE", model.ActionReject: "ROLLBACK"}[kind]
			if got := res.Receipt.Calls[0].Params["action"]; got != want || sb.world.Requests()["ecs:ContinueServiceDeployment"] != 1 {
				t.Fatalf("sent action %q (%v), want %s once", got, sb.world.Requests(), want)
			}
			// Answered: a second answer is refused by the re-check.
			if _, err := p.Run(context.Background(), pl.Action); !model.IsRefusal(err) || !strings.Contains(err.Error(), "no longer waiting") {
				t.Errorf("second answer: %v", err)
			}
			if kind == model.ActionApprove {
				st = untilCanary(t, sb, s, "all traffic", func(st model.EnvStatus) bool { return st.Canary != nil && st.Canary.Weight == 100 })
				return
			}
			st = untilCanary(t, sb, s, "the rollback", func(st model.EnvStatus) bool { return st.State != model.StateDeploying })
			st = untilCanary(t, sb, s, "rolled back", func(st model.EnvStatus) bool { return st.State == model.StateRolledBack })
			if st.Version.SHA != shaGood1 || st.Canary != nil {
				t.Fatalf("rejected: %+v", st)
			}
		})
	}
}

func TestSimNativeLinearAndAbort(t *testing.T) {
	sb := startSim(t)
	cfg := nativeConfig(types.DeploymentStrategyLinear)
	cfg.LifecycleHooks = nil
	seedNative(t, sb, cfg)
	s := sb.source(t, prodAPI, nil)
	seen := map[int]bool{}
	st := untilCanary(t, sb, s, "50 %", func(st model.EnvStatus) bool {
		if st.Canary != nil {
			seen[st.Canary.Weight] = true
		}
		return st.Canary != nil && st.Canary.Weight == 50
	})
	if !seen[25] || st.Canary.Step != 1 || len(st.Canary.Steps) != 4 || st.Canary.EndsAt.IsZero() {
		t.Fatalf("linear: weights seen %v, canary %+v", seen, st.Canary)
	}
	if _, err := s.StepCanary(context.Background(), key("api", "production"), false, false); err != nil {
		t.Fatalf("abort: %v", err)
	}
	st = untilCanary(t, sb, s, "rolled back", func(st model.EnvStatus) bool { return st.State == model.StateRolledBack })
	if st.Version.SHA != shaGood1 {
		t.Fatalf("aborted: %+v", st.Version)
	}
}

// The demo's orders service: at t0 its production deploy waits at the
// PAUSE hook before any production traffic moved; staging's canary ran by
// itself and bakes.
func TestDemoOrdersPausedAtT0(t *testing.T) {
	srv := simtest.Start(t, t0, sim.Options{Seed: 1})
	srv.Step(30 * time.Second)
	envs := []Environment{
		{Key: key("orders", "staging"), Cluster: "staging", Service: "orders"},
		{Key: key("orders", "production"), Cluster: "production", Service: "orders"},
	}
	s, err := New(context.Background(), Options{Region: testRegion, EndpointURL: srv.URL, Anonymous: true, Environments: envs, Now: srv.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	sts, err := s.Fetch(context.Background())
	if err != nil || len(sts) != 2 {
		t.Fatalf("Fetch: %v %+v", err, sts)
	}
	prod := sts[1]
	if prod.State != model.StateDeploying || prod.Canary == nil || prod.Canary.Weight != 0 || len(prod.Gates) != 1 {
		t.Fatalf("production at t0: %s canary %+v gates %+v", prod.State, prod.Canary, prod.Gates)
	}
	if left := prod.Gates[0].ExpiresAt.Sub(srv.Clock.Now()); left < 50*time.Minute || left > time.Hour {
		t.Errorf("the hook expires in %s", left)
	}
	if stg := sts[0]; stg.State != model.StateDeploying || stg.Canary == nil || stg.Canary.Stage != "BAKE_TIME" || stg.Canary.Weight != 100 || stg.Canary.EndsAt.IsZero() {
		t.Errorf("staging at t0: %s %+v", stg.State, stg.Canary)
	}
	if prod.Canary.Canary.Version.SHA == "" || prod.Canary.Canary.Version.SHA == prod.Canary.Stable.Version.SHA ||
		sts[0].Version.SHA != prod.Canary.Canary.Version.SHA {
		t.Errorf("production's canary should run what staging runs: staging %+v, canary %+v, stable %+v",
			sts[0].Version, prod.Canary.Canary.Version, prod.Canary.Stable.Version)
	}
	t.Logf("staging: %s %+v; production: %s %q %d%%, gate %s", sts[0].State, sts[0].Canary, prod.State, prod.Canary.Stage, prod.Canary.Weight, prod.Gates[0].Gate)
}

// Aborted while its PAUSE hook waits: the rollback runs once, the hook
// stops waiting (no gate left), and its timeout does nothing later.
func TestSimAbortWhilePaused(t *testing.T) {
	sb := startSim(t)
	seedNative(t, sb, nativeConfig(types.DeploymentStrategyCanary))
	s := sb.source(t, prodAPI, nil)
	untilCanary(t, sb, s, "the gate", func(st model.EnvStatus) bool { return len(st.Gates) > 0 })
	if _, err := s.Abort(context.Background(), key("api", "production"), false); err != nil {
		t.Fatalf("abort: %v", err)
	}
	st := untilCanary(t, sb, s, "rolled back", func(st model.EnvStatus) bool { return st.State == model.StateRolledBack })
	if len(st.Gates) != 0 || st.Version.SHA != shaGood1 {
		t.Fatalf("after the abort: %+v", st)
	}
	sb.step(t, 40*time.Minute) // past the hook's timeout
	if st := fetchOne(t, s); st.State != model.StateRolledBack || st.Version.SHA != shaGood1 || len(st.Gates) != 0 {
		t.Fatalf("after the hook's timeout: %s %+v", st.State, st.Version)
	}
}

// Unanswered, the hook's timeout action (ROLLBACK) takes the deploy back.
func TestSimPauseTimesOut(t *testing.T) {
	sb := startSim(t)
	seedNative(t, sb, nativeConfig(types.DeploymentStrategyCanary))
	s := sb.source(t, prodAPI, nil)
	untilCanary(t, sb, s, "the gate", func(st model.EnvStatus) bool { return len(st.Gates) > 0 })
	sb.step(t, 31*time.Minute)
	st := untilCanary(t, sb, s, "rolled back", func(st model.EnvStatus) bool { return st.State == model.StateRolledBack })
	if st.Version.SHA != shaGood1 || st.Deployment == nil || !strings.Contains(st.Deployment.Reason, "timed out") {
		t.Fatalf("timed out: %+v %+v", st.Version, st.Deployment)
	}
}
