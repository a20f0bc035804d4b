package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/airside-dev/flightdeck/sim/circleci"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
	"github.com/airside-dev/flightdeck/sim/github"
	"github.com/airside-dev/flightdeck/sim/specs"
)

func (h *harness) listClusters() error {
	_, err := h.ecs.ListClusters(h.ctx, &ecs.ListClustersInput{})
	return err
}

func TestFaultsSurfaceAsSDKErrors(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})

	h.w.SetFault(SvcECS, Fault{ThrottleRate: 1})
	var ae smithy.APIError
	if err := h.listClusters(); !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || ae.ErrorMessage() != "Rate exceeded" {
		t.Fatalf("throttle: %v", err)
	}

	h.w.SetFault(SvcECS, Fault{ErrorRate: 1})
	var se *types.ServerException
	if err := h.listClusters(); !errors.As(err, &se) || se.ErrorFault() != smithy.FaultServer {
		t.Fatalf("5xx: %v", err)
	}

	h.w.SetFault(SvcECS, Fault{DenyRate: 1})
	if err := h.listClusters(); !isCode[*types.AccessDeniedException](err) {
		t.Fatalf("deny: %v", err)
	}

	h.w.SetFault(SvcECS, Fault{DropRate: 1})
	err := h.listClusters()
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("drop should be a transport error, got %v", err)
	}

	h.w.SetFault(SvcECS, Fault{MalformedRate: 1})
	err = h.listClusters()
	var de *smithy.DeserializationError
	if !errors.As(err, &de) {
		t.Fatalf("malformed: %T %v", err, err)
	}

	h.w.SetFault(SvcECS, Fault{Latency: 150 * time.Millisecond})
	start := time.Now()
	if err := h.listClusters(); err != nil || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("latency: %v after %v", err, time.Since(start))
	}
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := h.ecs.ListClusters(ctx, &ecs.ListClustersInput{}); err == nil {
		t.Fatal("a client deadline shorter than the latency should fail")
	}

	h.w.SetFault(SvcECS, Fault{})
	if err := h.listClusters(); err != nil {
		t.Fatalf("after clearing: %v", err)
	}
	if n := h.w.Requests()["ecs:ListClusters"]; n != 8 {
		t.Fatalf("counted %d ListClusters, want 8 (faulted ones included)", n)
	}
	h.w.ResetRequests()
	if len(h.w.Requests()) != 0 {
		t.Fatal("ResetRequests left counts")
	}
}

func TestFaultUntilAndOtherServices(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	h.w.SetFault(SvcECS, Fault{ThrottleRate: 1, Until: t0.Add(time.Minute)})
	h.w.SetFault(SvcGitHub, Fault{ErrorRate: 1})
	if err := h.listClusters(); err == nil {
		t.Fatal("fault not applied")
	}
	h.clk.Set(t0.Add(time.Minute))
	if err := h.listClusters(); err != nil {
		t.Fatalf("fault outlived its Until: %v", err)
	}
	if _, ok := h.w.Faults()[SvcECS]; ok {
		t.Fatal("expired fault still listed")
	}
	// "*" reaches every backend without its own fault.
	h.w.SetFault(AllServices, Fault{ThrottleRate: 1})
	if err := h.listClusters(); err == nil {
		t.Fatal("* did not reach ecs")
	}
}

func TestFaultRatesAreRepeatable(t *testing.T) {
	pattern := func() string {
		h := newHarness(t, Options{Seed: 99, Scenario: ScenarioEmpty})
		h.w.SetFault(SvcECS, Fault{ThrottleRate: 0.5})
		var b strings.Builder
		for i := 0; i < 40; i++ {
			if h.listClusters() != nil {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b := pattern(), pattern()
	if a != b {
		t.Fatalf("same seed, different fault pattern:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, "x"); n < 10 || n > 30 {
		t.Fatalf("rate 0.5 failed %d of 40: %s", n, a)
	}
}

// TestFaultShapesPerProtocol checks the throttle answer of every protocol.
func TestFaultShapesPerProtocol(t *testing.T) {
	h := newHarness(t, Options{Seed: 1, Scenario: ScenarioEmpty})
	h.w.SetFault(AllServices, Fault{ThrottleRate: 1})

	form := url.Values{"Action": {"DescribeEnvironments"}, "Version": {"2010-12-01"}}
	resp, body := post(t, h.srv.URL+"/", "application/x-www-form-urlencoded", form.Encode(), nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "<Code>Throttling</Code>") || !strings.Contains(body, "<RequestId>") {
		t.Fatalf("awsQuery throttle: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, h.srv.URL+cloudwatch.PathPrefix+"GetMetricData", "application/cbor", string(cbor.Encode(cbor.Map{})), map[string]string{"Smithy-Protocol": "rpc-v2-cbor"})
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-Query-Error") != "Throttling;Sender" || resp.Header.Get("Content-Type") != "application/cbor" {
		t.Fatalf("cbor throttle: %d %v", resp.StatusCode, resp.Header)
	}
	v, err := cbor.Decode([]byte(body))
	if m, ok := v.(cbor.Map); err != nil || !ok || m["__type"] != cbor.String("com.amazonaws.cloudwatch#Throttling") {
		t.Fatalf("cbor body %#v, %v", v, err)
	}
	resp, body = get(t, h.srv.URL+"/api/v2/project/gh/acme/api/pipeline")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"message"`) {
		t.Fatalf("circleci throttle: %d %s", resp.StatusCode, body)
	}
	// GitHub's throttle is its secondary limit: go-github tells it from
	// the primary one by the documentation_url and a remaining budget.
	resp, body = get(t, h.srv.URL+"/repos/acme/api/actions/runs")
	if resp.StatusCode != 403 || resp.Header.Get("Retry-After") != "1" || resp.Header.Get("X-RateLimit-Remaining") == "0" ||
		resp.Header.Get("X-RateLimit-Reset") == "" || !strings.Contains(body, `secondary-rate-limits"`) {
		t.Fatalf("github throttle: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if n := h.w.Requests(); n["beanstalk:DescribeEnvironments"] != 1 || n["cloudwatch:GetMetricData"] != 1 {
		t.Fatalf("counts %v", n)
	}
}

func post(t *testing.T, u, ctype, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// A lost answer (LoseRate) differs from a dropped request (DropRate) only
// in the world: both leave the client with a transport error and no
// answer, but a lost call went through.

// lost sends a request whose answer must be lost: no response, a
// transport error. It returns that error.
func (h *harness) lost(ctx context.Context, method, path, body string, hdr map[string]string) error {
	h.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, method, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		h.t.Fatalf("%s %s: answered %d, want no answer", method, path, resp.StatusCode)
	}
	return err
}

func TestLoseRateECSUpdateServiceGoesThrough(t *testing.T) {
	h := newHarness(t, Options{Seed: 3, Scenario: ScenarioEmpty})
	h.seedService(2, true, "aaaaaaa", "bbbbbbb")
	update := func() error {
		_, err := h.ecs.UpdateService(h.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("c1"), Service: aws.String("api"), TaskDefinition: aws.String("api:2")})
		return err
	}
	var ae smithy.APIError

	// Dropped: no answer, and no deploy.
	h.w.SetFault(SvcECS, Fault{DropRate: 1})
	if err := update(); err == nil || errors.As(err, &ae) {
		t.Fatalf("drop should be a transport error, got %v", err)
	}
	h.w.SetFault(SvcECS, Fault{})
	if s := h.service("c1", "api"); len(s.Deployments) != 1 || !strings.HasSuffix(*s.TaskDefinition, "api:1") {
		t.Fatalf("a dropped UpdateService deployed: %+v", s.Deployments)
	}

	// Lost (set the way a standalone user would): no answer, yet it deploys.
	resp, body := post(t, h.srv.URL+"/_sim/faults", "application/json", `{"service":"ecs","lose_rate":1}`, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"lose_rate":1`) {
		t.Fatalf("set: %d %s", resp.StatusCode, body)
	}
	if err := update(); err == nil || errors.As(err, &ae) {
		t.Fatalf("a lost answer should be a transport error, got %v", err)
	}
	h.w.SetFault(SvcECS, Fault{})
	s := h.service("c1", "api")
	d := deploymentOf(s, "api:2")
	if !strings.HasSuffix(*s.TaskDefinition, "api:2") || d == nil || *d.Status != "PRIMARY" ||
		d.RolloutState != types.DeploymentRolloutStateInProgress || len(s.Deployments) != 2 {
		t.Fatalf("the lost UpdateService did not deploy: %s %+v", *s.TaskDefinition, s.Deployments)
	}
	if n := h.w.Requests()["ecs:UpdateService"]; n != 2 {
		t.Fatalf("counted %d UpdateService, want 2", n)
	}
}

func TestLoseRateCircleCIApproveGoesThrough(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	log := specs.Check(t, h.w)
	_, wf := h.waitForJob("api", "hold-production", RunOnHold, 10*time.Minute)
	hold := jobNamed(h.jobs(wf.ID), "hold-production")

	h.w.SetFault(SvcCircleCI, Fault{LoseRate: 1})
	h.lost(h.ctx, "POST", "/api/v2/workflow/"+wf.ID+"/approve/"+hold.ApprovalRequestID, "", map[string]string{"Circle-Token": "sim"})
	h.w.SetFault(SvcCircleCI, Fault{})

	if j := jobNamed(h.jobs(wf.ID), "hold-production"); j.Status != "success" || j.ApprovedBy != circleci.UserID(apiUser) {
		t.Fatalf("the lost approval was not recorded: %+v", j)
	}
	if st := h.ciWorkflow(wf.ID).Status; st != "running" {
		t.Fatalf("workflow after the lost approval: %s", st)
	}
	// The approval was checked against the spec; its lost answer was not.
	req, resp := log.Checked(SvcCircleCI)
	if n := h.w.Requests(); req != countOf(n, "circleci:") || resp != req-1 {
		t.Fatalf("checked %d requests, %d responses of %v", req, resp, n)
	}
}

// The hang: with Latency, a lost answer is held after the server acted, so
// a client whose timeout is shorter gives up on a call that went through.
func TestLoseRateWithLatencyGitHubReviewGoesThrough(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	p, _ := h.waitForJob("web", "deploy-production", RunOnHold, time.Minute)

	h.w.SetFault(SvcGitHub, Fault{LoseRate: 1, Latency: 10 * time.Second})
	ctx, cancel := context.WithTimeout(h.ctx, 100*time.Millisecond)
	defer cancel()
	body := fmt.Sprintf(`{"environment_ids":[%d],"state":"approved","comment":"Ship it"}`, github.EnvironmentID("acme/web", "production"))
	start := time.Now()
	err := h.lost(ctx, "POST", runPath(p)+"/pending_deployments", body, map[string]string{"Authorization": "Bearer sim", "Accept": "application/vnd.github+json"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("want the client's timeout, got %v after %v", err, time.Since(start))
	}
	h.w.SetFault(SvcGitHub, Fault{})

	// The server acted before it started to hold the answer; on a slow
	// machine that may still be after the client's timeout, so wait for it.
	var approvals []github.Approval
	for deadline := time.Now().Add(5 * time.Second); len(approvals) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		approvals = ghJSON[[]github.Approval](h, "GET", runPath(p)+"/approvals", "", 200)
	}
	if len(approvals) != 1 || approvals[0].State != "approved" || approvals[0].Comment != "Ship it" {
		t.Fatalf("the timed-out review was not recorded: %+v", approvals)
	}
	if got := ghJSON[[]github.Pending](h, "GET", runPath(p)+"/pending_deployments", "", 200); len(got) != 0 {
		t.Fatalf("still pending: %+v", got)
	}
	if st := h.ghRun(p).Status; st != "in_progress" {
		t.Fatalf("run after the timed-out review: %s", st)
	}
}

func countOf(n map[string]int, prefix string) int {
	sum := 0
	for k, v := range n {
		if strings.HasPrefix(k, prefix) {
			sum += v
		}
	}
	return sum
}
