package ecs

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// fakeAPI answers from in-memory services, for state-detection shapes that
// real ECS produces and neither backend reproduces exactly (an old
// deployment promoted back to PRIMARY, a restart in the middle of a
// rollback, ListServiceDeployments verdicts).
type fakeAPI struct {
	noActions // History and the actions are tested against the sim and moto
	mu        sync.Mutex
	services  map[string]types.Service // by name, one cluster
	taskDefs  map[string]types.TaskDefinition
	lsd       []types.ServiceDeploymentBrief
	lsdErr    error
	dsErr     error
	// clusterErr fails DescribeServices in one cluster.
	clusterErr map[string]error
	calls      map[string]int
}

func newFakeAPI() *fakeAPI {
	f := &fakeAPI{services: map[string]types.Service{}, taskDefs: map[string]types.TaskDefinition{}, calls: map[string]int{}}
	for i, sha := range []string{"aaaaaaa", "bbbbbbb", "ccccccc"} {
		ref := "api:" + strconv.Itoa(i+1)
		f.taskDefs[ref] = types.TaskDefinition{
			Family: aws.String("api"), Revision: int32(i + 1),
			TaskDefinitionArn:    tdArn(ref),
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("acme/api:sha-" + sha)}},
		}
	}
	return f
}

func tdArn(ref string) *string {
	return aws.String("arn:aws:ecs:us-east-1:123456789012:task-definition/" + ref)
}

func (f *fakeAPI) set(svc types.Service) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.services[aws.ToString(svc.ServiceName)] = svc
}

func (f *fakeAPI) took(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.calls[op]
	f.calls[op] = 0
	return n
}

func (f *fakeAPI) DescribeServices(_ context.Context, in *awsecs.DescribeServicesInput, _ ...func(*awsecs.Options)) (*awsecs.DescribeServicesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["DescribeServices"]++
	if f.dsErr != nil {
		return nil, f.dsErr
	}
	if err := f.clusterErr[aws.ToString(in.Cluster)]; err != nil {
		return nil, err
	}
	out := &awsecs.DescribeServicesOutput{}
	for _, n := range in.Services {
		if s, ok := f.services[n]; ok {
			out.Services = append(out.Services, s)
		} else {
			out.Failures = append(out.Failures, types.Failure{Arn: aws.String("arn:aws:ecs:us-east-1:123456789012:service/" + n), Reason: aws.String("MISSING")})
		}
	}
	return out, nil
}

func (f *fakeAPI) DescribeTaskDefinition(_ context.Context, in *awsecs.DescribeTaskDefinitionInput, _ ...func(*awsecs.Options)) (*awsecs.DescribeTaskDefinitionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["DescribeTaskDefinition"]++
	td, ok := f.taskDefs[revisionFromRef(aws.ToString(in.TaskDefinition))]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ClientException", Message: "Unable to describe task definition."}
	}
	return &awsecs.DescribeTaskDefinitionOutput{TaskDefinition: &td}, nil
}

func (f *fakeAPI) ListServiceDeployments(_ context.Context, in *awsecs.ListServiceDeploymentsInput, _ ...func(*awsecs.Options)) (*awsecs.ListServiceDeploymentsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ListServiceDeployments"]++
	if f.lsdErr != nil {
		return nil, f.lsdErr
	}
	return &awsecs.ListServiceDeploymentsOutput{ServiceDeployments: f.lsd}, nil
}

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func at(min int) *time.Time { return aws.Time(t0.Add(time.Duration(min) * time.Minute)) }

func dep(id, status, rollout, td string, running, desired int32, created int, reason string) types.Deployment {
	d := types.Deployment{
		Id: aws.String(id), Status: aws.String(status), RolloutState: types.DeploymentRolloutState(rollout),
		TaskDefinition: tdArn(td), RunningCount: running, DesiredCount: desired, CreatedAt: at(created), UpdatedAt: at(created),
	}
	if reason != "" {
		d.RolloutStateReason = aws.String(reason)
	}
	return d
}

func svc(td string, deps ...types.Deployment) types.Service {
	return types.Service{ServiceName: aws.String("api"), ServiceArn: aws.String("arn:aws:ecs:us-east-1:123456789012:service/c/api"),
		Status: aws.String("ACTIVE"), TaskDefinition: tdArn(td), Deployments: deps, DesiredCount: 4}
}

func event(min int, msg string) types.ServiceEvent {
	return types.ServiceEvent{CreatedAt: at(min), Id: aws.String(msg), Message: aws.String("(service api) " + msg)}
}

func fakeSource(f *fakeAPI) *Source {
	return newSource(f, "us-east-1", Options{Environments: []Environment{{Key: key("api", "production"), Cluster: "c", Service: "api"}}})
}

func fetchOne(t *testing.T, s *Source) model.EnvStatus {
	t.Helper()
	sts, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(sts) != 1 {
		t.Fatalf("got %d environments", len(sts))
	}
	return sts[0]
}

const breaker = "ECS deployment circuit breaker: tasks failed to start."

// TestStateSequences walks services through the shapes real ECS shows,
// poll by poll, and checks the state, the deployment summary and which
// polls asked ListServiceDeployments.
func TestStateSequences(t *testing.T) {
	type poll struct {
		svc     types.Service
		lsd     []types.ServiceDeploymentBrief
		state   model.DeployState
		version string // SHA
		dep     *model.Deployment
		lsdCall bool
	}
	steady1 := svc("api:1", dep("d1", "PRIMARY", "COMPLETED", "api:1", 4, 4, 0, ""))
	rolling := svc("api:2",
		dep("d2", "PRIMARY", "IN_PROGRESS", "api:2", 1, 4, 10, ""),
		dep("d1", "ACTIVE", "COMPLETED", "api:1", 4, 4, 0, ""))
	rolling3 := rolling
	rolling3.Deployments = []types.Deployment{
		dep("d2", "PRIMARY", "IN_PROGRESS", "api:2", 3, 4, 10, ""),
		dep("d1", "ACTIVE", "COMPLETED", "api:1", 1, 1, 0, "")}
	steady2 := svc("api:2", dep("d2", "PRIMARY", "COMPLETED", "api:2", 4, 4, 10, ""))
	// New-ID rollback: the failed deployment stays ACTIVE and FAILED, a new
	// PRIMARY of the old version rolls out.
	rbInProgress := svc("api:1",
		dep("d3", "PRIMARY", "IN_PROGRESS", "api:1", 2, 4, 21, ""),
		dep("d2", "ACTIVE", "FAILED", "api:2", 0, 0, 10, breaker))
	rbInProgress.Events = []types.ServiceEvent{event(21, "rolling back to deployment d3."), event(20, "(deployment d2) deployment failed: tasks failed to start.")}
	rbDone := svc("api:1", dep("d3", "PRIMARY", "COMPLETED", "api:1", 4, 4, 21, ""))
	rbDone.Events = rbInProgress.Events
	next := svc("api:3",
		dep("d4", "PRIMARY", "IN_PROGRESS", "api:3", 0, 4, 40, ""),
		dep("d3", "ACTIVE", "COMPLETED", "api:1", 4, 4, 21, ""))
	next.Events = rbInProgress.Events

	// Promoted rollback: ECS makes the old deployment PRIMARY again.
	promoted := svc("api:1",
		dep("d1", "PRIMARY", "IN_PROGRESS", "api:1", 3, 4, 0, ""),
		dep("d2", "ACTIVE", "FAILED", "api:2", 0, 0, 10, breaker))
	promotedDone := svc("api:1", dep("d1", "PRIMARY", "COMPLETED", "api:1", 4, 4, 0, ""))

	// The sim's shape: the event names the deployment that first ran the
	// restored version, still ACTIVE and draining, not the new PRIMARY.
	rbRestoring := svc("api:1",
		dep("d3", "PRIMARY", "IN_PROGRESS", "api:1", 2, 4, 21, ""),
		dep("d2", "ACTIVE", "FAILED", "api:2", 0, 0, 10, breaker),
		dep("d1", "ACTIVE", "COMPLETED", "api:1", 2, 2, 0, ""))
	rbRestoring.Events = []types.ServiceEvent{event(21, "rolling back to deployment d1.")}
	// The rollback deployment itself tripped the breaker.
	rbFailed := svc("api:1",
		dep("d3", "PRIMARY", "FAILED", "api:1", 0, 4, 21, breaker),
		dep("d2", "ACTIVE", "FAILED", "api:2", 0, 0, 10, breaker))
	rbFailed.Events = rbInProgress.Events

	failedNoRollback := svc("api:2",
		dep("d2", "PRIMARY", "FAILED", "api:2", 0, 4, 10, breaker),
		dep("d1", "ACTIVE", "COMPLETED", "api:1", 4, 4, 0, ""))

	rbBrief := func(status types.ServiceDeploymentStatus) []types.ServiceDeploymentBrief {
		return []types.ServiceDeploymentBrief{
			{ServiceDeploymentArn: aws.String("sd-1"), Status: types.ServiceDeploymentStatusSuccessful, CreatedAt: at(0)},
			{ServiceDeploymentArn: aws.String("sd-2"), Status: status, StatusReason: aws.String(breaker), CreatedAt: at(10)},
		}
	}

	tests := []struct {
		name  string
		polls []poll
	}{
		{"rolling deploy", []poll{
			{svc: steady1, state: model.StateSteady, version: "aaaaaaa"},
			{svc: rolling, state: model.StateDeploying, version: "bbbbbbb", lsdCall: true,
				dep: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "bbbbbbb", Running: 1, Desired: 4, StartedAt: *at(10)}},
			{svc: rolling3, state: model.StateDeploying, version: "bbbbbbb",
				dep: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "bbbbbbb", Running: 3, Desired: 4, StartedAt: *at(10)}},
			{svc: steady2, state: model.StateSteady, version: "bbbbbbb", lsdCall: true},
			{svc: steady2, state: model.StateSteady, version: "bbbbbbb"},
		}},
		{"circuit-breaker rollback, new deployment id, no ListServiceDeployments", []poll{
			{svc: steady1, state: model.StateSteady, version: "aaaaaaa"},
			{svc: rolling, state: model.StateDeploying, version: "bbbbbbb", lsdCall: true,
				dep: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "bbbbbbb", Running: 1, Desired: 4, StartedAt: *at(10)}},
			{svc: rbInProgress, state: model.StateFailed, version: "aaaaaaa", lsdCall: true,
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 2, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackInProgress}},
			{svc: rbDone, state: model.StateRolledBack, version: "aaaaaaa", lsdCall: true,
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 4, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackDone}},
			{svc: rbDone, state: model.StateRolledBack, version: "aaaaaaa",
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 4, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackDone}},
			{svc: next, state: model.StateDeploying, version: "ccccccc", lsdCall: true,
				dep: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "ccccccc", Running: 0, Desired: 4, StartedAt: *at(40)}},
		}},
		{"rollback confirmed by ListServiceDeployments", []poll{
			{svc: rolling, state: model.StateDeploying, version: "bbbbbbb", lsdCall: true, lsd: rbBrief(types.ServiceDeploymentStatusInProgress),
				dep: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "bbbbbbb", Running: 1, Desired: 4, StartedAt: *at(10)}},
			{svc: rbInProgress, state: model.StateFailed, version: "aaaaaaa", lsdCall: true, lsd: rbBrief(types.ServiceDeploymentStatusRollbackInProgress),
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 2, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackInProgress}},
			{svc: rbDone, state: model.StateRolledBack, version: "aaaaaaa", lsdCall: true, lsd: rbBrief(types.ServiceDeploymentStatusRollbackSuccessful),
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 4, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackDone}},
		}},
		{"first sight of a finished rollback asks ListServiceDeployments", []poll{
			{svc: rbDone, state: model.StateRolledBack, version: "aaaaaaa", lsdCall: true, lsd: rbBrief(types.ServiceDeploymentStatusRollbackSuccessful),
				dep: &model.Deployment{ToSHA: "aaaaaaa", Running: 4, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackDone}},
			{svc: rbDone, state: model.StateRolledBack, version: "aaaaaaa",
				dep: &model.Deployment{ToSHA: "aaaaaaa", Running: 4, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackDone}},
		}},
		{"rollback that failed", []poll{
			{svc: rbInProgress, state: model.StateFailed, version: "aaaaaaa", lsdCall: true, lsd: rbBrief(types.ServiceDeploymentStatusRollbackFailed),
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 2, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackFailed}},
		}},
		{"old deployment promoted back to PRIMARY", []poll{
			{svc: rolling, state: model.StateDeploying, version: "bbbbbbb", lsdCall: true,
				dep: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "bbbbbbb", Running: 1, Desired: 4, StartedAt: *at(10)}},
			{svc: promoted, state: model.StateFailed, version: "aaaaaaa", lsdCall: true,
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 3, Desired: 4, StartedAt: *at(0), Reason: breaker, Rollback: model.RollbackInProgress}},
			{svc: promotedDone, state: model.StateRolledBack, version: "aaaaaaa", lsdCall: true,
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 4, Desired: 4, StartedAt: *at(0), Reason: breaker, Rollback: model.RollbackDone}},
		}},
		{"rollback event naming the deployment the PRIMARY restores", []poll{
			{svc: rolling, state: model.StateDeploying, version: "bbbbbbb", lsdCall: true,
				dep: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "bbbbbbb", Running: 1, Desired: 4, StartedAt: *at(10)}},
			{svc: rbRestoring, state: model.StateFailed, version: "aaaaaaa", lsdCall: true,
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 2, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackInProgress}},
			{svc: rbDone, state: model.StateRolledBack, version: "aaaaaaa", lsdCall: true,
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 4, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackDone}},
		}},
		{"rollback that failed, from DescribeServices alone", []poll{
			{svc: rbInProgress, state: model.StateFailed, version: "aaaaaaa", lsdCall: true,
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 2, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackInProgress}},
			{svc: rbFailed, state: model.StateFailed, version: "aaaaaaa",
				dep: &model.Deployment{FromSHA: "bbbbbbb", ToSHA: "aaaaaaa", Running: 0, Desired: 4, StartedAt: *at(21), Reason: breaker, Rollback: model.RollbackFailed}},
		}},
		{"breaker without rollback", []poll{
			{svc: failedNoRollback, state: model.StateFailed, version: "bbbbbbb", lsdCall: true,
				dep: &model.Deployment{FromSHA: "aaaaaaa", ToSHA: "bbbbbbb", Running: 0, Desired: 4, StartedAt: *at(10), Reason: breaker}},
		}},
		{"ListServiceDeployments overrules an old rollback event", []poll{
			{svc: func() types.Service {
				s := steady2
				s.Events = []types.ServiceEvent{event(9, "rolling back to deployment d0.")}
				return s
			}(),
				state: model.StateSteady, version: "bbbbbbb", lsdCall: true,
				lsd: []types.ServiceDeploymentBrief{{Status: types.ServiceDeploymentStatusSuccessful, CreatedAt: at(10)}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI()
			s := fakeSource(f)
			for i, p := range tt.polls {
				f.set(p.svc)
				f.mu.Lock()
				f.lsd = p.lsd
				f.mu.Unlock()
				st := fetchOne(t, s)
				if st.Error != "" {
					t.Fatalf("poll %d: error %s", i, st.Error)
				}
				if st.State != p.state || st.Version.SHA != p.version {
					t.Errorf("poll %d: state %s version %q, want %s %q", i, st.State, st.Version.SHA, p.state, p.version)
				}
				if (st.Deployment == nil) != (p.dep == nil) || st.Deployment != nil && !reflect.DeepEqual(*st.Deployment, *p.dep) {
					t.Errorf("poll %d: deployment %+v, want %+v", i, st.Deployment, p.dep)
				}
				if got := f.took("ListServiceDeployments") > 0; got != p.lsdCall {
					t.Errorf("poll %d: ListServiceDeployments called %v, want %v", i, got, p.lsdCall)
				}
				if st.State == model.StateSteady && st.Version.SHA == "bbbbbbb" && strings.Contains(tt.name, "rollback") && !strings.Contains(tt.name, "overrules") {
					t.Errorf("poll %d: a rolled-back version shows as steady", i)
				}
			}
		})
	}
}

func TestListServiceDeploymentsUnsupportedIsStickyAndHarmless(t *testing.T) {
	f := newFakeAPI()
	f.lsdErr = &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "unknown operation"}
	s := fakeSource(f)
	f.set(svc("api:1", dep("d1", "PRIMARY", "COMPLETED", "api:1", 4, 4, 0, "")))
	fetchOne(t, s)
	f.set(rollingSvc())
	if st := fetchOne(t, s); st.State != model.StateDeploying || st.Error != "" {
		t.Fatalf("state %s error %q", st.State, st.Error)
	}
	if n := f.took("ListServiceDeployments"); n != 1 {
		t.Fatalf("ListServiceDeployments called %d times, want 1", n)
	}
	f.set(svc("api:2", dep("d2", "PRIMARY", "COMPLETED", "api:2", 4, 4, 10, "")))
	if st := fetchOne(t, s); st.State != model.StateSteady {
		t.Fatalf("state %s", st.State)
	}
	if n := f.took("ListServiceDeployments"); n != 0 {
		t.Fatalf("ListServiceDeployments asked again after the endpoint said it does not know it")
	}
}

func rollingSvc() types.Service {
	return svc("api:2",
		dep("d2", "PRIMARY", "IN_PROGRESS", "api:2", 1, 4, 10, ""),
		dep("d1", "ACTIVE", "COMPLETED", "api:1", 4, 4, 0, ""))
}

func TestTaskDefinitionsDescribedOnce(t *testing.T) {
	f := newFakeAPI()
	s := fakeSource(f)
	f.set(rollingSvc())
	fetchOne(t, s)
	if n := f.took("DescribeTaskDefinition"); n != 2 {
		t.Fatalf("first poll described %d task definitions, want 2", n)
	}
	for range 3 {
		fetchOne(t, s)
	}
	if n := f.took("DescribeTaskDefinition"); n != 0 {
		t.Fatalf("later polls described %d task definitions, want 0", n)
	}
	// A failed describe is not cached: the next poll asks again.
	f.set(svc("api:9", dep("d9", "PRIMARY", "COMPLETED", "api:9", 1, 1, 0, "")))
	st := fetchOne(t, s)
	if st.Error == "" || !strings.Contains(st.Error, "api:9") {
		t.Fatalf("missing task definition: error %q", st.Error)
	}
	fetchOne(t, s)
	if n := f.took("DescribeTaskDefinition"); n != 2 {
		t.Fatalf("failed describes made %d calls over two polls, want 2", n)
	}
}

func TestMalformedServicesDoNotPanic(t *testing.T) {
	shapes := []types.Service{
		{ServiceName: aws.String("api")},
		{ServiceName: aws.String("api"), Deployments: []types.Deployment{{}}},
		{ServiceName: aws.String("api"), Deployments: []types.Deployment{{Status: aws.String("PRIMARY")}, {Status: aws.String("ACTIVE"), RolloutState: "FAILED"}}, Events: []types.ServiceEvent{{}, {Message: aws.String("rolling back to deployment")}}},
		{ServiceName: aws.String("api"), TaskDefinition: aws.String("api:1"), Deployments: []types.Deployment{{Id: aws.String("x"), TaskDefinition: aws.String("")}}},
		{ServiceName: aws.String("api"), TaskDefinition: aws.String("api:1")},
	}
	for i, sv := range shapes {
		f := newFakeAPI()
		s := fakeSource(f)
		f.set(sv)
		sts, err := s.Fetch(context.Background())
		if err != nil || len(sts) != 1 {
			t.Errorf("shape %d: %v %v", i, sts, err)
		}
		fetchOne(t, s)
	}
}

func TestContainerChoice(t *testing.T) {
	td := newTaskDef(&types.TaskDefinition{Family: aws.String("web"), Revision: 3, ContainerDefinitions: []types.ContainerDefinition{
		{Name: aws.String("log"), Image: aws.String("fluent/bit:2.1"), Essential: aws.Bool(false)},
		{Name: aws.String("web"), Image: aws.String("acme/web:sha-ABCDEF1"), DockerLabels: map[string]string{"x": "y"}},
		{Name: aws.String("worker"), Image: aws.String("acme/worker@sha256:abc"), DockerLabels: map[string]string{RevisionLabel: " DEADBEEF1234567 "}},
	}})
	cases := []struct {
		container string
		want      model.Version
		err       bool
	}{
		// web and worker could each be the application: no guess.
		{"", model.Version{Revision: "web:3"}, true},
		{"web", model.Version{SHA: "abcdef1", Artifact: "acme/web:sha-ABCDEF1", Revision: "web:3"}, false},
		{"log", model.Version{SHA: "", Artifact: "fluent/bit:2.1", Revision: "web:3"}, false},
		{"worker", model.Version{SHA: "deadbeef1234567", Artifact: "acme/worker@sha256:abc", Revision: "web:3"}, false},
		{"nope", model.Version{Revision: "web:3"}, true},
	}
	for _, c := range cases {
		v, err := td.version(reading{container: c.container})
		if v != c.want || (err != nil) != c.err {
			t.Errorf("container %q: %+v %v, want %+v err=%v", c.container, v, err, c.want, c.err)
		}
	}
}

// Real task definitions put sidecars first: a FireLens log router, a
// Datadog agent, an App Mesh Envoy. None of them is ever the version;
// images pushed by digest alone read their commit from the OCI label; a
// service's own tag pattern reads its tags.
func TestVersionOfRealTaskDefinitions(t *testing.T) {
	def := func(name, image string, essential bool, labels map[string]string) types.ContainerDefinition {
		return types.ContainerDefinition{Name: aws.String(name), Image: aws.String(image), Essential: aws.Bool(essential), DockerLabels: labels}
	}
	firelens := def("log_router", "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", true, nil)
	datadog := def("datadog-agent", "public.ecr.aws/datadog/agent:7", true, nil)
	envoy := def("envoy", "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", true, nil)
	xray := def("xray", "amazon/aws-xray-daemon:3.x", false, nil)
	app := def("api", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:main-3f2a1c9", true, nil)
	byDigest := def("api", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:"+strings.Repeat("ab", 32), true,
		map[string]string{RevisionLabel: "7d3e2a11c0ffee00000000000000000000000000"})
	public := def("web", "nginx", true, nil)
	cases := []struct {
		name   string
		defs   []types.ContainerDefinition
		r      reading
		sha    string
		errHas string
	}{
		{"FireLens and Datadog listed first", []types.ContainerDefinition{firelens, datadog, app}, reading{}, "3f2a1c9", ""},
		{"App Mesh Envoy and an X-Ray daemon", []types.ContainerDefinition{envoy, app, xray}, reading{}, "3f2a1c9", ""},
		{"digest only, commit in the OCI label", []types.ContainerDefinition{firelens, byDigest}, reading{}, "7d3e2a11c0ffee00000000000000000000000000", ""},
		{"a public image alone", []types.ContainerDefinition{public}, reading{}, "", ""},
		{"sidecars only", []types.ContainerDefinition{firelens, datadog}, reading{}, "", "every container is a sidecar"},
		{"two applications", []types.ContainerDefinition{app, public}, reading{}, "", "several containers could be the application (api, web)"},
		{"the config names it", []types.ContainerDefinition{app, public}, reading{container: "api"}, "3f2a1c9", ""},
		{"the service's tag pattern", []types.ContainerDefinition{def("api", "acme/api:build-42.g3f2a1c9", true, nil)},
			reading{shaFromTag: regexp.MustCompile(`\.g([0-9a-f]{7,40})$`)}, "3f2a1c9", ""},
		{"a pattern whose group is no SHA", []types.ContainerDefinition{def("api", "acme/api:build-42", true, nil)},
			reading{shaFromTag: regexp.MustCompile(`build-(\d+)`)}, "", ""},
	}
	for _, c := range cases {
		td := newTaskDef(&types.TaskDefinition{Family: aws.String("api"), Revision: 9, ContainerDefinitions: c.defs})
		v, err := td.version(c.r)
		switch {
		case c.errHas != "" && (err == nil || !strings.Contains(err.Error(), c.errHas)):
			t.Errorf("%s: error %v, want it to say %q", c.name, err, c.errHas)
		case c.errHas == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case v.SHA != c.sha:
			t.Errorf("%s: SHA %q, want %q (%+v)", c.name, v.SHA, c.sha, v)
		}
		if err == nil && isSidecar("", v.Artifact) {
			t.Errorf("%s: a sidecar became the version: %+v", c.name, v)
		}
	}
}

func TestClassify(t *testing.T) {
	api := func(code string) error {
		return &smithy.OperationError{ServiceID: "ECS", OperationName: "DescribeServices", Err: &smithy.GenericAPIError{Code: code, Message: "m"}}
	}
	cases := []struct {
		err       error
		throttled bool
		auth      bool
		notFound  bool
		hint      string
	}{
		{err: api("ThrottlingException"), throttled: true},
		{err: api("Throttling"), throttled: true},
		{err: api("RequestLimitExceeded"), throttled: true},
		{err: api("TooManyRequestsException"), throttled: true},
		{err: api("UnrecognizedClientException"), auth: true},
		{err: api("InvalidClientTokenId"), auth: true},
		{err: api("ExpiredTokenException"), auth: true},
		{err: api("AccessDeniedException"), auth: true},
		{err: api("ClusterNotFoundException"), notFound: true},
		{err: api("InvalidParameterException")},
		{err: errors.New("operation error ECS: DescribeServices, get identity: get credentials: failed to refresh cached credentials, the SSO session has expired or is invalid: token expired"), auth: true, hint: "aws sso login --profile prod"},
		{err: errors.New("operation error ECS: DescribeServices, get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found"), auth: true},
	}
	for _, c := range cases {
		got := classify(c.err, "prod", t0)
		if errors.Is(got, providers.ErrThrottled) != c.throttled || errors.Is(got, providers.ErrAuth) != c.auth || errors.Is(got, providers.ErrNotFound) != c.notFound {
			t.Errorf("%v → %v: throttled=%v auth=%v notFound=%v", c.err, got, errors.Is(got, providers.ErrThrottled), errors.Is(got, providers.ErrAuth), errors.Is(got, providers.ErrNotFound))
		}
		if c.hint != "" && !strings.Contains(got.Error(), c.hint) {
			t.Errorf("%v: no hint %q in %q", c.err, c.hint, got)
		}
		if !errors.Is(got, c.err) {
			t.Errorf("%v: classified error does not wrap the original", c.err)
		}
	}
}

func TestWholeSourceErrors(t *testing.T) {
	f := newFakeAPI()
	f.dsErr = &smithy.OperationError{ServiceID: "ECS", OperationName: "DescribeServices", Err: &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}}
	s := newSource(f, "us-east-1", Options{Environments: []Environment{
		{Key: key("a", "x"), Cluster: "c1", Service: "a"},
		{Key: key("b", "x"), Cluster: "c2", Service: "b"},
	}})
	_, err := s.Fetch(context.Background())
	if !errors.Is(err, providers.ErrThrottled) {
		t.Fatalf("every cluster throttled: err %v, want ErrThrottled", err)
	}
	if _, ok := providers.RetryAfter(err); !ok {
		t.Fatalf("RetryAfter does not see the throttle")
	}
	if !strings.Contains(err.Error(), "ecs: describe services in c") {
		t.Fatalf("error lacks context: %v", err)
	}
	f.dsErr = &smithy.OperationError{ServiceID: "ECS", OperationName: "DescribeServices", Err: &smithy.GenericAPIError{Code: "ClusterNotFoundException", Message: "Cluster not found."}}
	sts, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatalf("clusters not found is per environment, got a source error: %v", err)
	}
	for _, st := range sts {
		if !strings.Contains(st.Error, "not found") {
			t.Errorf("%v: error %q", st.Key(), st.Error)
		}
	}
}

func TestNewNeedsARegion(t *testing.T) {
	_, err := New(context.Background(), Options{Anonymous: true, Environments: []Environment{{Key: key("api", "prod"), Cluster: "c", Service: "api"}}})
	if err == nil || !strings.Contains(err.Error(), "api/prod") || !strings.Contains(err.Error(), "region") {
		t.Fatalf("New without a region: %v", err)
	}
	s, err := New(context.Background(), Options{Region: "eu-west-1", Credentials: testCreds})
	if err != nil || s.Name() != "aws eu-west-1" || s.Kind() != "aws" {
		t.Fatalf("New: %v %q", err, s.Name())
	}
	t.Setenv("AWS_REGION", "ap-south-1")
	s, err = New(context.Background(), Options{Anonymous: true})
	if err != nil || s.Name() != "aws ap-south-1 (anonymous)" {
		t.Fatalf("region from AWS_REGION: %v %v", err, s)
	}
}

// TestThrottleThroughTheSDK: a throttled answer from a real wire exchange
// becomes a ThrottledError carrying Retry-After, after one SDK retry.
func TestThrottleThroughTheSDK(t *testing.T) {
	var mu sync.Mutex
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		attempts++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"ThrottlingException","message":"Rate exceeded"}`))
	}))
	defer srv.Close()
	s, err := New(context.Background(), Options{Region: testRegion, EndpointURL: srv.URL, Anonymous: true,
		Environments: []Environment{{Key: key("api", "prod"), Cluster: "c", Service: "api"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Fetch(context.Background())
	if d, ok := providers.RetryAfter(err); !ok || d != 7*time.Second {
		t.Fatalf("err %v: RetryAfter %v %v, want 7s", err, d, ok)
	}
	var te *providers.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("not a *providers.ThrottledError: %T", err)
	}
	if attempts != 2 {
		t.Errorf("%d attempts, want 2 (one SDK retry; the poller backs off itself)", attempts)
	}
}

// TestExpiredSSOSession: an SSO profile whose cached token has expired
// fails the source with ErrAuth and tells the user how to log in again.
func TestExpiredSSOSession(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	const startURL = "https://example.awsapps.com/start"
	cfg := filepath.Join(home, "config")
	os.WriteFile(cfg, []byte("[profile prod]\nsso_start_url = "+startURL+"\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Deployer\nregion = eu-west-1\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", cfg)
	cache := filepath.Join(home, ".aws", "sso", "cache")
	os.MkdirAll(cache, 0o700)
	sum := sha1.Sum([]byte(startURL))
	os.WriteFile(filepath.Join(cache, hex.EncodeToString(sum[:])+".json"),
		[]byte(`{"accessToken":"stale","expiresAt":"2020-01-01T00:00:00Z","region":"us-east-1","startUrl":"`+startURL+`"}`), 0o600)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request reached the endpoint without credentials: %s", r.Header.Get("X-Amz-Target"))
	}))
	defer srv.Close()
	s, err := New(context.Background(), Options{Profile: "prod", EndpointURL: srv.URL,
		Environments: []Environment{{Key: key("api", "prod"), Cluster: "c", Service: "api"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "aws prod@eu-west-1 via " + strings.TrimPrefix(srv.URL, "http://"); s.Name() != want {
		t.Errorf("Name %q, want %q", s.Name(), want)
	}
	_, err = s.Fetch(context.Background())
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "aws sso login --profile prod") {
		t.Fatalf("expired SSO: %v", err)
	}
	t.Logf("%v", err)
}

// TestRollbackEventNamingAnotherDeployment: a "rolling back to deployment X"
// event written less than a minute before a new PRIMARY was created marks
// that PRIMARY a rollback only when X names it; the time counts only for an
// event that names no deployment.
func TestRollbackEventNamingAnotherDeployment(t *testing.T) {
	justBefore := aws.Time(t0.Add(40*time.Minute - 30*time.Second))
	shape := func(msg string) types.Service {
		s := svc("api:3",
			dep("d5", "PRIMARY", "IN_PROGRESS", "api:3", 1, 4, 40, ""),
			dep("d3", "ACTIVE", "COMPLETED", "api:1", 4, 4, 21, ""))
		s.Events = []types.ServiceEvent{{CreatedAt: justBefore, Message: aws.String("(service api) " + msg)}}
		return s
	}
	cases := []struct {
		event    string
		rollback bool
	}{
		{"rolling back to deployment d3.", false},                       // names another deployment
		{"rolling back to deployment ecs-svc/1234567890123456.", false}, // one long gone
		{"rolling back to deployment d5.", true},                        // names the PRIMARY
		{"rolling back to deployment.", true},                           // names none: placed by time
	}
	for _, c := range cases {
		f := newFakeAPI()
		s := fakeSource(f) // first sight: nothing remembered, no ListServiceDeployments verdict
		f.set(shape(c.event))
		st := fetchOne(t, s)
		if c.rollback {
			if st.State != model.StateFailed || st.Deployment == nil || st.Deployment.Rollback != model.RollbackInProgress {
				t.Errorf("%q: %s %+v, want a rollback in progress", c.event, st.State, st.Deployment)
			}
			continue
		}
		want := model.Deployment{FromSHA: "aaaaaaa", ToSHA: "ccccccc", Running: 1, Desired: 4, StartedAt: *at(40)}
		if st.State != model.StateDeploying || st.Deployment == nil || !reflect.DeepEqual(*st.Deployment, want) {
			t.Errorf("%q: %s %+v, want an ordinary deploy %+v", c.event, st.State, st.Deployment, want)
		}
	}
}
