package beanstalk

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/oddanswers"
)

// The fuzzers serve odd XML as one operation's answer, the others' real,
// through the real SDK client and mapping in memory. Seeds: the answers
// of a deploy in flight (built as the example-answer server builds them),
// botocore's example, and variants with a null, a wrong type or an
// unknown value in one place (oddanswers.Variants of the JSON the XML is
// encoded from).

var fuzzEnv = Environment{Key: model.EnvKey{Service: "web", Environment: "production"}, Application: "web", Name: "web-blue", Standby: "web-green"}

// fuzzAnswers are a pair mid-deploy with enhanced health, as JSON values.
func fuzzAnswers(t testing.TB) map[string]any {
	blue := envDesc("web", "web-blue", "web-9f8e7d6-b", "Updating", "Yellow", "Warning")
	green := envDesc("web", "web-green", "web-1a2b3c4-a", "Ready", "Green", "Ok")
	evs := []any{
		map[string]any{"EnvironmentName": "web-blue", "EventDate": "2026-05-20T10:03:30Z", "Severity": "INFO", "Message": "Sending 10 percent of incoming client traffic to the new instance(s) for a 5-minute evaluation."},
		map[string]any{"EnvironmentName": "web-blue", "EventDate": "2026-05-20T10:03:00Z", "Severity": "INFO", "Message": "Batch 1: Completed application deployment.", "VersionLabel": "web-9f8e7d6-b"},
		map[string]any{"EnvironmentName": "web-blue", "EventDate": "2026-05-20T10:02:00Z", "Severity": "INFO", "Message": "Batch 1: Starting application deployment on instance(s) [i-1, i-2]."},
		map[string]any{"EnvironmentName": "web-blue", "EventDate": "2026-05-20T10:01:00Z", "Severity": "INFO", "Message": "Environment update is starting.", "RequestId": "r-1"},
	}
	var health any
	if err := json.Unmarshal([]byte(`{"Color":"Yellow","HealthStatus":"Warning","Status":"Warning","Causes":["Command is executing on 2 of 4 instances."],
		"ApplicationMetrics":{"Duration":10,"RequestCount":120,"StatusCodes":{"Status2xx":110,"Status3xx":0,"Status4xx":4,"Status5xx":6},"Latency":{"P50":0.01,"P90":0.2,"P99":1.5}},
		"InstancesHealth":{"Ok":2,"Warning":2},"RefreshedAt":"2026-05-20T10:03:10Z"}`), &health); err != nil {
		t.Fatal(err)
	}
	var config, instances any
	if err := json.Unmarshal([]byte(`{"ConfigurationSettings":[{"EnvironmentName":"web-blue","DeploymentStatus":"deployed","OptionSettings":[
		{"Namespace":"aws:elasticbeanstalk:command","OptionName":"DeploymentPolicy","Value":"TrafficSplitting"},
		{"Namespace":"aws:elasticbeanstalk:trafficsplitting","OptionName":"NewVersionPercent","Value":"15"},
		{"Namespace":"aws:elasticbeanstalk:trafficsplitting","OptionName":"EvaluationTime","Value":"7"}]}]}`), &config); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"RefreshedAt":"2026-05-20T10:03:40Z","InstanceHealthList":[
		{"InstanceId":"i-1","HealthStatus":"Ok","Deployment":{"VersionLabel":"web-1a2b3c4-a","DeploymentId":4,"Status":"Deployed","DeploymentTime":"2026-05-19T10:00:00Z"},
		 "ApplicationMetrics":{"Duration":10,"RequestCount":100,"StatusCodes":{"Status2xx":99,"Status5xx":1},"Latency":{"P99":0.05}}},
		{"InstanceId":"i-2","HealthStatus":"Degraded","Deployment":{"VersionLabel":"web-9f8e7d6-b","DeploymentId":5,"Status":"Deployed","DeploymentTime":"2026-05-20T10:03:30Z"},
		 "ApplicationMetrics":{"Duration":10,"RequestCount":12,"StatusCodes":{"Status2xx":8,"Status5xx":4},"Latency":{"P99":0.4}}}]}`), &instances); err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		opDescribeConfigurationSettings: config,
		opDescribeInstancesHealth:       instances,
		opDescribeEnvironments:          map[string]any{"Environments": []any{blue, green}},
		opDescribeEvents:                map[string]any{"Events": evs},
		opDescribeEnvironmentHealth:     health,
		opDescribeApplicationVersions:   map[string]any{"ApplicationVersions": []any{map[string]any{"ApplicationName": "web", "VersionLabel": "web-9f8e7d6-b", "Description": "commit 9f8e7d6", "Status": "Processed", "DateCreated": "2026-05-20T09:00:00Z", "SourceBundle": map[string]any{"S3Bucket": "b", "S3Key": "k.zip"}}}},
	}
}

// canned answers each operation with one XML body; answers swaps them.
type canned struct {
	answers atomic.Pointer[map[string][]byte]
}

func (c *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	w.Header().Set("Content-Type", "text/xml")
	body, ok := (*c.answers.Load())[r.PostForm.Get("Action")]
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(queryError("InvalidAction", "not canned", "r"))
		return
	}
	_, _ = w.Write(body)
}

func fuzzOp(f *testing.F, op string) {
	base := fuzzAnswers(f)
	real, _ := json.Marshal(base[op])
	seeds := [][]byte{queryXML(op, base[op], "seed")}
	if ex, ok := examples()[op]; ok {
		seeds = append(seeds, queryXML(op, ex, "example"))
	}
	for _, v := range oddanswers.Variants(real, 60) {
		var doc any
		if json.Unmarshal(v, &doc) == nil {
			seeds = append(seeds, queryXML(op, doc, "variant"))
		}
	}
	seeds = append(seeds, []byte("<not xml"), []byte(""), []byte(`<`+op+`Response><`+op+`Result><Environments><member><Status/></member></Environments></`+op+`Result></`+op+`Response>`))
	for _, s := range seeds {
		f.Add(s)
	}
	h := &canned{}
	client := eb.New(eb.Options{Region: testRegion, BaseEndpoint: aws.String("http://beanstalk.test"), Credentials: aws.AnonymousCredentials{},
		HTTPClient: &http.Client{Transport: oddanswers.Transport{Handler: h}}, RetryMaxAttempts: 1})
	f.Fuzz(func(t *testing.T, body []byte) {
		answers := map[string][]byte{}
		for o, v := range base {
			answers[o] = queryXML(o, v, "real")
		}
		answers[op] = body
		h.answers.Store(&answers)
		s := newSource(client, testRegion, Options{Environments: []Environment{fuzzEnv}})
		before := providers.RecoveredPanics()
		sts, _ := s.Fetch(context.Background())
		if len(sts) != 1 || sts[0].Key() != fuzzEnv.Key {
			t.Fatalf("environments %+v", sts)
		}
		st, _ := s.FetchEnv(context.Background(), fuzzEnv.Key)
		if providers.RecoveredPanics() != before {
			t.Fatalf("a panic was recovered: %+v, then %+v", sts, st)
		}
		// No net below these: a panic is a crash.
		_, _ = s.History(context.Background(), fuzzEnv.Key)
		_, _ = s.Switch(context.Background(), fuzzEnv.Key, true)
		_, _ = s.Abort(context.Background(), fuzzEnv.Key, true)
		_, _ = s.StepCanary(context.Background(), fuzzEnv.Key, true, true)
		_, _ = s.StepCanary(context.Background(), fuzzEnv.Key, false, true)
		_, _ = s.Rollback(context.Background(), fuzzEnv.Key, model.Version{SHA: "9f8e7d6"}, true)
	})
}

func FuzzBeanstalkDescribeEnvironments(f *testing.F)      { fuzzOp(f, opDescribeEnvironments) }
func FuzzBeanstalkDescribeEvents(f *testing.F)            { fuzzOp(f, opDescribeEvents) }
func FuzzBeanstalkDescribeEnvironmentHealth(f *testing.F) { fuzzOp(f, opDescribeEnvironmentHealth) }
func FuzzBeanstalkDescribeApplicationVersions(f *testing.F) {
	fuzzOp(f, opDescribeApplicationVersions)
}
func FuzzBeanstalkDescribeConfigurationSettings(f *testing.F) {
	fuzzOp(f, opDescribeConfigurationSettings)
}
func FuzzBeanstalkDescribeInstancesHealth(f *testing.F) { fuzzOp(f, opDescribeInstancesHealth) }
