package cloudwatch

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

var simT0 = time.Date(2026, 11, 21, 10, 0, 30, 0, time.UTC) // half a minute into 10:00

const (
	lbARN     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
	stableARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067"
	canaryARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/2453ed029918f21f"
)

// counting is an HTTP client that counts calls and the bytes answered.
type counting struct {
	calls, bytes atomic.Int64
}

func (c *counting) client() *http.Client {
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil {
			c.calls.Add(1)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			c.bytes.Add(int64(len(body)))
			resp.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		return resp, err
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// startSim is an empty world whose CloudWatch publishes both groups of
// the load balancer, drawn from tr, and a client of it.
func startSim(t testing.TB, tr cloudwatch.Traffic) (*simtest.Server, *Client, *counting) {
	t.Helper()
	srv := simtest.Start(t, simT0, sim.Options{Seed: 1, Scenario: sim.ScenarioEmpty})
	srv.World.SetCloudWatchTraffic(tr, map[string]string{stableARN: lbARN, canaryARN: lbARN})
	cnt := &counting{}
	c, err := New(context.Background(), Options{Region: "us-east-1", EndpointURL: srv.URL, Anonymous: true, HTTPClient: cnt.client()})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, cnt
}

// split is 90/10 at 1,000 requests a minute, both sides healthy.
func split(seed uint64, canary cloudwatch.Behaviour) cloudwatch.WeightedTraffic {
	return cloudwatch.WeightedTraffic{Seed: seed, PerMinute: 1000,
		Weight:    cloudwatch.Fixed(map[string]float64{stableARN: 0.9, canaryARN: 0.1}),
		Behaviour: map[string]cloudwatch.Behaviour{canaryARN: canary}}
}

// TestOnePollOneCall: one GetMetricData call reads both sides; each
// side's series are the traffic's minutes, oldest first, the counts their
// sums, the 5xx series 0 where the ALB published no 5xx.
func TestOnePollOneCall(t *testing.T) {
	tr := split(3, cloudwatch.Healthy)
	srv, c, cnt := startSim(t, tr)
	stable, canary, err := c.Sides(context.Background(), lbARN, stableARN, canaryARN, Window, simT0)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.World.Requests()["cloudwatch:GetMetricData"]; n != 1 || cnt.calls.Load() != 1 {
		t.Fatalf("%d GetMetricData calls (%d over HTTP), want 1", n, cnt.calls.Load())
	}
	t.Logf("one poll: 1 call, %d bytes answered", cnt.bytes.Load())
	if cnt.bytes.Load() > 8<<10 {
		t.Errorf("the answer is %d bytes", cnt.bytes.Load())
	}
	start := time.Date(2026, 11, 21, 9, 45, 0, 0, time.UTC)
	for _, tc := range []struct {
		side model.CanarySide
		arn  string
		name string
	}{{stable, stableARN, "web-blue"}, {canary, canaryARN, "web-green"}} {
		s := tc.side
		if s.NoData || s.Target != tc.name || len(s.RequestSeries) != 15 || len(s.ErrorSeries) != 15 || len(s.LatencySeries) != 15 {
			t.Fatalf("%s: %+v", tc.name, s)
		}
		var reqs, errs float64
		for i := range 15 {
			r, e, p99, ok := tr.Traffic(tc.arn, start.Add(time.Duration(i)*time.Minute))
			if !ok {
				t.Fatalf("%s minute %d: no traffic", tc.name, i)
			}
			reqs, errs = reqs+r, errs+e
			if s.RequestSeries[i] != r || s.ErrorSeries[i] != e || math.Abs(s.LatencySeries[i]-p99) > 1e-9 {
				t.Errorf("%s minute %d: %v %v %v, want %v %v %v", tc.name, i, s.RequestSeries[i], s.ErrorSeries[i], s.LatencySeries[i], r, e, p99)
			}
		}
		if s.Requests != int64(reqs) || s.Errors5xx != int64(errs) {
			t.Errorf("%s: %d requests %d 5xx, want %v %v", tc.name, s.Requests, s.Errors5xx, reqs, errs)
		}
		lo, hi := minMax(s.LatencySeries)
		if s.P99 < lo || s.P99 > hi {
			t.Errorf("%s: window p99 %v outside the minutes' %v..%v", tc.name, s.P99, lo, hi)
		}
	}
	if canary.Requests < 1000 || stable.Requests < 9*canary.Requests/2 {
		t.Errorf("the split: stable %d, canary %d", stable.Requests, canary.Requests)
	}
	if zeros := count(canary.ErrorSeries, 0); zeros == 0 {
		t.Errorf("a 10%% canary at 0.2%% 5xx has minutes without a 5xx: %v", canary.ErrorSeries)
	}
}

func minMax(xs []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

func count(xs []float64, v float64) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

// TestNoData: a side with no traffic at all is NoData (not zero traffic)
// with NaN minutes; a side that starts mid-window has NaN before it. The
// canary is named by its listener, as the config names it.
func TestNoData(t *testing.T) {
	start := time.Date(2026, 11, 21, 9, 45, 0, 0, time.UTC)
	tr := cloudwatch.WeightedTraffic{Seed: 1, PerMinute: 1000, Weight: func(tg string, m time.Time) float64 {
		if tg == stableARN && !m.Before(start.Add(10*time.Minute)) {
			return 1
		}
		return 0
	}}
	_, c, _ := startSim(t, tr)
	listener := "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	stable, canary, err := c.Sides(context.Background(), listener, stableARN, canaryARN, Window, simT0)
	if err != nil {
		t.Fatal(err)
	}
	if !canary.NoData || canary.Requests != 0 || count(canary.RequestSeries, 0) != 0 || canary.P99 != 0 {
		t.Errorf("canary: %+v", canary)
	}
	for i, v := range canary.RequestSeries {
		if !math.IsNaN(v) || !math.IsNaN(canary.LatencySeries[i]) || !math.IsNaN(canary.ErrorSeries[i]) {
			t.Fatalf("canary minute %d: %v", i, v)
		}
	}
	if stable.NoData || stable.Requests == 0 {
		t.Fatalf("stable: %+v", stable)
	}
	for i, v := range stable.RequestSeries {
		if (i < 10) != math.IsNaN(v) || (i < 10) != math.IsNaN(stable.ErrorSeries[i]) {
			t.Errorf("stable minute %d: %v / %v", i, v, stable.ErrorSeries[i])
		}
	}
}

// TestErrorsAreSentinels: a throttle, a denial and a server error reach
// the caller as the providers' sentinels, the sides NoData.
func TestErrorsAreSentinels(t *testing.T) {
	srv, c, _ := startSim(t, split(1, cloudwatch.Healthy))
	for _, tc := range []struct {
		fault sim.Fault
		is    error
	}{
		{sim.Fault{ThrottleRate: 1}, providers.ErrThrottled},
		{sim.Fault{DenyRate: 1}, providers.ErrAuth},
		{sim.Fault{ErrorRate: 1}, nil},
	} {
		srv.World.SetFault(sim.SvcCloudWatch, tc.fault)
		stable, canary, err := c.Sides(context.Background(), lbARN, stableARN, canaryARN, Window, simT0)
		if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !stable.NoData || !canary.NoData || canary.Requests != 0 {
			t.Errorf("%+v: %v, %+v %+v", tc.fault, err, stable, canary)
		}
		if tc.is == nil && (errors.Is(err, providers.ErrRejected) || !strings.Contains(err.Error(), "InternalServiceFault")) {
			t.Errorf("a 500: %v", err)
		}
	}
	srv.World.SetFault(sim.SvcCloudWatch, sim.Fault{})
	before := srv.World.Requests()["cloudwatch:GetMetricData"]
	if _, _, err := c.Sides(context.Background(), "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/n/1", stableARN, canaryARN, Window, simT0); err == nil || !strings.Contains(err.Error(), "Application Load Balancer") {
		t.Errorf("a network load balancer: %v", err)
	}
	if _, _, err := c.Sides(context.Background(), lbARN, stableARN, stableARN, Window, simT0); err == nil {
		t.Error("the same group twice")
	}
	if after := srv.World.Requests()["cloudwatch:GetMetricData"]; after != before {
		t.Errorf("bad ARNs were sent: %d calls", after-before)
	}
}

// TestIncompleteIsSaid: a StatusCode other than Complete is an error that
// names it and CloudWatch's message, never zero traffic; Forbidden is also
// ErrAuth.
func TestIncompleteIsSaid(t *testing.T) {
	srv, c := startStandalone(t, split(1, cloudwatch.Healthy))
	for _, status := range []string{"InternalError", "PartialData", "Forbidden"} {
		srv.Locked(func() { srv.SetStatus(status, "something went wrong \x1b[31m") })
		stable, canary, err := c.Sides(context.Background(), lbARN, stableARN, canaryARN, Window, simT0)
		if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), status) || !strings.Contains(err.Error(), "something went wrong") ||
			!stable.NoData || !canary.NoData || stable.Requests != 0 || (status == "Forbidden") != errors.Is(err, providers.ErrAuth) {
			t.Errorf("%s: %v, %+v", status, err, canary)
		}
	}
}
