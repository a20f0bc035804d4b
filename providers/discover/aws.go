package discover

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	awseb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// readAttempts is how often init tries a read: a one-off walk of a large
// account may meet throttling that the dashboard's quick single retry
// (awsx) would turn into a gap in the config.
const readAttempts = 4

// Options say which account and regions to look in.
type Options struct {
	// Regions are read in turn; the first is the config's default. Empty:
	// the default chain's region (AWS_REGION, the profile's).
	Regions []string
	// Profile, EndpointURL and Anonymous are as in the config's aws block.
	Profile, EndpointURL string
	Anonymous            bool
	// Credentials replaces the default chain (tests: static keys for moto).
	Credentials aws.CredentialsProvider
	// HTTPClient is optional (tests).
	HTTPClient *http.Client
	// Getenv reads the environment, to say what the credential chain
	// looked at; nil is no environment.
	Getenv func(string) string
}

// Found is what an account holds, and what could not be read.
type Found struct {
	Targets []Target
	// Regions are the regions read, the default's first.
	Regions []string
	// Warnings say what was refused or failed, and what that leaves out.
	Warnings []string
	// Counts of what was read.
	Clusters, Applications int
}

// CredentialsError is an account that could not be reached for want of
// credentials: nothing was read.
type CredentialsError struct {
	Err error
	// Tried is what the SDK's default chain looked at, one line each.
	Tried []string
	// Fix says how to set credentials.
	Fix []string
}

func (e *CredentialsError) Error() string {
	var b strings.Builder
	b.WriteString("no usable AWS credentials, so nothing was read.\n")
	fmt.Fprintf(&b, "The AWS SDK said: %v\n", e.Err)
	if len(e.Tried) > 0 {
		b.WriteString("The AWS SDK's default chain looked at, in order:\n")
		for _, t := range e.Tried {
			b.WriteString("  - " + t + "\n")
		}
	}
	b.WriteString("Set credentials with one of:\n")
	for _, f := range e.Fix {
		b.WriteString("  " + f + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (e *CredentialsError) Unwrap() []error { return []error{providers.ErrAuth, e.Err} }

// ErrNoRegion is a run with no region from the flags, the environment or
// the profile.
var ErrNoRegion = errors.New("no AWS region: pass --region, set AWS_REGION, or give the profile a region")

// Discover reads every ECS service and Elastic Beanstalk environment of
// the account in the regions asked for. No credentials is a
// *CredentialsError, before any call. A call that is refused (access
// denied) is a warning naming the permission, and the rest is read; the
// error is for an account from which nothing at all could be read.
func Discover(ctx context.Context, o Options) (Found, error) {
	var f Found
	first := ""
	if len(o.Regions) > 0 {
		first = o.Regions[0]
	}
	ao := awsx.Options{Region: first, Profile: o.Profile, EndpointURL: o.EndpointURL, Anonymous: o.Anonymous, Credentials: o.Credentials}
	cfg, err := awsx.Load(ctx, ao)
	if err != nil {
		return f, credentialsError(ctx, err, o)
	}
	if cfg.Region == "" {
		return f, ErrNoRegion
	}
	if !o.Anonymous && o.Credentials == nil {
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return f, credentialsError(ctx, awsx.Classify(err, o.Profile, time.Now(), nil), o)
		}
	}
	f.Regions = []string{cfg.Region}
	for _, r := range o.Regions[min(1, len(o.Regions)):] {
		if r != "" && !slices.Contains(f.Regions, r) {
			f.Regions = append(f.Regions, r)
		}
	}

	d := &discovery{o: o, cfg: cfg, found: &f, seen: map[string]bool{}, taskDefs: map[string]taskDef{}}
	var failures []error
	for _, region := range f.Regions {
		if err := d.ecs(ctx, region); err != nil {
			failures = append(failures, err)
			if d.o.EndpointURL != "" && unreachable(err) {
				continue // the endpoint does not answer, and Beanstalk's is the same one
			}
		}
		if err := d.beanstalk(ctx, region); err != nil {
			failures = append(failures, err)
		}
	}
	if len(f.Targets) == 0 && len(failures) > 0 {
		return f, errors.Join(failures...)
	}
	return f, nil
}

type discovery struct {
	o        Options
	cfg      aws.Config
	found    *Found
	seen     map[string]bool // ARNs of targets found, across regions (one endpoint may serve all)
	taskDefs map[string]taskDef
}

func (d *discovery) warn(format string, a ...any) {
	d.found.Warnings = append(d.found.Warnings, fmt.Sprintf(format, a...))
}

// refused reports an error that is a missing permission.
func refused(err error) bool {
	code := awsx.ErrorCode(err)
	return strings.HasPrefix(code, "AccessDenied") || code == "UnauthorizedOperation" || code == "AuthorizationError" ||
		code == "InsufficientPrivilegesException" || awsx.HTTPStatus(err) == http.StatusForbidden
}

// unreachable reports an error with no answer at all (no status, no
// code): the endpoint could not be reached.
func unreachable(err error) bool {
	return awsx.HTTPStatus(err) == 0 && awsx.ErrorCode(err) == "" && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// callError is a call's error, classified, saying which permission to
// grant when it was refused.
func callError(where, perm string, err error, profile string) error {
	c := awsx.Classify(err, profile, time.Now(), nil)
	if refused(err) {
		return fmt.Errorf("%s: %s: access denied (grant %s): %w", where, perm, perm, c)
	}
	return fmt.Errorf("%s: %s: %w", where, perm, c)
}

// failure is a call's error for a warning: the permission it wants when
// it was refused, else the error.
func failure(perm string, err error) string {
	if refused(err) {
		return "access denied: grant " + perm
	}
	return providers.OneLine(err.Error(), 300)
}

func (d *discovery) ecs(ctx context.Context, region string) error {
	client := awsecs.NewFromConfig(d.cfg, func(so *awsecs.Options) {
		so.Region = region
		so.HTTPClient = awsx.HTTPClient(d.o.HTTPClient, so.HTTPClient)
		so.Retryer = retry.AddWithMaxAttempts(so.Retryer, readAttempts)
	})
	var clusters []string
	pg := awsecs.NewListClustersPaginator(client, &awsecs.ListClustersInput{MaxResults: aws.Int32(100)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			d.warn("ECS in %s: ecs:ListClusters: %s; no ECS service of %s is in the config", region, failure("ecs:ListClusters", err), region)
			return callError("ECS in "+region, "ecs:ListClusters", err, d.o.Profile)
		}
		clusters = append(clusters, out.ClusterArns...)
	}
	for _, arn := range clusters {
		if d.seen[arn] {
			continue
		}
		d.seen[arn] = true
		d.found.Clusters++
		if err := d.cluster(ctx, client, region, arn); err != nil {
			return err
		}
	}
	return nil
}

// cluster reads one cluster's services. The error is only for a context
// that ended; a refusal is a warning.
func (d *discovery) cluster(ctx context.Context, client *awsecs.Client, region, clusterARN string) error {
	name := resourceName(clusterARN, "cluster/")
	var arns []string
	pg := awsecs.NewListServicesPaginator(client, &awsecs.ListServicesInput{Cluster: aws.String(clusterARN), MaxResults: aws.Int32(100)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.warn("ECS cluster %s: ecs:ListServices: %s; its services are not in the config", name, failure("ecs:ListServices", err))
			return nil
		}
		arns = append(arns, out.ServiceArns...)
	}
	type pending struct {
		t  Target
		td string
	}
	var found []pending
	for batch := range slices.Chunk(arns, 10) {
		out, err := client.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: aws.String(clusterARN), Services: batch})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The names are in the ARNs: the services go in without
			// their images (no repository, no container).
			d.warn("ECS cluster %s: ecs:DescribeServices: %s; %d service(s) are in the config without their repository", name, failure("ecs:DescribeServices", err), len(batch))
			for _, a := range batch {
				found = append(found, pending{t: Target{Kind: ECS, Region: arnRegion(a, region), Cluster: name, Service: serviceName(a)}})
			}
			continue
		}
		for _, s := range out.Services {
			if st := aws.ToString(s.Status); st != "" && st != "ACTIVE" {
				continue // DRAINING or INACTIVE: going away
			}
			t := Target{Kind: ECS, Region: arnRegion(aws.ToString(s.ServiceArn), region), Cluster: name, Service: aws.ToString(s.ServiceName)}
			if t.Service == "" {
				t.Service = serviceName(aws.ToString(s.ServiceArn))
			}
			for _, lb := range s.LoadBalancers {
				if g := aws.ToString(lb.TargetGroupArn); g != "" && !slices.Contains(t.TargetGroups, g) {
					t.TargetGroups = append(t.TargetGroups, g)
				}
			}
			found = append(found, pending{t: t, td: aws.ToString(s.TaskDefinition)})
		}
	}
	var tds []string
	for _, p := range found {
		if p.td != "" && !slices.Contains(tds, p.td) {
			tds = append(tds, p.td)
		}
	}
	read := d.taskDefsOf(ctx, client, tds)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	denied := 0
	for _, p := range found {
		if p.td != "" {
			r := read[p.td]
			if r.err != nil {
				if refused(r.err) {
					denied++
				} else {
					d.warn("ECS service %s/%s: ecs:DescribeTaskDefinition: %s; its repository is not known", name, p.t.Service, failure("ecs:DescribeTaskDefinition", r.err))
				}
			}
			r.td.apply(&p.t)
		}
		d.add(p.t)
	}
	if denied > 0 {
		d.warn("ECS cluster %s: ecs:DescribeTaskDefinition: access denied: grant ecs:DescribeTaskDefinition; %d service(s) are in the config without their repository", name, denied)
	}
	return nil
}

// tdResult is a task definition read, or why not.
type tdResult struct {
	td  taskDef
	err error
}

// taskDefWorkers bounds the task definitions read at once: a cluster's
// services are read in parallel, politely.
const taskDefWorkers = 8

// taskDefsOf reads task definitions, each once per run, several at a time.
func (d *discovery) taskDefsOf(ctx context.Context, client *awsecs.Client, arns []string) map[string]tdResult {
	out := make(map[string]tdResult, len(arns))
	var todo []string
	for _, a := range arns {
		if td, ok := d.taskDefs[a]; ok {
			out[a] = tdResult{td: td}
		} else {
			todo = append(todo, a)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan string)
	for range min(taskDefWorkers, len(todo)) {
		wg.Go(func() {
			for a := range next {
				td, err := readTaskDef(ctx, client, a)
				mu.Lock()
				out[a] = tdResult{td: td, err: err}
				mu.Unlock()
			}
		})
	}
	for _, a := range todo {
		next <- a
	}
	close(next)
	wg.Wait()
	for a, r := range out {
		if r.err == nil {
			d.taskDefs[a] = r.td
		}
	}
	return out
}

func (d *discovery) add(t Target) {
	key := fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%s\x00%s", t.Kind, t.Region, t.Cluster, t.Service, t.Application, t.Environment)
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	d.found.Targets = append(d.found.Targets, t)
}

// taskDef is what a task definition says about its service.
type taskDef struct {
	containers []container
}

type container struct {
	name, image string
	essential   bool
	labels      map[string]string
}

// The OCI labels an image carries (and ECS copies into dockerLabels when
// the pipeline sets them).
const (
	labelSource   = "org.opencontainers.image.source"
	labelRevision = "org.opencontainers.image.revision"
)

func readTaskDef(ctx context.Context, client *awsecs.Client, arn string) (taskDef, error) {
	out, err := client.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		return taskDef{}, err
	}
	var td taskDef
	if out.TaskDefinition != nil {
		for _, c := range out.TaskDefinition.ContainerDefinitions {
			td.containers = append(td.containers, containerOf(c))
		}
	}
	return td, nil
}

func containerOf(c ecstypes.ContainerDefinition) container {
	return container{name: aws.ToString(c.Name), image: aws.ToString(c.Image), essential: c.Essential == nil || *c.Essential, labels: c.DockerLabels}
}

// sidecars are images and names of the containers that run beside an
// application and are never its version: log routers, agents, proxies.
var sidecars = regexp.MustCompile(`(?i)(fluent-?bit|fluentd|firelens|log[-_]?router|datadog|dd-agent|envoy|appmesh|xray|x-ray|cloudwatch-agent|otel|opentelemetry|aws-otel)`)

// apply puts what the task definition says into the target: the
// repository, and which container is the application when there are
// several.
func (td taskDef) apply(t *Target) {
	if len(td.containers) == 0 {
		return
	}
	for _, c := range td.containers {
		t.Containers = append(t.Containers, c.name)
	}
	app := td.app(t.Service)
	if app >= 0 {
		t.Repo = RepoFromSource(td.containers[app].labels[labelSource])
		if len(td.containers) > 1 {
			t.Container = td.containers[app].name
		}
	} else {
		for _, c := range td.containers {
			if r := RepoFromSource(c.labels[labelSource]); r != "" {
				t.Repo = r
				break
			}
		}
	}
}

// app is the index of the application's container: the only one; else
// the only essential one that is not a sidecar; else the one carrying the
// OCI labels; else the one named as the service is. -1 when none is plain.
func (td taskDef) app(service string) int {
	if len(td.containers) == 1 {
		return 0
	}
	pick := func(ok func(container) bool) int {
		found := -1
		for i, c := range td.containers {
			if ok(c) {
				if found >= 0 {
					return -1
				}
				found = i
			}
		}
		return found
	}
	if i := pick(func(c container) bool { return c.essential && !sidecars.MatchString(c.name+" "+c.image) }); i >= 0 {
		return i
	}
	if i := pick(func(c container) bool { return c.labels[labelSource] != "" || c.labels[labelRevision] != "" }); i >= 0 {
		return i
	}
	base := splitName(service).base
	return pick(func(c container) bool { return c.name == service || c.name == base })
}

var repoPart = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// RepoFromSource is the GitHub owner/name an image.source label names
// (https://github.com/acme/api, …/api.git, git@github.com:acme/api.git,
// github.com/acme/api/tree/main/cmd); "" for any other host or shape.
func RepoFromSource(src string) string {
	src = strings.TrimSpace(src)
	if src == "" {
		return ""
	}
	var path string
	if rest, ok := strings.CutPrefix(src, "git@github.com:"); ok {
		path = rest
	} else {
		if !strings.Contains(src, "://") {
			src = "https://" + src
		}
		u, err := url.Parse(src)
		if err != nil {
			return ""
		}
		host := strings.ToLower(u.Hostname())
		if host != "github.com" && host != "www.github.com" {
			return ""
		}
		path = u.Path
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	owner, name := parts[0], strings.TrimSuffix(parts[1], ".git")
	if !repoPart.MatchString(owner) || !repoPart.MatchString(name) || dots(owner) || dots(name) {
		return ""
	}
	return owner + "/" + name
}

// dots says a repository part is "." or "..", which a path would read as
// a step, not a name.
func dots(s string) bool { return s == "." || s == ".." }

// resourceName is what follows prefix in an ARN's resource (the name of
// arn:aws:ecs:r:a:cluster/NAME); the string itself when it is no ARN.
func resourceName(arn, prefix string) string {
	if i := strings.Index(arn, ":"+prefix); i >= 0 && strings.HasPrefix(arn, "arn:") {
		return arn[i+1+len(prefix):]
	}
	return arn
}

// serviceName is a service ARN's name, in its long form
// (service/CLUSTER/NAME) or its old short one (service/NAME).
func serviceName(arn string) string {
	n := resourceName(arn, "service/")
	if i := strings.LastIndex(n, "/"); i >= 0 {
		return n[i+1:]
	}
	return n
}

// arnRegion is an ARN's region, or def.
func arnRegion(arn, def string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) == 5 && parts[0] == "arn" && parts[3] != "" {
		return parts[3]
	}
	return def
}

func (d *discovery) beanstalk(ctx context.Context, region string) error {
	client := awseb.NewFromConfig(d.cfg, func(so *awseb.Options) {
		so.Region = region
		so.HTTPClient = awsx.HTTPClient(d.o.HTTPClient, so.HTTPClient)
		so.Retryer = retry.AddWithMaxAttempts(so.Retryer, readAttempts)
	})
	apps, err := client.DescribeApplications(ctx, &awseb.DescribeApplicationsInput{})
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		// DescribeEnvironments alone still finds every environment.
		d.warn("Elastic Beanstalk in %s: elasticbeanstalk:DescribeApplications: %s", region, failure("elasticbeanstalk:DescribeApplications", err))
	default:
		for _, a := range apps.Applications {
			key := "eb-app\x00" + aws.ToString(a.ApplicationArn) + aws.ToString(a.ApplicationName)
			if !d.seen[key] {
				d.seen[key] = true
				d.found.Applications++
			}
		}
	}
	in := &awseb.DescribeEnvironmentsInput{IncludeDeleted: aws.Bool(false), MaxRecords: aws.Int32(100)}
	for {
		out, err := client.DescribeEnvironments(ctx, in)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.warn("Elastic Beanstalk in %s: elasticbeanstalk:DescribeEnvironments: %s; no Beanstalk environment of %s is in the config", region, failure("elasticbeanstalk:DescribeEnvironments", err), region)
			return callError("Elastic Beanstalk in "+region, "elasticbeanstalk:DescribeEnvironments", err, d.o.Profile)
		}
		for _, e := range out.Environments {
			switch e.Status {
			case "Terminating", "Terminated":
				continue
			}
			d.add(Target{Kind: Beanstalk, Region: arnRegion(aws.ToString(e.EnvironmentArn), region),
				Application: aws.ToString(e.ApplicationName), Environment: aws.ToString(e.EnvironmentName), CNAME: aws.ToString(e.CNAME)})
		}
		next := aws.ToString(out.NextToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			return nil
		}
		in.NextToken = aws.String(next)
	}
}
