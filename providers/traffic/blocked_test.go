package traffic

import (
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/elbv2"
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

// The canary's share of a forward, whatever the weights look like: ELBv2
// weights run 0..999, a third group may take traffic, all may be 0.
func TestCanaryShare(t *testing.T) {
	p := Pair{Stable: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/s/1", Canary: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/c/2"}
	third := "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/legacy/3"
	cases := []struct {
		weights []elbv2.Weight
		want    int
		others  string
	}{
		{[]elbv2.Weight{{TargetGroup: p.Stable, Weight: 90}, {TargetGroup: p.Canary, Weight: 10}}, 10, ""},
		{[]elbv2.Weight{{TargetGroup: p.Stable, Weight: 999}, {TargetGroup: p.Canary, Weight: 111}}, 10, ""},
		{[]elbv2.Weight{{TargetGroup: p.Stable, Weight: 0}, {TargetGroup: p.Canary, Weight: 0}}, 0, ""},
		{[]elbv2.Weight{{TargetGroup: p.Stable, Weight: 0}, {TargetGroup: p.Canary, Weight: 5}}, 100, ""},
		{[]elbv2.Weight{{TargetGroup: p.Stable, Weight: 50}, {TargetGroup: p.Canary, Weight: 25}, {TargetGroup: third, Weight: 25}}, 25, "legacy (25)"},
		{[]elbv2.Weight{{TargetGroup: p.Stable, Weight: 75}, {TargetGroup: p.Canary, Weight: 25}, {TargetGroup: third, Weight: 0}}, 25, ""},
		{nil, 0, ""},
	}
	for _, c := range cases {
		if w, others := canaryShare(elbv2.Forward{Weights: c.weights}, p); w != c.want || others != c.others {
			t.Errorf("%v: %d %q, want %d %q", c.weights, w, others, c.want, c.others)
		}
	}
}

// canaryBlocked and the stage, case by case.
func TestCanaryBlocked(t *testing.T) {
	p := Pair{Cluster: "production", Listener: "arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/lb/1/2",
		Stable: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/search-stable/1", Canary: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/search-canary/2"}
	svcs := map[string]string{p.Stable: "search", p.Canary: "search-canary"}
	old := model.EnvStatus{State: model.StateSteady, Version: model.Version{SHA: "aaaaaaa1"}}
	next := model.EnvStatus{State: model.StateSteady, Version: model.Version{SHA: "bbbbbbb2"}}
	moving := next
	moving.State = model.StateDeploying
	up := elbv2.Health{Healthy: 3}
	cases := []struct {
		name           string
		svcs           map[string]string
		weight         int
		others         string
		stable, canary model.EnvStatus
		h              elbv2.Health
		want, stage    string
	}{
		{"ready", svcs, 0, "", old, next, up, "", "not started"},
		{"running", svcs, 25, "", old, next, up, "", "canary"},
		{"promoted", svcs, 100, "", old, next, up, "", "promoted"},
		{"idle", svcs, 0, "", old, old, up, "both sides run aaaaaaa: deploy the new version to search-canary first", "idle"},
		{"third group", svcs, 10, "legacy (5)", old, next, up, "listener " + p.Listener + " also forwards to legacy (5); flightdeck steps only the stable and canary target groups", "canary"},
		{"no service", map[string]string{p.Stable: "search"}, 0, "", old, model.EnvStatus{}, up, "the canary side runs nothing: no ECS service in cluster production is registered in target group search-canary", "not started"},
		{"unreadable", svcs, 0, "", old, model.EnvStatus{Error: "throttled"}, up, "the canary side (search-canary) could not be read: throttled", "not started"},
		{"no version", svcs, 0, "", old, model.EnvStatus{State: model.StateUnknown}, up, "the canary side (search-canary) runs nothing", "not started"},
		{"stable moving", svcs, 10, "", moving, next, up, "the stable side (search) is mid-deploy", "canary"},
		{"canary moving", svcs, 0, "", old, moving, up, "the canary side (search-canary) is mid-deploy", "not started"},
		{"no healthy targets", svcs, 10, "", old, next, elbv2.Health{Draining: 3}, "the canary side (search-canary) has no healthy targets", "canary"},
	}
	for _, c := range cases {
		if got := canaryBlocked(p, c.svcs, c.weight, c.others, c.stable, c.canary, c.h, nil); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if got := canaryStage(c.weight, c.stable.Version, c.canary.Version); got != c.stage {
			t.Errorf("%s: stage %q, want %q", c.name, got, c.stage)
		}
	}
}

// Describe names the call and the weights a canary step sends.
func TestDescribeCanary(t *testing.T) {
	p := Pair{Key: key, Listener: "arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/lb/1/2",
		Stable: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/checkout-stable/1", Canary: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/checkout-canary/2"}
	s := &Source{pairs: []Pair{p}}
	a := model.Action{Kind: model.ActionCanaryPromote, Service: "checkout", Environment: "production", Weight: 10, NextWeight: 25}
	if got := s.Describe(a); got != "ModifyListener: "+p.Listener+" forwards 25% to the canary (checkout-canary) and 75% to the stable side (checkout-stable); stickiness and the rest of the action kept" {
		t.Fatalf("promote: %q", got)
	}
	a.Kind = model.ActionCanaryAbort
	if got := s.Describe(a); !strings.Contains(got, "forwards 0% to the canary (checkout-canary) and 100% to the stable side") {
		t.Fatalf("abort: %q", got)
	}
	a.Kind = model.ActionSwitch
	if got := s.Describe(a); got != "a canary on a listener cannot switch here" {
		t.Fatalf("switch: %q", got)
	}
}

// A third target group with a share of the traffic is named: a switch or
// a canary step would leave it its share, so neither may say "all".
func TestOtherGroups(t *testing.T) {
	tg := func(n string) string {
		return "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/" + n + "/0123456789abcdef"
	}
	f := elbv2.Forward{Weights: []elbv2.Weight{{TargetGroup: tg("blue"), Weight: 100}, {TargetGroup: tg("green"), Weight: 0}, {TargetGroup: tg("legacy"), Weight: 50}, {TargetGroup: tg("old"), Weight: 0}}}
	if got := otherGroups(f, tg("blue"), tg("green")); got != "legacy (50)" {
		t.Errorf("otherGroups: %q", got)
	}
	if got := otherGroups(f, tg("blue"), tg("legacy")); got != "" {
		t.Errorf("with nothing else forwarded to: %q", got)
	}
}
