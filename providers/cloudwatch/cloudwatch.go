// Package cloudwatch reads a canary's two sides from CloudWatch: the ALB
// target-group metrics (requests, target 5xx, p99 response time) of the
// stable and the canary target group, per minute over a window, in one
// GetMetricData call (Smithy RPC v2 CBOR in aws-sdk-go-v2's cloudwatch
// client). It fills model.CanarySide; judging is model's.
package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go/logging"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// Options configure a Client. Region, Profile and EndpointURL follow the
// AWS conventions: empty means "let the default chain decide".
type Options struct {
	Region, Profile, EndpointURL string
	// Anonymous sends unsigned requests, for the simulator.
	Anonymous bool
	// Credentials, when set, replaces the default credential chain.
	Credentials aws.CredentialsProvider
	// HTTPClient is optional; tests pass a counting client.
	HTTPClient *http.Client
	// Logger receives the SDK's own warnings; nil discards them.
	Logger logging.Logger
	// Envs names the environments the client serves, for messages.
	Envs []model.EnvKey
}

func (o Options) aws() awsx.Options {
	return awsx.Options{Region: o.Region, Profile: o.Profile, EndpointURL: o.EndpointURL,
		Anonymous: o.Anonymous, Credentials: o.Credentials, Logger: o.Logger}
}

// api is the part of the CloudWatch client used; *cw.Client satisfies it.
type api interface {
	GetMetricData(context.Context, *cw.GetMetricDataInput, ...func(*cw.Options)) (*cw.GetMetricDataOutput, error)
}

// Client reads canary sides from one account and region.
type Client struct {
	api     api
	name    string
	profile string
}

// New builds a Client from the AWS default chain plus the options.
func New(ctx context.Context, o Options) (*Client, error) {
	cfg, err := awsx.LoadFor(ctx, "cloudwatch", o.aws(), o.Envs)
	if err != nil {
		return nil, err
	}
	client := cw.NewFromConfig(cfg, func(co *cw.Options) { co.HTTPClient = awsx.HTTPClient(o.HTTPClient, co.HTTPClient) })
	return &Client{api: client, name: awsx.SourceName("cloudwatch", cfg.Region, o.aws()), profile: o.Profile}, nil
}

// Name is "cloudwatch <region>" with the profile and endpoint, as the other
// AWS sources name themselves.
func (c *Client) Name() string { return c.name }

// Window is the span the verdict is made on: the last 15 whole minutes.
const Window = 15 * time.Minute

// maxPages bounds the pages one poll follows. The poll's 8 queries of at
// most 60 minutes fit CloudWatch's default page (100,800 datapoints), so
// a second page is only ever a CloudWatch that pages early.
const maxPages = 3

// ErrIncomplete says CloudWatch answered but not with everything (a
// StatusCode other than Complete, or a result missing): the sides are
// unknown, not quiet.
var ErrIncomplete = errors.New("CloudWatch's answer is incomplete")

// Sides reads both sides of the canary behind the load balancer lb (the
// ARN of the load balancer, or of the listener or rule the canary is
// configured on; ELBv2 ARNs all) over the window of whole minutes ending at now's minute: one
// GetMetricData call with every query of both sides. On any error the
// sides are NoData: an unreadable answer is never zero traffic.
func (c *Client) Sides(ctx context.Context, lb, stableTG, canaryTG string, window time.Duration, now time.Time) (stable, canary model.CanarySide, err error) {
	stable, canary = model.CanarySide{NoData: true}, model.CanarySide{NoData: true}
	q, err := newQuery(lb, stableTG, canaryTG, window, now)
	if err != nil {
		return stable, canary, err
	}
	pages, err := c.fetch(ctx, q.input())
	if err != nil {
		return stable, canary, err
	}
	err = providers.Guard("cloudwatch", func() error {
		var merr error
		stable, canary, merr = q.sides(pages)
		return merr
	})
	if err != nil {
		return model.CanarySide{NoData: true, Target: stable.Target}, model.CanarySide{NoData: true, Target: canary.Target}, err
	}
	return stable, canary, nil
}

// fetch is the call, and the pages after it when CloudWatch pages.
func (c *Client) fetch(ctx context.Context, in *cw.GetMetricDataInput) ([]*cw.GetMetricDataOutput, error) {
	var pages []*cw.GetMetricDataOutput
	for {
		out, err := c.api.GetMetricData(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("cloudwatch GetMetricData: %w", awsx.Classify(err, c.profile, time.Now(), nil))
		}
		pages = append(pages, out)
		if out.NextToken == nil || *out.NextToken == "" {
			return pages, nil
		}
		if len(pages) == maxPages {
			return nil, fmt.Errorf("%w: still paging after %d pages", ErrIncomplete, maxPages)
		}
		next := *in
		next.NextToken = out.NextToken
		in = &next
	}
}
