package traffic

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/ecs"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// finder finds the ECS service registered in a target group: ECS has no
// call that answers it, so it lists the cluster's services and reads
// their loadBalancers.
type finder struct {
	client  *awsecs.Client
	profile string
	o       Options
}

func newFinder(ctx context.Context, o Options, keys []model.EnvKey) (*finder, error) {
	cfg, err := awsx.LoadFor(ctx, "traffic", awsx.Options{Region: o.Region, Profile: o.Profile, EndpointURL: o.EndpointURL,
		Anonymous: o.Anonymous, Credentials: o.Credentials, Logger: o.Logger}, keys)
	if err != nil {
		return nil, err
	}
	c := awsecs.NewFromConfig(cfg, func(so *awsecs.Options) { so.HTTPClient = awsx.HTTPClient(o.HTTPClient, so.HTTPClient) })
	return &finder{client: c, profile: o.Profile, o: o}, nil
}

// services maps every target group of the pairs to the service in the
// pair's cluster whose loadBalancers name it; a target group no service
// names is left out.
func (f *finder) services(ctx context.Context, pairs []Pair) (map[string]string, error) {
	out := map[string]string{}
	var clusters []string
	for _, p := range pairs {
		if !slices.Contains(clusters, p.Cluster) {
			clusters = append(clusters, p.Cluster)
		}
	}
	for _, cl := range clusters {
		if err := f.cluster(ctx, cl, out); err != nil {
			return nil, fmt.Errorf("finding the services behind the target groups in cluster %s: %w", cl, err)
		}
	}
	return out, nil
}

func (f *finder) cluster(ctx context.Context, cluster string, out map[string]string) error {
	var arns []string
	p := awsecs.NewListServicesPaginator(f.client, &awsecs.ListServicesInput{Cluster: aws.String(cluster)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return awsx.Classify(err, f.profile, timeNow(f.o), nil)
		}
		arns = append(arns, page.ServiceArns...)
	}
	for batch := range slices.Chunk(arns, 10) {
		res, err := f.client.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch})
		if err != nil {
			return awsx.Classify(err, f.profile, timeNow(f.o), nil)
		}
		err = providers.Guard("traffic", func() error {
			for _, s := range res.Services {
				if aws.ToString(s.Status) != "ACTIVE" {
					continue
				}
				for _, lb := range s.LoadBalancers {
					if tg := aws.ToString(lb.TargetGroupArn); tg != "" {
						out[tg] = aws.ToString(s.ServiceName)
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// innerSource is the ECS source that reads the colours' services under
// their hidden keys.
func innerSource(ctx context.Context, o Options, pairs []Pair, colour map[string]string) (*ecs.Source, error) {
	var envs []ecs.Environment
	for _, p := range pairs {
		for _, sd := range p.sides() {
			if svc := colour[sd.tg]; svc != "" {
				envs = append(envs, ecs.Environment{Key: colourKey(p.Key, sd.name), Cluster: p.Cluster, Service: svc,
					Container: p.Container, SHAFromTag: p.SHAFromTag})
			}
		}
	}
	slices.SortFunc(envs, func(a, b ecs.Environment) int {
		return compareKeys(a.Key, b.Key)
	})
	return ecs.New(ctx, ecs.Options{Region: o.Region, Profile: o.Profile, EndpointURL: o.EndpointURL, Anonymous: o.Anonymous,
		Credentials: o.Credentials, Environments: envs, HTTPClient: o.HTTPClient, Now: o.Now, Logger: o.Logger})
}

func compareKeys(a, b model.EnvKey) int {
	switch {
	case a.Service+"\x01"+a.Environment < b.Service+"\x01"+b.Environment:
		return -1
	case a == b:
		return 0
	}
	return 1
}
