package beanstalk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awstest"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// opCounter counts awsQuery operations (the form's Action) on their way
// to the endpoint.
type opCounter struct {
	mu  sync.Mutex
	ops map[string]int
}

func (c *opCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(raw))
		form, _ := url.ParseQuery(string(raw))
		c.mu.Lock()
		if c.ops == nil {
			c.ops = map[string]int{}
		}
		c.ops[form.Get("Action")]++
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (c *opCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.ops
	c.ops = map[string]int{}
	return got
}

// TestMoto: what moto_server implements of Elastic Beanstalk
// (CreateApplication, CreateEnvironment, DescribeEnvironments,
// DescribeApplications) read through the real client. moto ignores
// DescribeEnvironments' filters, reports every version label as "1" and
// health "No Data", and answers the operations it lacks (DescribeEvents,
// DescribeEnvironmentHealth, DescribeApplicationVersions,
// DescribeConfigurationSettings) with a bare 500:
// none of that may fail an environment, and each lacking operation is
// asked once, not every poll.
func TestMoto(t *testing.T) {
	url := awstest.Start(t)
	seed := eb.New(eb.Options{Region: testRegion, BaseEndpoint: aws.String(url), Credentials: testCreds, Retryer: aws.NopRetryer{}})
	ctx := context.Background()
	for _, app := range []string{"web", "api"} {
		if _, err := seed.CreateApplication(ctx, &eb.CreateApplicationInput{ApplicationName: aws.String(app)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range [][2]string{{"web", "web-staging"}, {"web", "web-prod"}, {"api", "api-prod"}, {"api", "unconfigured"}} {
		if _, err := seed.CreateEnvironment(ctx, &eb.CreateEnvironmentInput{ApplicationName: aws.String(e[0]), EnvironmentName: aws.String(e[1]),
			SolutionStackName: aws.String("64bit Amazon Linux 2 v5.8.0 running Node.js 18")}); err != nil {
			t.Fatal(err)
		}
	}
	cnt := &opCounter{}
	s, err := New(ctx, Options{Region: testRegion, EndpointURL: url, Credentials: testCreds, HTTPClient: &http.Client{Transport: cnt},
		Environments: []Environment{
			{Key: key("web", "staging"), Application: "web", Name: "web-staging"},
			{Key: key("web", "production"), Application: "web", Name: "web-prod"},
			{Key: key("api", "production"), Application: "api", Name: "api-prod"},
			{Key: key("api", "qa"), Application: "api", Name: "api-qa"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	for poll := 1; poll <= 2; poll++ {
		sts, errs, err := s.fetchEnvs(ctx, s.envs)
		if err != nil {
			t.Fatalf("poll %d: %v", poll, err)
		}
		for _, st := range sts[:3] {
			if st.Error != "" || st.Version.Revision != "1" || st.Version.SHA != "" || st.State != model.StateSteady || st.Health == nil || st.Health.Color != "Grey" {
				t.Errorf("poll %d: %v: %+v", poll, st.Key(), st)
			}
		}
		if !errors.Is(errs[key("api", "qa")], providers.ErrNotFound) || !strings.Contains(sts[3].Error, "api-qa not found in application api (it has: api-prod, unconfigured)") {
			t.Errorf("poll %d: qa: %q", poll, sts[3].Error)
		}
		ops := cnt.take()
		t.Logf("moto, 4 environments in 2 applications, poll %d: %s", poll, formatOps(ops))
		if poll == 2 && (ops["DescribeEnvironments"] != 2 || ops["DescribeEvents"]+ops["DescribeEnvironmentHealth"]+ops["DescribeApplicationVersions"]+ops["DescribeConfigurationSettings"]+ops["DescribeInstancesHealth"] != 0) {
			t.Errorf("poll 2 asked %s; want DescribeEnvironments=2 and nothing moto lacks", formatOps(ops))
		}
	}
}

// TestMotoAndSimAgree builds the same application and blue/green pair in
// moto_server and in the sim with the same SDK calls (CreateApplication,
// CreateEnvironment), makes the same provider reads of both, and holds
// the model fields that come out side by side: equal where moto
// implements the call, and moto's documented gaps (every VersionLabel
// "1", no CNAME, health Grey) named one by one, so that a change on
// either side shows here.
func TestMotoAndSimAgree(t *testing.T) {
	motoURL := awstest.Start(t)
	srv := simtest.Start(t, simT0, sim.Options{Seed: 7, Scenario: sim.ScenarioEmpty})
	holdToBotocore(t, srv)
	ctx := context.Background()
	seed := func(url string) {
		c := eb.New(eb.Options{Region: testRegion, BaseEndpoint: aws.String(url), Credentials: testCreds, Retryer: aws.NopRetryer{}})
		for _, app := range []string{"web", "api"} {
			if _, err := c.CreateApplication(ctx, &eb.CreateApplicationInput{ApplicationName: aws.String(app)}); err != nil {
				t.Fatalf("%s: %v", url, err)
			}
		}
		for _, e := range [][2]string{{"web-blue", "web-live"}, {"web-green", "web-idle"}} {
			if _, err := c.CreateEnvironment(ctx, &eb.CreateEnvironmentInput{ApplicationName: aws.String("web"), EnvironmentName: aws.String(e[0]),
				CNAMEPrefix: aws.String(e[1]), SolutionStackName: aws.String("64bit Amazon Linux 2023 v4.3.0 running Docker")}); err != nil {
				t.Fatalf("%s: %v", url, err)
			}
		}
	}
	seed(motoURL)
	seed(srv.URL)
	srv.Step(10 * time.Minute) // the sim's environments launch; moto's are Ready at once

	envs := []Environment{
		{Key: key("web", "production"), Application: "web", Name: "web-blue", Standby: "web-green"},
		{Key: key("web", "qa"), Application: "web", Name: "web-qa"},
		{Key: key("shop", "production"), Application: "shop", Name: "shop-prod"},
	}
	read := func(o Options) []model.EnvStatus {
		o.Region, o.Environments = testRegion, envs
		s, err := New(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		var sts []model.EnvStatus
		for range 2 { // the second poll is a steady one
			if sts, _, err = s.fetchEnvs(ctx, s.envs); err != nil {
				t.Fatal(err)
			}
		}
		return sts
	}
	moto := read(Options{EndpointURL: motoURL, Credentials: testCreds})
	simSts := read(Options{EndpointURL: srv.URL, Anonymous: true, Now: srv.Clock.Now})

	for i := range envs {
		m, s := moto[i], simSts[i]
		same := func(field string, a, b any) {
			t.Helper()
			if a != b {
				t.Errorf("%v %s: moto %v, sim %v", envs[i].Key, field, a, b)
			}
		}
		same("environment", m.Key(), s.Key())
		same("error", m.Error, s.Error)
		same("state", m.State, s.State)
		same("target", m.Target, s.Target)
		same("SHA", m.Version.SHA, s.Version.SHA) // neither label names a commit
		same("canary", m.Canary == nil, s.Canary == nil)
		if m.Error != "" {
			continue
		}
		same("health enhanced", m.Health != nil && m.Health.Enhanced, s.Health != nil && s.Health.Enhanced)
		same("pair", m.BlueGreen != nil, s.BlueGreen != nil)
		if m.BlueGreen != nil && s.BlueGreen != nil {
			same("live", m.BlueGreen.Live, s.BlueGreen.Live)
			same("standby", m.BlueGreen.Standby, s.BlueGreen.Standby)
			same("standby status", m.BlueGreen.StandbyStatus, s.BlueGreen.StandbyStatus)
			same("standby SHA", m.BlueGreen.StandbyVersion.SHA, s.BlueGreen.StandbyVersion.SHA)
			// moto's gaps: no CNAME, health Grey (so its standby is not
			// fit to switch to), every label "1". The sim's are the API's.
			if m.BlueGreen.CNAME != "" || s.BlueGreen.CNAME != "web-live.us-east-1.elasticbeanstalk.com" {
				t.Errorf("CNAME: moto %q (moto has none), sim %q", m.BlueGreen.CNAME, s.BlueGreen.CNAME)
			}
			if !strings.Contains(m.BlueGreen.Blocked, "health Grey") || s.BlueGreen.Blocked != "" {
				t.Errorf("switch: moto %q (Grey), sim %q", m.BlueGreen.Blocked, s.BlueGreen.Blocked)
			}
		}
		if m.Version.Revision != "1" || s.Version.Revision != "" || m.Health.Color != "Grey" || s.Health.Color != "Green" {
			t.Errorf("%v: label moto %q (always 1) sim %q (none: the sample application); colour moto %s sim %s",
				envs[i].Key, m.Version.Revision, s.Version.Revision, m.Health.Color, s.Health.Color)
		}
	}
	for _, sts := range [][]model.EnvStatus{moto, simSts} {
		if !strings.Contains(sts[1].Error, "web-qa not found in application web (it has: web-blue, web-green)") ||
			!strings.Contains(sts[2].Error, "application shop not found or has no environments (applications: api, web)") {
			t.Errorf("missing: %q / %q", sts[1].Error, sts[2].Error)
		}
	}
}
