package ecs

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
	"github.com/airside-dev/flightdeck/sim"
)

// The operations whose answers the fuzzers change.
const (
	opDescribeServices       = "DescribeServices"
	opDescribeTaskDefinition = "DescribeTaskDefinition"
	opListServiceDeployments = "ListServiceDeployments"
)

// fuzzEnv is the demo's api service in its staging cluster.
var fuzzEnv = Environment{Key: model.EnvKey{Service: "api", Environment: "staging"}, Cluster: "staging", Service: "api", Container: "api"}

func opOf(h http.Header) string {
	op := h.Get("X-Amz-Target")
	return op[strings.LastIndex(op, ".")+1:]
}

// canned is an ECS that answers every call of an operation with one body.
// Answers swaps them, for a client shared by many fuzz runs.
type canned struct {
	answers atomic.Pointer[map[string][]byte]
}

func (c *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := (*c.answers.Load())[opOf(r.Header)]
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"UnknownOperationException","message":"not canned"}`)
		return
	}
	_, _ = w.Write(body)
}

// sdkClient is the SDK's ECS client on rt, unsigned and without retries.
func sdkClient(rt http.RoundTripper) *awsecs.Client {
	return awsecs.New(awsecs.Options{
		Region:           testRegion,
		BaseEndpoint:     aws.String("http://ecs.test"),
		Credentials:      aws.AnonymousCredentials{},
		HTTPClient:       &http.Client{Transport: rt},
		RetryMaxAttempts: 1,
	})
}

// simAnswers are real answers captured from the demo world, by operation:
// polls of its staging environments while deploys roll, and their History.
var simAnswers = sync.OnceValue(func() map[string][][]byte {
	clock := fakeclock.New(t0)
	w := sim.New(sim.Options{Seed: 1, Clock: clock})
	rec := &oddanswers.Recorder{Handler: w.Handler()}
	envs := []Environment{fuzzEnv,
		{Key: model.EnvKey{Service: "web", Environment: "staging"}, Cluster: "staging", Service: "web"},
		{Key: model.EnvKey{Service: "api", Environment: "dev"}, Cluster: "dev", Service: "api"}}
	s := newSource(sdkClient(rec), testRegion, Options{Environments: envs, Now: clock.Now})
	for range 8 {
		_, _ = s.Fetch(context.Background())
		w.Step(clock.Advance(2 * time.Minute))
	}
	_, _ = s.History(context.Background(), fuzzEnv.Key)
	out := rec.Bodies(func(x oddanswers.Exchange) string { return opOf(x.Header) })
	// The answers about fuzzEnv first: the canned ECS gives every call the
	// first.
	aboutEnv := func(b []byte) bool {
		return bytes.Contains(b, []byte("api-staging")) || bytes.Contains(b, []byte("/staging/api"))
	}
	for _, bodies := range out {
		slices.SortStableFunc(bodies, func(a, b []byte) int {
			switch {
			case aboutEnv(a) == aboutEnv(b):
				return 0
			case aboutEnv(a):
				return -1
			}
			return 1
		})
	}
	return out
})

// sdkSnapshot is the SDK's own response snapshot of an operation (every
// field present, with placeholder values), read from the SDK module's
// source directory, or nil where that is not at hand.
func sdkSnapshot(op string) []byte {
	file, _ := runtime.FuncForPC(reflect.ValueOf(awsecs.New).Pointer()).FileLine(0)
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(file), "response_snapshot", op+".response.snap"))
	if err != nil {
		return nil
	}
	// A status line and headers, a blank line, the body.
	_, body, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		return nil
	}
	return bytes.TrimSpace(body)
}

// baseAnswers is the first real answer of each operation.
func baseAnswers() map[string][]byte {
	answers := map[string][]byte{}
	for k, real := range simAnswers() {
		answers[k] = real[0]
	}
	return answers
}

// fuzzFetch serves body as every answer of op, the others real, to a
// source of one environment, polls it twice (FetchEnv the second time)
// and reads its History. No panic may be recovered.
func fuzzFetch(t *testing.T, c *awsecs.Client, h *canned, op string, body []byte) {
	answers := baseAnswers()
	answers[op] = body
	h.answers.Store(&answers)
	s := newSource(c, testRegion, Options{Environments: []Environment{fuzzEnv}, Now: fakeclock.New(t0).Now})
	before := providers.RecoveredPanics()
	sts, _ := s.Fetch(context.Background())
	if len(sts) != 1 || sts[0].Service != "api" || sts[0].Environment != "staging" {
		t.Fatalf("environments %+v", sts)
	}
	st, _ := s.FetchEnv(context.Background(), fuzzEnv.Key)
	if providers.RecoveredPanics() != before {
		t.Fatalf("a panic was recovered: %+v, then %+v", sts, st)
	}
	_, _ = s.History(context.Background(), fuzzEnv.Key) // no net here: a panic is a crash
}

func fuzzOp(f *testing.F, op string) {
	var examples [][]byte
	if b := sdkSnapshot(op); b != nil {
		examples = append(examples, b)
	}
	for _, b := range oddanswers.Seeds(simAnswers()[op], examples, 100) {
		f.Add(b)
	}
	h := &canned{}
	c := sdkClient(oddanswers.Transport{Handler: h})
	f.Fuzz(func(t *testing.T, body []byte) { fuzzFetch(t, c, h, op, body) })
}

func FuzzECSDescribeServices(f *testing.F)       { fuzzOp(f, opDescribeServices) }
func FuzzECSDescribeTaskDefinition(f *testing.F) { fuzzOp(f, opDescribeTaskDefinition) }
func FuzzECSListServiceDeployments(f *testing.F) { fuzzOp(f, opListServiceDeployments) }
