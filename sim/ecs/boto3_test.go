package ecs_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
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
		Resolved       [][]struct {
			TargetGroupArn, ProductionListenerRule string
		} `json:"resolved"`
		ServiceLB []string `json:"service_lb"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	for _, p := range got.Problems {
		t.Errorf("against botocore's model: %s", p)
	}
	// The target and the source revision register in the service's two
	// target groups, one each, behind its production rule.
	if r := got.Resolved; len(got.ServiceLB) != 3 || len(r) != 2 || len(r[0]) != 1 || len(r[1]) != 1 ||
		r[0][0].TargetGroupArn == r[1][0].TargetGroupArn || !slices.Contains(got.ServiceLB[:2], r[0][0].TargetGroupArn) ||
		!slices.Contains(got.ServiceLB[:2], r[1][0].TargetGroupArn) || r[0][0].ProductionListenerRule != got.ServiceLB[2] ||
		!strings.Contains(got.ServiceLB[2], ":listener-rule/app/") {
		t.Errorf("resolved load balancers %+v, service's %v", r, got.ServiceLB)
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

// TestBoto3StoppedTasks: boto3 lists and describes the stopped tasks of
// failing builds (a crash, an out-of-memory kill, an image that cannot be
// pulled), every answer held to botocore's model; an hour later they are
// gone, as in ECS (testdata/boto3_stopped.py).
func TestBoto3StoppedTasks(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_MOTO") != "" {
			t.Fatalf("python3 with boto3 is required (FLIGHTDECK_REQUIRE_MOTO is set): %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	srv := simtest.Start(t, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), sim.Options{Seed: 1, Scenario: sim.ScenarioEmpty})
	type container struct {
		Name     string `json:"name"`
		ExitCode *int   `json:"exitCode"`
		Reason   string `json:"reason"`
	}
	type task struct {
		StopCode, StoppedReason, StartedBy, Group, StoppedAt string
		Containers                                           []container
	}
	var got struct {
		Crash, Oom, Pull []task
		TwoFilters       string `json:"two_filters"`
		Running          int
		Problems         []string
	}
	run := func(phase string) {
		cmd := exec.Command("python3", "testdata/boto3_stopped.py", srv.URL, phase)
		cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		raw, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("boto3 %s: %v\n%s", phase, err, stderr)
		}
		got.Crash, got.Oom, got.Pull = nil, nil, nil
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%v\n%s", err, raw)
		}
		for _, p := range got.Problems {
			t.Errorf("%s, against botocore's model: %s", phase, p)
		}
		t.Logf("boto3 %s: %s", phase, raw)
	}
	run("seed")
	srv.Step(5 * time.Minute) // the breaker trips after three failures
	run("read")
	exit := func(c container) int {
		if c.ExitCode == nil {
			return -1
		}
		return *c.ExitCode
	}
	for name, ts := range map[string][]task{"crash": got.Crash, "oom": got.Oom, "pull": got.Pull} {
		if len(ts) < 3 {
			t.Fatalf("%s: %d stopped tasks, want the breaker's three at least", name, len(ts))
		}
		for _, tk := range ts {
			if tk.Group != "service:"+name || !strings.HasPrefix(tk.StartedBy, "ecs-svc/") || tk.StoppedAt == "" || len(tk.Containers) != 2 {
				t.Errorf("%s: task %+v", name, tk)
			}
		}
	}
	c, o, p := got.Crash[0], got.Oom[0], got.Pull[0]
	switch {
	case c.StopCode != "EssentialContainerExited" || c.StoppedReason != "Essential container in task exited" || exit(c.Containers[0]) != 1:
		t.Errorf("crash: %+v", c)
	case o.StopCode != "EssentialContainerExited" || exit(o.Containers[0]) != 137 || !strings.HasPrefix(o.Containers[0].Reason, "OutOfMemoryError"):
		t.Errorf("oom: %+v", o)
	case p.StopCode != "TaskFailedToStart" || !strings.HasPrefix(p.StoppedReason, "CannotPullContainerError") || p.Containers[0].ExitCode != nil:
		t.Errorf("pull: %+v", p)
	case got.TwoFilters != "InvalidParameterException" || got.Running != 0:
		t.Errorf("startedBy with serviceName: %s; running tasks of a build that never starts: %d", got.TwoFilters, got.Running)
	}
	srv.Step(61 * time.Minute)
	run("read")
	if len(got.Crash)+len(got.Oom)+len(got.Pull) != 0 {
		t.Errorf("an hour on, stopped tasks still listed: %d %d %d", len(got.Crash), len(got.Oom), len(got.Pull))
	}
}

// TestBoto3Discover: what `flightdeck init` reads (ListClusters paged one
// at a time, ListServices, DescribeServices, DescribeTaskDefinition), read
// by boto3 on the demo world and held to botocore's model
// (testdata/boto3_discover.py).
func TestBoto3Discover(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_MOTO") != "" {
			t.Fatalf("python3 with boto3 is required (FLIGHTDECK_REQUIRE_MOTO is set): %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	srv := simtest.Start(t, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), sim.Options{Seed: 1})
	cmd := exec.Command("python3", "testdata/boto3_discover.py", srv.URL)
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
		Clusters     []string             `json:"clusters"`
		ClusterPages int                  `json:"cluster_pages"`
		Services     map[string][]string  `json:"services"`
		Labels       map[string][]*string `json:"labels"`
		BadToken     string               `json:"bad_token"`
		Problems     []string             `json:"problems"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	for _, p := range got.Problems {
		t.Errorf("against botocore's model: %s", p)
	}
	if len(got.Clusters) != 3 || got.ClusterPages != 3 {
		t.Errorf("clusters %v in %d pages, want 3 in 3", got.Clusters, got.ClusterPages)
	}
	for _, arn := range got.Clusters {
		if !strings.HasPrefix(arn, "arn:aws:ecs:") || !strings.Contains(arn, ":cluster/") {
			t.Errorf("cluster ARN %q", arn)
		}
	}
	if p := got.Services["production"]; len(p) <= 10 || !slices.Contains(p, "api") || !slices.Contains(p, "checkout-blue") {
		t.Errorf("production's services %v: want more than a batch of 10, api and checkout-blue among them", p)
	}
	if l := got.Labels["api"]; len(l) != 1 || l[0] == nil || *l[0] != "https://github.com/acme/api" {
		t.Errorf("api's image.source labels %v", l)
	}
	if got.BadToken != "InvalidParameterException" {
		t.Errorf("a nextToken not given out: %s", got.BadToken)
	}
}
