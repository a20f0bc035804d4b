package action

import (
	"strings"
	"testing"

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
