package cloudwatch

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/airside-dev/flightdeck/sim/cloudwatch"
)

// startStandalone serves the sim's CloudWatch part alone (for what the
// world does not expose, SetStatus), both groups published.
func startStandalone(t *testing.T, tr cloudwatch.Traffic) (*cloudwatch.Part, *Client) {
	t.Helper()
	pt := cloudwatch.NewStandalone(func() time.Time { return simT0 })
	pt.Locked(func() {
		pt.SetTraffic(tr)
		pt.Publish(lbARN, stableARN)
		pt.Publish(lbARN, canaryARN)
	})
	srv := httptest.NewServer(pt.Handler())
	t.Cleanup(srv.Close)
	return pt, newTestClient(srv.URL)
}

// newTestClient is a Client of endpoint with one attempt a call.
func newTestClient(endpoint string) *Client {
	return &Client{name: "cloudwatch test", api: cw.New(cw.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{}})}
}
