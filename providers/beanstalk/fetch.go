package beanstalk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// Operation names, as the counting tests, Receipt.Calls and the audit log
// spell them.
const (
	opDescribeEnvironments          = "DescribeEnvironments"
	opDescribeEnvironmentHealth     = "DescribeEnvironmentHealth"
	opDescribeEvents                = "DescribeEvents"
	opDescribeApplicationVersions   = "DescribeApplicationVersions"
	opDescribeConfigurationSettings = "DescribeConfigurationSettings"
	opDescribeInstancesHealth       = "DescribeInstancesHealth"
	opUpdateEnvironment             = "UpdateEnvironment"
	opCreateApplicationVersion      = "CreateApplicationVersion"
	opAbortEnvironmentUpdate        = "AbortEnvironmentUpdate"
	opSwapEnvironmentCNAMEs         = "SwapEnvironmentCNAMEs"
)

const (
	// pagesRead bounds the pages of one DescribeEnvironments or
	// DescribeApplicationVersions read (a page is normally all there is).
	pagesRead = 5
	// firstEvents is how many events the first read of an environment
	// takes; later reads take what came since, up to sinceEvents.
	firstEvents = 50
	sinceEvents = 100
	// skipFor is how long an operation the endpoint does not implement is
	// left alone before it is tried again.
	skipFor = 10 * time.Minute
	// namesFor is how long the names that exist are remembered for the
	// message about one that does not.
	namesFor = 5 * time.Minute
)

// Fetch polls every environment once: one DescribeEnvironments per
// application for all of its configured environments (standbys included);
// DescribeEnvironmentHealth for each environment with enhanced health;
// DescribeEvents, for what came since the last read, only for an
// environment that is updating or changed since the last poll;
// DescribeApplicationVersions only for labels not seen before;
// DescribeConfigurationSettings once per environment and again when it
// starts an update; DescribeInstancesHealth only while a traffic-splitting
// deploy runs.
//
// Every covered environment comes back, in config order: read, or failed
// with its own error (key and Error set, nothing else). The error
// returned is the source's trouble: throttled anywhere, credentials
// refused anywhere, or no environment read at all.
func (s *Source) Fetch(ctx context.Context) ([]model.EnvStatus, error) {
	out, _, err := s.fetchEnvs(ctx, s.envs)
	return out, err
}

// FetchEnv reads one environment live, with the calls and memory of Fetch.
func (s *Source) FetchEnv(ctx context.Context, key model.EnvKey) (model.EnvStatus, error) {
	e, err := s.env(key)
	if err != nil {
		return onlyError(key, err), err
	}
	sts, errs, _ := s.fetchEnvs(ctx, []Environment{e})
	if len(sts) != 1 {
		err := fmt.Errorf("beanstalk: %s/%s: no answer", key.Service, key.Environment)
		return onlyError(key, err), err
	}
	return sts[0], errs[key]
}

func onlyError(key model.EnvKey, err error) model.EnvStatus {
	return providers.EnvFailed(key, err)
}

// described is what DescribeEnvironments said about the environments of
// one application, by name, or why it could not say.
type described struct {
	envs map[string]types.EnvironmentDescription
	err  error
}

// extra is what the other calls of one poll brought for one Beanstalk
// environment.
type extra struct {
	health *model.Health
	events []types.EventDescription
	wanted bool // events were due: the environment moved
	asked  bool // events were asked for and answered
	taken  bool // remembered: the memory has this poll's answers
	// cfg is the configuration read this poll (nil: not due); inst the
	// instances' traffic while a traffic-splitting deploy runs.
	cfg  *deployConfig
	inst *instanceRead
}

func (s *Source) fetchEnvs(ctx context.Context, envs []Environment) ([]model.EnvStatus, map[model.EnvKey]error, error) {
	apps, byApp := groupByApp(envs)
	descs := make([]described, len(apps))
	providers.Parallel(len(apps), s.concurrency, func(i int) {
		err := providers.Guard("beanstalk", func() (err error) {
			descs[i].envs, err = s.describeApp(ctx, apps[i], byApp[apps[i]])
			return err
		})
		descs[i].err = err
	})
	found := map[envRef]types.EnvironmentDescription{}
	for i, app := range apps {
		for name, d := range descs[i].envs {
			found[envRef{app, name}] = d
		}
	}

	extras := s.readExtras(ctx, found)
	s.readVersions(ctx, found)

	out := make([]model.EnvStatus, 0, len(envs))
	errs := map[model.EnvKey]error{}
	var fails []error
	read := 0
	for _, e := range envs {
		st, err := s.status(ctx, e, found, extras, descs[slices.Index(apps, e.Application)].err)
		if err != nil {
			out = append(out, onlyError(e.Key, err))
			errs[e.Key] = err
			fails = append(fails, err)
			continue
		}
		read++
		out = append(out, st)
	}
	return out, errs, providers.SourceError(fails, read, ownEnvironment)
}

// ownEnvironment: a failure that concerns one environment only (it does
// not exist, or reading its answer panicked), not the source.
func ownEnvironment(err error) bool {
	return errors.Is(err, providers.ErrNotFound) || providers.IsPanic(err)
}

// groupByApp lists the applications in config order and, for each, the
// distinct Beanstalk environment names to describe.
func groupByApp(envs []Environment) ([]string, map[string][]string) {
	var apps []string
	byApp := map[string][]string{}
	for _, e := range envs {
		if _, ok := byApp[e.Application]; !ok {
			apps = append(apps, e.Application)
			byApp[e.Application] = nil
		}
		for _, n := range e.names() {
			if !slices.Contains(byApp[e.Application], n) {
				byApp[e.Application] = append(byApp[e.Application], n)
			}
		}
	}
	return apps, byApp
}

// describeApp reads the named environments of one application in one
// DescribeEnvironments call (more only if the answer is paged). The
// answer is filtered again here: an endpoint may ignore the filters (moto
// does) and a terminated environment is as good as missing.
func (s *Source) describeApp(ctx context.Context, app string, names []string) (map[string]types.EnvironmentDescription, error) {
	in := &eb.DescribeEnvironmentsInput{ApplicationName: aws.String(app), EnvironmentNames: names, IncludeDeleted: aws.Bool(false)}
	got := map[string]types.EnvironmentDescription{}
	for range pagesRead {
		out, err := s.client.DescribeEnvironments(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("beanstalk: describe environments of %s: %w", app, s.classify(err))
		}
		for _, d := range out.Environments {
			name := aws.ToString(d.EnvironmentName)
			if !slices.Contains(names, name) || !sameApp(d, app) || d.Status == types.EnvironmentStatusTerminated {
				continue
			}
			got[name] = d
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	return got, nil
}

// sameApp: the description is of app (an answer that names no
// application is taken at its word: it was asked about app).
func sameApp(d types.EnvironmentDescription, app string) bool {
	a := aws.ToString(d.ApplicationName)
	return a == "" || a == app
}

// readExtras asks, for each environment found, its enhanced health and
// (when it moved) its events since the last read, in parallel.
func (s *Source) readExtras(ctx context.Context, found map[envRef]types.EnvironmentDescription) map[envRef]*extra {
	type job struct {
		ref    envRef
		d      types.EnvironmentDescription
		events bool
		since  time.Time
		config bool
		cfg    *deployConfig // the configuration known before this poll
	}
	var jobs []job
	s.mu.Lock()
	for ref, d := range found {
		m := s.mem(ref)
		j := job{ref: ref, d: d, events: m.changed(d), config: m.configDue(d, s.now()), cfg: m.cfg}
		if m.eventsRead {
			j.since = m.lastEvent
		}
		jobs = append(jobs, j)
	}
	s.mu.Unlock()
	slices.SortFunc(jobs, func(a, b job) int { return strings.Compare(a.ref.app+"\x00"+a.ref.name, b.ref.app+"\x00"+b.ref.name) })

	out := make(map[envRef]*extra, len(jobs))
	for _, j := range jobs {
		out[j.ref] = &extra{}
	}
	var mu sync.Mutex
	providers.Parallel(len(jobs), s.concurrency, func(i int) {
		j := jobs[i]
		x := &extra{}
		_ = providers.Guard("beanstalk", func() error {
			x.health = s.health(ctx, j.d)
			if x.wanted = j.events; x.wanted {
				x.events, x.asked = s.events(ctx, j.ref.app, j.d, j.since)
			}
			cfg := j.cfg
			if j.config {
				x.cfg = s.readConfig(ctx, j.ref.app, j.d)
				cfg = x.cfg
			}
			if j.d.Status == types.EnvironmentStatusUpdating && cfg.trafficSplitting() {
				x.inst = s.readInstances(ctx, j.d)
			}
			return nil
		})
		mu.Lock()
		out[j.ref] = x
		mu.Unlock()
	})
	return out
}

// mem is the memory of one environment, made on first use; s.mu is held.
func (s *Source) mem(ref envRef) *envMemory {
	m := s.memory[ref]
	if m == nil {
		m = &envMemory{}
		s.memory[ref] = m
	}
	return m
}

// health is the environment's health: DescribeEnvironmentHealth where
// enhanced health is on (the description carries a HealthStatus), else
// the basic colour. A failed health read falls back on what the
// description says; it fails nothing.
func (s *Source) health(ctx context.Context, d types.EnvironmentDescription) *model.Health {
	h := &model.Health{Color: string(d.Health), Status: string(d.HealthStatus), Enhanced: d.HealthStatus != ""}
	if !h.Enhanced || s.skipped(opDescribeEnvironmentHealth) {
		if h.Color == "" && h.Status == "" {
			return nil
		}
		return h
	}
	in := &eb.DescribeEnvironmentHealthInput{AttributeNames: []types.EnvironmentHealthAttribute{types.EnvironmentHealthAttributeAll}}
	if id := aws.ToString(d.EnvironmentId); id != "" {
		in.EnvironmentId = aws.String(id)
	} else {
		in.EnvironmentName = d.EnvironmentName
	}
	out, err := s.client.DescribeEnvironmentHealth(ctx, in)
	if err != nil {
		s.noteUnsupported(opDescribeEnvironmentHealth, err)
		return h
	}
	return enhancedHealth(out, h)
}

// enhancedHealth reads DescribeEnvironmentHealth's answer over the basic
// health it refines.
func enhancedHealth(out *eb.DescribeEnvironmentHealthOutput, basic *model.Health) *model.Health {
	h := *basic
	if c := aws.ToString(out.Color); c != "" {
		h.Color = c
	}
	if st := aws.ToString(out.HealthStatus); st != "" {
		h.Status = st
	}
	h.Causes = append([]string(nil), out.Causes...)
	h.RefreshedAt = aws.ToTime(out.RefreshedAt)
	if am := out.ApplicationMetrics; am != nil {
		r := &model.Requests{WindowSeconds: int(aws.ToInt32(am.Duration)), Count: int(am.RequestCount)}
		if sc := am.StatusCodes; sc != nil {
			r.Status2xx, r.Status3xx = int(aws.ToInt32(sc.Status2xx)), int(aws.ToInt32(sc.Status3xx))
			r.Status4xx, r.Status5xx = int(aws.ToInt32(sc.Status4xx)), int(aws.ToInt32(sc.Status5xx))
		}
		if l := am.Latency; l != nil {
			r.P50, r.P90, r.P99 = aws.ToFloat64(l.P50), aws.ToFloat64(l.P90), aws.ToFloat64(l.P99)
		}
		h.Requests = r
	}
	if ih := out.InstancesHealth; ih != nil {
		h.Instances = &model.InstanceCounts{
			Ok: i32(ih.Ok), Info: i32(ih.Info), Warning: i32(ih.Warning), Degraded: i32(ih.Degraded),
			Severe: i32(ih.Severe), Pending: i32(ih.Pending), Unknown: i32(ih.Unknown), NoData: i32(ih.NoData),
		}
	}
	return &h
}

func i32(p *int32) int { return int(max(0, aws.ToInt32(p))) }

// events reads the environment's events since the last read (the newest
// firstEvents on the first). ok is false when they could not be read;
// the environment is then shown from what was read before.
func (s *Source) events(ctx context.Context, app string, d types.EnvironmentDescription, since time.Time) (evs []types.EventDescription, ok bool) {
	if s.skipped(opDescribeEvents) {
		return nil, false
	}
	in := &eb.DescribeEventsInput{ApplicationName: aws.String(app), MaxRecords: aws.Int32(firstEvents)}
	if id := aws.ToString(d.EnvironmentId); id != "" {
		in.EnvironmentId = aws.String(id)
	} else {
		in.EnvironmentName = d.EnvironmentName
	}
	if !since.IsZero() {
		in.StartTime, in.MaxRecords = aws.Time(since), aws.Int32(sinceEvents)
	}
	out, err := s.client.DescribeEvents(ctx, in)
	if err != nil {
		s.noteUnsupported(opDescribeEvents, err)
		return nil, false
	}
	// Another environment's events (an endpoint ignoring the filter) are
	// not this one's.
	for _, ev := range out.Events {
		if n := aws.ToString(ev.EnvironmentName); n == "" || n == aws.ToString(d.EnvironmentName) {
			evs = append(evs, ev)
		}
	}
	return evs, true
}

// readVersions describes, per application, the labels the environments
// run that are not cached yet (or still processing), one call each.
// Best effort: without them the SHA still comes from the label.
func (s *Source) readVersions(ctx context.Context, found map[envRef]types.EnvironmentDescription) {
	want := map[string][]string{}
	s.mu.Lock()
	for ref, d := range found {
		label := aws.ToString(d.VersionLabel)
		if label == "" {
			continue
		}
		if v, ok := s.versions[versionRef{ref.app, label}]; ok && v.settled() {
			continue
		}
		if !slices.Contains(want[ref.app], label) {
			want[ref.app] = append(want[ref.app], label)
		}
	}
	s.mu.Unlock()
	apps := make([]string, 0, len(want))
	for app := range want {
		apps = append(apps, app)
	}
	slices.Sort(apps)
	providers.Parallel(len(apps), s.concurrency, func(i int) {
		_ = providers.Guard("beanstalk", func() error {
			_, err := s.describeVersions(ctx, apps[i], want[apps[i]])
			return err
		})
	})
}

// describeVersions reads application versions of app (the labels given,
// or with none the newest) and caches them. It returns them as read.
func (s *Source) describeVersions(ctx context.Context, app string, labels []string) ([]*appVersion, error) {
	if s.skipped(opDescribeApplicationVersions) {
		return nil, fmt.Errorf("beanstalk: this endpoint does not implement %s", opDescribeApplicationVersions)
	}
	in := &eb.DescribeApplicationVersionsInput{ApplicationName: aws.String(app), VersionLabels: labels}
	if len(labels) == 0 {
		in.MaxRecords = aws.Int32(historyLimit)
	}
	var got []*appVersion
	for range pagesRead {
		out, err := s.client.DescribeApplicationVersions(ctx, in)
		if err != nil {
			s.noteUnsupported(opDescribeApplicationVersions, err)
			return nil, fmt.Errorf("beanstalk: describe application versions of %s: %w", app, s.classify(err))
		}
		for _, d := range out.ApplicationVersions {
			if a := aws.ToString(d.ApplicationName); a != "" && a != app {
				continue
			}
			if v := newAppVersion(d); v.label != "" {
				got = append(got, v)
			}
		}
		if aws.ToString(out.NextToken) == "" || len(labels) == 0 {
			break
		}
		in.NextToken = out.NextToken
	}
	s.mu.Lock()
	for _, v := range got {
		s.versions[versionRef{app, v.label}] = v
	}
	s.mu.Unlock()
	return got, nil
}

// version is the cached application version, or nil.
func (s *Source) version(app, label string) *appVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.versions[versionRef{app, label}]
}

// skipped reports an operation the endpoint was found not to implement
// lately.
func (s *Source) skipped(op string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().Before(s.skip[op])
}

// noteUnsupported leaves an operation alone for a while when the endpoint
// says it does not implement it, or answers a bare HTTP 500 that is not
// an AWS error at all (moto, for the operations it lacks): a real AWS
// error always carries a code.
func (s *Source) noteUnsupported(op string, err error) {
	if !notImplemented(err) {
		return
	}
	s.mu.Lock()
	s.skip[op] = s.now().Add(skipFor)
	s.mu.Unlock()
}
