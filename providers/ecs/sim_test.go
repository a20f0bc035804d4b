package ecs

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// simBackend is a fresh simulated world with an empty scenario on loopback,
// driven by a fake clock.
type simBackend struct {
	*backend
	world *sim.World
	clock *fakeclock.Clock
}

func startSim(tb testing.TB) *simBackend {
	tb.Helper()
	srv := simtest.Start(tb, t0, sim.Options{Seed: 1, Scenario: sim.ScenarioEmpty})
	sb := &simBackend{world: srv.World, clock: srv.Clock}
	step := func(_ *testing.T, d time.Duration) { srv.Step(d) }
	sb.backend = &backend{
		name:      "sim",
		endpoint:  srv.URL,
		anonymous: true,
		step:      step,
		// Deploys roll a task every few seconds; ten minutes settles any
		// rollout of the sizes used here.
		settle: func(t *testing.T) { step(t, 10*time.Minute) },
		now:    srv.Clock.Now,
	}
	return sb
}

func TestBackendsSim(t *testing.T) {
	runBackendTable(t, startSim(t).backend)
}

// The simulator counts requests by operation too; the per-poll numbers must
// agree with the counting client's.
func TestSimRequestCounts(t *testing.T) {
	sb := startSim(t)
	seedBackend(t, sb.backend)
	s := sb.source(t, backendEnvs, nil)
	if _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	sb.world.ResetRequests()
	if _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := sb.world.Requests()
	t.Logf("sim Requests() for a steady poll: %v", got)
	total := 0
	for _, n := range got {
		total += n
	}
	if got["ecs:DescribeServices"] != 3 || total != 3 {
		t.Fatalf("steady poll: sim saw %v, want ecs:DescribeServices=3 only", got)
	}
}

const (
	shaGood1 = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
	shaGood2 = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
	shaBad   = "dead0000dead0000dead0000dead0000dead0000"
	shaGood3 = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
)

// seedOne creates cluster "prod" with service "api" (desired 4, circuit
// breaker with rollback) running the image tagged with sha.
func seedOne(t *testing.T, sb *simBackend, c *awsecs.Client, sha string) {
	createCluster(t, c, "prod")
	td := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + sha})
	createService(t, c, "prod", "api", td, 4, &types.DeploymentConfiguration{
		DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
	})
	sb.settle(t)
}

var prodAPI = []Environment{{Key: key("api", "production"), Cluster: "prod", Service: "api"}}

// pollUntil steps the sim a second at a time, fetching after each step,
// until done says so (or ten simulated minutes pass). It returns every
// status seen.
func pollUntil(t *testing.T, sb *simBackend, s *Source, done func(model.EnvStatus) bool) []model.EnvStatus {
	t.Helper()
	var seen []model.EnvStatus
	for range 600 {
		sb.step(t, time.Second)
		sts, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		st := sts[0]
		if st.Error != "" {
			t.Fatalf("error on the environment: %s", st.Error)
		}
		seen = append(seen, st)
		if done(st) {
			return seen
		}
	}
	t.Fatalf("not done after ten simulated minutes; last: %+v", seen[len(seen)-1])
	return nil
}

func TestSimRollingDeploy(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	seedOne(t, sb, c, shaGood1)
	s := sb.source(t, prodAPI, nil)
	if st := fetchOne(t, s); st.State != model.StateSteady || st.Version.SHA != shaGood1 {
		t.Fatalf("before the deploy: %s %s", st.State, st.Version.SHA)
	}

	td2 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood2})
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(td2)})
	seen := pollUntil(t, sb, s, func(st model.EnvStatus) bool { return st.State == model.StateSteady })

	runningSeen := map[int]bool{}
	for i, st := range seen[:len(seen)-1] {
		if st.State != model.StateDeploying {
			t.Fatalf("poll %d during the rollout: state %s", i, st.State)
		}
		d := st.Deployment
		if d == nil || d.FromSHA != shaGood1 || d.ToSHA != shaGood2 || d.Desired != 4 || d.StartedAt.IsZero() {
			t.Fatalf("poll %d: deployment %+v", i, d)
		}
		if st.Version.SHA != shaGood2 || st.Version.Revision != "api:2" {
			t.Fatalf("poll %d: version %+v, want the new one while it rolls", i, st.Version)
		}
		runningSeen[d.Running] = true
	}
	if len(runningSeen) < 3 {
		t.Errorf("running counts seen during the rollout: %v, want it to move", runningSeen)
	}
	last := seen[len(seen)-1]
	if last.Version.SHA != shaGood2 || last.Deployment != nil || len(last.Rollouts) != 1 || last.Since.IsZero() {
		t.Errorf("after the rollout: %+v", last)
	}
	if len(last.Events) == 0 || len(last.Events) > 10 || !strings.Contains(last.Events[0].Message, "steady state") {
		t.Errorf("events: %+v", last.Events)
	}
	for i := 1; i < len(last.Events); i++ {
		if last.Events[i].At.After(last.Events[i-1].At) {
			t.Errorf("events not newest first: %+v", last.Events)
		}
	}
	t.Logf("rolling deploy: %d polls deploying, running counts seen %v", len(seen)-1, runningSeen)
}

// noServiceDeployments answers ListServiceDeployments as an endpoint that
// does not know it, to show rollbacks are seen from DescribeServices alone.
type noServiceDeployments struct{ next http.RoundTripper }

func (n noServiceDeployments) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ListServiceDeployments") {
		body := `{"__type":"UnknownOperationException","message":"unknown operation"}`
		return &http.Response{StatusCode: 400, Status: "400 Bad Request", Request: r, ContentLength: int64(len(body)),
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
	}
	return n.next.RoundTrip(r)
}

func TestSimCircuitBreakerRollback(t *testing.T) {
	t.Run("with ListServiceDeployments", func(t *testing.T) { testSimRollback(t, false) })
	t.Run("from DescribeServices alone", func(t *testing.T) { testSimRollback(t, true) })
}

func testSimRollback(t *testing.T, withoutLSD bool) {
	sb := startSim(t)
	c := sb.seedClient(t)
	seedOne(t, sb, c, shaGood1)
	cnt := newCounter()
	if withoutLSD {
		cnt.next = noServiceDeployments{next: cnt.next}
	}
	s := sb.source(t, prodAPI, cnt.client())
	fetchOne(t, s)

	// A build that never starts: the image is tagged "bad" (the sim fails
	// its tasks), the SHA comes from the label.
	bad := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:bad",
		labels: map[string]string{RevisionLabel: shaBad}})
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(bad)})
	cnt.take()
	seen := pollUntil(t, sb, s, func(st model.EnvStatus) bool { return st.State == model.StateRolledBack })

	states := []model.DeployState{}
	sawFailed := false
	for i, st := range seen {
		if len(states) == 0 || states[len(states)-1] != st.State {
			states = append(states, st.State)
		}
		if st.State == model.StateSteady {
			t.Fatalf("poll %d: steady (%s) in the middle of a failed deploy", i, st.Version.SHA)
		}
		if st.State == model.StateFailed {
			sawFailed = true
			d := st.Deployment
			if d == nil || d.FromSHA != shaBad || d.ToSHA != shaGood1 || d.Reason == "" || d.Desired != 4 {
				t.Fatalf("poll %d: failed with deployment %+v, want from the bad SHA to the restored one with a reason", i, d)
			}
			if st.Version.SHA != shaGood1 {
				t.Fatalf("poll %d: version %s while rolling back, want the restored %s", i, st.Version.SHA, shaGood1)
			}
			if d.Rollback != model.RollbackInProgress {
				t.Fatalf("poll %d: failed with rollback phase %q, want %q", i, d.Rollback, model.RollbackInProgress)
			}
		}
	}
	t.Logf("rollback states: %v; calls: %s", states, formatOps(cnt.take()))
	if !sawFailed {
		t.Errorf("never saw the rollback in progress as failed: %v", states)
	}
	last := seen[len(seen)-1]
	if last.Version.SHA != shaGood1 || last.Deployment == nil || last.Deployment.FromSHA != shaBad || !strings.Contains(last.Deployment.Reason, "circuit breaker") ||
		last.Deployment.Rollback != model.RollbackDone {
		t.Errorf("rolled back: %+v deployment %+v", last.Version, last.Deployment)
	}

	// It stays rolled back, with steady polls at one call, until a new
	// deployment begins.
	for range 5 {
		sb.step(t, time.Minute)
		if st := fetchOne(t, s); st.State != model.StateRolledBack || st.Deployment == nil || st.Deployment.Reason == "" {
			t.Fatalf("after the rollback settled: %s %+v", st.State, st.Deployment)
		}
	}
	if ops := cnt.take(); len(ops) != 1 || ops["DescribeServices"] != 5 {
		t.Errorf("five polls of a rolled-back service made %s, want DescribeServices=5", formatOps(ops))
	}
	// A fresh source (flightdeck restarted) still sees it rolled back, when
	// ListServiceDeployments can say so. From DescribeServices alone it
	// cannot: the sim's rollback event names the deployment that first ran
	// the restored version, which is gone once the rollback completes, and
	// an event naming another deployment is not placed by its time.
	fresh := &http.Client{Transport: http.DefaultTransport}
	if withoutLSD {
		fresh.Transport = noServiceDeployments{next: http.DefaultTransport}
	}
	st := fetchOne(t, sb.source(t, prodAPI, fresh))
	switch {
	case !withoutLSD && (st.State != model.StateRolledBack || st.Deployment == nil || st.Deployment.Rollback != model.RollbackDone):
		t.Errorf("a new source sees %s %+v, want rolled_back, rollback done", st.State, st.Deployment)
	case withoutLSD && st.Version.SHA != shaGood1:
		t.Errorf("a new source without ListServiceDeployments reads %+v, want the restored version", st.Version)
	}

	td3 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood3})
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(td3)})
	sb.step(t, time.Second)
	if st := fetchOne(t, s); st.State != model.StateDeploying || st.Deployment.FromSHA != shaGood1 || st.Deployment.ToSHA != shaGood3 {
		t.Fatalf("new deployment after a rollback: %s %+v", st.State, st.Deployment)
	}
	seen = pollUntil(t, sb, s, func(st model.EnvStatus) bool { return st.State == model.StateSteady })
	if st := seen[len(seen)-1]; st.Version.SHA != shaGood3 {
		t.Errorf("after the fix: %+v", st.Version)
	}
}

func TestSimFaults(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	seedOne(t, sb, c, shaGood1)
	s := sb.source(t, prodAPI, nil)
	fetchOne(t, s) // warm the task-definition cache

	cases := []struct {
		name  string
		fault sim.Fault
		is    error
	}{
		{"throttle", sim.Fault{ThrottleRate: 1}, providers.ErrThrottled},
		{"5xx", sim.Fault{ErrorRate: 1}, nil},
		{"dropped connection", sim.Fault{DropRate: 1}, nil},
		{"malformed body", sim.Fault{MalformedRate: 1}, nil},
		{"access denied", sim.Fault{DenyRate: 1}, providers.ErrAuth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sb.world.SetFault("ecs", tc.fault)
			defer sb.world.SetFault("ecs", sim.Fault{})
			sts, err := s.Fetch(context.Background())
			if err == nil {
				t.Fatalf("no error; got %+v", sts)
			}
			if !strings.Contains(err.Error(), "ecs: describe services in prod: ") {
				t.Errorf("error lacks context: %v", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v, want errors.Is %v", err, tc.is)
			}
			if tc.is == nil && (errors.Is(err, providers.ErrThrottled) || errors.Is(err, providers.ErrAuth) || errors.Is(err, providers.ErrNotFound)) {
				t.Errorf("error %v mapped to a sentinel it is not", err)
			}
			t.Logf("%s: %v", tc.name, err)
		})
	}
	// Flaky, not down: every poll either reads the service or fails cleanly.
	sb.world.SetFault("ecs", sim.Fault{ErrorRate: 0.3, DropRate: 0.2, MalformedRate: 0.2, ThrottleRate: 0.2})
	okPolls := 0
	for range 10 {
		sts, err := s.Fetch(context.Background())
		if err == nil && sts[0].Error == "" {
			okPolls++
			if sts[0].Version.SHA != shaGood1 {
				t.Fatalf("a flaky poll read %+v", sts[0].Version)
			}
		}
	}
	sb.world.SetFault("ecs", sim.Fault{})
	t.Logf("flaky endpoint: %d of 10 polls read the service", okPolls)
	if st := fetchOne(t, s); st.State != model.StateSteady || st.Version.SHA != shaGood1 {
		t.Fatalf("after the faults cleared: %+v", st)
	}
}

// TestSimPartialFailureIsPerEnvironment: a cluster that fails does not take the
// others down; its environments carry the error.
func TestSimPartialFailureIsPerEnvironment(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	seedOne(t, sb, c, shaGood1)
	s := sb.source(t, append(append([]Environment{}, prodAPI...),
		Environment{Key: key("api", "staging"), Cluster: "missing-cluster", Service: "api"}), nil)
	sts, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sts[0].Error != "" || sts[0].Version.SHA != shaGood1 || !strings.Contains(sts[1].Error, "not found") {
		t.Fatalf("got %+v / %+v", sts[0], sts[1])
	}
}

func TestCallsPerPollSim(t *testing.T) {
	sb := startSim(t)
	runCallsPerPoll(t, sb.backend, sb.world.Requests, sb.world.ResetRequests)
}

func BenchmarkFetch(b *testing.B) {
	sb := startSim(b)
	envs := seedFleet(b, sb.seedClient(b), 5, 10)
	sb.world.Step(sb.clock.Advance(10 * time.Minute))
	s, err := New(context.Background(), Options{Region: testRegion, EndpointURL: sb.endpoint, Anonymous: true, Environments: envs, Now: sb.clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Fetch(context.Background()); err != nil { // warm the task-definition cache
		b.Fatal(err)
	}
	sb.world.ResetRequests()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sts, err := s.Fetch(context.Background())
		if err != nil || len(sts) != 50 {
			b.Fatalf("%d %v", len(sts), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sb.world.Requests()["ecs:DescribeServices"])/float64(b.N), "DescribeServices/op")
}
