// Package traffic reads and moves the traffic of ECS environments behind
// an ALB listener: blue/green pairs, and canaries stepped by flightdeck.
//
// A blue/green pair is
// an environment whose production is two ECS services, blue and green,
// each registered in its own target group, behind one ALB listener (or
// listener rule) whose forward weights say which is live. It is a
// providers.DeploySource for those environments, built from the ECS
// source (what each colour runs) and package providers/elbv2 (the
// weights and the targets' health), and a providers.Switcher: a switch
// moves all the weight to the standby.
//
// A canary (config `canary:`) is the same shape with other names: a
// stable and a canary target group, each with its ECS service, and
// configured steps (percent to the canary); it is read with both sides'
// traffic from CloudWatch (package providers/cloudwatch, one
// GetMetricData per environment per poll) and stepped through the steps
// as a providers.CanaryStepper (canary.go).
//
// Which ECS service is which side is found, not configured: the
// service in the environment's cluster whose loadBalancers name the
// colour's target group (ListServices and DescribeServices, once, and
// again every rediscover or when a colour is not found where it was).
package traffic

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/cloudwatch"
	"github.com/airside-dev/flightdeck/providers/ecs"
	"github.com/airside-dev/flightdeck/providers/elbv2"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// Pair is one environment on a listener: a blue/green pair, or a canary
// when Canary is set.
type Pair struct {
	Key model.EnvKey
	// Cluster holds both colours' services. Service is the configured
	// ecs.service (one of the colours), named in messages only.
	Cluster, Service string
	Container        string
	SHAFromTag       *regexp.Regexp
	// Listener is the listener's ARN, or a listener rule's.
	Listener    string
	Blue, Green string // target group ARNs of a blue/green pair
	// A canary's target group ARNs, and its steps (percent of the
	// traffic to the canary, increasing, the config's `steps`).
	Stable, Canary string
	Steps          []int
}

// IsCanary says whether the pair is a canary rather than blue/green.
func (p Pair) IsCanary() bool { return p.Canary != "" }

// side is one target group of a pair and the name it goes by.
type side struct{ name, tg string }

// sides are the pair's two target groups: blue and green, or stable and
// canary, in that order.
func (p Pair) sides() [2]side {
	if p.IsCanary() {
		return [2]side{{"stable", p.Stable}, {"canary", p.Canary}}
	}
	return [2]side{{"blue", p.Blue}, {"green", p.Green}}
}

// Options configure a Source; the AWS fields as for the ECS source.
type Options struct {
	Region, Profile, EndpointURL string
	Anonymous                    bool
	Credentials                  aws.CredentialsProvider
	Pairs                        []Pair
	// CloudWatch reads the canaries' traffic; nil builds one from the
	// same region, profile and endpoint when any pair is a canary.
	CloudWatch *cloudwatch.Client
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     logging.Logger
}

// rediscover is how long a colour's service, once found, is trusted
// before it is looked for again.
const rediscover = 10 * time.Minute

// Source reads the pairs of one AWS region, profile and endpoint.
type Source struct {
	o     Options
	name  string
	elb   *elbv2.Client
	cw    *cloudwatch.Client // nil without canaries
	find  *finder
	now   func() time.Time
	pairs []Pair

	mu     sync.Mutex
	inner  *ecs.Source       // reads the colours' services; rebuilt when they change
	colour map[string]string // target group ARN → ECS service name
	found  time.Time
}

var (
	_ providers.DeploySource  = (*Source)(nil)
	_ providers.EnvReader     = (*Source)(nil)
	_ providers.Switcher      = (*Source)(nil)
	_ providers.Describer     = (*Source)(nil)
	_ providers.CanaryStepper = (*Source)(nil)
)

// New builds a Source; it fails when no region can be found.
func New(ctx context.Context, o Options) (*Source, error) {
	keys := make([]model.EnvKey, len(o.Pairs))
	for i, p := range o.Pairs {
		keys[i] = p.Key
	}
	elb, err := elbv2.New(ctx, elbv2.Options{Region: o.Region, Profile: o.Profile, EndpointURL: o.EndpointURL, Anonymous: o.Anonymous,
		Credentials: o.Credentials, HTTPClient: o.HTTPClient, Now: o.Now, Logger: o.Logger, Keys: keys})
	if err != nil {
		return nil, err
	}
	find, err := newFinder(ctx, o, keys)
	if err != nil {
		return nil, err
	}
	cw := o.CloudWatch
	if cw == nil && slices.ContainsFunc(o.Pairs, Pair.IsCanary) {
		if cw, err = cloudwatch.New(ctx, cloudwatch.Options{Region: o.Region, Profile: o.Profile, EndpointURL: o.EndpointURL,
			Anonymous: o.Anonymous, Credentials: o.Credentials, HTTPClient: o.HTTPClient, Logger: o.Logger, Envs: keys}); err != nil {
			return nil, err
		}
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	name := awsx.SourceName("listeners", elb.Region(), awsx.Options{Profile: o.Profile, EndpointURL: o.EndpointURL,
		Anonymous: o.Anonymous, Credentials: o.Credentials})
	return &Source{o: o, name: name, elb: elb, cw: cw, find: find, now: now, pairs: append([]Pair(nil), o.Pairs...)}, nil
}

// Name identifies the source ("listeners eu-west-1", with the profile and
// endpoint as the other AWS sources name them).
func (s *Source) Name() string { return s.name }

// Kind is "aws".
func (s *Source) Kind() string { return "aws" }

// Covers lists the pairs' environments, in config order.
func (s *Source) Covers() []model.EnvKey {
	keys := make([]model.EnvKey, len(s.pairs))
	for i, p := range s.pairs {
		keys[i] = p.Key
	}
	return keys
}

// Fetch reads every pair: per pair one DescribeListeners (or
// DescribeRules) and one DescribeTargetHealth per side, and for a canary
// one GetMetricData; the sides' services through the ECS source (batched
// DescribeServices per cluster).
func (s *Source) Fetch(ctx context.Context) ([]model.EnvStatus, error) {
	sts, _, err := s.read(ctx, s.pairs)
	return sts, err
}

// FetchEnv reads one pair live, for the action pipeline's re-check.
func (s *Source) FetchEnv(ctx context.Context, key model.EnvKey) (model.EnvStatus, error) {
	p, err := s.pair(key)
	if err != nil {
		return providers.EnvFailed(key, err), err
	}
	sts, errs, err := s.read(ctx, []Pair{p})
	if errs[0] != nil {
		return sts[0], errs[0]
	}
	if err != nil && sts[0].Error != "" {
		return sts[0], err
	}
	// The pair read whole: an error of the source's that is not this
	// pair's (a throttle on another cluster the inner ECS read covers)
	// must not fail a re-check of this one.
	return sts[0], nil
}

func (s *Source) pair(key model.EnvKey) (Pair, error) {
	for _, p := range s.pairs {
		if p.Key == key {
			return p, nil
		}
	}
	return Pair{}, fmt.Errorf("%w: %s/%s is not a blue/green pair or a canary on a listener", providers.ErrNotFound, key.Service, key.Environment)
}

// colourKey is the hidden key under which the inner ECS source reads a
// side's service (a colour, or stable and canary).
func colourKey(k model.EnvKey, colour string) model.EnvKey {
	return model.EnvKey{Service: k.Service, Environment: k.Environment + "\x00" + colour}
}
