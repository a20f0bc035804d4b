package commands

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/team"
)

// pollRound has every view poll every source once, all at the same time,
// as their dashboards' ticks would: deploy sources whole, CI sources by
// every service (a subset poller) or whole.
func pollRound(t *testing.T, views []*team.Views) {
	t.Helper()
	var wg sync.WaitGroup
	for _, vs := range views {
		for _, src := range vs.Deploy {
			wg.Go(func() {
				if _, err := src.Fetch(context.Background()); err != nil {
					t.Errorf("%s: %v", src.Name(), err)
				}
			})
		}
		for _, src := range vs.CI {
			wg.Go(func() {
				var err error
				if sub, ok := src.(providers.CISubsetPoller); ok {
					_, err = sub.FetchServices(context.Background(), src.Services())
				} else {
					_, err = src.Fetch(context.Background())
				}
				if err != nil {
					t.Errorf("%s: %v", src.Name(), err)
				}
			})
		}
	}
	wg.Wait()
}

func diff(after, before map[string]int) map[string]int {
	d := map[string]int{}
	for k, v := range after {
		if n := v - before[k]; n != 0 {
			d[k] = n
		}
	}
	return d
}

// TestSharedSessionsPollAsOne: twenty sessions polling together cost the
// world exactly the requests one session's poll costs, operation by
// operation (the sim counts them), and a session that has not seen a
// result (one opening, one that did not poll) is answered from memory. The world is the sim's, frozen in time,
// so each round asks the same of it; the providers are the real ones.
func TestSharedSessionsPollAsOne(t *testing.T) {
	path, world, _ := simConfig(t)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	g := &globals{now: time.Now}
	w, err := buildWorld(context.Background(), g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	// MinGap of a nanosecond: every round that asks is a new poll.
	shared := team.NewShared(w.reg, team.SharedOptions{MinGap: time.Nanosecond})
	var soloPokes atomic.Int64
	solo := shared.Views(func(any, []string) { soloPokes.Add(1) })
	defer solo.Close()
	// Warm-up: caches filled, ETags learnt, as after a dashboard's first polls.
	for range 3 {
		pollRound(t, []*team.Views{solo})
	}
	before := world.Requests()
	pollRound(t, []*team.Views{solo})
	one := diff(world.Requests(), before)
	if len(one) == 0 {
		t.Fatal("one session's poll reached no API")
	}

	sessions := make([]*team.Views, 20)
	var pokes atomic.Int64
	for i := range sessions {
		sessions[i] = shared.Views(func(any, []string) { pokes.Add(1) })
		defer sessions[i].Close()
	}
	// Sessions that open read the latest results from memory.
	before = world.Requests()
	pollRound(t, sessions)
	if d := diff(world.Requests(), before); len(d) != 0 {
		t.Errorf("twenty sessions opening should cost nothing, got %v", d)
	}
	upstream := shared.Upstream()
	before = world.Requests()
	pollRound(t, sessions)
	twenty := diff(world.Requests(), before)
	if !maps.Equal(one, twenty) {
		t.Errorf("twenty sessions polling should cost what one does:\none:    %v\ntwenty: %v", one, twenty)
	}
	sources := int64(len(solo.Deploy) + len(solo.CI))
	if got := shared.Upstream() - upstream; got != sources {
		t.Errorf("one round of twenty sessions made %d upstream fetches, want one per source (%d)", got, sources)
	}
	// The session that did not poll was told of every source's new result;
	// its next poll is answered from memory.
	if soloPokes.Load() != sources {
		t.Errorf("the idle session was poked %d times, want %d", soloPokes.Load(), sources)
	}
	before = world.Requests()
	pollRound(t, []*team.Views{solo})
	if d := diff(world.Requests(), before); len(d) != 0 {
		t.Errorf("a session reading a result it had not seen should cost nothing, got %v", d)
	}
}
