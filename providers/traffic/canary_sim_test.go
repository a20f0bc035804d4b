package traffic

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	awselb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/sim"
)

// canaryWorld is the demo with one of its canary services (search goes
// well, basket's 5xx drift up) read by a Source.
func canaryWorld(t *testing.T, service string) (*world, *Source) {
	t.Helper()
	w := startWorld(t)
	listener, stable, canary, ok := w.srv.World.Canary(service)
	if !ok {
		t.Fatalf("no canary %s in the demo", service)
	}
	w.pair = Pair{Key: model.EnvKey{Service: service, Environment: "production"}, Cluster: "production", Service: service,
		Container: service, Listener: listener, Stable: stable, Canary: canary, Steps: sim.CanarySteps}
	return w, w.source(t)
}

func fetchCanary(t *testing.T, s *Source) (model.EnvStatus, *model.Canary) {
	t.Helper()
	st := fetchOne(t, s)
	if st.Error != "" || st.Canary == nil {
		t.Fatalf("no canary read: %+v", st)
	}
	return st, st.Canary
}

// deployed steps the world until the pipeline has put the new version on
// the canary service and its tasks are up: a canary not started, free to go.
func deployed(t *testing.T, w *world, s *Source) *model.Canary {
	t.Helper()
	for range 60 {
		if _, c := fetchCanary(t, s); c.Stage == "not started" && c.Blocked == "" {
			return c
		}
		w.srv.Step(15 * time.Second)
	}
	_, c := fetchCanary(t, s)
	t.Fatalf("the new version never reached the canary side: %+v", c)
	return nil
}

func step(t *testing.T, s *Source, key model.EnvKey, promote bool) string {
	t.Helper()
	rc, err := s.StepCanary(context.Background(), key, promote, false)
	if err != nil {
		t.Fatalf("step (promote %v): %v", promote, err)
	}
	return rc.Detail
}

// search's canary, end to end: idle at first (both sides run the same
// version, nothing to start), then the pipeline's version waits at 0 %;
// promote starts it at the first step and walks the steps to 100 %, with
// both sides' traffic from CloudWatch in between; abort sends it all back.
func TestCanaryReadPromoteAbort(t *testing.T) {
	w, s := canaryWorld(t, "search")
	key := w.pair.Key
	st, c := fetchCanary(t, s)
	if c.Source != "listener" || c.Weight != 0 || c.Step != -1 || !slices.Equal(c.Steps, []int{10, 25, 50, 100}) || c.Stage != "idle" ||
		!strings.Contains(c.Blocked, "both sides run "+st.Version.Short()+": deploy the new version to search-canary first") ||
		c.Stable.Target != "search-stable" || c.Canary.Target != "search-canary" || c.Stable.Version != c.Canary.Version ||
		c.Stable.Version != st.Version || c.Verdict.Word != "" {
		t.Fatalf("idle: %+v", c)
	}
	c = deployed(t, w, s)
	st, _ = fetchCanary(t, s)
	if c.Canary.Version.SHA == st.Version.SHA || c.Stable.Version != st.Version || !c.Canary.NoData || c.Stable.NoData {
		t.Fatalf("not started: %+v", c)
	}

	w.cnt.take()
	rc, err := s.StepCanary(context.Background(), key, true, true)
	if err != nil || len(rc.Calls) != 1 || rc.Calls[0].Operation != "ModifyListener" || rc.Calls[0].Params["forward search-canary"] != "10" ||
		rc.Calls[0].Params["forward search-stable"] != "90" || !strings.HasPrefix(rc.Detail, "would move listener ") {
		t.Fatalf("dry run: %+v %v", rc, err)
	}
	if ops := w.cnt.take(); strings.Contains(ops, "Modify") {
		t.Fatalf("a dry run sent %s", ops)
	}
	if d := step(t, s, key, true); d != "the canary (search-canary) now takes 10% of the traffic" {
		t.Fatalf("start: %q", d)
	}
	w.srv.Step(3 * time.Minute)
	w.cnt.take()
	st, c = fetchCanary(t, s)
	poll := w.cnt.take()
	fetchCanary(t, s)
	t.Logf("one poll of one canary environment: %s; the next: %s", poll, w.cnt.take())
	for _, want := range []string{"elbv2:DescribeListeners=1", "elbv2:DescribeTargetHealth=2", "cloudwatch:GetMetricData=1", "DescribeServices=1"} {
		if !strings.Contains(poll, want) {
			t.Errorf("a poll asked %s; want %s", poll, want)
		}
	}
	if c.Weight != 10 || c.Step != 0 || c.Stage != "canary" || c.Blocked != "" || c.Canary.NoData || c.Stable.NoData ||
		c.Canary.Requests < 100 || c.Stable.Requests < 5*c.Canary.Requests || len(c.Canary.RequestSeries) != 15 {
		t.Fatalf("at 10 %%: %+v", c)
	}
	if v := model.Judge(*c, 0, 0); v.Word != model.VerdictPass {
		t.Errorf("search's good canary judged %+v", v)
	}
	for _, want := range []int{25, 50, 100} {
		step(t, s, key, true)
		if _, c = fetchCanary(t, s); c.Weight != want || c.Steps[c.Step] != want {
			t.Fatalf("promoted to %d: %+v", want, c)
		}
	}
	st, c = fetchCanary(t, s)
	if c.Stage != "promoted" || st.Version != c.Canary.Version {
		t.Fatalf("at 100 %% production is the canary's: %+v %+v", st.Version, c)
	}
	var r *model.Refusal
	if _, err := s.StepCanary(context.Background(), key, true, false); !errors.As(err, &r) || !strings.Contains(r.Reason, "already takes all the traffic") {
		t.Fatalf("promote past 100: %v", err)
	}
	if d := step(t, s, key, false); d != "the canary (search-canary) now takes 0% of the traffic" {
		t.Fatalf("abort: %q", d)
	}
	if _, c = fetchCanary(t, s); c.Weight != 0 || c.Stage != "not started" {
		t.Fatalf("aborted: %+v", c)
	}
	if _, err := s.StepCanary(context.Background(), key, false, false); !errors.As(err, &r) || !strings.Contains(r.Reason, "nothing to abort") {
		t.Fatalf("abort at 0: %v", err)
	}
}

// Refused, nothing sent: when the weights move between the canary's read
// and the write, and while the canary side is mid-deploy.
func TestCanaryRefusals(t *testing.T) {
	w, s := canaryWorld(t, "search")
	key := w.pair.Key
	deployed(t, w, s)
	elb := awselb.New(awselb.Options{Region: "eu-west-1", BaseEndpoint: aws.String(w.srv.URL), Retryer: aws.NopRetryer{},
		Credentials: aws.AnonymousCredentials{}})
	var lists atomic.Int32
	w.cnt.before = func(op string) {
		// The step's second read of the listener: someone else moved it first.
		if op == "elbv2:DescribeListeners" && lists.Add(1) == 2 {
			_, err := elb.ModifyListener(context.Background(), &awselb.ModifyListenerInput{ListenerArn: aws.String(w.pair.Listener),
				DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{
					TargetGroups: []elbtypes.TargetGroupTuple{{TargetGroupArn: aws.String(w.pair.Stable), Weight: aws.Int32(75)},
						{TargetGroupArn: aws.String(w.pair.Canary), Weight: aws.Int32(25)}}}}}})
			if err != nil {
				t.Error(err)
			}
		}
	}
	w.cnt.take()
	_, err := s.StepCanary(context.Background(), key, true, false)
	var r *model.Refusal
	if !errors.As(err, &r) || r.Reason != "search/production: the canary moved from 0 % to 25 % meanwhile; look again before acting" {
		t.Fatalf("weights moved: %v", err)
	}
	w.cnt.before = nil
	if ops := w.cnt.take(); strings.Contains(ops, "Modify") {
		t.Fatalf("a refused step sent %s", ops)
	}
	if _, c := fetchCanary(t, s); c.Weight != 25 {
		t.Fatalf("the other hand's weights: %+v", c)
	}

	ecs := awsecs.New(awsecs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(w.srv.URL), Retryer: aws.NopRetryer{},
		Credentials: aws.AnonymousCredentials{}})
	if _, err := ecs.UpdateService(context.Background(), &awsecs.UpdateServiceInput{Cluster: aws.String("production"),
		Service: aws.String("search-canary"), ForceNewDeployment: true}); err != nil {
		t.Fatal(err)
	}
	w.srv.Step(time.Second)
	w.cnt.take()
	_, err = s.StepCanary(context.Background(), key, true, false)
	if !errors.As(err, &r) || !strings.Contains(r.Reason, "the canary side (search-canary) is mid-deploy") {
		t.Fatalf("promote mid-deploy: %v", err)
	}
	if ops := w.cnt.take(); strings.Contains(ops, "Modify") {
		t.Fatalf("a refused step sent %s", ops)
	}
	// An abort sends the traffic back to the stable side: the way out of
	// a canary that is being redeployed is never blocked by it.
	if _, err = s.StepCanary(context.Background(), key, false, false); err != nil {
		t.Fatalf("abort mid-deploy of the canary side: %v", err)
	}
	if _, c := fetchCanary(t, s); c.Weight != 0 {
		t.Fatalf("after the abort: %+v", c)
	}
}

// CloudWatch unreachable: both sides are "no data", so the verdict is
// no data, never healthy; the rest of the environment still reads.
func TestCanaryCloudWatchDown(t *testing.T) {
	w, s := canaryWorld(t, "search")
	deployed(t, w, s)
	step(t, s, w.pair.Key, true)
	w.srv.Step(3 * time.Minute)
	w.srv.World.SetFault(sim.SvcCloudWatch, sim.Fault{ErrorRate: 1})
	st, c := fetchCanary(t, s)
	if st.Error != "" || !c.Stable.NoData || !c.Canary.NoData || c.Canary.Requests != 0 || c.Weight != 10 {
		t.Fatalf("CloudWatch down: %+v", c)
	}
	if v := model.Judge(*c, 0, 0); v.Word != model.VerdictNoData {
		t.Fatalf("judged %+v", v)
	}
	w.srv.World.SetFault(sim.SvcCloudWatch, sim.Fault{})
	if _, c = fetchCanary(t, s); c.Canary.NoData {
		t.Fatalf("CloudWatch back, still no data: %+v", c)
	}
}

// basket's canary answers more 5xx minute by minute: once started it is
// judged worse within its first minutes of traffic, and never passes.
func TestBadDemoCanaryJudgedWorse(t *testing.T) {
	w, s := canaryWorld(t, "basket")
	deployed(t, w, s)
	step(t, s, w.pair.Key, true)
	for m := 1; m <= 5; m++ {
		w.srv.Step(time.Minute)
		_, c := fetchCanary(t, s)
		v := model.Judge(*c, 0, 0)
		t.Logf("minute %d: %s: %s", m, v.Word, v.Why)
		switch v.Word {
		case model.VerdictPass:
			t.Fatalf("the bad canary passed at minute %d: %s", m, v.Why)
		case model.VerdictWorse:
			if m > 4 {
				t.Fatalf("judged worse only at minute %d", m)
			}
			return
		}
	}
	t.Fatal("the bad canary was never judged worse")
}

// A canary whose listener does not forward to the configured groups:
// the environment says what it found, and no step is tried.
func TestCanaryBadConfigSaysWhatItFound(t *testing.T) {
	w, _ := canaryWorld(t, "search")
	wrong := w.pair
	wrong.Canary = strings.Replace(wrong.Canary, "search-canary/", "search-teal/", 1)
	s := w.source(t, wrong)
	sts, err := s.Fetch(context.Background())
	if err != nil || len(sts) != 1 || sts[0].Canary != nil ||
		!strings.Contains(sts[0].Error, "forwards to search-stable (100), search-canary (0), not to both configured target groups (stable search-stable, canary search-teal)") {
		t.Fatalf("%+v %v", sts, err)
	}
	if _, err := s.StepCanary(context.Background(), wrong.Key, true, false); err == nil {
		t.Fatal("a step on a misconfigured canary went ahead")
	}
}
