package team

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingUpstream counts the fetches that reach it (the source's API).
type countingUpstream struct{ n atomic.Int32 }

func (c *countingUpstream) Kind() string { return "github" }
func (c *countingUpstream) whole() bool  { return true }
func (c *countingUpstream) fetch(context.Context, []string) (map[string]entry, error) {
	c.n.Add(1)
	return map[string]entry{"api": {}}, nil
}

// fakeClock is a clock the test moves, and the timers it holds.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	timers []func()
	delays []time.Duration
}

func (f *fakeClock) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) after(d time.Duration, fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timers, f.delays = append(f.timers, fn), append(f.delays, d)
}
func (f *fakeClock) advance(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

// TestWebhookBurstPollsOncePerGap: a burst of verified webhook events
// makes one fetch at once and one trailing fetch when the gap (2 s here)
// has passed, however many events came meanwhile, not one per event.
func TestWebhookBurstPollsOncePerGap(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)}
	s := &Shared{ctx: context.Background(), timeout: time.Second, minGap: time.Second, now: clock.now, afterFunc: clock.after}
	up := &countingUpstream{}
	sh := newSharedSource(s, up, []string{"api"})
	s.ci = []*sharedSource{sh}
	settle := func() {
		sh.mu.Lock()
		c := sh.flight["api"]
		sh.mu.Unlock()
		if c != nil {
			<-c.done
		}
	}

	s.PollKind("github")
	settle()
	for i := 0; i < 10; i++ {
		clock.advance(100 * time.Millisecond)
		if n := s.PollKind("github"); n != 1 {
			t.Fatalf("PollKind asked %d sources, want 1", n)
		}
		settle()
	}
	if got := up.n.Load(); got != 1 {
		t.Fatalf("a burst of 11 events within 2 s made %d fetches so far, want 1 (the rest wait for the gap)", got)
	}
	clock.mu.Lock()
	timers, delays := clock.timers, clock.delays
	clock.mu.Unlock()
	if len(timers) != 1 || delays[0] != 1900*time.Millisecond {
		t.Fatalf("want one trailing poll 2 s after the first fetch (1.9 s after the second event), got %d %v", len(timers), delays)
	}
	clock.advance(time.Second)
	timers[0]()
	settle()
	if got := up.n.Load(); got != 2 {
		t.Fatalf("after the gap, %d fetches, want 2 (one trailing for the burst)", got)
	}
	// The gap runs from the trailing poll: another event right away waits.
	s.PollKind("github")
	settle()
	if got := up.n.Load(); got != 2 {
		t.Errorf("an event just after the trailing poll fetched at once (%d fetches)", got)
	}
	clock.advance(3 * time.Second)
	clock.mu.Lock()
	pending := len(clock.timers)
	clock.mu.Unlock()
	if pending != 2 {
		t.Fatalf("want a second trailing poll scheduled, got %d timers", pending)
	}
}
