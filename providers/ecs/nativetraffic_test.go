package ecs

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/cloudwatch"
	"github.com/airside-dev/flightdeck/sim"
	simcw "github.com/airside-dev/flightdeck/sim/cloudwatch"
)

// The load balancer in front of prod/api: a production rule and two
// target groups, ECS's primary (blue) and alternate (green).
const (
	ntLB    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/api/50dc6c495c0c9188"
	ntRule  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/api/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
	ntBlue  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-blue/73e2d6bc24d8a067"
	ntGreen = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-green/2453ed029918f21f"
)

// metricCalls counts CloudWatch GetMetricData requests (Smithy RPC v2
// CBOR names the operation in the path).
type metricCalls struct{ n atomic.Int64 }

func (m *metricCalls) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/operation/GetMetricData") {
		m.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (m *metricCalls) take() int64 { return m.n.Swap(0) }

// nativeTrafficWorld: prod/api on a CANARY strategy (no hook) behind the
// load balancer, CloudWatch publishing both groups (90 % to blue), and a
// Source reading its sides through the real CloudWatch client.
func nativeTrafficWorld(t *testing.T) (*simBackend, *Source, *metricCalls) {
	t.Helper()
	sb := startSim(t)
	c := sb.seedClient(t)
	createCluster(t, c, "prod")
	td1 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood1})
	cfg := nativeConfig(types.DeploymentStrategyCanary)
	cfg.LifecycleHooks = nil
	_, err := c.CreateService(context.Background(), &awsecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("api"), TaskDefinition: aws.String(td1), DesiredCount: aws.Int32(2),
		DeploymentConfiguration: cfg,
		LoadBalancers: []types.LoadBalancer{{TargetGroupArn: aws.String(ntBlue), ContainerName: aws.String("api"), ContainerPort: aws.Int32(8080),
			AdvancedConfiguration: &types.AdvancedConfiguration{AlternateTargetGroupArn: aws.String(ntGreen), ProductionListenerRule: aws.String(ntRule),
				RoleArn: aws.String("arn:aws:iam::123456789012:role/ecs-lb")}}},
	})
	if err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	sb.world.SetCloudWatchTraffic(simcw.WeightedTraffic{Seed: 7, PerMinute: 600,
		Weight: simcw.Fixed(map[string]float64{ntBlue: 0.9, ntGreen: 0.1})}, map[string]string{ntBlue: ntLB, ntGreen: ntLB})
	sb.settle(t)

	calls := &metricCalls{}
	cw, err := cloudwatch.New(context.Background(), cloudwatch.Options{Region: testRegion, EndpointURL: sb.endpoint, Anonymous: true,
		HTTPClient: &http.Client{Transport: calls}})
	if err != nil {
		t.Fatalf("cloudwatch.New: %v", err)
	}
	s, err := New(context.Background(), Options{Region: testRegion, EndpointURL: sb.endpoint, Anonymous: true,
		Environments: prodAPI, Now: sb.now, Sides: cw})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return sb, s, calls
}

func deployGood2(t *testing.T, sb *simBackend) {
	t.Helper()
	c := sb.seedClient(t)
	td2 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood2})
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(td2)})
}

// A native canary in flight carries both sides' traffic, read with one
// GetMetricData per poll, and none when nothing is in flight.
func TestSimNativeCanaryTraffic(t *testing.T) {
	sb, s, calls := nativeTrafficWorld(t)
	if st := fetchOne(t, s); st.State != model.StateSteady || st.Canary != nil {
		t.Fatalf("steady: %s %+v", st.State, st.Canary)
	}
	if n := calls.take(); n != 0 {
		t.Fatalf("%d GetMetricData calls with nothing in flight, want 0", n)
	}

	deployGood2(t, sb)
	polls := 0
	var c *model.Canary
	for range 40 { // 20 simulated minutes, a poll every 30 s
		sb.step(t, 30*time.Second)
		st := fetchOne(t, s)
		n := calls.take()
		if st.Canary == nil {
			if n != 0 {
				t.Fatalf("%d GetMetricData calls in a poll without a canary (%s)", n, st.State)
			}
			continue
		}
		if n != 1 {
			t.Fatalf("poll %d: %d GetMetricData calls, want 1", polls, n)
		}
		polls++
		c = st.Canary
		if polls >= 6 {
			break
		}
	}
	if polls < 6 {
		t.Fatalf("only %d polls saw the canary", polls)
	}
	if c.MetricsError != "" || c.Stable.NoData || c.Canary.NoData || c.Stable.Requests <= 0 || c.Canary.Requests <= 0 {
		t.Fatalf("sides without traffic: %+v", c)
	}
	// Blue (the first revision's) gets 90 %: the sides are not swapped.
	if c.Stable.Requests <= c.Canary.Requests {
		t.Errorf("stable %d requests, canary %d: sides swapped?", c.Stable.Requests, c.Canary.Requests)
	}
	if c.Stable.Version.SHA != shaGood1 || c.Canary.Version.SHA != shaGood2 || !strings.Contains(c.Canary.Target, ":service-revision/") {
		t.Errorf("versions or targets lost: %+v / %+v", c.Stable, c.Canary)
	}
	if v := model.Judge(*c, 0, 0); v.Word == model.VerdictNoData {
		t.Fatalf("judged %+v", v)
	}

	// Done: the deployment finishes, and the calls stop.
	sb.settle(t)
	if st := fetchOne(t, s); st.Canary != nil {
		t.Fatalf("canary after the deploy finished: %+v", st.Canary)
	}
	if n := calls.take(); n != 0 {
		t.Fatalf("%d GetMetricData calls after the deploy finished, want 0", n)
	}
}

// CloudWatch unreachable: the canary says why and both sides are NoData
// (never zero traffic); the versions stand.
func TestSimNativeCanaryCloudWatchDown(t *testing.T) {
	sb, s, _ := nativeTrafficWorld(t)
	deployGood2(t, sb)
	sb.world.SetFault(sim.SvcCloudWatch, sim.Fault{ErrorRate: 1})
	st := untilCanary(t, sb, s, "the canary", func(st model.EnvStatus) bool { return st.Canary != nil })
	c := st.Canary
	if st.Error != "" || c.MetricsError == "" || !c.Stable.NoData || !c.Canary.NoData || c.Canary.Requests != 0 ||
		c.Canary.Version.SHA != shaGood2 {
		t.Fatalf("CloudWatch down: %+v", c)
	}
	if v := model.Judge(*c, 0, 0); v.Word != model.VerdictNoData {
		t.Fatalf("judged %+v", v)
	}
	sb.world.SetFault(sim.SvcCloudWatch, sim.Fault{})
	sb.step(t, 2*time.Minute)
	if c = fetchOne(t, s).Canary; c == nil || c.MetricsError != "" || c.Stable.NoData {
		t.Fatalf("CloudWatch back: %+v", c)
	}
}
