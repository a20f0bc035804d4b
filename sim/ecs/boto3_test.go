package ecs_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"flightdeck/sim"
	"flightdeck/sim/simtest"
)

// TestBoto3NativeAndTaskSets: boto3 (botocore's ECS model) reads the demo's
// paused native canary, continues it, and drives CODE_DEPLOY and EXTERNAL
// services; every answer is held member by member to the model's output
// shapes (testdata/boto3_native.py). Skipped only where python3 or boto3
// is missing and FLIGHTDECK_REQUIRE_MOTO is unset.
func TestBoto3NativeAndTaskSets(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_MOTO") != "" {
			t.Fatalf("python3 with boto3 is required (FLIGHTDECK_REQUIRE_MOTO is set): %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	srv := simtest.Start(t, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), sim.Options{Seed: 1})
	srv.Step(30 * time.Second)
	cmd := exec.Command("python3", "testdata/boto3_native.py", srv.URL)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	raw, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3: %v\n%s", err, stderr)
	}
	var got struct {
		Strategy       string           `json:"strategy"`
		Hooks          []map[string]any `json:"hooks"`
		Listed         []string         `json:"listed"`
		Stage          string           `json:"stage"`
		TargetWeight   *float64         `json:"target_weight"`
		SourceWeight   *float64         `json:"source_weight"`
		Waiting        []map[string]any `json:"waiting"`
		TargetTD       string           `json:"target_task_definition"`
		Continued      bool             `json:"continued"`
		SecondContinue string           `json:"second_continue"`
		Controllers    map[string][]any `json:"controllers"`
		UpdateCD       string           `json:"update_code_deploy"`
		Problems       []string         `json:"problems"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	for _, p := range got.Problems {
		t.Errorf("against botocore's model: %s", p)
	}
	switch {
	case got.Strategy != "CANARY" || len(got.Hooks) != 1 || len(got.Listed) != 1:
		t.Errorf("service: %s hooks %v listed %v", got.Strategy, got.Hooks, got.Listed)
	case got.Stage != "PRODUCTION_TRAFFIC_SHIFT" || got.TargetWeight == nil || *got.TargetWeight != 0 || got.SourceWeight == nil || *got.SourceWeight != 100:
		t.Errorf("deployment: stage %s weights %v/%v", got.Stage, got.TargetWeight, got.SourceWeight)
	case len(got.Waiting) != 1 || got.Waiting[0]["type"] != "PAUSE" || got.Waiting[0]["timeout"] != "ROLLBACK":
		t.Errorf("waiting hooks: %v", got.Waiting)
	case !strings.Contains(got.TargetTD, ":task-definition/orders-production:") || !got.Continued || got.SecondContinue != "ConflictException":
		t.Errorf("revision %s, continued %v, second continue %s", got.TargetTD, got.Continued, got.SecondContinue)
	}
	cd, ext := got.Controllers["cd"], got.Controllers["ext"]
	if len(cd) != 3 || cd[0] != "CODE_DEPLOY" || len(cd[1].([]any)) != 1 || cd[1].([]any)[0] != "PRIMARY" ||
		len(ext) != 3 || ext[0] != "EXTERNAL" || ext[1].([]any)[0] != "PRIMARY" || got.UpdateCD != "InvalidParameterException" {
		t.Errorf("task-set services: %v; UpdateService on CODE_DEPLOY: %s", got.Controllers, got.UpdateCD)
	}
	t.Logf("boto3 read: %s", raw)
}
