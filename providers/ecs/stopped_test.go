package ecs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
)

// prodAPIWithSidecar is prodAPI reading the api container of a task
// definition that also runs a FireLens log router.
var prodAPIWithSidecar = []Environment{{Key: key("api", "production"), Cluster: "prod", Service: "api", Container: "api"}}

// deployBad registers api with the image tag (the sim fails its tasks as
// the tag says: "bad" crashes, "bad-oom" is killed for memory,
// "bad-health" fails its health checks) next to a log router, and
// deploys it.
func deployBad(t *testing.T, c *awsecs.Client, tag string) {
	t.Helper()
	no := false
	bad := registerTaskDef(t, c, "api",
		containerSpec{name: "api", image: "acme/api:" + tag, labels: map[string]string{RevisionLabel: shaBad}},
		containerSpec{name: "log_router", image: "amazon/aws-for-fluent-bit:2", essential: &no})
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(bad)})
}

// failingSig is the deployment whose failures the poll shows, and its
// failed count, read from the status's rollouts, as the source reads them
// from DescribeServices.
func failingSig(st model.EnvStatus) string {
	var primary, other *model.Rollout
	for i := range st.Rollouts {
		r := &st.Rollouts[i]
		failing := r.State == rolloutFailed || r.Failed > 0
		switch {
		case r.Status == statusPrimary && failing:
			primary = r
		case r.Status != statusPrimary && failing && (other == nil || r.Created.After(other.Created)):
			other = r
		}
	}
	if primary == nil {
		primary = other
	}
	if primary == nil {
		return ""
	}
	return fmt.Sprintf("%s#%d#%s", primary.ID, primary.Failed, primary.State)
}

// A healthy board makes no ListTasks or DescribeTasks call; one failing
// environment makes one ListTasks and at most one DescribeTasks on each
// poll where its failing deployment or failed count changed, and none on
// the others; its stopped tasks say why, grouped.
func TestSimStoppedTasksCalls(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	fleet := seedFleet(t, c, 2, 5)
	seedOne(t, sb, c, shaGood1)
	cnt := newCounter()
	s := sb.source(t, append(fleet, prodAPIWithSidecar...), cnt.client())
	for poll := range 3 {
		sb.step(t, 5*time.Second)
		sb.world.ResetRequests()
		if _, err := s.Fetch(context.Background()); err != nil {
			t.Fatal(err)
		}
		ops, simOps := cnt.take(), sb.world.Requests()
		if ops["ListTasks"]+ops["DescribeTasks"] != 0 || simOps["ecs:ListTasks"]+simOps["ecs:DescribeTasks"] != 0 {
			t.Fatalf("healthy poll %d: %s (sim %v), want no ListTasks or DescribeTasks", poll, formatOps(ops), simOps)
		}
		t.Logf("healthy board of 11 services, poll %d: %s", poll, formatOps(ops))
	}

	deployBad(t, c, "bad-oom")
	sb.step(t, time.Second)
	last, lists, describes, changes, withGroups := "", 0, 0, 0, 0
	var st model.EnvStatus
	for i := 0; i < 600 && st.State != model.StateRolledBack; i++ {
		sb.step(t, time.Second)
		sts, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st = byKey(sts)[key("api", "production")]
		ops := cnt.take()
		sig := failingSig(st)
		want := 0
		if sig != "" && sig != last {
			want, changes = 1, changes+1
		}
		last = sig
		if ops["ListTasks"] != want || ops["DescribeTasks"] > want {
			t.Fatalf("poll %d (%s, %q): %s, want ListTasks=%d and DescribeTasks at most that", i, st.State, sig, formatOps(ops), want)
		}
		lists += ops["ListTasks"]
		describes += ops["DescribeTasks"]
		if st.Deployment != nil && len(st.Deployment.StoppedTasks) > 0 {
			withGroups++
		}
	}
	t.Logf("one failing environment: %d ListTasks and %d DescribeTasks over %d changes of its failed count", lists, describes, changes)
	if st.State != model.StateRolledBack || withGroups == 0 {
		t.Fatalf("ended %s, %d polls with stopped tasks", st.State, withGroups)
	}
	g := st.Deployment.StoppedTasks
	want := "3 tasks: Essential container in task exited — api exit 137 (OutOfMemoryError: Container killed due to memory usage)"
	if len(g) != 1 || g[0].Summary() != want || g[0].StopCode != "EssentialContainerExited" || g[0].LastAt.IsZero() || st.Deployment.StoppedError != "" {
		t.Fatalf("stopped tasks %+v (%q), want %q", g, summaries(g), want)
	}
	b, _ := json.Marshal(st)
	if !strings.Contains(string(b), `"stopped_tasks":[{"count":3,"reason":"Essential container in task exited","stop_code":"EssentialContainerExited","containers":[{"name":"api","exit_code":137,`) {
		t.Errorf("JSON: %s", b)
	}

	// Rolled back and still: the reasons stay, at no cost.
	for range 5 {
		sb.step(t, time.Minute)
		st = fetchAPI(t, s)
		if st.State != model.StateRolledBack || st.Deployment == nil || len(st.Deployment.StoppedTasks) != 1 {
			t.Fatalf("after the rollback: %s %+v", st.State, st.Deployment)
		}
	}
	if ops := cnt.take(); ops["ListTasks"]+ops["DescribeTasks"] != 0 {
		t.Errorf("five polls of the rolled-back board: %s", formatOps(ops))
	}
	// A new deploy that goes well drops them.
	td3 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood3})
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(td3)})
	sb.step(t, time.Second)
	if st = fetchAPI(t, s); st.State != model.StateDeploying || len(st.Deployment.StoppedTasks) != 0 {
		t.Errorf("a new deploy: %s %+v", st.State, st.Deployment)
	}
}

// fetchAPI polls and returns api production's status.
func fetchAPI(t *testing.T, s *Source) model.EnvStatus {
	t.Helper()
	sts, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return byKey(sts)[key("api", "production")]
}

func summaries(gs []model.StoppedGroup) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Summary())
	}
	return out
}

// deniedTasks refuses ListTasks as IAM does.
type deniedTasks struct{ next http.RoundTripper }

func (d deniedTasks) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ListTasks") {
		body := `{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/flightdeck/me is not authorized to perform: ecs:ListTasks on resource: arn:aws:ecs:us-east-1:123456789012:container-instance/prod/* because no identity-based policy allows the ecs:ListTasks action"}`
		return &http.Response{StatusCode: 400, Status: "400 Bad Request", Request: r, ContentLength: int64(len(body)),
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amzn-Errortype": {"AccessDeniedException"}},
			Body:   io.NopCloser(strings.NewReader(body))}, nil
	}
	return d.next.RoundTrip(r)
}

// Without ecs:ListTasks the failing environment reads as ever, and says
// which permission is missing, asked again only when something changes.
func TestSimStoppedTasksDenied(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	seedOne(t, sb, c, shaGood1)
	cnt := newCounter()
	cnt.next = deniedTasks{next: cnt.next}
	s := sb.source(t, prodAPIWithSidecar, cnt.client())
	fetchOne(t, s)
	deployBad(t, c, "bad")
	seen := pollUntil(t, sb, s, func(st model.EnvStatus) bool { return st.State == model.StateRolledBack })
	changes, last := 0, ""
	for _, st := range seen {
		if sig := failingSig(st); sig != "" && sig != last {
			changes++
			last = sig
		}
	}
	st := seen[len(seen)-1]
	if st.Error != "" || st.Deployment == nil || st.Deployment.StoppedError != "ecs:ListTasks is not allowed for this role: stopped tasks cannot be read" ||
		len(st.Deployment.StoppedTasks) != 0 {
		t.Fatalf("denied: error %q deployment %+v", st.Error, st.Deployment)
	}
	if ops := cnt.take(); ops["ListTasks"] != changes || ops["DescribeTasks"] != 0 {
		t.Errorf("denied: %s over %d changes", formatOps(ops), changes)
	}
}

// Tasks that fail the load balancer's health checks say so, naming the
// target group; with no rollback the deploy ends failed.
func TestSimStoppedTasksELBHealth(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	createCluster(t, c, "prod")
	tg := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-prod/0123456789abcdef"
	td := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood1})
	if _, err := c.CreateService(context.Background(), &awsecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("api"), TaskDefinition: aws.String(td), DesiredCount: aws.Int32(2),
		LoadBalancers: []types.LoadBalancer{{TargetGroupArn: aws.String(tg), ContainerName: aws.String("api"), ContainerPort: aws.Int32(8080)}},
		DeploymentConfiguration: &types.DeploymentConfiguration{
			DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: false}},
	}); err != nil {
		t.Fatal(err)
	}
	sb.settle(t)
	s := sb.source(t, prodAPIWithSidecar, nil)
	fetchOne(t, s)
	deployBad(t, c, "bad-health")
	seen := pollUntil(t, sb, s, func(st model.EnvStatus) bool { return st.State == model.StateFailed })
	st := seen[len(seen)-1]
	if st.Deployment == nil || len(st.Deployment.StoppedTasks) != 1 {
		t.Fatalf("failed: %+v", st.Deployment)
	}
	g := st.Deployment.StoppedTasks[0]
	if g.HealthCheck != "load_balancer" || g.TargetGroup != tg || g.Count != 3 || g.Summary() != "3 tasks: Task failed ELB health checks (target group api-prod) — api exit 143" ||
		g.Reason != "Task failed ELB health checks in (target-group "+tg+")" {
		t.Errorf("health-check failure: %+v %q", g, g.Summary())
	}
}

// failingTasks answers ListTasks with a server error while on is set.
type failingTasks struct {
	next http.RoundTripper
	on   *atomic.Bool
}

func (f failingTasks) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.on.Load() && strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ListTasks") {
		body := `{"__type":"ServerException","message":"Service unavailable."}`
		return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Request: r, ContentLength: int64(len(body)),
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
	}
	return f.next.RoundTrip(r)
}

// A read that fails is a note, not the environment's error, and is tried
// again a minute later even when nothing changed.
func TestSimStoppedTasksRetry(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	createCluster(t, c, "prod")
	td := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood1})
	createService(t, c, "prod", "api", td, 2, &types.DeploymentConfiguration{
		DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: false}})
	sb.settle(t)
	on := &atomic.Bool{}
	on.Store(true)
	cnt := newCounter()
	cnt.next = failingTasks{next: cnt.next, on: on}
	s := sb.source(t, prodAPIWithSidecar, cnt.client())
	fetchOne(t, s)
	deployBad(t, c, "bad")
	seen := pollUntil(t, sb, s, func(st model.EnvStatus) bool { return st.State == model.StateFailed })
	st := seen[len(seen)-1]
	if st.Error != "" || st.Deployment == nil || !strings.HasPrefix(st.Deployment.StoppedError, "stopped tasks could not be read: ") {
		t.Fatalf("while ListTasks fails: error %q deployment %+v", st.Error, st.Deployment)
	}
	cnt.take()
	for range 10 {
		sb.step(t, 5*time.Second)
		fetchOne(t, s)
	}
	if ops := cnt.take(); ops["ListTasks"] > 1 {
		t.Errorf("fifty seconds of a failed deploy with a failing read: %s, want at most one retry", formatOps(ops))
	}
	on.Store(false)
	sb.step(t, time.Minute)
	st = fetchOne(t, s)
	if st.Deployment == nil || st.Deployment.StoppedError != "" || len(st.Deployment.StoppedTasks) != 1 || st.Deployment.StoppedTasks[0].Count != 3 {
		t.Fatalf("a minute on, the read works: %+v", st.Deployment)
	}
	if ops := cnt.take(); ops["ListTasks"] != 1 || ops["DescribeTasks"] != 1 {
		t.Errorf("the retry: %s", formatOps(ops))
	}
}
