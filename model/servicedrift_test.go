package model

import "testing"

// ServiceDrift compares each neighbouring pair in promotion order: by the
// pipelines' lineage, or by the host's comparison when it has one.
func TestServiceDrift(t *testing.T) {
	env := func(name, sha string) EnvStatus { return EnvStatus{Environment: name, Version: Version{SHA: sha}} }
	svc := &ServiceState{Name: "api",
		Environments: []EnvStatus{env("dev", "cccc3333"), env("staging", "cccc3333"), env("production", "aaaa1111"), env("dr", "")},
		Pipelines:    []Pipeline{{SHA: "cccc3333"}, {SHA: "bbbb2222"}, {SHA: "aaaa1111"}},
	}
	got := ServiceDrift(svc, nil)
	want := []EnvDrift{
		{Upstream: "dev", Downstream: "staging", State: "in_sync", Commits: 0},
		{Upstream: "staging", Downstream: "production", State: "ahead", Commits: 2},
		{Upstream: "production", Downstream: "dr", State: "unknown", Commits: -1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pair %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// The host's count wins over the pipelines' where it answered.
	got = ServiceDrift(svc, func(base, head string) (Comparison, bool) {
		if base == "aaaa1111" && head == "cccc3333" {
			return Comparison{Status: CompareAhead, AheadBy: 5}, true
		}
		return Comparison{}, false
	})
	if got[1].State != "ahead" || got[1].Commits != 5 {
		t.Errorf("the host's compare: %+v", got[1])
	}
	if ServiceDrift(&ServiceState{Environments: []EnvStatus{env("production", "a")}}, nil) != nil {
		t.Error("one environment has no drift")
	}
}
