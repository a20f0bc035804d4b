// Package ecs reads ECS services as flightdeck environments: the version each
// runs (from its task definition), the rollout in flight, circuit-breaker
// rollbacks and recent service events. A Source covers every environment
// reached through one AWS region, profile and endpoint, and is a
// providers.DeploySource.
package ecs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go/logging"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// Environment maps one flightdeck environment to an ECS service.
type Environment struct {
	Key     model.EnvKey
	Cluster string
	Service string // name or ARN
	// Container names the container whose image is the version; ""
	// lets flightdeck choose (see pickContainer).
	Container string
	// SHAFromTag reads the commit from the chosen image's tag: a regexp
	// whose one group is the SHA; nil reads the usual shapes
	// (model.SHAFromTag). The OCI revision label is read first either way.
	SHAFromTag *regexp.Regexp
}

// reading is how the environment's version is read from a task definition.
func (e Environment) reading() reading {
	return reading{container: e.Container, shaFromTag: e.SHAFromTag}
}

// Options configure a Source. Region, Profile and EndpointURL follow the AWS
// conventions: empty means "let the default chain decide".
type Options struct {
	Region, Profile, EndpointURL string
	// Anonymous sends unsigned requests (aws.AnonymousCredentials), for the
	// simulator. moto needs signed requests: use Credentials there.
	Anonymous bool
	// Credentials, when set, replaces the default credential chain (tests
	// pass static keys for moto).
	Credentials  aws.CredentialsProvider
	Environments []Environment
	// HTTPClient is optional; tests pass a counting client.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Concurrency bounds the API calls in flight during one Fetch (default 8).
	Concurrency int
	// Logger receives the SDK's own warnings. nil discards them: the SDK
	// would otherwise write to stderr, under the TUI's screen.
	Logger logging.Logger
	// Sides reads a native canary's traffic (nativetraffic.go); nil
	// leaves native canaries without traffic.
	Sides SidesReader
}

// batchSize is DescribeServices' limit of services per call.
const batchSize = 10

// eventsKept is how many service events an environment carries.
const eventsKept = 10

// api is the part of the ECS client a Source uses; *ecs.Client satisfies it.
type api interface {
	DescribeServices(context.Context, *awsecs.DescribeServicesInput, ...func(*awsecs.Options)) (*awsecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(context.Context, *awsecs.DescribeTaskDefinitionInput, ...func(*awsecs.Options)) (*awsecs.DescribeTaskDefinitionOutput, error)
	ListServiceDeployments(context.Context, *awsecs.ListServiceDeploymentsInput, ...func(*awsecs.Options)) (*awsecs.ListServiceDeploymentsOutput, error)
	// A failing deployment's stopped tasks (stopped.go).
	ListTasks(context.Context, *awsecs.ListTasksInput, ...func(*awsecs.Options)) (*awsecs.ListTasksOutput, error)
	DescribeTasks(context.Context, *awsecs.DescribeTasksInput, ...func(*awsecs.Options)) (*awsecs.DescribeTasksOutput, error)

	// History and the release actions (history.go, actions.go).
	ListTaskDefinitions(context.Context, *awsecs.ListTaskDefinitionsInput, ...func(*awsecs.Options)) (*awsecs.ListTaskDefinitionsOutput, error)
	DescribeServiceDeployments(context.Context, *awsecs.DescribeServiceDeploymentsInput, ...func(*awsecs.Options)) (*awsecs.DescribeServiceDeploymentsOutput, error)
	DescribeServiceRevisions(context.Context, *awsecs.DescribeServiceRevisionsInput, ...func(*awsecs.Options)) (*awsecs.DescribeServiceRevisionsOutput, error)
	RegisterTaskDefinition(context.Context, *awsecs.RegisterTaskDefinitionInput, ...func(*awsecs.Options)) (*awsecs.RegisterTaskDefinitionOutput, error)
	UpdateService(context.Context, *awsecs.UpdateServiceInput, ...func(*awsecs.Options)) (*awsecs.UpdateServiceOutput, error)
	StopServiceDeployment(context.Context, *awsecs.StopServiceDeploymentInput, ...func(*awsecs.Options)) (*awsecs.StopServiceDeploymentOutput, error)
	ContinueServiceDeployment(context.Context, *awsecs.ContinueServiceDeploymentInput, ...func(*awsecs.Options)) (*awsecs.ContinueServiceDeploymentOutput, error)
}

// Source polls the ECS services of a group of environments. It is safe for
// concurrent use, though the UI never runs two Fetch calls at once.
type Source struct {
	client      api
	name        string
	region      string // for console links
	profile     string
	envs        []Environment
	now         func() time.Time
	concurrency int

	taskDefs *taskDefCache

	mu     sync.Mutex
	memory map[string]*serviceMemory // by cluster + "/" + service

	// noServiceDeployments is set once the endpoint said it does not know
	// ListServiceDeployments (moto), so we stop asking.
	noServiceDeployments atomic.Bool

	// svcRevs maps a service revision ARN to its task definition ARN
	// (service revisions are immutable), for History.
	revMu   sync.Mutex
	svcRevs map[string]string
	revLBs  map[string][]revisionLB // service revision ARN → its resolved load balancers

	sides SidesReader // nil: native canaries carry no traffic
}

var (
	_ providers.DeploySource  = (*Source)(nil)
	_ providers.EnvReader     = (*Source)(nil)
	_ providers.HistoryReader = (*Source)(nil)
	_ providers.Rollbacker    = (*Source)(nil)
	_ providers.Promoter      = (*Source)(nil)
	_ providers.Aborter       = (*Source)(nil)
)

// New builds a Source from the AWS default configuration chain plus the
// options. It fails when no region can be found, naming the environments.
func New(ctx context.Context, o Options) (*Source, error) {
	cfg, err := awsx.LoadFor(ctx, "ecs", o.aws(), o.keys())
	if err != nil {
		return nil, err
	}
	client := awsecs.NewFromConfig(cfg, func(so *awsecs.Options) { so.HTTPClient = awsx.HTTPClient(o.HTTPClient, so.HTTPClient) })
	return newSource(client, cfg.Region, o), nil
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
		name:        awsx.SourceName("aws", region, o.aws()),
		region:      region,
		profile:     o.Profile,
		envs:        append([]Environment(nil), o.Environments...),
		now:         now,
		concurrency: conc,
		taskDefs:    newTaskDefCache(),
		memory:      make(map[string]*serviceMemory),
		svcRevs:     make(map[string]string),
		revLBs:      make(map[string][]revisionLB),
		sides:       o.Sides,
	}
}

// Name identifies the source on screen and in the health summary, e.g.
// "aws eu-west-1", "aws prod@eu-west-1", "aws us-east-1 via 127.0.0.1:4566".
func (s *Source) Name() string { return s.name }

// Kind is "aws".
func (s *Source) Kind() string { return "aws" }

// Covers lists the environments this source reports on, in config order.
func (s *Source) Covers() []model.EnvKey {
	keys := make([]model.EnvKey, len(s.envs))
	for i, e := range s.envs {
		keys[i] = e.Key
	}
	return keys
}

// Fetch polls every environment once: ceil(services/10) DescribeServices per
// cluster, DescribeTaskDefinition only for task definitions not seen before,
// ListServiceDeployments only for services whose deployments changed, and
// ListTasks plus DescribeTasks only for a failing deployment whose failed
// tasks changed (stopped.go).
//
// Every covered environment comes back, in config order: read, or failed
// with its own error (Service, Environment and Error set, nothing else).
// The error returned alongside is the source's trouble: a
// *providers.ThrottledError when any call was throttled (so the poller backs
// off even if other clusters answered), an error wrapping providers.ErrAuth
// when credentials were refused anywhere, or the transport or server error
// when no environment could be read at all. A missing cluster or service is
// that environment's error only.
func (s *Source) Fetch(ctx context.Context) ([]model.EnvStatus, error) {
	out, _, err := s.fetch(ctx)
	return out, err
}

// svcResult is what one DescribeServices batch said about one service.
type svcResult struct {
	svc *types.Service
	err error // wraps providers.ErrNotFound for a missing service or cluster
}

// svcRef names one service in one cluster as the config spells it.
type svcRef struct{ cluster, service string }

func (r svcRef) key() string { return r.cluster + "/" + r.service }

// fetch is Fetch with the per-environment errors kept as errors, so tests
// and callers in this package can use errors.Is on them.
func (s *Source) fetch(ctx context.Context) ([]model.EnvStatus, map[model.EnvKey]error, error) {
	return s.fetchEnvs(ctx, s.envs)
}

// fetchEnvs polls the given environments (all of the source's, or one for
// FetchEnv) with the same calls, cache and memory as Fetch.
func (s *Source) fetchEnvs(ctx context.Context, envs []Environment) ([]model.EnvStatus, map[model.EnvKey]error, error) {
	// Group the distinct services by cluster, in config order.
	var clusters []string
	byCluster := map[string][]string{}
	seen := map[svcRef]bool{}
	for _, e := range envs {
		ref := svcRef{e.Cluster, e.Service}
		if seen[ref] {
			continue
		}
		seen[ref] = true
		if _, ok := byCluster[e.Cluster]; !ok {
			clusters = append(clusters, e.Cluster)
		}
		byCluster[e.Cluster] = append(byCluster[e.Cluster], e.Service)
	}

	type batch struct {
		cluster  string
		services []string
	}
	var batches []batch
	for _, c := range clusters {
		svcs := byCluster[c]
		for i := 0; i < len(svcs); i += batchSize {
			batches = append(batches, batch{c, svcs[i:min(i+batchSize, len(svcs))]})
		}
	}

	results := make(map[svcRef]svcResult, len(seen))
	var resMu sync.Mutex
	s.parallel(len(batches), func(i int) {
		b := batches[i]
		var got map[string]svcResult
		if err := providers.Guard("ecs", func() error { got = s.describeServices(ctx, b.cluster, b.services); return nil }); err != nil {
			got = make(map[string]svcResult, len(b.services))
			for _, n := range b.services {
				got[n] = svcResult{err: err}
			}
		}
		resMu.Lock()
		for name, r := range got {
			results[svcRef{b.cluster, name}] = r
		}
		resMu.Unlock()
	})

	// Task definitions: describe each one not in the cache, once.
	var refs []string
	wanted := map[string]bool{}
	for _, r := range results {
		if r.svc == nil {
			continue
		}
		for _, td := range taskDefRefs(r.svc) {
			if k := tdKey(td); !wanted[k] && !s.taskDefs.has(td) {
				wanted[k] = true
				refs = append(refs, td)
			}
		}
	}
	sort.Strings(refs)
	tdGot := make([]*taskDef, len(refs))
	tdErrs := make([]error, len(refs))
	s.parallel(len(refs), func(i int) {
		tdErrs[i] = providers.Guard("ecs", func() (err error) {
			tdGot[i], err = s.describeTaskDefinition(ctx, refs[i])
			return err
		})
	})
	// This poll's answers, including bare families that the cache skips.
	polled := map[string]*taskDef{}
	tdErr := map[string]error{}
	for i, ref := range refs {
		if tdErrs[i] != nil {
			tdErr[tdKey(ref)] = tdErrs[i]
		} else {
			polled[tdKey(ref)] = tdGot[i]
		}
	}
	lookup := func(ref string) (*taskDef, error) {
		if td, ok := polled[tdKey(ref)]; ok {
			return td, nil
		}
		if td, ok := s.taskDefs.get(ref); ok {
			return td, nil
		}
		if err, ok := tdErr[tdKey(ref)]; ok {
			return nil, err
		}
		return nil, fmt.Errorf("ecs: task definition %s was not described", ref)
	}

	// Decide which services need ListServiceDeployments, and call it.
	type lsdJob struct {
		ref svcRef
		svc *types.Service
	}
	var jobs []lsdJob
	s.mu.Lock()
	for ref, r := range results {
		if r.svc != nil && s.wantServiceDeployments(s.memory[ref.key()], r.svc) {
			jobs = append(jobs, lsdJob{ref, r.svc})
		}
	}
	s.mu.Unlock()
	verdicts := make([]lsdVerdict, len(jobs))
	s.parallel(len(jobs), func(i int) {
		// Best effort, as any failure of the call: no verdict.
		_ = providers.Guard("ecs", func() error {
			verdicts[i] = s.listServiceDeployments(ctx, jobs[i].ref.cluster, jobs[i].svc)
			return nil
		})
	})
	fresh := map[svcRef]lsdVerdict{}
	for i, j := range jobs {
		fresh[j.ref] = verdicts[i]
	}
	natives := s.readNatives(ctx, results)
	s.readStoppedAll(ctx, results)

	// Assess every environment.
	out := make([]model.EnvStatus, 0, len(envs))
	errs := map[model.EnvKey]error{}
	var fails []envFailure
	readOK := false
	fail := func(e Environment, err error) {
		// A failed environment carries its own error and nothing else, so
		// nothing on it can be taken for data.
		out = append(out, providers.EnvFailed(e.Key, err))
		errs[e.Key] = err
		fails = append(fails, envFailure{cluster: e.Cluster, err: err})
	}
	s.mu.Lock()
	for _, e := range envs {
		ref := svcRef{e.Cluster, e.Service}
		r := results[ref]
		if r.svc == nil {
			err := r.err
			if err == nil {
				err = fmt.Errorf("ecs: describe services in %s: no answer for %s", e.Cluster, e.Service)
			}
			fail(e, err)
			continue
		}
		mem := s.memory[ref.key()]
		if mem == nil {
			mem = &serviceMemory{}
			s.memory[ref.key()] = mem
		}
		v, called := fresh[ref]
		var a model.EnvStatus
		err := providers.Guard("", func() (err error) { // wrapped below
			a, err = assess(r.svc, e.reading(), lookup, mem, v, called)
			return err
		})
		if err != nil {
			fail(e, fmt.Errorf("ecs: %s/%s: %w", e.Cluster, e.Service, err))
			continue
		}
		readOK = true
		attachStopped(&a, r.svc, mem)
		a.Service, a.Environment, a.Target = e.Key.Service, e.Key.Environment, model.TargetECS
		a.ConsoleURL = consoleURL(s.region, e.Cluster, aws.ToString(r.svc.ServiceName))
		if ctl := controllerOf(r.svc); ctl != "" {
			a.Controller, a.ReadOnly = ctl, readOnlyWhy(e.Key.Environment, ctl)
		}
		if nr := natives[ref]; nr != nil && a.State == model.StateDeploying {
			versionOf := func(ref string) (model.Version, error) {
				td, err := lookup(ref)
				if err != nil {
					return model.Version{Revision: revisionFromRef(ref)}, err
				}
				return td.version(e.reading())
			}
			_ = providers.Guard("ecs", func() error {
				a.Canary, a.Gates = nativeStatus(e.Key.Environment, r.svc, nr, versionOf, mem)
				return nil
			})
			for i := range a.Gates {
				a.Gates[i].Service = e.Key.Service
			}
		}
		out = append(out, a)
	}
	s.mu.Unlock()

	return out, errs, sourceError(fails, readOK)
}

// parallel runs fn(0..n-1) with at most s.concurrency in flight.
func (s *Source) parallel(n int, fn func(i int)) {
	if n == 0 {
		return
	}
	if n == 1 {
		fn(0)
		return
	}
	sem := make(chan struct{}, s.concurrency)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// describeServices reads up to ten services of one cluster in one call and
// says, for each name asked, what came back.
func (s *Source) describeServices(ctx context.Context, cluster string, names []string) map[string]svcResult {
	got := make(map[string]svcResult, len(names))
	out, err := s.client.DescribeServices(ctx, &awsecs.DescribeServicesInput{
		Cluster:  aws.String(cluster),
		Services: names,
	})
	if err != nil {
		wrapped := callError{fmt.Errorf("ecs: describe services in %s: %w", cluster, classify(err, s.profile, s.now()))}
		for _, n := range names {
			got[n] = svcResult{err: wrapped}
		}
		return got
	}
	if out == nil {
		out = &awsecs.DescribeServicesOutput{}
	}
	for i := range out.Services {
		svc := &out.Services[i]
		for _, n := range names {
			if _, done := got[n]; done || !sameService(n, svc) {
				continue
			}
			if strings.EqualFold(aws.ToString(svc.Status), "INACTIVE") {
				got[n] = svcResult{err: fmt.Errorf("ecs: service %s in %s is INACTIVE (deleted): %w", n, cluster, providers.ErrNotFound)}
			} else {
				got[n] = svcResult{svc: svc}
			}
		}
	}
	for _, f := range out.Failures {
		for _, n := range names {
			if _, done := got[n]; done || !failureNames(f, n) {
				continue
			}
			got[n] = svcResult{err: failureError(cluster, n, f)}
		}
	}
	for _, n := range names {
		if _, done := got[n]; !done {
			got[n] = svcResult{err: fmt.Errorf("ecs: service %s not found in %s: %w", n, cluster, providers.ErrNotFound)}
		}
	}
	return got
}

// sameService matches a configured name or ARN against a described service.
func sameService(want string, svc *types.Service) bool {
	if want == "" {
		return false
	}
	return want == aws.ToString(svc.ServiceName) || want == aws.ToString(svc.ServiceArn) ||
		(strings.HasPrefix(want, "arn:") && lastSegment(want) == aws.ToString(svc.ServiceName))
}

func failureNames(f types.Failure, want string) bool {
	arn := aws.ToString(f.Arn)
	return arn == want || lastSegment(arn) == lastSegment(want)
}

func lastSegment(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func failureError(cluster, name string, f types.Failure) error {
	reason := aws.ToString(f.Reason)
	detail := aws.ToString(f.Detail)
	if detail != "" {
		detail = " (" + detail + ")"
	}
	switch {
	case strings.EqualFold(reason, "MISSING"):
		return fmt.Errorf("ecs: service %s not found in %s: %w", name, cluster, providers.ErrNotFound)
	case strings.Contains(strings.ToUpper(reason), "ACCESS"):
		return fmt.Errorf("ecs: describe service %s in %s: %s%s: %w", name, cluster, reason, detail, providers.ErrAuth)
	default:
		return fmt.Errorf("ecs: describe service %s in %s: %s%s", name, cluster, reason, detail)
	}
}

// envFailure is one environment's failure in a poll, with the cluster it
// is in.
type envFailure struct {
	cluster string
	err     error
}

// sourceError decides what a poll's failures say about the whole source.
// Throttling anywhere makes the poll throttled, so the poller backs off even
// when other clusters answered; refused credentials anywhere make it an
// auth failure; other call failures (transport, 5xx) count only when no
// environment could be read. Answers about one environment (not found, a
// ClientException) never do. It returns nil when the source is fine.
func sourceError(fails []envFailure, readOK bool) error {
	var throttled, auth, other []envFailure
	for _, f := range fails {
		switch {
		case !sourceLevel(f.err):
		case errors.Is(f.err, providers.ErrThrottled):
			throttled = append(throttled, f)
		case errors.Is(f.err, providers.ErrAuth):
			auth = append(auth, f)
		default:
			other = append(other, f)
		}
	}
	switch {
	case len(throttled) > 0:
		return throttledSourceError(throttled)
	case len(auth) > 0:
		return summarise(auth, "")
	case !readOK && len(other) > 0 && len(other) == len(fails):
		return summarise(other, "")
	}
	return nil
}

// throttledSourceError is a *providers.ThrottledError asking for the
// longest Retry-After any throttled call was given. Its message is the first
// failure's, without saying "throttled" twice.
func throttledSourceError(fs []envFailure) error {
	var wait time.Duration
	for _, f := range fs {
		if d, _ := providers.RetryAfter(f.err); d > wait {
			wait = d
		}
	}
	var inner *providers.ThrottledError
	msg := ""
	if first := uncall(fs[0].err); errors.As(first, &inner) && inner.Err != nil {
		msg = strings.Replace(first.Error(), inner.Error(), inner.Err.Error(), 1)
	}
	return &providers.ThrottledError{RetryAfter: wait, Err: summarise(fs, msg)}
}

// summarise stands for the failures of several environments with the first
// one's error (or msg, when given), naming the other clusters that failed
// alike. The result unwraps to every failure.
func summarise(fs []envFailure, msg string) error {
	first := uncall(fs[0].err)
	var also []string
	all := make([]error, 0, len(fs))
	for _, f := range fs {
		all = append(all, uncall(f.err))
		if f.cluster != fs[0].cluster && !slices.Contains(also, f.cluster) {
			also = append(also, f.cluster)
		}
	}
	if msg == "" && len(also) == 0 {
		return first // one cluster: its error is the whole story
	}
	if msg == "" {
		msg = first.Error()
	}
	if len(also) > 0 {
		msg += " (also in " + strings.Join(also, ", ") + ")"
	}
	return &multiError{msg: msg, errs: all}
}

// uncall drops the internal callError marker.
func uncall(err error) error {
	if c, ok := err.(callError); ok {
		return c.error
	}
	return err
}

// multiError has its own message and unwraps to the errors it stands for.
type multiError struct {
	msg  string
	errs []error
}

func (e *multiError) Error() string   { return e.msg }
func (e *multiError) Unwrap() []error { return e.errs }

// consoleURL is the ECS console's page of a service.
func consoleURL(region, cluster, service string) string {
	if i := strings.LastIndexByte(cluster, '/'); i >= 0 {
		cluster = cluster[i+1:] // a cluster ARN: its name
	}
	return awsx.ConsoleURL(region, "/ecs/v2/clusters/"+cluster+"/services/"+service+"/health", "")
}
