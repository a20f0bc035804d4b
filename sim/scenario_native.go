package sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
	"github.com/airside-dev/flightdeck/sim/ecs"
	"github.com/airside-dev/flightdeck/sim/elbv2"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The demo's service on an ECS native deployment strategy: orders, a
// CANARY service (10 % of production traffic for a 3-minute canary bake,
// then all of it, then a 5-minute bake with the old revision still up).
// Production has a PAUSE lifecycle hook before production traffic moves:
// the deploy waits in "Waiting for you" until someone continues it (or
// rolls it back), and rolls back by itself after an hour unanswered.
// Its releases are shipped by a deploy script, not a CI pipeline.
//
// It draws from a random source of its own (its ECS services, its
// repository), seeded from the world's, so that every other service is
// exactly as it was before it came.

const (
	nvOrders       = "orders"
	nvReleases     = 6
	nvReleaseGap   = 5 * time.Hour
	nvProdAfter    = 45 * time.Minute // a release reaches production this long after staging
	nvHookTimeout  = 60               // minutes a PAUSE hook waits before rolling back
	nvLiveEvery    = 25 * time.Minute // live releases to staging, at least this far apart
	nvLiveEveryMax = 50 * time.Minute
)

var ordersSubjects = []string{
	"Split the payment step into its own page",
	"Retry the tax quote once on a timeout",
	"Show the saved cards first",
	"Validate postcodes before the address lookup",
	"Send the basket ID with every orders event",
	"Fix the double submit on slow networks",
}

// nativeDeployConfig is orders's deploymentConfiguration; pause adds the
// PAUSE hook before production traffic shifts.
func nativeDeployConfig(pause bool) json.RawMessage {
	cfg := map[string]any{
		"strategy":            "CANARY",
		"bakeTimeInMinutes":   5,
		"canaryConfiguration": map[string]any{"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 3},
	}
	if pause {
		cfg["lifecycleHooks"] = []map[string]any{{
			"targetType":           "PAUSE",
			"lifecycleStages":      []string{"PRE_PRODUCTION_TRAFFIC_SHIFT"},
			"timeoutConfiguration": map[string]any{"action": "ROLLBACK", "timeoutInMinutes": nvHookTimeout},
		}}
	}
	b, _ := json.Marshal(cfg)
	return b
}

// withoutNative leaves orders out of the demo: only for the test that
// shows it leaves every other service as it was.
var withoutNative = false

// seedNative schedules orders's history from now (the start of the
// demo's history) to t0, and its live releases; the loop is held.
func (w *World) seedNative(t0 time.Time) {
	if withoutNative {
		return
	}
	r := rand.New(rand.NewPCG(uint64(w.seed), 0xc4ec0))
	cs := &catalogueService{name: nvOrders, port: 8081, cpu: 512, labelled: true, subjects: ordersSubjects, envs: []*catalogueEnv{
		{name: "staging", cluster: clusterStaging, region: regionStaging, desired: 2},
		{name: "production", cluster: clusterProduction, region: regionProduction, desired: 3, protected: true},
	}}
	for _, e := range cs.envs {
		e.keepActive, e.firstRevision = 4+r.IntN(3), 1+r.IntN(40)
		w.ecs.AddCluster(e.cluster, e.region)
	}
	w.native = append(w.native, cs)
	w.ci.AddRepo(cs.name, "acme/"+cs.name, []ci.Env{{Name: "staging"}, {Name: "production", Protected: true}}, nil).Rand = r
	w.prNumber[cs.name] = 100 + r.IntN(900)

	start := w.loop.Now()
	pace := w.loop.Pace
	w.loop.At(start.Add(pace(10*time.Minute)), func() {
		c := w.nativeCommit(cs, r)
		for i, e := range cs.envs {
			w.ecs.CreateService(ecs.ServiceSpec{Cluster: e.cluster, Name: cs.name, TaskDef: w.registerForCommit(cs, e, c.SHA),
				Desired: e.desired, BreakerThreshold: demoBreakerThreshold, Tags: envTags(cs, e),
				LoadBalancers:           []ecs.LoadBalancer{w.nativeLoadBalancer(cs, e)},
				DeploymentConfiguration: nativeDeployConfig(i == 1), Rand: r})
		}
	})
	for i := 1; i < nvReleases; i++ {
		at := start.Add(pace(time.Duration(i)*nvReleaseGap + time.Duration(r.IntN(60))*time.Minute))
		w.loop.At(at, func() {
			sha := w.nativeCommit(cs, r).SHA
			w.nativeDeploy(cs, "staging", sha)
			w.loop.After(pace(nvProdAfter), func() {
				w.nativeDeploy(cs, "production", sha)
				// A colleague continues the paused deploy in the console.
				w.loop.After(pace(time.Duration(10+r.IntN(15))*time.Minute), func() { w.ecs.ContinueHooks(clusterProduction, cs.name) })
			})
		})
	}
	// At t0: a release bakes in staging (all its traffic moved, the old
	// revision still up) and is paused in production, before any
	// production traffic moved, waiting for you.
	w.loop.At(t0.Add(-pace(5*time.Minute)), func() {
		sha := w.nativeCommit(cs, r).SHA
		w.nativeDeploy(cs, "staging", sha)
		w.loop.At(t0.Add(-pace(90*time.Second)), func() { w.nativeDeploy(cs, "production", sha) })
	})
	w.loop.At(t0.Add(pace(nvLiveEvery)), func() { w.nativeLive(cs, r) })
}

// nativeLive ships orders's next commit to staging (its canary runs
// there by itself), and schedules the one after.
func (w *World) nativeLive(cs *catalogueService, r *rand.Rand) {
	w.nativeDeploy(cs, "staging", w.nativeCommit(cs, r).SHA)
	next := nvLiveEvery + time.Duration(r.Int64N(int64(nvLiveEveryMax-nvLiveEvery)+1))
	w.loop.After(w.loop.Pace(next), func() { w.nativeLive(cs, r) })
}

// nativeDeploy registers the commit's task definition for the environment
// and updates the service, as the team's deploy script does.
func (w *World) nativeDeploy(cs *catalogueService, env, sha string) {
	e := cs.env(env)
	if e == nil || !w.ecs.ServiceActive(e.cluster, cs.name) {
		return
	}
	w.ecs.Deploy(e.cluster, cs.name, w.registerForCommit(cs, e, sha))
}

// nativeCommit lands a teammate's commit on the service's main branch,
// from the service's own random source.
func (w *World) nativeCommit(cs *catalogueService, r *rand.Rand) *ci.Commit {
	w.prNumber[cs.name] += 1 + r.IntN(3)
	return w.ci.AddCommit(cs.name, ci.Commit{
		SHA:     ids.Hex(r, 40),
		Subject: fmt.Sprintf("%s (#%d)", cs.subjects[r.IntN(len(cs.subjects))], w.prNumber[cs.name]),
		Author:  team[r.IntN(len(team))],
		Time:    w.loop.Now(),
	})
}

// nvPerMinute is the requests a minute orders's load balancer gets.
const nvPerMinute = 400

// nativeLB is one environment's load balancer in front of orders: ECS
// moves production traffic between its two target groups by the native
// deployment's weights, and CloudWatch publishes both groups' metrics.
type nativeLB struct {
	cluster, service string
	primary, alt     string // target group ARNs
	traffic          cloudwatch.WeightedTraffic
}

// nativeLoadBalancer builds the environment's load balancer, listener,
// production rule and two target groups (ELBv2 names its ARNs by hash, so
// nothing is drawn) and the loadBalancers entry orders is created with.
func (w *World) nativeLoadBalancer(cs *catalogueService, e *catalogueEnv) ecs.LoadBalancer {
	name := cs.name + "-" + e.name
	lb := w.elbv2.AddLoadBalancer(name, e.region)
	primary := w.elbv2.AddTargetGroup(name+"-blue", e.region, cs.port)
	alt := w.elbv2.AddTargetGroup(name+"-green", e.region, cs.port)
	listener := w.elbv2.AddListener(lb, 443, []elbv2.Weight{{TargetGroup: primary, Weight: 100}})
	rule := w.elbv2.AddRule(listener, 10, "/*", []elbv2.Weight{{TargetGroup: primary, Weight: 100}, {TargetGroup: alt, Weight: 0}})
	n := nativeLB{cluster: e.cluster, service: cs.name, primary: primary, alt: alt}
	n.traffic = cloudwatch.WeightedTraffic{Seed: uint64(w.seed) ^ uint64(ids.Hash(name)), PerMinute: nvPerMinute,
		Weight: func(tg string, m time.Time) float64 { return w.ecs.ProductionSharesAt(n.cluster, n.service, m)[tg] }}
	w.nativeLBs = append(w.nativeLBs, n)
	w.cloudwatch.Publish(lb, primary)
	w.cloudwatch.Publish(lb, alt)
	return ecs.LoadBalancer{TargetGroupArn: primary, ContainerName: cs.name, ContainerPort: cs.port,
		AdvancedConfiguration: &ecs.AdvancedConfiguration{AlternateTargetGroupArn: alt, ProductionListenerRule: rule,
			RoleArn: "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers"}}
}

// nativeTraffic is an orders target group's minute, shared by the
// deployment's weights at the minute's start; a good canary: both sides
// Healthy.
func (w *World) nativeTraffic(tg string, m time.Time) (float64, float64, float64, bool) {
	for _, n := range w.nativeLBs {
		if tg == n.primary || tg == n.alt {
			return n.traffic.Traffic(tg, m)
		}
	}
	return 0, 0, 0, false
}
