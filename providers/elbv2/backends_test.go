package elbv2

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awselb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awstest"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// backend is one place the same assertions run: the sim or moto_server,
// with a listener forwarding blue 100 / green 0, blue holding healthy
// targets, and a rule forwarding to the same pair.
type backend struct {
	name, url, region string
	anonymous         bool
	listener, rule    string
	blue, green       string
	blueHealthy       int // healthy targets in blue
}

func (b *backend) client(t *testing.T) *Client {
	t.Helper()
	o := Options{Region: b.region, EndpointURL: b.url, Anonymous: b.anonymous}
	if !b.anonymous {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", "")
	}
	c, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// raw is the SDK client itself, for setting up what the provider keeps.
func (b *backend) raw() *awselb.Client {
	o := awselb.Options{Region: b.region, BaseEndpoint: aws.String(b.url), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", "")}
	return awselb.New(o)
}

func startSimBackend(t *testing.T) *backend {
	srv := simtest.Start(t, t0, sim.Options{Seed: 7})
	srv.Step(2 * time.Minute) // the demo's tasks are up before t0; settle anything moving
	listener, blue, green, ok := srv.World.BlueGreen("checkout")
	if !ok {
		t.Fatal("the demo has no blue/green checkout")
	}
	b := &backend{name: "sim", url: srv.URL, region: "eu-west-1", anonymous: true, listener: listener, blue: blue, green: green, blueHealthy: 3}
	rules, err := b.raw().DescribeRules(context.Background(), &awselb.DescribeRulesInput{ListenerArn: aws.String(listener)})
	if err != nil || len(rules.Rules) == 0 {
		t.Fatalf("rules: %v", err)
	}
	b.rule = aws.ToString(rules.Rules[len(rules.Rules)-1].RuleArn) // the default rule
	return b
}

// motoSeed creates, with boto3, a VPC, an ALB, two IP target groups (two
// targets registered in blue), a listener forwarding blue 100 / green 0
// and a path rule forwarding the same.
const motoSeed = `
import boto3, json, sys
url = sys.argv[1]
kw = dict(region_name="us-east-1", endpoint_url=url, aws_access_key_id="AKIDTEST", aws_secret_access_key="SECRETTEST")
ec2, elb = boto3.client("ec2", **kw), boto3.client("elbv2", **kw)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=c, AvailabilityZone=z)["Subnet"]["SubnetId"]
           for c, z in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))]
lb = elb.create_load_balancer(Name="checkout-prod", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
tg = {c: elb.create_target_group(Name="checkout-" + c, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
      for c in ("blue", "green")}
elb.register_targets(TargetGroupArn=tg["blue"], Targets=[{"Id": "10.0.1.10", "Port": 8080}, {"Id": "10.0.2.11", "Port": 8080}])
fwd = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
    {"TargetGroupArn": tg["blue"], "Weight": 100}, {"TargetGroupArn": tg["green"], "Weight": 0}]}}]
listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=443, DefaultActions=fwd)["Listeners"][0]["ListenerArn"]
rule = elb.create_rule(ListenerArn=listener, Priority=10, Actions=fwd,
    Conditions=[{"Field": "path-pattern", "Values": ["/checkout/*"]}])["Rules"][0]["RuleArn"]
print(json.dumps({"listener": listener, "rule": rule, "blue": tg["blue"], "green": tg["green"]}))
`

func startMotoBackend(t *testing.T) *backend {
	url := awstest.Start(t)
	out, err := exec.Command("python3", "-c", motoSeed, url).CombinedOutput()
	if err != nil {
		t.Fatalf("seeding moto: %v\n%s", err, out)
	}
	var arns struct{ Listener, Rule, Blue, Green string }
	if err := json.Unmarshal(out, &arns); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return &backend{name: "moto", url: url, region: "us-east-1", listener: arns.Listener, rule: arns.Rule,
		blue: arns.Blue, green: arns.Green, blueHealthy: 2}
}

func TestBackendsSim(t *testing.T)  { runBackend(t, startSimBackend(t)) }
func TestBackendsMoto(t *testing.T) { runBackend(t, startMotoBackend(t)) }

func runBackend(t *testing.T, b *backend) {
	ctx := context.Background()
	c := b.client(t)
	// Stickiness on the listener: a switch must keep it.
	if _, err := b.raw().ModifyListener(ctx, &awselb.ModifyListenerInput{ListenerArn: aws.String(b.listener), DefaultActions: []types.Action{{
		Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
			TargetGroups:                []types.TargetGroupTuple{{TargetGroupArn: aws.String(b.blue), Weight: aws.Int32(100)}, {TargetGroupArn: aws.String(b.green), Weight: aws.Int32(0)}},
			TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(120)}}}}}); err != nil {
		t.Fatal(err)
	}

	for _, arn := range []string{b.listener, b.rule} {
		f, err := c.Read(ctx, arn)
		if err != nil || f.Weight(b.blue) != 100 || f.Weight(b.green) != 0 || !f.Has(b.green) || len(f.Weights) != 2 {
			t.Fatalf("%s: read %s: %+v, %v", b.name, arn, f.Weights, err)
		}
	}
	h, err := c.TargetHealth(ctx, b.blue)
	if err != nil || h.Healthy != b.blueHealthy || h.Total() != b.blueHealthy {
		t.Fatalf("%s: blue health %+v, %v", b.name, h, err)
	}

	// Switch to green and back, on the listener and on the rule.
	for _, arn := range []string{b.listener, b.rule} {
		f, _ := c.Read(ctx, arn)
		got, rid, err := c.SetWeights(ctx, f, map[string]int{b.blue: 0, b.green: 100})
		if err != nil || rid == "" || got.Weight(b.green) != 100 || got.Weight(b.blue) != 0 {
			t.Fatalf("%s: switch %s: %+v, %v", b.name, arn, got.Weights, err)
		}
		again, _ := c.Read(ctx, arn)
		if again.Weight(b.green) != 100 || again.Weight(b.blue) != 0 {
			t.Fatalf("%s: after the switch %s reads %+v", b.name, arn, again.Weights)
		}
		back, _, err := c.SetWeights(ctx, again, map[string]int{b.blue: 100, b.green: 0})
		if err != nil || back.Weight(b.blue) != 100 {
			t.Fatalf("%s: switch back %s: %+v, %v", b.name, arn, back.Weights, err)
		}
	}
	out, err := b.raw().DescribeListeners(ctx, &awselb.DescribeListenersInput{ListenerArns: []string{b.listener}})
	if err != nil {
		t.Fatal(err)
	}
	sc := out.Listeners[0].DefaultActions[0].ForwardConfig.TargetGroupStickinessConfig
	if sc == nil || !aws.ToBool(sc.Enabled) || aws.ToInt32(sc.DurationSeconds) != 120 {
		t.Fatalf("%s: stickiness lost: %+v", b.name, sc)
	}

	// A target group the listener does not forward to is refused before
	// anything is sent.
	f, _ := c.Read(ctx, b.listener)
	if _, _, err := c.SetWeights(ctx, f, map[string]int{strings.Replace(b.green, "checkout-green", "checkout-teal", 1): 100}); err == nil ||
		!strings.Contains(err.Error(), "does not forward to target group checkout-teal (it forwards to checkout-blue (100), checkout-green (0))") {
		t.Fatalf("%s: foreign group: %v", b.name, err)
	}

	// Missing things: not found, naming what is there.
	gone := b.listener[:len(b.listener)-4] + "0000"
	_, err = c.Read(ctx, gone)
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "load balancer checkout-prod has: "+b.listener) {
		t.Fatalf("%s: missing listener: %v", b.name, err)
	}
	goneRule := b.rule[:len(b.rule)-4] + "0000"
	if _, err = c.Read(ctx, goneRule); !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "listener has: ") ||
		!strings.Contains(err.Error(), b.rule) {
		t.Fatalf("%s: missing rule: %v", b.name, err)
	}
	goneTG := strings.Replace(b.green, "checkout-green", "checkout-teal", 1)
	if _, err = c.TargetHealth(ctx, goneTG); !errors.Is(err, providers.ErrNotFound) || !strings.HasPrefix(err.Error(), "target group checkout-teal: ") {
		t.Fatalf("%s: missing target group: %v", b.name, err)
	}
}
