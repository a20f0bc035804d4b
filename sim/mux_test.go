package sim

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go/encoding/cbor"
	goyaml "github.com/goccy/go-yaml"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/beanstalk"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
	"github.com/airside-dev/flightdeck/sim/elbv2"
)

// TestRoutesAnswerInTheirProtocol: the protocols to come are routed now and
// answer "not implemented" in their own error shape; CircleCI and GitHub
// answer.
func TestRoutesAnswerInTheirProtocol(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	// Operations a part does not implement are InvalidAction in its own
	// namespace.
	for _, c := range []struct{ version, action, key, ns string }{
		{"2010-12-01", "RebuildEnvironment", "beanstalk:RebuildEnvironment", beanstalk.XMLNS},
		{"2015-12-01", "DescribeEnvironments", "elbv2:DescribeEnvironments", elbv2.XMLNS},
	} {
		form := url.Values{"Action": {c.action}, "Version": {c.version}}
		resp, body := post(t, h.srv.URL+"/", "application/x-www-form-urlencoded; charset=utf-8", form.Encode(), nil)
		var e awsproto.QueryError
		if err := xml.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != 400 || e.Error.Code != "InvalidAction" ||
			e.RequestID == "" || e.RequestID != resp.Header.Get("X-Amzn-Requestid") || e.XMLNS != c.ns {
			t.Errorf("%s: %d %s (%v)", c.version, resp.StatusCode, body, err)
		}
		if h.w.Requests()[c.key] != 1 {
			t.Errorf("not counted as %s: %v", c.key, h.w.Requests())
		}
	}
	resp, body := post(t, h.srv.URL+cloudwatch.PathPrefix+"PutMetricData", "application/cbor", string(cbor.Encode(cbor.Map{})), nil)
	if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("X-Amzn-Query-Error"), "InvalidAction;") {
		t.Errorf("cloudwatch: %d %v", resp.StatusCode, resp.Header)
	}
	if _, err := cbor.Decode([]byte(body)); err != nil {
		t.Errorf("cloudwatch body is not CBOR: %v", err)
	}
	for _, c := range []struct {
		path  string
		token bool
		want  int
	}{
		{"/repos/acme/api/commits", false, 401},       // a token first
		{"/api/v3/repos/acme/api/commits", true, 404}, // no repositories in the empty world
		{"/api/v3/repos/acme/api/commits/main", true, 404},
		{"/rate_limit", false, 200}, // answers without a token
	} {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+c.path, nil)
		if c.token {
			req.Header.Set("Authorization", "Bearer sim")
		}
		resp, body := do(t, req)
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil || resp.StatusCode != c.want || (c.want != 200) != (m["message"] != nil) ||
			resp.Header.Get("X-GitHub-Request-Id") == "" || resp.Header.Get("X-RateLimit-Limit") == "" {
			t.Errorf("%s: %d %s", c.path, resp.StatusCode, body)
		}
	}
	if resp, body := get(t, h.srv.URL+"/api/v2/me"); resp.StatusCode != 401 || !strings.Contains(body, `"message"`) || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("circleci without a token: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, h.srv.URL+"/nowhere"); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
	resp, _ = post(t, h.srv.URL+"/", "application/x-amz-json-1.0", "{}", map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem"})
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-Errortype") != "UnknownOperationException" {
		t.Errorf("foreign target: %d %v", resp.StatusCode, resp.Header)
	}
	n := h.w.Requests()
	if n["github:repos/list-commits"] != 2 || n["github:repos/get-commit"] != 1 || n["circleci:getCurrentUser"] != 1 || n["github:rate-limit/get"] != 1 {
		t.Errorf("counts %v", n)
	}
}

func TestControlSurface(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	resp, body := get(t, h.srv.URL+"/_sim/")
	if resp.StatusCode != 200 || !strings.Contains(body, `"scenario":"empty"`) {
		t.Fatalf("index: %d %s", resp.StatusCode, body)
	}
	until := t0.Add(time.Minute).Format(time.RFC3339)
	resp, body = post(t, h.srv.URL+"/_sim/faults", "application/json", `{"service":"ecs","throttle_rate":1,"latency":"1ms","until":"`+until+`"}`, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"throttle_rate":1`) {
		t.Fatalf("set: %d %s", resp.StatusCode, body)
	}
	if err := h.listClusters(); err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Fatalf("throttle via control: %v", err)
	}
	if _, body = get(t, h.srv.URL+"/_sim/faults"); !strings.Contains(body, `"until":"`+until+`"`) {
		t.Fatalf("list: %s", body)
	}
	if resp, _ = post(t, h.srv.URL+"/_sim/faults", "application/json", `{"service":"ecs"}`, nil); resp.StatusCode != 200 {
		t.Fatal("clear failed")
	}
	if err := h.listClusters(); err != nil {
		t.Fatalf("after clear: %v", err)
	}
	resp, body = get(t, h.srv.URL+"/_sim/requests")
	var counts map[string]int
	if err := json.Unmarshal([]byte(body), &counts); err != nil || counts["ecs:ListClusters"] != 2 {
		t.Fatalf("requests: %s", body)
	}
	for _, bad := range []string{`{"service":"s3"}`, `{"service":"ecs","throttle_rate":2}`, `{"service":"ecs","lose_rate":-1}`, `{"service":"ecs","latency":"soon"}`, `{"service":"ecs","thrtotle_rate":1}`, `nope`} {
		if resp, body := post(t, h.srv.URL+"/_sim/faults", "application/json", bad, nil); resp.StatusCode != 400 || !strings.Contains(body, "message") {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
	resp, _ = post(t, h.srv.URL+"/_sim/faults", "application/json", `{"service":"*","error_rate":1,"for":"30s"}`, nil)
	if f := h.w.Faults()[AllServices]; resp.StatusCode != 200 || !f.Until.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("for: %+v", f)
	}
	req, _ := http.NewRequest(http.MethodDelete, h.srv.URL+"/_sim/faults", nil)
	do(t, req)
	if len(h.w.Faults()) != 0 {
		t.Fatal("DELETE left faults")
	}
	req, _ = http.NewRequest(http.MethodDelete, h.srv.URL+"/_sim/requests", nil)
	do(t, req)
	if len(h.w.Requests()) != 0 {
		t.Fatal("DELETE left counts")
	}
	h.send("GET", "/api/v3/repos/acme/x/commits/main", "", map[string]string{"Authorization": "token sim"})
	if resp, body := get(t, h.srv.URL+"/_sim/github"); resp.StatusCode != 200 || !strings.Contains(body, `"limit":5000,"remaining":4999,"used":1,`) ||
		!strings.Contains(body, `"counted":1,"not_modified":0,`) {
		t.Fatalf("github usage: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, h.srv.URL+"/_sim/else"); resp.StatusCode != 404 {
		t.Fatal("unknown control path")
	}
}

type yamlConfig struct {
	Refresh string `yaml:"refresh"`
	GitHub  struct {
		APIURL string `yaml:"api_url"`
	} `yaml:"github"`
	CircleCI *struct {
		Host string `yaml:"host"`
	} `yaml:"circleci"`
	AWS struct {
		Region      string `yaml:"region"`
		EndpointURL string `yaml:"endpoint_url"`
		Anonymous   bool   `yaml:"anonymous"`
	} `yaml:"aws"`
	Services []struct {
		Name string `yaml:"name"`
		Repo string `yaml:"repo"`
		CI   *struct {
			Provider string `yaml:"provider"`
			Project  string `yaml:"project"`
			Workflow string `yaml:"workflow"`
			Branch   string `yaml:"branch"`
		} `yaml:"ci"`
		Environments []struct {
			Name      string `yaml:"name"`
			Protected bool   `yaml:"protected"`
			AWS       *struct {
				Region string `yaml:"region"`
			} `yaml:"aws"`
			ECS struct {
				Cluster   string `yaml:"cluster"`
				Service   string `yaml:"service"`
				Container string `yaml:"container"`
			} `yaml:"ecs"`
			Beanstalk *struct {
				Application string `yaml:"application"`
				Environment string `yaml:"environment"`
				Standby     string `yaml:"standby"`
			} `yaml:"beanstalk"`
			BlueGreen *struct {
				Listener string `yaml:"listener_arn"`
				Blue     string `yaml:"blue_target_group_arn"`
				Green    string `yaml:"green_target_group_arn"`
			} `yaml:"blue_green"`
			Canary *struct {
				Listener string `yaml:"listener_arn"`
				Stable   string `yaml:"stable_target_group_arn"`
				Canary   string `yaml:"canary_target_group_arn"`
				Steps    []int  `yaml:"steps"`
			} `yaml:"canary"`
		} `yaml:"environments"`
	} `yaml:"services"`
}

func TestWriteConfig(t *testing.T) {
	w := New(Options{Seed: 1, Clock: fakeclock.New(t0)})
	raw := w.WriteConfig("http://127.0.0.1:4566")
	if !strings.HasPrefix(string(raw), "# Written by `flightdeck sim`") {
		t.Fatalf("no header:\n%s", raw)
	}
	var c yamlConfig
	if err := goyaml.UnmarshalWithOptions(raw, &c, goyaml.Strict()); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if c.Refresh != "10s" || c.AWS.EndpointURL != "http://127.0.0.1:4566" || !c.AWS.Anonymous || c.AWS.Region != "us-east-1" {
		t.Fatalf("header keys: %+v", c)
	}
	if c.CircleCI == nil || c.CircleCI.Host != "http://127.0.0.1:4566" {
		t.Fatalf("circleci: %+v", c.CircleCI)
	}
	if !strings.Contains(string(raw), "\n# CircleCI needs a token, and any value works against the sim: export CIRCLECI_TOKEN=sim\n") {
		t.Fatalf("no word on the CircleCI token:\n%s", raw)
	}
	if !strings.Contains(string(raw), "\n# GitHub needs a token, and any value works against the sim: export GH_TOKEN=sim\n") {
		t.Fatalf("no word on the GitHub token:\n%s", raw)
	}
	if c.GitHub.APIURL != "http://127.0.0.1:4566/" {
		t.Fatalf("github: %+v", c.GitHub)
	}
	if len(c.Services) != len(demoCatalogue())+5 {
		t.Fatalf("%d services", len(c.Services))
	}
	// The last two are the canaries on a listener, search and basket:
	// production names the stable service and the canary block.
	for i, name := range []string{"search", "basket"} {
		s := c.Services[len(c.Services)-2+i]
		listener, stable, canary, _ := w.Canary(name)
		prod := s.Environments[1]
		if s.Name != name || len(s.Environments) != 2 || s.Environments[0].Canary != nil || prod.Canary == nil ||
			prod.Canary.Listener != listener || prod.Canary.Stable != stable || prod.Canary.Canary != canary ||
			fmt.Sprint(prod.Canary.Steps) != "[10 25 50 100]" || prod.ECS.Service != name || !prod.Protected {
			t.Fatalf("%s: %+v", name, s)
		}
	}
	c.Services = c.Services[:len(c.Services)-2]
	// The last is orders, a native canary on ECS without CI.
	if co := c.Services[len(c.Services)-1]; co.Name != "orders" || co.Repo != "acme/orders" || co.CI != nil || len(co.Environments) != 2 ||
		co.Environments[1].ECS.Cluster != "production" || !co.Environments[1].Protected {
		t.Fatalf("orders: %+v", co)
	}
	// Before it checkout, blue/green on a listener: production names
	// the blue colour's service and the listener pair.
	checkout := c.Services[len(c.Services)-2]
	listener, blue, green, _ := w.BlueGreen("checkout")
	if bgProd := checkout.Environments[1]; checkout.Name != "checkout" || len(checkout.Environments) != 2 || checkout.Environments[0].BlueGreen != nil ||
		bgProd.BlueGreen == nil || bgProd.BlueGreen.Listener != listener || bgProd.BlueGreen.Blue != blue || bgProd.BlueGreen.Green != green ||
		bgProd.ECS.Cluster != "production" || bgProd.ECS.Service != "checkout-blue" || !strings.Contains(listener, ":listener/app/checkout-prod/") {
		t.Fatalf("checkout: %+v", checkout)
	}
	// Before that, shop, on Elastic Beanstalk.
	shop := c.Services[len(c.Services)-3]
	if shop.Name != "shop" || shop.Repo != "acme/shop" || len(shop.Environments) != 2 || shop.CI == nil ||
		shop.CI.Provider != "circleci" || shop.CI.Project != "gh/acme/shop" {
		t.Fatalf("shop: %+v", shop)
	}
	if stg, prod := shop.Environments[0], shop.Environments[1]; stg.Name != "staging" || stg.Beanstalk == nil ||
		*stg.Beanstalk != (struct {
			Application string `yaml:"application"`
			Environment string `yaml:"environment"`
			Standby     string `yaml:"standby"`
		}{"shop", "shop-staging", ""}) ||
		prod.Name != "production" || !prod.Protected || prod.Beanstalk == nil || prod.Beanstalk.Environment != "shop-blue" ||
		prod.Beanstalk.Standby != "shop-green" || prod.ECS.Cluster != "" {
		t.Fatalf("shop environments: %+v", shop.Environments)
	}
	for i, cs := range demoCatalogue() {
		s := c.Services[i]
		if s.Name != cs.name || s.Repo != "acme/"+cs.name || len(s.Environments) != len(cs.envs) {
			t.Fatalf("service %+v", s)
		}
		circle := cs.name == "api" || cs.name == "payments"
		switch {
		case s.CI == nil || s.CI.Branch != "main":
			t.Fatalf("%s ci: %+v", cs.name, s.CI)
		case circle && (s.CI.Provider != "circleci" || s.CI.Project != "gh/acme/"+cs.name || s.CI.Workflow != ""):
			t.Fatalf("%s ci: %+v", cs.name, s.CI)
		case !circle && (s.CI.Provider != "github-actions" || s.CI.Workflow != "deploy.yml" || s.CI.Project != ""):
			t.Fatalf("%s ci: %+v", cs.name, s.CI)
		}
		for j, e := range s.Environments {
			prod := e.Name == "production"
			if e.Name != cs.envs[j].name || e.Protected != prod || (e.AWS != nil) != prod || (prod && e.AWS.Region != "eu-west-1") ||
				e.ECS.Cluster != cs.envs[j].cluster || e.ECS.Service != cs.name || e.ECS.Container != cs.name {
				t.Fatalf("%s env %+v", cs.name, e)
			}
		}
	}

	// The empty scenario describes what the tests created.
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	c = yamlConfig{}
	raw = h.w.WriteConfig(h.srv.URL)
	if err := goyaml.Unmarshal(raw, &c); err != nil || len(c.Services) != 0 || c.CircleCI != nil || strings.Contains(string(raw), "CIRCLECI_TOKEN") ||
		strings.Contains(string(raw), "GH_TOKEN") || c.GitHub.APIURL != h.srv.URL+"/" {
		t.Fatalf("empty: %+v %v", c, err)
	}
	h.seedService(1, false, "aaaaaaa")
	c = yamlConfig{}
	if err := goyaml.Unmarshal(h.w.WriteConfig(h.srv.URL), &c); err != nil || len(c.Services) != 1 || c.Services[0].Environments[0].ECS.Cluster != "c1" || c.Services[0].CI != nil {
		t.Fatalf("seeded: %+v %v", c, err)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	clk := fakeclock.New(t0)
	w := New(Options{Seed: 1, Clock: clk})
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		w.Run(ctx)
		close(done)
	}()
	clk.Set(t0.Add(time.Minute))
	deadline := time.After(5 * time.Second)
	for w.Now().Before(t0.Add(time.Minute)) {
		select {
		case <-deadline:
			t.Fatal("Run never stepped to the clock")
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	time.Sleep(10 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines %d -> %d", before, after)
	}
}

func TestStepIgnoresThePast(t *testing.T) {
	h := newHarness(t, Options{Seed: 1})
	h.w.Step(t0.Add(time.Minute))
	h.w.Step(t0)
	if !h.w.Now().Equal(t0.Add(time.Minute)) {
		t.Fatalf("world went back to %v", h.w.Now())
	}
}

// TestConcurrentRequestsAndSteps is for the race detector.
func TestConcurrentRequestsAndSteps(t *testing.T) {
	h := newHarness(t, Options{Seed: 1})
	h.w.SetFault(SvcECS, Fault{ThrottleRate: 0.2})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ecsClient(h.srv.URL)
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("staging"), Services: []string{"api", "web"}})
				h.w.Requests()
				h.w.WriteConfig(h.srv.URL)
				h.w.Pipelines("api")
			}
		}()
	}
	for i := 0; i < 200; i++ {
		h.w.Step(t0.Add(time.Duration(i) * time.Second))
	}
	close(stop)
	wg.Wait()
}
