package cloudwatch

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim/cloudwatch"
)

// simAnswer is the sim's real answer to one poll, the fuzzers' seed.
func simAnswer(t testing.TB) []byte {
	pt := cloudwatch.NewStandalone(func() time.Time { return simT0 })
	pt.Locked(func() {
		pt.SetTraffic(split(5, cloudwatch.Healthy.ErrorsDrifting(0.002, simT0.Add(-10*time.Minute))))
		pt.Publish(lbARN, stableARN)
		pt.Publish(lbARN, canaryARN)
	})
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		pt.Handler().ServeHTTP(rec, r)
		body = rec.Body.Bytes()
		rw.Header().Set("Content-Type", "application/cbor")
		rw.Write(body)
	}))
	defer srv.Close()
	if _, _, err := newTestClient(srv.URL).Sides(context.Background(), lbARN, stableARN, canaryARN, Window, simT0); err != nil {
		t.Fatal(err)
	}
	return body
}

// withIntegers is v with every float made an integer (CBOR lets a server
// send 3 for 3.0).
func withIntegers(v cbor.Value) cbor.Value {
	switch x := v.(type) {
	case cbor.Map:
		for k, e := range x {
			x[k] = withIntegers(e)
		}
	case cbor.List:
		for i, e := range x {
			x[i] = withIntegers(e)
		}
	case cbor.Float64:
		return cbor.Uint(uint64(math.Abs(float64(x))))
	}
	return v
}

// FuzzAnswer: any body in place of GetMetricData's answer is read
// without a panic; what is read keeps the shape's promises.
func FuzzAnswer(f *testing.F) {
	seed := simAnswer(f)
	f.Add(seed)
	v, _ := cbor.Decode(seed)
	f.Add(cbor.Encode(withIntegers(v)))
	f.Add([]byte{})
	f.Add([]byte{0xa0})
	f.Add([]byte(`{"MetricDataResults":[]}`))
	var body atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/cbor")
		rw.Write(*body.Load())
	}))
	defer srv.Close()
	c := newTestClient(srv.URL)
	f.Fuzz(func(t *testing.T, b []byte) {
		body.Store(&b)
		panics := providers.RecoveredPanics()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stable, canary, err := c.Sides(ctx, lbARN, stableARN, canaryARN, Window, simT0)
		if ctx.Err() != nil {
			t.Fatalf("the read hung on %x", b)
		}
		if providers.RecoveredPanics() != panics {
			t.Fatalf("mapping panicked: %v", err)
		}
		for _, s := range []model.CanarySide{stable, canary} {
			if err != nil && !s.NoData {
				t.Fatalf("an error with data: %v %+v", err, s)
			}
			if err == nil && (len(s.RequestSeries) != 15 || len(s.ErrorSeries) != 15 || len(s.LatencySeries) != 15) {
				t.Fatalf("series %+v", s)
			}
			if s.Requests < 0 || s.Errors5xx < 0 || s.Errors5xx > s.Requests || (s.NoData && s.Requests != 0) ||
				math.IsNaN(s.P99) || math.IsInf(s.P99, 0) || s.P99 < 0 {
				t.Fatalf("side %+v", s)
			}
		}
	})
}

// FuzzDimensions: any text is either refused or gives a printable ASCII
// suffix of itself.
func FuzzDimensions(f *testing.F) {
	f.Add(lbARN)
	f.Add(stableARN)
	f.Add("arn:aws:elasticloadbalancing:r:a:loadbalancer/app/\x1b]0;x\a/1")
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []func(string) (string, error){LoadBalancerDimension, TargetGroupDimension} {
			d, err := fn(s)
			if err != nil {
				continue
			}
			if !strings.HasSuffix(s, d) || strings.IndexFunc(d, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
				t.Fatalf("%q → %q", s, d)
			}
		}
	})
}
