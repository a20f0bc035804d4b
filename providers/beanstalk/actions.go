package beanstalk

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk"
	"github.com/aws/aws-sdk-go-v2/service/elasticbeanstalk/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/internal/awsx"
)

// The release actions. Each reads what it needs live, then sends its
// mutating calls once: the SDK's retries are off for them, since a
// retried UpdateEnvironment or CreateApplicationVersion could act twice.

// noRetry sends a mutating call exactly once.
func noRetry(o *eb.Options) { o.RetryMaxAttempts = 1 }

// Rollback deploys an existing application version to the environment
// (its live side, for a blue/green pair): to.Revision, the label, when
// given (it must exist, be deployable and carry to.SHA if that is given
// too), else the newest deployable version of the newest 25 carrying
// to.SHA. It may supersede an update in flight; Beanstalk refuses one it
// cannot (OperationInProgress), and that refusal is definite.
//
// Calls: DescribeEnvironments 1, DescribeApplicationVersions 1, then
// UpdateEnvironment 1 (none with dryRun).
func (s *Source) Rollback(ctx context.Context, key model.EnvKey, to model.Version, dryRun bool) (providers.Receipt, error) {
	e, err := s.env(key)
	if err != nil {
		return providers.Receipt{}, err
	}
	live, _, _, err := s.pair(ctx, e)
	if err != nil {
		return providers.Receipt{}, err
	}
	v, err := s.resolve(ctx, e, to)
	if err != nil {
		return providers.Receipt{}, err
	}
	if v.label == aws.ToString(live.VersionLabel) && live.Status == types.EnvironmentStatusReady {
		return providers.Receipt{}, model.Refuse("%s already runs %s", aws.ToString(live.EnvironmentName), v.label)
	}
	return s.deploy(ctx, e, live, v.label, dryRun)
}

// resolve finds the deployable application version a rollback to `to`
// deploys, or refuses saying why none is.
func (s *Source) resolve(ctx context.Context, e Environment, to model.Version) (*appVersion, error) {
	if to.Revision == "" && to.SHA == "" {
		return nil, model.Refuse("nothing to roll back to: no SHA or version label given")
	}
	var labels []string
	if to.Revision != "" {
		labels = []string{to.Revision}
	}
	vs, err := s.describeVersions(ctx, e.Application, labels)
	if err != nil {
		return nil, err
	}
	var undeployable *appVersion
	for _, v := range newestFirst(vs) {
		if to.Revision != "" && v.label != to.Revision {
			continue
		}
		if to.SHA != "" && !model.SameCommit(versionOf(e, v.label, v).SHA, to.SHA) {
			continue
		}
		if v.deployable() != "" {
			undeployable = v
			continue
		}
		return v, nil
	}
	what := to.Revision
	if what == "" {
		what = "a version carrying " + model.ShortSHA(to.SHA)
	} else if to.SHA != "" {
		what += " carrying " + model.ShortSHA(to.SHA)
	}
	if undeployable != nil {
		return nil, model.Refuse("application %s has %s but it cannot be deployed: %s", e.Application, undeployable.label, undeployable.deployable())
	}
	return nil, model.Refuse("application %s has no %s among its newest %d versions", e.Application, what, historyLimit)
}

// newestFirst is a copy of vs, the newest created first.
func newestFirst(vs []*appVersion) []*appVersion {
	out := slices.Clone(vs)
	sort.SliceStable(out, func(i, j int) bool { return out[i].created.After(out[j].created) })
	return out
}

// deploy points the environment at an application version of its own
// application: UpdateEnvironment with only VersionLabel, so the
// environment keeps every option setting it has.
func (s *Source) deploy(ctx context.Context, e Environment, live types.EnvironmentDescription, label string, dryRun bool) (providers.Receipt, error) {
	name := aws.ToString(live.EnvironmentName)
	c := providers.Call{Operation: opUpdateEnvironment, Params: map[string]string{
		"ApplicationName": e.Application, "EnvironmentName": name, "VersionLabel": label,
	}}
	return providers.Perform(c, dryRun, "deploy version "+label+" to "+name, func() (string, string, error) {
		out, err := s.client.UpdateEnvironment(ctx, &eb.UpdateEnvironmentInput{
			ApplicationName: aws.String(e.Application), EnvironmentName: aws.String(name), VersionLabel: aws.String(label),
		}, noRetry)
		if err != nil {
			return awsx.RequestID(middleware.Metadata{}, err), "", fmt.Errorf("beanstalk: update environment %s: %w", name, s.classify(err))
		}
		return awsx.RequestID(out.ResultMetadata, nil), name + " is deploying " + label, nil
	})
}

// Promote deploys into the environment the exact application version
// another environment runs (artifact.Revision, its label, and
// artifact.Artifact, its bundle). In the same application that version is
// deployed as it is; in another application, which lacks the label, a
// version with the same label is created first from the same source
// bundle (CreateApplicationVersion). A label the target application
// already has for another bundle is refused, never overwritten. The
// target keeps its own option settings.
//
// Calls: DescribeEnvironments 1, DescribeApplicationVersions 1, then
// CreateApplicationVersion 1 when the application lacks the label, and
// UpdateEnvironment 1 (neither with dryRun).
func (s *Source) Promote(ctx context.Context, key model.EnvKey, artifact model.Version, dryRun bool) (providers.Receipt, error) {
	e, err := s.env(key)
	if err != nil {
		return providers.Receipt{}, err
	}
	label := artifact.Revision
	if label == "" {
		return providers.Receipt{}, model.Refuse("nothing to promote: the version label the source environment runs is unknown")
	}
	live, _, _, err := s.pair(ctx, e)
	if err != nil {
		return providers.Receipt{}, err
	}
	if label == aws.ToString(live.VersionLabel) {
		return providers.Receipt{}, model.Refuse("%s already runs %s", aws.ToString(live.EnvironmentName), label)
	}
	have, err := s.describeVersions(ctx, e.Application, []string{label})
	if err != nil {
		return providers.Receipt{}, err
	}
	for _, v := range have {
		if v.label != label {
			continue
		}
		if artifact.Artifact != "" && v.bundle != "" && v.bundle != artifact.Artifact {
			return providers.Receipt{}, model.Refuse("application %s already has a version %s, of another bundle (%s, not %s); not overwriting it", e.Application, label, v.bundle, artifact.Artifact)
		}
		if why := v.deployable(); why != "" {
			return providers.Receipt{}, model.Refuse("application %s has %s but it cannot be deployed: %s", e.Application, label, why)
		}
		return s.deploy(ctx, e, live, label, dryRun)
	}
	return s.createAndDeploy(ctx, e, live, artifact, dryRun)
}

// createAndDeploy creates the version in the target's application from
// the source's bundle, then deploys it.
func (s *Source) createAndDeploy(ctx context.Context, e Environment, live types.EnvironmentDescription, artifact model.Version, dryRun bool) (providers.Receipt, error) {
	bucket, key, ok := parseBundle(artifact.Artifact)
	if !ok {
		return providers.Receipt{}, model.Refuse("application %s has no version %s, and the source's bundle is unknown, so it cannot be created", e.Application, artifact.Revision)
	}
	desc := "promoted by flightdeck from " + artifact.Artifact
	if artifact.SHA != "" {
		desc = "commit " + artifact.SHA + "; " + desc
	}
	desc = providers.OneLine(desc, 200) // the API's limit
	create := providers.Call{Operation: opCreateApplicationVersion, Params: map[string]string{
		"ApplicationName": e.Application, "VersionLabel": artifact.Revision, "SourceBundle": artifact.Artifact, "Description": desc,
	}}
	rc, err := providers.Perform(create, dryRun, "create version "+artifact.Revision+" of "+e.Application, func() (string, string, error) {
		out, err := s.client.CreateApplicationVersion(ctx, &eb.CreateApplicationVersionInput{
			ApplicationName: aws.String(e.Application), VersionLabel: aws.String(artifact.Revision),
			SourceBundle: &types.S3Location{S3Bucket: aws.String(bucket), S3Key: aws.String(key)},
			Description:  aws.String(desc),
		}, noRetry)
		if err != nil {
			return awsx.RequestID(middleware.Metadata{}, err), "", fmt.Errorf("beanstalk: %w", s.classify(err))
		}
		return awsx.RequestID(out.ResultMetadata, nil), "created " + artifact.Revision, nil
	})
	if err != nil {
		return rc, err
	}
	up, err := s.deploy(ctx, e, live, artifact.Revision, dryRun)
	rc.Calls = append(rc.Calls, up.Calls...)
	rc.RequestIDs = append(rc.RequestIDs, up.RequestIDs...)
	rc.Detail = joinDetail(rc.Detail, up.Detail)
	if err != nil {
		return rc, fmt.Errorf("created version %s in %s, but: %w", artifact.Revision, e.Application, err)
	}
	return rc, nil
}

func joinDetail(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// Abort stops the update in flight (AbortEnvironmentUpdate); Beanstalk
// then rolls the environment back. It refuses unless Beanstalk says an
// abortable operation is in progress.
//
// Calls: DescribeEnvironments 1, then AbortEnvironmentUpdate 1 (none
// with dryRun).
func (s *Source) Abort(ctx context.Context, key model.EnvKey, dryRun bool) (providers.Receipt, error) {
	e, err := s.env(key)
	if err != nil {
		return providers.Receipt{}, err
	}
	live, _, _, err := s.pair(ctx, e)
	if err != nil {
		return providers.Receipt{}, err
	}
	return s.abort(ctx, live, dryRun)
}

// abort sends AbortEnvironmentUpdate for the environment as just read.
func (s *Source) abort(ctx context.Context, live types.EnvironmentDescription, dryRun bool) (providers.Receipt, error) {
	name := aws.ToString(live.EnvironmentName)
	if !aws.ToBool(live.AbortableOperationInProgress) {
		why := ""
		if live.Status != types.EnvironmentStatusReady {
			why = fmt.Sprintf(" (it is %s, but Beanstalk says nothing abortable is in progress)", live.Status)
		}
		return providers.Receipt{}, model.Refuse("%s has no update in flight to abort%s", name, why)
	}
	c := providers.Call{Operation: opAbortEnvironmentUpdate, Params: map[string]string{"EnvironmentName": name}}
	return providers.Perform(c, dryRun, "abort the update of "+name, func() (string, string, error) {
		out, err := s.client.AbortEnvironmentUpdate(ctx, &eb.AbortEnvironmentUpdateInput{EnvironmentName: aws.String(name)}, noRetry)
		if err != nil {
			return awsx.RequestID(middleware.Metadata{}, err), "", fmt.Errorf("beanstalk: abort environment update of %s: %w", name, s.classify(err))
		}
		return awsx.RequestID(out.ResultMetadata, nil), "aborted the update of " + name + "; Beanstalk is rolling back", nil
	})
}

// StepCanary acts on a traffic-splitting deploy (providers.CanaryStepper).
// Abort is AbortEnvironmentUpdate: Beanstalk sends all traffic back to
// the old instances and terminates the new. Promote is refused: Beanstalk
// moves the traffic itself when the evaluation ends, and has no call to
// hurry it; the refusal says when. Both refuse unless the environment (its
// live side) is Updating with the TrafficSplitting policy.
//
// Calls: DescribeEnvironments 1, DescribeConfigurationSettings 1 when the
// policy is not known yet, then AbortEnvironmentUpdate 1 for an abort
// (none with dryRun).
func (s *Source) StepCanary(ctx context.Context, key model.EnvKey, promote, dryRun bool) (providers.Receipt, error) {
	e, err := s.env(key)
	if err != nil {
		return providers.Receipt{}, err
	}
	live, _, _, err := s.pair(ctx, e)
	if err != nil {
		return providers.Receipt{}, err
	}
	name := aws.ToString(live.EnvironmentName)
	cfg := s.knownConfig(ctx, e.Application, live)
	if live.Status != types.EnvironmentStatusUpdating || !cfg.trafficSplitting() {
		policy := "unknown"
		if cfg != nil && !cfg.failed {
			policy = orNone(cfg.policy)
		}
		return providers.Receipt{}, model.Refuse("%s has no traffic-splitting deploy in flight (it is %s; deployment policy %s)", name, describeStatus(live), policy)
	}
	if promote {
		return providers.Receipt{}, model.Refuse("%s", s.promoteRefusal(e, live, cfg))
	}
	return s.abort(ctx, live, dryRun)
}

// knownConfig is the environment's deploy configuration: remembered, or
// read now when it never was or the read failed.
func (s *Source) knownConfig(ctx context.Context, app string, d types.EnvironmentDescription) *deployConfig {
	ref := envRef{app, aws.ToString(d.EnvironmentName)}
	s.mu.Lock()
	cfg := s.mem(ref).cfg
	s.mu.Unlock()
	if cfg != nil && !cfg.failed {
		return cfg
	}
	cfg = s.readConfig(ctx, app, d)
	s.mu.Lock()
	s.mem(ref).cfg = cfg
	s.mu.Unlock()
	return cfg
}

// promoteRefusal says why a traffic-splitting canary cannot be promoted,
// and when Beanstalk will move the traffic by itself.
func (s *Source) promoteRefusal(e Environment, live types.EnvironmentDescription, cfg *deployConfig) string {
	name := aws.ToString(live.EnvironmentName)
	s.mu.Lock()
	c := s.canary(e, live, s.mem(envRef{e.Application, name}))
	s.mu.Unlock()
	what := fmt.Sprintf("Elastic Beanstalk moves a traffic-splitting deploy's traffic itself: %s sends all of it to the new instances when the %s evaluation ends",
		name, minutes(cfg.evaluation))
	switch {
	case c != nil && c.Stage == "rolling back":
		return what + "; this deploy failed and is being rolled back"
	case c != nil && !c.EndsAt.IsZero():
		left := c.EndsAt.Sub(s.now()).Round(time.Second)
		if left > 0 {
			return fmt.Sprintf("%s, at %s (in %s) if the new instances stay healthy; abort to send it back instead",
				what, c.EndsAt.UTC().Format("15:04:05 UTC"), left)
		}
		return fmt.Sprintf("%s; it ended at %s and Beanstalk is shifting the traffic now", what, c.EndsAt.UTC().Format("15:04:05 UTC"))
	}
	return what + ", which begins once the new instances take their share of the traffic; abort to stop the deploy instead"
}

// Switch swaps the CNAMEs of a blue/green pair: the standby takes the
// production name. It refuses while either side is updating (or not
// Ready) or the standby is not Green (and Ok, with enhanced health), as
// read just before.
//
// Calls: DescribeEnvironments 1, DescribeEnvironmentHealth 1 when the
// standby has enhanced health, then SwapEnvironmentCNAMEs 1 (none with
// dryRun).
func (s *Source) Switch(ctx context.Context, key model.EnvKey, dryRun bool) (providers.Receipt, error) {
	e, err := s.env(key)
	if err != nil {
		return providers.Receipt{}, err
	}
	if e.Standby == "" {
		return providers.Receipt{}, model.Refuse("%s/%s has no standby: set beanstalk.standby to switch", key.Service, key.Environment)
	}
	live, standby, ok, err := s.pair(ctx, e)
	if err != nil {
		return providers.Receipt{}, err
	}
	if !ok {
		return providers.Receipt{}, model.Refuse("the standby %s was not found in application %s", e.Standby, e.Application)
	}
	if why := swapBlocked(live, standby, s.health(ctx, standby)); why != "" {
		return providers.Receipt{}, model.Refuse("cannot switch: %s", why)
	}
	from, to := aws.ToString(live.EnvironmentName), aws.ToString(standby.EnvironmentName)
	c := providers.Call{Operation: opSwapEnvironmentCNAMEs, Params: map[string]string{
		"SourceEnvironmentName": from, "DestinationEnvironmentName": to,
	}}
	return providers.Perform(c, dryRun, "swap the CNAMEs of "+from+" and "+to, func() (string, string, error) {
		out, err := s.client.SwapEnvironmentCNAMEs(ctx, &eb.SwapEnvironmentCNAMEsInput{
			SourceEnvironmentName: aws.String(from), DestinationEnvironmentName: aws.String(to),
		}, noRetry)
		if err != nil {
			return awsx.RequestID(middleware.Metadata{}, err), "", fmt.Errorf("beanstalk: swap environment CNAMEs of %s and %s: %w", from, to, s.classify(err))
		}
		return awsx.RequestID(out.ResultMetadata, nil), to + " now holds " + orNone(aws.ToString(live.CNAME)), nil
	})
}
