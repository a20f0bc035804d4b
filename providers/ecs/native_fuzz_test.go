package ecs

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
	"github.com/airside-dev/flightdeck/sim"
)

// The native-deployment mapping path under odd answers: the demo's
// orders production paused at its PAUSE hook, recorded, then one
// operation's answer replaced.

const (
	opDescribeServiceDeployments = "DescribeServiceDeployments"
	opDescribeServiceRevisions   = "DescribeServiceRevisions"
)

var ordersProd = Environment{Key: model.EnvKey{Service: "orders", Environment: "production"}, Cluster: "production", Service: "orders"}

// nativeAnswers are the real answers of a poll of orders/production: a
// fresh map each call, for the caller to change.
func nativeAnswers() map[string][]byte { return maps.Clone(recordedNative()) }

var recordedNative = sync.OnceValue(func() map[string][]byte {
	clock := fakeclock.New(t0)
	w := sim.New(sim.Options{Seed: 1, Clock: clock})
	w.Step(clock.Advance(30 * time.Second))
	rec := &oddanswers.Recorder{Handler: w.Handler()}
	s := newSource(sdkClient(rec), testRegion, Options{Environments: []Environment{ordersProd}, Now: clock.Now})
	_, _ = s.Fetch(context.Background())
	out := map[string][]byte{}
	for op, bodies := range rec.Bodies(func(x oddanswers.Exchange) string { return opOf(x.Header) }) {
		out[op] = bodies[0]
	}
	return out
})

// readNativeWith polls orders/production once with answers, and says
// whether a panic was recovered.
func readNativeWith(t *testing.T, answers map[string][]byte) model.EnvStatus {
	t.Helper()
	st, _ := readNativeSides(t, answers)
	return st
}

// sidesAsked records what the ECS mapping asked CloudWatch for (the
// CloudWatch client itself is tested against the sim in
// nativetraffic_test.go); it answers quiet sides.
type sidesAsked struct {
	mu    sync.Mutex
	calls [][3]string // load balancer, stable, canary
}

func (r *sidesAsked) Sides(_ context.Context, lb, stableTG, canaryTG string, _ time.Duration, _ time.Time) (model.CanarySide, model.CanarySide, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, [3]string{lb, stableTG, canaryTG})
	return model.CanarySide{Requests: 1}, model.CanarySide{Requests: 1}, nil
}

// readNativeSides is readNativeWith, with what was asked of CloudWatch.
func readNativeSides(t *testing.T, answers map[string][]byte) (model.EnvStatus, [][3]string) {
	t.Helper()
	h := &canned{}
	h.answers.Store(&answers)
	asked := &sidesAsked{}
	s := newSource(sdkClient(oddanswers.Transport{Handler: h}), testRegion, Options{Environments: []Environment{ordersProd}, Now: fakeclock.New(t0).Now, Sides: asked})
	before := providers.RecoveredPanics()
	sts, _ := s.Fetch(context.Background())
	if providers.RecoveredPanics() != before || len(sts) != 1 {
		t.Fatalf("a panic was recovered: %+v", sts)
	}
	return sts[0], asked.calls
}

func TestNativeRealAnswers(t *testing.T) {
	st := readNativeWith(t, nativeAnswers())
	if st.Canary == nil || len(st.Gates) != 1 || st.Canary.Stage != "PRODUCTION_TRAFFIC_SHIFT" {
		t.Fatalf("recorded answers read as %+v, gates %+v", st.Canary, st.Gates)
	}
	// One read of the sides: behind the production rule, the service's
	// two groups, one a side (which is which: nativetraffic_test.go).
	_, asked := readNativeSides(t, nativeAnswers())
	if len(asked) != 1 || !strings.Contains(asked[0][0], ":listener-rule/app/orders-production/") || asked[0][1] == asked[0][2] ||
		!strings.Contains(asked[0][1], ":targetgroup/orders-production-") || !strings.Contains(asked[0][2], ":targetgroup/orders-production-") {
		t.Fatalf("asked CloudWatch for %q", asked)
	}
}

// Revisions that do not name two target groups behind one rule cost no
// CloudWatch call and leave the canary as it was.
func TestNativeTrafficOddRevisions(t *testing.T) {
	at := oddanswers.At
	for name, change := range map[string]oddanswers.Change{
		"no resolved configuration": at(opDescribeServiceRevisions, "serviceRevisions.0.resolvedConfiguration", nil),
		"null load balancers":       at(opDescribeServiceRevisions, "serviceRevisions.1.resolvedConfiguration.loadBalancers", []any{nil}),
		"no target group":           at(opDescribeServiceRevisions, "serviceRevisions.0.resolvedConfiguration.loadBalancers.0.targetGroupArn", ""),
		"numbers for names":         at(opDescribeServiceRevisions, "serviceRevisions.0.resolvedConfiguration.loadBalancers.0.targetGroupArn", 7.0),
	} {
		t.Run(name, func(t *testing.T) {
			answers := nativeAnswers()
			oddanswers.Apply(t, answers, change)
			st, asked := readNativeSides(t, answers)
			if st.Canary == nil || len(asked) != 0 || st.Canary.Canary.Requests != 0 {
				t.Errorf("read %+v, asked %q", st.Canary, asked)
			}
		})
	}
}

// The SDK's response snapshot of DescribeServiceDeployments (every member
// of the model, placeholder values) maps: stage, weight, alarms, breaker;
// its hooks are AWS_LAMBDA ones, which are no gate.
func TestNativeSDKSnapshot(t *testing.T) {
	snap := sdkSnapshot(opDescribeServiceDeployments)
	if snap == nil {
		t.Skip("the SDK's response snapshots are not at hand")
	}
	answers := nativeAnswers()
	services := bytes.Replace(answers[opDescribeServices], []byte(`"currentServiceDeployment":"`), []byte(`"currentServiceDeployment":"__ServiceDeploymentArn__","was":"`), 1)
	answers[opDescribeServices], answers[opDescribeServiceDeployments] = services, snap
	st := readNativeWith(t, answers)
	c := st.Canary
	if c == nil || c.Stage != "RECONCILE_SERVICE" || c.Weight != 1 || !strings.HasPrefix(c.Alarms, "TRIGGERED: __Member__") ||
		c.CircuitBreaker != "TRIGGERED (1 of 1 tasks failed)" || len(st.Gates) != 0 || c.Canary.Target != "__Arn__" {
		t.Fatalf("snapshot read as %+v, gates %+v", c, st.Gates)
	}
}

func TestNativeOddShapes(t *testing.T) {
	at := oddanswers.At
	const sd = "serviceDeployments.0."
	cases := []struct {
		name   string
		change oddanswers.Change
		check  func(model.EnvStatus) bool
	}{
		{"unknown stage", at(opDescribeServiceDeployments, sd+"lifecycleStage", oddanswers.Unknown),
			func(st model.EnvStatus) bool { return st.Canary != nil && st.Canary.Stage == oddanswers.Unknown }},
		{"unknown hook status", at(opDescribeServiceDeployments, sd+"lifecycleHookDetails.0.status", oddanswers.Unknown),
			func(st model.EnvStatus) bool { return st.Canary != nil && len(st.Gates) == 0 }},
		{"null hooks", at(opDescribeServiceDeployments, sd+"lifecycleHookDetails", []any{nil}),
			func(st model.EnvStatus) bool { return st.Canary != nil && len(st.Gates) == 0 }},
		{"no target revision", at(opDescribeServiceDeployments, sd+"targetServiceRevision", nil),
			func(st model.EnvStatus) bool { return st.Canary != nil && st.Canary.Weight == 0 && st.Error == "" }},
		{"a weight over 100", at(opDescribeServiceDeployments, sd+"targetServiceRevision.requestedProductionTrafficWeight", 250.0),
			func(st model.EnvStatus) bool { return st.Canary != nil && st.Canary.Weight == 100 }},
		{"null sources", at(opDescribeServiceDeployments, sd+"sourceServiceRevisions", []any{nil}),
			func(st model.EnvStatus) bool { return st.Canary != nil && st.Canary.Stable.Target == "" }},
		{"no deployment described", at(opDescribeServiceDeployments, "serviceDeployments", []any{}),
			func(st model.EnvStatus) bool { return st.Canary == nil && st.State == model.StateDeploying }},
		{"revisions unknown", at(opDescribeServiceRevisions, "serviceRevisions", []any{}),
			func(st model.EnvStatus) bool { return st.Canary != nil && st.Canary.Canary.Version.SHA == "" }},
		{"hostile stage", at(opDescribeServiceDeployments, sd+"lifecycleStage", "BAKE\x1b[2J_TIME\u202e"),
			func(st model.EnvStatus) bool { return st.Canary != nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			answers := nativeAnswers()
			oddanswers.Apply(t, answers, tc.change)
			if st := readNativeWith(t, answers); !tc.check(st) {
				t.Errorf("read %+v gates %+v error %q", st.Canary, st.Gates, st.Error)
			}
		})
	}
}

// FuzzECSDescribeServiceDeployments: any answer maps without a panic.
func FuzzECSDescribeServiceDeployments(f *testing.F) {
	var examples [][]byte
	if b := sdkSnapshot(opDescribeServiceDeployments); b != nil {
		examples = append(examples, b)
	}
	for _, b := range oddanswers.Seeds([][]byte{nativeAnswers()[opDescribeServiceDeployments]}, examples, 100) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		answers := nativeAnswers()
		answers[opDescribeServiceDeployments] = body
		readNativeWith(t, answers)
	})
}

// FuzzECSDescribeServiceRevisions: any answer maps without a panic, and
// CloudWatch is asked at most once.
func FuzzECSDescribeServiceRevisions(f *testing.F) {
	for _, b := range oddanswers.Seeds([][]byte{nativeAnswers()[opDescribeServiceRevisions]}, nil, 100) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		answers := nativeAnswers()
		answers[opDescribeServiceRevisions] = body
		if _, asked := readNativeSides(t, answers); len(asked) > 1 {
			t.Fatalf("asked CloudWatch %d times", len(asked))
		}
	})
}
