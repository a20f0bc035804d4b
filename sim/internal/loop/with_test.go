package loop

import (
	"math/rand/v2"
	"testing"
	"time"
)

// With: what runs inside, and every event it schedules (and theirs),
// draws from the given source; the world's own draws are as if it had
// never run.
func TestWithKeepsTheWorldsDraws(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	draws := func(with bool) (world []uint64, own []uint64) {
		l := New(5, 1, t0)
		var tick func()
		tick = func() {
			world = append(world, l.Rand().Uint64())
			if len(world) < 5 {
				l.After(time.Second, tick)
			}
		}
		l.After(time.Second, tick)
		if with {
			r := rand.New(rand.NewPCG(1, 2))
			l.With(r, func() {
				own = append(own, l.Rand().Uint64())
				l.After(500*time.Millisecond, func() {
					own = append(own, l.Rand().Uint64())
					l.After(time.Second, func() { own = append(own, l.Rand().Uint64()) })
				})
			})
			if l.Rand() == r {
				t.Fatal("With left its source in force")
			}
		}
		l.Advance(t0.Add(10 * time.Second))
		return world, own
	}
	plain, _ := draws(false)
	mixed, own := draws(true)
	if len(plain) != 5 || len(own) != 3 {
		t.Fatalf("%d world draws, %d own", len(plain), len(own))
	}
	for i := range plain {
		if plain[i] != mixed[i] {
			t.Fatalf("the world's draw %d changed: %d vs %d", i, plain[i], mixed[i])
		}
	}
	want := rand.New(rand.NewPCG(1, 2))
	for i, v := range own {
		if w := want.Uint64(); v != w {
			t.Fatalf("own draw %d came from elsewhere", i)
		}
	}
}
