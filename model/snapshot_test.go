package model

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func specs() []ServiceSpec {
	return []ServiceSpec{
		{Name: "api", Environments: []EnvSpec{{Name: "staging", Target: TargetECS}, {Name: "production", Target: TargetECS}}},
		{Name: "web", Environments: []EnvSpec{{Name: "staging", Target: TargetECS}}},
	}
}

func TestNewSnapshotStartsUnknown(t *testing.T) {
	s := NewSnapshot(specs())
	e, ok := s.Env(EnvKey{"api", "production"})
	if !ok || e.State != StateUnknown || !e.FetchedAt.IsZero() {
		t.Fatalf("fresh env = %+v, %v", e, ok)
	}
	if _, ok := s.Env(EnvKey{"api", "dev"}); ok {
		t.Error("unconfigured env found")
	}
}

func TestMergeKeepsLastGoodDataOnError(t *testing.T) {
	s := NewSnapshot(specs())
	keys := []EnvKey{{"api", "staging"}, {"api", "production"}}
	good := EnvStatus{Service: "api", Environment: "staging", State: StateSteady, Version: Version{SHA: "aaaaaaa"}}
	s.Merge(FetchResult{Source: "aws", Kind: "aws", At: t0, Envs: []EnvStatus{good}, Covers: keys})

	e, _ := s.Env(keys[0])
	if e.Version.SHA != "aaaaaaa" || e.FetchedAt != t0 || e.Error != "" {
		t.Fatalf("after good merge: %+v", e)
	}
	s.Merge(FetchResult{Source: "aws", Kind: "aws", At: t0.Add(time.Minute), Err: errors.New("boom"), Covers: keys})
	e, _ = s.Env(keys[0])
	if e.Version.SHA != "aaaaaaa" || e.Error != "boom" || e.FetchedAt != t0 {
		t.Fatalf("error must keep last good data and add the error: %+v", e)
	}
	p, _ := s.Env(keys[1])
	if p.Error != "boom" {
		t.Errorf("whole-source error should reach every covered env: %+v", p)
	}
	if h := s.Sources[0]; h.Error != "boom" || h.LastOK != t0 {
		t.Errorf("health should keep last OK time: %+v", h)
	}

	// A per-environment error touches only that environment.
	s.Merge(FetchResult{Source: "aws", Kind: "aws", At: t0.Add(2 * time.Minute), Covers: keys, Envs: []EnvStatus{
		good, {Service: "api", Environment: "production", Error: "cluster not found"}}})
	e, _ = s.Env(keys[0])
	if e.Error != "" || e.FetchedAt != t0.Add(2*time.Minute) {
		t.Errorf("recovered env should clear its error: %+v", e)
	}
	p, _ = s.Env(keys[1])
	if p.Error != "cluster not found" {
		t.Errorf("env error: %+v", p)
	}
}

func TestMarkStale(t *testing.T) {
	s := NewSnapshot(specs())
	k := EnvKey{"api", "staging"}
	s.Merge(FetchResult{Source: "aws", At: t0, Envs: []EnvStatus{{Service: "api", Environment: "staging", State: StateSteady}}})
	s.MarkStale(t0.Add(19*time.Second), 20*time.Second)
	if e, _ := s.Env(k); e.Stale {
		t.Error("fresh data marked stale")
	}
	s.MarkStale(t0.Add(21*time.Second), 20*time.Second)
	if e, _ := s.Env(k); !e.Stale {
		t.Error("old data not marked stale")
	}
	if e, _ := s.Env(EnvKey{"web", "staging"}); e.Stale {
		t.Error("never-fetched env should show loading, not stale")
	}
}

func TestMovingAndLineage(t *testing.T) {
	s := NewSnapshot(specs())
	if s.Moving() {
		t.Fatal("empty snapshot moving")
	}
	s.Merge(FetchResult{At: t0, Envs: []EnvStatus{{Service: "api", Environment: "staging", State: StateFailed,
		Rollouts: []Rollout{{Status: "PRIMARY", State: "IN_PROGRESS"}}}}})
	if !s.Moving() {
		t.Error("a rollback in progress should keep polling hot")
	}
	svc, _ := s.Service("api")
	svc.Pipelines = []Pipeline{{SHA: "ccccccc"}, {SHA: "ccccccc"}, {SHA: "bbbbbbb"}, {SHA: ""}, {SHA: "aaaaaaa"}}
	if got := fmt.Sprint(svc.Lineage()); got != "[ccccccc bbbbbbb aaaaaaa]" {
		t.Errorf("lineage %s", got)
	}
}

// BenchmarkMerge folds one poll of 50 environments into a 200×4 snapshot.
func BenchmarkMerge(b *testing.B) {
	var sp []ServiceSpec
	for i := range 200 {
		s := ServiceSpec{Name: fmt.Sprintf("svc-%d", i)}
		for _, e := range []string{"dev", "staging", "canary", "production"} {
			s.Environments = append(s.Environments, EnvSpec{Name: e, Target: TargetECS})
		}
		sp = append(sp, s)
	}
	snap := NewSnapshot(sp)
	var envs []EnvStatus
	var covers []EnvKey
	for i := range 50 {
		e := EnvStatus{Service: fmt.Sprintf("svc-%d", i*4), Environment: "production", State: StateSteady, Version: Version{SHA: "abcdef1"}}
		envs = append(envs, e)
		covers = append(covers, e.Key())
	}
	r := FetchResult{Source: "aws eu-west-1", Kind: "aws", At: t0, Envs: envs, Covers: covers}
	b.ReportAllocs()
	for b.Loop() {
		snap.Merge(r)
		snap.MarkStale(t0, time.Minute)
	}
}

func TestMergePartialFailure(t *testing.T) {
	s := NewSnapshot(specs())
	keys := []EnvKey{{"api", "staging"}, {"api", "production"}, {"web", "staging"}}
	throttled := errors.New("throttled")
	s.Merge(FetchResult{Source: "aws", At: t0, Covers: keys, Err: throttled, Envs: []EnvStatus{
		{Service: "api", Environment: "staging", State: StateSteady, Version: Version{SHA: "aaaaaaa"}},
		{Service: "api", Environment: "production", Error: "describe services in prod: cluster not found"},
	}})
	if e, _ := s.Env(keys[0]); e.Error != "" || e.Version.SHA != "aaaaaaa" {
		t.Errorf("env read fine should be merged despite the source error: %+v", e)
	}
	if e, _ := s.Env(keys[1]); e.Error != "describe services in prod: cluster not found" {
		t.Errorf("env's own error should win over the source error: %+v", e)
	}
	if e, _ := s.Env(keys[2]); e.Error != "throttled" {
		t.Errorf("env not spoken for gets the source error: %+v", e)
	}
}

func TestUnsupportedIsNotAnError(t *testing.T) {
	s := NewSnapshot([]ServiceSpec{{Name: "web", Environments: []EnvSpec{{Name: "prod", Target: TargetBeanstalk, Unsupported: "not read yet"}}}})
	e, _ := s.Env(EnvKey{"web", "prod"})
	if e.Error != "" || e.Unsupported != "not read yet" {
		t.Errorf("%+v", e)
	}
}
