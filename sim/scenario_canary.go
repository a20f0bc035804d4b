package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
	"github.com/airside-dev/flightdeck/sim/ecs"
	"github.com/airside-dev/flightdeck/sim/elbv2"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The demo's canaries on a listener: search, whose canaries go well, and
// basket, whose every new version answers more 5xx minute by minute. Each
// has a plain staging service and a production of two ECS services, the
// stable one (search) and the canary (search-canary), each registered in
// its own target group behind one ALB listener whose forward weights are
// the canary's share. The pipeline's deploy-production deploys the new
// version to the canary service at weight 0; the release manager steps it
// (c, then p: 10 %, 25 %, 50 %, 100 %) or aborts it (x), judged on the
// traffic CloudWatch publishes for both target groups (requests, 5xx and
// p99 per minute, following the listener's weights as they were each
// minute and each version's behaviour).
//
// The story starts again by itself: once a canary is promoted to 100 %,
// the team rolls the stable service to it and sets the listener back to
// stable 100 / canary 0; once aborted, or idle, the next commit lands a
// few minutes later. Each service draws from a random source of its own
// (loop.With), so the rest of the world is exactly as it was.

const (
	cnPerMinute   = 1200 // requests a minute through each canary listener
	cnReleases    = 4
	cnWatchEvery  = 20 * time.Second
	cnCommitQuiet = 5 * time.Minute  // the least time between two commits of a canary service
	cnStalled     = 20 * time.Minute // a commit whose pipeline never deployed is given up on
)

// CanarySteps are the demo canaries' configured steps.
var CanarySteps = []int{10, 25, 50, 100}

// canaryService is a service whose production is a canary on a listener.
type canaryService struct {
	cs                   *catalogueService
	rng                  *rand.Rand
	bad                  bool // every new version's 5xx drifts up
	stableSvc, canarySvc string
	listener             string
	stableTG, canaryTG   string
	canaryTD             string // the task definition deployed to the canary service
	// versions are which commit runs behind each target group from when,
	// for CloudWatch's past minutes; behaviour how each commit answers.
	versions  map[string][]versionFrom
	behaviour map[string]cloudwatch.Behaviour
	traffic   cloudwatch.WeightedTraffic

	started    bool // the canary has taken traffic since its version was deployed
	finishing  bool // promoted: the stable service is being rolled to the canary's version
	inFlight   bool // a commit is on its way to the canary service
	lastCommit time.Time
}

type versionFrom struct {
	at  time.Time
	sha string
}

var searchSubjects = []string{
	"Boost exact title matches above synonyms",
	"Paginate facets past the first 50 values",
	"Trim the query before the spell check",
	"Cache the popular queries for a minute",
	"Log the index shard with slow queries",
}

var basketSubjects = []string{
	"Merge guest baskets on sign-in",
	"Recalculate the basket after a price change",
	"Keep saved-for-later items for 90 days",
	"Show the stock warning beside the quantity",
	"Batch the basket writes per request",
}

// seedCanaries builds search and basket at the pre-roll and schedules
// their stories; the loop is held.
func (w *World) seedCanaries(t0 time.Time) {
	for _, spec := range []struct {
		name     string
		bad      bool
		subjects []string
		stream   uint64
		port     int
	}{{"search", false, searchSubjects, 0xca11, 8081}, {"basket", true, basketSubjects, 0xca12, 8082}} {
		r := rand.New(rand.NewPCG(uint64(w.seed), spec.stream))
		w.loop.With(r, func() { w.seedCanary(t0, r, spec.name, spec.bad, spec.subjects, spec.port) })
	}
	w.cloudwatch.SetTraffic(cloudwatch.TrafficFunc(w.canaryTraffic))
}

func (w *World) seedCanary(t0 time.Time, r *rand.Rand, name string, bad bool, subjects []string, port int) {
	staging := &catalogueEnv{name: "staging", cluster: clusterStaging, region: regionStaging, desired: 2, keepActive: 6, firstRevision: 1 + r.IntN(40)}
	prod := &catalogueEnv{name: "production", cluster: clusterProduction, region: regionProduction, desired: 3, protected: true, keepActive: 8, firstRevision: 1 + r.IntN(40)}
	cs := &catalogueService{name: name, port: port, cpu: 512, labelled: true, ci: ciCircleCI, envs: []*catalogueEnv{staging, prod}, subjects: subjects}
	w.ci.AddRepo(name, "acme/"+name, []ci.Env{{Name: "staging"}, {Name: "production", Protected: true}}, nil).Rand = r
	w.prNumber[name] = 100 + r.IntN(900)
	cn := &canaryService{cs: cs, rng: r, bad: bad, stableSvc: name, canarySvc: name + "-canary",
		versions: map[string][]versionFrom{}, behaviour: map[string]cloudwatch.Behaviour{}}
	w.canaryServices = append(w.canaryServices, cn)

	lb := w.elbv2.AddLoadBalancer(name+"-prod", regionProduction)
	cn.stableTG = w.elbv2.AddTargetGroup(name+"-stable", regionProduction, port)
	cn.canaryTG = w.elbv2.AddTargetGroup(name+"-canary", regionProduction, port)
	cn.listener = w.elbv2.AddListener(lb, 443, []elbv2.Weight{{TargetGroup: cn.stableTG, Weight: 100}, {TargetGroup: cn.canaryTG, Weight: 0}})
	w.cloudwatch.Publish(lb, cn.stableTG)
	w.cloudwatch.Publish(lb, cn.canaryTG)
	cn.traffic = cloudwatch.WeightedTraffic{Seed: r.Uint64(), PerMinute: cnPerMinute,
		Weight:  func(tg string, m time.Time) float64 { return w.elbv2.Share(cn.listener, tg, m, m.Add(time.Minute)) },
		Version: cn.versionAt, Behaviour: cn.behaviour}

	// Releases from before, each on staging and production; both sides
	// run the newest: no canary in force.
	var stagingTD, prodTD, sha string
	for range cnReleases {
		sha = w.canaryCommit(cn).SHA
		stagingTD = w.registerForCommit(cs, staging, sha)
		prodTD = w.registerForCommit(cs, prod, sha)
	}
	cn.canaryTD = prodTD
	cn.noteVersion(cn.stableTG, sha, w.loop.Now())
	cn.noteVersion(cn.canaryTG, sha, w.loop.Now())
	w.ecs.CreateService(ecs.ServiceSpec{Cluster: clusterStaging, Name: name, TaskDef: stagingTD, Desired: staging.desired,
		BreakerThreshold: demoBreakerThreshold, Tags: envTags(cs, staging)})
	for _, side := range []struct{ svc, tg, role string }{{cn.stableSvc, cn.stableTG, "stable"}, {cn.canarySvc, cn.canaryTG, "canary"}} {
		w.ecs.CreateService(ecs.ServiceSpec{Cluster: clusterProduction, Name: side.svc, TaskDef: prodTD, Desired: prod.desired,
			BreakerThreshold: demoBreakerThreshold, Tags: append(envTags(cs, prod), ecs.Tag{Key: "role", Value: side.role}),
			LoadBalancers: []ecs.LoadBalancer{{TargetGroupArn: side.tg, ContainerName: name, ContainerPort: port}}})
	}
	// Live: the first commit lands a minute or so in; the watcher keeps
	// the story going from there.
	w.loop.At(t0.Add(w.loop.Pace(time.Duration(60+r.IntN(40))*time.Second)), func() { w.canaryRelease(cn) })
	w.loop.At(t0.Add(w.loop.Pace(cnWatchEvery)), func() { w.watchCanary(cn) })
}

// canaryPlan is a canary service's pipeline: quick, tests that pass, and
// a colleague who approves production within a minute.
func canaryPlan() ci.Plan {
	s := time.Second
	return ci.Plan{
		Durations:  map[string]time.Duration{"build": 20 * s, "test": 30 * s, "deploy-staging": 3 * s, "deploy-production": 3 * s},
		NoTestFail: true, ApproveAfter: 45 * s,
	}
}

// canaryRelease lands the service's next commit and builds it.
func (w *World) canaryRelease(cn *canaryService) {
	cn.inFlight, cn.lastCommit = true, w.loop.Now()
	w.ci.Start(cn.cs.name, w.canaryCommit(cn), canaryPlan())
}

func (w *World) canaryCommit(cn *canaryService) *ci.Commit {
	r, name := cn.rng, cn.cs.name
	w.prNumber[name] += 1 + r.IntN(3)
	return w.ci.AddCommit(name, ci.Commit{
		SHA:     ids.Hex(r, 40),
		Subject: fmt.Sprintf("%s (#%d)", cn.cs.subjects[r.IntN(len(cn.cs.subjects))], w.prNumber[name]),
		Author:  team[r.IntN(len(team))],
		Time:    w.loop.Now(),
	})
}

// watchCanary is the team around the canary, every 20 seconds: it rolls
// a promoted canary into the stable side, and lands the next commit once
// the canary is aborted or idle.
func (w *World) watchCanary(cn *canaryService) {
	weight := w.canaryWeight(cn)
	now := w.loop.Now()
	switch {
	case weight >= 100 && !cn.finishing:
		w.finishCanary(cn)
	case weight > 0:
		cn.started = true
	case cn.finishing:
	case cn.inFlight && now.Sub(cn.lastCommit) < w.loop.Pace(cnStalled):
	case (cn.started || cn.idle()) && now.Sub(cn.lastCommit) >= w.loop.Pace(cnCommitQuiet):
		w.canaryRelease(cn)
	}
	w.loop.After(w.loop.Pace(cnWatchEvery), func() { w.watchCanary(cn) })
}

// canaryWeight is the canary target group's share of the listener now, in percent.
func (w *World) canaryWeight(cn *canaryService) int {
	ws := w.elbv2.Weights(cn.listener)
	total := ws[cn.stableTG] + ws[cn.canaryTG]
	if total == 0 {
		return 0
	}
	return 100 * ws[cn.canaryTG] / total
}

// idle: both sides run the same commit.
func (cn *canaryService) idle() bool {
	return cn.versionAt(cn.stableTG, time.Time{}) == cn.versionAt(cn.canaryTG, time.Time{})
}

// finishCanary rolls the stable service to the promoted canary's version,
// then sends it all the traffic again: the canary side is free for the
// next one.
func (w *World) finishCanary(cn *canaryService) {
	cn.finishing = true
	sha := cn.versionAt(cn.canaryTG, time.Time{})
	done := func() {
		cn.noteVersion(cn.stableTG, sha, w.loop.Now())
		w.elbv2.SetWeights(cn.listener, map[string]int{cn.stableTG: 100, cn.canaryTG: 0})
		cn.finishing, cn.started = false, false
	}
	dep := w.ecs.Deploy(clusterProduction, cn.stableSvc, cn.canaryTD)
	if dep == "" {
		done()
		return
	}
	w.ecs.OnDone(dep, func(o ecs.Outcome) {
		if o == ecs.Succeeded {
			done()
			return
		}
		cn.finishing = false // the watcher tries again
	})
}

// deployCanary is a deploy job of a canary service: staging as any ECS
// service; production to the canary service, which takes no traffic
// until the release manager starts it.
func (w *World) deployCanary(cn *canaryService, envName, sha string) (string, string, bool) {
	env := cn.cs.env(envName)
	if env == nil {
		return "", "", false
	}
	svc := cn.cs.name
	if envName == "production" {
		svc = cn.canarySvc
	}
	if !w.ecs.ServiceActive(env.cluster, svc) {
		return "", "", false
	}
	td := w.registerForCommit(cn.cs, env, sha)
	if envName == "production" {
		cn.canaryTD, cn.inFlight, cn.started = td, false, false
		cn.noteVersion(cn.canaryTG, sha, w.loop.Now())
		if cn.bad {
			cn.behaviour[sha] = cloudwatch.Behaviour{ErrorRate: 0.01, P99: 0.25}.ErrorsDrifting(0.003, w.loop.Now())
		}
	}
	return td, w.ecs.Deploy(env.cluster, svc, td), true
}

func (cn *canaryService) noteVersion(tg, sha string, at time.Time) {
	cn.versions[tg] = append(cn.versions[tg], versionFrom{at: at, sha: sha})
}

// versionAt is the commit behind the target group in the minute starting
// at m (zero m: now); before the first record, the first.
func (cn *canaryService) versionAt(tg string, m time.Time) string {
	vs := cn.versions[tg]
	if len(vs) == 0 {
		return ""
	}
	if m.IsZero() {
		return vs[len(vs)-1].sha
	}
	mid := m.Add(30 * time.Second)
	out := vs[0].sha
	for _, v := range vs {
		if v.at.After(mid) {
			break
		}
		out = v.sha
	}
	return out
}

// canaryTraffic is CloudWatch's source: each canary listener's groups.
func (w *World) canaryTraffic(tg string, m time.Time) (float64, float64, float64, bool) {
	for _, cn := range w.canaryServices {
		if tg == cn.stableTG || tg == cn.canaryTG {
			return cn.traffic.Traffic(tg, m)
		}
	}
	return w.nativeTraffic(tg, m)
}

func (w *World) canaryService(name string) *canaryService {
	for _, cn := range w.canaryServices {
		if cn.cs.name == name {
			return cn
		}
	}
	return nil
}

// Canary names a demo service's canary listener and its stable and canary
// target groups, for tests; ok is false for a service without one.
func (w *World) Canary(service string) (listener, stable, canary string, ok bool) {
	w.loop.Lock()
	defer w.loop.Unlock()
	cn := w.canaryService(service)
	if cn == nil {
		return "", "", "", false
	}
	return cn.listener, cn.stableTG, cn.canaryTG, true
}

// configService is the service as the config names it: production is the
// stable service with the canary block.
func (cn *canaryService) configService(repo string) configService {
	s := configService{name: cn.cs.name, repo: repo, ci: cn.cs.ci, branch: "main"}
	for _, e := range cn.cs.envs {
		ce := configEnv{name: e.name, cluster: e.cluster, region: e.region, container: cn.cs.name, protected: e.protected}
		if e.name == "production" {
			ce.canary = &configCanary{listener: cn.listener, stable: cn.stableTG, canary: cn.canaryTG, steps: CanarySteps}
		}
		s.envs = append(s.envs, ce)
	}
	return s
}
