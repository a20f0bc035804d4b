package ecs

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
)

// historyLimit is how many revisions History lists.
const historyLimit = 25

// deploymentsRead is how many service deployments History reads (one
// ListServiceDeployments page).
const deploymentsRead = 100

// describeBatch is DescribeServiceDeployments' and DescribeServiceRevisions'
// limit of ARNs per call.
const describeBatch = 20

// famRev is one task definition revision as ListTaskDefinitions names it.
type famRev struct {
	arn    string
	rev    int
	active bool
}

// History lists the revisions of the environment's task-definition family,
// newest first, at most 25: ACTIVE ones deployable, deregistered (INACTIVE)
// ones shown with Available false. Current marks the one the service runs
// (or is rolling out).
//
// Calls, cold: DescribeServices 1, ListTaskDefinitions 2 (ACTIVE and
// INACTIVE, 25 each, newest first), DescribeTaskDefinition one per revision
// not yet cached (at most 25; none on a second look, task definitions being
// immutable), ListServiceDeployments 1 (the last 100 deployments),
// DescribeServiceDeployments one per 20 rollbacks among them (usually 0 or 1),
// DescribeServiceRevisions one per 20 service revisions not yet cached.
// Warm: 4, plus one for each new revision or rollback. On an endpoint without
// service deployments (moto) the last three are skipped.
func (s *Source) History(ctx context.Context, key model.EnvKey) ([]model.Revision, error) {
	e, err := s.env(key)
	if err != nil {
		return nil, err
	}
	svc, cur, err := s.current(ctx, e)
	if err != nil {
		return nil, err
	}
	family := familyOf(cur)

	var lists [2][]famRev
	var listErrs [2]error
	s.parallel(2, func(i int) {
		lists[i], listErrs[i] = s.listFamily(ctx, family, i == 0, historyLimit)
	})
	for _, err := range listErrs {
		if err != nil {
			return nil, err
		}
	}
	revs := mergeRevisions(lists[0], lists[1], historyLimit)

	arns := make([]string, len(revs))
	for i, r := range revs {
		arns[i] = r.arn
	}
	tds, err := s.describeAll(ctx, arns)
	if err != nil {
		return nil, err
	}

	ran, since, known := s.deploymentHistory(ctx, e.Cluster, svc)

	out := make([]model.Revision, 0, len(revs))
	for i, r := range revs {
		td := tds[i]
		v, _ := td.version(e.reading()) // a revision without the container still shows, by name
		rev := model.Revision{
			Version:   v,
			Current:   sameTaskDef(td.arn, cur) || sameTaskDef(td.Revision(), cur),
			Available: r.active,
			By:        principalName(td.registeredBy),
		}
		if !r.active {
			rev.Why = "deregistered"
		}
		if p, ok := ran[td.Revision()]; ok {
			rev.DeployedAt, rev.RanFor = p.start, p.ranFor
		} else if !known || (!td.registeredAt.IsZero() && td.registeredAt.Before(since)) {
			// No deployment history to read: the endpoint has none (moto
			// does not implement ListServiceDeployments), or the revision
			// predates the history ECS keeps. Its registration time is the
			// nearest thing to when it was deployed; how long it ran is
			// unknown.
			rev.DeployedAt = td.registeredAt
		}
		out = append(out, rev)
	}
	return out, nil
}

// listFamily lists up to limit revisions of one family with one status,
// newest first. It asks for them newest first and sorts them anyway (moto
// ignores the sort order), and keeps only the family's own (familyPrefix is
// a full family name on ECS; the check costs nothing).
func (s *Source) listFamily(ctx context.Context, family string, active bool, limit int) ([]famRev, error) {
	status := types.TaskDefinitionStatusInactive
	if active {
		status = types.TaskDefinitionStatusActive
	}
	in := &awsecs.ListTaskDefinitionsInput{
		FamilyPrefix: aws.String(family),
		Status:       status,
		Sort:         types.SortOrderDesc,
		MaxResults:   aws.Int32(int32(min(limit, 100))),
	}
	var got []famRev
	for {
		out, err := s.client.ListTaskDefinitions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ecs: list %s task definitions of %s: %w", status, family, classify(err, s.profile, s.now()))
		}
		for _, arn := range out.TaskDefinitionArns {
			if familyOf(arn) == family {
				got = append(got, famRev{arn: arn, rev: revisionNumber(arn), active: active})
			}
		}
		if aws.ToString(out.NextToken) == "" || len(got) >= limit {
			break
		}
		in.NextToken = out.NextToken
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].rev > got[j].rev })
	if len(got) > limit {
		got = got[:limit]
	}
	return got, nil
}

// mergeRevisions merges the ACTIVE and INACTIVE lists newest first, at most
// limit. A revision in both (deregistered between the two calls) counts as
// INACTIVE, the later answer.
func mergeRevisions(active, inactive []famRev, limit int) []famRev {
	byRev := map[int]famRev{}
	for _, r := range active {
		byRev[r.rev] = r
	}
	for _, r := range inactive {
		byRev[r.rev] = r
	}
	out := make([]famRev, 0, len(byRev))
	for _, r := range byRev {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rev > out[j].rev })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// describeAll describes every reference, from the cache where it can and in
// parallel otherwise. It fails with the first error.
func (s *Source) describeAll(ctx context.Context, refs []string) ([]*taskDef, error) {
	out := make([]*taskDef, len(refs))
	var missing []int
	for i, ref := range refs {
		if td, ok := s.taskDefs.get(ref); ok && pinned(ref) {
			out[i] = td
		} else {
			missing = append(missing, i)
		}
	}
	errs := make([]error, len(missing))
	s.parallel(len(missing), func(j int) {
		i := missing[j]
		out[i], errs[j] = s.describeTaskDefinition(ctx, refs[i])
	})
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("ecs: %w", uncall(err))
		}
	}
	return out, nil
}

// ranPeriod is when a revision last started running in the service, and
// how long it ran before the next deployment replaced it (zero while it
// still runs).
type ranPeriod struct {
	start  time.Time
	ranFor time.Duration
}

// deploymentHistory reads the service's recent service deployments and
// says, by task definition "family:revision", when each last started
// running and for how long. since is the creation of the oldest deployment
// read: revisions registered before it may have run unrecorded. known is
// false when the endpoint has no service deployments (moto), or they could
// not be read; History then falls back on registration times.
//
// A deployment puts its target revision in service from when it started; a
// rollback (ROLLBACK_*) then puts the revision it rolls back to in service
// again from when the rollback started, which DescribeServiceDeployments
// tells. Service revisions are mapped to task definitions with
// DescribeServiceRevisions, cached.
func (s *Source) deploymentHistory(ctx context.Context, cluster string, svc *types.Service) (ran map[string]ranPeriod, since time.Time, known bool) {
	if s.noServiceDeployments.Load() {
		return nil, time.Time{}, false
	}
	service := aws.ToString(svc.ServiceArn)
	if service == "" {
		service = aws.ToString(svc.ServiceName)
	}
	out, err := s.client.ListServiceDeployments(ctx, &awsecs.ListServiceDeploymentsInput{
		Cluster:    aws.String(cluster),
		Service:    aws.String(service),
		MaxResults: aws.Int32(deploymentsRead),
	}, func(o *awsecs.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		if unsupported(err) {
			s.noServiceDeployments.Store(true)
		}
		return nil, time.Time{}, false
	}
	briefs := out.ServiceDeployments
	if len(briefs) == 0 {
		return map[string]ranPeriod{}, time.Time{}, true
	}

	// Rollbacks: which revision each restored, and when.
	type restored struct {
		rev string
		at  time.Time
	}
	rollbacks := map[string]restored{}
	var rbArns []string
	for _, b := range briefs {
		switch b.Status {
		case types.ServiceDeploymentStatusRollbackRequested, types.ServiceDeploymentStatusRollbackInProgress,
			types.ServiceDeploymentStatusRollbackSuccessful, types.ServiceDeploymentStatusRollbackFailed:
			rbArns = append(rbArns, aws.ToString(b.ServiceDeploymentArn))
		}
	}
	for i := 0; i < len(rbArns); i += describeBatch {
		d, err := s.client.DescribeServiceDeployments(ctx, &awsecs.DescribeServiceDeploymentsInput{
			ServiceDeploymentArns: rbArns[i:min(i+describeBatch, len(rbArns))],
		})
		if err != nil {
			break // best effort: the rollbacks' own revisions stay unplaced
		}
		for _, sd := range d.ServiceDeployments {
			if rb := sd.Rollback; rb != nil && aws.ToString(rb.ServiceRevisionArn) != "" {
				at := aws.ToTime(rb.StartedAt)
				if at.IsZero() {
					at = aws.ToTime(sd.UpdatedAt)
				}
				rollbacks[aws.ToString(sd.ServiceDeploymentArn)] = restored{aws.ToString(rb.ServiceRevisionArn), at}
			}
		}
	}

	// Service revisions → task definitions.
	var revArns []string
	for _, b := range briefs {
		revArns = append(revArns, aws.ToString(b.TargetServiceRevisionArn))
	}
	for _, r := range rollbacks {
		revArns = append(revArns, r.rev)
	}
	tdOf, err := s.serviceRevisionTaskDefs(ctx, revArns)
	if err != nil {
		return nil, time.Time{}, false
	}

	type start struct {
		at time.Time
		td string
	}
	var starts []start
	for _, b := range briefs {
		created := aws.ToTime(b.CreatedAt)
		if since.IsZero() || (!created.IsZero() && created.Before(since)) {
			since = created
		}
		at := aws.ToTime(b.StartedAt)
		if at.IsZero() {
			at = created
		}
		if td := tdOf[aws.ToString(b.TargetServiceRevisionArn)]; td != "" && !at.IsZero() {
			starts = append(starts, start{at, tdKey(td)})
		}
		if r, ok := rollbacks[aws.ToString(b.ServiceDeploymentArn)]; ok && !r.at.IsZero() {
			if td := tdOf[r.rev]; td != "" {
				starts = append(starts, start{r.at, tdKey(td)})
			}
		}
	}
	sort.SliceStable(starts, func(i, j int) bool { return starts[i].at.Before(starts[j].at) })
	ran = map[string]ranPeriod{}
	for i, st := range starts {
		p := ranPeriod{start: st.at}
		if i+1 < len(starts) {
			p.ranFor = starts[i+1].at.Sub(st.at)
		}
		ran[st.td] = p // later starts overwrite earlier ones
	}
	return ran, since, true
}

// serviceRevisionTaskDefs maps service revision ARNs to task definition
// ARNs, asking DescribeServiceRevisions (20 a call) only for those not
// cached.
func (s *Source) serviceRevisionTaskDefs(ctx context.Context, arns []string) (map[string]string, error) {
	out := map[string]string{}
	var missing []string
	s.revMu.Lock()
	for _, a := range arns {
		if a == "" {
			continue
		}
		if td, ok := s.svcRevs[a]; ok {
			out[a] = td
		} else if _, dup := out[a]; !dup {
			out[a] = ""
			missing = append(missing, a)
		}
	}
	s.revMu.Unlock()
	for i := 0; i < len(missing); i += describeBatch {
		d, err := s.client.DescribeServiceRevisions(ctx, &awsecs.DescribeServiceRevisionsInput{
			ServiceRevisionArns: missing[i:min(i+describeBatch, len(missing))],
		})
		if err != nil {
			return nil, err
		}
		s.revMu.Lock()
		for _, r := range d.ServiceRevisions {
			if a, td := aws.ToString(r.ServiceRevisionArn), aws.ToString(r.TaskDefinition); a != "" && td != "" {
				s.svcRevs[a] = td
				out[a] = td
				if lbs := resolvedLBs(r); lbs != nil {
					s.revLBs[a] = lbs
				}
			}
		}
		s.revMu.Unlock()
	}
	return out, nil
}
