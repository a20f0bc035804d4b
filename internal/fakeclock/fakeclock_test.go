package fakeclock

import (
	"sync"
	"testing"
	"time"
)

// TestMovesUnderReaders: Set and Advance move the time readers see, and
// readers on other goroutines are safe (run with -race).
func TestMovesUnderReaders(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	c := New(t0)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_ = c.Now()
			}
		}()
	}
	if got := c.Advance(time.Minute); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("Advance = %v", got)
	}
	c.Set(t0)
	wg.Wait()
	if !c.Now().Equal(t0) {
		t.Errorf("Now = %v after Set", c.Now())
	}
}
