package sim

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/sim/elbv2"
)

type demoEnv struct{ service, env, cluster string }

func demoEnvs() []demoEnv {
	var out []demoEnv
	for _, cs := range demoCatalogue() {
		for _, e := range cs.envs {
			out = append(out, demoEnv{cs.name, e.name, e.cluster})
		}
	}
	return out
}

func TestDemoCatalogue(t *testing.T) {
	cat := demoCatalogue()
	if len(cat) < 4 {
		t.Fatalf("%d services", len(cat))
	}
	withDev, tagOnly := false, false
	for _, cs := range cat {
		if n := len(cs.envs); n < 2 || n > 3 {
			t.Errorf("%s has %d environments", cs.name, n)
		}
		withDev = withDev || cs.env("dev") != nil
		tagOnly = tagOnly || !cs.labelled
		for _, e := range cs.envs {
			if e.desired < 2 || e.desired > 6 {
				t.Errorf("%s/%s desired %d", cs.name, e.name, e.desired)
			}
			wantRegion := "us-east-1"
			if e.name == "production" {
				wantRegion = "eu-west-1"
			}
			if e.region != wantRegion || e.cluster != e.name || e.protected != (e.name == "production") {
				t.Errorf("%s/%s: %+v", cs.name, e.name, e)
			}
		}
	}
	if !withDev || !tagOnly {
		t.Fatalf("want a service with dev (%v) and one with a tag-only image (%v)", withDev, tagOnly)
	}
}

func TestDemoStartsWithHistoryAndMotion(t *testing.T) {
	h := newHarness(t, Options{Seed: 11})
	inactive := 0
	for _, de := range demoEnvs() {
		fam := de.service + "-" + de.env
		active, err := h.ecs.ListTaskDefinitions(h.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(fam), Sort: types.SortOrderDesc})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(active.TaskDefinitionArns); n < 3 || n > 6 {
			t.Errorf("%s: %d ACTIVE revisions, want 3–6", fam, n)
		}
		old, err := h.ecs.ListTaskDefinitions(h.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(fam), Status: types.TaskDefinitionStatusInactive})
		if err != nil {
			t.Fatal(err)
		}
		inactive += len(old.TaskDefinitionArns)
		s := h.service(de.cluster, de.service)
		if *s.Status != "ACTIVE" || s.DeploymentConfiguration.DeploymentCircuitBreaker == nil ||
			!s.DeploymentConfiguration.DeploymentCircuitBreaker.Enable || !s.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback {
			t.Errorf("%s/%s: %+v", de.cluster, de.service, s.DeploymentConfiguration)
		}
		if !strings.Contains(*s.ServiceArn, ":service/"+de.cluster+"/"+de.service) {
			t.Errorf("arn %s", *s.ServiceArn)
		}
		sds, err := h.ecs.ListServiceDeployments(h.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String(de.cluster), Service: aws.String(de.service), MaxResults: aws.Int32(100)})
		if err != nil || len(sds.ServiceDeployments) < 3 {
			t.Errorf("%s/%s service deployments: %d, %v", de.cluster, de.service, len(sds.ServiceDeployments), err)
		}
	}
	if inactive == 0 {
		t.Error("no deregistered revisions anywhere")
	}

	// Something rolls in the first seconds.
	rolling := false
	h.until(5*time.Second, func() bool {
		for _, de := range demoEnvs() {
			if s := h.service(de.cluster, de.service); len(s.Deployments) > 1 {
				rolling = true
			}
		}
		return rolling
	})
	if !rolling {
		t.Fatal("nothing is rolling in the first seconds")
	}
	// Holds wait in production for some pipelines.
	onHold := 0
	for _, cs := range demoCatalogue() {
		for _, p := range h.w.Pipelines(cs.name) {
			for _, j := range p.Workflows[0].Jobs {
				if j.Status == RunOnHold {
					onHold++
				}
			}
		}
	}
	if onHold == 0 {
		t.Fatal("no production gate is waiting")
	}
}

// TestDemoEarlyDeployFailsAndRollsBack: within the first 90 s a deploy trips
// the circuit breaker and its rollback succeeds.
func TestDemoEarlyDeployFailsAndRollsBack(t *testing.T) {
	for _, speed := range []float64{1, 4} {
		h := newHarness(t, Options{Seed: 3, Speed: speed})
		var arn string
		ok := h.until(time.Duration(float64(90*time.Second)/speed), func() bool {
			for _, de := range demoEnvs() {
				list, err := h.ecs.ListServiceDeployments(h.ctx, &ecs.ListServiceDeploymentsInput{
					Cluster: aws.String(de.cluster), Service: aws.String(de.service),
					Status:    []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusRollbackSuccessful},
					CreatedAt: &types.CreatedAt{After: aws.Time(t0.Add(-time.Minute))},
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(list.ServiceDeployments) > 0 {
					arn = *list.ServiceDeployments[0].ServiceDeploymentArn
					return true
				}
			}
			return false
		})
		if !ok {
			t.Fatalf("speed %v: no rollback succeeded in the first 90 s", speed)
		}
		sd := h.serviceDeployment(arn)
		if *sd.Rollback.Reason != breakerReason || sd.DeploymentCircuitBreaker.Status != types.ServiceDeploymentRollbackMonitorsStatusTriggered {
			t.Fatalf("speed %v: %+v", speed, sd)
		}
		// The pipeline that shipped it failed at that deploy.
		failedDeploy := false
		for _, p := range h.w.Pipelines("payments") {
			for _, j := range p.Workflows[0].Jobs {
				if j.ServiceDeploymentArn == arn && j.Status == RunFailed && p.Workflows[0].Status == RunFailed {
					failedDeploy = true
				}
			}
		}
		if !failedDeploy {
			t.Fatalf("speed %v: no failed deploy job for %s", speed, arn)
		}
	}
}

var hex40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

// TestDemoVersionsTraceToCommits: every environment's task definition names
// a commit of its repo, by label (api, web, payments) or by tag only (worker).
func TestDemoVersionsTraceToCommits(t *testing.T) {
	h := newHarness(t, Options{Seed: 5})
	sawLabel, sawTag := false, false
	for _, de := range demoEnvs() {
		s := h.service(de.cluster, de.service)
		td, err := h.ecs.DescribeTaskDefinition(h.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: s.TaskDefinition})
		if err != nil {
			t.Fatal(err)
		}
		c := td.TaskDefinition.ContainerDefinitions[0]
		if *c.Name != de.service {
			t.Errorf("container %s", *c.Name)
		}
		wantPrefix := "123456789012.dkr.ecr." + map[string]string{"production": "eu-west-1"}[de.env]
		if de.env != "production" {
			wantPrefix = "123456789012.dkr.ecr.us-east-1"
		}
		if !strings.HasPrefix(*c.Image, wantPrefix+".amazonaws.com/"+de.service+":") {
			t.Errorf("image %s", *c.Image)
		}
		tag := (*c.Image)[strings.LastIndex(*c.Image, ":")+1:]
		var sha string
		if label, ok := c.DockerLabels["org.opencontainers.image.revision"]; ok {
			sawLabel = true
			if !hex40.MatchString(label) || !strings.HasPrefix(label, tag) {
				t.Errorf("%s: label %s, tag %s", de.service, label, tag)
			}
			sha = label
		} else {
			sawTag = true
			if !regexp.MustCompile(`^sha-[0-9a-f]{7}$`).MatchString(tag) {
				t.Errorf("%s: tag-only image %s", de.service, *c.Image)
			}
			sha = strings.TrimPrefix(tag, "sha-")
		}
		found := slices.ContainsFunc(h.w.Commits(de.service), func(c Commit) bool { return strings.HasPrefix(c.SHA, sha) })
		if !found {
			t.Errorf("%s/%s runs %s, which is not a commit of acme/%s", de.cluster, de.service, sha, de.service)
		}
	}
	if !sawLabel || !sawTag {
		t.Fatalf("label path %v, tag path %v", sawLabel, sawTag)
	}
	for _, c := range h.w.Commits("api") {
		if !hex40.MatchString(c.SHA) || c.Subject == "" || c.Author.Login == "" || c.Time.IsZero() {
			t.Fatalf("commit %+v", c)
		}
	}
}

// TestDemoKeepsMoving: over ten minutes every service gets commits whose
// pipelines run job by job, colleagues approve gates and production moves.
func TestDemoKeepsMoving(t *testing.T) {
	h := newHarness(t, Options{Seed: 8})
	before := map[string]int{}
	for _, cs := range demoCatalogue() {
		before[cs.name] = len(h.w.Commits(cs.name))
	}
	h.advance(10*time.Minute, time.Second)
	prodDeploys := 0
	approved := 0
	for _, cs := range demoCatalogue() {
		if n := len(h.w.Commits(cs.name)) - before[cs.name]; n < 3 {
			t.Errorf("%s: %d new commits in 10 minutes", cs.name, n)
		}
		for _, p := range h.w.Pipelines(cs.name) {
			if p.CreatedAt.Before(t0) {
				continue
			}
			wf := p.Workflows[0]
			names := []string{}
			for _, j := range wf.Jobs {
				names = append(names, j.Name)
				if j.ApprovedBy != nil {
					approved++
				}
				if j.Name == "deploy-production" && j.Status == RunSuccess {
					prodDeploys++
				}
				if j.Status == RunSuccess && (j.StartedAt.IsZero() || j.StoppedAt.Before(j.StartedAt)) {
					t.Errorf("job %s times %v..%v", j.Name, j.StartedAt, j.StoppedAt)
				}
			}
			// CircleCI gates production with an approval job; GitHub
			// Actions runs its workflow file's graph, where production's
			// deploy job waits for the environment's reviewers.
			circle := []string{"build", "test", "hold-production", "deploy-production"}
			if cs.ci == ciGitHubActions {
				circle = []string{"Build image", "test (", "deploy-staging / deploy", "deploy-production"}
			}
			if names[0] != circle[0] || !strings.HasPrefix(names[1], circle[1]) || !slices.Contains(names, circle[2]) || names[len(names)-1] != circle[3] {
				t.Errorf("%s jobs %v", cs.name, names)
			}
		}
	}
	if approved == 0 || prodDeploys < 2 {
		t.Fatalf("approved %d gates, %d production deploys in 10 minutes", approved, prodDeploys)
	}
}

// describeAll is the raw DescribeServices answer for every demo service,
// with request IDs left out.
func describeAll(t *testing.T, url string) []byte {
	var all bytes.Buffer
	for _, cl := range []string{"dev", "staging", "production"} {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"cluster":"`+cl+`","services":["api","web","worker","payments"]}`))
		req.Header.Set("X-Amz-Target", ecsTargetPrefix+"DescribeServices")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		all.Write(b)
	}
	return all.Bytes()
}

func TestDemoIsDeterministic(t *testing.T) {
	run := func(seed int64, reads bool) []byte {
		h := newHarness(t, Options{Seed: seed})
		for i := 0; i < 12; i++ {
			h.advance(10*time.Second, 700*time.Millisecond)
			if reads {
				describeAll(t, h.srv.URL) // reading must not change the world
			}
		}
		return describeAll(t, h.srv.URL)
	}
	a, b := run(42, false), run(42, true)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed and steps gave different worlds")
	}
	if bytes.Equal(a, run(43, false)) {
		t.Fatal("different seeds gave the same world")
	}
	// Step granularity does not matter either: events run at their own times.
	h1 := newHarness(t, Options{Seed: 42})
	h1.advance(2*time.Minute, 2*time.Minute)
	h2 := newHarness(t, Options{Seed: 42})
	h2.advance(2*time.Minute, 300*time.Millisecond)
	if !bytes.Equal(describeAll(t, h1.srv.URL), describeAll(t, h2.srv.URL)) {
		t.Fatal("one big step and many small ones differ")
	}
}

// TestDemoRunsForHours: a long run stays bounded and consistent.
func TestDemoRunsForHours(t *testing.T) {
	if testing.Short() {
		t.Skip("long run")
	}
	h := newHarness(t, Options{Seed: 9, Speed: 4})
	h.advance(3*time.Hour/4, 5*time.Second) // three hours of scenario time
	for _, de := range demoEnvs() {
		s := h.service(de.cluster, de.service)
		if len(s.Events) > 100 || len(s.Deployments) > 4 || s.RunningCount > s.DesiredCount+1 {
			t.Errorf("%s/%s: %d events, %d deployments, %d/%d running", de.cluster, de.service, len(s.Events), len(s.Deployments), s.RunningCount, s.DesiredCount)
		}
		active, _ := h.ecs.ListTaskDefinitions(h.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(de.service + "-" + de.env)})
		if n := len(active.TaskDefinitionArns); n < 3 || n > 6 {
			t.Errorf("%s-%s: %d ACTIVE revisions after hours", de.service, de.env, n)
		}
	}
}

// TestDemoBlueGreenDeploysTheStandby: checkout's production is a pair on
// a listener; its pipeline deploys the colour at weight 0 (green at
// first) and never the live one, and its target group's targets follow
// the rollout back to all healthy.
func TestDemoBlueGreenDeploysTheStandby(t *testing.T) {
	h := newHarness(t, Options{Seed: 11})
	td := func(name string) string { return aws.ToString(h.service("production", name).TaskDefinition) }
	blue, green := td("checkout-blue"), td("checkout-green")
	listener, blueTG, greenTG, ok := h.w.BlueGreen("checkout")
	if !ok || blue == green || !strings.Contains(blue, "task-definition/checkout-production:") {
		t.Fatalf("checkout at t0: blue %s, green %s, %v", blue, green, ok)
	}
	weights := func() map[string]int {
		h.w.loop.Lock()
		defer h.w.loop.Unlock()
		return h.w.elbv2.Weights(listener)
	}
	if w := weights(); w[blueTG] != 100 || w[greenTG] != 0 {
		t.Fatalf("weights %v", w)
	}
	if !h.until(10*time.Minute, func() bool { return td("checkout-green") != green && h.steady("production", "checkout-green") }) {
		t.Fatalf("the standby was not deployed: green %s", td("checkout-green"))
	}
	if td("checkout-blue") != blue {
		t.Fatalf("the live side was deployed: %s", td("checkout-blue"))
	}
	h.advance(elbv2.DrainFor+time.Second, time.Second)
	h.w.loop.Lock()
	health := h.w.elbv2.Health(greenTG)
	h.w.loop.Unlock()
	if len(health) != 3 {
		t.Fatalf("green's targets after the rollout: %+v", health)
	}
	for _, ts := range health {
		if ts.State != "healthy" {
			t.Fatalf("green's targets after the rollout: %+v", health)
		}
	}
}
