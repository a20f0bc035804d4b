package beanstalk

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
)

// TestTrafficSplittingCanary follows a traffic-splitting deploy poll by
// poll: launching (no weight yet), evaluating (the configured percent, the
// evaluation's end, both sides' traffic summed by version over the
// instances, each ten-second window once), then failed and rolling back.
func TestTrafficSplittingCanary(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("web", "web-prod", "web-1111111", "Ready", "Green", "Ok"))
	w.health["web-prod"] = jsonOf(t, `{"Color":"Green","HealthStatus":"Ok"}`)
	w.config("web-prod", "TrafficSplitting", 20, 10)
	w.version("web", "web-1111111", "", "Processed", t0.Add(-time.Hour))
	w.version("web", "web-2222222", "", "Processed", t0)
	clock := fakeclock.New(t0)
	k := key("web", "production")
	s := w.source(t, clock.Now, Environment{Key: k, Application: "web", Name: "web-prod"})
	ctx := context.Background()
	fetch := func() model.EnvStatus {
		t.Helper()
		sts, err := s.Fetch(ctx)
		if err != nil || sts[0].Error != "" {
			t.Fatalf("%v %+v", err, sts)
		}
		return sts[0]
	}
	if st := fetch(); st.Canary != nil || w.srv.take()["DescribeInstancesHealth"] != 0 {
		t.Fatalf("steady: canary %+v", st.Canary)
	}

	// The update starts; the new instances launch.
	w.set("web-prod", map[string]any{"Status": "Updating", "AbortableOperationInProgress": true, "VersionLabel": "web-2222222", "DateUpdated": t0.Add(time.Minute).Format(time.RFC3339)})
	w.event("web-prod", t0.Add(time.Minute), "INFO", "Environment update is starting.", "web-2222222")
	w.instances("web-prod", t0.Add(time.Minute), instance("i-1", "web-1111111", 100, 0, 0.05), instance("i-2", "web-1111111", 100, 0, 0.05))
	c := fetch().Canary
	if c == nil || c.Source != "beanstalk" || c.Stage != "launching" || c.Weight != 0 || c.Step != -1 || !c.EndsAt.IsZero() ||
		c.Stable.Requests != 200 || c.Stable.Target != "web-1111111" || c.Stable.Version.SHA != "1111111" ||
		!c.Canary.NoData || c.Canary.Target != "web-2222222" || c.Canary.Version.SHA != "2222222" {
		t.Fatalf("launching: %+v", c)
	}
	if ops := w.srv.take(); ops["DescribeConfigurationSettings"] != 1 || ops["DescribeInstancesHealth"] != 1 {
		t.Errorf("the update's start: %s, want its configuration read again and its instances", formatOps(ops))
	}

	// Traffic splits: 20 % for 10 minutes from the event.
	split := t0.Add(2 * time.Minute)
	w.event("web-prod", split, "INFO", "Sending 20 percent of incoming client traffic to the new instance(s) for a 10-minute evaluation.", "web-2222222")
	w.instances("web-prod", split.Add(10*time.Second),
		instance("i-1", "web-1111111", 80, 0, 0.05), instance("i-2", "web-1111111", 80, 2, 0.07),
		instance("i-3", "web-2222222", 30, 9, 0.4), instance("i-4", "web-2222222", 10, 1, 0.2))
	c = fetch().Canary
	if c.Stage != "evaluation" || c.Weight != 20 || c.Step != 0 || len(c.Steps) != 2 || !c.EndsAt.Equal(split.Add(10*time.Minute)) {
		t.Fatalf("evaluating: %+v", c)
	}
	if c.Stable.Requests != 360 || c.Stable.Errors5xx != 2 || c.Canary.Requests != 40 || c.Canary.Errors5xx != 10 || c.Canary.NoData {
		t.Errorf("sides %+v / %+v", c.Stable, c.Canary)
	}
	if want := (30*0.4 + 10*0.2) / 40; abs(c.Canary.P99-want) > 1e-9 {
		t.Errorf("canary p99 %v, want the request-weighted %v", c.Canary.P99, want)
	}
	if c.Verdict != (model.Verdict{}) {
		t.Errorf("the provider judged: %+v", c.Verdict)
	}
	// The same ten-second window read again is not counted twice.
	if c2 := fetch().Canary; c2.Canary.Requests != 40 || c2.Stable.Requests != 360 {
		t.Errorf("a window counted twice: %+v / %+v", c2.Stable, c2.Canary)
	}
	w.srv.take()

	// Promote is Beanstalk's own; abort is AbortEnvironmentUpdate.
	clock.Set(split.Add(3 * time.Minute))
	_, err := s.StepCanary(ctx, k, true, false)
	if !model.IsRefusal(err) || !strings.Contains(err.Error(), "at 10:12:00 UTC (in 7m0s)") || !strings.Contains(err.Error(), "10-minute evaluation") {
		t.Errorf("promote: %v", err)
	}
	rc, err := s.StepCanary(ctx, k, false, true)
	if err != nil || len(rc.Calls) != 1 || rc.Calls[0].Operation != "AbortEnvironmentUpdate" || w.srv.take()["AbortEnvironmentUpdate"] != 0 {
		t.Fatalf("abort, dry run: %v %+v", err, rc)
	}
	if _, err := s.StepCanary(ctx, k, false, false); err != nil || w.srv.take()["AbortEnvironmentUpdate"] != 1 {
		t.Fatalf("abort: %v", err)
	}

	// The canary fails: no weight, nothing to step.
	w.event("web-prod", split.Add(4*time.Minute), "ERROR", "Traffic-splitting deployment failed: the new instances were not healthy during the evaluation.", "web-2222222")
	st := fetch()
	if c := st.Canary; st.State != model.StateFailed || c == nil || c.Stage != "rolling back" || c.Weight != 0 || c.Step != -1 || !strings.Contains(c.Blocked, "web-1111111") {
		t.Fatalf("failed: %s %+v", st.State, st.Canary)
	}
	w.set("web-prod", map[string]any{"Status": "Ready", "AbortableOperationInProgress": false, "VersionLabel": "web-1111111"})
	w.srv.take()
	if st := fetch(); st.Canary != nil || w.srv.take()["DescribeInstancesHealth"] != 0 {
		t.Errorf("after the deploy: canary %+v", st.Canary)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// TestCanaryOnlyForTrafficSplitting: a rolling update has no canary and
// no instance reads, and StepCanary refuses it; a configuration that
// cannot be read (no IAM permission) fails nothing and is not asked for
// every poll.
func TestCanaryOnlyForTrafficSplitting(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("web", "web-stg", "v1", "Updating", "Green", ""))
	w.env(envDesc("web", "web-qa", "v1", "Updating", "Green", ""))
	w.config("web-stg", "Rolling", 0, 0)
	clock := fakeclock.New(t0)
	s := w.source(t, clock.Now, Environment{Key: key("web", "staging"), Application: "web", Name: "web-stg"})
	sts, _ := s.Fetch(context.Background())
	if sts[0].Canary != nil || w.srv.take()["DescribeInstancesHealth"] != 0 {
		t.Fatalf("rolling: %+v", sts[0].Canary)
	}
	if _, err := s.StepCanary(context.Background(), key("web", "staging"), false, false); !model.IsRefusal(err) || !strings.Contains(err.Error(), "no traffic-splitting deploy in flight") ||
		!strings.Contains(err.Error(), "deployment policy Rolling") {
		t.Errorf("abort of a rolling update as a canary: %v", err)
	}

	w.fail["DescribeConfigurationSettings"] = &apiError{403, "InsufficientPrivilegesException", "not allowed: elasticbeanstalk:DescribeConfigurationSettings"}
	q := w.source(t, clock.Now, Environment{Key: key("web", "qa"), Application: "web", Name: "web-qa"})
	for poll := range 3 {
		sts, err := q.Fetch(context.Background())
		if err != nil || sts[0].Error != "" || sts[0].Canary != nil || sts[0].State != model.StateDeploying {
			t.Fatalf("poll %d: %v %+v", poll, err, sts[0])
		}
	}
	if n := w.srv.take()["DescribeConfigurationSettings"]; n != 1 {
		t.Errorf("a refused configuration read asked %d times in 3 polls, want 1", n)
	}
	clock.Advance(configRetry)
	q.Fetch(context.Background())
	if n := w.srv.take()["DescribeConfigurationSettings"]; n != 1 {
		t.Errorf("after %s: asked %d times, want 1", configRetry, n)
	}
}

// TestFuzzSeedsReachTheCanary: the fuzzers' base answers are a
// traffic-splitting deploy evaluating, so their variants exercise the
// canary's mapping.
func TestFuzzSeedsReachTheCanary(t *testing.T) {
	base := fuzzAnswers(t)
	answers := map[string][]byte{}
	for op, v := range base {
		answers[op] = queryXML(op, v, "real")
	}
	h := &canned{}
	h.answers.Store(&answers)
	hs := httptest.NewServer(h)
	defer hs.Close()
	client := eb.New(eb.Options{Region: testRegion, BaseEndpoint: aws.String(hs.URL), Credentials: testCreds, RetryMaxAttempts: 1})
	s := newSource(client, testRegion, Options{Environments: []Environment{fuzzEnv}, Now: func() time.Time { return t0.Add(5 * time.Minute) }})
	sts, _ := s.Fetch(context.Background())
	c := sts[0].Canary
	if c == nil || c.Weight != 15 || c.Stage != "evaluation" || !c.EndsAt.Equal(time.Date(2026, 5, 20, 10, 10, 30, 0, time.UTC)) ||
		c.Canary.Requests != 12 || c.Canary.Errors5xx != 4 || c.Stable.Requests != 100 {
		t.Fatalf("canary %+v", c)
	}
}

// TestCanarySeenMidDeploy: a source that first reads an environment in
// the middle of a traffic-splitting deploy takes the old side's version
// from its instances.
func TestCanarySeenMidDeploy(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("web", "web-prod", "web-2222222", "Updating", "Green", ""))
	w.config("web-prod", "TrafficSplitting", 10, 5)
	w.event("web-prod", t0.Add(30*time.Second), "INFO", "Sending 10 percent of incoming client traffic to the new instance(s) for a 5-minute evaluation.", "web-2222222")
	w.instances("web-prod", t0.Add(40*time.Second), instance("i-1", "web-1111111", 90, 0, 0.05), instance("i-2", "web-1111111", 90, 0, 0.05),
		instance("i-9", "web-0000000", 5, 0, 0.05), instance("i-3", "web-2222222", 20, 0, 0.05))
	s := w.source(t, nil, Environment{Key: key("web", "production"), Application: "web", Name: "web-prod"})
	sts, _ := s.Fetch(context.Background())
	c := sts[0].Canary
	if c == nil || c.Stable.Target != "web-1111111" || c.Stable.Requests != 185 || c.Canary.Requests != 20 || c.Weight != 10 || !c.EndsAt.Equal(t0.Add(5*time.Minute+30*time.Second)) {
		t.Fatalf("canary %+v", c)
	}
}
