package beanstalk

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/internal/awstest"
)

// TestMain keeps the tests hermetic (see awstest.Main).
func TestMain(m *testing.M) { awstest.Main(m) }

const testRegion = "us-east-1"

var testCreds = credentials.NewStaticCredentialsProvider("AKIDEBTEST0000001", "eb-test-secret-0000001", "")

var t0 = time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)

// world is a small Elastic Beanstalk the tests script: environments,
// events, health and application versions as JSON values shaped like
// botocore's examples, served through exampleServer. It filters as the
// API does (by application, names, labels, StartTime), so the provider's
// requests must say what they mean.
type world struct {
	mu       sync.Mutex
	envs     []map[string]any            // EnvironmentDescription
	events   map[string][]map[string]any // by environment name, any order
	health   map[string]any              // DescribeEnvironmentHealth output, by name
	versions []map[string]any            // ApplicationVersionDescription
	apps     []string
	configs  map[string]any       // DescribeConfigurationSettings output, by name
	inst     map[string]any       // DescribeInstancesHealth output, by name
	fail     map[string]*apiError // by operation
	srv      *exampleServer
	url      string
}

func newWorld(t *testing.T) *world {
	w := &world{events: map[string][]map[string]any{}, health: map[string]any{}, fail: map[string]*apiError{},
		configs: map[string]any{}, inst: map[string]any{}}
	w.srv = &exampleServer{answer: w.answer}
	hs := httptest.NewServer(w.srv)
	t.Cleanup(hs.Close)
	w.url = hs.URL
	return w
}

// env adds or replaces an environment.
func (w *world) env(d map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, e := range w.envs {
		if e["EnvironmentName"] == d["EnvironmentName"] {
			w.envs[i] = d
			return
		}
	}
	w.envs = append(w.envs, d)
	if app, _ := d["ApplicationName"].(string); !slices.Contains(w.apps, app) {
		w.apps = append(w.apps, app)
	}
}

// set changes fields of an environment.
func (w *world) set(name string, fields map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.envs {
		if e["EnvironmentName"] == name {
			for k, v := range fields {
				e[k] = v
			}
		}
	}
}

func (w *world) event(env string, at time.Time, severity, msg string, extra ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ev := map[string]any{"EnvironmentName": env, "EventDate": at.Format(time.RFC3339Nano), "Severity": severity, "Message": msg}
	if len(extra) > 0 {
		ev["VersionLabel"] = extra[0]
	}
	w.events[env] = append(w.events[env], ev)
}

func (w *world) version(app, label, desc, status string, created time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v := map[string]any{"ApplicationName": app, "VersionLabel": label, "Description": desc,
		"DateCreated": created.Format(time.RFC3339), "SourceBundle": map[string]any{"S3Bucket": "bundles", "S3Key": app + "/" + label + ".zip"}}
	if status != "" {
		v["Status"] = status
	}
	w.versions = append(w.versions, v)
}

func (w *world) answer(op string, form map[string][]string) any {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e := w.fail[op]; e != nil {
		return e
	}
	switch op {
	case "DescribeEnvironments":
		return w.describeEnvironments(form)
	case "DescribeEvents":
		return w.describeEvents(form)
	case "DescribeEnvironmentHealth":
		name := first(form, "EnvironmentName")
		if id := first(form, "EnvironmentId"); id != "" {
			name = w.nameOf(id)
		}
		if h, ok := w.health[name]; ok {
			return h
		}
		return &apiError{400, "InvalidRequestException", "enhanced health is not on"}
	case "DescribeConfigurationSettings":
		if c, ok := w.configs[first(form, "EnvironmentName")]; ok {
			return c
		}
		return &apiError{400, "InvalidParameterValue", "No Environment found for EnvironmentName = '" + first(form, "EnvironmentName") + "'."}
	case "DescribeInstancesHealth":
		name := first(form, "EnvironmentName")
		if id := first(form, "EnvironmentId"); id != "" {
			name = w.nameOf(id)
		}
		if h, ok := w.inst[name]; ok {
			return h
		}
		return &apiError{400, "InvalidRequestException", "enhanced health is not on"}
	case "DescribeApplicationVersions":
		labels := members(form, "VersionLabels")
		var out []any
		for _, v := range w.versions {
			if v["ApplicationName"] == first(form, "ApplicationName") && (len(labels) == 0 || slices.Contains(labels, v["VersionLabel"].(string))) {
				out = append(out, v)
			}
		}
		return map[string]any{"ApplicationVersions": out}
	case "DescribeApplications":
		var out []any
		for _, a := range w.apps {
			out = append(out, map[string]any{"ApplicationName": a})
		}
		return map[string]any{"Applications": out}
	case "UpdateEnvironment":
		for _, e := range w.envs {
			if e["EnvironmentName"] == first(form, "EnvironmentName") {
				e["VersionLabel"], e["Status"] = first(form, "VersionLabel"), "Updating"
				return e
			}
		}
		return &apiError{400, "InvalidParameterValue", "No Environment found for EnvironmentName = '" + first(form, "EnvironmentName") + "'."}
	case "SwapEnvironmentCNAMEs":
		var a, b map[string]any
		for _, e := range w.envs {
			switch e["EnvironmentName"] {
			case first(form, "SourceEnvironmentName"):
				a = e
			case first(form, "DestinationEnvironmentName"):
				b = e
			}
		}
		a["CNAME"], b["CNAME"] = b["CNAME"], a["CNAME"]
		return nil
	case "CreateApplicationVersion":
		v := map[string]any{"ApplicationName": first(form, "ApplicationName"), "VersionLabel": first(form, "VersionLabel"),
			"Description": first(form, "Description"), "DateCreated": t0.Format(time.RFC3339),
			"SourceBundle": map[string]any{"S3Bucket": first(form, "SourceBundle.S3Bucket"), "S3Key": first(form, "SourceBundle.S3Key")}}
		w.versions = append(w.versions, v)
		return map[string]any{"ApplicationVersion": v}
	}
	return examples()[op]
}

func (w *world) nameOf(id string) string {
	for _, e := range w.envs {
		if e["EnvironmentId"] == id {
			return e["EnvironmentName"].(string)
		}
	}
	return ""
}

func (w *world) describeEnvironments(form map[string][]string) any {
	names := members(form, "EnvironmentNames")
	var out []any
	for _, e := range w.envs {
		if app := first(form, "ApplicationName"); app != "" && e["ApplicationName"] != app {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, e["EnvironmentName"].(string)) {
			continue
		}
		out = append(out, e)
	}
	return map[string]any{"Environments": out}
}

func (w *world) describeEvents(form map[string][]string) any {
	name := first(form, "EnvironmentName")
	if id := first(form, "EnvironmentId"); id != "" {
		name = w.nameOf(id)
	}
	since, _ := time.Parse(time.RFC3339, first(form, "StartTime"))
	evs := slices.Clone(w.events[name])
	slices.SortStableFunc(evs, func(a, b map[string]any) int { return -compareDates(a["EventDate"], b["EventDate"]) })
	var out []any
	for _, ev := range evs {
		at, _ := time.Parse(time.RFC3339Nano, ev["EventDate"].(string))
		if at.Before(since) {
			continue
		}
		out = append(out, ev)
	}
	return map[string]any{"Events": out}
}

func compareDates(a, b any) int {
	ta, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(a))
	tb, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(b))
	return ta.Compare(tb)
}

// source is a Source on the world through New, as commands/world.go
// builds it, with static keys and a counting server.
func (w *world) source(t *testing.T, now func() time.Time, envs ...Environment) *Source {
	t.Helper()
	s, err := New(context.Background(), Options{Region: testRegion, EndpointURL: w.url, Credentials: testCreds,
		Environments: envs, Now: now, HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// config sets an environment's deploy configuration: its policy, and the
// traffic-splitting options when percent is not 0.
func (w *world) config(env, policy string, percent, evalMinutes int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	opts := []any{
		map[string]any{"Namespace": "aws:autoscaling:asg", "OptionName": "MinSize", "ResourceName": "AWSEBAutoScalingGroup", "Value": "2"},
		map[string]any{"Namespace": "aws:elasticbeanstalk:command", "OptionName": "DeploymentPolicy", "Value": policy},
	}
	if percent != 0 {
		opts = append(opts,
			map[string]any{"Namespace": "aws:elasticbeanstalk:trafficsplitting", "OptionName": "NewVersionPercent", "Value": fmt.Sprint(percent)},
			map[string]any{"Namespace": "aws:elasticbeanstalk:trafficsplitting", "OptionName": "EvaluationTime", "Value": fmt.Sprint(evalMinutes)})
	}
	w.configs[env] = map[string]any{"ConfigurationSettings": []any{map[string]any{
		"EnvironmentName": env, "DeploymentStatus": "deployed", "OptionSettings": opts}}}
}

// instance is one SingleInstanceHealth: its version label, requests, 5xx
// and p99 latency over ten seconds.
func instance(id, label string, requests, errors5xx int, p99 float64) map[string]any {
	return map[string]any{"InstanceId": id, "HealthStatus": "Ok", "Color": "Green",
		"Deployment":         map[string]any{"VersionLabel": label, "DeploymentId": 3, "Status": "Deployed", "DeploymentTime": t0.Format(time.RFC3339)},
		"ApplicationMetrics": map[string]any{"Duration": 10, "RequestCount": requests, "StatusCodes": map[string]any{"Status2xx": requests - errors5xx, "Status5xx": errors5xx}, "Latency": map[string]any{"P99": p99, "P50": p99 / 5}}}
}

// instances sets DescribeInstancesHealth's answer for an environment.
func (w *world) instances(env string, refreshed time.Time, list ...map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	items := make([]any, len(list))
	for i, in := range list {
		items[i] = in
	}
	w.inst[env] = map[string]any{"InstanceHealthList": items, "RefreshedAt": refreshed.Format(time.RFC3339)}
}

// envDesc is an EnvironmentDescription as the API answers it.
func envDesc(app, name, label, status, health, healthStatus string) map[string]any {
	d := map[string]any{
		"ApplicationName": app, "EnvironmentName": name, "EnvironmentId": "e-" + name,
		"VersionLabel": label, "Status": status, "Health": health,
		"CNAME":       name + ".eba-abc.us-east-1.elasticbeanstalk.com",
		"DateCreated": t0.Add(-48 * time.Hour).Format(time.RFC3339), "DateUpdated": t0.Format(time.RFC3339),
		"AbortableOperationInProgress": status == "Updating",
	}
	if healthStatus != "" {
		d["HealthStatus"] = healthStatus
	}
	return d
}

func key(svc, env string) model.EnvKey { return model.EnvKey{Service: svc, Environment: env} }
