// Package sim owns flightdeck's simulated release world: services with
// environments on ECS clusters, commits and pipelines that run job by job,
// deploys that roll task by task and trip a circuit breaker, all driven by a
// seeded random source and an injectable clock. It serves the real wire
// protocols (ECS awsJson1_1, CircleCI API v2 and the GitHub REST subset of
// GitHub Actions, commits and compares today; Elastic Beanstalk's reads;
// ELBv2's listeners, weights and target health; CloudWatch routed and
// stubbed) on one http.Handler, with faults on
// demand, so the real clients are the judge of every answer; the CircleCI
// and GitHub traffic can also be held to their OpenAPI specs (package
// sim/specs, for tests, through SetTrafficCheck).
//
// The world only moves in Step: every change is an event on a time-ordered
// queue, so the same seed and the same Step times (and the same requests)
// give the same world, whatever the step granularity.
package sim

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/airside-dev/flightdeck/sim/beanstalk"
	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/circleci"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
	"github.com/airside-dev/flightdeck/sim/ecs"
	"github.com/airside-dev/flightdeck/sim/elbv2"
	"github.com/airside-dev/flightdeck/sim/github"
	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

// Clock tells the world what time it is. Tests pass a fake one.
type Clock interface{ Now() time.Time }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Options configure a World.
type Options struct {
	Seed     int64   // same seed + same Step times => same world
	Speed    float64 // >1 makes every scenario duration shorter (1 = real-time demo pace); <=0 means 1
	Clock    Clock   // nil = wall clock
	Scenario string  // "demo" (default when "") or "empty" (no services; tests seed via the SDK)
}

// Scenario names accepted in Options.Scenario.
const (
	ScenarioDemo  = "demo"
	ScenarioEmpty = "empty"
)

// World is the simulated release world assembled: the scenario, and each
// simulated service a part in its own package (sim/ecs; sim/ci with the
// CircleCI and GitHub protocols over it, sim/circleci and sim/github; the
// AWS services to come). All its methods are safe for concurrent use; the HTTP handlers and Step
// share the loop's one lock.
type World struct {
	clock    Clock
	seed     int64
	scenario string

	// loop is the world's time, event queue, random source and lock: it
	// guards the world state below; faults and reqs lock themselves.
	loop *loop.Loop

	account string    // the AWS account of every ARN and image
	ecs     *ecs.Part // the ECS service: clusters, services, task definitions, deployments

	beanstalk *beanstalk.Part // Elastic Beanstalk: the demo's shop service

	elbv2      *elbv2.Part      // ELBv2: the demo's checkout listener and its target groups
	cloudwatch *cloudwatch.Part // CloudWatch: the ALB metrics of the demo's canary listeners

	ci     *ci.Part       // the CI: repositories, commits, pipelines and the job engine
	circle *circleci.Part // CircleCI's API over it
	github *github.Part   // GitHub's, with the workflow files and the rate limits

	catalogue      []*catalogueService // demo services and their environments
	ebServices     []*ebService        // the demo's services on Elastic Beanstalk
	bgServices     []*bgService        // the demo's blue/green services on a listener
	native         []*catalogueService // the demo's ECS services on a native strategy (scenario_native.go)
	canaryServices []*canaryService    // the demo's canaries on a listener
	nativeLBs      []nativeLB          // orders's load balancers and traffic (scenario_native.go)
	tempo          tempo
	prNumber       map[string]int  // each service's last pull request number
	bad            map[string]bool // commits (by SHA) whose images crash on start

	faults faultState
	reqs   requestLog
	check  atomic.Pointer[TrafficCheck] // non-nil while a test checks the traffic (SetTrafficCheck)
}

// New builds a world at the clock's current time. The demo scenario seeds
// its history and runs a short pre-roll, so that something is already
// moving when the first request arrives.
func New(o Options) *World {
	if o.Speed <= 0 {
		o.Speed = 1
	}
	if o.Clock == nil {
		o.Clock = wallClock{}
	}
	if o.Scenario == "" {
		o.Scenario = ScenarioDemo
	}
	now := o.Clock.Now().Round(0).UTC()
	w := &World{
		clock:    o.Clock,
		seed:     o.Seed,
		scenario: o.Scenario,
		loop:     loop.New(o.Seed, o.Speed, now),
		account:  "123456789012",
		prNumber: map[string]int{},
		bad:      map[string]bool{},
	}
	w.faults.init(o.Seed)
	w.reqs.init(o.Seed)
	w.ecs = ecs.New(w.loop, w.account, w.reqs.noteUnknown)
	w.ci = ci.New(w.loop, deployGlue{w}, team)
	w.circle = circleci.New(w.loop, w.ci, apiUser)
	w.github = github.New(w.loop, w.ci, apiUser, team[0]) // the engineering lead reviews production too
	w.beanstalk, w.elbv2, w.cloudwatch = beanstalk.New(w.loop, w.account, ecs.DefaultRegion), elbv2.New(w.loop, w.account), cloudwatch.New(w.loop)
	w.elbv2.SetTargets(elbTargets{w})
	if o.Scenario == ScenarioDemo {
		w.loop.Lock()
		w.seedDemo(now)
		w.loop.Unlock()
	}
	return w
}

// Step advances the world to now, running every scheduled event up to it in
// time order. Times before the world's current time are ignored.
func (w *World) Step(now time.Time) {
	now = now.Round(0).UTC()
	w.loop.Lock()
	defer w.loop.Unlock()
	w.loop.Advance(now)
}

// Run steps the world to the clock's time about four times a second until
// ctx is done.
func (w *World) Run(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	w.Step(w.clock.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.Step(w.clock.Now())
		}
	}
}

// Now is the world's current time: the last Step, or the time of the event
// being processed.
func (w *World) Now() time.Time {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.loop.Now()
}

// MarkImageBad makes every task of a task definition using image fail to
// start, as a broken build would. Images tagged "bad" or "bad-…" fail too,
// so SDK-only tests can trip the circuit breaker without this call.
func (w *World) MarkImageBad(image string) {
	w.loop.Lock()
	defer w.loop.Unlock()
	w.ecs.MarkImageBad(image)
}

// SetBreakerThreshold sets the circuit-breaker failure threshold for
// deployments whose configuration names none (default 3; real ECS uses
// at least 10, which is too slow for a demo).
func (w *World) SetBreakerThreshold(n int) {
	w.loop.Lock()
	defer w.loop.Unlock()
	w.ecs.SetBreakerThreshold(n)
}
