package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/ecs"
	"github.com/airside-dev/flightdeck/sim/elbv2"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The demo's blue/green service on a listener: checkout, on ECS, with a
// plain staging service and production as two ECS services
// (checkout-blue, checkout-green), each registered in its own target group
// behind one ALB listener whose forward weights say which is live. It is
// deployed standby first: the pipeline's deploy-production updates the
// colour at weight 0, and the release manager switches the listener.
//
// Everything it does draws from a random source of its own (loop.With),
// so the other services are exactly as they were before it came.

const (
	bgCheckout     = "checkout"
	bgBlue         = "checkout-blue"
	bgGreen        = "checkout-green"
	bgLoadBalancer = "checkout-prod"
	bgReleases     = 5
)

// bgService is a service whose production is a blue/green pair on a
// listener, as the config names it.
type bgService struct {
	cs              *catalogueService // its staging and production task definitions
	rng             *rand.Rand
	listener        string
	blueTG, greenTG string
}

var checkoutSubjects = []string{
	"Split the payment step into its own page",
	"Retry the tax quote once on a timeout",
	"Show the delivery slot picker on mobile",
	"Fix the promo code field losing focus",
	"Log the basket id with every checkout error",
	"Validate postcodes before the address lookup",
	"Cache shipping rates per basket for 5 minutes",
}

// seedBlueGreen builds checkout at the pre-roll (its tasks come up before
// t0) and schedules its live commits; the loop is held.
func (w *World) seedBlueGreen(t0 time.Time) {
	r := rand.New(rand.NewPCG(uint64(w.seed), 0xb1ee))
	w.loop.With(r, func() { w.seedCheckout(t0, r) })
}

func (w *World) seedCheckout(t0 time.Time, r *rand.Rand) {
	staging := &catalogueEnv{name: "staging", cluster: clusterStaging, region: regionStaging, desired: 2, keepActive: 6, firstRevision: 1 + r.IntN(40)}
	prod := &catalogueEnv{name: "production", cluster: clusterProduction, region: regionProduction, desired: 3, protected: true, keepActive: 8, firstRevision: 1 + r.IntN(40)}
	cs := &catalogueService{name: bgCheckout, port: 8080, cpu: 512, labelled: true, ci: ciCircleCI, envs: []*catalogueEnv{staging, prod}, subjects: checkoutSubjects}
	w.ci.AddRepo(bgCheckout, "acme/"+bgCheckout, []ci.Env{{Name: "staging"}, {Name: "production", Protected: true}}, nil).Rand = r
	w.prNumber[bgCheckout] = 100 + r.IntN(900)
	bg := &bgService{cs: cs, rng: r}
	w.bgServices = []*bgService{bg}

	lb := w.elbv2.AddLoadBalancer(bgLoadBalancer, regionProduction)
	bg.blueTG = w.elbv2.AddTargetGroup(bgBlue, regionProduction, cs.port)
	bg.greenTG = w.elbv2.AddTargetGroup(bgGreen, regionProduction, cs.port)
	bg.listener = w.elbv2.AddListener(lb, 443, []elbv2.Weight{{TargetGroup: bg.blueTG, Weight: 100}, {TargetGroup: bg.greenTG, Weight: 0}})

	// Releases from before: each on staging, then production's standby;
	// the live side (blue) runs the one before the newest, the standby
	// (green) the newest, deployed and waiting for the switch.
	var shas []string
	for range bgReleases {
		shas = append(shas, w.checkoutCommit(bg).SHA)
	}
	var stagingTD, blueTD, greenTD string
	for i, sha := range shas {
		stagingTD = w.registerForCommit(cs, staging, sha)
		td := w.registerForCommit(cs, prod, sha)
		switch i {
		case len(shas) - 2:
			blueTD = td
		case len(shas) - 1:
			greenTD = td
		}
	}
	tags := func(colour string) []ecs.Tag {
		return append(envTags(cs, prod), ecs.Tag{Key: "colour", Value: colour})
	}
	w.ecs.CreateService(ecs.ServiceSpec{Cluster: clusterStaging, Name: bgCheckout, TaskDef: stagingTD, Desired: staging.desired,
		BreakerThreshold: demoBreakerThreshold, Tags: envTags(cs, staging)})
	for _, side := range []struct{ name, td, tg, colour string }{{bgBlue, blueTD, bg.blueTG, "blue"}, {bgGreen, greenTD, bg.greenTG, "green"}} {
		w.ecs.CreateService(ecs.ServiceSpec{Cluster: clusterProduction, Name: side.name, TaskDef: side.td, Desired: prod.desired,
			BreakerThreshold: demoBreakerThreshold, Tags: tags(side.colour),
			LoadBalancers: []ecs.LoadBalancer{{TargetGroupArn: side.tg, ContainerName: bgCheckout, ContainerPort: cs.port}}})
	}

	// Live: a commit lands about a minute and a half in, reaches staging,
	// waits at hold-production until a colleague approves it, and is
	// deployed to the standby; from then on the team commits every few
	// minutes.
	s := time.Second
	plan := ci.Plan{
		Durations:  map[string]time.Duration{"build": 25 * s, "test": 40 * s, "deploy-staging": 3 * s, "deploy-production": 3 * s},
		NoTestFail: true, ApproveAfter: 120 * s,
	}
	w.loop.At(t0.Add(w.loop.Pace(90*s)), func() { w.ci.Start(bgCheckout, w.checkoutCommit(bg), plan) })
	w.loop.At(t0.Add(w.loop.Pace(10*time.Minute)), func() { w.checkoutCommits(bg) })
}

// checkoutCommits lands checkout's next commit and builds it, then the
// next, at the live tempo.
func (w *World) checkoutCommits(bg *bgService) {
	w.ci.Start(bgCheckout, w.checkoutCommit(bg), ci.Plan{})
	lo, hi := w.tempo.commitEvery[0], w.tempo.commitEvery[1]
	w.loop.After(w.loop.Pace(lo+time.Duration(bg.rng.Int64N(int64(hi-lo)+1))), func() { w.checkoutCommits(bg) })
}

func (w *World) checkoutCommit(bg *bgService) *ci.Commit {
	r := bg.rng
	w.prNumber[bgCheckout] += 1 + r.IntN(3)
	return w.ci.AddCommit(bgCheckout, ci.Commit{
		SHA:     ids.Hex(r, 40),
		Subject: fmt.Sprintf("%s (#%d)", checkoutSubjects[r.IntN(len(checkoutSubjects))], w.prNumber[bgCheckout]),
		Author:  team[r.IntN(len(team))],
		Time:    w.loop.Now(),
	})
}

func (w *World) bgService(name string) *bgService {
	for _, bg := range w.bgServices {
		if bg.cs.name == name {
			return bg
		}
	}
	return nil
}

// standby is the production colour the listener sends no traffic to
// (green when the weights tie).
func (bg *bgService) standby(weights map[string]int) (service, tg string) {
	if weights[bg.blueTG] < weights[bg.greenTG] {
		return bgBlue, bg.blueTG
	}
	return bgGreen, bg.greenTG
}

// deployBlueGreen is a deploy job of checkout: staging as any ECS
// service; production to the standby colour, never the live one.
func (w *World) deployBlueGreen(bg *bgService, envName, sha string) (string, string, bool) {
	env := bg.cs.env(envName)
	if env == nil {
		return "", "", false
	}
	name := bg.cs.name
	if envName == "production" {
		name, _ = bg.standby(w.elbv2.Weights(bg.listener))
	}
	if !w.ecs.ServiceActive(env.cluster, name) {
		return "", "", false
	}
	td := w.registerForCommit(bg.cs, env, sha)
	return td, w.ecs.Deploy(env.cluster, name, td), true
}

// BlueGreen names a demo service's listener and its blue and green target
// groups, for tests; ok is false for a service not on a listener pair.
func (w *World) BlueGreen(service string) (listener, blue, green string, ok bool) {
	w.loop.Lock()
	defer w.loop.Unlock()
	bg := w.bgService(service)
	if bg == nil {
		return "", "", "", false
	}
	return bg.listener, bg.blueTG, bg.greenTG, true
}

// elbTargets is the glue that shows ELBv2 the ECS tasks behind each
// target group (the services' loadBalancers), read-only.
type elbTargets struct{ w *World }

func (g elbTargets) Tasks(tg string) ([]elbv2.Task, bool) {
	tasks, ok := g.w.ecs.TasksIn(tg)
	out := make([]elbv2.Task, len(tasks))
	for i, t := range tasks {
		out[i] = elbv2.Task{ID: t.ID, Running: t.Running}
	}
	return out, ok
}

// configService is checkout as the config names it: production is the
// blue colour's service with the listener pair.
func (bg *bgService) configService(repo string) configService {
	s := configService{name: bg.cs.name, repo: repo, ci: bg.cs.ci, branch: "main"}
	for _, e := range bg.cs.envs {
		ce := configEnv{name: e.name, cluster: e.cluster, region: e.region, container: bg.cs.name, protected: e.protected}
		if e.name == "production" {
			ce.service = bgBlue
			ce.bg = &configBG{listener: bg.listener, blue: bg.blueTG, green: bg.greenTG}
		}
		s.envs = append(s.envs, ce)
	}
	return s
}
