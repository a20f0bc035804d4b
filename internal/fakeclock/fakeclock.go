// Package fakeclock is the one fake clock of flightdeck's tests: a time the
// test sets and moves by hand, safe to read from the goroutines a test
// starts (a sim's handlers, a source's fetches) while the test moves it.
// Test support only: no product package imports it.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a settable clock; its Now fits sim.Clock and every Now func.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New is a clock that reads t until moved.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t (backwards too).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock on by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}
