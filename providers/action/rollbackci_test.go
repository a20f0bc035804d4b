package action

import (
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// After a lost answer, only an environment that runs or rolls to the
// commit says a rollback through CI went through; one that still runs
// what it ran says nothing (the job may be queued, or wait at a gate).
func TestJudgeRollbackCI(t *testing.T) {
	from, to := model.Version{SHA: "aaaaaaa"}, model.Version{SHA: "bbbbbbb"}
	a := model.Action{Kind: model.ActionRollbackCI, Service: "api", Environment: "production", From: from, To: to,
		Deploy: &model.CIDeploy{Job: "deploy-production", Pipeline: 305, JobID: "j", WorkflowID: "w"}}
	rolling := model.EnvStatus{Version: to, State: model.StateDeploying, Deployment: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "bbbbbbb"}}
	for _, tc := range []struct {
		name        string
		live        model.EnvStatus
		known, done bool
		want        string
	}{
		{"runs it", model.EnvStatus{Version: to, State: model.StateSteady}, true, true, "went through"},
		{"rolls to it", rolling, true, true, "went through"},
		{"still runs what it ran", model.EnvStatus{Version: from, State: model.StateSteady}, false, false, "deploy-production of pipeline #305"},
	} {
		v := judgeEnv(a, tc.live)
		if v.known != tc.known || v.done != tc.done || !strings.Contains(v.text, tc.want) {
			t.Errorf("%s: %+v", tc.name, v)
		}
	}
}

// The note a rollback through CI leaves refuses actions on the
// environment while it still runs what it ran, and is forgotten once the
// environment runs or rolls to the version, runs anything else, or the
// note is older than pendingFor.
func TestPendingRollbackThroughCI(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	p := New(Options{LockDir: t.TempDir(), User: "ana", Now: func() time.Time { return now }})
	from, to, other := model.Version{SHA: "aaaaaaa"}, model.Version{SHA: "bbbbbbb"}, model.Version{SHA: "ccccccc"}
	sent := model.Action{Kind: model.ActionRollbackCI, Service: "api", Environment: "production", From: from, To: to,
		Deploy: &model.CIDeploy{Job: "deploy-production", Pipeline: 305}}
	next := model.Action{Kind: model.ActionRollback, Service: "api", Environment: "production", From: from, To: other}
	for _, tc := range []struct {
		name    string
		live    model.EnvStatus
		after   time.Duration
		refused bool
	}{
		{"still runs what it ran", model.EnvStatus{Version: from, State: model.StateSteady}, time.Minute, true},
		{"rolls to it", model.EnvStatus{Version: from, State: model.StateDeploying, Deployment: &model.Deployment{ToSHA: "bbbbbbb"}}, time.Minute, false},
		{"runs it", model.EnvStatus{Version: to, State: model.StateSteady}, time.Minute, false},
		{"someone else moved it", model.EnvStatus{Version: other, State: model.StateSteady}, time.Minute, false},
		{"too old", model.EnvStatus{Version: from, State: model.StateSteady}, pendingFor + time.Second, false},
	} {
		now = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
		p.notePending(sent)
		now = now.Add(tc.after)
		err := p.checkPending(next, tc.live)
		if (err != nil) != tc.refused {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && (!model.IsRefusal(err) || !strings.Contains(err.Error(), "deploy-production of pipeline #305") || !strings.Contains(err.Error(), "by ana")) {
			t.Errorf("%s: the refusal says what is on its way and who sent it: %v", tc.name, err)
		}
		if !tc.refused && p.checkPending(next, model.EnvStatus{Version: from}) != nil {
			t.Errorf("%s: the note should be forgotten", tc.name)
		}
		_ = p.checkPending(next, model.EnvStatus{Version: to}) // forget it for the next case
	}
	// A dry run leaves no note.
	dry := New(Options{LockDir: t.TempDir(), DryRun: true, Now: func() time.Time { return now }})
	dry.notePending(sent)
	if err := dry.checkPending(next, model.EnvStatus{Version: from}); err != nil {
		t.Errorf("a dry run left a note: %v", err)
	}
}
