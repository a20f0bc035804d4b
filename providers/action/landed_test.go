package action

import (
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
)

func TestLanded(t *testing.T) {
	a := rollback() // 1c0ffee1 → 7d3e2a11
	env := func(state model.DeployState, sha string) model.EnvStatus {
		return model.EnvStatus{Service: "api", Environment: "production", State: state, Version: model.Version{SHA: sha}}
	}
	abort := model.Action{Kind: model.ActionAbort, Service: "api", Environment: "production", From: a.From, To: a.To}
	cases := []struct {
		name string
		a    model.Action
		e    model.EnvStatus
		done bool
		err  string // "" for none
	}{
		{"still rolling", a, env(model.StateDeploying, "7d3e2a11"), false, ""},
		{"steady on the target", a, env(model.StateSteady, "7d3e2a11"), true, ""},
		{"steady on the old one, not yet started", a, env(model.StateSteady, "1c0ffee1"), false, ""},
		{"the deploy failed", a, env(model.StateRolledBack, "1c0ffee1"), true, "did not take"},
		{"someone else's deploy", a, env(model.StateDeploying, "5eed5eed"), true, "superseded by 5eed5ee"},
		{"an abort, still moving", abort, env(model.StateDeploying, "5eed5eed"), false, ""},
		{"an abort, settled anywhere", abort, env(model.StateRolledBack, "1c0ffee1"), true, ""},
	}
	for _, c := range cases {
		l := Landed(c.a, c.e)
		if l.Done != c.done || (c.err == "") != (l.Err == nil) || (l.Err != nil && !strings.Contains(l.Err.Error(), c.err)) {
			t.Errorf("%s: %+v", c.name, l)
		}
		if (l.Superseded != nil) != strings.HasPrefix(c.err, "superseded") {
			t.Errorf("%s: superseded %v", c.name, l.Superseded)
		}
	}
}

func TestLandedGate(t *testing.T) {
	s := &stub{live: model.EnvStatus{Service: "api", Environment: "production"}}
	a := approve()
	a.Gate.WorkflowID = "wf-1"
	with := func(status model.RunStatus, waiting bool) *model.Snapshot {
		snap := seenWorld(s)
		snap.Services[0].Pipelines[0].Workflows[0].Status = status
		snap.Services[0].Pipelines[0].Workflows[0].Jobs = []model.Job{{Name: "deploy-production", Status: status}}
		if !waiting {
			snap.Approvals = nil
		}
		return snap
	}
	reject := a
	reject.Kind = model.ActionReject
	cases := []struct {
		name  string
		a     model.Action
		snap  *model.Snapshot
		done  bool
		err   bool
		shows string
	}{
		{"still waiting", a, with(model.RunOnHold, true), false, false, "still waiting"},
		{"approved, on hold a moment longer", a, with(model.RunOnHold, false), false, false, "still on hold"},
		{"approved and deploying", a, with(model.RunRunning, false), true, false, "workflow deploy is running (deploy-production)"},
		{"approved, then failed", a, with(model.RunFailed, false), true, true, "is failed"},
		{"rejected and canceled", reject, with(model.RunCanceled, false), true, false, "is canceled"},
		{"rejected, yet it runs", reject, with(model.RunRunning, false), true, true, "is running"},
	}
	for _, c := range cases {
		l, shows := LandedGate(c.a, c.snap)
		if l.Done != c.done || (l.Err != nil) != c.err || !strings.Contains(shows, c.shows) {
			t.Errorf("%s: %+v, shows %q", c.name, l, shows)
		}
	}
}
