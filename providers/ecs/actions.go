package ecs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// The release actions. Each reads what it needs live, then sends at most
// the mutating calls its Receipt lists, once: nothing here retries a
// mutating call (the SDK's retryer is turned off for them), since a retried
// UpdateService or RegisterTaskDefinition could act twice.

// rollbackScanLimit bounds how many ACTIVE revisions Rollback looks through
// for the SHA (one ListTaskDefinitions page).
const rollbackScanLimit = 100

// ECS operation names, as Receipt.Calls and the audit log spell them.
const (
	opUpdateService          = "UpdateService"
	opRegisterTaskDefinition = "RegisterTaskDefinition"
	opStopServiceDeployment  = "StopServiceDeployment"
)

// noRetry sends a mutating call exactly once.
func noRetry(o *awsecs.Options) { o.RetryMaxAttempts = 1 }

// Rollback points the environment's service at the newest ACTIVE revision
// of its task-definition family whose container carries to.SHA, or at
// to.Revision itself when that is set, ACTIVE and carries the SHA. It may
// supersede a deploy in flight: ECS stops the deployment in progress when a
// new one starts. When no deployable revision carries the SHA it refuses
// (a *model.Refusal) and names the deregistered revisions that did.
//
// Calls: DescribeServices 1; DescribeTaskDefinition 1 for to.Revision;
// otherwise ListTaskDefinitions 1 and DescribeTaskDefinition for revisions
// not yet cached, newest first, until one carries the SHA (History has
// usually cached them); then UpdateService 1 (none with dryRun).
func (s *Source) Rollback(ctx context.Context, key model.EnvKey, to model.Version, dryRun bool) (providers.Receipt, error) {
	var rc providers.Receipt
	e, err := s.env(key)
	if err != nil {
		return rc, err
	}
	if to.SHA == "" && to.Revision == "" {
		return rc, model.Refuse("nothing to roll back to: no SHA or revision given")
	}
	cur, err := s.actOn(ctx, e)
	if err != nil {
		return rc, err
	}
	target, err := s.resolveRollback(ctx, familyOf(cur), e.reading(), to)
	if err != nil {
		return rc, err
	}
	if sameTaskDef(target.arn, cur) {
		return rc, model.Refuse("%s/%s already points at %s", e.Cluster, e.Service, target.Revision())
	}
	call := providers.Call{Operation: opUpdateService, Params: map[string]string{
		"cluster": e.Cluster, "service": e.Service, "taskDefinition": target.arn,
	}}
	rc.Calls = []providers.Call{call}
	if dryRun {
		rc.Detail = "would point the service at " + target.Revision()
		return rc, nil
	}
	out, err := s.client.UpdateService(ctx, &awsecs.UpdateServiceInput{
		Cluster: aws.String(e.Cluster), Service: aws.String(e.Service), TaskDefinition: aws.String(target.arn),
	}, noRetry)
	rc.RequestIDs = appendRequestID(rc.RequestIDs, out, err)
	if err != nil {
		return rc, fmt.Errorf("ecs: update service %s in %s to %s: %w", e.Service, e.Cluster, target.Revision(), classify(err, s.profile, s.now()))
	}
	rc.Detail = "service now points at " + target.Revision()
	return rc, nil
}

// resolveRollback finds the revision of family a rollback to `to` deploys.
func (s *Source) resolveRollback(ctx context.Context, family string, r reading, to model.Version) (*taskDef, error) {
	carries := func(td *taskDef) bool {
		if to.SHA == "" {
			return true
		}
		v, err := td.version(r)
		return err == nil && model.SameCommit(v.SHA, to.SHA)
	}
	if to.Revision != "" && familyOf(to.Revision) == family && revisionNumber(to.Revision) > 0 {
		// Described afresh: the status (ACTIVE or not) is not cached.
		out, err := s.client.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(to.Revision)})
		switch {
		case err != nil && !isClientError(err):
			return nil, fmt.Errorf("ecs: describe task definition %s: %w", to.Revision, classify(err, s.profile, s.now()))
		case err == nil && out.TaskDefinition != nil:
			td := newTaskDef(out.TaskDefinition)
			s.taskDefs.put(to.Revision, td)
			if out.TaskDefinition.Status == types.TaskDefinitionStatusActive && carries(td) {
				return td, nil
			}
		}
	}
	if to.SHA == "" {
		return nil, model.Refuse("%s is not a deployable revision of %s", to.Revision, family)
	}

	active, err := s.listFamily(ctx, family, true, rollbackScanLimit)
	if err != nil {
		return nil, err
	}
	// Newest first, described a window at a time (in parallel for what the
	// cache lacks), stopping at the first window with a match.
	for i := 0; i < len(active); i += s.concurrency {
		window := active[i:min(i+s.concurrency, len(active))]
		refs := make([]string, len(window))
		for j, r := range window {
			refs[j] = r.arn
		}
		tds, err := s.describeAll(ctx, refs)
		if err != nil {
			return nil, err
		}
		for _, td := range tds {
			if carries(td) {
				return td, nil
			}
		}
	}

	// None: say which deregistered revisions carried it, if any did.
	why := fmt.Sprintf("none of its %d active revisions does", len(active))
	if len(active) == 0 {
		why = "it has no active revisions"
	}
	if inactive, err := s.listFamily(ctx, family, false, historyLimit); err == nil && len(inactive) > 0 {
		refs := make([]string, len(inactive))
		for j, r := range inactive {
			refs[j] = r.arn
		}
		if tds, err := s.describeAll(ctx, refs); err == nil {
			var gone []string
			for _, td := range tds {
				if carries(td) {
					gone = append(gone, td.Revision())
				}
			}
			if len(gone) > 0 {
				verb := "was"
				if len(gone) > 1 {
					verb = "were"
				}
				why += "; " + strings.Join(gone, ", ") + " carried it but " + verb + " deregistered"
			}
		}
	}
	return nil, model.Refuse("no deployable revision of %s carries %s: %s", family, model.ShortSHA(to.SHA), why)
}

// Promote deploys the exact image another environment runs
// (artifact.Artifact, by digest where the source has one) into key's
// environment: it registers a new revision of the target's own family that
// copies every registration field of the target's current task definition
// (roles, network mode, volumes, sizes, placement, proxy, pid/ipc mode,
// runtime platform, ephemeral storage, tags; the other containers, and the
// chosen container's environment, secrets and sizes) and changes only the
// chosen container's image, and its org.opencontainers.image.revision label
// to artifact.SHA when it has that label. Then it points the service at the
// new revision.
//
// Calls: DescribeServices 1, DescribeTaskDefinition 1 (with tags), then
// RegisterTaskDefinition 1 and UpdateService 1 (neither with dryRun).
func (s *Source) Promote(ctx context.Context, key model.EnvKey, artifact model.Version, dryRun bool) (providers.Receipt, error) {
	var rc providers.Receipt
	e, err := s.env(key)
	if err != nil {
		return rc, err
	}
	if artifact.Artifact == "" {
		return rc, model.Refuse("nothing to promote: the image the source environment runs is unknown")
	}
	cur, err := s.actOn(ctx, e)
	if err != nil {
		return rc, err
	}
	out, err := s.client.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(cur),
		Include:        []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
	})
	if err != nil {
		return rc, fmt.Errorf("ecs: describe task definition %s: %w", revisionFromRef(cur), classify(err, s.profile, s.now()))
	}
	if out.TaskDefinition == nil {
		return rc, fmt.Errorf("ecs: describe task definition %s: empty answer", revisionFromRef(cur))
	}
	base := out.TaskDefinition
	baseRev := newTaskDef(base).Revision()
	in, ci, err := registration(base, out.Tags, e.Container, artifact)
	if err != nil {
		return rc, err
	}
	c := &in.ContainerDefinitions[ci]
	family := aws.ToString(in.Family)

	reg := providers.Call{Operation: opRegisterTaskDefinition, Params: map[string]string{
		"family": family, "basedOn": baseRev, "container": aws.ToString(c.Name), "image": aws.ToString(c.Image),
	}}
	if sha, ok := c.DockerLabels[RevisionLabel]; ok {
		reg.Params["dockerLabels."+RevisionLabel] = sha
	}
	upd := providers.Call{Operation: opUpdateService, Params: map[string]string{
		"cluster": e.Cluster, "service": e.Service, "taskDefinition": "(the new revision of " + family + ")",
	}}
	if dryRun {
		rc.Calls = []providers.Call{reg, upd}
		rc.Detail = "would register a new revision of " + family + " (" + baseRev + " with image " + aws.ToString(c.Image) + ") and point the service at it"
		return rc, nil
	}

	rc.Calls = []providers.Call{reg}
	regOut, err := s.client.RegisterTaskDefinition(ctx, in, noRetry)
	rc.RequestIDs = appendRequestID(rc.RequestIDs, regOut, err)
	if err != nil {
		return rc, fmt.Errorf("ecs: register a new revision of %s: %w", family, classify(err, s.profile, s.now()))
	}
	if regOut.TaskDefinition == nil || aws.ToString(regOut.TaskDefinition.TaskDefinitionArn) == "" {
		return rc, fmt.Errorf("ecs: register a new revision of %s: the answer names no task definition", family)
	}
	newTD := newTaskDef(regOut.TaskDefinition)
	s.taskDefs.put(newTD.arn, newTD)
	upd.Params["taskDefinition"] = newTD.arn
	rc.Calls = append(rc.Calls, upd)
	updOut, err := s.client.UpdateService(ctx, &awsecs.UpdateServiceInput{
		Cluster: aws.String(e.Cluster), Service: aws.String(e.Service), TaskDefinition: aws.String(newTD.arn),
	}, noRetry)
	rc.RequestIDs = appendRequestID(rc.RequestIDs, updOut, err)
	rc.Detail = "registered " + newTD.Revision()
	if err != nil {
		return rc, fmt.Errorf("ecs: registered %s but could not point service %s in %s at it: %w", newTD.Revision(), e.Service, e.Cluster, classify(err, s.profile, s.now()))
	}
	return rc, nil
}

// registration builds the RegisterTaskDefinition request that copies base
// with the chosen container's image (and revision label) changed. It
// returns the index of that container.
func registration(base *types.TaskDefinition, tags []types.Tag, containerName string, artifact model.Version) (*awsecs.RegisterTaskDefinitionInput, int, error) {
	in := &awsecs.RegisterTaskDefinitionInput{
		Family:                  base.Family,
		ContainerDefinitions:    append([]types.ContainerDefinition(nil), base.ContainerDefinitions...),
		Cpu:                     base.Cpu,
		EnableFaultInjection:    base.EnableFaultInjection,
		EphemeralStorage:        base.EphemeralStorage,
		ExecutionRoleArn:        base.ExecutionRoleArn,
		InferenceAccelerators:   base.InferenceAccelerators,
		IpcMode:                 base.IpcMode,
		Memory:                  base.Memory,
		NetworkMode:             base.NetworkMode,
		PidMode:                 base.PidMode,
		PlacementConstraints:    base.PlacementConstraints,
		ProxyConfiguration:      base.ProxyConfiguration,
		RequiresCompatibilities: base.RequiresCompatibilities,
		RuntimePlatform:         base.RuntimePlatform,
		TaskRoleArn:             base.TaskRoleArn,
		Volumes:                 base.Volumes,
	}
	for _, t := range tags {
		// Tags under aws: are ECS's own and cannot be registered.
		if !strings.HasPrefix(strings.ToLower(aws.ToString(t.Key)), "aws:") {
			in.Tags = append(in.Tags, t)
		}
	}
	ci, err := chooseContainer(in.ContainerDefinitions, containerName)
	rev := newTaskDef(base).Revision()
	if err != nil {
		return nil, 0, fmt.Errorf("ecs: task definition %s: %w", rev, err)
	}
	c := &in.ContainerDefinitions[ci]
	if aws.ToString(c.Image) == artifact.Artifact {
		return nil, 0, model.Refuse("%s already runs %s", rev, artifact.Artifact)
	}
	c.Image = aws.String(artifact.Artifact)
	if _, ok := c.DockerLabels[RevisionLabel]; ok {
		c.DockerLabels = maps.Clone(c.DockerLabels)
		if artifact.SHA != "" {
			c.DockerLabels[RevisionLabel] = artifact.SHA
		} else {
			// The old commit would be a lie; without the label the version
			// is read from the new image's tag.
			delete(c.DockerLabels, RevisionLabel)
		}
	}
	return in, ci, nil
}

// chooseContainer is pickContainer over container definitions.
func chooseContainer(defs []types.ContainerDefinition, want string) (int, error) {
	names, images, essential := make([]string, len(defs)), make([]string, len(defs)), make([]bool, len(defs))
	for i, c := range defs {
		names[i], images[i], essential[i] = aws.ToString(c.Name), aws.ToString(c.Image), c.Essential == nil || *c.Essential
	}
	return pickContainer(names, images, essential, want)
}

// Abort stops the deploy in flight with a rollback: it finds the service
// deployment in progress (the service's currentServiceDeployment, else
// ListServiceDeployments for PENDING or IN_PROGRESS ones) and calls
// StopServiceDeployment with stopType ROLLBACK, which ECS honours even for
// deployments not configured to roll back. It refuses when nothing is in
// flight or the deploy is already rolling back or stopping, and fails with
// a clear error on an endpoint without service deployments (moto).
//
// Calls: DescribeServices 1, DescribeServiceDeployments 1 (or
// ListServiceDeployments 1 when the service names no current deployment;
// nothing more when it is plainly steady), then StopServiceDeployment 1
// (none with dryRun).
func (s *Source) Abort(ctx context.Context, key model.EnvKey, dryRun bool) (providers.Receipt, error) {
	var rc providers.Receipt
	e, err := s.env(key)
	if err != nil {
		return rc, err
	}
	svc, err := s.service(ctx, e)
	if err != nil {
		return rc, err
	}
	if err := refuseControlled(e, svc); err != nil {
		return rc, err
	}
	arn, err := s.inFlight(ctx, e, svc)
	if err != nil {
		return rc, err
	}
	rc.Calls = []providers.Call{{Operation: opStopServiceDeployment, Params: map[string]string{
		"serviceDeploymentArn": arn, "stopType": string(types.StopServiceDeploymentStopTypeRollback),
	}}}
	if dryRun {
		rc.Detail = "would stop service deployment " + lastSegment(arn) + " and roll back"
		return rc, nil
	}
	out, err := s.client.StopServiceDeployment(ctx, &awsecs.StopServiceDeploymentInput{
		ServiceDeploymentArn: aws.String(arn),
		StopType:             types.StopServiceDeploymentStopTypeRollback,
	}, noRetry)
	rc.RequestIDs = appendRequestID(rc.RequestIDs, out, err)
	if err != nil {
		if notImplemented(err) {
			return rc, abortUnsupported(opStopServiceDeployment, err)
		}
		return rc, fmt.Errorf("ecs: stop service deployment %s of %s in %s: %w", lastSegment(arn), e.Service, e.Cluster, classify(err, s.profile, s.now()))
	}
	rc.Detail = "stopped service deployment " + lastSegment(arn) + "; ECS is rolling back"
	return rc, nil
}

// inFlight finds the ARN of the service deployment in progress, or refuses.
func (s *Source) inFlight(ctx context.Context, e Environment, svc *types.Service) (string, error) {
	nothing := func(why string) error {
		return model.Refuse("%s/%s has no deploy in flight to abort%s", e.Key.Service, e.Key.Environment, why)
	}
	if arn := aws.ToString(svc.CurrentServiceDeployment); arn != "" {
		out, err := s.client.DescribeServiceDeployments(ctx, &awsecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
		if err != nil {
			if notImplemented(err) {
				return "", abortUnsupported("DescribeServiceDeployments", err)
			}
			return "", fmt.Errorf("ecs: describe service deployment %s: %w", lastSegment(arn), classify(err, s.profile, s.now()))
		}
		for _, sd := range out.ServiceDeployments {
			if aws.ToString(sd.ServiceDeploymentArn) != arn {
				continue
			}
			switch sd.Status {
			case types.ServiceDeploymentStatusPending, types.ServiceDeploymentStatusInProgress:
				return arn, nil
			case types.ServiceDeploymentStatusRollbackRequested, types.ServiceDeploymentStatusRollbackInProgress:
				return "", model.Refuse("%s/%s is already rolling back (service deployment %s)", e.Key.Service, e.Key.Environment, lastSegment(arn))
			case types.ServiceDeploymentStatusStopRequested:
				return "", model.Refuse("%s/%s: service deployment %s is already being stopped", e.Key.Service, e.Key.Environment, lastSegment(arn))
			}
			return "", nothing(fmt.Sprintf(" (its latest service deployment is %s)", sd.Status))
		}
		return "", fmt.Errorf("ecs: service deployment %s of %s in %s could not be described", lastSegment(arn), e.Service, e.Cluster)
	}
	if plainlySteady(svc) {
		return "", nothing("")
	}
	if s.noServiceDeployments.Load() {
		return "", abortUnsupported("ListServiceDeployments", errors.New("the endpoint answered UnknownOperation earlier"))
	}
	service := aws.ToString(svc.ServiceArn)
	if service == "" {
		service = e.Service
	}
	out, err := s.client.ListServiceDeployments(ctx, &awsecs.ListServiceDeploymentsInput{
		Cluster: aws.String(e.Cluster),
		Service: aws.String(service),
		Status:  []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusPending, types.ServiceDeploymentStatusInProgress},
	})
	if err != nil {
		if notImplemented(err) {
			if unsupported(err) {
				s.noServiceDeployments.Store(true)
			}
			return "", abortUnsupported("ListServiceDeployments", err)
		}
		return "", fmt.Errorf("ecs: list service deployments of %s in %s: %w", e.Service, e.Cluster, classify(err, s.profile, s.now()))
	}
	var latest *types.ServiceDeploymentBrief
	for i := range out.ServiceDeployments {
		d := &out.ServiceDeployments[i]
		if latest == nil || briefTime(d).After(briefTime(latest)) {
			latest = d
		}
	}
	if latest == nil || aws.ToString(latest.ServiceDeploymentArn) == "" {
		return "", nothing("")
	}
	return aws.ToString(latest.ServiceDeploymentArn), nil
}

func abortUnsupported(op string, err error) error {
	return fmt.Errorf("ecs: this endpoint does not support aborting a deploy: it does not implement %s (ECS service deployments), which stopping a deploy needs: %w", op, err)
}

// isClientError: ECS said no about the request itself (for
// DescribeTaskDefinition, a revision that does not exist).
func isClientError(err error) bool {
	switch errorCode(err) {
	case "ClientException", "InvalidParameterException":
		return true
	}
	return false
}

// appendRequestID adds the request id of a call's answer, or of its error
// when the service gave one.
func appendRequestID(ids []string, out any, err error) []string {
	if err != nil {
		var re interface{ ServiceRequestID() string }
		if errors.As(err, &re) && re.ServiceRequestID() != "" {
			return append(ids, re.ServiceRequestID())
		}
		return ids
	}
	var md middleware.Metadata
	switch o := out.(type) {
	case *awsecs.UpdateServiceOutput:
		md = o.ResultMetadata
	case *awsecs.RegisterTaskDefinitionOutput:
		md = o.ResultMetadata
	case *awsecs.StopServiceDeploymentOutput:
		md = o.ResultMetadata
	case *awsecs.ContinueServiceDeploymentOutput:
		md = o.ResultMetadata
	default:
		return ids
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok && id != "" {
		return append(ids, id)
	}
	return ids
}
