// Package elbv2 reads and moves the traffic of an application load
// balancer through aws-sdk-go-v2: a listener's (or a rule's) forward
// weights, the health of the target groups it forwards to, summarized,
// and new weights set with ModifyListener or ModifyRule, keeping the rest
// of the action (stickiness, other actions) as it was.
//
// It is not a deploy source of its own: package providers/traffic builds
// blue/green environments from it and the ECS source.
package elbv2

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awselb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// Options configure a Client, as for the other AWS backends.
type Options struct {
	Region, Profile, EndpointURL string
	Anonymous                    bool
	Credentials                  aws.CredentialsProvider
	HTTPClient                   *http.Client
	Now                          func() time.Time
	Logger                       logging.Logger
	// Keys are the environments it serves, for messages.
	Keys []model.EnvKey
}

// api is the part of the ELBv2 client used; *elasticloadbalancingv2.Client
// satisfies it.
type api interface {
	DescribeListeners(context.Context, *awselb.DescribeListenersInput, ...func(*awselb.Options)) (*awselb.DescribeListenersOutput, error)
	DescribeRules(context.Context, *awselb.DescribeRulesInput, ...func(*awselb.Options)) (*awselb.DescribeRulesOutput, error)
	DescribeTargetHealth(context.Context, *awselb.DescribeTargetHealthInput, ...func(*awselb.Options)) (*awselb.DescribeTargetHealthOutput, error)
	ModifyListener(context.Context, *awselb.ModifyListenerInput, ...func(*awselb.Options)) (*awselb.ModifyListenerOutput, error)
	ModifyRule(context.Context, *awselb.ModifyRuleInput, ...func(*awselb.Options)) (*awselb.ModifyRuleOutput, error)
}

// Client reads and sets one account's and region's listener weights.
type Client struct {
	api     api
	profile string
	now     func() time.Time
	region  string
}

// New builds a Client from the AWS default chain plus the options.
func New(ctx context.Context, o Options) (*Client, error) {
	ao := awsx.Options{Region: o.Region, Profile: o.Profile, EndpointURL: o.EndpointURL, Anonymous: o.Anonymous,
		Credentials: o.Credentials, Logger: o.Logger}
	cfg, err := awsx.LoadFor(ctx, "elbv2", ao, o.Keys)
	if err != nil {
		return nil, err
	}
	c := awselb.NewFromConfig(cfg, func(so *awselb.Options) { so.HTTPClient = awsx.HTTPClient(o.HTTPClient, so.HTTPClient) })
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Client{api: c, profile: o.Profile, now: now, region: cfg.Region}, nil
}

// Region is the client's region.
func (c *Client) Region() string { return c.region }

// Weight is one target group of a forward and its weight (0..999).
type Weight struct {
	TargetGroup string
	Weight      int
}

// Forward is what a listener (or a rule) does with its traffic: the
// weighted target groups of its forward action, and, kept for writing it
// back, all its actions as read.
type Forward struct {
	// ARN is the listener's or the rule's.
	ARN     string
	Weights []Weight
	actions []types.Action
}

// Weight is a target group's weight (0 when it is not forwarded to).
func (f Forward) Weight(tg string) int {
	for _, w := range f.Weights {
		if w.TargetGroup == tg {
			return w.Weight
		}
	}
	return 0
}

// Has says whether the forward names the target group at all.
func (f Forward) Has(tg string) bool {
	return slices.ContainsFunc(f.Weights, func(w Weight) bool { return w.TargetGroup == tg })
}

// Groups names the target groups forwarded to, for messages.
func (f Forward) Groups() string {
	var names []string
	for _, w := range f.Weights {
		names = append(names, fmt.Sprintf("%s (%d)", Name(w.TargetGroup), w.Weight))
	}
	if len(names) == 0 {
		return "no target group"
	}
	return strings.Join(names, ", ")
}

// IsRule says whether arn is a listener rule's rather than a listener's.
func IsRule(arn string) bool { return strings.Contains(arn, ":listener-rule/") }

// Name is the readable part of an ELBv2 ARN: a target group's or load
// balancer's name, else the ARN.
func Name(arn string) string {
	for _, kind := range []string{":targetgroup/", ":loadbalancer/app/", ":loadbalancer/net/"} {
		if _, rest, ok := strings.Cut(arn, kind); ok {
			name, _, _ := strings.Cut(rest, "/")
			return name
		}
	}
	return arn
}

// Read reads a listener's default forward, or a rule's forward: one
// DescribeListeners or DescribeRules.
func (c *Client) Read(ctx context.Context, arn string) (Forward, error) {
	var f Forward
	var err error
	if IsRule(arn) {
		err = providers.Guard("elbv2", func() error { f, err = c.readRule(ctx, arn); return err })
	} else {
		err = providers.Guard("elbv2", func() error { f, err = c.readListener(ctx, arn); return err })
	}
	return f, err
}

func (c *Client) readListener(ctx context.Context, arn string) (Forward, error) {
	out, err := c.api.DescribeListeners(ctx, &awselb.DescribeListenersInput{ListenerArns: []string{arn}})
	if err != nil {
		return Forward{}, c.notFound(ctx, arn, err)
	}
	for _, l := range out.Listeners {
		if aws.ToString(l.ListenerArn) == arn {
			return forwardOf(arn, l.DefaultActions)
		}
	}
	return Forward{}, fmt.Errorf("%w: listener %s not in DescribeListeners' answer", providers.ErrNotFound, arn)
}

func (c *Client) readRule(ctx context.Context, arn string) (Forward, error) {
	out, err := c.api.DescribeRules(ctx, &awselb.DescribeRulesInput{RuleArns: []string{arn}})
	if err != nil {
		return Forward{}, c.notFound(ctx, arn, err)
	}
	for _, r := range out.Rules {
		if aws.ToString(r.RuleArn) == arn {
			return forwardOf(arn, r.Actions)
		}
	}
	return Forward{}, fmt.Errorf("%w: rule %s not in DescribeRules' answer", providers.ErrNotFound, arn)
}

// forwardOf finds the forward among the actions (the last one acts; a
// listener may authenticate first).
func forwardOf(arn string, actions []types.Action) (Forward, error) {
	f := Forward{ARN: arn, actions: actions}
	i := forwardIndex(actions)
	if i < 0 {
		var kinds []string
		for _, a := range actions {
			kinds = append(kinds, string(a.Type))
		}
		return f, fmt.Errorf("%s does not forward (its actions: %s)", arn, strings.Join(kinds, ", "))
	}
	a := actions[i]
	if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
		for _, g := range a.ForwardConfig.TargetGroups {
			w := 1 // ELBv2's default weight
			if g.Weight != nil {
				w = int(*g.Weight)
			}
			f.Weights = append(f.Weights, Weight{TargetGroup: aws.ToString(g.TargetGroupArn), Weight: w})
		}
	} else if tg := aws.ToString(a.TargetGroupArn); tg != "" {
		f.Weights = []Weight{{TargetGroup: tg, Weight: 1}}
	}
	return f, nil
}

func forwardIndex(actions []types.Action) int {
	for i, a := range actions {
		if a.Type == types.ActionTypeEnumForward {
			return i
		}
	}
	return -1
}

// Health is a target group's targets counted by state.
type Health struct {
	TargetGroup string
	Healthy     int
	Unhealthy   int // unhealthy, unhealthy.draining, unavailable
	Draining    int
	Initial     int
	Other       int // unused, and states this code does not know
}

// Total is every target counted.
func (h Health) Total() int { return h.Healthy + h.Unhealthy + h.Draining + h.Initial + h.Other }

func (h Health) String() string {
	return fmt.Sprintf("%d healthy, %d unhealthy, %d draining, %d initial", h.Healthy, h.Unhealthy, h.Draining, h.Initial)
}

// TargetHealth reads a target group's targets, summarized: one
// DescribeTargetHealth.
func (c *Client) TargetHealth(ctx context.Context, tg string) (Health, error) {
	h := Health{TargetGroup: tg}
	err := providers.Guard("elbv2", func() error {
		out, err := c.api.DescribeTargetHealth(ctx, &awselb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		if err != nil {
			return c.classify(err)
		}
		for _, d := range out.TargetHealthDescriptions {
			state := types.TargetHealthStateEnum("")
			if d.TargetHealth != nil {
				state = d.TargetHealth.State
			}
			switch state {
			case types.TargetHealthStateEnumHealthy:
				h.Healthy++
			case types.TargetHealthStateEnumUnhealthy, types.TargetHealthStateEnumUnhealthyDraining, types.TargetHealthStateEnumUnavailable:
				h.Unhealthy++
			case types.TargetHealthStateEnumDraining:
				h.Draining++
			case types.TargetHealthStateEnumInitial:
				h.Initial++
			default:
				h.Other++
			}
		}
		return nil
	})
	if err != nil {
		return h, fmt.Errorf("target group %s: %w", Name(tg), err)
	}
	return h, nil
}

// SetWeights writes f's forward back with new weights (by target group),
// every other part of the actions as read: ModifyListener for a listener,
// ModifyRule for a rule. A target group f does not forward to is an
// error, sent nowhere. It returns the forward as the answer has it, and
// the request's id (also of a refused request).
func (c *Client) SetWeights(ctx context.Context, f Forward, weights map[string]int) (got Forward, requestID string, err error) {
	i := forwardIndex(f.actions)
	if i < 0 {
		return f, "", fmt.Errorf("%s has no forward action to set weights on", f.ARN)
	}
	for tg := range weights {
		if !f.Has(tg) {
			return f, "", fmt.Errorf("%s does not forward to target group %s (it forwards to %s)", f.ARN, Name(tg), f.Groups())
		}
	}
	actions := slices.Clone(f.actions)
	a := actions[i]
	fc := types.ForwardActionConfig{}
	if a.ForwardConfig != nil {
		fc = *a.ForwardConfig
	}
	fc.TargetGroups = nil
	for _, w := range f.Weights {
		n := w.Weight
		if v, ok := weights[w.TargetGroup]; ok {
			n = v
		}
		fc.TargetGroups = append(fc.TargetGroups, types.TargetGroupTuple{TargetGroupArn: aws.String(w.TargetGroup), Weight: aws.Int32(int32(n))})
	}
	a.ForwardConfig = &fc
	a.TargetGroupArn = nil // beside a forward config ELBv2 accepts it only for a single group
	actions[i] = a
	keepSecrets(actions)
	err = providers.Guard("elbv2", func() error {
		if IsRule(f.ARN) {
			out, err := c.api.ModifyRule(ctx, &awselb.ModifyRuleInput{RuleArn: aws.String(f.ARN), Actions: actions})
			requestID = awsx.RequestID(resultMetadata(out), err)
			if err != nil {
				return c.classify(err)
			}
			for _, r := range out.Rules {
				var ferr error
				got, ferr = forwardOf(f.ARN, r.Actions)
				return ferr
			}
			return fmt.Errorf("ModifyRule answered no rule")
		}
		out, err := c.api.ModifyListener(ctx, &awselb.ModifyListenerInput{ListenerArn: aws.String(f.ARN), DefaultActions: actions})
		requestID = awsx.RequestID(resultMetadata(out), err)
		if err != nil {
			return c.classify(err)
		}
		for _, l := range out.Listeners {
			var ferr error
			got, ferr = forwardOf(f.ARN, l.DefaultActions)
			return ferr
		}
		return fmt.Errorf("ModifyListener answered no listener")
	})
	return got, requestID, err
}

// resultMetadata is an answer's metadata (none for a nil answer).
func resultMetadata(out any) middleware.Metadata {
	switch o := out.(type) {
	case *awselb.ModifyListenerOutput:
		if o != nil {
			return o.ResultMetadata
		}
	case *awselb.ModifyRuleOutput:
		if o != nil {
			return o.ResultMetadata
		}
	}
	return middleware.Metadata{}
}

// keepSecrets lets the actions written back keep their OIDC client secret:
// the describe calls never return it, and a modify without it (or
// UseExistingClientSecret) is refused.
func keepSecrets(actions []types.Action) {
	for i := range actions {
		if o := actions[i].AuthenticateOidcConfig; o != nil && aws.ToString(o.ClientSecret) == "" {
			c := *o
			c.UseExistingClientSecret = aws.Bool(true)
			actions[i].AuthenticateOidcConfig = &c
		}
	}
}
