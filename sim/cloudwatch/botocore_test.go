package cloudwatch_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/sim/cloudwatch"
)

// botocoreResult is a MetricDataResult as botocore parsed it.
type botocoreResult struct {
	ID         string    `json:"Id"`
	Label      string    `json:"Label"`
	StatusCode string    `json:"StatusCode"`
	Timestamps []float64 `json:"Timestamps"`
	Values     []float64 `json:"Values"`
}

// TestBotocoreParsesTheAnswers: botocore 1.43 (its CloudWatch model speaks
// smithy-rpc-v2-cbor) sends GetMetricData to the part and parses the
// answers, the paginated ones and the errors. Skipped only where python3
// or botocore is missing and FLIGHTDECK_REQUIRE_MOTO is unset.
func TestBotocoreParsesTheAnswers(t *testing.T) {
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_MOTO") != "" {
			t.Fatalf("python3 with botocore is required (FLIGHTDECK_REQUIRE_MOTO is set): %v", err)
		}
		t.Skipf("python3 with botocore not available: %v", err)
	}
	pt := cloudwatch.NewStandalone(func() time.Time { return t0 })
	pt.Locked(func() {
		pt.SetTraffic(cloudwatch.TrafficFunc(fakeTraffic))
		pt.Publish(lbARN, tgA)
	})
	srv := newServer(t, pt)
	from, to := t0.Add(-15*time.Minute), t0
	cmd := exec.Command("python3", "testdata/botocore_reads.py", srv, fmt.Sprint(from.Unix()), fmt.Sprint(to.Unix()), lbDim, tgADim)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	raw, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("botocore: %v\n%s", err, stderr)
	}
	var got struct {
		Protocol  string             `json:"protocol"`
		Results   []botocoreResult   `json:"results"`
		Messages  []any              `json:"messages"`
		RequestID string             `json:"request_id"`
		Pages     [][]botocoreResult `json:"pages"`
		Errors    map[string]*struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Status  int    `json:"status"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if got.Protocol != "smithy-rpc-v2-cbor" || got.RequestID == "" || got.Messages == nil {
		t.Errorf("protocol %q, request id %q, messages %v", got.Protocol, got.RequestID, got.Messages)
	}
	if len(got.Results) != 4 {
		t.Fatalf("results: %+v", got.Results)
	}
	for _, r := range got.Results {
		if r.StatusCode != "Complete" || len(r.Timestamps) != len(r.Values) || r.Label == "" {
			t.Errorf("%+v", r)
		}
		for i, ts := range r.Timestamps {
			m := time.Unix(int64(ts), 0).UTC()
			req, errs, p99, _ := fakeTraffic(tgA, m)
			want := map[string]float64{"req": req, "err": errs, "p99": p99}[r.ID]
			if r.ID != "avg" && (want-r.Values[i] > 1e-9 || r.Values[i]-want > 1e-9) {
				t.Errorf("%s at %v: %v, want %v", r.ID, m, r.Values[i], want)
			}
		}
	}
	if got.Results[0].ID != "req" || len(got.Results[0].Values) != 11 {
		t.Errorf("req: %+v", got.Results[0])
	}
	var paged []float64
	for i, p := range got.Pages {
		if len(p) != 1 || len(p[0].Values) > 3 || (i < len(got.Pages)-1) != (p[0].StatusCode == "PartialData") {
			t.Errorf("page %d: %+v", i, p)
		}
		paged = append(paged, p[0].Timestamps...)
	}
	if len(got.Pages) != 4 || len(paged) != 11 {
		t.Errorf("%d pages, %d datapoints", len(got.Pages), len(paged))
	}
	for name, want := range map[string]string{"period": "ValidationError", "stat": "ValidationError", "token": "InvalidNextToken"} {
		e := got.Errors[name]
		if e == nil || e.Code != want || e.Status != 400 || !strings.Contains(e.Message, "") {
			t.Errorf("%s: %+v, want %s", name, e, want)
		}
	}
	if !strings.Contains(got.Errors["period"].Message, "multiple of 60") {
		t.Errorf("period: %+v", got.Errors["period"])
	}
}
