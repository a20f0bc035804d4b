package ecs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

const (
	shaLabel     = "3f2a1c9d4b5e6f708192a3b4c5d6e7f8091a2b3c"
	shaLabel2    = "77aa1c9d4b5e6f708192a3b4c5d6e7f8091a2b3c"
	shaTagShort  = "9c8b7a6"
	shaBare      = "0123456789abcdef0123456789abcdef01234567"
	shaSidecar   = "5e5e5e5"
	shaUpdated1  = "1111111aaaa"
	shaUpdated2  = "2222222bbbb"
	imgLabelled  = "acme/labelled:latest"
	imgTagged    = "ghcr.io/acme/tagged:sha-" + shaTagShort
	imgBare      = "registry.example.com:5000/acme/bare:" + shaBare
	imgEnvoy     = "envoyproxy/envoy:v1.29.1"
	imgSidecar   = "acme/web:sha-" + shaSidecar
	imgUpdated1  = "acme/updated:" + shaUpdated1
	imgUpdated2  = "acme/updated:" + shaUpdated2
	imgPrecedent = "acme/precedence:sha-1234567"
	// Real-world shapes: a FireLens log router listed first, the
	// Datadog agent, an app image by digest only with its OCI label.
	shaDigest   = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"
	imgFireLens = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
	imgDatadog  = "public.ecr.aws/datadog/agent:latest"
	imgDigest   = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/api@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

// want is what one environment should look like after seeding.
type want struct {
	sha, artifact, revision string
	notFound                bool
}

// backendEnvs are the environments of the shared table: two real clusters,
// a service that does not exist and a cluster that does not exist.
var backendEnvs = []Environment{
	{Key: key("labelled", "staging"), Cluster: "alpha", Service: "labelled"},
	{Key: key("tagged", "staging"), Cluster: "alpha", Service: "tagged"},
	{Key: key("bare", "staging"), Cluster: "alpha", Service: "bare"},
	{Key: key("sidecar", "staging"), Cluster: "alpha", Service: "sidecar"},
	{Key: key("sidecar", "proxy"), Cluster: "alpha", Service: "sidecar", Container: "envoy"},
	{Key: key("updated", "staging"), Cluster: "alpha", Service: "updated"},
	{Key: key("realworld", "staging"), Cluster: "alpha", Service: "realworld"},
	{Key: key("ghost", "staging"), Cluster: "alpha", Service: "ghost"},
	{Key: key("precedence", "production"), Cluster: "beta", Service: "precedence"},
	{Key: key("lost", "production"), Cluster: "nowhere", Service: "lost"},
}

var backendWant = map[model.EnvKey]want{
	key("labelled", "staging"):      {sha: shaLabel, artifact: imgLabelled, revision: "labelled:1"},
	key("tagged", "staging"):        {sha: shaTagShort, artifact: imgTagged, revision: "tagged:1"},
	key("bare", "staging"):          {sha: shaBare, artifact: imgBare, revision: "bare:1"},
	key("sidecar", "staging"):       {sha: shaSidecar, artifact: imgSidecar, revision: "sidecar:1"},
	key("sidecar", "proxy"):         {sha: "", artifact: imgEnvoy, revision: "sidecar:1"},
	key("updated", "staging"):       {sha: shaUpdated2, artifact: imgUpdated2, revision: "updated:2"},
	key("realworld", "staging"):     {sha: shaDigest, artifact: imgDigest, revision: "realworld:1"},
	key("ghost", "staging"):         {notFound: true},
	key("precedence", "production"): {sha: shaLabel2, artifact: imgPrecedent, revision: "precedence:1"},
	key("lost", "production"):       {notFound: true},
}

// seedBackend builds the shared table's world through the SDK.
func seedBackend(t *testing.T, b *backend) {
	c := b.seedClient(t)
	createCluster(t, c, "alpha")
	createCluster(t, c, "beta")

	labelled := registerTaskDef(t, c, "labelled", containerSpec{name: "app", image: imgLabelled,
		labels: map[string]string{RevisionLabel: shaLabel, "team": "payments"}})
	tagged := registerTaskDef(t, c, "tagged", containerSpec{name: "app", image: imgTagged})
	bare := registerTaskDef(t, c, "bare", containerSpec{name: "app", image: imgBare})
	sidecar := registerTaskDef(t, c, "sidecar",
		containerSpec{name: "envoy", image: imgEnvoy, essential: aws.Bool(false)},
		containerSpec{name: "web", image: imgSidecar, essential: aws.Bool(true)})
	updated1 := registerTaskDef(t, c, "updated", containerSpec{name: "app", image: imgUpdated1})
	updated2 := registerTaskDef(t, c, "updated", containerSpec{name: "app", image: imgUpdated2})
	precedence := registerTaskDef(t, c, "precedence", containerSpec{name: "app", image: imgPrecedent,
		labels: map[string]string{RevisionLabel: shaLabel2}})

	createService(t, c, "alpha", "labelled", labelled, 2, nil)
	createService(t, c, "alpha", "tagged", tagged, 2, nil)
	createService(t, c, "alpha", "bare", bare, 2, nil)
	createService(t, c, "alpha", "sidecar", sidecar, 2, nil)
	createService(t, c, "alpha", "updated", updated1, 2, nil)
	realworld := registerTaskDef(t, c, "realworld",
		containerSpec{name: "log_router", image: imgFireLens, essential: aws.Bool(true)},
		containerSpec{name: "datadog-agent", image: imgDatadog, essential: aws.Bool(true)},
		containerSpec{name: "api", image: imgDigest, essential: aws.Bool(true), labels: map[string]string{RevisionLabel: shaDigest}})
	createService(t, c, "alpha", "realworld", realworld, 2, nil)
	createService(t, c, "beta", "precedence", precedence, 2, nil)
	b.settle(t)
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("alpha"), Service: aws.String("updated"), TaskDefinition: aws.String(updated2)})
	b.settle(t)
}

// checkBackendTable asserts the environments the shared table expects.
func checkBackendTable(t *testing.T, s *Source) {
	t.Helper()
	sts, errs, err := s.fetch(context.Background())
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if len(sts) != len(backendEnvs) {
		t.Fatalf("got %d environments, want %d", len(sts), len(backendEnvs))
	}
	for i, st := range sts {
		if st.Key() != backendEnvs[i].Key {
			t.Errorf("environment %d is %v, want %v (config order)", i, st.Key(), backendEnvs[i].Key)
		}
	}
	got := byKey(sts)
	for k, w := range backendWant {
		st := got[k]
		if w.notFound {
			if !errors.Is(errs[k], providers.ErrNotFound) {
				t.Errorf("%v: error %v, want ErrNotFound", k, errs[k])
			}
			if st.Error == "" || !strings.Contains(st.Error, "not found") {
				t.Errorf("%v: Error %q, want a not-found message", k, st.Error)
			}
			if !onlyError(st) || !st.Missing {
				t.Errorf("%v: a failed environment carries more than its error, or is not marked missing: %+v", k, st)
			}
			continue
		}
		if st.Target != model.TargetECS {
			t.Errorf("%v: target %q", k, st.Target)
		}
		if st.Error != "" {
			t.Errorf("%v: unexpected error %q", k, st.Error)
			continue
		}
		if st.Version.SHA != w.sha || st.Version.Artifact != w.artifact || st.Version.Revision != w.revision {
			t.Errorf("%v: version %+v, want sha=%q artifact=%q revision=%q", k, st.Version, w.sha, w.artifact, w.revision)
		}
		if st.State != model.StateSteady || st.Deployment != nil {
			t.Errorf("%v: state %q deployment %+v, want steady", k, st.State, st.Deployment)
		}
		if len(st.Rollouts) == 0 {
			t.Errorf("%v: no rollouts", k)
		}
	}
}

// runBackendTable is the table both backends must pass with the same
// assertions.
func runBackendTable(t *testing.T, b *backend) {
	seedBackend(t, b)
	cnt := newCounter()
	s := b.source(t, backendEnvs, cnt.client())

	checkBackendTable(t, s)
	first := cnt.take()
	t.Logf("%s: first poll: %s", b.name, formatOps(first))
	if first["DescribeServices"] != 3 {
		t.Errorf("first poll: %d DescribeServices, want 3 (alpha, beta, nowhere)", first["DescribeServices"])
	}

	checkBackendTable(t, s)
	steady := cnt.take()
	t.Logf("%s: steady poll: %s", b.name, formatOps(steady))
	if len(steady) != 1 || steady["DescribeServices"] != 3 {
		t.Errorf("steady poll made %s, want DescribeServices=3 only", formatOps(steady))
	}

	// A forced new deployment changes the deployment IDs: the next poll may
	// ask ListServiceDeployments once (moto does not implement it, which
	// must not fail anything), then polls are back to the minimum.
	c := b.seedClient(t)
	updateService(t, c, &awsecs.UpdateServiceInput{Cluster: aws.String("alpha"), Service: aws.String("labelled"), ForceNewDeployment: true})
	b.settle(t)
	checkBackendTable(t, s)
	changed := cnt.take()
	t.Logf("%s: poll after a forced deployment: %s", b.name, formatOps(changed))
	if changed["DescribeServices"] != 3 || changed["DescribeTaskDefinition"] != 0 || changed["ListServiceDeployments"] > 1 {
		t.Errorf("poll after a forced deployment made %s, want DescribeServices=3 and at most one ListServiceDeployments", formatOps(changed))
	}
	checkBackendTable(t, s)
	if again := cnt.take(); len(again) != 1 || again["DescribeServices"] != 3 {
		t.Errorf("steady poll made %s, want DescribeServices=3 only", formatOps(again))
	}
}

func TestBackendsMoto(t *testing.T) {
	b := startMoto(t)
	runBackendTable(t, b)
}

// seedFleet creates nClusters clusters of perCluster services each, every
// service on its own task definition family.
func seedFleet(tb testing.TB, c *awsecs.Client, nClusters, perCluster int) []Environment {
	var envs []Environment
	for ci := range nClusters {
		cluster := fmt.Sprintf("fleet-%d", ci)
		if _, err := c.CreateCluster(context.Background(), &awsecs.CreateClusterInput{ClusterName: aws.String(cluster)}); err != nil {
			tb.Fatal(err)
		}
		for si := range perCluster {
			name := fmt.Sprintf("svc-%d-%d", ci, si)
			sha := fmt.Sprintf("%07x%033d", ci*100+si, 0)
			out, err := c.RegisterTaskDefinition(context.Background(), &awsecs.RegisterTaskDefinitionInput{
				Family:               aws.String(name),
				ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("acme/" + name + ":sha-" + sha), Memory: aws.Int32(256)}},
			})
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := c.CreateService(context.Background(), &awsecs.CreateServiceInput{
				Cluster: aws.String(cluster), ServiceName: aws.String(name),
				TaskDefinition: out.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(2),
			}); err != nil {
				tb.Fatal(err)
			}
			envs = append(envs, Environment{Key: key(name, "production"), Cluster: cluster, Service: name})
		}
	}
	return envs
}

// runCallsPerPoll: 50 services in 5 clusters cost exactly 5
// DescribeServices per steady poll, and nothing else. requests and reset
// are the sim's own counters (nil for moto).
func runCallsPerPoll(t *testing.T, b *backend, requests func() map[string]int, reset func()) {
	envs := seedFleet(t, b.seedClient(t), 5, 10)
	b.settle(t)
	cnt := newCounter()
	s := b.source(t, envs, cnt.client())
	for poll := 1; poll <= 3; poll++ {
		if reset != nil {
			reset()
		}
		sts, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range sts {
			if st.Error != "" || st.State != model.StateSteady || st.Version.SHA == "" {
				t.Fatalf("poll %d: %v: %s %q %+v", poll, st.Key(), st.State, st.Error, st.Version)
			}
		}
		ops := cnt.take()
		msg := fmt.Sprintf("%s, 50 services in 5 clusters, poll %d: %s", b.name, poll, formatOps(ops))
		if requests != nil {
			msg += fmt.Sprintf(" (sim Requests(): %v)", requests())
		}
		t.Log(msg)
		if poll == 1 {
			if ops["DescribeServices"] != 5 || ops["DescribeTaskDefinition"] != 50 {
				t.Errorf("first poll: %s, want DescribeServices=5 DescribeTaskDefinition=50", formatOps(ops))
			}
			continue
		}
		if len(ops) != 1 || ops["DescribeServices"] != 5 {
			t.Errorf("steady poll %d: %s, want DescribeServices=5 and nothing else", poll, formatOps(ops))
		}
		if requests != nil {
			if got := requests(); len(got) != 1 || got["ecs:DescribeServices"] != 5 {
				t.Errorf("steady poll %d: the sim saw %v", poll, got)
			}
		}
	}
}

func TestCallsPerPollMoto(t *testing.T) {
	runCallsPerPoll(t, startMoto(t), nil, nil)
}
