package discover

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awselb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// ResolvePairs finds, for each ECS blue/green pair and canary Group kept as
// one environment, the load balancer listener (or, failing that, a
// listener rule) whose forward action sends to both services' target
// groups: DescribeTargetGroups for their load balancers, DescribeListeners,
// then DescribeRules. What cannot be read is a warning; the pair then
// stays a note asking for the block.
func ResolvePairs(ctx context.Context, o Options, services []Service) []string {
	var warnings []string
	clients := map[string]*awselb.Client{}
	var cfg *aws.Config
	for si := range services {
		for ei := range services[si].Environments {
			e := &services[si].Environments[ei]
			p := e.Pair
			if p == nil || !isARN(p.FirstGroup, ":targetgroup/") || !isARN(p.SecondGroup, ":targetgroup/") || p.FirstGroup == p.SecondGroup {
				continue
			}
			if cfg == nil {
				c, err := awsx.Load(ctx, awsx.Options{Region: firstOf(o.Regions), Profile: o.Profile, EndpointURL: o.EndpointURL,
					Anonymous: o.Anonymous, Credentials: o.Credentials})
				if err != nil {
					return append(warnings, "load balancers not read: "+failure("", err))
				}
				cfg = &c
			}
			region := e.Target.Region
			client := clients[region]
			if client == nil {
				client = awselb.NewFromConfig(*cfg, func(so *awselb.Options) {
					if region != "" {
						so.Region = region
					}
					so.HTTPClient = awsx.HTTPClient(o.HTTPClient, so.HTTPClient)
					so.Retryer = retry.AddWithMaxAttempts(so.Retryer, readAttempts)
				})
				clients[region] = client
			}
			if w := resolve(ctx, client, p); w != "" {
				warnings = append(warnings, fmt.Sprintf("%s/%s (%s and %s): %s", services[si].Name, e.Name, p.First, p.Second, w))
			}
		}
	}
	return warnings
}

func isARN(s, kind string) bool {
	return strings.HasPrefix(s, "arn:") && strings.Contains(s, kind) && badText(s) == ""
}

// resolve fills the pair's listener or rule; the string is a warning.
func resolve(ctx context.Context, c *awselb.Client, p *Pair) string {
	tgs, err := c.DescribeTargetGroups(ctx, &awselb.DescribeTargetGroupsInput{TargetGroupArns: []string{p.FirstGroup, p.SecondGroup}})
	if err != nil {
		return "elasticloadbalancing:DescribeTargetGroups: " + failure("elasticloadbalancing:DescribeTargetGroups", err)
	}
	var lbs [][]string
	for _, g := range tgs.TargetGroups {
		lbs = append(lbs, g.LoadBalancerArns)
	}
	if len(lbs) != 2 {
		return "their target groups were not both found"
	}
	var listeners []string
	for _, lb := range lbs[0] {
		if !slices.Contains(lbs[1], lb) {
			continue
		}
		in := &awselb.DescribeListenersInput{LoadBalancerArn: aws.String(lb)}
		for {
			out, err := c.DescribeListeners(ctx, in)
			if err != nil {
				return "elasticloadbalancing:DescribeListeners: " + failure("elasticloadbalancing:DescribeListeners", err)
			}
			for _, l := range out.Listeners {
				arn := aws.ToString(l.ListenerArn)
				if forwardsToBoth(l.DefaultActions, p) && isARN(arn, ":listener/") {
					p.Listener = arn
					return ""
				}
				listeners = append(listeners, arn)
			}
			if aws.ToString(out.NextMarker) == "" || aws.ToString(out.NextMarker) == aws.ToString(in.Marker) {
				break
			}
			in.Marker = out.NextMarker
		}
	}
	for _, l := range listeners {
		in := &awselb.DescribeRulesInput{ListenerArn: aws.String(l)}
		for {
			out, err := c.DescribeRules(ctx, in)
			if err != nil {
				return "elasticloadbalancing:DescribeRules: " + failure("elasticloadbalancing:DescribeRules", err)
			}
			for _, r := range out.Rules {
				arn := aws.ToString(r.RuleArn)
				if !aws.ToBool(r.IsDefault) && forwardsToBoth(r.Actions, p) && isARN(arn, ":listener-rule/") {
					p.Rule = arn
					return ""
				}
			}
			if aws.ToString(out.NextMarker) == "" || aws.ToString(out.NextMarker) == aws.ToString(in.Marker) {
				break
			}
			in.Marker = out.NextMarker
		}
	}
	return "no listener or rule of their load balancer forwards to both target groups"
}

// forwardsToBoth reports a forward action naming both of the pair's groups.
func forwardsToBoth(actions []elbtypes.Action, p *Pair) bool {
	for _, a := range actions {
		if a.Type != elbtypes.ActionTypeEnumForward || a.ForwardConfig == nil {
			continue
		}
		var groups []string
		for _, g := range a.ForwardConfig.TargetGroups {
			groups = append(groups, aws.ToString(g.TargetGroupArn))
		}
		if slices.Contains(groups, p.FirstGroup) && slices.Contains(groups, p.SecondGroup) {
			return true
		}
	}
	return false
}
