package elbv2

import (
	"math"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

type fakeTargets map[string][]Task

func (f fakeTargets) Tasks(tg string) ([]Task, bool) { ts, ok := f[tg]; return ts, ok }

// Target health follows the tasks: initial while a task starts, healthy
// once it runs, draining for DrainFor after it is gone, then forgotten.
func TestTargetHealthFollowsTasks(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	l := loop.New(1, 1, t0)
	pt := New(l, "123456789012")
	tasks := fakeTargets{}
	pt.SetTargets(tasks)
	lb := pt.AddLoadBalancer("web", "eu-west-1")
	tg := pt.AddTargetGroup("web-blue", "eu-west-1", 8080)
	other := pt.AddTargetGroup("web-green", "eu-west-1", 8080)
	listener := pt.AddListener(lb, 443, []Weight{{tg, 90}, {other, 10}})
	states := func() string {
		var s string
		for _, ts := range pt.Health(tg) {
			s += ts.State + " "
		}
		return s
	}
	tasks[tg] = []Task{{ID: "a", Running: true}, {ID: "b"}}
	if got := states(); got != "healthy initial " {
		t.Fatalf("starting: %q", got)
	}
	tasks[tg] = []Task{{ID: "b", Running: true}}
	l.Advance(t0.Add(time.Second))
	if got := states(); got != "draining healthy " {
		t.Fatalf("a stopped: %q", got)
	}
	l.Advance(t0.Add(DrainFor))
	if got := states(); got != "draining healthy " {
		t.Fatalf("just before drained: %q", got)
	}
	l.Advance(t0.Add(DrainFor + time.Second))
	if got := states(); got != "healthy " {
		t.Fatalf("drained: %q", got)
	}
	if w := pt.Weights(listener); w[tg] != 90 || w[other] != 10 || len(w) != 2 {
		t.Fatalf("weights %v", w)
	}
	if pt.Weights("arn:nope") != nil || pt.Health("arn:nope") != nil {
		t.Fatal("an unknown ARN has weights or targets")
	}
	ip := pt.Health(tg)[0].IP
	if ip == "" || ip != pt.Health(tg)[0].IP {
		t.Fatalf("a target's IP is not stable: %q", ip)
	}
}

// Share follows the weights' history: a minute split between two
// weightings gets each in proportion to how long it was in force, and a
// past minute keeps its share after the weights move on.
func TestShareFollowsTheHistory(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	l := loop.New(1, 1, t0)
	pt := New(l, "123456789012")
	lb := pt.AddLoadBalancer("web", "eu-west-1")
	stable := pt.AddTargetGroup("web-stable", "eu-west-1", 8080)
	canary := pt.AddTargetGroup("web-canary", "eu-west-1", 8080)
	listener := pt.AddListener(lb, 443, []Weight{{stable, 100}, {canary, 0}})
	minute := func(m int) (time.Time, time.Time) {
		return t0.Add(time.Duration(m) * time.Minute), t0.Add(time.Duration(m+1) * time.Minute)
	}
	l.Advance(t0.Add(90 * time.Second)) // half way through minute 1
	if !pt.SetWeights(listener, map[string]int{canary: 10, stable: 90}) {
		t.Fatal("SetWeights refused a known listener")
	}
	l.Advance(t0.Add(5 * time.Minute))
	pt.SetWeights(listener, map[string]int{canary: 0, stable: 100})
	cases := []struct {
		m      int
		canary float64
	}{{-10, 0}, {0, 0}, {1, 0.05}, {2, 0.1}, {4, 0.1}, {5, 0}, {9, 0}}
	for _, c := range cases {
		from, to := minute(c.m)
		if got := pt.Share(listener, canary, from, to); math.Abs(got-c.canary) > 1e-9 {
			t.Errorf("minute %d: canary share %v, want %v", c.m, got, c.canary)
		}
		if got := pt.Share(listener, stable, from, to); math.Abs(got-(1-c.canary)) > 1e-9 {
			t.Errorf("minute %d: stable share %v, want %v", c.m, got, 1-c.canary)
		}
	}
	if pt.Share("arn:nope", canary, t0, t0.Add(time.Minute)) != 0 || pt.SetWeights("arn:nope", nil) {
		t.Fatal("an unknown listener has a share")
	}
}
