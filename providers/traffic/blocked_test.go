package traffic

import (
	"testing"

	"flightdeck/model"
)

// blocked, case by case: every reason a switch to the standby waits, and
// none when the standby runs a version on healthy targets only.
func TestBlocked(t *testing.T) {
	p := Pair{Cluster: "production", Blue: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/checkout-blue/1",
		Green: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/checkout-green/2"}
	runs := model.EnvStatus{State: model.StateSteady, Version: model.Version{SHA: "abcdef1"}}
	moving := runs
	moving.State = model.StateDeploying
	cases := []struct {
		name        string
		standby     string
		live, stand model.EnvStatus
		targets     model.TargetCounts
		want        string
	}{
		{"ready", "checkout-green", runs, runs, model.TargetCounts{Healthy: 3}, ""},
		{"no service", "", runs, model.EnvStatus{}, model.TargetCounts{}, "the standby (green) runs nothing: no ECS service in cluster production is registered in target group checkout-green"},
		{"read failed", "checkout-green", runs, model.EnvStatus{Error: "throttled"}, model.TargetCounts{Healthy: 3}, "the standby (green, checkout-green) could not be read: throttled"},
		{"no version", "checkout-green", runs, model.EnvStatus{State: model.StateUnknown}, model.TargetCounts{Healthy: 3}, "the standby (green, checkout-green) runs nothing"},
		{"live moving", "checkout-green", moving, runs, model.TargetCounts{Healthy: 3}, "the live side (blue, checkout-blue) is mid-deploy"},
		{"standby moving", "checkout-green", runs, moving, model.TargetCounts{Healthy: 3}, "the standby (green, checkout-green) is mid-deploy"},
		{"unhealthy", "checkout-green", runs, runs, model.TargetCounts{Healthy: 2, Unhealthy: 1}, "the standby (green, checkout-green) has 1 unhealthy target(s)"},
		{"draining", "checkout-green", runs, runs, model.TargetCounts{Healthy: 3, Draining: 2}, "the standby (green, checkout-green) has 2 draining target(s)"},
		{"starting", "checkout-green", runs, runs, model.TargetCounts{Healthy: 1, Initial: 2}, "the standby (green, checkout-green) has 2 target(s) still in their first health checks"},
		{"none", "checkout-green", runs, runs, model.TargetCounts{}, "the standby (green, checkout-green) has no healthy targets"},
		{"unused only", "checkout-green", runs, runs, model.TargetCounts{Other: 3}, "the standby (green, checkout-green) has no healthy targets"},
	}
	for _, c := range cases {
		bg := &model.BlueGreen{Live: "checkout-blue", LiveColor: "blue", Standby: c.standby, StandbyColor: "green", StandbyTargets: &c.targets}
		if got := blocked(p, bg, c.live, c.stand, nil); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Describe names the call and both sides, as the confirmation shows it.
func TestDescribe(t *testing.T) {
	s := &Source{pairs: []Pair{{Key: key, Listener: "arn:aws:elasticloadbalancing:eu-west-1:1:listener-rule/app/lb/1/2/3"}}}
	got := s.Describe(model.Action{Kind: model.ActionSwitch, Service: "checkout", Environment: "production", Live: "checkout-blue", Standby: "checkout-green"})
	if got != "ModifyRule: arn:aws:elasticloadbalancing:eu-west-1:1:listener-rule/app/lb/1/2/3 forwards 100% to the standby (checkout-green) and 0% to checkout-blue; stickiness and the rest of the action kept" {
		t.Fatalf("%q", got)
	}
	if got := s.Describe(model.Action{Kind: model.ActionRollback, Service: "checkout", Environment: "production"}); got != "a blue/green pair on a listener cannot rollback here" {
		t.Fatalf("%q", got)
	}
}
