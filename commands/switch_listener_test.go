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

// checkout's production is a blue/green pair on a listener (two ECS
// services, one target group each): status shows the live colour and
// the standby's targets, switch sends the weight to the standby through
// the planner, and switching again switches back. While the standby is
// mid-deploy the switch is refused, exit 3.
func TestSwitchListenerPair(t *testing.T) {
	aw := newActionWorld(t)
	pair := func() map[string]any {
		e := aw.env("checkout", "production")
		bg, _ := e["blue_green"].(map[string]any)
		if bg == nil {
			t.Fatalf("no blue_green in %v", e)
		}
		return bg
	}
	bg := pair()
	if bg["live_color"] != "blue" || bg["live"] != "checkout-blue" || bg["standby"] != "checkout-green" || bg["blocked"] != nil ||
		!strings.Contains(bg["listener"].(string), ":listener/app/checkout-prod/") || bg["standby_targets"].(map[string]any)["healthy"] != 3.0 {
		t.Fatalf("before: %v", bg)
	}
	standby := bg["standby_version"].(map[string]any)["sha"]

	code, out, stderr := aw.run("switch", "checkout", "production", "--yes")
	if code != exitOK {
		t.Fatalf("switch: exit %d\n%s\n%s", code, out, stderr)
	}
	after := pair()
	if after["live_color"] != "green" || after["live"] != "checkout-green" ||
		aw.env("checkout", "production")["version"].(map[string]any)["sha"] != standby {
		t.Fatalf("after the switch: %v", after)
	}
	if code, out, stderr = aw.run("switch", "checkout", "production", "--yes"); code != exitOK || pair()["live_color"] != "blue" {
		t.Fatalf("switch back: exit %d\n%s\n%s\n%v", code, out, stderr, pair())
	}
	recs, _, err := audit.Read(aw.audit)
	if err != nil || len(recs) != 2 || recs[0].Action != string(model.ActionSwitch) || recs[0].Result != audit.ResultOK ||
		recs[1].Result != audit.ResultOK || len(recs[1].RequestIDs) != 1 || recs[0].Detail != "green (checkout-green) now takes 100% of the traffic" {
		t.Fatalf("audit: %+v %v", recs, err)
	}

	// The standby mid-deploy: refused, exit 3, nothing sent.
	cfg, err := config.Load(aw.cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := awsecs.New(awsecs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(cfg.AWS.EndpointURL), Retryer: aws.NopRetryer{},
		Credentials: aws.AnonymousCredentials{}})
	if _, err := client.UpdateService(context.Background(), &awsecs.UpdateServiceInput{Cluster: aws.String("production"),
		Service: aws.String("checkout-green"), ForceNewDeployment: true}); err != nil {
		t.Fatal(err)
	}
	aw.step(time.Second)
	code, _, stderr = aw.run("switch", "checkout", "production", "--yes")
	if code != exitRefused || !strings.Contains(stderr, "the standby (green, checkout-green) is mid-deploy") {
		t.Fatalf("switch to a standby mid-deploy: exit %d %s", code, stderr)
	}
	if pair()["live_color"] != "blue" {
		t.Fatal("a refused switch switched")
	}
}
