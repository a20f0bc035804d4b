package cloudwatch_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/airside-dev/flightdeck/sim/cloudwatch"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

const (
	lbARN  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
	tgA    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067"
	tgB    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/2453ed029918f21f"
	lbDim  = "app/web/50dc6c495c0c9188"
	tgADim = "targetgroup/web-blue/73e2d6bc24d8a067"
)

// fakeTraffic: group A has 100+i requests in minute i of the hour, i%3
// errors and a p99 of (i+1)/10 s; every fourth minute is quiet.
func fakeTraffic(tg string, m time.Time) (float64, float64, float64, bool) {
	i := float64(m.Minute())
	if tg != tgA || m.Minute()%4 == 3 {
		return 0, 0, 0, false
	}
	return 100 + i, float64(m.Minute() % 3), (i + 1) / 10, true
}

// start serves a standalone part at t0 with fakeTraffic published for A
// and B under the load balancer.
func start(t *testing.T, tr cloudwatch.Traffic) (*cloudwatch.Part, *cw.Client) {
	t.Helper()
	pt := cloudwatch.NewStandalone(func() time.Time { return t0 })
	pt.Locked(func() {
		pt.SetTraffic(tr)
		pt.Publish(lbARN, tgA)
		pt.Publish(lbARN, tgB)
	})
	srv := httptest.NewServer(pt.Handler())
	t.Cleanup(srv.Close)
	return pt, cw.New(cw.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{}})
}

func metricQuery(id, metric, stat string, period int32, tgDim string) types.MetricDataQuery {
	return types.MetricDataQuery{Id: aws.String(id), MetricStat: &types.MetricStat{
		Metric: &types.Metric{Namespace: aws.String(cloudwatch.ALBNamespace), MetricName: aws.String(metric),
			Dimensions: []types.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(lbDim)},
				{Name: aws.String("TargetGroup"), Value: aws.String(tgDim)}}},
		Period: aws.Int32(period), Stat: aws.String(stat)}}
}

func window(q ...types.MetricDataQuery) *cw.GetMetricDataInput {
	return &cw.GetMetricDataInput{StartTime: aws.Time(t0.Add(-15 * time.Minute)), EndTime: aws.Time(t0),
		MetricDataQueries: q, ScanBy: types.ScanByTimestampAscending}
}

// TestSDKReadsEveryStatistic: the Go SDK (rpcv2Cbor) reads each metric's
// statistics, which equal what the traffic says, minute by minute; quiet
// minutes have no datapoint, nor minutes without 5xx in the 5xx count.
func TestSDKReadsEveryStatistic(t *testing.T) {
	_, c := start(t, cloudwatch.TrafficFunc(fakeTraffic))
	out, err := c.GetMetricData(context.Background(), window(
		metricQuery("req", cloudwatch.MetricRequestCount, "Sum", 60, tgADim),
		metricQuery("err", cloudwatch.MetricTarget5XX, "Sum", 60, tgADim),
		metricQuery("p99", cloudwatch.MetricResponseTime, "p99", 60, tgADim),
		metricQuery("avg", cloudwatch.MetricResponseTime, "Average", 60, tgADim),
		metricQuery("win", cloudwatch.MetricResponseTime, "p99", 900, tgADim),
		metricQuery("b", cloudwatch.MetricRequestCount, "Sum", 60, "targetgroup/web-green/2453ed029918f21f"),
		metricQuery("sum5", cloudwatch.MetricRequestCount, "Sum", 300, tgADim),
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricDataResults) != 7 || out.NextToken != nil {
		t.Fatalf("results %d, token %v", len(out.MetricDataResults), out.NextToken)
	}
	byID := map[string]types.MetricDataResult{}
	for _, r := range out.MetricDataResults {
		if r.StatusCode != types.StatusCodeComplete || len(r.Timestamps) != len(r.Values) {
			t.Fatalf("%s: %s, %d timestamps, %d values", *r.Id, r.StatusCode, len(r.Timestamps), len(r.Values))
		}
		byID[*r.Id] = r
	}
	if n := len(byID["req"].Values); n != 11 { // 45..59, less 47, 51, 55, 59
		t.Fatalf("req has %d datapoints: %v", n, byID["req"].Timestamps)
	}
	for i, ts := range byID["req"].Timestamps {
		want, errs, p99, _ := fakeTraffic(tgA, ts)
		if byID["req"].Values[i] != want {
			t.Errorf("req at %v: %v, want %v", ts, byID["req"].Values[i], want)
		}
		if got := byID["p99"].Values[i]; math.Abs(got-p99) > 1e-9 {
			t.Errorf("p99 at %v: %v, want %v", ts, got, p99)
		}
		avg := byID["avg"].Values[i]
		if !(avg < p99/3 && avg > p99/5) {
			t.Errorf("average %v for p99 %v: not a web service's tail", avg, p99)
		}
		_ = errs
	}
	for i, ts := range byID["err"].Timestamps {
		_, errs, _, _ := fakeTraffic(tgA, ts)
		if errs == 0 || byID["err"].Values[i] != errs {
			t.Errorf("5xx at %v: %v, want %v (and none where 0)", ts, byID["err"].Values[i], errs)
		}
	}
	if w := byID["win"]; len(w.Values) != 1 || !w.Timestamps[0].Equal(t0.Add(-15*time.Minute)) ||
		w.Values[0] < 4.6 || w.Values[0] > 6.0 {
		t.Errorf("window p99 %v at %v: want one value between the minutes' p99s (4.6..6.0)", w.Values, w.Timestamps)
	}
	if s5 := byID["sum5"]; len(s5.Values) != 3 {
		t.Errorf("five-minute sums: %v", s5.Values)
	} else {
		for i, ts := range s5.Timestamps {
			var want float64
			for m := ts; m.Before(ts.Add(5 * time.Minute)); m = m.Add(time.Minute) {
				r, _, _, _ := fakeTraffic(tgA, m)
				want += r
			}
			if s5.Values[i] != want {
				t.Errorf("five minutes from %v: %v, want %v", ts, s5.Values[i], want)
			}
		}
	}
	if len(byID["b"].Values) != 0 {
		t.Errorf("group B had no traffic and has %v", byID["b"].Values)
	}
}

// TestWhatIsNotPublishedHasNoData: another namespace, a dimension fewer,
// another unit, an unknown metric, the future and sub-minute periods are
// empty, Complete, no error (CloudWatch knows only what was published).
func TestWhatIsNotPublishedHasNoData(t *testing.T) {
	_, c := start(t, cloudwatch.TrafficFunc(fakeTraffic))
	ns := metricQuery("ns", cloudwatch.MetricRequestCount, "Sum", 60, tgADim)
	ns.MetricStat.Metric.Namespace = aws.String("AWS/NetworkELB")
	one := metricQuery("one", cloudwatch.MetricRequestCount, "Sum", 60, tgADim)
	one.MetricStat.Metric.Dimensions = one.MetricStat.Metric.Dimensions[1:]
	unit := metricQuery("unit", cloudwatch.MetricResponseTime, "Average", 60, tgADim)
	unit.MetricStat.Unit = types.StandardUnitMilliseconds
	in := window(ns, one, unit, metricQuery("unknown", "HealthyHostCount", "Average", 60, tgADim),
		metricQuery("hires", cloudwatch.MetricRequestCount, "Sum", 10, tgADim))
	out, err := c.GetMetricData(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.MetricDataResults {
		if r.StatusCode != types.StatusCodeComplete || len(r.Values) != 0 {
			t.Errorf("%s: %s %v", *r.Id, r.StatusCode, r.Values)
		}
	}
	in = window(metricQuery("future", cloudwatch.MetricRequestCount, "Sum", 60, tgADim))
	in.StartTime, in.EndTime = aws.Time(t0.Add(-2*time.Minute)), aws.Time(t0.Add(time.Hour)) // 9:58 has traffic, 9:59 none
	out, err = c.GetMetricData(context.Background(), in)
	if err != nil || len(out.MetricDataResults[0].Values) != 1 {
		t.Fatalf("only the last whole minute is published: %v %v", out.MetricDataResults[0].Timestamps, err)
	}
}

// TestPaging: MaxDatapoints splits the answer; the paginator's pages hold
// every datapoint once, newest first by default, PartialData until the
// last page; a token from another request is InvalidNextToken.
func TestPaging(t *testing.T) {
	_, c := start(t, cloudwatch.TrafficFunc(fakeTraffic))
	in := window(metricQuery("req", cloudwatch.MetricRequestCount, "Sum", 60, tgADim),
		metricQuery("p99", cloudwatch.MetricResponseTime, "p99", 60, tgADim))
	in.ScanBy = "" // CloudWatch's default: newest first
	in.MaxDatapoints = aws.Int32(4)
	p := cw.NewGetMetricDataPaginator(c, in)
	var pages int
	var got []time.Time
	var lastToken *string
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n := 0
		for _, r := range out.MetricDataResults {
			n += len(r.Values)
			if *r.Id == "req" {
				got = append(got, r.Timestamps...)
			}
			if partial := r.StatusCode == types.StatusCodePartialData; partial != (out.NextToken != nil && *r.Id == "p99") &&
				!(out.NextToken != nil && *r.Id == "req" && partial) {
				t.Errorf("page %d %s: %s with token %v", pages, *r.Id, r.StatusCode, out.NextToken != nil)
			}
		}
		if n > 4 {
			t.Errorf("page %d has %d datapoints", pages, n)
		}
		if out.NextToken != nil {
			lastToken = out.NextToken
		}
	}
	if pages != 6 || len(got) != 11 { // 22 datapoints, 4 a page
		t.Fatalf("%d pages, req %v", pages, got)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].Before(got[i-1]) {
			t.Fatalf("not newest first: %v", got)
		}
	}
	other := window(metricQuery("req", cloudwatch.MetricRequestCount, "Sum", 300, tgADim))
	other.NextToken = lastToken
	_, err := c.GetMetricData(context.Background(), other)
	if code(err) != "InvalidNextToken" {
		t.Fatalf("a foreign token: %v", err)
	}
	var nt *types.InvalidNextToken
	if !errors.As(err, &nt) {
		t.Fatalf("not the modeled error: %T", err)
	}
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestValidation: CloudWatch's refusals, through the SDK where it sends
// them and as raw CBOR where the SDK refuses first.
func TestValidation(t *testing.T) {
	_, c := start(t, cloudwatch.TrafficFunc(fakeTraffic))
	ctx := context.Background()
	q := metricQuery("req", cloudwatch.MetricRequestCount, "Sum", 60, tgADim)
	many := make([]types.MetricDataQuery, 501)
	for i := range many {
		many[i] = q
	}
	bad := func(period int32, stat string) types.MetricDataQuery {
		return metricQuery("q", cloudwatch.MetricRequestCount, stat, period, tgADim)
	}
	same := window(q)
	same.EndTime = same.StartTime
	for _, tc := range []struct {
		in         *cw.GetMetricDataInput
		code, want string
	}{
		{window(bad(90, "Sum")), "ValidationError", "MetricDataQueries.member.1.MetricStat.Period must be a multiple of 60."},
		{window(q, bad(45, "Sum")), "ValidationError", "MetricDataQueries.member.2.MetricStat.Period must be a value in the set [ 1, 5, 10, 20, 30 ]"},
		{window(bad(60, "p99.9x"), bad(60, "Median")), "ValidationError", "The value p99.9x for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid statistic.\nThe value Median for parameter MetricDataQueries.member.2.MetricStat.Stat is not a valid statistic."},
		{window(many...), "ValidationError", "The collection MetricDataQueries must not have a size greater than 500."},
		{same, "ValidationError", "The parameter StartTime must not equal parameter EndTime."},
	} {
		_, err := c.GetMetricData(ctx, tc.in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || !strings.Contains(ae.ErrorMessage(), tc.want) || ae.ErrorFault() != smithy.FaultClient {
			t.Errorf("want %s %q, got %v", tc.code, tc.want, err)
		}
	}
	// The SDK checks required members itself; other clients may not.
	pt := cloudwatch.NewStandalone(func() time.Time { return t0 })
	srv := httptest.NewServer(pt.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		body       cbor.Map
		code, want string
	}{
		{cbor.Map{"EndTime": &cbor.Tag{ID: 1, Value: cbor.Float64(1)}}, "MissingParameter", "The parameter StartTime is required."},
		{cbor.Map{"StartTime": &cbor.Tag{ID: 1, Value: cbor.Uint(1)}, "EndTime": &cbor.Nil{}}, "MissingParameter", "The parameter EndTime is required."},
		{cbor.Map{"StartTime": cbor.String("yesterday"), "EndTime": &cbor.Tag{ID: 1, Value: cbor.Float64(1)}}, "SerializationException", "StartTime"},
	} {
		resp, err := http.Post(srv.URL+cloudwatch.PathPrefix+"GetMetricData", "application/cbor", bytes.NewReader(cbor.Encode(tc.body)))
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		v, err := cbor.Decode(body.Bytes())
		m, _ := v.(cbor.Map)
		if err != nil || resp.StatusCode != 400 || resp.Header.Get("X-Amzn-Query-Error") != tc.code+";Sender" ||
			m["__type"] != cbor.String(cloudwatch.Namespace+"#"+tc.code) || !strings.Contains(string(m["message"].(cbor.String)), tc.want) {
			t.Errorf("%v: %d %v %v", tc.body, resp.StatusCode, resp.Header, m)
		}
	}
}

// TestTroubleIsSaid: a status set on the part reaches every result with
// its message; metric math and trimmed means say they are not simulated.
func TestTroubleIsSaid(t *testing.T) {
	pt, c := start(t, cloudwatch.TrafficFunc(fakeTraffic))
	math := types.MetricDataQuery{Id: aws.String("rate"), Expression: aws.String("100*err/req")}
	out, err := c.GetMetricData(context.Background(), window(math, metricQuery("tm", cloudwatch.MetricResponseTime, "tm99", 60, tgADim)))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.MetricDataResults {
		if r.StatusCode != types.StatusCodeInternalError || len(r.Messages) != 1 || !strings.Contains(*r.Messages[0].Value, "flightdeck sim") {
			t.Errorf("%s: %s %v", *r.Id, r.StatusCode, r.Messages)
		}
	}
	pt.Locked(func() { pt.SetStatus("Forbidden", "Authentication too complex to retrieve cross region data") })
	out, err = c.GetMetricData(context.Background(), window(metricQuery("req", cloudwatch.MetricRequestCount, "Sum", 60, tgADim)))
	if err != nil || out.MetricDataResults[0].StatusCode != types.StatusCodeForbidden || *out.MetricDataResults[0].Messages[0].Code != "Forbidden" {
		t.Fatalf("%v %+v", err, out)
	}
}

func newServer(t *testing.T, pt *cloudwatch.Part) string {
	srv := httptest.NewServer(pt.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestFinishedMinutesStay: a minute's datapoints, once read, do not move
// when the source would now say otherwise (a weight changed since); a new
// source starts afresh.
func TestFinishedMinutesStay(t *testing.T) {
	var extra float64
	pt, c := start(t, cloudwatch.TrafficFunc(func(tg string, m time.Time) (float64, float64, float64, bool) {
		r, e, p, ok := fakeTraffic(tg, m)
		return r + extra, e, p, ok
	}))
	read := func() float64 {
		out, err := c.GetMetricData(context.Background(), window(metricQuery("req", cloudwatch.MetricRequestCount, "Sum", 900, tgADim)))
		if err != nil || len(out.MetricDataResults[0].Values) != 1 {
			t.Fatalf("%v %+v", err, out)
		}
		return out.MetricDataResults[0].Values[0]
	}
	first := read()
	extra = 1000
	if again := read(); again != first {
		t.Errorf("read %v, then %v", first, again)
	}
	pt.Locked(func() {
		pt.SetTraffic(cloudwatch.TrafficFunc(func(tg string, m time.Time) (float64, float64, float64, bool) {
			r, e, p, ok := fakeTraffic(tg, m)
			return r + 1000, e, p, ok
		}))
	})
	if fresh := read(); fresh != first+11*1000 { // 11 minutes with traffic
		t.Errorf("a new source: %v, want %v", fresh, first+11000)
	}
}
