package ecs

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// The release world both backends are seeded with, in one cluster:
//
//	api-prod:1  shaGood1  ran first, then deregistered
//	api-prod:2  shaGood2  ran second
//	api-prod:3  shaGood2  registered later (a config change), never deployed
//	api-prod:4  shaGood3  runs now
//	api-prod-canary:1     another family sharing the prefix: never listed
type releaseWorld struct {
	cluster string
	env     Environment
	arns    map[int]string // api-prod revision → ARN
	// deployed is when each revision's deploy was started (sim clock).
	deployed map[int]time.Time
}

func seedRelease(t *testing.T, b *backend, cluster string) *releaseWorld {
	t.Helper()
	c := b.seedClient(t)
	createCluster(t, c, cluster)
	rw := &releaseWorld{
		cluster:  cluster,
		env:      Environment{Key: key("api", cluster), Cluster: cluster, Service: "api"},
		arns:     map[int]string{},
		deployed: map[int]time.Time{},
	}
	reg := func(sha string) string {
		return registerTaskDef(t, c, "api-prod", containerSpec{name: "api", image: "acme/api:" + sha})
	}
	// Revision numbers are read off the ARNs rather than assumed.
	add := func(arn string) int {
		n := revisionNumber(arn)
		rw.arns[n] = arn
		return n
	}
	r1 := add(reg(shaGood1))
	r2 := add(reg(shaGood2))
	registerTaskDef(t, c, "api-prod-canary", containerSpec{name: "api", image: "acme/api:" + shaGood3})
	rw.deployed[r1] = b.now()
	createService(t, c, cluster, "api", rw.arns[r1], 2, &types.DeploymentConfiguration{
		DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
	})
	b.settle(t)
	rw.deployed[r2] = b.now()
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String("api"), TaskDefinition: aws.String(rw.arns[r2])})
	b.settle(t)
	add(reg(shaGood2))
	r4 := add(reg(shaGood3))
	rw.deployed[r4] = b.now()
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String("api"), TaskDefinition: aws.String(rw.arns[r4])})
	b.settle(t)
	if _, err := c.DeregisterTaskDefinition(context.Background(), &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(rw.arns[r1])}); err != nil {
		t.Fatalf("DeregisterTaskDefinition: %v", err)
	}
	return rw
}

// rev is the api-prod revision name of the world's i-th registration (1-4).
func (rw *releaseWorld) rev(i int) string { return revisionFromRef(rw.nth(i)) }

func (rw *releaseWorld) nth(i int) string {
	ns := slices.Sorted(maps.Keys(rw.arns))
	return rw.arns[ns[i-1]]
}

func mutating(ops map[string]int) []string {
	var got []string
	for _, op := range []string{"UpdateService", "RegisterTaskDefinition", "StopServiceDeployment", "DeregisterTaskDefinition", "CreateService"} {
		if ops[op] > 0 {
			got = append(got, op)
		}
	}
	return got
}

// runReleaseActions is what both backends must show: FetchEnv, History,
// Rollback (resolution, refusals, dry run) and Promote.
func runReleaseActions(t *testing.T, b *backend, cluster string) {
	rw := seedRelease(t, b, cluster)
	cnt := newCounter()
	s := b.source(t, []Environment{rw.env}, cnt.client())
	isSim := b.name == "sim"

	t.Run("FetchEnv", func(t *testing.T) {
		st, err := s.FetchEnv(context.Background(), rw.env.Key)
		if err != nil {
			t.Fatal(err)
		}
		if st.Version.SHA != shaGood3 || st.Version.Revision != rw.rev(4) || st.State != model.StateSteady || st.Target != model.TargetECS {
			t.Errorf("FetchEnv: %s %+v", st.State, st.Version)
		}
		all, err := s.Fetch(context.Background())
		if err != nil || !reflect.DeepEqual(all[0].Version, st.Version) || all[0].State != st.State {
			t.Errorf("Fetch disagrees with FetchEnv: %+v / %+v (%v)", all[0].Version, st.Version, err)
		}
		cnt.take()
		if _, err := s.FetchEnv(context.Background(), rw.env.Key); err != nil {
			t.Fatal(err)
		}
		if ops := cnt.take(); len(ops) != 1 || ops["DescribeServices"] != 1 {
			t.Errorf("a warm FetchEnv made %s, want DescribeServices=1", formatOps(ops))
		}
		_, err = s.FetchEnv(context.Background(), key("api", "nowhere"))
		if !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("unknown key: %v, want ErrNotFound", err)
		}
		gone := b.source(t, []Environment{{Key: key("api", "gone"), Cluster: cluster, Service: "gone"}}, nil)
		st, err = gone.FetchEnv(context.Background(), key("api", "gone"))
		if !errors.Is(err, providers.ErrNotFound) || st.Error == "" {
			t.Errorf("missing service: %v / %q, want ErrNotFound on both", err, st.Error)
		}
	})

	t.Run("History", func(t *testing.T) {
		cnt.take()
		revs, err := s.History(context.Background(), rw.env.Key)
		if err != nil {
			t.Fatal(err)
		}
		cold := cnt.take()
		t.Logf("%s: History cold: %s", b.name, formatOps(cold))
		want := []struct {
			rev       string
			sha       string
			current   bool
			available bool
		}{
			{rw.rev(4), shaGood3, true, true},
			{rw.rev(3), shaGood2, false, true},
			{rw.rev(2), shaGood2, false, true},
			{rw.rev(1), shaGood1, false, false},
		}
		if len(revs) != len(want) {
			t.Fatalf("History: %d revisions, want %d: %+v", len(revs), len(want), revs)
		}
		for i, w := range want {
			r := revs[i]
			if r.Version.Revision != w.rev || r.Version.SHA != w.sha || r.Current != w.current || r.Available != w.available {
				t.Errorf("revision %d: %+v, want %s %s current=%v available=%v", i, r, w.rev, w.sha, w.current, w.available)
			}
			if !w.available && r.Why != "deregistered" {
				t.Errorf("revision %d: why %q", i, r.Why)
			}
			if w.available && r.Why != "" {
				t.Errorf("revision %d: available with why %q", i, r.Why)
			}
			if r.Version.Artifact != "acme/api:"+w.sha {
				t.Errorf("revision %d: artifact %q", i, r.Version.Artifact)
			}
		}
		if isSim {
			// From the service deployments: each revision from when its
			// deploy started, for as long as it ran; the never-deployed one
			// without a time.
			for i, n := range []int{4, 3, 2, 1} {
				r := revs[i]
				if r.By != "deployer" {
					t.Errorf("%s: By %q, want the role name", r.Version.Revision, r.By)
				}
				if n == 3 {
					if !r.DeployedAt.IsZero() || r.RanFor != 0 {
						t.Errorf("%s never ran, History says deployed %v for %v", r.Version.Revision, r.DeployedAt, r.RanFor)
					}
					continue
				}
				started := rw.deployed[revisionNumber(rw.nth(n))]
				if d := r.DeployedAt.Sub(started); d < 0 || d > 5*time.Second {
					t.Errorf("%s: deployed at %v, its deploy started %v", r.Version.Revision, r.DeployedAt, started)
				}
				switch {
				case n == 4 && r.RanFor != 0:
					t.Errorf("%s still runs, RanFor %v", r.Version.Revision, r.RanFor)
				case n != 4 && (r.RanFor < 9*time.Minute || r.RanFor > 11*time.Minute):
					t.Errorf("%s: ran for %v, want about 10m", r.Version.Revision, r.RanFor)
				}
			}
			if cold["DescribeServices"] != 1 || cold["ListTaskDefinitions"] != 2 || cold["ListServiceDeployments"] != 1 ||
				cold["DescribeServiceRevisions"] != 1 || cold["DescribeServiceDeployments"] != 0 || cold["DescribeTaskDefinition"] > 4 {
				t.Errorf("History cold: %s", formatOps(cold))
			}
		} else {
			// moto keeps no service deployments: registration times stand
			// in (moto does not say them either, so they are zero).
			c := b.seedClient(t)
			for _, r := range revs {
				out, err := c.DescribeTaskDefinition(context.Background(), &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(r.Version.Revision)})
				if err != nil {
					t.Fatal(err)
				}
				if !r.DeployedAt.Equal(aws.ToTime(out.TaskDefinition.RegisteredAt)) || r.RanFor != 0 {
					t.Errorf("%s on moto: deployed %v ran %v, want the registration time %v and no duration",
						r.Version.Revision, r.DeployedAt, r.RanFor, aws.ToTime(out.TaskDefinition.RegisteredAt))
				}
			}
		}
		if _, err := s.History(context.Background(), rw.env.Key); err != nil {
			t.Fatal(err)
		}
		warm := cnt.take()
		t.Logf("%s: History warm: %s", b.name, formatOps(warm))
		if warm["DescribeTaskDefinition"] != 0 || warm["DescribeServiceRevisions"] != 0 || warm["DescribeServices"] != 1 || warm["ListTaskDefinitions"] != 2 {
			t.Errorf("History warm: %s, want no describes of task definitions or service revisions", formatOps(warm))
		}
	})

	t.Run("Rollback refusals", func(t *testing.T) {
		cnt.take()
		_, err := s.Rollback(context.Background(), rw.env.Key, model.Version{SHA: shaGood1}, false)
		if !model.IsRefusal(err) {
			t.Fatalf("rollback to a SHA only a deregistered revision carries: %v, want a refusal", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "no deployable revision of api-prod carries "+shaGood1[:7]) ||
			!strings.Contains(msg, rw.rev(1)) || !strings.Contains(msg, "deregistered") {
			t.Errorf("refusal %q should name the family, the SHA and the deregistered revision", msg)
		}
		t.Logf("refusal: %v", err)
		_, err = s.Rollback(context.Background(), rw.env.Key, model.Version{SHA: "0123456789abcdef0123456789abcdef01234567"}, false)
		if !model.IsRefusal(err) || !strings.Contains(err.Error(), "no deployable revision of api-prod carries 0123456") {
			t.Errorf("unknown SHA: %v", err)
		}
		_, err = s.Rollback(context.Background(), rw.env.Key, model.Version{SHA: shaGood3}, false)
		if !model.IsRefusal(err) || !strings.Contains(err.Error(), "already points at "+rw.rev(4)) {
			t.Errorf("rollback to what runs: %v", err)
		}
		if m := mutating(cnt.take()); len(m) > 0 {
			t.Errorf("refused rollbacks sent %v", m)
		}
	})

	t.Run("Rollback dry run", func(t *testing.T) {
		cnt.take()
		rc, err := s.Rollback(context.Background(), rw.env.Key, model.Version{SHA: shaGood2}, true)
		if err != nil {
			t.Fatal(err)
		}
		if m := mutating(cnt.take()); len(m) > 0 {
			t.Errorf("dry run sent %v", m)
		}
		want := providers.Call{Operation: "UpdateService", Params: map[string]string{"cluster": cluster, "service": "api", "taskDefinition": rw.nth(3)}}
		if len(rc.Calls) != 1 || !reflect.DeepEqual(rc.Calls[0], want) || len(rc.RequestIDs) != 0 {
			t.Errorf("dry-run receipt %+v, want %+v", rc, want)
		}
		if st := fetchOne(t, s); st.Version.Revision != rw.rev(4) {
			t.Errorf("after a dry run the service runs %s", st.Version.Revision)
		}
	})

	t.Run("Rollback to a chosen revision", func(t *testing.T) {
		// to.Revision wins when ACTIVE and carrying the SHA...
		rc, err := s.Rollback(context.Background(), rw.env.Key, model.Version{SHA: shaGood2, Revision: rw.rev(2)}, true)
		if err != nil || rc.Calls[0].Params["taskDefinition"] != rw.nth(2) {
			t.Errorf("rollback to %s: %+v %v", rw.rev(2), rc, err)
		}
		// ...and is ignored when deregistered or not carrying it.
		rc, err = s.Rollback(context.Background(), rw.env.Key, model.Version{SHA: shaGood2, Revision: rw.rev(1)}, true)
		if err != nil || rc.Calls[0].Params["taskDefinition"] != rw.nth(3) {
			t.Errorf("rollback to sha2 naming deregistered %s: %+v %v", rw.rev(1), rc, err)
		}
		_, err = s.Rollback(context.Background(), rw.env.Key, model.Version{Revision: rw.rev(1)}, true)
		if !model.IsRefusal(err) {
			t.Errorf("rollback to deregistered %s by name: %v, want a refusal", rw.rev(1), err)
		}
	})

	t.Run("Rollback", func(t *testing.T) {
		cnt.take()
		rc, err := s.Rollback(context.Background(), rw.env.Key, model.Version{SHA: shaGood2}, false)
		if err != nil {
			t.Fatal(err)
		}
		ops := cnt.take()
		t.Logf("%s: rollback: %s; receipt %+v", b.name, formatOps(ops), rc)
		if ops["UpdateService"] != 1 || ops["RegisterTaskDefinition"] != 0 {
			t.Errorf("rollback made %s", formatOps(ops))
		}
		if len(rc.Calls) != 1 || rc.Calls[0].Params["taskDefinition"] != rw.nth(3) || rc.Detail != "service now points at "+rw.rev(3) || len(rc.RequestIDs) != 1 || rc.RequestIDs[0] == "" {
			t.Errorf("receipt %+v", rc)
		}
		if isSim {
			b.step(t, time.Second)
			st := fetchOne(t, s)
			if st.State != model.StateDeploying || st.Deployment == nil || st.Deployment.ToSHA != shaGood2 || st.Deployment.FromSHA != shaGood3 || st.Version.Revision != rw.rev(3) {
				t.Errorf("after the rollback: %s %+v %+v, want deploying %s → %s", st.State, st.Version, st.Deployment, shaGood3[:7], shaGood2[:7])
			}
			b.settle(t)
		}
		st := fetchOne(t, s)
		if st.State != model.StateSteady || st.Version.SHA != shaGood2 || st.Version.Revision != rw.rev(3) {
			t.Errorf("rollback settled: %s %+v", st.State, st.Version)
		}
		revs, err := s.History(context.Background(), rw.env.Key)
		if err != nil || !revs[1].Current || revs[0].Current {
			t.Errorf("History after the rollback: current is not %s: %+v %v", rw.rev(3), revs, err)
		}
	})
}

func TestReleaseActionsSim(t *testing.T) {
	runReleaseActions(t, startSim(t).backend, "prod")
}

// TestReleaseActionsMoto runs the same against moto_server, and Promote and
// Abort's moto halves, on one server.
func TestReleaseActionsMoto(t *testing.T) {
	b := startMoto(t)
	t.Run("actions", func(t *testing.T) { runReleaseActions(t, b, "prod") })
	t.Run("promote", func(t *testing.T) { runPromote(t, b, "promote") })
	t.Run("abort", func(t *testing.T) {
		c := b.seedClient(t)
		createCluster(t, c, "abort")
		td := registerTaskDef(t, c, "abort-api", containerSpec{name: "api", image: "acme/api:" + shaGood1})
		// moto reports 2 tasks running (MOTO_ECS_SERVICE_RUNNING): a
		// service that wants 4 is mid-rollout, one that wants 2 is steady.
		createService(t, c, "abort", "rolling", td, 4, nil)
		createService(t, c, "abort", "steady", td, 2, nil)
		cnt := newCounter()
		s := b.source(t, []Environment{
			{Key: key("rolling", "abort"), Cluster: "abort", Service: "rolling"},
			{Key: key("steady", "abort"), Cluster: "abort", Service: "steady"},
		}, cnt.client())
		_, err := s.Abort(context.Background(), key("steady", "abort"), false)
		if !model.IsRefusal(err) || !strings.Contains(err.Error(), "no deploy in flight") {
			t.Errorf("abort of a steady service: %v, want a refusal", err)
		}
		_, err = s.Abort(context.Background(), key("rolling", "abort"), false)
		if err == nil || model.IsRefusal(err) || !strings.Contains(err.Error(), "does not support aborting") {
			t.Errorf("abort on moto: %v, want an error saying the endpoint does not support it", err)
		}
		t.Logf("moto abort: %v", err)
		if m := mutating(cnt.take()); len(m) > 0 {
			t.Errorf("abort on moto sent %v", m)
		}
	})
}

// --- Promote ---

// seedPromote makes two families: the staging one runs the image by digest
// with its own settings; the production one has its own roles, sizes,
// variables, secrets, a sidecar, volumes and tags.
func seedPromote(t *testing.T, b *backend, cluster string) (stagingImage string) {
	t.Helper()
	c := b.seedClient(t)
	createCluster(t, c, cluster)
	stagingImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/api@sha256:" + strings.Repeat("ab", 32)
	_, err := c.RegisterTaskDefinition(context.Background(), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String(cluster + "-staging"),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("api"), Image: aws.String(stagingImage), Memory: aws.Int32(256),
			DockerLabels: map[string]string{RevisionLabel: shaGood2},
			Environment:  []types.KeyValuePair{{Name: aws.String("STAGE"), Value: aws.String("staging")}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.RegisterTaskDefinition(context.Background(), &awsecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(cluster + "-prod"),
		TaskRoleArn:             aws.String("arn:aws:iam::123456789012:role/api-task"),
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/api-exec"),
		NetworkMode:             types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu:                     aws.String("1024"),
		Memory:                  aws.String("2048"),
		RuntimePlatform:         &types.RuntimePlatform{CpuArchitecture: types.CPUArchitectureArm64, OperatingSystemFamily: types.OSFamilyLinux},
		EphemeralStorage:        &types.EphemeralStorage{SizeInGiB: 30},
		Volumes:                 []types.Volume{{Name: aws.String("scratch")}},
		Tags:                    []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}},
		ContainerDefinitions: []types.ContainerDefinition{
			{
				Name: aws.String("envoy"), Image: aws.String("envoyproxy/envoy:v1.31"), Essential: aws.Bool(false), Memory: aws.Int32(128),
			},
			{
				Name: aws.String("api"), Image: aws.String("acme/api:" + shaGood1), Essential: aws.Bool(true),
				Cpu: 768, Memory: aws.Int32(1536),
				DockerLabels: map[string]string{RevisionLabel: shaGood1, "team": "payments"},
				Environment: []types.KeyValuePair{
					{Name: aws.String("STAGE"), Value: aws.String("production")},
					{Name: aws.String("DB_POOL"), Value: aws.String("40")},
				},
				Secrets:      []types.Secret{{Name: aws.String("DB_PASSWORD"), ValueFrom: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db")}},
				PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}},
				MountPoints:  []types.MountPoint{{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("/tmp")}},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	createService(t, c, cluster, "api", aws.ToString(out.TaskDefinition.TaskDefinitionArn), 2, nil)
	b.settle(t)
	return stagingImage
}

// comparable is a described task definition without what registration
// itself sets.
func comparable(td types.TaskDefinition) types.TaskDefinition {
	td.TaskDefinitionArn, td.Revision, td.RegisteredAt, td.RegisteredBy, td.Status = nil, 0, nil, nil, ""
	return td
}

func runPromote(t *testing.T, b *backend, cluster string) {
	image := seedPromote(t, b, cluster)
	prod := Environment{Key: key("api", "production"), Cluster: cluster, Service: "api", Container: "api"}
	cnt := newCounter()
	s := b.source(t, []Environment{prod}, cnt.client())
	c := b.seedClient(t)
	describe := func(ref string) types.TaskDefinition {
		out, err := c.DescribeTaskDefinition(context.Background(), &awsecs.DescribeTaskDefinitionInput{
			TaskDefinition: aws.String(ref), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "team" {
			t.Errorf("%s: tags %+v", ref, out.Tags)
		}
		return *out.TaskDefinition
	}
	before := fetchOne(t, s)
	family := cluster + "-prod"
	if before.Version.SHA != shaGood1 || before.Version.Revision != family+":1" {
		t.Fatalf("before: %+v", before.Version)
	}
	artifact := model.Version{SHA: shaGood2, Artifact: image, Revision: cluster + "-staging:1"}

	// Dry run: both calls described, neither sent.
	cnt.take()
	rc, err := s.Promote(context.Background(), prod.Key, artifact, true)
	if err != nil {
		t.Fatal(err)
	}
	ops := cnt.take()
	if m := mutating(ops); len(m) > 0 {
		t.Errorf("dry run sent %v", m)
	}
	t.Logf("%s: promote dry run: %s; %+v", b.name, formatOps(ops), rc)
	if len(rc.Calls) != 2 || rc.Calls[0].Operation != "RegisterTaskDefinition" || rc.Calls[1].Operation != "UpdateService" ||
		rc.Calls[0].Params["family"] != family || rc.Calls[0].Params["image"] != image || rc.Calls[0].Params["container"] != "api" ||
		rc.Calls[0].Params["dockerLabels."+RevisionLabel] != shaGood2 || rc.Calls[1].Params["cluster"] != cluster {
		t.Errorf("dry-run receipt %+v", rc)
	}
	for _, call := range rc.Calls {
		for k, v := range call.Params {
			if strings.Contains(v, "secretsmanager") || strings.Contains(v, "production") {
				t.Errorf("the receipt carries the target's settings: %s=%s", k, v)
			}
		}
	}

	cnt.take()
	rc, err = s.Promote(context.Background(), prod.Key, artifact, false)
	if err != nil {
		t.Fatal(err)
	}
	ops = cnt.take()
	t.Logf("%s: promote: %s; %+v", b.name, formatOps(ops), rc)
	if ops["RegisterTaskDefinition"] != 1 || ops["UpdateService"] != 1 || len(rc.RequestIDs) != 2 || rc.Detail != "registered "+family+":2" {
		t.Errorf("promote: %s, receipt %+v", formatOps(ops), rc)
	}

	// The new revision is the old one with the image and the revision label
	// changed, and nothing else.
	old, nu := describe(family+":1"), describe(family+":2")
	if aws.ToString(nu.Family) != family {
		t.Errorf("registered into family %q", aws.ToString(nu.Family))
	}
	api := nu.ContainerDefinitions[1]
	if aws.ToString(api.Image) != image || api.DockerLabels[RevisionLabel] != shaGood2 || api.DockerLabels["team"] != "payments" {
		t.Errorf("new api container: image %q labels %v", aws.ToString(api.Image), api.DockerLabels)
	}
	if len(api.Environment) != 2 || len(api.Secrets) != 1 || aws.ToString(api.Secrets[0].Name) != "DB_PASSWORD" || api.Cpu != 768 ||
		aws.ToInt32(api.Memory) != 1536 || aws.ToString(nu.Cpu) != "1024" || aws.ToString(nu.Memory) != "2048" {
		t.Errorf("target settings not kept: env %+v secrets %+v cpu %d/%s memory %d/%s", api.Environment, api.Secrets, api.Cpu, aws.ToString(nu.Cpu), aws.ToInt32(api.Memory), aws.ToString(nu.Memory))
	}
	for _, kv := range api.Environment {
		if aws.ToString(kv.Name) == "STAGE" && aws.ToString(kv.Value) != "production" {
			t.Errorf("STAGE=%s: the source's variables leaked in", aws.ToString(kv.Value))
		}
	}
	want := comparable(old)
	want.ContainerDefinitions = append([]types.ContainerDefinition(nil), old.ContainerDefinitions...)
	want.ContainerDefinitions[1].Image = aws.String(image)
	want.ContainerDefinitions[1].DockerLabels = map[string]string{RevisionLabel: shaGood2, "team": "payments"}
	if got := comparable(nu); !reflect.DeepEqual(got, want) {
		t.Errorf("the new revision differs in more than the image and label:\n got %+v\nwant %+v", got, want)
	}

	if b.name == "sim" {
		b.step(t, time.Second)
		st := fetchOne(t, s)
		if st.State != model.StateDeploying || st.Deployment == nil || st.Deployment.ToSHA != shaGood2 || st.Deployment.FromSHA != shaGood1 {
			t.Errorf("after the promotion: %s %+v", st.State, st.Deployment)
		}
		b.settle(t)
	}
	st := fetchOne(t, s)
	if st.State != model.StateSteady || st.Version.SHA != shaGood2 || st.Version.Artifact != image || st.Version.Revision != family+":2" {
		t.Errorf("promoted: %s %+v", st.State, st.Version)
	}

	// Promoting what already runs is refused before anything is sent.
	cnt.take()
	if _, err := s.Promote(context.Background(), prod.Key, artifact, false); !model.IsRefusal(err) {
		t.Errorf("promoting what runs: %v, want a refusal", err)
	}
	if m := mutating(cnt.take()); len(m) > 0 {
		t.Errorf("a refused promotion sent %v", m)
	}
}

func TestPromoteSim(t *testing.T) {
	runPromote(t, startSim(t).backend, "promote")
}

// TestRegistrationCopiesEveryField fills every field of a task definition
// and checks the registration request carries every one of them: a field a
// newer SDK adds to RegisterTaskDefinitionInput fails here until it is
// copied.
func TestRegistrationCopiesEveryField(t *testing.T) {
	var base types.TaskDefinition
	fill(reflect.ValueOf(&base).Elem())
	base.ContainerDefinitions = []types.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("acme/api:old"),
		DockerLabels: map[string]string{RevisionLabel: shaGood1}}}
	tags := []types.Tag{{Key: aws.String("team"), Value: aws.String("x")}, {Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("y")}}
	in, ci, err := registration(&base, tags, "", model.Version{SHA: shaGood2, Artifact: "acme/api:new"})
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(in).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		if v.Field(i).IsZero() {
			t.Errorf("RegisterTaskDefinitionInput.%s is not copied", f.Name)
		}
	}
	if len(in.Tags) != 1 || aws.ToString(in.Tags[0].Key) != "team" {
		t.Errorf("tags %+v: want the user's, without aws: ones", in.Tags)
	}
	c := in.ContainerDefinitions[ci]
	if aws.ToString(c.Image) != "acme/api:new" || c.DockerLabels[RevisionLabel] != shaGood2 {
		t.Errorf("container %+v", c)
	}
	if base.ContainerDefinitions[0].DockerLabels[RevisionLabel] != shaGood1 || aws.ToString(base.ContainerDefinitions[0].Image) != "acme/api:old" {
		t.Errorf("registration changed the described task definition")
	}
	// Without a SHA to write, the label goes rather than lie.
	in, ci, _ = registration(&base, nil, "api", model.Version{Artifact: "acme/api:new"})
	if _, ok := in.ContainerDefinitions[ci].DockerLabels[RevisionLabel]; ok {
		t.Errorf("label kept with no SHA: %v", in.ContainerDefinitions[ci].DockerLabels)
	}
	if _, _, err := registration(&base, nil, "web", model.Version{Artifact: "x"}); err == nil {
		t.Errorf("no error for a missing container")
	}
}

// fill sets every settable field of v to a non-zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Float64, reflect.Float32:
		v.SetFloat(1)
	case reflect.Interface:
		// document.Interface and the like: left nil
	}
}
