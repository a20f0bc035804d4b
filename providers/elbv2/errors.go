package elbv2

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awselb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// notFoundCodes are ELBv2's answers for a thing that does not exist.
var notFoundCodes = map[string]bool{
	"ListenerNotFound": true, "RuleNotFound": true, "TargetGroupNotFound": true, "LoadBalancerNotFound": true,
}

// classify maps an SDK error onto the sentinels of package providers; the
// result wraps err.
func (c *Client) classify(err error) error {
	return awsx.Classify(err, c.profile, c.now(), func(code string) bool { return notFoundCodes[code] })
}

// notFound classifies err from reading arn and, when the listener or rule
// is not there, says what is: the load balancer's listeners, or the
// listener's rules (one more call, only then).
func (c *Client) notFound(ctx context.Context, arn string, err error) error {
	err = c.classify(err)
	if !errors.Is(err, providers.ErrNotFound) {
		return err
	}
	kind, found := "listener", ""
	if IsRule(arn) {
		kind, found = "rule", c.rulesOf(ctx, listenerOf(arn))
	} else {
		found = c.listenersOf(ctx, loadBalancerOf(arn))
	}
	return fmt.Errorf("%s %s not found (%s): %w", kind, arn, found, err)
}

func (c *Client) listenersOf(ctx context.Context, lb string) string {
	if lb == "" {
		return "not an ELBv2 listener ARN"
	}
	out, err := c.api.DescribeListeners(ctx, &awselb.DescribeListenersInput{LoadBalancerArn: aws.String(lb)})
	if err != nil {
		if awsx.ErrorCode(err) == "LoadBalancerNotFound" {
			return "no load balancer " + Name(lb) + " either"
		}
		return "could not list the load balancer's listeners: " + awsx.ErrorCode(err)
	}
	var arns []string
	for _, l := range out.Listeners {
		arns = append(arns, aws.ToString(l.ListenerArn))
	}
	if len(arns) == 0 {
		return "load balancer " + Name(lb) + " has no listeners"
	}
	return "load balancer " + Name(lb) + " has: " + strings.Join(arns, ", ")
}

func (c *Client) rulesOf(ctx context.Context, listener string) string {
	if listener == "" {
		return "not an ELBv2 rule ARN"
	}
	out, err := c.api.DescribeRules(ctx, &awselb.DescribeRulesInput{ListenerArn: aws.String(listener)})
	if err != nil {
		if awsx.ErrorCode(err) == "ListenerNotFound" {
			return "no listener " + listener + " either"
		}
		return "could not list the listener's rules: " + awsx.ErrorCode(err)
	}
	var arns []string
	for _, r := range out.Rules {
		arns = append(arns, aws.ToString(r.RuleArn))
	}
	return "listener has: " + strings.Join(arns, ", ")
}

// loadBalancerOf is the load balancer ARN of a listener ARN
// (…:listener/app/NAME/LBID/LID → …:loadbalancer/app/NAME/LBID).
func loadBalancerOf(listener string) string {
	head, rest, ok := strings.Cut(listener, ":listener/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 4 {
		return ""
	}
	return head + ":loadbalancer/" + strings.Join(parts[:3], "/")
}

// listenerOf is the listener ARN of a rule ARN.
func listenerOf(rule string) string {
	head, rest, ok := strings.Cut(rule, ":listener-rule/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 5 {
		return ""
	}
	return head + ":listener/" + strings.Join(parts[:4], "/")
}
