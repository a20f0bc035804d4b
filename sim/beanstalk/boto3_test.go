package beanstalk_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// TestBoto3ParsesTheAnswers: boto3 (botocore's Elastic Beanstalk model)
// sends every operation the provider uses to the demo world and parses
// the answers. Skipped only where python3 or boto3 is missing and
// FLIGHTDECK_REQUIRE_MOTO is unset.
func TestBoto3ParsesTheAnswers(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_MOTO") != "" {
			t.Fatalf("python3 with boto3 is required (FLIGHTDECK_REQUIRE_MOTO is set): %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	srv := simtest.Start(t, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), sim.Options{Seed: 3})
	cmd := exec.Command("python3", "testdata/boto3_reads.py", srv.URL)
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
		Environments []map[string]any `json:"environments"`
		Health       map[string]any   `json:"health"`
		Events       []map[string]any `json:"events"`
		EventsSince  []map[string]any `json:"events_since"`
		Versions     []map[string]any `json:"versions"`
		Update       map[string]any   `json:"update"`
		Created      map[string]any   `json:"created"`
		Error        map[string]any   `json:"error"`
		Config       []map[string]any `json:"config"`
		Instances    map[string]any   `json:"instances"`
		CreatedApp   map[string]any   `json:"created_app"`
		Apps         []map[string]any `json:"apps"`
		CreatedEnv   map[string]any   `json:"created_env"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if len(got.Environments) != 3 {
		t.Fatalf("environments: %v", got.Environments)
	}
	for _, e := range got.Environments {
		for _, k := range []string{"EnvironmentName", "EnvironmentId", "VersionLabel", "CNAME", "Status", "Health", "HealthStatus", "DateUpdated", "AbortableOperationInProgress", "Tier", "EnvironmentArn"} {
			if _, ok := e[k]; !ok {
				t.Errorf("environment %v: no %s", e["EnvironmentName"], k)
			}
		}
	}
	am, _ := got.Health["ApplicationMetrics"].(map[string]any)
	ih, _ := got.Health["InstancesHealth"].(map[string]any)
	if got.Health["HealthStatus"] != "Ok" || am == nil || am["RequestCount"] == nil || am["Latency"] == nil || ih == nil || ih["Ok"] != 2.0 {
		t.Errorf("health: %v", got.Health)
	}
	if len(got.Events) != 5 || got.Events[0]["Message"] == nil || got.Events[0]["EventDate"] == nil {
		t.Errorf("events: %v", got.Events)
	}
	if len(got.EventsSince) < 1 || got.EventsSince[0]["Message"] != got.Events[0]["Message"] {
		t.Errorf("events since %v: %v", got.Events[len(got.Events)-1]["EventDate"], got.EventsSince)
	}
	sb, _ := got.Versions[0]["SourceBundle"].(map[string]any)
	if len(got.Versions) != 3 || sb == nil || sb["S3Bucket"] == nil || got.Versions[0]["Status"] != "Processed" {
		t.Errorf("versions: %v", got.Versions)
	}
	if got.Update["Status"] != "Updating" || got.Update["AbortableOperationInProgress"] != true {
		t.Errorf("update: %v", got.Update)
	}
	if got.Created["VersionLabel"] != "shop-boto3" {
		t.Errorf("created: %v", got.Created)
	}
	if len(got.Config) != 1 || got.Config[0]["EnvironmentName"] != "shop-blue" || got.Config[0]["DeploymentStatus"] != "deployed" {
		t.Errorf("config: %v", got.Config)
	} else {
		opts := map[string]any{}
		list, _ := got.Config[0]["OptionSettings"].([]any)
		for _, o := range list {
			m, _ := o.(map[string]any)
			opts[fmt.Sprint(m["Namespace"], "/", m["OptionName"])] = m["Value"]
		}
		if opts["aws:elasticbeanstalk:command/DeploymentPolicy"] != "TrafficSplitting" || opts["aws:elasticbeanstalk:trafficsplitting/NewVersionPercent"] != "10" ||
			opts["aws:elasticbeanstalk:trafficsplitting/EvaluationTime"] != "2" {
			t.Errorf("options: %v", opts)
		}
	}
	ins, _ := got.Instances["InstanceHealthList"].([]any)
	if len(ins) != 4 || got.Instances["RefreshedAt"] == nil {
		t.Errorf("instances: %v", got.Instances)
	}
	for _, x := range ins {
		in, _ := x.(map[string]any)
		dep, _ := in["Deployment"].(map[string]any)
		am, _ := in["ApplicationMetrics"].(map[string]any)
		sc, _ := am["StatusCodes"].(map[string]any)
		lat, _ := am["Latency"].(map[string]any)
		sys, _ := in["System"].(map[string]any)
		if in["InstanceId"] == nil || in["HealthStatus"] != "Ok" || dep["VersionLabel"] == nil || dep["DeploymentId"] == nil || dep["DeploymentTime"] == nil ||
			am["RequestCount"] == nil || sc["Status5xx"] == nil || lat["P99"] == nil || sys["CPUUtilization"] == nil || in["LaunchedAt"] == nil {
			t.Errorf("instance: %v", in)
		}
	}
	if len(got.Apps) != 1 {
		t.Errorf("applications: %v", got.Apps)
	} else if vs, _ := got.Apps[0]["Versions"].([]any); got.Apps[0]["ApplicationName"] != "shop" || len(vs) == 0 || got.Apps[0]["DateCreated"] == nil {
		t.Errorf("applications: %v", got.Apps)
	}
	if got.CreatedApp["ApplicationName"] != "boto3-app" || got.CreatedEnv["Status"] != "Launching" || got.CreatedEnv["EnvironmentName"] != "boto3-env" {
		t.Errorf("created: %v %v", got.CreatedApp, got.CreatedEnv)
	}
	if got.Error["code"] != "InvalidParameterValue" || got.Error["status"] != 400.0 || !strings.Contains(fmt.Sprint(got.Error["message"]), "nope") {
		t.Errorf("error: %v", got.Error)
	}
}
