package ecs

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
)

// ECS deployment statuses and rollout states as they appear on the wire.
const (
	statusPrimary = "PRIMARY"
	statusActive  = "ACTIVE"

	rolloutInProgress = string(types.DeploymentRolloutStateInProgress)
	rolloutCompleted  = string(types.DeploymentRolloutStateCompleted)
	rolloutFailed     = string(types.DeploymentRolloutStateFailed)
)

// rollbackEventWindow is how close to the PRIMARY deployment's creation a
// "rolling back to deployment …" service event must be to name it as the
// rollback: ECS writes the event as it creates the rollback deployment.
const rollbackEventWindow = time.Minute

// verdictKind is what ListServiceDeployments said about a service's latest
// service deployment.
type verdictKind int

const (
	verdictUnknown        verdictKind = iota // not asked, unsupported, or failed
	verdictNormal                            // a deployment that is not a rollback
	verdictRollingBack                       // ROLLBACK_REQUESTED / ROLLBACK_IN_PROGRESS
	verdictRolledBack                        // ROLLBACK_SUCCESSFUL
	verdictRollbackFailed                    // ROLLBACK_FAILED
)

type lsdVerdict struct {
	kind   verdictKind
	reason string
}

// serviceMemory is what a Source remembers of one service between polls.
// It is guarded by Source.mu.
type serviceMemory struct {
	seen bool
	// deploymentSet is the deployments' signature at the last poll; a
	// change is what makes a ListServiceDeployments call worth its cost.
	deploymentSet string
	// verdict is ListServiceDeployments' answer for deploymentSet.
	verdict lsdVerdict
	// rollback is set while the PRIMARY deployment is a circuit-breaker
	// rollback, so the state stays rolled_back until a new deployment begins.
	rollback *rollbackMemo
	// stage is when the native deployment's stage and weight in force
	// were first seen (native.go).
	stage stageMark
	// stopped is the failing deployment's stopped tasks (stopped.go).
	stopped *stoppedMemo
}

type rollbackMemo struct {
	primaryID string
	reason    string
	// fromSHA is the version that failed, by container name, since
	// environments on one service may read different containers.
	fromSHA map[string]string
}

// deploymentSet is the signature of a service's deployments: their IDs and
// which is PRIMARY (ECS may promote an old deployment back to PRIMARY in a
// rollback without changing the IDs).
func deploymentSet(svc *types.Service) string {
	ids := make([]string, 0, len(svc.Deployments))
	for i := range svc.Deployments {
		d := &svc.Deployments[i]
		ids = append(ids, aws.ToString(d.Id)+"="+aws.ToString(d.Status))
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// wantServiceDeployments decides whether a service is worth a
// ListServiceDeployments call this poll: only when its deployments changed
// since the last poll, or, the first time it is seen, when it is not plainly
// steady. Steady polls thus stay at the DescribeServices calls alone.
// Called with s.mu held.
func (s *Source) wantServiceDeployments(mem *serviceMemory, svc *types.Service) bool {
	if s.noServiceDeployments.Load() || len(svc.Deployments) == 0 {
		return false
	}
	if mem == nil || !mem.seen {
		return !plainlySteady(svc) || rollbackHinted(svc)
	}
	return deploymentSet(svc) != mem.deploymentSet
}

// plainlySteady: one deployment, and it completed.
func plainlySteady(svc *types.Service) bool {
	if len(svc.Deployments) != 1 {
		return false
	}
	d := svc.Deployments[0]
	return string(d.RolloutState) == rolloutCompleted ||
		d.RolloutState == "" && d.RunningCount >= d.DesiredCount
}

// rollbackHinted: anything in the service that talks about a rollback.
func rollbackHinted(svc *types.Service) bool {
	for i := range svc.Deployments {
		if mentionsRollback(aws.ToString(svc.Deployments[i].RolloutStateReason)) {
			return true
		}
	}
	for _, ev := range svc.Events {
		if _, ok := rollbackTarget(aws.ToString(ev.Message)); ok {
			return true
		}
	}
	return false
}

func mentionsRollback(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "rolling back") || strings.Contains(s, "rolled back") || strings.Contains(s, "rollback")
}

// rollbackTarget reads "(service api) rolling back to deployment ecs-svc/123."
// and returns the deployment ID it names.
func rollbackTarget(msg string) (string, bool) {
	const phrase = "rolling back to deployment"
	i := strings.Index(strings.ToLower(msg), phrase)
	if i < 0 {
		return "", false
	}
	rest := strings.TrimSpace(msg[i+len(phrase):])
	rest = strings.TrimPrefix(rest, "Id ") // "rolling back to deploymentId ecs-svc/…"
	f := strings.Fields(rest)
	for _, w := range f {
		// An ECS deployment ID, wherever it stands.
		if strings.HasPrefix(w, "ecs-svc/") {
			return strings.TrimRight(w, ".,;)"), true
		}
	}
	if len(f) > 0 {
		return strings.TrimRight(f[0], ".,;)"), true
	}
	return "", true
}

// listServiceDeployments asks ECS whether the service's latest service
// deployment is a rollback. Any failure only means "no extra information":
// moto does not implement the call, and a throttled answer is not worth
// failing a poll for.
func (s *Source) listServiceDeployments(ctx context.Context, cluster string, svc *types.Service) lsdVerdict {
	service := aws.ToString(svc.ServiceArn)
	if service == "" {
		service = aws.ToString(svc.ServiceName)
	}
	in := &awsecs.ListServiceDeploymentsInput{
		Cluster:    aws.String(cluster),
		Service:    aws.String(service),
		MaxResults: aws.Int32(20),
	}
	var oldest time.Time
	for i := range svc.Deployments {
		if t := aws.ToTime(svc.Deployments[i].CreatedAt); !t.IsZero() && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
	}
	if !oldest.IsZero() {
		// The failed deployment a rollback undoes can predate the rollback
		// deployment by however long the circuit breaker took.
		in.CreatedAt = &types.CreatedAt{After: aws.Time(oldest.Add(-24 * time.Hour))}
	}
	out, err := s.client.ListServiceDeployments(ctx, in, func(o *awsecs.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		if unsupported(err) {
			s.noServiceDeployments.Store(true)
		}
		return lsdVerdict{}
	}
	if out == nil || len(out.ServiceDeployments) == 0 {
		return lsdVerdict{}
	}
	latest := &out.ServiceDeployments[0]
	for i := range out.ServiceDeployments {
		d := &out.ServiceDeployments[i]
		if briefTime(d).After(briefTime(latest)) {
			latest = d
		}
	}
	v := lsdVerdict{reason: aws.ToString(latest.StatusReason)}
	switch latest.Status {
	case types.ServiceDeploymentStatusRollbackRequested, types.ServiceDeploymentStatusRollbackInProgress:
		v.kind = verdictRollingBack
	case types.ServiceDeploymentStatusRollbackSuccessful:
		v.kind = verdictRolledBack
	case types.ServiceDeploymentStatusRollbackFailed:
		v.kind = verdictRollbackFailed
	case "":
		v.kind = verdictUnknown
	default:
		v.kind = verdictNormal
	}
	return v
}

func briefTime(d *types.ServiceDeploymentBrief) time.Time {
	if t := aws.ToTime(d.CreatedAt); !t.IsZero() {
		return t
	}
	return aws.ToTime(d.StartedAt)
}

// lookupFunc finds a described task definition by reference.
type lookupFunc func(ref string) (*taskDef, error)

// assess turns one described service into an environment's status, using
// and updating what the source remembers of it. verdict is this poll's
// ListServiceDeployments answer when called is true. Called with s.mu held.
func assess(svc *types.Service, r reading, lookup lookupFunc, mem *serviceMemory, verdict lsdVerdict, called bool) (model.EnvStatus, error) {
	set := deploymentSet(svc)
	switch {
	case called:
		mem.verdict = verdict
	case set != mem.deploymentSet:
		mem.verdict = lsdVerdict{}
	}
	mem.deploymentSet, mem.seen = set, true

	versionOf := func(ref string) (model.Version, error) {
		if ref == "" {
			return model.Version{}, errors.New("no task definition")
		}
		td, err := lookup(ref)
		if err != nil {
			return model.Version{Revision: revisionFromRef(ref)}, err
		}
		return td.version(r)
	}

	var st model.EnvStatus
	st.Events = events(svc.Events)
	if controllerOf(svc) != "" {
		mem.rollback = nil
		return assessTaskSets(svc, st, versionOf)
	}

	primary := primaryDeployment(svc.Deployments)
	svcTD := aws.ToString(svc.TaskDefinition)
	if primary == nil {
		// No ECS deployments (CODE_DEPLOY or EXTERNAL controller): the
		// service's own task definition and counts are all there is.
		v, err := versionOf(svcTD)
		if err != nil {
			return st, err
		}
		st.Version = v
		st.State = model.StateSteady
		if svc.RunningCount < svc.DesiredCount {
			st.State = model.StateDeploying
			st.Deployment = &model.Deployment{ToSHA: v.SHA, Running: int(svc.RunningCount), Desired: int(svc.DesiredCount)}
		}
		mem.rollback = nil
		return st, nil
	}

	// Rollouts, each with the version it deploys (best effort: a task
	// definition that could not be described leaves that SHA empty).
	shaOf := map[string]string{}
	for i := range svc.Deployments {
		d := &svc.Deployments[i]
		v, _ := versionOf(aws.ToString(d.TaskDefinition))
		shaOf[aws.ToString(d.Id)] = v.SHA
		st.Rollouts = append(st.Rollouts, model.Rollout{
			ID:      aws.ToString(d.Id),
			Status:  aws.ToString(d.Status),
			State:   string(d.RolloutState),
			Reason:  aws.ToString(d.RolloutStateReason),
			Version: v,
			Running: int(d.RunningCount),
			Desired: int(d.DesiredCount),
			Pending: int(d.PendingCount),
			Failed:  int(d.FailedTasks),
			Created: aws.ToTime(d.CreatedAt),
			Updated: aws.ToTime(d.UpdatedAt),
		})
	}

	primaryID := aws.ToString(primary.Id)
	failed := failedActive(svc.Deployments, primary)
	rollback, rbEvent := isRollback(svc, primary, failed, mem)

	versionRef := aws.ToString(primary.TaskDefinition)
	since := aws.ToTime(primary.CreatedAt)
	if versionRef == "" {
		versionRef = svcTD
	}
	if !rollback && svcTD != "" && !sameTaskDef(svcTD, versionRef) {
		// The service names a task definition its PRIMARY deployment does
		// not run. Real ECS keeps them equal; moto updates only the
		// service's, so its deployment list is stale and the service's
		// task definition is the current version.
		versionRef, since = svcTD, time.Time{}
		for i := range svc.Deployments {
			if sameTaskDef(aws.ToString(svc.Deployments[i].TaskDefinition), svcTD) {
				since = aws.ToTime(svc.Deployments[i].CreatedAt)
			}
		}
	}
	v, err := versionOf(versionRef)
	if err != nil {
		return st, err
	}
	st.Version, st.Since = v, since

	progress := &model.Deployment{
		ToSHA:     v.SHA,
		Running:   int(primary.RunningCount),
		Desired:   int(primary.DesiredCount),
		StartedAt: aws.ToTime(primary.CreatedAt),
	}
	state := string(primary.RolloutState)
	completed := state == rolloutCompleted ||
		state == "" && len(svc.Deployments) == 1 && primary.RunningCount >= primary.DesiredCount

	if rollback {
		memo := mem.rollback
		if memo == nil || memo.primaryID != primaryID {
			memo = &rollbackMemo{primaryID: primaryID, fromSHA: map[string]string{}}
		}
		// The version being undone: the failed deployment, or (a rollback a
		// user asked for) the newest other deployment.
		if undone := firstDeployment(failed, newestOther(svc.Deployments, primary)); undone != nil {
			memo.fromSHA[r.container] = shaOf[aws.ToString(undone.Id)]
		}
		if failed != nil {
			if r := aws.ToString(failed.RolloutStateReason); r != "" {
				memo.reason = r
			}
		}
		if memo.reason == "" {
			memo.reason = firstNonEmpty(mem.verdict.reason, rollbackReason(primary), rbEvent)
		}
		mem.rollback = memo
		progress.FromSHA, progress.Reason = memo.fromSHA[r.container], memo.reason
		st.Deployment = progress
		switch {
		case state == rolloutFailed || mem.verdict.kind == verdictRollbackFailed:
			// The rollback deployment itself failed: the old version is
			// not back either.
			st.State, progress.Rollback = model.StateFailed, model.RollbackFailed
		case completed:
			st.State, progress.Rollback = model.StateRolledBack, model.RollbackDone
		default:
			st.State, progress.Rollback = model.StateFailed, model.RollbackInProgress
		}
		return st, nil
	}

	mem.rollback = nil
	if from := fromDeployment(svc.Deployments, primary); from != nil {
		progress.FromSHA = shaOf[aws.ToString(from.Id)]
	}
	switch {
	case state == rolloutFailed:
		progress.Reason = aws.ToString(primary.RolloutStateReason)
		st.State, st.Deployment = model.StateFailed, progress
	case completed && len(svc.Deployments) == 1:
		st.State = model.StateSteady
	default:
		// In progress, or completed with older deployments still draining.
		st.State, st.Deployment = model.StateDeploying, progress
	}
	return st, nil
}

// isRollback decides whether the PRIMARY deployment is a circuit-breaker
// rollback. ListServiceDeployments, when it answered for this set of
// deployments, is the judge; otherwise DescribeServices' own signs count: an
// ACTIVE FAILED deployment newer than the PRIMARY (ECS promoted the old one
// back), reasons that speak of rolling back, a "rolling back to deployment"
// event that names this PRIMARY (see rollbackEventFor), or an earlier poll
// that saw this PRIMARY begin as a rollback. It also returns the rollback
// event's message, if any.
func isRollback(svc *types.Service, primary, failed *types.Deployment, mem *serviceMemory) (bool, string) {
	primaryID := aws.ToString(primary.Id)
	var event string
	eventHint := false
	for _, ev := range svc.Events {
		msg := aws.ToString(ev.Message)
		if rollbackEventFor(svc.Deployments, primary, failed, msg, aws.ToTime(ev.CreatedAt)) {
			eventHint = true
			if event == "" {
				event = msg
			}
		}
	}
	switch mem.verdict.kind {
	case verdictNormal:
		return false, event
	case verdictRollingBack, verdictRolledBack, verdictRollbackFailed:
		return true, event
	}
	if mem.rollback != nil && mem.rollback.primaryID == primaryID {
		return true, event
	}
	if failed != nil {
		if created := aws.ToTime(primary.CreatedAt); !created.IsZero() && aws.ToTime(failed.CreatedAt).After(created) {
			return true, event
		}
		if mentionsRollback(aws.ToString(failed.RolloutStateReason)) {
			return true, event
		}
	}
	if mentionsRollback(aws.ToString(primary.RolloutStateReason)) {
		return true, event
	}
	return eventHint, event
}

// rollbackEventFor reports whether a service event announces the PRIMARY
// as a rollback. An event that names a deployment counts only when it names
// the PRIMARY, or the deployment the PRIMARY restores: one that runs the
// PRIMARY's task definition and predates the failed deployment the PRIMARY
// undoes. Only an event that names no deployment is placed by time: written
// at most rollbackEventWindow before the PRIMARY was created, or after.
func rollbackEventFor(deps []types.Deployment, primary, failed *types.Deployment, msg string, at time.Time) bool {
	target, ok := rollbackTarget(msg)
	if !ok {
		return false
	}
	if target != "" {
		if target == aws.ToString(primary.Id) {
			return true
		}
		if failed == nil {
			return false
		}
		for i := range deps {
			d := &deps[i]
			if d != primary && aws.ToString(d.Id) == target &&
				sameTaskDef(aws.ToString(d.TaskDefinition), aws.ToString(primary.TaskDefinition)) &&
				aws.ToTime(d.CreatedAt).Before(aws.ToTime(failed.CreatedAt)) {
				return true
			}
		}
		return false
	}
	created := aws.ToTime(primary.CreatedAt)
	return !created.IsZero() && !at.IsZero() && !at.Before(created.Add(-rollbackEventWindow))
}

func rollbackReason(primary *types.Deployment) string {
	if r := aws.ToString(primary.RolloutStateReason); mentionsRollback(r) {
		return r
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// primaryDeployment finds the PRIMARY deployment, or failing that the
// newest one.
func primaryDeployment(deps []types.Deployment) *types.Deployment {
	var newest *types.Deployment
	for i := range deps {
		d := &deps[i]
		if strings.EqualFold(aws.ToString(d.Status), statusPrimary) {
			return d
		}
		if newest == nil || aws.ToTime(d.CreatedAt).After(aws.ToTime(newest.CreatedAt)) {
			newest = d
		}
	}
	return newest
}

// failedActive finds the newest non-primary deployment whose rollout failed.
func failedActive(deps []types.Deployment, primary *types.Deployment) *types.Deployment {
	var found *types.Deployment
	for i := range deps {
		d := &deps[i]
		if d == primary || string(d.RolloutState) != rolloutFailed {
			continue
		}
		if found == nil || aws.ToTime(d.CreatedAt).After(aws.ToTime(found.CreatedAt)) {
			found = d
		}
	}
	return found
}

func firstDeployment(ds ...*types.Deployment) *types.Deployment {
	for _, d := range ds {
		if d != nil {
			return d
		}
	}
	return nil
}

// newestOther is the newest deployment other than the primary.
func newestOther(deps []types.Deployment, primary *types.Deployment) *types.Deployment {
	var found *types.Deployment
	for i := range deps {
		d := &deps[i]
		if d != primary && (found == nil || aws.ToTime(d.CreatedAt).After(aws.ToTime(found.CreatedAt))) {
			found = d
		}
	}
	return found
}

// fromDeployment is the ACTIVE deployment a rollout replaces: the one with
// the most tasks running, the newest on a tie.
func fromDeployment(deps []types.Deployment, primary *types.Deployment) *types.Deployment {
	var from *types.Deployment
	for i := range deps {
		d := &deps[i]
		if d == primary {
			continue
		}
		if from == nil || d.RunningCount > from.RunningCount ||
			d.RunningCount == from.RunningCount && aws.ToTime(d.CreatedAt).After(aws.ToTime(from.CreatedAt)) {
			from = d
		}
	}
	return from
}

// events keeps the newest service events, newest first.
func events(in []types.ServiceEvent) []model.Event {
	if len(in) == 0 {
		return nil
	}
	out := make([]model.Event, 0, len(in))
	for _, ev := range in {
		out = append(out, model.Event{At: aws.ToTime(ev.CreatedAt), Message: aws.ToString(ev.Message)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if len(out) > eventsKept {
		out = out[:eventsKept]
	}
	return out
}
