package model

import (
	"testing"
	"time"
)

// Deploy-side gates (an ECS PAUSE hook) live in Approvals beside CI gates:
// an environment's read replaces its own, a failed read keeps them, and a
// CI poll of the service leaves them alone.
func TestDeployGatesMerge(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	s := NewSnapshot([]ServiceSpec{{Name: "orders", Environments: []EnvSpec{{Name: "staging"}, {Name: "production"}}}})
	hook := Gate{Provider: "ecs", Gate: "pause-production", ID: "h1", Environment: "production", WaitingSince: at.Add(-time.Minute)}
	ci := Gate{Provider: "circleci", Gate: "hold-production", ID: "wf/1", WaitingSince: at.Add(-2 * time.Minute)}
	s.Merge(FetchResult{At: at, Envs: []EnvStatus{{Service: "orders", Environment: "production", State: StateDeploying, Gates: []Gate{hook}}}})
	if len(s.Approvals) != 1 || s.Approvals[0].Service != "orders" || !s.Approvals[0].DeploySide() {
		t.Fatalf("after the deploy read: %+v", s.Approvals)
	}
	s.MergeCI(CIFetchResult{At: at, Services: []CIStatus{{Service: "orders", Pipelines: []Pipeline{}, Gates: []Gate{ci}}}})
	if len(s.Approvals) != 2 || s.Approvals[0].ID != "wf/1" || s.Approvals[1].ID != "h1" {
		t.Fatalf("after the CI read, oldest first: %+v", s.Approvals)
	}
	s.Merge(FetchResult{At: at, Envs: []EnvStatus{{Service: "orders", Environment: "production", Error: "throttled"}}})
	if len(s.Approvals) != 2 {
		t.Fatalf("a failed read drops nothing: %+v", s.Approvals)
	}
	s.Merge(FetchResult{At: at, Envs: []EnvStatus{{Service: "orders", Environment: "staging", State: StateSteady}}})
	if len(s.Approvals) != 2 {
		t.Fatalf("another environment's read drops nothing: %+v", s.Approvals)
	}
	s.Merge(FetchResult{At: at, Envs: []EnvStatus{{Service: "orders", Environment: "production", State: StateDeploying}}})
	if len(s.Approvals) != 1 || s.Approvals[0].ID != "wf/1" {
		t.Fatalf("answered: %+v", s.Approvals)
	}
}
