package elbv2_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// TestBoto3ParsesTheAnswers: boto3 (botocore's ELBv2 model) sends every
// operation flightdeck uses to the demo world and parses the answers,
// modeled errors included. Skipped only where python3 or boto3 is
// missing and FLIGHTDECK_REQUIRE_MOTO is unset.
func TestBoto3ParsesTheAnswers(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_MOTO") != "" {
			t.Fatalf("python3 with boto3 is required (FLIGHTDECK_REQUIRE_MOTO is set): %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	srv := simtest.Start(t, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), sim.Options{Seed: 3})
	srv.Step(time.Minute)
	listener, blue, green, _ := srv.World.BlueGreen("checkout")
	cmd := exec.Command("python3", "testdata/boto3_reads.py", srv.URL, listener, blue, green)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	raw, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3: %v\n%s", err, stderr)
	}
	type obj = map[string]any
	var got struct {
		LoadBalancers []obj `json:"load_balancers"`
		Listeners     []obj `json:"listeners"`
		Rules         []obj `json:"rules"`
		TargetGroups  []obj `json:"target_groups"`
		Health        []obj `json:"health"`
		Modified      []obj `json:"modified"`
		ModifiedRule  []obj `json:"modified_rule"`
		Errors        map[string]obj
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	weights := func(actions any) map[string]any {
		a := actions.([]any)[0].(obj)
		out := map[string]any{"Type": a["Type"]}
		fc := a["ForwardConfig"].(obj)
		for _, g := range fc["TargetGroups"].([]any) {
			out[g.(obj)["TargetGroupArn"].(string)] = g.(obj)["Weight"]
		}
		out["sticky"] = fc["TargetGroupStickinessConfig"].(obj)["Enabled"]
		return out
	}
	// orders' two (its native canary's), checkout's, then the two
	// listener canaries' (search, basket).
	names := []string{}
	for _, lb := range got.LoadBalancers {
		names = append(names, lb["LoadBalancerName"].(string))
	}
	if strings.Join(names, " ") != "orders-staging orders-production checkout-prod search-prod basket-prod" || got.LoadBalancers[2]["State"].(obj)["Code"] != "active" {
		t.Errorf("load balancers: %v", got.LoadBalancers)
	}
	if len(got.Listeners) != 1 || got.Listeners[0]["Port"] != 443.0 || got.Listeners[0]["ListenerArn"] != listener {
		t.Fatalf("listeners: %v", got.Listeners)
	}
	if w := weights(got.Listeners[0]["DefaultActions"]); w["Type"] != "forward" || w[blue] != 100.0 || w[green] != 0.0 || w["sticky"] != false {
		t.Errorf("listener's forward: %v", w)
	}
	if len(got.Rules) != 1 || got.Rules[0]["IsDefault"] != true || got.Rules[0]["Priority"] != "default" {
		t.Errorf("rules: %v", got.Rules)
	}
	if len(got.TargetGroups) != 2 || got.TargetGroups[0]["TargetType"] != "ip" || len(got.TargetGroups[0]["LoadBalancerArns"].([]any)) != 1 {
		t.Errorf("target groups: %v", got.TargetGroups)
	}
	if len(got.Health) != 3 {
		t.Fatalf("health: %v", got.Health)
	}
	for _, h := range got.Health {
		if h["TargetHealth"].(obj)["State"] != "healthy" || h["Target"].(obj)["Port"] != 8080.0 || h["Target"].(obj)["Id"] == "" {
			t.Errorf("target: %v", h)
		}
	}
	for _, m := range []any{got.Modified[0]["DefaultActions"], got.ModifiedRule[0]["Actions"]} {
		if w := weights(m); w[blue] != 0.0 || w[green] != 100.0 || w["sticky"] != true {
			t.Errorf("modified: %v", w)
		}
	}
	for name, want := range map[string]string{"listener": "ListenerNotFound", "rule": "RuleNotFound", "target_group": "TargetGroupNotFound", "validation": "ValidationError"} {
		e := got.Errors[name]
		if e == nil || e["code"] != want || e["status"] != 400.0 {
			t.Errorf("%s: %v", name, e)
		}
		if want != "ValidationError" && e["modeled"] != want+"Exception" {
			t.Errorf("%s: botocore did not map it to its modeled exception: %v", name, e)
		}
	}
}
