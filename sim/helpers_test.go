package sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/sim/speccheck"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// harness is a world on a test server with a fake clock and a real ECS client.
type harness struct {
	t   *testing.T
	w   *World
	clk *fakeclock.Clock
	srv *httptest.Server
	ecs *ecs.Client
	ctx context.Context
}

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	clk := fakeclock.New(t0)
	if o.Clock == nil {
		o.Clock = clk
	}
	w := New(o)
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, w: w, clk: clk, srv: srv, ecs: ecsClient(srv.URL), ctx: context.Background()}
}

func ecsClient(url string) *ecs.Client {
	return ecs.New(ecs.Options{
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
		BaseEndpoint: aws.String(url),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   HTTPClient(),
	})
}

// advance moves the clock by d in steps of every, stepping the world each time.
func (h *harness) advance(d, every time.Duration) {
	end := h.clk.Now().Add(d)
	for now := h.clk.Now(); now.Before(end); {
		now = now.Add(every)
		if now.After(end) {
			now = end
		}
		h.clk.Set(now)
		h.w.Step(now)
	}
}

// until steps the world in small increments until cond holds or limit passes.
func (h *harness) until(limit time.Duration, cond func() bool) bool {
	h.t.Helper()
	end := h.clk.Now().Add(limit)
	for h.clk.Now().Before(end) {
		if cond() {
			return true
		}
		h.advance(250*time.Millisecond, 250*time.Millisecond)
	}
	return cond()
}

func (h *harness) service(cluster, name string) types.Service {
	h.t.Helper()
	out, err := h.ecs.DescribeServices(h.ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}})
	if err != nil {
		h.t.Fatalf("DescribeServices %s/%s: %v", cluster, name, err)
	}
	if len(out.Services) != 1 {
		h.t.Fatalf("DescribeServices %s/%s: %d services, failures %+v", cluster, name, len(out.Services), out.Failures)
	}
	return out.Services[0]
}

func (h *harness) serviceDeployment(arn string) types.ServiceDeployment {
	h.t.Helper()
	out, err := h.ecs.DescribeServiceDeployments(h.ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
	if err != nil {
		h.t.Fatalf("DescribeServiceDeployments: %v", err)
	}
	if len(out.ServiceDeployments) != 1 {
		h.t.Fatalf("DescribeServiceDeployments %s: failures %+v", arn, out.Failures)
	}
	return out.ServiceDeployments[0]
}

// send makes a request to the sim with the given headers (a JSON body gets
// its Content-Type) and reads the answer.
func (h *harness) send(method, path, body string, hdr map[string]string) (int, http.Header, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// decodeAs wants status and decodes the answer into T.
func decodeAs[T any](h *harness, what string, code, status int, b []byte) T {
	h.t.Helper()
	if code != status {
		h.t.Fatalf("%s: %d, want %d: %s", what, code, status, b)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		h.t.Fatalf("%s: %v in %s", what, err, b)
	}
	return v
}

// wantViolations fails t if an answer broke its spec, or if the request
// broke it when it should not have (or did not when it should have).
func wantViolations(t *testing.T, log *speccheck.Log, badRequest bool) {
	t.Helper()
	var reqV, respV []string
	for _, v := range log.Violations() {
		if v.Response {
			respV = append(respV, v.String())
		} else {
			reqV = append(reqV, v.String())
		}
	}
	if len(respV) > 0 {
		t.Errorf("response breaks the spec: %v", respV)
	}
	if badRequest != (len(reqV) > 0) {
		t.Errorf("request violations %v, want some: %v", reqV, badRequest)
	}
}

// The ECS wire facts the tests pin, spelled as ECS spells them (not read
// from package sim/ecs, so that a change there shows here).
const (
	ecsTargetPrefix = "AmazonEC2ContainerServiceV20141113."
	breakerReason   = "ECS deployment circuit breaker: tasks failed to start."
)
