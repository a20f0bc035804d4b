package traffic

import (
	"context"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/airside-dev/flightdeck/providers/elbv2"
	"github.com/airside-dev/flightdeck/providers/internal/awstest"
)

// motoCanarySeed creates, with boto3, an ALB with a stable and a canary
// IP target group (targets in both), a listener forwarding stable 100 /
// canary 0 with stickiness on, and a path rule forwarding the same.
const motoCanarySeed = `
import boto3, json, sys
url = sys.argv[1]
kw = dict(region_name="us-east-1", endpoint_url=url, aws_access_key_id="AKIDTEST", aws_secret_access_key="SECRETTEST")
ec2, elb = boto3.client("ec2", **kw), boto3.client("elbv2", **kw)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=c, AvailabilityZone=z)["Subnet"]["SubnetId"]
           for c, z in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))]
lb = elb.create_load_balancer(Name="search-prod", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
tg = {s: elb.create_target_group(Name="search-" + s, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
      for s in ("stable", "canary")}
for s, ip in (("stable", "10.0.1.10"), ("canary", "10.0.2.11")):
    elb.register_targets(TargetGroupArn=tg[s], Targets=[{"Id": ip, "Port": 8080}])
fwd = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
    {"TargetGroupArn": tg["stable"], "Weight": 100}, {"TargetGroupArn": tg["canary"], "Weight": 0}],
    "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 300}}}]
listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=443, DefaultActions=fwd)["Listeners"][0]["ListenerArn"]
rule = elb.create_rule(ListenerArn=listener, Priority=10, Actions=fwd,
    Conditions=[{"Field": "path-pattern", "Values": ["/search/*"]}])["Rules"][0]["RuleArn"]
print(json.dumps({"listener": listener, "rule": rule, "stable": tg["stable"], "canary": tg["canary"]}))
`

// The ELBv2 half of a canary step against moto_server: from 0 each
// promote's weights (canary w, stable 100-w) read back as the canary's
// share, on a listener and on a rule, stickiness kept; an abort is 0.
func TestCanaryStepsOnMoto(t *testing.T) {
	url := awstest.Start(t)
	out, err := exec.Command("python3", "-c", motoCanarySeed, url).CombinedOutput()
	if err != nil {
		t.Fatalf("seeding moto: %v\n%s", err, out)
	}
	var arns struct{ Listener, Rule, Stable, Canary string }
	if err := json.Unmarshal(out, &arns); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ctx := context.Background()
	c, err := elbv2.New(ctx, elbv2.Options{Region: "us-east-1", EndpointURL: url,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", "")})
	if err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{arns.Listener, arns.Rule} {
		p := Pair{Listener: arn, Stable: arns.Stable, Canary: arns.Canary, Steps: []int{10, 25, 50, 100}}
		f, err := c.Read(ctx, arn)
		if w, others := canaryShare(f, p); err != nil || w != 0 || others != "" {
			t.Fatalf("%s: before: %d %q %v", arn, w, others, err)
		}
		for _, to := range append(p.Steps, 0) {
			got, rid, err := c.SetWeights(ctx, f, map[string]int{p.Canary: to, p.Stable: 100 - to})
			if w, _ := canaryShare(got, p); err != nil || rid == "" || w != to {
				t.Fatalf("%s: step to %d: answer %+v (%d %%), %v", arn, to, got.Weights, w, err)
			}
			if f, err = c.Read(ctx, arn); err != nil {
				t.Fatal(err)
			}
			if w, _ := canaryShare(f, p); w != to || f.Weight(p.Stable) != 100-to {
				t.Fatalf("%s: after the step to %d reads %+v", arn, to, f.Weights)
			}
		}
		for _, sd := range p.sides() {
			if h, err := c.TargetHealth(ctx, sd.tg); err != nil || h.Total() != 1 {
				t.Fatalf("%s target health: %+v %v", sd.name, h, err)
			}
		}
	}
	if !stickyOnMoto(t, url, arns.Listener) {
		t.Fatal("the steps lost the listener's stickiness")
	}
}

// stickyOnMoto asks boto3 whether the listener's forward is still sticky.
func stickyOnMoto(t *testing.T, url, listener string) bool {
	t.Helper()
	script := `
import boto3, sys
elb = boto3.client("elbv2", region_name="us-east-1", endpoint_url=sys.argv[1], aws_access_key_id="AKIDTEST", aws_secret_access_key="SECRETTEST")
a = elb.describe_listeners(ListenerArns=[sys.argv[2]])["Listeners"][0]["DefaultActions"][0]
print(a["ForwardConfig"].get("TargetGroupStickinessConfig", {}).get("Enabled"))
`
	out, err := exec.Command("python3", "-c", script, url, listener).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return string(out) == "True\n"
}
