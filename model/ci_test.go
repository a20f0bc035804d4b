package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func ciSpecs() []ServiceSpec {
	return []ServiceSpec{{Name: "api"}, {Name: "web"}, {Name: "worker"}}
}

func gate(service, name string, since time.Time) Gate {
	return Gate{Service: service, Provider: "circleci", Gate: name, ID: service + "-wf/" + name, WaitingSince: since}
}

func gateNames(gs []Gate) string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Service+":"+g.Gate)
	}
	return strings.Join(out, " ")
}

func TestMergeCIReplacesPipelinesAndGates(t *testing.T) {
	s := NewSnapshot(ciSpecs())
	running := Pipeline{ID: "p2", SHA: "bbbbbbb", Status: RunRunning}
	s.MergeCI(CIFetchResult{Source: "circleci", Kind: "circleci", At: t0, Covers: []string{"api", "web"}, Services: []CIStatus{
		{Service: "api", Pipelines: []Pipeline{running, {ID: "p1", SHA: "aaaaaaa", Status: RunSuccess}},
			Gates: []Gate{gate("", "hold-production", t0.Add(-time.Minute))}},
		{Service: "web", Gates: []Gate{gate("web", "hold-staging", t0.Add(-time.Hour))}},
	}})
	api, _ := s.Service("api")
	if len(api.Pipelines) != 2 || !api.CIFetchedAt.Equal(t0) || api.CIError != "" || !api.CIMoving() {
		t.Fatalf("api after merge: %+v", api)
	}
	web, _ := s.Service("web")
	if web.Pipelines == nil {
		t.Error("a service read with no pipelines must show [] in JSON, not null")
	}
	// Oldest waiting first; the gate's service filled in from its status.
	if got := gateNames(s.Approvals); got != "web:hold-staging api:hold-production" {
		t.Errorf("approvals %q", got)
	}
	if h := s.Sources[0]; h.Source != "circleci" || h.Kind != "circleci" || !h.LastOK.Equal(t0) || h.Error != "" {
		t.Errorf("health %+v", h)
	}
	if !s.Moving() {
		t.Error("a running pipeline keeps the snapshot moving")
	}

	// The next poll: api's gate passed, web's still waits.
	s.MergeCI(CIFetchResult{Source: "circleci", Kind: "circleci", At: t0.Add(time.Minute), Covers: []string{"api", "web"}, Services: []CIStatus{
		{Service: "api", Pipelines: []Pipeline{{ID: "p2", Status: RunSuccess}}},
		{Service: "web", Gates: []Gate{gate("web", "hold-staging", t0.Add(-time.Hour))}},
	}})
	if got := gateNames(s.Approvals); got != "web:hold-staging" {
		t.Errorf("approvals after the gate passed: %q", got)
	}
	if s.Moving() {
		t.Error("nothing runs any more")
	}
}

// An error keeps the last good pipelines and gates, with the error beside
// them: a failure must never read as "nothing waiting".
func TestMergeCIKeepsLastGoodOnError(t *testing.T) {
	s := NewSnapshot(ciSpecs())
	good := CIFetchResult{Source: "circleci", Kind: "circleci", At: t0, Covers: []string{"api", "web"}, Services: []CIStatus{
		{Service: "api", Pipelines: []Pipeline{{ID: "p1", Status: RunOnHold}}, Gates: []Gate{gate("api", "hold-production", t0)}},
		{Service: "web", Pipelines: []Pipeline{{ID: "w1", Status: RunSuccess}}},
	}}
	s.MergeCI(good)

	// api's project vanished (its own error); the source was throttled for
	// web, which the results do not speak for.
	s.MergeCI(CIFetchResult{Source: "circleci", Kind: "circleci", At: t0.Add(time.Minute), Covers: []string{"api", "web"},
		Err: errors.New("throttled,\nretry after 30s"), Throttled: true,
		Services: []CIStatus{{Service: "api", Error: "CircleCI: 404 Project not found"}}})
	api, _ := s.Service("api")
	web, _ := s.Service("web")
	if len(api.Pipelines) != 1 || api.CIError != "CircleCI: 404 Project not found" || !api.CIFetchedAt.Equal(t0) {
		t.Errorf("api: %+v", api)
	}
	if len(web.Pipelines) != 1 || web.CIError != "throttled, retry after 30s" {
		t.Errorf("web: %+v", web)
	}
	if got := gateNames(s.Approvals); got != "api:hold-production" {
		t.Errorf("the gate must stay while its service cannot be read: %q", got)
	}
	if h := s.Sources[0]; !h.Throttled || !h.LastOK.Equal(t0) || h.Error == "" {
		t.Errorf("health %+v", h)
	}

	s.MarkStale(t0.Add(30*time.Second), 20*time.Second)
	if !api.CIStale || !web.CIStale {
		t.Error("pipelines older than maxAge must be stale")
	}
	if w, _ := s.Service("worker"); w.CIStale {
		t.Error("never-read CI is loading, not stale")
	}

	s.MergeCI(good)
	if api.CIError != "" || web.CIError != "" || api.CIStale {
		t.Errorf("a good poll clears the errors: %+v %+v", api, web)
	}
}

// Gates from another source (GitHub Actions for worker) survive a CircleCI
// merge; unknown services are ignored.
func TestMergeCIKeepsOtherSourcesGates(t *testing.T) {
	s := NewSnapshot(ciSpecs())
	s.MergeCI(CIFetchResult{Source: "github", At: t0, Covers: []string{"worker"}, Services: []CIStatus{
		{Service: "worker", Gates: []Gate{gate("worker", "production", t0.Add(-2*time.Hour))}},
	}})
	s.MergeCI(CIFetchResult{Source: "circleci", At: t0, Covers: []string{"api", "ghost"}, Services: []CIStatus{
		{Service: "api", Gates: []Gate{gate("api", "hold", time.Time{}), gate("api", "approve", t0)}},
		{Service: "ghost", Gates: []Gate{gate("ghost", "hold", t0)}},
	}})
	// Unknown waiting times sort last.
	if got := gateNames(s.Approvals); got != "worker:production api:approve api:hold" {
		t.Errorf("approvals %q", got)
	}
	if len(s.Sources) != 2 {
		t.Errorf("sources %+v", s.Sources)
	}
}

func TestPipelineMoving(t *testing.T) {
	failing := Pipeline{Status: RunFailed, Workflows: []Workflow{{Status: RunFailed, Jobs: []Job{{Status: RunFailed}, {Status: RunRunning}}}}}
	if !failing.Moving() {
		t.Error("a failed workflow with a job still running is moving")
	}
	held := Pipeline{Status: RunOnHold, Workflows: []Workflow{{Status: RunOnHold, Jobs: []Job{{Status: RunSuccess}, {Status: RunOnHold}}}}}
	if held.Moving() {
		t.Error("a held pipeline waits for a human; it does not move by itself")
	}
}

// The JSON contract: existing names stay, new fields are additive.
func TestPipelineJSONContract(t *testing.T) {
	p := Pipeline{ID: "p", Provider: "circleci", SHA: "abc", Branch: "main", Status: RunOnHold, Number: 7,
		Workflows: []Workflow{{ID: "w", Name: "deploy", Status: RunOnHold, Jobs: []Job{
			{ID: "j", Name: "hold", Status: RunOnHold, Needs: []string{"test"}, Approval: true, Type: "approval"}}}}}
	b, _ := json.Marshal(p)
	for _, want := range []string{`"id":"p"`, `"provider":"circleci"`, `"sha":"abc"`, `"branch":"main"`, `"status":"on_hold"`,
		`"workflows":[{"id":"w","name":"deploy","status":"on_hold","jobs":[{"id":"j","name":"hold","status":"on_hold","needs":["test"],"approval":true`,
		`"number":7`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	g, _ := json.Marshal(Gate{Service: "api", Provider: "circleci", Gate: "hold", ID: "w/r", SHA: "abc", WaitingSince: t0, WorkflowID: "w"})
	if got := string(g); got != fmt.Sprintf(`{"service":"api","provider":"circleci","gate":"hold","id":"w/r","sha":"abc","waiting_since":%q,"workflow_id":"w"}`, t0.Format(time.RFC3339)) {
		t.Errorf("gate JSON %s", got)
	}
}

// A service read in part (pipelines and an error) is taken as read, the
// error beside it; the source's trouble, written on services the poll
// does not speak for, never reaches one it read; and another service's
// error leaves this one's gates alone.
func TestMergeCIReadInPart(t *testing.T) {
	s := NewSnapshot(ciSpecs())
	s.MergeCI(CIFetchResult{Source: "github", At: t0, Covers: []string{"web", "worker"}, Services: []CIStatus{
		{Service: "web", Pipelines: []Pipeline{{ID: "r1"}}, Gates: []Gate{gate("web", "production", t0)}},
		{Service: "worker", Pipelines: []Pipeline{{ID: "r2"}}, Gates: []Gate{gate("worker", "production", t0)}},
	}})
	s.MergeCI(CIFetchResult{Source: "github", At: t0.Add(time.Minute), Covers: []string{"web", "worker"},
		Err: errors.New("throttled, retry after 1m0s"), Throttled: true, Services: []CIStatus{
			{Service: "web", Error: "throttled, retry after 1m0s"},
			{Service: "worker", Pipelines: []Pipeline{{ID: "r3"}, {ID: "r2"}}, Gates: []Gate{gate("worker", "production", t0)},
				Error: "1 of 2 runs not read\nin full: 502"},
		}})
	web, _ := s.Service("web")
	worker, _ := s.Service("worker")
	if len(web.Pipelines) != 1 || web.CIError == "" || !web.CIFetchedAt.Equal(t0) {
		t.Errorf("web keeps its last good pipelines, marked: %+v", web)
	}
	if len(worker.Pipelines) != 2 || worker.CIError != "1 of 2 runs not read in full: 502" || !worker.CIFetchedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("worker is read, in part: %+v", worker)
	}
	if got := gateNames(s.Approvals); got != "web:production worker:production" {
		t.Errorf("approvals: %q", got)
	}
	// Read in full again, the mark goes.
	s.MergeCI(CIFetchResult{Source: "github", At: t0.Add(2 * time.Minute), Covers: []string{"worker"}, Services: []CIStatus{
		{Service: "worker", Pipelines: []Pipeline{{ID: "r3"}}},
	}})
	if worker, _ := s.Service("worker"); worker.CIError != "" {
		t.Errorf("worker: %+v", worker)
	}
}

func TestCIStatusFailing(t *testing.T) {
	err := errors.New("502")
	if st := (CIStatus{Service: "api", Pipelines: []Pipeline{}, Gates: []Gate{}}).Failing(err); st.Pipelines != nil || st.Gates != nil || st.Error != "502" || st.Service != "api" {
		t.Errorf("nothing read is not read: %+v", st)
	}
	if st := (CIStatus{Service: "api", Pipelines: []Pipeline{{ID: "p1"}}}).Failing(err); len(st.Pipelines) != 1 || st.Error != "502" {
		t.Errorf("read in part: %+v", st)
	}
}
