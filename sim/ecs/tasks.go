package ecs

import (
	"strings"
	"time"
)

// Stopped tasks: what ECS keeps of a task once it stopped, for ListTasks
// (desiredStatus STOPPED) and DescribeTasks. Running tasks stay bare IDs in
// their deployment; a task is recorded here only when it stops, and is
// forgotten an hour later, as ECS forgets stopped tasks.

// stoppedKept is how long a stopped task stays listed and described.
const stoppedKept = time.Hour

// Stop codes (botocore's TaskStopCode).
const (
	stopFailedToStart = "TaskFailedToStart"
	stopEssentialExit = "EssentialContainerExited"
	stopScheduler     = "ServiceSchedulerInitiated"
)

type stoppedContainer struct {
	name, image string
	exitCode    *int
	reason      string
}

type stoppedTask struct {
	id, tdArn, startedBy       string
	created, started, stopping time.Time
	stopped                    time.Time
	reason, code               string
	containers                 []stoppedContainer
}

// failure is how a task of a failing build ends. The image's tag picks it:
// "bad-pull" cannot be pulled, "bad-oom" is killed for its memory,
// "bad-health" starts but fails its health checks (the load balancer's
// when the service has one); any other bad image (MarkImageBad, "bad",
// "bad-…") exits 1 as it starts, the demo's broken build.
type failure struct {
	reason, code string
	exit         *int   // the failing container's exit code; nil when it never ran
	cReason      string // the failing container's own reason
	started      bool
}

func (pt *Part) failureOf(s *service, img string) failure {
	switch imageTag(img) {
	case "bad-pull":
		msg := "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref " + img + ": not found"
		return failure{reason: msg, code: stopFailedToStart, cReason: msg}
	case "bad-oom":
		return failure{reason: "Essential container in task exited", code: stopEssentialExit, exit: ptr(137),
			cReason: "OutOfMemoryError: Container killed due to memory usage", started: true}
	case "bad-health":
		if lbs := pt.lbs[s.arn]; len(lbs) > 0 {
			return failure{reason: "Task failed ELB health checks in (target-group " + lbs[0].TargetGroupArn + ")",
				code: stopScheduler, exit: ptr(143), started: true}
		}
		return failure{reason: "Task failed container health checks", code: stopScheduler, exit: ptr(143), started: true}
	}
	return failure{reason: "Essential container in task exited", code: stopEssentialExit, exit: ptr(1), started: true}
}

// badContainer is the container of td whose image makes its tasks fail.
func (pt *Part) badContainer(td *taskDef) (Container, bool) {
	for _, c := range td.containers {
		tag := imageTag(c.Image)
		if pt.badImages[c.Image] || tag == "bad" || strings.HasPrefix(tag, "bad-") {
			return c, true
		}
	}
	return Container{}, false
}

// recordFailed keeps a task of p that failed as it started, and returns
// the reason it stopped.
func (pt *Part) recordFailed(s *service, p *deployment, id string) string {
	bad, _ := pt.badContainer(p.td)
	f := pt.failureOf(s, bad.Image)
	now := pt.loop.Now()
	// The launch began a few seconds ago (reconcile's 4–8 s); created then.
	t := &stoppedTask{id: id, tdArn: p.td.arn, startedBy: p.id, created: now.Add(-4 * time.Second), stopping: now, stopped: now,
		reason: f.reason, code: f.code}
	if f.started {
		t.started = now.Add(-2 * time.Second)
	}
	for _, c := range p.td.containers {
		sc := stoppedContainer{name: c.Name, image: c.Image}
		switch {
		case c.Name == bad.Name:
			sc.exitCode, sc.reason = f.exit, f.cReason
		case f.started:
			sc.exitCode = ptr(0) // stopped with the task
		}
		t.containers = append(t.containers, sc)
	}
	pt.keepStopped(s, t)
	return f.reason
}

// recordScaledIn keeps a running task of d that the scheduler stopped.
func (pt *Part) recordScaledIn(s *service, d *deployment, id string) {
	now := pt.loop.Now()
	by := d.id
	if p := s.primary(); p != nil {
		by = p.id
	}
	t := &stoppedTask{id: id, tdArn: d.td.arn, startedBy: d.id, created: d.createdAt, started: d.createdAt,
		stopping: now, stopped: now, reason: "Scaling activity initiated by (deployment " + by + ")", code: stopScheduler}
	for _, c := range d.td.containers {
		t.containers = append(t.containers, stoppedContainer{name: c.Name, image: c.Image, exitCode: ptr(0)})
	}
	pt.keepStopped(s, t)
}

// keepStopped adds t and forgets the service's tasks stopped over an hour ago.
func (pt *Part) keepStopped(s *service, t *stoppedTask) {
	s.stopped = append(pt.liveStopped(s), t)
}

// liveStopped is the service's stopped tasks still kept, oldest first.
func (pt *Part) liveStopped(s *service) []*stoppedTask {
	cut := pt.loop.Now().Add(-stoppedKept)
	i := 0
	for i < len(s.stopped) && s.stopped[i].stopped.Before(cut) {
		i++
	}
	return s.stopped[i:]
}

func (pt *Part) taskArn(c *cluster, id string) string {
	return pt.arn(c.region, "task/"+c.name+"/"+id)
}

// --- wire ---

type jsonTaskContainer struct {
	ContainerArn string `json:"containerArn"`
	TaskArn      string `json:"taskArn"`
	Name         string `json:"name"`
	Image        string `json:"image"`
	LastStatus   string `json:"lastStatus"`
	ExitCode     *int   `json:"exitCode,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

type jsonTask struct {
	TaskArn           string              `json:"taskArn"`
	ClusterArn        string              `json:"clusterArn"`
	TaskDefinitionArn string              `json:"taskDefinitionArn"`
	Group             string              `json:"group"`
	StartedBy         string              `json:"startedBy"`
	LaunchType        string              `json:"launchType"`
	LastStatus        string              `json:"lastStatus"`
	DesiredStatus     string              `json:"desiredStatus"`
	CreatedAt         epoch               `json:"createdAt,omitzero"`
	StartedAt         epoch               `json:"startedAt,omitzero"`
	StoppingAt        epoch               `json:"stoppingAt,omitzero"`
	StoppedAt         epoch               `json:"stoppedAt,omitzero"`
	StoppedReason     string              `json:"stoppedReason"`
	StopCode          string              `json:"stopCode"`
	Containers        []jsonTaskContainer `json:"containers"`
	Version           int                 `json:"version"`
}

func (pt *Part) taskJSON(c *cluster, s *service, t *stoppedTask) jsonTask {
	arn := pt.taskArn(c, t.id)
	out := jsonTask{TaskArn: arn, ClusterArn: c.arn, TaskDefinitionArn: t.tdArn, Group: "service:" + s.name,
		StartedBy: t.startedBy, LaunchType: s.launchType, LastStatus: "STOPPED", DesiredStatus: "STOPPED",
		CreatedAt: epoch(t.created), StartedAt: epoch(t.started), StoppingAt: epoch(t.stopping), StoppedAt: epoch(t.stopped),
		StoppedReason: t.reason, StopCode: t.code, Containers: []jsonTaskContainer{}, Version: 4}
	if out.LaunchType == "" {
		out.LaunchType = "FARGATE"
	}
	for i, ct := range t.containers {
		out.Containers = append(out.Containers, jsonTaskContainer{
			ContainerArn: pt.arn(c.region, "container/"+c.name+"/"+t.id+"/"+containerID(t.id, i)),
			TaskArn:      arn, Name: ct.name, Image: ct.image, LastStatus: "STOPPED", ExitCode: ct.exitCode, Reason: ct.reason,
		})
	}
	return out
}

// containerID is a stable id for a task's i-th container.
func containerID(task string, i int) string {
	b := []byte(task)
	for j := range b {
		b[j] = "0123456789abcdef"[(int(b[j])+i*7+j)%16]
	}
	return string(b[:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32])
}

func (pt *Part) ecsListTasks(body []byte) (any, *apiError) {
	var in struct {
		Cluster           string `json:"cluster"`
		ServiceName       string `json:"serviceName"`
		DesiredStatus     string `json:"desiredStatus"`
		Family            string `json:"family"`
		StartedBy         string `json:"startedBy"`
		LaunchType        string `json:"launchType"`
		ContainerInstance string `json:"containerInstance"`
		NextToken         string `json:"nextToken"`
		MaxResults        *int   `json:"maxResults"`
	}
	if e := pt.decodeInput("ListTasks", body, &in); e != nil {
		return nil, e
	}
	if in.StartedBy != "" && (in.ServiceName != "" || in.Family != "" || in.DesiredStatus != "" || in.LaunchType != "") {
		return nil, errInvalid("startedBy must be the only filter when it is specified.")
	}
	switch in.DesiredStatus {
	case "", "RUNNING", "PENDING", "STOPPED":
	default:
		return nil, errInvalid("desiredStatus: %q is not a valid value.", in.DesiredStatus)
	}
	limit, e := pageLimit(in.MaxResults, 100, 100)
	if e != nil {
		return nil, e
	}
	off, e := decodeToken("tasks", in.NextToken)
	if e != nil {
		return nil, e
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	var svcs []*service
	if in.ServiceName != "" {
		s := c.service(in.ServiceName)
		if s == nil {
			return nil, errServiceNotFound()
		}
		svcs = []*service{s}
	} else {
		for _, n := range c.order {
			svcs = append(svcs, c.services[n])
		}
	}
	arns := []string{}
	for _, s := range svcs {
		arns = append(arns, pt.listTasks(c, s, in.DesiredStatus, in.StartedBy, in.Family)...)
	}
	items, next := page(arns, "tasks", off, limit)
	return map[string]any{"taskArns": items, "nextToken": nullable(next)}, nil
}

// listTasks is the ARNs of the service's tasks with the desired status
// (RUNNING when ""): running and starting ones, or those stopped within
// the hour, newest first.
func (pt *Part) listTasks(c *cluster, s *service, desired, startedBy, fam string) []string {
	var out []string
	if desired == "STOPPED" {
		live := pt.liveStopped(s)
		for i := len(live) - 1; i >= 0; i-- {
			t := live[i]
			if (startedBy == "" || t.startedBy == startedBy) && (fam == "" || strings.Contains(t.tdArn, ":task-definition/"+fam+":")) {
				out = append(out, pt.taskArn(c, t.id))
			}
		}
		return out
	}
	for _, d := range s.deployments {
		if (startedBy != "" && d.id != startedBy) || (fam != "" && d.td.family != fam) {
			continue
		}
		ids := d.running
		if d.pending != "" {
			ids = append(append([]string(nil), ids...), d.pending)
		}
		for _, id := range ids {
			out = append(out, pt.taskArn(c, id))
		}
	}
	return out
}

func (pt *Part) ecsDescribeTasks(body []byte) (any, *apiError) {
	var in struct {
		Cluster string   `json:"cluster"`
		Tasks   []string `json:"tasks"`
		Include []string `json:"include"`
	}
	if e := pt.decodeInput("DescribeTasks", body, &in); e != nil {
		return nil, e
	}
	if len(in.Tasks) == 0 {
		return nil, errInvalid("Tasks cannot be empty.")
	}
	if len(in.Tasks) > 100 {
		return nil, errInvalid("tasks can have at most 100 items.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	out := struct {
		Tasks    []jsonTask    `json:"tasks"`
		Failures []jsonFailure `json:"failures"`
	}{Tasks: []jsonTask{}, Failures: []jsonFailure{}}
	for _, ref := range in.Tasks {
		id := ref[strings.LastIndex(ref, "/")+1:]
		if s, t := pt.findStopped(c, id); t != nil {
			out.Tasks = append(out.Tasks, pt.taskJSON(c, s, t))
			continue
		}
		arn := ref
		if !strings.HasPrefix(ref, "arn:") {
			arn = pt.taskArn(c, ref)
		}
		// Running tasks carry no detail in the sim; ECS would describe
		// them, but nothing here asks.
		out.Failures = append(out.Failures, jsonFailure{Arn: arn, Reason: "MISSING"})
	}
	return out, nil
}

func (pt *Part) findStopped(c *cluster, id string) (*service, *stoppedTask) {
	for _, n := range c.order {
		s := c.services[n]
		for _, t := range pt.liveStopped(s) {
			if t.id == id {
				return s, t
			}
		}
	}
	return nil, nil
}
