package ecs

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// Why a deploy's tasks stopped: for a service whose deployment is failing
// (its rollout FAILED, or tasks of the deployment in flight failed), one
// ListTasks (the service's name, desiredStatus STOPPED, one page of at most
// 100) and one DescribeTasks of the listed tasks not described before for
// that deployment (at most 100, DescribeTasks' own limit). Those calls are
// made only when the failing deployment or its failed-task count changed;
// otherwise the groups read last are reused, so a healthy board, and a
// failed one that stopped moving, make no call at all.
//
// Why not fewer ids: ListTasks cannot filter by deployment together with
// desiredStatus STOPPED (startedBy must be the only filter), and its order
// is not documented, so describing only some of the page could miss the
// failing deployment's tasks behind older scale-ins. A stopped task does not
// change, so each is described once per deployment.

// stoppedPage is ListTasks' page size, and so the most tasks read.
const stoppedPage = 100

// stoppedGroupsKept bounds the groups an environment carries.
const stoppedGroupsKept = 5

// stoppedRetry is how long a failed read (other than a refusal) waits
// before it is tried again while nothing changes.
const stoppedRetry = time.Minute

// stoppedTask is what flightdeck keeps of one described stopped task.
type stoppedTask struct {
	startedBy string
	group     model.StoppedGroup // Count 1
}

// stoppedMemo is a service's stopped tasks as read for one failing
// deployment. Guarded by Source.mu.
type stoppedMemo struct {
	deployment string
	sig        string // deployment, failed count and rollout state read for
	tasks      map[string]stoppedTask
	groups     []model.StoppedGroup
	note       string
	retryAt    time.Time
}

// failingDeployment is the deployment whose stopped tasks explain a
// failure: the PRIMARY when its rollout failed or some of its tasks did,
// else the newest other deployment whose rollout failed or had failed
// tasks (the one a rollback undoes). nil when nothing fails.
func failingDeployment(svc *types.Service) *types.Deployment {
	failing := func(d *types.Deployment) bool {
		return string(d.RolloutState) == rolloutFailed || d.FailedTasks > 0
	}
	primary := primaryDeployment(svc.Deployments)
	if primary == nil {
		return nil
	}
	if failing(primary) {
		return primary
	}
	var found *types.Deployment
	for i := range svc.Deployments {
		d := &svc.Deployments[i]
		if d != primary && failing(d) && (found == nil || aws.ToTime(d.CreatedAt).After(aws.ToTime(found.CreatedAt))) {
			found = d
		}
	}
	return found
}

func stoppedSig(d *types.Deployment) string {
	return fmt.Sprintf("%s#%d#%s", aws.ToString(d.Id), d.FailedTasks, d.RolloutState)
}

// wantStopped decides whether a service's stopped tasks are worth reading
// this poll. Called with s.mu held.
func (s *Source) wantStopped(mem *serviceMemory, svc *types.Service) bool {
	d := failingDeployment(svc)
	if d == nil {
		return false
	}
	m := mem.stopped
	if m == nil || m.deployment != aws.ToString(d.Id) {
		return true
	}
	return m.sig != stoppedSig(d) && !s.now().Before(m.retryAt)
}

// stoppedRead is one read's outcome for one service.
type stoppedRead struct {
	tasks map[string]stoppedTask // newly described, by ARN
	arns  []string               // every stopped task listed
	note  string
	retry bool
}

// readStopped lists the service's stopped tasks and describes those not in
// known. A refusal names the permission; any other failure is a note and a
// retry later, never the environment's error.
func (s *Source) readStopped(ctx context.Context, cluster string, svc *types.Service, known map[string]stoppedTask) stoppedRead {
	list, err := s.client.ListTasks(ctx, &awsecs.ListTasksInput{
		Cluster:       aws.String(cluster),
		ServiceName:   aws.String(aws.ToString(svc.ServiceName)),
		DesiredStatus: types.DesiredStatusStopped,
		MaxResults:    aws.Int32(stoppedPage),
	}, func(o *awsecs.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		return stoppedFailure("ecs:ListTasks", err)
	}
	r := stoppedRead{tasks: map[string]stoppedTask{}}
	var ask []string
	for _, arn := range list.TaskArns {
		if arn == "" {
			continue
		}
		r.arns = append(r.arns, arn)
		if _, ok := known[arn]; !ok && len(ask) < stoppedPage {
			ask = append(ask, arn)
		}
	}
	if len(ask) == 0 {
		return r
	}
	out, err := s.client.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: ask},
		func(o *awsecs.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		return stoppedFailure("ecs:DescribeTasks", err)
	}
	for i := range out.Tasks {
		t := &out.Tasks[i]
		if arn := aws.ToString(t.TaskArn); arn != "" && strings.EqualFold(aws.ToString(t.LastStatus), "STOPPED") {
			// A task still stopping has no final word yet: asked again
			// at the next change.
			r.tasks[arn] = stoppedOf(t)
		}
	}
	return r
}

// stoppedFailure is what a failed ListTasks or DescribeTasks says on the
// environment.
func stoppedFailure(perm string, err error) stoppedRead {
	switch errorCode(err) {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnrecognizedClientException":
		return stoppedRead{note: perm + " is not allowed for this role: stopped tasks cannot be read"}
	}
	return stoppedRead{note: "stopped tasks could not be read: " + providers.OneLine(err.Error(), 300), retry: true}
}

// stoppedOf reads one described task, every field nil-safe.
func stoppedOf(t *types.Task) stoppedTask {
	g := model.StoppedGroup{Count: 1, Reason: outside(t.StoppedReason), StopCode: string(t.StopCode),
		LastAt: aws.ToTime(t.StoppedAt)}
	for _, c := range t.Containers {
		sc := model.StoppedContainer{Name: aws.ToString(c.Name), Reason: outside(c.Reason)}
		if c.ExitCode != nil {
			sc.ExitCode = aws.Int(int(*c.ExitCode))
		}
		g.Containers = append(g.Containers, sc)
	}
	g.HealthCheck, g.TargetGroup = healthCheckOf(g.Reason)
	return stoppedTask{startedBy: aws.ToString(t.StartedBy), group: g}
}

// outside keeps a reason ECS wrote: one line, scrubbed, at most
// reasonBytes (a pull error quotes the whole registry answer).
func outside(s *string) string { return providers.OneLine(aws.ToString(s), reasonBytes) }

const reasonBytes = 400

// healthCheckOf reads "Task failed ELB health checks in (target-group
// arn:…)" and "Task failed container health checks".
func healthCheckOf(reason string) (kind, targetGroup string) {
	low := strings.ToLower(reason)
	switch {
	case strings.Contains(low, "elb health check"):
		if i := strings.Index(low, "(target-group "); i >= 0 {
			targetGroup = strings.TrimSpace(strings.TrimRight(reason[i+len("(target-group "):], ") ."))
		}
		return "load_balancer", targetGroup
	case strings.Contains(low, "container health check"):
		return "container", ""
	}
	return "", ""
}

// scaledIn: a task the scheduler stopped because a deployment no longer
// wanted it, which says nothing about a failure.
func scaledIn(g model.StoppedGroup) bool {
	return strings.HasPrefix(strings.ToLower(g.Reason), "scaling activity initiated by")
}

// groupStopped groups the deployment's stopped tasks (all listed ones when
// none names a deployment, as some emulators leave startedBy empty), most
// tasks first, then the most recent.
func groupStopped(tasks map[string]stoppedTask, listed []string, deployment string) []model.StoppedGroup {
	var mine []stoppedTask
	anyStartedBy := false
	for _, arn := range listed {
		if t, ok := tasks[arn]; ok {
			anyStartedBy = anyStartedBy || t.startedBy != ""
			if !scaledIn(t.group) {
				mine = append(mine, t)
			}
		}
	}
	byKey := map[string]*model.StoppedGroup{}
	var groups []*model.StoppedGroup
	for _, t := range mine {
		if anyStartedBy && t.startedBy != deployment {
			continue
		}
		k := groupKey(t.group)
		g := byKey[k]
		if g == nil {
			c := t.group
			c.Count = 0
			g = &c
			byKey[k] = g
			groups = append(groups, g)
		}
		g.Count++
		if t.group.LastAt.After(g.LastAt) {
			g.LastAt = t.group.LastAt
		}
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].Count != groups[j].Count {
			return groups[i].Count > groups[j].Count
		}
		return groups[i].LastAt.After(groups[j].LastAt)
	})
	out := make([]model.StoppedGroup, 0, min(len(groups), stoppedGroupsKept))
	for _, g := range groups[:min(len(groups), stoppedGroupsKept)] {
		out = append(out, *g)
	}
	return out
}

func groupKey(g model.StoppedGroup) string {
	var b strings.Builder
	b.WriteString(g.Reason + "\x00" + g.StopCode)
	for _, c := range g.Containers {
		code := "-"
		if c.ExitCode != nil {
			code = fmt.Sprint(*c.ExitCode)
		}
		b.WriteString("\x00" + c.Name + "\x00" + code + "\x00" + c.Reason)
	}
	return b.String()
}

// readStoppedAll reads the stopped tasks of the services that want it, in
// parallel, and files the answers in memory.
func (s *Source) readStoppedAll(ctx context.Context, results map[svcRef]svcResult) {
	type job struct {
		ref   svcRef
		svc   *types.Service
		dep   *types.Deployment
		known map[string]stoppedTask
	}
	var jobs []job
	s.mu.Lock()
	for ref, r := range results {
		if r.svc == nil || controllerOf(r.svc) != "" {
			continue
		}
		mem := s.memory[ref.key()]
		if mem == nil {
			mem = &serviceMemory{}
			s.memory[ref.key()] = mem
		}
		if !s.wantStopped(mem, r.svc) {
			continue
		}
		dep := failingDeployment(r.svc)
		var known map[string]stoppedTask
		if m := mem.stopped; m != nil && m.deployment == aws.ToString(dep.Id) {
			// A copy: the read runs without the lock, while another
			// fetch of this source may write the memo's own map.
			known = maps.Clone(m.tasks)
		}
		jobs = append(jobs, job{ref, r.svc, dep, known})
	}
	s.mu.Unlock()
	reads := make([]stoppedRead, len(jobs))
	s.parallel(len(jobs), func(i int) {
		if err := providers.Guard("ecs", func() error {
			reads[i] = s.readStopped(ctx, jobs[i].ref.cluster, jobs[i].svc, jobs[i].known)
			return nil
		}); err != nil {
			reads[i] = stoppedRead{note: "stopped tasks could not be read: " + providers.OneLine(err.Error(), 300), retry: true}
		}
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, j := range jobs {
		mem := s.memory[j.ref.key()]
		id := aws.ToString(j.dep.Id)
		m := mem.stopped
		if m == nil || m.deployment != id {
			m = &stoppedMemo{deployment: id, tasks: map[string]stoppedTask{}}
			mem.stopped = m
		}
		r := reads[i]
		m.note = r.note
		if r.retry {
			// Asked again once a minute has passed, changed or not;
			// the groups read before stay.
			m.retryAt = s.now().Add(stoppedRetry)
			continue
		}
		m.sig, m.retryAt = stoppedSig(j.dep), time.Time{}
		if r.note != "" {
			continue // refused: asked again only when something changes
		}
		for arn, t := range r.tasks {
			m.tasks[arn] = t
		}
		// Tasks ECS no longer lists (over an hour old) are let go.
		listed := make(map[string]bool, len(r.arns))
		for _, arn := range r.arns {
			listed[arn] = true
		}
		for arn := range m.tasks {
			if !listed[arn] {
				delete(m.tasks, arn)
			}
		}
		m.groups = groupStopped(m.tasks, r.arns, id)
	}
}

// attachStopped puts the stopped tasks read for the service on a failing
// or failed environment's deployment. Called with s.mu held.
func attachStopped(st *model.EnvStatus, svc *types.Service, mem *serviceMemory) {
	if failingDeployment(svc) == nil && st.State != model.StateFailed && st.State != model.StateRolledBack {
		mem.stopped = nil // steady, or a new deploy going well
		return
	}
	if m := mem.stopped; m != nil && st.Deployment != nil {
		st.Deployment.StoppedTasks = append([]model.StoppedGroup(nil), m.groups...)
		st.Deployment.StoppedError = m.note
	}
}
