package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// search's production is a canary on a listener (config canary:): status
// shows it waiting at 0 % once the pipeline has deployed the new version
// to the canary service; promote starts it at the first step through the
// planner, abort sends it all back; mid-deploy both are refused, exit 3.
func TestCanaryListenerPromoteAbort(t *testing.T) {
	aw := newActionWorld(t)
	canary := func() map[string]any {
		c, _ := aw.env("search", "production")["canary"].(map[string]any)
		if c == nil {
			t.Fatalf("no canary in %v", aw.env("search", "production"))
		}
		return c
	}
	if !aw.until(func() bool { c := canary(); return c["stage"] == "not started" && c["blocked"] == nil }) {
		t.Fatalf("the canary never waited at 0 %%: %v", canary())
	}
	c := canary()
	if c["source"] != "listener" || c["weight"] != 0.0 || c["step"] != -1.0 || c["canary"].(map[string]any)["target"] != "search-canary" {
		t.Fatalf("before: %v", c)
	}
	code, out, stderr := aw.run("canary", "search", "production", "promote", "--yes")
	if code != exitOK {
		t.Fatalf("promote: exit %d\n%s\n%s", code, out, stderr)
	}
	if c = canary(); c["weight"] != 10.0 || c["step"] != 0.0 || c["stage"] != "canary" {
		t.Fatalf("after the promote: %v", c)
	}
	if code, out, stderr = aw.run("canary", "search", "production", "abort", "--yes"); code != exitOK || canary()["weight"] != 0.0 {
		t.Fatalf("abort: exit %d\n%s\n%s\n%v", code, out, stderr, canary())
	}
	recs, _, err := audit.Read(aw.audit)
	if err != nil || len(recs) != 2 || recs[0].Action != string(model.ActionCanaryPromote) || recs[0].Result != audit.ResultOK ||
		recs[0].Detail != "the canary (search-canary) now takes 10% of the traffic" || recs[1].Action != string(model.ActionCanaryAbort) ||
		recs[1].Result != audit.ResultOK || len(recs[1].RequestIDs) != 1 {
		t.Fatalf("audit: %+v %v", recs, err)
	}

	// The canary side mid-deploy: refused, exit 3, nothing sent.
	cfg, err := config.Load(aw.cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := awsecs.New(awsecs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(cfg.AWS.EndpointURL), Retryer: aws.NopRetryer{},
		Credentials: aws.AnonymousCredentials{}})
	if _, err := client.UpdateService(context.Background(), &awsecs.UpdateServiceInput{Cluster: aws.String("production"),
		Service: aws.String("search-canary"), ForceNewDeployment: true}); err != nil {
		t.Fatal(err)
	}
	aw.step(time.Second)
	code, _, stderr = aw.run("canary", "search", "production", "promote", "--yes")
	if code != exitRefused || !strings.Contains(stderr, "the canary side (search-canary) is mid-deploy") {
		t.Fatalf("promote mid-deploy: exit %d %s", code, stderr)
	}
	if canary()["weight"] != 0.0 {
		t.Fatal("a refused promote moved the weights")
	}
}
