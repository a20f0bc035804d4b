package action

import (
	"testing"

	"github.com/airside-dev/flightdeck/model"
)

func TestCanaryWithoutASHAIsComparedByImage(t *testing.T) {
	a := model.Action{Kind: model.ActionCanaryPromote, Service: "api", Environment: "production", Weight: 10, NextWeight: 25,
		To: model.Version{Artifact: "repo/api:v1.4.0"}}
	e := model.EnvStatus{Service: "api", Environment: "production", Canary: &model.Canary{Source: "listener", Weight: 10,
		Canary: model.CanarySide{Version: model.Version{Artifact: "repo/api:v1.4.0"}}}}
	if l := Landed(a, e); l.Done {
		t.Errorf("a promote planned at 10 %% is Done while the canary is still at 10 %% (no SHA): %+v", l)
	}
	// A canary replaced by another image, no SHA either: the guard lets the step go on.
	e.Canary.Canary.Version.Artifact = "repo/api:v9.9.9"
	if err := model.CheckPreconditions(a, e); err == nil {
		t.Errorf("a promote planned for v1.4.0 passes the re-check against a canary now running v9.9.9")
	}
}

func TestAnUnreadNativeCanaryIsNotOver(t *testing.T) {
	a := model.Action{Kind: model.ActionCanaryAbort, Service: "orders", Environment: "production", Weight: 10,
		To: model.Version{SHA: "7d3e2a11"}}
	// The re-read after a lost StopServiceDeployment answer: still deploying the canary, but the
	// service deployment could not be described this time, so no canary on the status.
	live := model.EnvStatus{Service: "orders", Environment: "production", State: model.StateDeploying,
		Deployment: &model.Deployment{FromSHA: "1c0ffee1", ToSHA: "7d3e2a11", Running: 1, Desired: 4}}
	if v := judgeCanary(a, live); v.done {
		t.Errorf("judged %+v while the deploy of the canary is still in flight", v)
	}
	if l := Landed(a, live); l.Done {
		t.Errorf("landed %+v while the deploy of the canary is still in flight", l)
	}
}
