package elbv2

import (
	"testing"
	"time"

	"flightdeck/sim/internal/loop"
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
