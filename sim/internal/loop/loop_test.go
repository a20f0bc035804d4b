package loop

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// TestEventsRunInTimeThenScheduleOrder: Advance runs what is due, earliest
// first and, at one time, in the order scheduled; the clock reads each
// event's time while it runs and ends at the time asked for.
func TestEventsRunInTimeThenScheduleOrder(t *testing.T) {
	l := New(1, 2, t0)
	var got []string
	note := func(s string) func() {
		return func() { got = append(got, s+"@"+l.Now().Sub(t0).String()) }
	}
	l.After(l.Pace(10*time.Second), note("b")) // 5s at speed 2
	l.At(t0.Add(5*time.Second), note("c"))
	l.At(t0.Add(time.Second), func() {
		note("a")()
		l.After(0, note("a2")) // scheduled while running: same time, after a
	})
	l.At(t0.Add(time.Minute), note("late"))
	l.Advance(t0.Add(10 * time.Second))
	if want := "[a@1s a2@1s b@5s c@5s]"; fmt.Sprint(got) != want || !l.Now().Equal(t0.Add(10*time.Second)) {
		t.Fatalf("ran %v, now %v; want %s", got, l.Now(), want)
	}
	l.Advance(t0) // the past: nothing due, the clock stays
	if !l.Now().Equal(t0.Add(10 * time.Second)) {
		t.Fatalf("went back to %v", l.Now())
	}
}

// TestSameSeedSameDraws: the random source is the seed's alone.
func TestSameSeedSameDraws(t *testing.T) {
	a, b := New(7, 0, t0), New(7, 0, t0)
	for range 20 {
		if a.Span(time.Second, time.Minute) != b.Span(time.Second, time.Minute) || a.Chance(0.5) != b.Chance(0.5) {
			t.Fatal("same seed, other draws")
		}
	}
	if a.Speed() != 1 || a.Between(time.Second, time.Second) != time.Second {
		t.Fatalf("speed %v", a.Speed())
	}
}
