// Package beanstalk reads Elastic Beanstalk environments as flightdeck
// environments: the application version each runs (and the commit it was
// built from), the update in flight with its progress, failed and
// rolled-back deploys, health (enhanced where it is on), recent events and
// blue/green pairs swapped by CNAME. It acts on them too: rollback,
// promote, abort and the CNAME swap. A Source covers every environment
// reached through one AWS region, profile and endpoint, and is a
// providers.DeploySource.
package beanstalk

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"
	"github.com/aws/smithy-go/logging"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// Environment maps one flightdeck environment to an Elastic Beanstalk
// environment of an application, and for blue/green to a pair of them.
type Environment struct {
	Key         model.EnvKey
	Application string
	// Name is the environment serving traffic, as the config says; after a
	// CNAME swap seen by this source, Standby serves it instead.
	Name string
	// Standby is its blue/green twin; "" when there is none.
	Standby string
	// SHAPattern finds the commit in a version label or description (its
	// one group); nil means DefaultSHAPattern.
	SHAPattern *regexp.Regexp
}

// names are the Beanstalk environments this one reads: the named one and
// its standby.
func (e Environment) names() []string {
	if e.Standby == "" {
		return []string{e.Name}
	}
	return []string{e.Name, e.Standby}
}

// Options configure a Source. Region, Profile and EndpointURL follow the
// AWS conventions: empty means "let the default chain decide", which
// includes AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_ELASTIC_BEANSTALK.
type Options struct {
	Region, Profile, EndpointURL string
	// Anonymous sends unsigned requests, for the simulator. moto needs
	// signed requests: use Credentials there.
	Anonymous bool
	// Credentials, when set, replaces the default credential chain.
	Credentials  aws.CredentialsProvider
	Environments []Environment
	// HTTPClient is optional; tests pass a counting client.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Concurrency bounds the API calls in flight during one Fetch (default 8).
	Concurrency int
	// Logger receives the SDK's own warnings; nil discards them.
	Logger logging.Logger
}

// keys are the environments' keys, for messages.
func (o Options) keys() []model.EnvKey {
	keys := make([]model.EnvKey, len(o.Environments))
	for i, e := range o.Environments {
		keys[i] = e.Key
	}
	return keys
}

// aws is the part of the options that configures the AWS client.
func (o Options) aws() awsx.Options {
	return awsx.Options{Region: o.Region, Profile: o.Profile, EndpointURL: o.EndpointURL,
		Anonymous: o.Anonymous, Credentials: o.Credentials, Logger: o.Logger}
}

// api is the part of the Elastic Beanstalk client a Source uses;
// *elasticbeanstalk.Client satisfies it.
type api interface {
	DescribeEnvironments(context.Context, *eb.DescribeEnvironmentsInput, ...func(*eb.Options)) (*eb.DescribeEnvironmentsOutput, error)
	DescribeEnvironmentHealth(context.Context, *eb.DescribeEnvironmentHealthInput, ...func(*eb.Options)) (*eb.DescribeEnvironmentHealthOutput, error)
	DescribeEvents(context.Context, *eb.DescribeEventsInput, ...func(*eb.Options)) (*eb.DescribeEventsOutput, error)
	DescribeApplicationVersions(context.Context, *eb.DescribeApplicationVersionsInput, ...func(*eb.Options)) (*eb.DescribeApplicationVersionsOutput, error)
	DescribeApplications(context.Context, *eb.DescribeApplicationsInput, ...func(*eb.Options)) (*eb.DescribeApplicationsOutput, error)
	DescribeConfigurationSettings(context.Context, *eb.DescribeConfigurationSettingsInput, ...func(*eb.Options)) (*eb.DescribeConfigurationSettingsOutput, error)
	DescribeInstancesHealth(context.Context, *eb.DescribeInstancesHealthInput, ...func(*eb.Options)) (*eb.DescribeInstancesHealthOutput, error)

	// The release actions (actions.go).
	UpdateEnvironment(context.Context, *eb.UpdateEnvironmentInput, ...func(*eb.Options)) (*eb.UpdateEnvironmentOutput, error)
	CreateApplicationVersion(context.Context, *eb.CreateApplicationVersionInput, ...func(*eb.Options)) (*eb.CreateApplicationVersionOutput, error)
	AbortEnvironmentUpdate(context.Context, *eb.AbortEnvironmentUpdateInput, ...func(*eb.Options)) (*eb.AbortEnvironmentUpdateOutput, error)
	SwapEnvironmentCNAMEs(context.Context, *eb.SwapEnvironmentCNAMEsInput, ...func(*eb.Options)) (*eb.SwapEnvironmentCNAMEsOutput, error)
}

// Source polls the Elastic Beanstalk environments of a group of
// flightdeck environments. It is safe for concurrent use.
type Source struct {
	client      api
	region      string // for console links
	name        string
	profile     string
	envs        []Environment
	now         func() time.Time
	concurrency int

	mu sync.Mutex
	// memory is what earlier polls learnt about each Beanstalk environment
	// (by application and name): events read so far, the update they
	// describe, the production CNAME of a pair.
	memory map[envRef]*envMemory
	// versions caches application versions by application and label: a
	// label names one bundle for good, so only versions still processing
	// are asked about again.
	versions map[versionRef]*appVersion
	// existing remembers, for a while, which applications and environments
	// exist, to name them when a configured one does not.
	existing map[string]existingNames
	// skip holds operations the endpoint does not implement (moto answers
	// a bare 500), not asked again until the time given.
	skip map[string]time.Time
}

var (
	_ providers.DeploySource  = (*Source)(nil)
	_ providers.EnvReader     = (*Source)(nil)
	_ providers.HistoryReader = (*Source)(nil)
	_ providers.Rollbacker    = (*Source)(nil)
	_ providers.Promoter      = (*Source)(nil)
	_ providers.Aborter       = (*Source)(nil)
	_ providers.Switcher      = (*Source)(nil)
	_ providers.CanaryStepper = (*Source)(nil)
	_ providers.Describer     = (*Source)(nil)
)

// New builds a Source from the AWS default configuration chain plus the
// options. It fails when no region can be found, naming the environments.
func New(ctx context.Context, o Options) (*Source, error) {
	cfg, err := awsx.LoadFor(ctx, "beanstalk", o.aws(), o.keys())
	if err != nil {
		return nil, err
	}
	client := eb.NewFromConfig(cfg, func(so *eb.Options) { so.HTTPClient = awsx.HTTPClient(o.HTTPClient, so.HTTPClient) })
	return newSource(client, cfg.Region, o), nil
}

func newSource(client api, region string, o Options) *Source {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = 8
	}
	return &Source{
		client:      client,
		name:        awsx.SourceName("beanstalk", region, o.aws()),
		region:      region,
		profile:     o.Profile,
		envs:        append([]Environment(nil), o.Environments...),
		now:         now,
		concurrency: conc,
		memory:      map[envRef]*envMemory{},
		versions:    map[versionRef]*appVersion{},
		existing:    map[string]existingNames{},
		skip:        map[string]time.Time{},
	}
}

// Name identifies the source on screen: "beanstalk eu-west-1",
// "beanstalk prod@eu-west-1", "beanstalk us-east-1 via 127.0.0.1:4566".
func (s *Source) Name() string { return s.name }

// Kind is "aws": the header sums AWS sources together.
func (s *Source) Kind() string { return "aws" }

// Covers lists the environments this source reports on, in config order.
func (s *Source) Covers() []model.EnvKey {
	keys := make([]model.EnvKey, len(s.envs))
	for i, e := range s.envs {
		keys[i] = e.Key
	}
	return keys
}

// env finds the configured environment for key.
func (s *Source) env(key model.EnvKey) (Environment, error) {
	for _, e := range s.envs {
		if e.Key == key {
			return e, nil
		}
	}
	return Environment{}, fmt.Errorf("beanstalk: %s/%s is not an environment of %s: %w", key.Service, key.Environment, s.name, providers.ErrNotFound)
}

// envRef names one Beanstalk environment of one application.
type envRef struct{ app, name string }

// versionRef names one application version.
type versionRef struct{ app, label string }
