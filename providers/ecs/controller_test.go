package ecs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
)

// CODE_DEPLOY and EXTERNAL services, read from the sim as they are, and
// every deploy action on them refused by the planner and by the provider
// with nothing sent: no RegisterTaskDefinition, no UpdateService.

// withStaging adds api's staging environment, an ECS service deployed by
// ECS itself and settled on shaGood3, to promote from.
func withStaging(t *testing.T, sb *simBackend, c *awsecs.Client) []Environment {
	t.Helper()
	td := registerTaskDef(t, c, "api-staging", containerSpec{name: "api", image: "acme/api:" + shaGood3})
	createService(t, c, "prod", "api-staging", td, 1, nil)
	sb.settle(t)
	return append(append([]Environment{}, prodAPI...), Environment{Key: key("api", "staging"), Cluster: "prod", Service: "api-staging"})
}

func createControlled(t *testing.T, c *awsecs.Client, cluster, name, taskDef string, ctl types.DeploymentControllerType) {
	t.Helper()
	in := &awsecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(name), DesiredCount: aws.Int32(2),
		DeploymentController: &types.DeploymentController{Type: ctl},
	}
	if taskDef != "" {
		in.TaskDefinition = aws.String(taskDef)
	}
	if _, err := c.CreateService(context.Background(), in); err != nil {
		t.Fatalf("CreateService %s: %v", name, err)
	}
}

// mutatingOps are the calls flightdeck must not have sent.
var mutatingOps = []string{"ecs:RegisterTaskDefinition", "ecs:UpdateService", "ecs:StopServiceDeployment", "ecs:ContinueServiceDeployment"}

func assertNothingSent(t *testing.T, sb *simBackend) {
	t.Helper()
	got := sb.world.Requests()
	for _, op := range mutatingOps {
		if got[op] != 0 {
			t.Errorf("%s was sent %d times to a service flightdeck does not deploy", op, got[op])
		}
	}
}

// refuseAll asks the planner, then the pipeline, then the provider itself
// for every deploy action on st, and wants each refused with why.
func refuseAll(t *testing.T, sb *simBackend, s *Source, st model.EnvStatus, why string) {
	t.Helper()
	reg := providers.NewRegistry()
	reg.AddSource(s)
	p := action.New(action.Options{Providers: reg, Now: sb.now})
	sts, err := s.Fetch(context.Background())
	if err != nil || len(sts) != 2 || sts[1].Environment != "staging" || sts[1].ReadOnly != "" {
		t.Fatalf("staging (ECS's own deployer) and production: %+v %v", sts, err)
	}
	source := sts[1]
	st.FetchedAt, source.FetchedAt = sb.now(), sb.now()
	snap := model.SnapshotOf(source, st)
	asks := []action.Ask{
		{Kind: model.ActionRollback, Service: "api", Environment: "production"},
		{Kind: model.ActionRollback, Service: "api", Environment: "production", To: model.Version{SHA: shaGood1}},
		{Kind: model.ActionPromote, Service: "api", Source: "staging"},
		{Kind: model.ActionAbort, Service: "api", Environment: "production"},
	}
	sb.world.ResetRequests()
	for _, ask := range asks {
		pl := p.Propose(snap, ask)
		if !strings.Contains(pl.Why, why) {
			t.Errorf("%s (to %q): planner says %q, want it refused with %q", ask.Kind, ask.To.SHA, pl.Why, why)
		}
		if ask.Kind == model.ActionRollback && ask.To.SHA == "" {
			continue
		}
		// Past the plan (a stale snapshot): the pipeline's re-check reads
		// the service live and refuses too.
		if _, err := p.Run(context.Background(), pl.Action); !model.IsRefusal(err) || !strings.Contains(err.Error(), why) {
			t.Errorf("%s: Run gave %v, want a refusal with %q", ask.Kind, err, why)
		}
	}
	// The provider refuses on its own read as well.
	if _, err := s.Rollback(context.Background(), key("api", "production"), model.Version{SHA: shaGood1}, false); !model.IsRefusal(err) {
		t.Errorf("Rollback: %v, want a refusal", err)
	}
	if _, err := s.Promote(context.Background(), key("api", "production"), model.Version{SHA: shaGood3, Artifact: "acme/api:" + shaGood3}, false); !model.IsRefusal(err) {
		t.Errorf("Promote: %v, want a refusal", err)
	}
	if _, err := s.Abort(context.Background(), key("api", "production"), false); !model.IsRefusal(err) {
		t.Errorf("Abort: %v, want a refusal", err)
	}
	assertNothingSent(t, sb)
}

func TestSimCodeDeployBlueGreen(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	createCluster(t, c, "prod")
	td1 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood1})
	createControlled(t, c, "prod", "api", td1, types.DeploymentControllerTypeCodeDeploy)
	s := sb.source(t, withStaging(t, sb, c), nil)

	st := fetchProd(t, s)
	const why = "production is deployed by CodeDeploy; flightdeck shows it but does not change it"
	if st.State != model.StateSteady || st.Version.SHA != shaGood1 || st.Controller != "CODE_DEPLOY" || st.ReadOnly != why {
		t.Fatalf("before the deploy: %s %+v controller %q read-only %q", st.State, st.Version, st.Controller, st.ReadOnly)
	}
	if len(st.Rollouts) != 1 || st.Rollouts[0].Status != "PRIMARY" || st.Rollouts[0].Running != 2 {
		t.Fatalf("rollouts: %+v", st.Rollouts)
	}

	// ECS itself refuses a new task definition there: the sim keeps the
	// controller it was given.
	td2 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood2})
	_, err := c.UpdateService(context.Background(), &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(td2)})
	if err == nil || !strings.Contains(err.Error(), "CODE_DEPLOY") {
		t.Fatalf("UpdateService with a task definition on a CODE_DEPLOY service: %v", err)
	}

	// Mid blue/green: the replacement task set beside the original.
	if id := sb.world.CodeDeployReplace("prod", "api", td2); !strings.HasPrefix(id, "d-") {
		t.Fatalf("CodeDeployReplace: %q", id)
	}
	sb.step(t, 2*time.Second)
	st = fetchProd(t, s)
	d := st.Deployment
	if st.State != model.StateDeploying || st.Version.SHA != shaGood1 || d == nil || d.FromSHA != shaGood1 || d.ToSHA != shaGood2 || d.Desired != 2 {
		t.Fatalf("mid blue/green: %s %+v deployment %+v", st.State, st.Version, d)
	}
	if len(st.Rollouts) != 2 || st.Rollouts[0].Status != "PRIMARY" || st.Rollouts[1].Status != "ACTIVE" ||
		!strings.Contains(st.Rollouts[1].Reason, "CodeDeploy") {
		t.Fatalf("task sets as rollouts: %+v", st.Rollouts)
	}
	refuseAll(t, sb, s, st, why)

	// Traffic shifted: the replacement is PRIMARY, the original still there.
	sb.settle(t)
	sb.world.CodeDeployShift("prod", "api")
	st = fetchProd(t, s)
	if st.State != model.StateDeploying || st.Version.SHA != shaGood2 || st.Deployment.FromSHA != shaGood1 || st.Deployment.Running != 2 {
		t.Fatalf("after the shift: %s %+v %+v", st.State, st.Version, st.Deployment)
	}
	sb.world.CodeDeployFinish("prod", "api")
	if st = fetchProd(t, s); st.State != model.StateSteady || st.Version.SHA != shaGood2 || st.Deployment != nil || len(st.Rollouts) != 1 {
		t.Fatalf("finished: %s %+v %+v", st.State, st.Version, st.Deployment)
	}
}

func TestSimExternalController(t *testing.T) {
	sb := startSim(t)
	c := sb.seedClient(t)
	createCluster(t, c, "prod")
	createControlled(t, c, "prod", "api", "", types.DeploymentControllerTypeExternal)
	s := sb.source(t, withStaging(t, sb, c), nil)

	// No task set yet, and no task definition on the service: normal.
	st := fetchProd(t, s)
	const why = "production is deployed by an external deployment controller (task sets); flightdeck shows it but does not change it"
	if st.Error != "" || st.State != model.StateSteady || st.Version != (model.Version{}) || st.Controller != "EXTERNAL" || st.ReadOnly != why {
		t.Fatalf("EXTERNAL with no task set: %+v", st)
	}
	refuseAll(t, sb, s, st, why)

	td1 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood1})
	out, err := c.CreateTaskSet(context.Background(), &awsecs.CreateTaskSetInput{
		Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(td1),
		ExternalId: aws.String("spinnaker-42"), Scale: &types.Scale{Unit: types.ScaleUnitPercent, Value: 100},
	})
	if err != nil {
		t.Fatalf("CreateTaskSet: %v", err)
	}
	sb.step(t, time.Second)
	// One ACTIVE task set, none PRIMARY yet: it is what runs, scaling.
	if st = fetchProd(t, s); st.Version.SHA != shaGood1 || st.State != model.StateDeploying {
		t.Fatalf("first task set: %s %+v", st.State, st.Version)
	}
	if _, err := c.UpdateServicePrimaryTaskSet(context.Background(), &awsecs.UpdateServicePrimaryTaskSetInput{
		Cluster: aws.String("prod"), Service: aws.String("api"), PrimaryTaskSet: out.TaskSet.TaskSetArn,
	}); err != nil {
		t.Fatalf("UpdateServicePrimaryTaskSet: %v", err)
	}
	sb.settle(t)
	if st = fetchProd(t, s); st.State != model.StateSteady || st.Version.SHA != shaGood1 || len(st.Rollouts) != 1 || st.Rollouts[0].Status != "PRIMARY" {
		t.Fatalf("primary task set steady: %s %+v %+v", st.State, st.Version, st.Rollouts)
	}
	refuseAll(t, sb, s, st, why)
}

// fetchProd polls and returns api/production, the first environment.
func fetchProd(t *testing.T, s *Source) model.EnvStatus {
	t.Helper()
	sts, err := s.Fetch(context.Background())
	if err != nil || len(sts) == 0 {
		t.Fatalf("Fetch: %v", err)
	}
	return sts[0]
}

// moto keeps a service's deployment controller and its task sets
// (CreateTaskSet, UpdateServicePrimaryTaskSet), so the EXTERNAL reading
// and the refusals are held to it too.
func TestMotoExternalController(t *testing.T) {
	b := startMoto(t)
	c := b.seedClient(t)
	createCluster(t, c, "prod")
	td1 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood1})
	td2 := registerTaskDef(t, c, "api", containerSpec{name: "api", image: "acme/api:" + shaGood2})
	createControlled(t, c, "prod", "api", td1, types.DeploymentControllerTypeExternal)
	s := b.source(t, prodAPI, nil)
	const why = "production is deployed by an external deployment controller (task sets); flightdeck shows it but does not change it"
	st := fetchProd(t, s)
	if st.Error != "" || st.Controller != "EXTERNAL" || st.ReadOnly != why {
		t.Fatalf("EXTERNAL on moto: %+v", st)
	}
	var arns []string
	for _, td := range []string{td1, td2} {
		out, err := c.CreateTaskSet(context.Background(), &awsecs.CreateTaskSetInput{
			Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: aws.String(td),
		})
		if err != nil {
			t.Fatalf("CreateTaskSet: %v", err)
		}
		arns = append(arns, aws.ToString(out.TaskSet.TaskSetArn))
	}
	if _, err := c.UpdateServicePrimaryTaskSet(context.Background(), &awsecs.UpdateServicePrimaryTaskSetInput{
		Cluster: aws.String("prod"), Service: aws.String("api"), PrimaryTaskSet: aws.String(arns[0]),
	}); err != nil {
		t.Fatalf("UpdateServicePrimaryTaskSet: %v", err)
	}
	st = fetchProd(t, s)
	if st.Error != "" || st.Version.SHA != shaGood1 || st.State != model.StateDeploying || st.Deployment == nil ||
		st.Deployment.FromSHA != shaGood1 || st.Deployment.ToSHA != shaGood2 || len(st.Rollouts) != 2 {
		t.Fatalf("two task sets on moto: %s %+v %+v %+v", st.State, st.Version, st.Deployment, st.Rollouts)
	}
	for _, err := range []error{
		func() error {
			_, err := s.Rollback(context.Background(), key("api", "production"), model.Version{SHA: shaGood2}, false)
			return err
		}(),
		func() error {
			_, err := s.Promote(context.Background(), key("api", "production"), model.Version{SHA: shaGood3, Artifact: "acme/api:" + shaGood3}, false)
			return err
		}(),
	} {
		if !model.IsRefusal(err) || !strings.Contains(err.Error(), why) {
			t.Errorf("on moto: %v, want the refusal", err)
		}
	}
	// Nothing was registered: the family still has its two revisions.
	list, err := c.ListTaskDefinitions(context.Background(), &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api")})
	if err != nil || len(list.TaskDefinitionArns) != 2 {
		t.Errorf("task definitions after the refusals: %v %v", list, err)
	}
}
