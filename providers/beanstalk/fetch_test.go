package beanstalk

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// TestExampleAnswers: botocore's own example answers, as XML through the
// real SDK client, read into the model.
func TestExampleAnswers(t *testing.T) {
	srv := &exampleServer{}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	s, err := New(context.Background(), Options{Region: testRegion, EndpointURL: hs.URL, Credentials: testCreds,
		Environments: []Environment{{Key: key("app", "prod"), Application: "my-app", Name: "my-env"}}})
	if err != nil {
		t.Fatal(err)
	}
	sts, err := s.Fetch(context.Background())
	if err != nil || len(sts) != 1 || sts[0].Error != "" {
		t.Fatalf("fetch: %v %+v", err, sts)
	}
	st := sts[0]
	// "7f58-stage-150812_025409" has no 7-hex run: the label stands.
	if st.Version.Revision != "7f58-stage-150812_025409" || st.Version.SHA != "" || st.State != model.StateSteady || st.Target != model.TargetBeanstalk {
		t.Errorf("status %+v", st)
	}
	if st.Health == nil || st.Health.Color != "Green" || st.Health.Enhanced {
		t.Errorf("basic health %+v", st.Health)
	}
	if len(st.Events) != 4 || !strings.Contains(st.Events[0].Message, "Info to Ok") {
		t.Errorf("events %+v", st.Events)
	}
	if ops := srv.take(); ops["DescribeEnvironmentHealth"] != 0 || ops["DescribeEnvironments"] != 1 {
		t.Errorf("basic health asked for enhanced health: %s", formatOps(ops))
	}
	revs, err := s.History(context.Background(), key("app", "prod"))
	if err != nil || len(revs) != 2 {
		t.Fatalf("history: %v %+v", err, revs)
	}
	if revs[0].Version.Revision != "v1" || revs[1].Version.Revision != "v2" || !revs[0].Available {
		t.Errorf("history not newest first: %+v", revs)
	}
	if revs[0].Version.Artifact != "s3://elasticbeanstalk-us-west-2-015321684451/my-app/5026-stage-150723_222618.war" {
		t.Errorf("artifact %q", revs[0].Version.Artifact)
	}
}

// TestEnhancedHealthExample: DescribeEnvironmentHealth's example answer
// for an environment with enhanced health.
func TestEnhancedHealthExample(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("my-app", "my-env", "v1", "Ready", "Green", "Ok"))
	w.health["my-env"] = examples()["DescribeEnvironmentHealth"]
	s := w.source(t, nil, Environment{Key: key("app", "prod"), Application: "my-app", Name: "my-env"})
	sts, _ := s.Fetch(context.Background())
	h := sts[0].Health
	if h == nil || !h.Enhanced || h.Status != "Ok" || h.Requests == nil || h.Requests.Count != 45 || h.Requests.Status2xx != 45 ||
		h.Requests.P99 != 0.004 || h.Instances == nil || h.Instances.Ok != 1 || h.Instances.Total() != 1 || h.RefreshedAt.IsZero() {
		t.Fatalf("health %+v", h)
	}
	if got := w.srv.lastForm("DescribeEnvironmentHealth"); first(got, "EnvironmentId") != "e-my-env" || first(got, "AttributeNames.member.1") != "All" {
		t.Errorf("DescribeEnvironmentHealth asked %v", got)
	}
}

// TestRollingDeployFailsThenRollsBack follows one update poll by poll:
// steady, deploying with its batches, failed, rolled back. It is never
// steady on the new version, nor on the old one after the failure.
func TestRollingDeployFailsThenRollsBack(t *testing.T) {
	const old, neu = "web-1a2b3c4d-250519", "web-9f8e7d6c-250520"
	clock := fakeclock.New(t0)
	w := newWorld(t)
	w.version("web", old, "Merge pull request #41", "Processed", t0.Add(-24*time.Hour))
	w.version("web", neu, "Merge pull request #42", "Processed", t0.Add(-time.Hour))
	w.env(envDesc("web", "web-prod", old, "Ready", "Green", "Ok"))
	w.health["web-prod"] = jsonOf(t, `{"Color":"Green","HealthStatus":"Ok","InstancesHealth":{"Ok":4}}`)
	w.event("web-prod", t0.Add(-time.Hour), "INFO", "Environment update completed successfully.")
	s := w.source(t, clock.Now, Environment{Key: key("web", "production"), Application: "web", Name: "web-prod"})

	poll := func() model.EnvStatus {
		t.Helper()
		sts, err := s.Fetch(context.Background())
		if err != nil || sts[0].Error != "" {
			t.Fatalf("fetch: %v %+v", err, sts)
		}
		return sts[0]
	}
	st := poll()
	if st.State != model.StateSteady || st.Version.SHA != "1a2b3c4d" || st.Version.Artifact != "s3://bundles/web/"+old+".zip" {
		t.Fatalf("steady: %+v", st)
	}
	w.srv.take()
	if st = poll(); st.State != model.StateSteady {
		t.Fatal(st.State)
	}
	if ops := w.srv.take(); ops["DescribeEvents"] != 0 || ops["DescribeApplicationVersions"] != 0 {
		t.Errorf("an unchanged environment cost %s; want no events and no versions", formatOps(ops))
	}

	// The deploy: batch 1 done, batch 2 of 2 under way.
	w.set("web-prod", map[string]any{"Status": "Updating", "VersionLabel": neu, "DateUpdated": t0.Add(time.Minute).Format(time.RFC3339)})
	w.event("web-prod", t0.Add(time.Minute), "INFO", "Environment update is starting.")
	w.event("web-prod", t0.Add(2*time.Minute), "INFO", "Batch 1: Starting application deployment on instance(s) [i-1, i-2].")
	w.event("web-prod", t0.Add(3*time.Minute), "INFO", "Batch 1: Completed application deployment.")
	w.event("web-prod", t0.Add(4*time.Minute), "INFO", "Batch 2: Starting application deployment on instance(s) [i-3, i-4].")
	w.event("web-prod", t0.Add(4*time.Minute), "INFO", "Deploying new version to batch 2 of 2.")
	st = poll()
	d := st.Deployment
	if st.State != model.StateDeploying || d == nil || d.FromSHA != "1a2b3c4d" || d.ToSHA != "9f8e7d6c" || d.Running != 2 || d.Desired != 4 ||
		d.Batch != 2 || d.Batches != 2 || !d.StartedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("deploying: %s %+v", st.State, d)
	}
	if since := first(w.srv.lastForm("DescribeEvents"), "StartTime"); since != t0.Add(-time.Hour).Format("2006-01-02T15:04:05Z") {
		t.Errorf("events asked since %q, want the last event read", since)
	}

	// Batch 2 fails; Beanstalk still updates, then resets the label.
	w.event("web-prod", t0.Add(5*time.Minute), "ERROR", "Failed to deploy application.")
	st = poll()
	if st.State != model.StateFailed || st.Deployment == nil || st.Deployment.Reason != "Failed to deploy application." || st.Deployment.Rollback != model.RollbackInProgress {
		t.Fatalf("failing: %s %+v", st.State, st.Deployment)
	}
	w.set("web-prod", map[string]any{"Status": "Ready", "VersionLabel": old, "Health": "Red", "DateUpdated": t0.Add(6 * time.Minute).Format(time.RFC3339)})
	w.health["web-prod"] = jsonOf(t, `{"Color":"Red","HealthStatus":"Severe","Causes":["Incorrect application version found on 2 out of 4 instances."]}`)
	st = poll()
	if st.State != model.StateRolledBack || st.Deployment.FromSHA != "9f8e7d6c" || st.Deployment.ToSHA != "1a2b3c4d" || st.Deployment.Rollback != model.RollbackDone {
		t.Fatalf("rolled back: %s %+v", st.State, st.Deployment)
	}
	if !st.Health.Bad() || len(st.Health.Causes) != 1 {
		t.Errorf("red health not visible: %+v", st.Health)
	}
	// It stays rolled back until a new update begins.
	if st = poll(); st.State != model.StateRolledBack {
		t.Errorf("then %s", st.State)
	}
}

// TestFailedDeployStillOnNewVersion: a rolling deploy that failed with
// some instances on the new version is failed, not steady.
func TestFailedDeployStillOnNewVersion(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("web", "web-stg", "v2", "Ready", "Yellow", ""))
	w.event("web-stg", t0, "INFO", "Environment update is starting.")
	w.event("web-stg", t0.Add(time.Minute), "ERROR", "Unsuccessful command execution on instance id(s) 'i-1'. Aborting the operation.")
	w.event("web-stg", t0.Add(2*time.Minute), "ERROR", "Failed to deploy application.")
	s := w.source(t, nil, Environment{Key: key("web", "staging"), Application: "web", Name: "web-stg"})
	sts, _ := s.Fetch(context.Background())
	if st := sts[0]; st.State != model.StateFailed || st.Deployment == nil || !strings.Contains(st.Deployment.Reason, "Unsuccessful command") {
		t.Fatalf("%s %+v", st.State, st.Deployment)
	}
}

// TestTrafficSplittingRolledBack: a canary deploy rolled back by
// Beanstalk reads failed while it rolls back and rolled back after.
func TestTrafficSplittingRolledBack(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("web", "web-prod", "v1", "Ready", "Green", ""))
	s := w.source(t, nil, Environment{Key: key("web", "production"), Application: "web", Name: "web-prod"})
	s.Fetch(context.Background())
	w.set("web-prod", map[string]any{"Status": "Updating", "VersionLabel": "v2"})
	w.event("web-prod", t0.Add(time.Minute), "INFO", "Environment update is starting.")
	w.event("web-prod", t0.Add(2*time.Minute), "INFO", "Shifting 10 percent of traffic to new instances for evaluation.")
	w.event("web-prod", t0.Add(3*time.Minute), "WARN", "Traffic-splitting deployment failed: the new instances are unhealthy. Rolling back.")
	sts, _ := s.Fetch(context.Background())
	if sts[0].State != model.StateFailed || sts[0].Deployment.Rollback != model.RollbackInProgress {
		t.Fatalf("rolling back: %s %+v", sts[0].State, sts[0].Deployment)
	}
	w.set("web-prod", map[string]any{"Status": "Ready", "VersionLabel": "v1"})
	w.event("web-prod", t0.Add(4*time.Minute), "INFO", "Rollback completed. The environment was rolled back to the previous version.")
	sts, _ = s.Fetch(context.Background())
	if sts[0].State != model.StateRolledBack {
		t.Fatalf("rolled back: %s %+v", sts[0].State, sts[0].Deployment)
	}
}

// TestMissingNamesWhatExists: a missing environment or application is
// that environment's own not-found error, naming what exists.
func TestMissingNamesWhatExists(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("web", "web-staging", "v1", "Ready", "Green", ""))
	w.env(envDesc("web", "web-prod", "v1", "Ready", "Green", ""))
	w.env(envDesc("api", "api-prod", "v1", "Ready", "Green", ""))
	s := w.source(t, nil,
		Environment{Key: key("web", "staging"), Application: "web", Name: "web-staging"},
		Environment{Key: key("web", "qa"), Application: "web", Name: "web-qa"},
		Environment{Key: key("shop", "prod"), Application: "shop", Name: "shop-prod"})
	sts, errs, err := s.fetchEnvs(context.Background(), s.envs)
	if err != nil {
		t.Fatalf("a missing environment failed the source: %v", err)
	}
	if sts[0].Error != "" {
		t.Errorf("staging: %q", sts[0].Error)
	}
	if !errors.Is(errs[key("web", "qa")], providers.ErrNotFound) || !strings.Contains(sts[1].Error, "web-qa not found in application web (it has: web-prod, web-staging)") {
		t.Errorf("qa: %q", sts[1].Error)
	}
	if !strings.Contains(sts[2].Error, "application shop not found or has no environments (applications: api, web)") {
		t.Errorf("shop: %q", sts[2].Error)
	}
}

// TestBlueGreenPair: the pair's live side, standby, and the swap guard;
// after a swap the standby is live.
func TestBlueGreenPair(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("web", "web-blue", "web-1111111-a", "Ready", "Green", ""))
	w.env(envDesc("web", "web-green", "web-2222222-b", "Updating", "Grey", ""))
	e := Environment{Key: key("web", "production"), Application: "web", Name: "web-blue", Standby: "web-green"}
	s := w.source(t, nil, e)
	sts, _ := s.Fetch(context.Background())
	bg := sts[0].BlueGreen
	if bg == nil || bg.Live != "web-blue" || bg.Standby != "web-green" || bg.StandbyVersion.SHA != "2222222" || bg.StandbyStatus != "Updating" ||
		!strings.Contains(bg.Blocked, "web-green is Updating") || sts[0].Version.SHA != "1111111" {
		t.Fatalf("pair %+v %+v", sts[0], bg)
	}
	if _, err := s.Switch(context.Background(), e.Key, false); !model.IsRefusal(err) {
		t.Fatalf("switch while the standby updates: %v", err)
	}
	w.set("web-green", map[string]any{"Status": "Ready", "Health": "Yellow", "AbortableOperationInProgress": false})
	if _, err := s.Switch(context.Background(), e.Key, false); !model.IsRefusal(err) || !strings.Contains(err.Error(), "not healthy (health Yellow)") {
		t.Fatalf("switch to a yellow standby: %v", err)
	}
	w.set("web-green", map[string]any{"Health": "Green"})
	rc, err := s.Switch(context.Background(), e.Key, true)
	if err != nil || len(rc.Calls) != 1 || w.srv.take()["SwapEnvironmentCNAMEs"] != 0 {
		t.Fatalf("dry run: %v %+v", err, rc)
	}
	rc, err = s.Switch(context.Background(), e.Key, false)
	if err != nil || len(rc.RequestIDs) != 1 {
		t.Fatalf("switch: %v %+v", err, rc)
	}
	sts, _ = s.Fetch(context.Background())
	if bg := sts[0].BlueGreen; bg.Live != "web-green" || bg.Standby != "web-blue" || sts[0].Version.SHA != "2222222" || bg.Blocked != "" {
		t.Fatalf("after the swap %+v %+v", sts[0].Version, bg)
	}
	// One key swaps back.
	if _, err := s.Switch(context.Background(), e.Key, false); err != nil {
		t.Fatal(err)
	}
	sts, _ = s.Fetch(context.Background())
	if sts[0].BlueGreen.Live != "web-blue" {
		t.Fatalf("after swapping back %+v", sts[0].BlueGreen)
	}
}

// TestCallsPerPoll measures 20 environments in 4 applications, half of
// them with enhanced health: one DescribeEnvironments per application,
// one DescribeEnvironmentHealth per enhanced environment, events and
// versions only when something changed, each environment's configuration
// once, and again (with its instances' health, every poll) when one starts
// a traffic-splitting deploy.
func TestCallsPerPoll(t *testing.T) {
	w := newWorld(t)
	var envs []Environment
	for a := range 4 {
		app := fmt.Sprintf("app%d", a)
		for i := range 5 {
			name := fmt.Sprintf("%s-env%d", app, i)
			label := fmt.Sprintf("%s-%07x", app, a*10+i+0xabc0000)
			hs := ""
			if i%2 == 0 {
				hs = "Ok"
				w.health[name] = jsonOf(t, `{"Color":"Green","HealthStatus":"Ok","InstancesHealth":{"Ok":2}}`)
			}
			w.env(envDesc(app, name, label, "Ready", "Green", hs))
			w.version(app, label, "", "Processed", t0)
			w.event(name, t0, "INFO", "Environment update is starting.")
			w.event(name, t0, "INFO", "Environment update completed successfully.")
			w.config(name, "Rolling", 0, 0)
			envs = append(envs, Environment{Key: key(name, "production"), Application: app, Name: name})
		}
	}
	w.config("app2-env2", "TrafficSplitting", 10, 5)
	w.version("app2", "app2-fffffff", "", "Processed", t0)
	s := w.source(t, nil, envs...)
	for poll := 1; poll <= 5; poll++ {
		switch poll {
		case 3: // a traffic-splitting deploy starts
			w.set("app2-env2", map[string]any{"Status": "Updating", "VersionLabel": "app2-fffffff", "DateUpdated": t0.Add(time.Minute).Format(time.RFC3339)})
			w.event("app2-env2", t0.Add(time.Minute), "INFO", "Environment update is starting.", "app2-fffffff")
			w.instances("app2-env2", t0.Add(time.Minute), instance("i-1", "app2-abc0014", 90, 0, 0.05))
		case 4: // evaluating
			w.event("app2-env2", t0.Add(2*time.Minute), "INFO", "Sending 10 percent of incoming client traffic to the new instance(s) for a 5-minute evaluation.", "app2-fffffff")
			w.instances("app2-env2", t0.Add(2*time.Minute), instance("i-1", "app2-abc0014", 90, 0, 0.05), instance("i-2", "app2-fffffff", 10, 1, 0.09))
		}
		sts, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range sts {
			if st.Error != "" || st.Version.SHA == "" {
				t.Fatalf("%v: %q %+v", st.Key(), st.Error, st.Version)
			}
			if (st.Canary != nil) != (st.Service == "app2-env2" && poll >= 3) {
				t.Errorf("poll %d: %v canary %+v", poll, st.Key(), st.Canary)
			}
		}
		ops := w.srv.take()
		t.Logf("20 environments in 4 applications (12 enhanced), poll %d: %s", poll, formatOps(ops))
		want := map[string]int{"DescribeEnvironments": 4, "DescribeEnvironmentHealth": 12}
		switch poll {
		case 1:
			want["DescribeEvents"], want["DescribeApplicationVersions"], want["DescribeConfigurationSettings"] = 20, 4, 20
		case 3:
			want["DescribeEvents"], want["DescribeApplicationVersions"], want["DescribeConfigurationSettings"], want["DescribeInstancesHealth"] = 1, 1, 1, 1
		case 4, 5:
			want["DescribeEvents"], want["DescribeInstancesHealth"] = 1, 1
		}
		if formatOps(ops) != formatOps(want) {
			t.Errorf("poll %d: %s, want %s", poll, formatOps(ops), formatOps(want))
		}
	}
}

func TestSHAFromVersion(t *testing.T) {
	custom := regexp.MustCompile(`commit:([0-9a-f]+)`)
	const full = "3f2a1c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7"
	const other = "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		label, desc string
		pattern     *regexp.Regexp
		want        string
	}{
		{"3F2A1C9", "", nil, "3f2a1c9"},
		{"0123456789abcdef0123456789abcdef01234567", "", nil, "0123456789abcdef0123456789abcdef01234567"},
		{"app-3f2a1c9-250101_120000", "", nil, "3f2a1c9"},
		{"web-20250101-3f2a1c9", "", nil, "3f2a1c9"}, // a letter wins over a date
		{"build-20250101", "", nil, "20250101"},
		{"v42", "deploy 3f2a1c9d of main", nil, "3f2a1c9d"},
		{"v42", "release notes", nil, ""},
		{"7f58-stage-150812_025409", "", nil, ""},
		{"v42", "commit:abcdef0", custom, "abcdef0"},
		{"v42", "commit:xyz", custom, ""},
		{"", "3f2a1c9", nil, ""},
		{"web_3f2a1c9\x1b[0m", "", nil, "3f2a1c9"},
		{"\x1b[31m3f2a1c9", "", nil, ""}, // "m3f2a1c9" is no run of hex
		// A full commit in the description beats a short run in the label,
		// not a label that is a commit itself.
		{"shop-3f2a1c9", "Fix the basket (3F2A1C9D0E1F2A3B4C5D6E7F8091A2B3C4D5E6F7)", nil, full},
		{"web-20250101", "deploy " + full + " of main", nil, full},
		{"web-20250101", "deploy 3f2a1c9 of main", nil, "20250101"},
		{"3f2a1c9", "reverts " + other, nil, "3f2a1c9"},
		{"shop-3f2a1c9", "run " + full + "0", nil, "3f2a1c9"}, // 41 digits: no commit
		{"shop-3f2a1c9", "short abcdef0 then " + full, nil, full},
		// With sha_pattern, the pattern finds both.
		{"v42-abcdef1", "commit:" + full, custom, full},
		{"commit:abcdef0", "commit:" + full, custom, full},
		{"commit:abcdef0", "sha " + full, custom, "abcdef0"},
	}
	for _, c := range cases {
		var v *appVersion
		if c.desc != "" {
			v = &appVersion{label: c.label, description: c.desc}
		}
		got := versionOf(Environment{SHAPattern: c.pattern}, c.label, v)
		if got.SHA != c.want || got.Revision != c.label {
			t.Errorf("%q / %q: %+v, want sha %q", c.label, c.desc, got, c.want)
		}
	}
}

// TestEventsReadAgainAfterAFailure: a change whose events could not be
// read is asked about again on the next poll, and the failure fails
// nothing but the events.
func TestEventsReadAgainAfterAFailure(t *testing.T) {
	w := newWorld(t)
	w.env(envDesc("web", "web-prod", "v1", "Ready", "Green", ""))
	s := w.source(t, nil, Environment{Key: key("web", "production"), Application: "web", Name: "web-prod"})
	s.Fetch(context.Background())
	w.set("web-prod", map[string]any{"DateUpdated": t0.Add(time.Minute).Format(time.RFC3339)})
	w.event("web-prod", t0.Add(time.Minute), "WARN", "Environment health has transitioned from Ok to Warning.")
	w.fail["DescribeEvents"] = &apiError{500, "InternalFailure", "try again"}
	sts, err := s.Fetch(context.Background())
	if err != nil || sts[0].Error != "" {
		t.Fatalf("an events failure failed the environment: %v %+v", err, sts)
	}
	delete(w.fail, "DescribeEvents")
	w.srv.take()
	sts, _ = s.Fetch(context.Background())
	if w.srv.take()["DescribeEvents"] != 1 || len(sts[0].Events) != 1 {
		t.Fatalf("events not read again: %+v", sts[0].Events)
	}
}

// TestOddShapes: outside text is data, kept exact (the UI cleans it);
// missing fields and unknown values read as unknown, never a panic.
func TestOddShapes(t *testing.T) {
	w := newWorld(t)
	// XML 1.0 cannot carry ESC or BEL (the encoder sends U+FFFD); a bidi
	// override and markup-looking text it can.
	hostile := "v1 <b>]0;pwned\u202e\u200b"
	w.env(map[string]any{"ApplicationName": "web", "EnvironmentName": "web-prod", "VersionLabel": hostile})
	w.env(map[string]any{"ApplicationName": "odd", "EnvironmentName": "web-odd", "Status": "Frobnicating", "Health": "Plaid", "HealthStatus": "Weird", "AbortableOperationInProgress": "maybe"})
	w.event("web-prod", t0, "INFO", "Batch 99999999999: Starting application deployment on instance(s) [].\x1b[2J")
	s := w.source(t, nil,
		Environment{Key: key("web", "production"), Application: "web", Name: "web-prod"},
		Environment{Key: key("web", "odd"), Application: "odd", Name: "web-odd"})
	before := providers.RecoveredPanics()
	sts, _ := s.Fetch(context.Background())
	if providers.RecoveredPanics() != before {
		t.Fatal("a panic was recovered")
	}
	if st := sts[0]; st.Version.Revision != hostile || st.Version.SHA != "" || st.State != model.StateUnknown || len(st.Events) != 1 || !strings.Contains(st.Events[0].Message, "[2J") {
		t.Errorf("hostile: %+v", st)
	}
	// A value of the wrong type fails the decode of its application's
	// answer: that application's environments, not the source.
	if st := sts[1]; !strings.Contains(st.Error, "AbortableOperationInProgress") {
		t.Errorf("odd: %+v", st)
	}
}
