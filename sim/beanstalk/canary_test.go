package beanstalk

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"
)

func instancesHealth(t *testing.T, pt *Part, env string) instancesHealthResult {
	t.Helper()
	rw := call(pt, "DescribeInstancesHealth", url.Values{"EnvironmentName": {env}, "AttributeNames.member.1": {"All"}})
	var got struct {
		Result instancesHealthResult `xml:"DescribeInstancesHealthResult"`
	}
	if err := xml.Unmarshal(rw.Body.Bytes(), &got); err != nil || rw.Code != 200 {
		t.Fatalf("%d %s %v", rw.Code, rw.Body.String(), err)
	}
	return got.Result
}

// sides sums the instances' requests and 5xx by version label.
func sides(r instancesHealthResult) map[string][2]int {
	out := map[string][2]int{}
	for _, in := range r.InstanceHealthList {
		s := out[in.Deployment.VersionLabel]
		s[0] += in.ApplicationMetrics.RequestCount
		s[1] += in.ApplicationMetrics.StatusCodes.Status5xx
		out[in.Deployment.VersionLabel] = s
	}
	return out
}

// A traffic-splitting deploy of a bad version: the configuration says
// TrafficSplitting, 10 %, 2 minutes; the new instances take about a tenth
// of the requests and answer 5xx; the old ones stay clean; after the
// rollback only the old instances are left.
func TestTrafficSplittingCanaryInstances(t *testing.T) {
	pt := testPart()
	pt.loop.Lock()
	pt.AddEnvironment(EnvSpec{App: "shop", Name: "shop-prod", CNAME: "shop-prod", Label: "shop-bbbbbbb", Instances: 4, RPS: 40,
		At: t0.Add(-4 * time.Hour), Policy: PolicyTrafficSplitting})
	pt.loop.Unlock()

	rw := call(pt, "DescribeConfigurationSettings", url.Values{"ApplicationName": {"shop"}, "EnvironmentName": {"shop-prod"}})
	var cfg struct {
		Result configResult `xml:"DescribeConfigurationSettingsResult"`
	}
	if err := xml.Unmarshal(rw.Body.Bytes(), &cfg); err != nil || rw.Code != 200 || len(cfg.Result.ConfigurationSettings) != 1 {
		t.Fatalf("%d %s %v", rw.Code, rw.Body.String(), err)
	}
	opts := map[string]string{}
	for _, o := range cfg.Result.ConfigurationSettings[0].OptionSettings {
		opts[o.Namespace+"/"+o.OptionName] = o.Value
	}
	if opts["aws:elasticbeanstalk:command/DeploymentPolicy"] != "TrafficSplitting" ||
		opts["aws:elasticbeanstalk:trafficsplitting/NewVersionPercent"] != "10" || opts["aws:elasticbeanstalk:trafficsplitting/EvaluationTime"] != "2" {
		t.Errorf("options %v", opts)
	}

	steady := instancesHealth(t, pt, "shop-prod")
	if len(steady.InstanceHealthList) != 4 || steady.RefreshedAt == "" || sides(steady)["shop-bbbbbbb"][0] == 0 {
		t.Fatalf("steady: %+v", steady)
	}
	pt.loop.Lock()
	pt.MarkBad("shop", "shop-aaaaaaa")
	if _, e := pt.Update("shop-prod", "shop-aaaaaaa"); e != nil {
		t.Fatal(e)
	}
	pt.loop.Advance(t0.Add(10 * time.Second)) // launched, no traffic yet
	pt.loop.Unlock()
	launching := instancesHealth(t, pt, "shop-prod")
	if len(launching.InstanceHealthList) != 6 || sides(launching)["shop-aaaaaaa"] != [2]int{} || launching.InstanceHealthList[5].HealthStatus != "Pending" {
		t.Fatalf("launching: %+v", launching)
	}
	pt.loop.Lock()
	pt.loop.Advance(t0.Add(50 * time.Second)) // split
	pt.loop.Unlock()
	split := sides(instancesHealth(t, pt, "shop-prod"))
	oldSide, newSide := split["shop-bbbbbbb"], split["shop-aaaaaaa"]
	if newSide[0] == 0 || newSide[1] == 0 || oldSide[1] != 0 {
		t.Fatalf("split: %v", split)
	}
	if share := float64(newSide[0]) / float64(newSide[0]+oldSide[0]); share < 0.05 || share > 0.15 {
		t.Errorf("the canary takes %.2f of the requests, want about 0.10 (%v)", share, split)
	}
	pt.loop.Lock()
	pt.loop.Advance(t0.Add(5 * time.Minute)) // failed and rolled back
	pt.loop.Unlock()
	after := instancesHealth(t, pt, "shop-prod")
	if len(after.InstanceHealthList) != 4 || sides(after)["shop-aaaaaaa"] != [2]int{} {
		t.Fatalf("after the rollback: %+v", after)
	}
	if d := after.InstanceHealthList[0].Deployment; d == nil || d.VersionLabel != "shop-bbbbbbb" || d.Status != "Deployed" {
		t.Errorf("deployment after the rollback %+v", d)
	}
}

// Only the attributes asked for come back; bad input is the service's
// own error.
func TestInstancesHealthAttributesAndErrors(t *testing.T) {
	pt := testPart()
	rw := call(pt, "DescribeInstancesHealth", url.Values{"EnvironmentName": {"shop-staging"}, "AttributeNames.member.1": {"Deployment"}})
	body := rw.Body.String()
	if rw.Code != 200 || !strings.Contains(body, "<VersionLabel>shop-bbbbbbb</VersionLabel>") || strings.Contains(body, "ApplicationMetrics") || strings.Contains(body, "RefreshedAt") {
		t.Errorf("%d %s", rw.Code, body)
	}
	for _, c := range []struct {
		action string
		v      url.Values
		code   string
	}{
		{"DescribeInstancesHealth", url.Values{"EnvironmentName": {"shop-staging"}, "AttributeNames.member.1": {"Mood"}}, "InvalidParameterValue"},
		{"DescribeInstancesHealth", url.Values{}, "MissingParameter"},
		{"DescribeConfigurationSettings", url.Values{"EnvironmentName": {"shop-staging"}}, "MissingParameter"},
		{"DescribeConfigurationSettings", url.Values{"ApplicationName": {"shop"}, "EnvironmentName": {"nope"}}, "InvalidParameterValue"},
		{"DescribeConfigurationSettings", url.Values{"ApplicationName": {"shop"}, "TemplateName": {"t"}}, "InvalidParameterValue"},
		{"CreateEnvironment", url.Values{"ApplicationName": {"shop"}, "EnvironmentName": {"shop-staging"}, "SolutionStackName": {"x"}}, "InvalidParameterValue"},
		{"CreateApplication", url.Values{"ApplicationName": {"shop"}}, "InvalidParameterValue"},
	} {
		rw := call(pt, c.action, c.v)
		if rw.Code != 400 || !strings.Contains(rw.Body.String(), "<Code>"+c.code+"</Code>") {
			t.Errorf("%s %v: %d %s", c.action, c.v, rw.Code, rw.Body.String())
		}
	}
}

// CreateEnvironment launches: Launching, then Ready and Green with its
// launch events, on the CNAME asked for.
func TestCreateEnvironmentLaunches(t *testing.T) {
	pt := testPart()
	if rw := call(pt, "CreateApplication", url.Values{"ApplicationName": {"web"}}); rw.Code != 200 || !strings.Contains(rw.Body.String(), "<ApplicationName>web</ApplicationName>") {
		t.Fatalf("%d %s", rw.Code, rw.Body.String())
	}
	rw := call(pt, "CreateEnvironment", url.Values{"ApplicationName": {"web"}, "EnvironmentName": {"web-prod"}, "CNAMEPrefix": {"web-live"}, "SolutionStackName": {solutionStack}})
	if rw.Code != 200 || !strings.Contains(rw.Body.String(), "<Status>Launching</Status>") {
		t.Fatalf("%d %s", rw.Code, rw.Body.String())
	}
	pt.loop.Lock()
	pt.loop.Advance(t0.Add(7 * time.Minute))
	e := pt.env("web-prod")
	pt.loop.Unlock()
	if e.status != StatusReady || e.color != ColorGreen || e.cname != "web-live.us-east-1.elasticbeanstalk.com" || len(e.events) != 4 || e.label != "" {
		t.Errorf("%s %s %s %d events, label %q", e.status, e.color, e.cname, len(e.events), e.label)
	}
}
