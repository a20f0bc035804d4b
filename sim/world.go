// Package sim owns flightdeck's simulated release world: services with
// environments on ECS clusters, commits and pipelines that run job by job,
// deploys that roll task by task and trip a circuit breaker, all driven by a
// seeded random source and an injectable clock. It serves the real wire
// protocols (ECS awsJson1_1, CircleCI API v2 and the GitHub REST subset of
// GitHub Actions, commits and compares today; Elastic Beanstalk, ELBv2 and
// CloudWatch routed and stubbed) on one http.Handler, with faults on
// demand, so the real clients are the judge of every answer; the CircleCI
// and GitHub traffic can also be held to their OpenAPI specs (package
// sim/specs, for tests, through SetTrafficCheck).
//
// The world only moves in Step: every change is an event on a time-ordered
// queue, so the same seed and the same Step times (and the same requests)
// give the same world, whatever the step granularity.
package sim

import (
	"container/heap"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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

// World is the simulated release world. All its methods are safe for
// concurrent use; the HTTP handler and Step share one lock.
type World struct {
	clock    Clock
	speed    float64
	seed     int64
	scenario string

	mu    sync.Mutex // guards the world state below; faults and reqs lock themselves
	now   time.Time
	rng   *rand.Rand
	queue eventQueue
	seq   uint64

	account   string
	clusters  map[string]*cluster
	clOrder   []string
	families  map[string]*family
	sds       map[string]*serviceDeployment // by ARN
	revisions map[string]*serviceRevision   // by ARN
	badImages map[string]bool
	threshold int // circuit-breaker failure threshold when the request sets none

	catalogue []*catalogueService // demo services and their environments
	tempo     tempo
	repos     map[string]*repo     // by service name
	pipelines map[string]*Pipeline // by ID
	workflows map[string]*Pipeline // the pipeline of each workflow, by workflow ID
	runs      map[int64]*Pipeline  // GitHub Actions pipelines, by run id
	pageSize  int                  // CI list pages; 0 means the APIs' own default
	gh        gitHubState          // GitHub ids, rate-limit budgets and what requests cost

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
		clock:     o.Clock,
		speed:     o.Speed,
		seed:      o.Seed,
		scenario:  o.Scenario,
		now:       now,
		rng:       rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed_f11e_deca)),
		account:   "123456789012",
		clusters:  map[string]*cluster{},
		families:  map[string]*family{},
		sds:       map[string]*serviceDeployment{},
		revisions: map[string]*serviceRevision{},
		badImages: map[string]bool{},
		threshold: 3,
		repos:     map[string]*repo{},
		pipelines: map[string]*Pipeline{},
		workflows: map[string]*Pipeline{},
		runs:      map[int64]*Pipeline{},
	}
	w.faults.init(o.Seed)
	w.reqs.init(o.Seed)
	if o.Scenario == ScenarioDemo {
		w.mu.Lock()
		w.seedDemo(now)
		w.mu.Unlock()
	}
	return w
}

// Step advances the world to now, running every scheduled event up to it in
// time order. Times before the world's current time are ignored.
func (w *World) Step(now time.Time) {
	now = now.Round(0).UTC()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.advance(now)
}

// advance runs the event queue up to now; w.mu must be held.
func (w *World) advance(now time.Time) {
	for len(w.queue) > 0 && !w.queue[0].at.After(now) {
		ev := heap.Pop(&w.queue).(*event)
		if ev.at.After(w.now) {
			w.now = ev.at
		}
		ev.fn()
	}
	if now.After(w.now) {
		w.now = now
	}
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
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

// MarkImageBad makes every task of a task definition using image fail to
// start, as a broken build would. Images tagged "bad" or "bad-…" fail too,
// so SDK-only tests can trip the circuit breaker without this call.
func (w *World) MarkImageBad(image string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.badImages[image] = true
}

// SetBreakerThreshold sets the circuit-breaker failure threshold for
// deployments whose configuration names none (default 3; real ECS uses
// at least 10, which is too slow for a demo).
func (w *World) SetBreakerThreshold(n int) {
	if n < 1 {
		n = 1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.threshold = n
}

// --- events ---

type event struct {
	at  time.Time
	seq uint64
	fn  func()
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at.Equal(q[j].at) {
		return q[i].seq < q[j].seq
	}
	return q[i].at.Before(q[j].at)
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	n := len(old)
	ev := old[n-1]
	old[n-1] = nil
	*q = old[:n-1]
	return ev
}

// after schedules fn d after the world's current time; w.mu must be held.
func (w *World) after(d time.Duration, fn func()) {
	w.at(w.now.Add(d), fn)
}

func (w *World) at(t time.Time, fn func()) {
	w.seq++
	heap.Push(&w.queue, &event{at: t, seq: w.seq, fn: fn})
}

// --- pace and randomness (w.mu held) ---

// pace scales a scenario duration by the world's speed.
func (w *World) pace(d time.Duration) time.Duration {
	return time.Duration(float64(d) / w.speed)
}

// between is a paced random duration in [lo, hi].
func (w *World) between(lo, hi time.Duration) time.Duration {
	return w.pace(w.span(lo, hi))
}

// span is an unpaced random duration in [lo, hi].
func (w *World) span(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(w.rng.Int64N(int64(hi-lo)+1))
}

func (w *World) chance(p float64) bool { return w.rng.Float64() < p }

const hexDigits = "0123456789abcdef"

func randHex(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[r.IntN(16)]
	}
	return string(b)
}

func randDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

func randUUID(r *rand.Rand) string {
	h := []byte(randHex(r, 32))
	h[12] = '4'
	h[16] = "89ab"[r.IntN(4)]
	s := string(h)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// nameUUID is a UUID (version 5 layout) derived from its parts, for ids
// that must be stable without drawing on the world's random source: a
// person's user id, an approval request's id.
func nameUUID(parts ...string) string {
	sum := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randID(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[r.IntN(len(idAlphabet))]
	}
	return string(b)
}
