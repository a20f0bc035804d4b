package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

const testImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:"

// seedService creates cluster "c1", registers family "api" with one
// revision per tag and creates service "api" on the first, then waits for
// steady state.
func (h *harness) seedService(desired int32, breaker bool, tags ...string) {
	h.t.Helper()
	if _, err := h.ecs.CreateCluster(h.ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")}); err != nil {
		h.t.Fatal(err)
	}
	for _, tag := range tags {
		h.registerTD("api", tag)
	}
	in := &ecs.CreateServiceInput{
		Cluster: aws.String("c1"), ServiceName: aws.String("api"),
		TaskDefinition: aws.String("api:1"), DesiredCount: aws.Int32(desired),
	}
	if breaker {
		in.DeploymentConfiguration = &types.DeploymentConfiguration{
			DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		}
	}
	if _, err := h.ecs.CreateService(h.ctx, in); err != nil {
		h.t.Fatal(err)
	}
	if !h.until(5*time.Minute, func() bool { return h.steady("c1", "api") }) {
		h.t.Fatal("service never reached a steady state")
	}
}

func (h *harness) registerTD(family, tag string) *types.TaskDefinition {
	h.t.Helper()
	out, err := h.ecs.RegisterTaskDefinition(h.ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(family),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String(family), Image: aws.String(testImage + tag), Essential: aws.Bool(true),
			DockerLabels: map[string]string{"org.opencontainers.image.revision": strings.Repeat(tag[:1], 40)},
		}},
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		NetworkMode: types.NetworkModeAwsvpc,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out.TaskDefinition
}

func (h *harness) steady(cluster, name string) bool {
	s := h.service(cluster, name)
	return len(s.Deployments) == 1 && s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted &&
		s.RunningCount == s.DesiredCount
}

func hasEvent(s types.Service, substr string) bool {
	return slices.ContainsFunc(s.Events, func(e types.ServiceEvent) bool { return strings.Contains(*e.Message, substr) })
}

func TestCreateServiceStartsTasksOneByOne(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	if _, err := h.ecs.CreateCluster(h.ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")}); err != nil {
		t.Fatal(err)
	}
	h.registerTD("api", "aaaaaaa")
	out, err := h.ecs.CreateService(h.ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("c1"), ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(3),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := out.Service
	if *s.ServiceArn != "arn:aws:ecs:us-east-1:123456789012:service/c1/api" || *s.Status != "ACTIVE" || s.RunningCount != 0 {
		t.Fatalf("new service: %+v", s)
	}
	if len(s.Deployments) != 1 || s.Deployments[0].RolloutState != types.DeploymentRolloutStateInProgress ||
		!strings.HasPrefix(*s.Deployments[0].Id, "ecs-svc/") || s.CurrentServiceDeployment == nil {
		t.Fatalf("new service deployments: %+v", s.Deployments)
	}

	var seen []int32
	ok := h.until(2*time.Minute, func() bool {
		s := h.service("c1", "api")
		if n := len(seen); n == 0 || seen[n-1] != s.RunningCount {
			seen = append(seen, s.RunningCount)
		}
		return h.steady("c1", "api")
	})
	if !ok || !slices.Equal(seen, []int32{0, 1, 2, 3}) {
		t.Fatalf("running counts went %v (steady %v), want 0,1,2,3", seen, ok)
	}
	s = ptr(h.service("c1", "api"))
	if !hasEvent(*s, "(service api) has reached a steady state.") || !hasEvent(*s, "(service api) has started 1 tasks: (task ") {
		t.Fatalf("events: %v", eventMessages(*s))
	}
	if *s.Events[0].Message != "(service api) has reached a steady state." {
		t.Fatalf("events are not newest first: %v", eventMessages(*s))
	}

	list, err := h.ecs.ListServices(h.ctx, &ecs.ListServicesInput{Cluster: aws.String("c1")})
	if err != nil || !slices.Equal(list.ServiceArns, []string{*s.ServiceArn}) {
		t.Fatalf("ListServices = %v, %v", list, err)
	}
	clusters, err := h.ecs.DescribeClusters(h.ctx, &ecs.DescribeClustersInput{Clusters: []string{"c1", "nope"}})
	if err != nil || len(clusters.Clusters) != 1 || clusters.Clusters[0].RunningTasksCount != 3 || clusters.Failures[0].Reason == nil {
		t.Fatalf("DescribeClusters = %+v, %v", clusters, err)
	}
	if _, err := h.ecs.CreateService(h.ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("c1"), ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(1),
	}); !isCode[*types.InvalidParameterException](err) {
		t.Fatalf("duplicate CreateService: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func eventMessages(s types.Service) []string {
	var out []string
	for _, e := range s.Events {
		out = append(out, *e.Message)
	}
	return out
}

func isCode[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestDescribeServices(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	h.seedService(2, false, "aaaaaaa")

	out, err := h.ecs.DescribeServices(h.ctx, &ecs.DescribeServicesInput{
		Cluster:  aws.String("arn:aws:ecs:us-east-1:123456789012:cluster/c1"),
		Services: []string{"api", "ghost", "arn:aws:ecs:us-east-1:123456789012:service/c1/api"},
		Include:  []types.ServiceField{types.ServiceFieldTags},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Services) != 2 || len(out.Failures) != 1 {
		t.Fatalf("services %d failures %+v", len(out.Services), out.Failures)
	}
	if f := out.Failures[0]; *f.Reason != "MISSING" || *f.Arn != "arn:aws:ecs:us-east-1:123456789012:service/c1/ghost" {
		t.Fatalf("failure %+v", f)
	}
	s := out.Services[0]
	d := s.Deployments[0]
	if *s.TaskDefinition != "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1" || *d.TaskDefinition != *s.TaskDefinition ||
		*d.Status != "PRIMARY" || d.RunningCount != 2 || d.DesiredCount != 2 || d.CreatedAt == nil || d.UpdatedAt == nil ||
		*d.RolloutStateReason != "ECS deployment "+*d.Id+" completed." {
		t.Fatalf("service %+v deployment %+v", s, d)
	}
	if s.DeploymentConfiguration == nil || s.DeploymentConfiguration.DeploymentCircuitBreaker == nil ||
		*s.DeploymentConfiguration.MaximumPercent != 200 || s.DeploymentController.Type != types.DeploymentControllerTypeEcs {
		t.Fatalf("deployment configuration %+v", s.DeploymentConfiguration)
	}
	if s.CreatedAt.IsZero() || s.CurrentServiceDeployment == nil || len(s.CurrentServiceRevisions) != 1 {
		t.Fatalf("service %+v", s)
	}

	_, err = h.ecs.DescribeServices(h.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"api"}})
	var cnf *types.ClusterNotFoundException
	if !errors.As(err, &cnf) || cnf.ErrorMessage() != "Cluster not found." {
		t.Fatalf("unknown cluster: %v", err)
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprint("s", i)
	}
	_, err = h.ecs.DescribeServices(h.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("c1"), Services: eleven})
	if !isCode[*types.InvalidParameterException](err) {
		t.Fatalf("11 services: %v", err)
	}
	// No cluster means "default", which the empty world does not have.
	_, err = h.ecs.DescribeServices(h.ctx, &ecs.DescribeServicesInput{Services: []string{"api"}})
	if !isCode[*types.ClusterNotFoundException](err) {
		t.Fatalf("default cluster: %v", err)
	}
}

func TestTaskDefinitions(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	for _, tag := range []string{"aaaaaaa", "bbbbbbb", "ccccccc"} {
		h.registerTD("api", tag)
	}
	web := h.registerTD("web", "ddddddd")
	if *web.TaskDefinitionArn != "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1" || web.Revision != 1 ||
		web.Status != types.TaskDefinitionStatusActive || web.RegisteredAt == nil ||
		!slices.Contains(web.Compatibilities, types.CompatibilityFargate) || *web.Cpu != "256" || web.NetworkMode != types.NetworkModeAwsvpc {
		t.Fatalf("registered %+v", web)
	}
	c := web.ContainerDefinitions[0]
	if *c.Image != testImage+"ddddddd" || c.DockerLabels["org.opencontainers.image.revision"] != strings.Repeat("d", 40) || !*c.Essential {
		t.Fatalf("container echoed back as %+v", c)
	}

	describe := func(ref string) (*types.TaskDefinition, error) {
		out, err := h.ecs.DescribeTaskDefinition(h.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)})
		if err != nil {
			return nil, err
		}
		return out.TaskDefinition, nil
	}
	for ref, want := range map[string]int32{
		"api": 3, "api:2": 2, "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1": 1,
	} {
		td, err := describe(ref)
		if err != nil || td.Revision != want || *td.Family != "api" {
			t.Fatalf("describe %s = %+v, %v", ref, td, err)
		}
	}
	for _, ref := range []string{"nope", "api:9", "api:x"} {
		_, err := describe(ref)
		var ce *types.ClientException
		if !errors.As(err, &ce) || ce.ErrorMessage() != "Unable to describe task definition." {
			t.Fatalf("describe %s: %v", ref, err)
		}
	}

	dereg, err := h.ecs.DeregisterTaskDefinition(h.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api:3")})
	if err != nil || dereg.TaskDefinition.Status != types.TaskDefinitionStatusInactive || dereg.TaskDefinition.DeregisteredAt == nil {
		t.Fatalf("deregister = %+v, %v", dereg, err)
	}
	if td, err := describe("api:3"); err != nil || td.Status != types.TaskDefinitionStatusInactive {
		t.Fatalf("an INACTIVE revision stays describable: %+v, %v", td, err)
	}
	if td, err := describe("api"); err != nil || td.Revision != 2 {
		t.Fatalf("family alone means the latest ACTIVE revision: %+v, %v", td, err)
	}
	if _, err := h.ecs.DeregisterTaskDefinition(h.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api")}); !isCode[*types.ClientException](err) {
		t.Fatalf("deregister without revision: %v", err)
	}

	list := func(in *ecs.ListTaskDefinitionsInput) []string {
		t.Helper()
		var arns []string
		p := ecs.NewListTaskDefinitionsPaginator(h.ecs, in)
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(h.ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			arns = append(arns, out.TaskDefinitionArns...)
		}
		return arns
	}
	short := func(arns []string) string {
		var s []string
		for _, a := range arns {
			s = append(s, a[strings.LastIndex(a, "/")+1:])
		}
		return strings.Join(s, " ")
	}
	if got := short(list(&ecs.ListTaskDefinitionsInput{})); got != "api:1 api:2 web:1" {
		t.Fatalf("all ACTIVE = %s", got)
	}
	if got := short(list(&ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api"), Sort: types.SortOrderDesc, MaxResults: aws.Int32(1)})); got != "api:2 api:1" {
		t.Fatalf("api DESC paged by 1 = %s", got)
	}
	if got := short(list(&ecs.ListTaskDefinitionsInput{Status: types.TaskDefinitionStatusInactive})); got != "api:3" {
		t.Fatalf("INACTIVE = %s", got)
	}
	_, err = h.ecs.ListTaskDefinitions(h.ctx, &ecs.ListTaskDefinitionsInput{NextToken: aws.String("garbage")})
	if !isCode[*types.InvalidParameterException](err) {
		t.Fatalf("bad token: %v", err)
	}
	fams, err := h.ecs.ListTaskDefinitionFamilies(h.ctx, &ecs.ListTaskDefinitionFamiliesInput{})
	if err != nil || !slices.Equal(fams.Families, []string{"api", "web"}) {
		t.Fatalf("families = %+v, %v", fams, err)
	}
	_, err = h.ecs.RegisterTaskDefinition(h.ctx, &ecs.RegisterTaskDefinitionInput{
		Family:               aws.String("bad family!"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("x"), Image: aws.String("x")}},
	})
	if !isCode[*types.ClientException](err) {
		t.Fatalf("bad family name: %v", err)
	}
}

// deployment returns the service's deployment running td (by revision suffix).
func deploymentOf(s types.Service, suffix string) *types.Deployment {
	for i, d := range s.Deployments {
		if strings.HasSuffix(*d.TaskDefinition, suffix) {
			return &s.Deployments[i]
		}
	}
	return nil
}

func TestRollingDeployTaskByTask(t *testing.T) {
	h := newHarness(t, Options{Seed: 2, Scenario: ScenarioEmpty})
	h.seedService(4, true, "aaaaaaa", "bbbbbbb")

	up, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:2")})
	if err != nil {
		t.Fatal(err)
	}
	s := up.Service
	if len(s.Deployments) != 2 || *s.Deployments[0].Status != "PRIMARY" || *s.Deployments[1].Status != "ACTIVE" ||
		!strings.HasSuffix(*s.Deployments[0].TaskDefinition, "api:2") || s.Deployments[0].RolloutState != types.DeploymentRolloutStateInProgress ||
		!strings.HasSuffix(*s.TaskDefinition, "api:2") {
		t.Fatalf("after UpdateService: %+v", s.Deployments)
	}
	sdArn := *s.CurrentServiceDeployment
	if sd := h.serviceDeployment(sdArn); string(sd.Status) != "PENDING" && string(sd.Status) != "IN_PROGRESS" {
		t.Fatalf("service deployment starts %s", string(sd.Status))
	}

	start := h.clk.Now()
	var newRunning []int32
	ok := h.until(3*time.Minute, func() bool {
		s := h.service("c1", "api")
		n := deploymentOf(s, "api:2")
		if n == nil {
			t.Fatal("the new deployment vanished")
		}
		if s.RunningCount < 4 || s.RunningCount > 5 {
			t.Fatalf("running %d: a rolling deploy keeps 100%%..200%% of desired", s.RunningCount)
		}
		if k := len(newRunning); k == 0 || newRunning[k-1] != n.RunningCount {
			newRunning = append(newRunning, n.RunningCount)
		}
		if old := deploymentOf(s, "api:1"); old != nil && old.RunningCount+n.RunningCount < 4 {
			t.Fatalf("old %d + new %d running < desired", old.RunningCount, n.RunningCount)
		}
		return h.steady("c1", "api")
	})
	if !ok || !slices.Equal(newRunning, []int32{0, 1, 2, 3, 4}) {
		t.Fatalf("new deployment running went %v (steady %v)", newRunning, ok)
	}
	took := h.clk.Now().Sub(start)
	if took < 4*4*time.Second || took > 4*12*time.Second {
		t.Fatalf("4 tasks rolled in %v, want about 5–10 s each", took)
	}
	s = ptr(h.service("c1", "api"))
	if !strings.HasSuffix(*s.Deployments[0].TaskDefinition, "api:2") || !hasEvent(*s, "deployment completed.") ||
		!hasEvent(*s, "has stopped 1 running tasks: (task ") {
		t.Fatalf("after the rollout: %+v %v", s.Deployments, eventMessages(*s))
	}
	sd := h.serviceDeployment(sdArn)
	if string(sd.Status) != "SUCCESSFUL" || sd.FinishedAt == nil || sd.StartedAt == nil || *sd.TargetServiceRevision.Arn == "" ||
		sd.TargetServiceRevision.RunningTaskCount != 4 || len(sd.SourceServiceRevisions) != 1 ||
		sd.DeploymentCircuitBreaker.Status != types.ServiceDeploymentRollbackMonitorsStatusMonitoringComplete {
		t.Fatalf("service deployment: %+v", sd)
	}

	// A desired count change alone scales in place, without a new deployment.
	if _, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), DesiredCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	if !h.until(time.Minute, func() bool { return h.steady("c1", "api") && h.service("c1", "api").RunningCount == 2 }) {
		t.Fatalf("scale in: %+v", h.service("c1", "api"))
	}
	if s := h.service("c1", "api"); *s.CurrentServiceDeployment != sdArn {
		t.Fatal("scaling started a new service deployment")
	}
}

func TestUpdateServiceSupersedesInFlightDeploy(t *testing.T) {
	h := newHarness(t, Options{Seed: 3, Scenario: ScenarioEmpty})
	h.seedService(3, true, "aaaaaaa", "bbbbbbb", "ccccccc")
	up, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:2")})
	if err != nil {
		t.Fatal(err)
	}
	first := *up.Service.CurrentServiceDeployment
	h.until(time.Minute, func() bool { return deploymentOf(h.service("c1", "api"), "api:2").RunningCount == 1 })

	up, err = h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:3")})
	if err != nil {
		t.Fatal(err)
	}
	s := up.Service
	if len(s.Deployments) != 3 || !strings.HasSuffix(*s.Deployments[0].TaskDefinition, "api:3") ||
		*deploymentOf(*s, "api:2").Status != "ACTIVE" {
		t.Fatalf("after the second UpdateService: %+v", s.Deployments)
	}
	if sd := h.serviceDeployment(first); string(sd.Status) != "STOPPED" || sd.StoppedAt == nil || sd.StatusReason == nil {
		t.Fatalf("superseded service deployment: %+v", sd)
	}
	if !h.until(2*time.Minute, func() bool { return h.steady("c1", "api") }) {
		t.Fatal("never settled")
	}
	s = ptr(h.service("c1", "api"))
	if len(s.Deployments) != 1 || !strings.HasSuffix(*s.TaskDefinition, "api:3") {
		t.Fatalf("settled on %+v", s.Deployments)
	}
	// forceNewDeployment redeploys the same task definition.
	up, err = h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), ForceNewDeployment: true})
	if err != nil || len(up.Service.Deployments) != 2 || *up.Service.Deployments[0].TaskDefinition != *up.Service.Deployments[1].TaskDefinition {
		t.Fatalf("force new deployment: %+v, %v", up, err)
	}
}

func TestCircuitBreakerRollsBack(t *testing.T) {
	h := newHarness(t, Options{Seed: 4, Scenario: ScenarioEmpty})
	h.seedService(3, true, "aaaaaaa", "bad")
	up, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:2")})
	if err != nil {
		t.Fatal(err)
	}
	sdArn := *up.Service.CurrentServiceDeployment
	failedID := *up.Service.Deployments[0].Id
	oldID := *up.Service.Deployments[1].Id

	var failed []int32
	tripped := h.until(2*time.Minute, func() bool {
		s := h.service("c1", "api")
		for _, d := range s.Deployments {
			if *d.Id == failedID {
				if k := len(failed); k == 0 || failed[k-1] != d.FailedTasks {
					failed = append(failed, d.FailedTasks)
				}
				if d.RunningCount != 0 {
					t.Fatal("a bad image got a task running")
				}
				return d.RolloutState == types.DeploymentRolloutStateFailed
			}
		}
		return false
	})
	if !tripped || !slices.Equal(failed, []int32{0, 1, 2, 3}) {
		t.Fatalf("failedTasks went %v (tripped %v)", failed, tripped)
	}
	s := h.service("c1", "api")
	bad := s.Deployments[1]
	if *bad.Id != failedID || *bad.Status != "ACTIVE" || *bad.RolloutStateReason != "ECS deployment circuit breaker: tasks failed to start." {
		t.Fatalf("failed deployment: %+v", bad)
	}
	rb := s.Deployments[0]
	if *rb.Status != "PRIMARY" || rb.RolloutState != types.DeploymentRolloutStateInProgress || !strings.HasSuffix(*rb.TaskDefinition, "api:1") || *rb.Id == oldID {
		t.Fatalf("rollback deployment: %+v", rb)
	}
	if !hasEvent(s, "(service api) (deployment "+failedID+") deployment failed: tasks failed to start.") ||
		!hasEvent(s, "(service api) rolling back to deployment "+oldID+".") {
		t.Fatalf("events: %v", eventMessages(s))
	}
	sd := h.serviceDeployment(sdArn)
	if string(sd.Status) != "ROLLBACK_IN_PROGRESS" || sd.Rollback == nil || *sd.Rollback.Reason != "ECS deployment circuit breaker: tasks failed to start." ||
		*sd.Rollback.ServiceRevisionArn != *sd.SourceServiceRevisions[0].Arn || sd.Rollback.StartedAt == nil ||
		sd.DeploymentCircuitBreaker.Status != types.ServiceDeploymentRollbackMonitorsStatusTriggered ||
		sd.DeploymentCircuitBreaker.FailureCount != 3 || sd.DeploymentCircuitBreaker.Threshold != 3 {
		t.Fatalf("service deployment during rollback: %+v %+v", sd, sd.DeploymentCircuitBreaker)
	}
	if !h.until(2*time.Minute, func() bool { return h.steady("c1", "api") }) {
		t.Fatal("rollback never settled")
	}
	if s := h.service("c1", "api"); !strings.HasSuffix(*s.TaskDefinition, "api:1") {
		t.Fatalf("rolled back to %s", *s.TaskDefinition)
	}
	if sd := h.serviceDeployment(sdArn); string(sd.Status) != "ROLLBACK_SUCCESSFUL" || sd.FinishedAt == nil {
		t.Fatalf("after rollback: %s", string(sd.Status))
	}
	list, err := h.ecs.ListServiceDeployments(h.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("c1"), Service: aws.String("api"),
		Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusRollbackSuccessful}})
	if err != nil || len(list.ServiceDeployments) != 1 || *list.ServiceDeployments[0].ServiceDeploymentArn != sdArn {
		t.Fatalf("ListServiceDeployments ROLLBACK_SUCCESSFUL = %+v, %v", list, err)
	}
}

func TestBreakerWithoutRollbackStops(t *testing.T) {
	h := newHarness(t, Options{Seed: 4, Scenario: ScenarioEmpty})
	h.seedService(2, false, "aaaaaaa", "bad-build")
	up, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{
		Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:2"),
		DeploymentConfiguration: &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{
			Enable: true, ThresholdConfiguration: &types.ThresholdConfiguration{Type: types.ThresholdTypeCount, Value: 2},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sdArn := *up.Service.CurrentServiceDeployment
	if !h.until(2*time.Minute, func() bool {
		return h.service("c1", "api").Deployments[0].RolloutState == types.DeploymentRolloutStateFailed
	}) {
		t.Fatal("breaker never tripped")
	}
	s := h.service("c1", "api")
	if s.Deployments[0].FailedTasks != 2 || len(s.Deployments) != 2 || s.RunningCount != 2 {
		t.Fatalf("without rollback the old tasks keep serving: %+v", s.Deployments)
	}
	if sd := h.serviceDeployment(sdArn); string(sd.Status) != "STOPPED" || sd.Rollback != nil {
		t.Fatalf("service deployment %+v", sd)
	}
}

func TestStopServiceDeploymentRollback(t *testing.T) {
	h := newHarness(t, Options{Seed: 5, Scenario: ScenarioEmpty})
	h.seedService(3, false, "aaaaaaa", "bbbbbbb")
	up, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:2")})
	if err != nil {
		t.Fatal(err)
	}
	sdArn := *up.Service.CurrentServiceDeployment
	h.until(time.Minute, func() bool { return deploymentOf(h.service("c1", "api"), "api:2").RunningCount == 2 })

	out, err := h.ecs.StopServiceDeployment(h.ctx, &ecs.StopServiceDeploymentInput{
		ServiceDeploymentArn: aws.String(sdArn), StopType: types.StopServiceDeploymentStopTypeRollback,
	})
	if err != nil || *out.ServiceDeploymentArn != sdArn {
		t.Fatalf("StopServiceDeployment = %+v, %v", out, err)
	}
	sd := h.serviceDeployment(sdArn)
	if st := string(sd.Status); st != "ROLLBACK_REQUESTED" && st != "ROLLBACK_IN_PROGRESS" {
		t.Fatalf("status after stop: %s", st)
	}
	if sd.Rollback == nil || *sd.Rollback.ServiceRevisionArn != *sd.SourceServiceRevisions[0].Arn {
		t.Fatalf("rollback %+v", sd.Rollback)
	}
	h.advance(2*time.Second, 250*time.Millisecond)
	if sd := h.serviceDeployment(sdArn); string(sd.Status) != "ROLLBACK_IN_PROGRESS" {
		t.Fatalf("status: %s", string(sd.Status))
	}
	if !h.until(2*time.Minute, func() bool { return h.steady("c1", "api") }) {
		t.Fatal("never settled")
	}
	if s := h.service("c1", "api"); !strings.HasSuffix(*s.TaskDefinition, "api:1") || !hasEvent(s, "rolling back to deployment") {
		t.Fatalf("after rollback: %s %v", *s.TaskDefinition, eventMessages(s))
	}
	if sd := h.serviceDeployment(sdArn); string(sd.Status) != "ROLLBACK_SUCCESSFUL" {
		t.Fatalf("status: %s", string(sd.Status))
	}

	_, err = h.ecs.StopServiceDeployment(h.ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: aws.String(sdArn)})
	if !isCode[*types.ConflictException](err) {
		t.Fatalf("stopping a finished deployment: %v", err)
	}
	_, err = h.ecs.StopServiceDeployment(h.ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: aws.String(sdArn + "x")})
	if !isCode[*types.ServiceDeploymentNotFoundException](err) {
		t.Fatalf("stopping an unknown deployment: %v", err)
	}
}

func TestStopServiceDeploymentAbort(t *testing.T) {
	h := newHarness(t, Options{Seed: 5, Scenario: ScenarioEmpty})
	h.seedService(2, false, "aaaaaaa", "bbbbbbb")
	up, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:2")})
	if err != nil {
		t.Fatal(err)
	}
	sdArn := *up.Service.CurrentServiceDeployment
	if _, err := h.ecs.StopServiceDeployment(h.ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: aws.String(sdArn), StopType: "ABORT"}); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Minute, time.Second)
	s := h.service("c1", "api")
	if s.Deployments[0].RolloutState != types.DeploymentRolloutStateFailed || s.Deployments[0].RunningCount != 0 || s.RunningCount != 2 {
		t.Fatalf("aborted deployment: %+v", s.Deployments)
	}
	if sd := h.serviceDeployment(sdArn); string(sd.Status) != "STOPPED" {
		t.Fatalf("status: %s", string(sd.Status))
	}
}

func TestListAndDescribeServiceDeployments(t *testing.T) {
	h := newHarness(t, Options{Seed: 6, Scenario: ScenarioEmpty})
	h.seedService(1, false, "aaaaaaa", "bbbbbbb", "ccccccc")
	mid := h.clk.Now()
	for i, td := range []string{"api:2", "api:3"} {
		h.advance([]time.Duration{time.Minute, 2 * time.Second}[i], time.Second)
		if _, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String(td)}); err != nil {
			t.Fatal(err)
		}
	}
	h.until(time.Minute, func() bool { return h.steady("c1", "api") })

	all, err := h.ecs.ListServiceDeployments(h.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("c1"), Service: aws.String("api")})
	if err != nil || len(all.ServiceDeployments) != 3 || all.NextToken != nil {
		t.Fatalf("list = %+v, %v", all, err)
	}
	b := all.ServiceDeployments
	if !b[0].CreatedAt.After(*b[1].CreatedAt) || b[0].Status != types.ServiceDeploymentStatusSuccessful ||
		b[1].Status != types.ServiceDeploymentStatusStopped || *b[0].TargetServiceRevisionArn == "" || *b[0].ClusterArn == "" {
		t.Fatalf("newest first with statuses: %+v", b)
	}
	var arns []string
	var token *string
	for {
		page, err := h.ecs.ListServiceDeployments(h.ctx, &ecs.ListServiceDeploymentsInput{
			Cluster: aws.String("c1"), Service: aws.String("arn:aws:ecs:us-east-1:123456789012:service/c1/api"), MaxResults: aws.Int32(2), NextToken: token,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, sd := range page.ServiceDeployments {
			arns = append(arns, *sd.ServiceDeploymentArn)
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if len(arns) != 3 || arns[0] != *b[0].ServiceDeploymentArn {
		t.Fatalf("paged %v", arns)
	}
	after, err := h.ecs.ListServiceDeployments(h.ctx, &ecs.ListServiceDeploymentsInput{
		Cluster: aws.String("c1"), Service: aws.String("api"), CreatedAt: &types.CreatedAt{After: aws.Time(mid)},
	})
	if err != nil || len(after.ServiceDeployments) != 2 {
		t.Fatalf("createdAt filter = %+v, %v", after, err)
	}
	_, err = h.ecs.ListServiceDeployments(h.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("c1"), Service: aws.String("ghost")})
	if !isCode[*types.ServiceNotFoundException](err) {
		t.Fatalf("unknown service: %v", err)
	}

	desc, err := h.ecs.DescribeServiceDeployments(h.ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: append(arns, "arn:nope")})
	if err != nil || len(desc.ServiceDeployments) != 3 || len(desc.Failures) != 1 || *desc.Failures[0].Reason != "MISSING" {
		t.Fatalf("describe = %+v, %v", desc, err)
	}
	twentyOne := make([]string, 21)
	for i := range twentyOne {
		twentyOne[i] = arns[0]
	}
	_, err = h.ecs.DescribeServiceDeployments(h.ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: twentyOne})
	if !isCode[*types.InvalidParameterException](err) {
		t.Fatalf("21 arns: %v", err)
	}

	revs, err := h.ecs.DescribeServiceRevisions(h.ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: []string{*b[0].TargetServiceRevisionArn}})
	if err != nil || len(revs.ServiceRevisions) != 1 || !strings.HasSuffix(*revs.ServiceRevisions[0].TaskDefinition, "api:3") ||
		*revs.ServiceRevisions[0].ContainerImages[0].Image != testImage+"ccccccc" {
		t.Fatalf("DescribeServiceRevisions = %+v, %v", revs, err)
	}
}

func TestUpdateAndDeleteServiceErrors(t *testing.T) {
	h := newHarness(t, Options{Seed: 7, Scenario: ScenarioEmpty})
	h.seedService(1, false, "aaaaaaa")
	upd := func(in *ecs.UpdateServiceInput) error {
		_, err := h.ecs.UpdateService(h.ctx, in)
		return err
	}
	var snf *types.ServiceNotFoundException
	if err := upd(&ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("ghost")}); !errors.As(err, &snf) || snf.ErrorMessage() != "Service not found." {
		t.Fatalf("unknown service: %v", err)
	}
	if err := upd(&ecs.UpdateServiceInput{Cluster: aws.String("ghost"), Service: aws.String("api")}); !isCode[*types.ClusterNotFoundException](err) {
		t.Fatalf("unknown cluster: %v", err)
	}
	if err := upd(&ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:9")}); !isCode[*types.ClientException](err) {
		t.Fatalf("unknown task definition: %v", err)
	}
	h.registerTD("api", "bbbbbbb")
	if _, err := h.ecs.DeregisterTaskDefinition(h.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api:2")}); err != nil {
		t.Fatal(err)
	}
	if err := upd(&ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:2")}); !isCode[*types.ClientException](err) {
		t.Fatalf("inactive task definition: %v", err)
	}

	if _, err := h.ecs.DeleteService(h.ctx, &ecs.DeleteServiceInput{Cluster: aws.String("c1"), Service: aws.String("api")}); !isCode[*types.InvalidParameterException](err) {
		t.Fatalf("delete while scaled: %v", err)
	}
	if _, err := h.ecs.DeleteService(h.ctx, &ecs.DeleteServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), Force: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if !h.until(time.Minute, func() bool { return *h.service("c1", "api").Status == "INACTIVE" }) {
		t.Fatal("never drained")
	}
	var sna *types.ServiceNotActiveException
	if err := upd(&ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), DesiredCount: aws.Int32(1)}); !errors.As(err, &sna) {
		t.Fatalf("update of a deleted service: %v", err)
	}
}

// rawECS posts a body to the sim as the SDK would, returning status, headers and body.
func rawECS(t *testing.T, url, op, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", ecsTargetPrefix+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s answered non-JSON %q", op, b)
	}
	return resp.StatusCode, resp.Header, m
}

func TestRequestValidationErrorShapes(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	h.seedService(1, false, "aaaaaaa")
	cases := []struct {
		op, body, code string
	}{
		{"DescribeServices", `{"cluster":"c1"}`, "InvalidParameterException"},
		{"DescribeServices", `{"cluster":"c1","services":"api"}`, "SerializationException"},
		{"DescribeServices", `{"cluster":`, "SerializationException"},
		{"DescribeServices", `[1,2]`, "SerializationException"},
		{"UpdateService", `{"cluster":"c1"}`, "InvalidParameterException"},
		{"UpdateService", `{"cluster":"c1","service":"api","desiredCount":-1}`, "InvalidParameterException"},
		{"CreateService", `{"cluster":"c1","taskDefinition":"api:1","desiredCount":1}`, "InvalidParameterException"},
		{"CreateService", `{"cluster":"c1","serviceName":"x","desiredCount":1}`, "InvalidParameterException"},
		{"CreateService", `{"cluster":"c1","serviceName":"x","taskDefinition":"api:1"}`, "InvalidParameterException"},
		{"RegisterTaskDefinition", `{"family":"x"}`, "ClientException"},
		{"RegisterTaskDefinition", `{"family":"x","containerDefinitions":[{"name":"x"}]}`, "ClientException"},
		{"DescribeTaskDefinition", `{}`, "ClientException"},
		{"ListTaskDefinitions", `{"status":"GONE"}`, "InvalidParameterException"},
		{"ListTaskDefinitions", `{"maxResults":500}`, "InvalidParameterException"},
		{"ListServiceDeployments", `{"cluster":"c1"}`, "InvalidParameterException"},
		{"ListServiceDeployments", `{"cluster":"c1","service":"api","status":["DONE"]}`, "InvalidParameterException"},
		{"DescribeServiceDeployments", `{}`, "InvalidParameterException"},
		{"StopServiceDeployment", `{}`, "InvalidParameterException"},
		{"RunTask", `{}`, "UnknownOperationException"},
	}
	for _, c := range cases {
		status, hdr, body := rawECS(t, h.srv.URL, c.op, c.body)
		if status != 400 || hdr.Get("X-Amzn-ErrorType") != c.code || body["__type"] != c.code || body["message"] == "" {
			t.Errorf("%s %s: %d %s %v, want 400 %s", c.op, c.body, status, hdr.Get("X-Amzn-ErrorType"), body, c.code)
		}
		if hdr.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s: no x-amzn-RequestId", c.op)
		}
	}
	// Through the SDK, the request ID reaches the result metadata and the error.
	out, err := h.ecs.ListServices(h.ctx, &ecs.ListServicesInput{Cluster: aws.String("c1")})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || len(id) != 36 {
		t.Fatalf("request id %q", id)
	}
	_, err = h.ecs.DescribeServices(h.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"x"}})
	var re interface{ ServiceRequestID() string }
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Fatalf("error without request id: %v", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ClusterNotFoundException" || ae.ErrorFault() != smithy.FaultClient {
		t.Fatalf("api error %v", err)
	}
}

// TestRequestShapesAreUnderstood sends every operation through the SDK with
// as many members set as the sim models, and checks that the sim knew every
// member the SDK put on the wire.
func TestRequestShapesAreUnderstood(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	ctx := h.ctx
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		Settings: []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}}}))
	must(h.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("api"), TaskRoleArn: aws.String("arn:aws:iam::1:role/t"), ExecutionRoleArn: aws.String("arn:aws:iam::1:role/e"),
		NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		RuntimePlatform:         &types.RuntimePlatform{CpuArchitecture: types.CPUArchitectureArm64, OperatingSystemFamily: types.OSFamilyLinux},
		Tags:                    []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		Volumes:                 []types.Volume{{Name: aws.String("data")}},
		EphemeralStorage:        &types.EphemeralStorage{SizeInGiB: 30},
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("api"), Image: aws.String(testImage + "abc1234"), Essential: aws.Bool(true), Cpu: 128,
			PortMappings:     []types.PortMapping{{ContainerPort: aws.Int32(8080), Protocol: types.TransportProtocolTcp}},
			Environment:      []types.KeyValuePair{{Name: aws.String("A"), Value: aws.String("b")}},
			DockerLabels:     map[string]string{"org.opencontainers.image.revision": strings.Repeat("a", 40)},
			LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "g"}},
		}},
	}))
	must(h.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("c1"), ServiceName: aws.String("api"), TaskDefinition: aws.String("api:1"), DesiredCount: aws.Int32(2),
		LaunchType: types.LaunchTypeFargate, ClientToken: aws.String("tok"), SchedulingStrategy: types.SchedulingStrategyReplica,
		EnableECSManagedTags: true, EnableExecuteCommand: true, PropagateTags: types.PropagateTagsService,
		HealthCheckGracePeriodSeconds: aws.Int32(30), PlatformVersion: aws.String("LATEST"),
		DeploymentController: &types.DeploymentController{Type: types.DeploymentControllerTypeEcs},
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}},
		LoadBalancers:        []types.LoadBalancer{{TargetGroupArn: aws.String("arn:tg"), ContainerName: aws.String("api"), ContainerPort: aws.Int32(8080)}},
		Tags:                 []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		DeploymentConfiguration: &types.DeploymentConfiguration{
			MaximumPercent: aws.Int32(200), MinimumHealthyPercent: aws.Int32(100), Strategy: types.DeploymentStrategyRolling, BakeTimeInMinutes: aws.Int32(0),
			DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
			Alarms:                   &types.DeploymentAlarms{AlarmNames: []string{"a"}, Enable: true, Rollback: true},
		},
	}))
	h.until(time.Minute, func() bool { return h.steady("c1", "api") })
	must(h.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{
		Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:1"), DesiredCount: aws.Int32(2),
		ForceNewDeployment: true, EnableExecuteCommand: aws.Bool(false), HealthCheckGracePeriodSeconds: aws.Int32(10),
		DeploymentConfiguration: &types.DeploymentConfiguration{
			BakeTimeInMinutes: aws.Int32(5), Strategy: types.DeploymentStrategyRolling,
			DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		},
		CapacityProviderStrategy: []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1}},
		PlacementStrategy:        []types.PlacementStrategy{{Type: types.PlacementStrategyTypeSpread, Field: aws.String("attribute:ecs.availability-zone")}},
	}))
	must(h.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("c1"), Services: []string{"api"}, Include: []types.ServiceField{types.ServiceFieldTags}}))
	must(h.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}}))
	must(h.ecs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api"), Status: types.TaskDefinitionStatusActive, Sort: types.SortOrderDesc, MaxResults: aws.Int32(10)}))
	must(h.ecs.ListTaskDefinitionFamilies(ctx, &ecs.ListTaskDefinitionFamiliesInput{FamilyPrefix: aws.String("a"), Status: types.TaskDefinitionFamilyStatusAll, MaxResults: aws.Int32(5)}))
	must(h.ecs.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("c1"), LaunchType: types.LaunchTypeFargate, SchedulingStrategy: types.SchedulingStrategyReplica, MaxResults: aws.Int32(10)}))
	must(h.ecs.ListClusters(ctx, &ecs.ListClustersInput{MaxResults: aws.Int32(10)}))
	must(h.ecs.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"c1"}, Include: []types.ClusterField{types.ClusterFieldSettings}}))
	list, err := h.ecs.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{
		Cluster: aws.String("c1"), Service: aws.String("api"), MaxResults: aws.Int32(5),
		Status:    []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusInProgress, types.ServiceDeploymentStatusPending, types.ServiceDeploymentStatusSuccessful},
		CreatedAt: &types.CreatedAt{After: aws.Time(t0.Add(-time.Hour)), Before: aws.Time(t0.Add(time.Hour))},
	})
	if err != nil || len(list.ServiceDeployments) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	sd := *list.ServiceDeployments[0].ServiceDeploymentArn
	must(h.ecs.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{sd}}))
	must(h.ecs.StopServiceDeployment(ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: aws.String(sd), StopType: types.StopServiceDeploymentStopTypeRollback}))
	must(h.ecs.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api:1")}))
	must(h.ecs.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), Force: aws.Bool(true)}))

	if u := h.w.unknownMembers(); len(u) > 0 {
		t.Fatalf("the SDK sent members the sim does not model: %v", u)
	}
	// The task definition came back with what was registered.
	td, err := h.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api:1"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
	if err != nil || *td.TaskDefinition.ExecutionRoleArn != "arn:aws:iam::1:role/e" || td.TaskDefinition.EphemeralStorage.SizeInGiB != 30 ||
		td.TaskDefinition.ContainerDefinitions[0].LogConfiguration.Options["awslogs-group"] != "g" || len(td.Tags) != 1 {
		t.Fatalf("echo = %+v, %v", td, err)
	}
}
