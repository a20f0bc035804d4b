package ecs

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/internal/awstest"
)

// TestMain keeps the tests hermetic (see awstest.Main).
func TestMain(m *testing.M) { awstest.Main(m) }

const testRegion = "us-east-1"

var testCreds = credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRET", "")

// counter is an http.RoundTripper that counts ECS operations by X-Amz-Target.
type counter struct {
	next http.RoundTripper
	mu   sync.Mutex
	ops  map[string]int
}

func newCounter() *counter { return &counter{next: http.DefaultTransport, ops: map[string]int{}} }

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndex(op, "."); i >= 0 {
		op = op[i+1:]
	}
	c.mu.Lock()
	c.ops[op]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *counter) client() *http.Client { return &http.Client{Transport: c} }

// take returns the counts since the last take and resets them.
func (c *counter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.ops
	c.ops = map[string]int{}
	return got
}

func formatOps(ops map[string]int) string {
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", k, ops[k])
	}
	return b.String()
}

// backend is one ECS endpoint the provider tests run against.
type backend struct {
	name      string
	endpoint  string
	anonymous bool
	// settle lets the backend's world run until deploys finish (the sim's
	// clock moves; moto is static).
	settle func(t *testing.T)
	// step moves the backend's world by d (no-op for moto).
	step func(t *testing.T, d time.Duration)
	now  func() time.Time
}

// seedClient is a plain SDK client for setting the backend up.
func (b *backend) seedClient(testing.TB) *awsecs.Client {
	o := awsecs.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(b.endpoint),
		Retryer:      aws.NopRetryer{},
		Credentials:  testCreds,
	}
	if b.anonymous {
		o.Credentials = aws.AnonymousCredentials{}
	}
	return awsecs.New(o)
}

// source builds the Source under test the way commands/world.go does, through New.
func (b *backend) source(t *testing.T, envs []Environment, hc *http.Client) *Source {
	t.Helper()
	o := Options{
		Region:       testRegion,
		EndpointURL:  b.endpoint,
		Environments: envs,
		HTTPClient:   hc,
		Now:          b.now,
	}
	if b.anonymous {
		o.Anonymous = true
	} else {
		o.Credentials = testCreds
	}
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// startMoto runs moto_server for the test (see motoserver.Start), its
// services reporting their deployment COMPLETED with two tasks running.
func startMoto(t *testing.T) *backend {
	t.Helper()
	return &backend{
		name:     "moto",
		endpoint: awstest.Start(t, "MOTO_ECS_SERVICE_RUNNING=2"),
		settle:   func(*testing.T) {},
		step:     func(*testing.T, time.Duration) {},
		now:      time.Now,
	}
}

// --- seeding through the SDK ---

type containerSpec struct {
	name      string
	image     string
	essential *bool
	labels    map[string]string
}

func registerTaskDef(t *testing.T, c *awsecs.Client, family string, cs ...containerSpec) string {
	t.Helper()
	var defs []types.ContainerDefinition
	for _, s := range cs {
		defs = append(defs, types.ContainerDefinition{
			Name:         aws.String(s.name),
			Image:        aws.String(s.image),
			Essential:    s.essential,
			Memory:       aws.Int32(256),
			DockerLabels: s.labels,
		})
	}
	out, err := c.RegisterTaskDefinition(context.Background(), &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String(family),
		ContainerDefinitions: defs,
	})
	if err != nil {
		t.Fatalf("RegisterTaskDefinition %s: %v", family, err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

func createCluster(t *testing.T, c *awsecs.Client, name string) {
	t.Helper()
	if _, err := c.CreateCluster(context.Background(), &awsecs.CreateClusterInput{ClusterName: aws.String(name)}); err != nil {
		t.Fatalf("CreateCluster %s: %v", name, err)
	}
}

func createService(t *testing.T, c *awsecs.Client, cluster, name, taskDef string, desired int32, cfg *types.DeploymentConfiguration) {
	t.Helper()
	_, err := c.CreateService(context.Background(), &awsecs.CreateServiceInput{
		Cluster:                 aws.String(cluster),
		ServiceName:             aws.String(name),
		TaskDefinition:          aws.String(taskDef),
		DesiredCount:            aws.Int32(desired),
		DeploymentConfiguration: cfg,
	})
	if err != nil {
		t.Fatalf("CreateService %s/%s: %v", cluster, name, err)
	}
}

func updateService(t *testing.T, c *awsecs.Client, in *awsecs.UpdateServiceInput) {
	t.Helper()
	if _, err := c.UpdateService(context.Background(), in); err != nil {
		t.Fatalf("UpdateService %s/%s: %v", aws.ToString(in.Cluster), aws.ToString(in.Service), err)
	}
}

func byKey(sts []model.EnvStatus) map[model.EnvKey]model.EnvStatus {
	m := make(map[model.EnvKey]model.EnvStatus, len(sts))
	for _, s := range sts {
		m[s.Key()] = s
	}
	return m
}

func key(svc, env string) model.EnvKey { return model.EnvKey{Service: svc, Environment: env} }

// onlyError reports whether a status is a failed environment's and nothing
// else: its key and its error.
// onlyError: a failed environment carries its error, whether what the
// config names is missing, and nothing else.
func onlyError(st model.EnvStatus) bool {
	return st.Error != "" && reflect.DeepEqual(st, model.EnvStatus{Service: st.Service, Environment: st.Environment, Error: st.Error, Missing: st.Missing})
}
