package beanstalk

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func testPart() *Part {
	l := loop.New(1, 1, t0)
	pt := New(l, "123456789012", "us-east-1")
	pt.AddVersion("shop", "shop-aaaaaaa", "first", "b", "k1", t0.Add(-3*time.Hour))
	pt.AddVersion("shop", "shop-bbbbbbb", "second", "b", "k2", t0.Add(-2*time.Hour))
	pt.AddEnvironment(EnvSpec{App: "shop", Name: "shop-staging", CNAME: "shop-staging", Label: "shop-aaaaaaa", Instances: 3, RPS: 5, At: t0.Add(-4 * time.Hour)})
	pt.Deployed("shop-staging", "shop-bbbbbbb", t0.Add(-time.Hour))
	return pt
}

func call(pt *Part, action string, v url.Values) *httptest.ResponseRecorder {
	if v == nil {
		v = url.Values{}
	}
	v.Set("Action", action)
	v.Set("Version", Version)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rw := httptest.NewRecorder()
	pt.Serve(rw, r, action)
	return rw
}

// Bad input is a client error in the awsQuery error shape, never a panic.
func TestBadInputIsAnAWSQueryError(t *testing.T) {
	pt := testPart()
	cases := []struct {
		action string
		v      url.Values
		code   string
	}{
		{"DescribeEnvironments", url.Values{"MaxRecords": {"abc"}}, "InvalidParameterValue"},
		{"DescribeEnvironments", url.Values{"MaxRecords": {"0"}}, "InvalidParameterValue"},
		{"DescribeEnvironments", url.Values{"NextToken": {"-1"}}, "InvalidParameterValue"},
		{"DescribeEvents", url.Values{"StartTime": {"yesterday"}}, "InvalidParameterValue"},
		{"DescribeEvents", url.Values{"Severity": {"LOUD"}}, "InvalidParameterValue"},
		{"DescribeEvents", url.Values{"NextToken": {strings.Repeat("9", 5000)}}, "InvalidParameterValue"},
		{"DescribeEnvironmentHealth", nil, "MissingParameter"},
		{"DescribeEnvironmentHealth", url.Values{"EnvironmentName": {"nope"}}, "InvalidParameterValue"},
		{"DescribeEnvironmentHealth", url.Values{"EnvironmentId": {"e-nope"}}, "InvalidParameterValue"},
		{"DescribeApplicationVersions", url.Values{"MaxRecords": {"99999999999999999999"}}, "InvalidParameterValue"},
		{"UpdateEnvironment", url.Values{"EnvironmentName": {"shop-staging"}, "VersionLabel": {"nope"}}, "InvalidParameterValue"},
		{"UpdateEnvironment", url.Values{"EnvironmentName": {"shop-staging"}}, "InvalidParameterValue"},
		{"UpdateEnvironment", url.Values{"VersionLabel": {"shop-aaaaaaa"}}, "MissingParameter"},
		{"AbortEnvironmentUpdate", url.Values{"EnvironmentName": {"shop-staging"}}, "InvalidParameterValue"},
		{"SwapEnvironmentCNAMEs", url.Values{"SourceEnvironmentName": {"shop-staging"}, "DestinationEnvironmentName": {"shop-staging"}}, "InvalidParameterValue"},
		{"SwapEnvironmentCNAMEs", url.Values{"SourceEnvironmentName": {"shop-staging"}}, "MissingParameter"},
		{"CreateApplicationVersion", url.Values{"ApplicationName": {"shop"}, "VersionLabel": {"shop-aaaaaaa"}}, "InvalidParameterValue"},
		{"CreateApplicationVersion", url.Values{"ApplicationName": {"nope"}, "VersionLabel": {"x"}}, "InvalidParameterValue"},
		{"CreateApplicationVersion", url.Values{"ApplicationName": {"shop"}}, "MissingParameter"},
		{"RebuildEnvironment", nil, "InvalidAction"},
	}
	for _, c := range cases {
		rw := call(pt, c.action, c.v)
		var e awsproto.QueryError
		if err := xml.Unmarshal(rw.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s %v: body %q is no awsQuery error: %v", c.action, c.v, rw.Body.String(), err)
		}
		if rw.Code != 400 || e.Error.Code != c.code || e.Error.Type != "Sender" || e.Error.Message == "" {
			t.Errorf("%s %v: %d %+v, want 400 %s", c.action, c.v, rw.Code, e.Error, c.code)
		}
	}
	// A body that is no form at all.
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("%zz"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rw := httptest.NewRecorder()
	pt.Serve(rw, r, "DescribeEvents")
	if rw.Code != 400 {
		t.Errorf("malformed form: %d %s", rw.Code, rw.Body.String())
	}
}

// DescribeEvents answers newest first, from StartTime on (inclusive),
// and pages with NextToken.
func TestDescribeEventsSinceAndPages(t *testing.T) {
	pt := testPart()
	var all struct {
		Result describeEventsResult `xml:"DescribeEventsResult"`
	}
	rw := call(pt, "DescribeEvents", url.Values{"EnvironmentName": {"shop-staging"}})
	if err := xml.Unmarshal(rw.Body.Bytes(), &all); err != nil || rw.Code != 200 {
		t.Fatalf("%d %s %v", rw.Code, rw.Body.String(), err)
	}
	evs := all.Result.Events
	if len(evs) < 8 || !strings.Contains(evs[0].Message, "completed successfully") {
		t.Fatalf("events %+v", evs)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].EventDate > evs[i-1].EventDate {
			t.Fatalf("not newest first at %d: %+v", i, evs)
		}
	}
	since := evs[2].EventDate
	var got struct {
		Result describeEventsResult `xml:"DescribeEventsResult"`
	}
	rw = call(pt, "DescribeEvents", url.Values{"EnvironmentName": {"shop-staging"}, "StartTime": {since}})
	xml.Unmarshal(rw.Body.Bytes(), &got)
	if len(got.Result.Events) != 3 {
		t.Errorf("since %s: %d events, want 3", since, len(got.Result.Events))
	}
	rw = call(pt, "DescribeEvents", url.Values{"EnvironmentName": {"shop-staging"}, "MaxRecords": {"2"}})
	got.Result = describeEventsResult{}
	xml.Unmarshal(rw.Body.Bytes(), &got)
	if len(got.Result.Events) != 2 || got.Result.NextToken != "2" {
		t.Errorf("page: %+v", got.Result)
	}
}

// An update rolls batch by batch on the loop; a second update while it
// runs is refused; the waiter hears how it ended.
func TestUpdateRollsInBatches(t *testing.T) {
	pt := testPart()
	var got []Outcome
	pt.loop.Lock()
	rid, e := pt.Update("shop-staging", "shop-aaaaaaa")
	if e != nil {
		t.Fatal(e)
	}
	pt.OnDone(rid, func(o Outcome) { got = append(got, o) })
	pt.loop.Unlock()
	if rw := call(pt, "UpdateEnvironment", url.Values{"EnvironmentName": {"shop-staging"}, "VersionLabel": {"shop-bbbbbbb"}}); rw.Code != 400 ||
		!strings.Contains(rw.Body.String(), "Must be Ready") {
		t.Errorf("second update: %d %s", rw.Code, rw.Body.String())
	}
	pt.loop.Lock()
	pt.loop.Advance(t0.Add(5 * time.Minute))
	pt.loop.Unlock()
	if len(got) != 1 || got[0] != Succeeded || pt.Label("shop-staging") != "shop-aaaaaaa" {
		t.Fatalf("outcomes %v, label %s", got, pt.Label("shop-staging"))
	}
	var starts int
	for _, ev := range pt.env("shop-staging").events {
		if strings.Contains(ev.msg, "Starting application deployment") && ev.label == "shop-aaaaaaa" {
			starts++
		}
	}
	if starts != 3 { // three instances, batches of one
		t.Errorf("%d batches, want 3", starts)
	}
}

// A bad version fails its first batch, the environment turns Red and is
// rolled back to the version before.
func TestBadVersionFailsAndRollsBack(t *testing.T) {
	pt := testPart()
	pt.loop.Lock()
	defer pt.loop.Unlock()
	pt.MarkBad("shop", "shop-aaaaaaa")
	rid, e := pt.Update("shop-staging", "shop-aaaaaaa")
	if e != nil {
		t.Fatal(e)
	}
	var got []Outcome
	pt.OnDone(rid, func(o Outcome) { got = append(got, o) })
	pt.loop.Advance(t0.Add(25 * time.Second))
	if en := pt.env("shop-staging"); en.color != ColorRed || en.status != StatusUpdating {
		t.Errorf("mid-failure: %s %s", en.color, en.status)
	}
	pt.loop.Advance(t0.Add(time.Minute))
	en := pt.env("shop-staging")
	if len(got) != 1 || got[0] != Failed || en.label != "shop-bbbbbbb" || en.status != StatusReady || en.color != ColorGreen {
		t.Fatalf("outcomes %v, env %s %s %s", got, en.label, en.status, en.color)
	}
	msgs := ""
	for _, ev := range en.events {
		msgs += ev.msg + "\n"
	}
	for _, want := range []string{"Failed to deploy application.", "Rolling back", "Rolled back to application version shop-bbbbbbb."} {
		if !strings.Contains(msgs, want) {
			t.Errorf("no event %q in\n%s", want, msgs)
		}
	}
}
