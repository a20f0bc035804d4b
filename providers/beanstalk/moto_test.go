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

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"

	"flightdeck/model"
	"flightdeck/providers"
	"flightdeck/providers/internal/awstest"
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
