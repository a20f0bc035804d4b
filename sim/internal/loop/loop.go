// Package loop is the simulated world's heart, shared by every part of it
// (ECS, CircleCI, GitHub, and the AWS services to come): one time, one
// queue of events in time order, one seeded random source, and the one
// lock under which all of them, and every part's state, change.
//
// Why one lock and not one per part: the parts call each other inside a
// single event (a deploy job updates an ECS service, whose finished
// deployment ends the job) and draw on one random source, so the same
// seed and the same Step times give the same world only if events run one
// at a time, in order. Each part keeps its own state in its own package;
// the loop is what they share.
//
// Methods other than Lock, Unlock and Speed expect the lock held: the HTTP
// handlers take it around their work, and events run with it held.
package loop

import (
	"container/heap"
	"math/rand/v2"
	"sync"
	"time"
)

// Loop is the world's clock, event queue and random source.
type Loop struct {
	mu    sync.Mutex
	speed float64
	now   time.Time
	rng   *rand.Rand
	queue eventQueue
	seq   uint64
}

// New starts a loop at now; speed > 1 makes every paced duration shorter
// (<= 0 means 1).
func New(seed int64, speed float64, now time.Time) *Loop {
	if speed <= 0 {
		speed = 1
	}
	return &Loop{speed: speed, now: now, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed_f11e_deca))}
}

// Lock takes the world's lock.
func (l *Loop) Lock() { l.mu.Lock() }

// Unlock releases it.
func (l *Loop) Unlock() { l.mu.Unlock() }

// Now is the world's current time: the last Advance, or the time of the
// event being processed.
func (l *Loop) Now() time.Time { return l.now }

// SetNow moves the world's time without running events, as a scenario
// does to lay down its history before the present.
func (l *Loop) SetNow(t time.Time) { l.now = t }

// Speed is the speed the loop was made with; it never changes, so it may
// be read without the lock.
func (l *Loop) Speed() float64 { return l.speed }

// Advance runs the event queue up to now, in time order (and in the order
// they were scheduled, at one time). Times before the current one only run
// what is due.
func (l *Loop) Advance(now time.Time) {
	for len(l.queue) > 0 && !l.queue[0].at.After(now) {
		ev := heap.Pop(&l.queue).(*event)
		if ev.at.After(l.now) {
			l.now = ev.at
		}
		l.With(ev.rng, ev.fn)
	}
	if now.After(l.now) {
		l.now = now
	}
}

// After schedules fn d after the current time.
func (l *Loop) After(d time.Duration, fn func()) { l.At(l.now.Add(d), fn) }

// At schedules fn at t.
func (l *Loop) At(t time.Time, fn func()) {
	l.seq++
	heap.Push(&l.queue, &event{at: t, seq: l.seq, fn: fn, rng: l.rng})
}

// With runs fn drawing from r instead of the world's random source, and
// so does every event fn schedules, and theirs in turn: a part of the
// scenario added later (the demo's blue/green service) draws from its own
// source, and the rest of the world stays exactly as it was.
func (l *Loop) With(r *rand.Rand, fn func()) {
	prev := l.rng
	l.rng = r
	defer func() { l.rng = prev }()
	fn()
}

// --- pace and randomness ---

// Rand is the world's random source.
func (l *Loop) Rand() *rand.Rand { return l.rng }

// Pace scales a scenario duration by the world's speed.
func (l *Loop) Pace(d time.Duration) time.Duration {
	return time.Duration(float64(d) / l.speed)
}

// Between is a paced random duration in [lo, hi].
func (l *Loop) Between(lo, hi time.Duration) time.Duration {
	return l.Pace(l.Span(lo, hi))
}

// Span is an unpaced random duration in [lo, hi].
func (l *Loop) Span(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(l.rng.Int64N(int64(hi-lo)+1))
}

// Chance is true with probability p.
func (l *Loop) Chance(p float64) bool { return l.rng.Float64() < p }

// --- events ---

type event struct {
	at  time.Time
	seq uint64
	fn  func()
	rng *rand.Rand // the source in force when it was scheduled (With)
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
