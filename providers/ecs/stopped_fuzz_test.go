package ecs

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
	"github.com/airside-dev/flightdeck/sim"
)

const (
	opListTasks     = "ListTasks"
	opDescribeTasks = "DescribeTasks"
)

// stoppedAnswers are real answers captured from the sim while a deploy of
// an image killed for its memory fails and rolls back: the failing
// DescribeServices first, then ListTasks and DescribeTasks with tasks.
var stoppedAnswers = sync.OnceValue(func() map[string][][]byte {
	clock := fakeclock.New(t0)
	w := sim.New(sim.Options{Seed: 1, Clock: clock, Scenario: sim.ScenarioEmpty})
	rec := &oddanswers.Recorder{Handler: w.Handler()}
	c := sdkClient(rec)
	ctx := context.Background()
	step := func(d time.Duration) { w.Step(clock.Advance(d)) }
	register := func(image string) *string {
		out, err := c.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("api"),
			ContainerDefinitions: []types.ContainerDefinition{
				{Name: aws.String("api"), Image: aws.String(image), Memory: aws.Int32(256)},
				{Name: aws.String("log_router"), Image: aws.String("amazon/aws-for-fluent-bit:2"), Memory: aws.Int32(64), Essential: aws.Bool(false)}}})
		if err != nil {
			panic(err)
		}
		return out.TaskDefinition.TaskDefinitionArn
	}
	if _, err := c.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		panic(err)
	}
	if _, err := c.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("api"),
		TaskDefinition: register("acme/api:" + shaGood1), DesiredCount: aws.Int32(2),
		DeploymentConfiguration: &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}}); err != nil {
		panic(err)
	}
	step(10 * time.Minute)
	if _, err := c.UpdateService(ctx, &awsecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), TaskDefinition: register("acme/api:bad-oom")}); err != nil {
		panic(err)
	}
	s := newSource(c, testRegion, Options{Environments: prodAPIWithSidecar, Now: clock.Now})
	for range 60 {
		step(time.Second)
		_, _ = s.Fetch(ctx)
	}
	out := rec.Bodies(func(x oddanswers.Exchange) string { return opOf(x.Header) })
	failing := func(b []byte) bool {
		return bytes.Contains(b, []byte(`"failedTasks":`)) && !bytes.Contains(b, []byte(`"failedTasks":0`))
	}
	ds := out[opDescribeServices]
	for i, b := range ds {
		if failing(b) {
			out[opDescribeServices] = append([][]byte{b}, append(ds[:i:i], ds[i+1:]...)...)
			break
		}
	}
	for _, op := range []string{opListTasks, opDescribeTasks} {
		var kept [][]byte
		for _, b := range out[op] {
			if bytes.Contains(b, []byte("arn:aws:ecs:")) {
				kept = append(kept, b)
			}
		}
		out[op] = kept
	}
	return out
})

// fuzzStopped serves body as every answer of op, the others real, to a
// fresh source of the failing environment, and polls it twice. No panic
// may be recovered, and the environment is read whatever the answer.
func fuzzStopped(t *testing.T, c *awsecs.Client, h *canned, op string, body []byte) {
	answers := map[string][]byte{}
	for k, real := range stoppedAnswers() {
		if len(real) > 0 {
			answers[k] = real[0]
		}
	}
	answers[op] = body
	h.answers.Store(&answers)
	s := newSource(c, testRegion, Options{Environments: prodAPIWithSidecar, Now: fakeclock.New(t0).Now})
	before := providers.RecoveredPanics()
	sts, _ := s.Fetch(context.Background())
	if len(sts) != 1 || sts[0].Error != "" || sts[0].Deployment == nil {
		t.Fatalf("the environment was not read: %+v", sts)
	}
	st, _ := s.FetchEnv(context.Background(), prodAPIWithSidecar[0].Key)
	if providers.RecoveredPanics() != before {
		t.Fatalf("a panic was recovered: %+v, then %+v", sts, st)
	}
}

func fuzzStoppedOp(f *testing.F, op string) {
	var examples [][]byte
	if b := sdkSnapshot(op); b != nil {
		examples = append(examples, b)
	}
	real := stoppedAnswers()[op]
	if len(real) == 0 {
		f.Fatalf("no %s answer captured from the sim", op)
	}
	for _, b := range oddanswers.Seeds(real, examples, 100) {
		f.Add(b)
	}
	h := &canned{}
	c := sdkClient(oddanswers.Transport{Handler: h})
	f.Fuzz(func(t *testing.T, body []byte) { fuzzStopped(t, c, h, op, body) })
}

func FuzzECSListTasks(f *testing.F)     { fuzzStoppedOp(f, opListTasks) }
func FuzzECSDescribeTasks(f *testing.F) { fuzzStoppedOp(f, opDescribeTasks) }

// The captured answers read as the stopped tasks they are: the fuzzers'
// base is a failing environment whose reasons come through.
func TestStoppedAnswersRead(t *testing.T) {
	h := &canned{}
	c := sdkClient(oddanswers.Transport{Handler: h})
	answers := map[string][]byte{}
	for k, real := range stoppedAnswers() {
		if len(real) > 0 {
			answers[k] = real[0]
		}
	}
	h.answers.Store(&answers)
	s := newSource(c, testRegion, Options{Environments: prodAPIWithSidecar, Now: fakeclock.New(t0).Now})
	st := fetchOne(t, s)
	if st.Deployment == nil || len(st.Deployment.StoppedTasks) == 0 || st.Deployment.StoppedTasks[0].Containers[0].ExitCode == nil ||
		*st.Deployment.StoppedTasks[0].Containers[0].ExitCode != 137 {
		t.Fatalf("captured answers read as %s %+v", st.State, st.Deployment)
	}
	t.Logf("%s: %q", st.State, summaries(st.Deployment.StoppedTasks))
}
