package ecs

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// Task sets: how services whose deployment controller is CODE_DEPLOY or
// EXTERNAL run. ECS does not deploy them itself: CodeDeploy (here the
// world, through the CodeDeploy* methods in part.go) or an external tool
// (CreateTaskSet and UpdateServicePrimaryTaskSet over the API) creates
// task sets and says which one is PRIMARY. The sim scales each task set to
// its share of the service's desired count, a task at a time, and keeps
// its stability status.

const (
	controllerECS        = "ECS"
	controllerCodeDeploy = "CODE_DEPLOY"
	controllerExternal   = "EXTERNAL"

	tsSteady      = "STEADY_STATE"
	tsStabilizing = "STABILIZING"
)

type taskSet struct {
	id, arn    string
	status     string // PRIMARY or ACTIVE
	td         *taskDef
	scale      float64 // percent of the service's desired count
	running    int
	pending    bool
	externalID string
	startedBy  string
	stability  string
	createdAt  time.Time
	updatedAt  time.Time
	stableAt   time.Time
	gone       bool // deleted: its scaling events stop
}

// desiredOf is the task set's computed desired count: its scale of the
// service's desired count, rounded up, as ECS computes it.
func (ts *taskSet) desiredOf(s *service) int {
	return int(math.Ceil(float64(s.desired) * ts.scale / 100))
}

// taskSetService reports whether a service runs task sets rather than
// ECS deployments.
func (s *service) taskSetService() bool {
	return s.controller == controllerCodeDeploy || s.controller == controllerExternal
}

func (s *service) primaryTaskSet() *taskSet {
	for _, ts := range s.taskSets {
		if ts.status == depPrimary {
			return ts
		}
	}
	return nil
}

func (s *service) findTaskSet(ref string) *taskSet {
	for _, ts := range s.taskSets {
		if ts.id == ref || ts.arn == ref {
			return ts
		}
	}
	return nil
}

// addTaskSet creates a task set of td at scale percent and starts scaling
// it. startedBy is who created it ("" for an external tool's own).
func (pt *Part) addTaskSet(s *service, td *taskDef, status string, scale float64, externalID, startedBy string) *taskSet {
	id := "ecs-svc/" + ids.Digits(pt.rnd(s), 19)
	ts := &taskSet{
		id: id, arn: pt.arn(s.cl.region, "task-set/"+s.cl.name+"/"+s.name+"/"+id),
		status: status, td: td, scale: scale, externalID: externalID, startedBy: startedBy,
		stability: tsStabilizing, createdAt: pt.loop.Now(), updatedAt: pt.loop.Now(), stableAt: pt.loop.Now(),
	}
	s.taskSets = append(s.taskSets, ts)
	pt.event(s, "(taskSet %s) has begun scaling.", id)
	pt.scaleTaskSetSoon(s, ts)
	return ts
}

// scaleTaskSetSoon moves a task set one task towards its computed desired
// count a few seconds from now, and so on until it is steady.
func (pt *Part) scaleTaskSetSoon(s *service, ts *taskSet) {
	pt.loop.After(pt.between(s, 3*time.Second, 6*time.Second), func() { pt.scaleTaskSet(s, ts) })
}

func (pt *Part) scaleTaskSet(s *service, ts *taskSet) {
	if ts.gone {
		return
	}
	want := ts.desiredOf(s)
	now := pt.loop.Now()
	switch {
	case ts.pending:
		ts.pending = false
		if !pt.failsToStart(ts.td) {
			ts.running++
		}
	case ts.running < want:
		ts.pending = true
	case ts.running > want:
		ts.running--
	}
	ts.updatedAt = now
	if ts.running == want && !ts.pending {
		if ts.stability != tsSteady {
			ts.stability, ts.stableAt = tsSteady, now
			pt.event(s, "(taskSet %s) has reached a steady state.", ts.id)
		}
		return
	}
	if ts.stability != tsStabilizing {
		ts.stability, ts.stableAt = tsStabilizing, now
	}
	pt.scaleTaskSetSoon(s, ts)
}

// rescaleTaskSets follows a change of the service's desired count.
func (pt *Part) rescaleTaskSets(s *service) {
	for _, ts := range s.taskSets {
		if ts.stability == tsSteady && ts.running != ts.desiredOf(s) {
			ts.stability, ts.stableAt = tsStabilizing, pt.loop.Now()
			pt.scaleTaskSetSoon(s, ts)
		}
	}
}

// makePrimary makes ts the service's PRIMARY task set; the one it replaces
// becomes ACTIVE.
func (pt *Part) makePrimary(s *service, ts *taskSet) {
	for _, o := range s.taskSets {
		if o.status == depPrimary && o != ts {
			o.status, o.updatedAt = depActive, pt.loop.Now()
		}
	}
	ts.status, ts.updatedAt = depPrimary, pt.loop.Now()
}

// dropTaskSet deletes a task set (its tasks stop with it).
func (pt *Part) dropTaskSet(s *service, ts *taskSet) {
	ts.gone = true
	s.taskSets = slices.DeleteFunc(s.taskSets, func(o *taskSet) bool { return o == ts })
	pt.event(s, "(taskSet %s) has been deleted.", ts.id)
}

// taskSetCounts are the running and pending tasks of every task set.
func (s *service) taskSetCounts() (running, pending int) {
	for _, ts := range s.taskSets {
		running += ts.running
		if ts.pending {
			pending++
		}
	}
	return running, pending
}

type jsonScale struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type jsonTaskSet struct {
	ID                   string    `json:"id"`
	TaskSetArn           string    `json:"taskSetArn"`
	ServiceArn           string    `json:"serviceArn"`
	ClusterArn           string    `json:"clusterArn"`
	StartedBy            string    `json:"startedBy,omitempty"`
	ExternalID           string    `json:"externalId,omitempty"`
	Status               string    `json:"status"`
	TaskDefinition       string    `json:"taskDefinition"`
	ComputedDesiredCount int       `json:"computedDesiredCount"`
	PendingCount         int       `json:"pendingCount"`
	RunningCount         int       `json:"runningCount"`
	CreatedAt            epoch     `json:"createdAt"`
	UpdatedAt            epoch     `json:"updatedAt"`
	LaunchType           string    `json:"launchType"`
	PlatformVersion      string    `json:"platformVersion"`
	PlatformFamily       string    `json:"platformFamily"`
	LoadBalancers        []any     `json:"loadBalancers"`
	ServiceRegistries    []any     `json:"serviceRegistries"`
	Scale                jsonScale `json:"scale"`
	StabilityStatus      string    `json:"stabilityStatus"`
	StabilityStatusAt    epoch     `json:"stabilityStatusAt"`
	Tags                 []Tag     `json:"tags"`
}

func (pt *Part) taskSetJSON(s *service, ts *taskSet) jsonTaskSet {
	pending := 0
	if ts.pending {
		pending = 1
	}
	return jsonTaskSet{
		ID: ts.id, TaskSetArn: ts.arn, ServiceArn: s.arn, ClusterArn: s.cl.arn,
		StartedBy: ts.startedBy, ExternalID: ts.externalID, Status: ts.status, TaskDefinition: ts.td.arn,
		ComputedDesiredCount: ts.desiredOf(s), PendingCount: pending, RunningCount: ts.running,
		CreatedAt: epoch(ts.createdAt), UpdatedAt: epoch(ts.updatedAt),
		LaunchType: s.launchType, PlatformVersion: "1.4.0", PlatformFamily: "Linux",
		LoadBalancers: []any{}, ServiceRegistries: []any{},
		Scale:           jsonScale{Value: ts.scale, Unit: "PERCENT"},
		StabilityStatus: ts.stability, StabilityStatusAt: epoch(ts.stableAt), Tags: []Tag{},
	}
}

// parseController reads CreateService's deploymentController; absent is ECS.
func parseController(raw json.RawMessage) (string, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return controllerECS, nil
	}
	var dc struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &dc); err != nil {
		return "", awsproto.NewError(400, "SerializationException", "deploymentController: "+err.Error())
	}
	switch dc.Type {
	case controllerECS, controllerCodeDeploy, controllerExternal:
		return dc.Type, nil
	case "":
		return controllerECS, nil
	}
	return "", errInvalid("deploymentController.type %q is not valid: use ECS, CODE_DEPLOY or EXTERNAL.", dc.Type)
}

// updateTaskSetService is UpdateService on a CODE_DEPLOY or EXTERNAL
// service: ECS refuses a new task definition or a forced deployment there
// (CodeDeploy, or the task set API, deploys), and scales the task sets to
// a new desired count. Called with the loop held.
func (pt *Part) updateTaskSetService(s *service, taskDef string, force bool, desired *int) (any, *apiError) {
	if taskDef != "" || force {
		if s.controller == controllerCodeDeploy {
			return nil, errInvalid("Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.")
		}
		return nil, errInvalid("Unable to update task definition on services with a EXTERNAL deployment controller. Use the task set API to deploy a new task set.")
	}
	if desired != nil {
		s.desired = *desired
		pt.rescaleTaskSets(s)
	}
	return map[string]any{"service": pt.serviceJSON(s, false)}, nil
}

func (pt *Part) ecsCreateTaskSet(body []byte) (any, *apiError) {
	var in struct {
		Service        string     `json:"service"`
		Cluster        string     `json:"cluster"`
		ExternalID     string     `json:"externalId"`
		TaskDefinition string     `json:"taskDefinition"`
		Scale          *jsonScale `json:"scale"`
		ClientToken    string     `json:"clientToken"`
		LaunchType     string     `json:"launchType"`
		Tags           []Tag      `json:"tags"`
		serviceInput
	}
	if e := pt.decodeInput("CreateTaskSet", body, &in); e != nil {
		return nil, e
	}
	if in.Service == "" || in.Cluster == "" || in.TaskDefinition == "" {
		return nil, errInvalid("service, cluster and taskDefinition must be specified.")
	}
	scale := 100.0
	if in.Scale != nil {
		if in.Scale.Unit != "" && in.Scale.Unit != "PERCENT" || in.Scale.Value < 0 || in.Scale.Value > 100 {
			return nil, errInvalid("scale must be a PERCENT between 0 and 100.")
		}
		scale = in.Scale.Value
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	s := c.service(in.Service)
	if s == nil || s.status != statusActive {
		return nil, errServiceNotFound()
	}
	if s.controller != controllerExternal {
		return nil, errInvalid("Amazon ECS only supports task set management on services configured to use external deployment controllers.")
	}
	td := pt.findTaskDef(in.TaskDefinition)
	if td == nil || td.status != statusActive {
		return nil, errClient("TaskDefinition not found.")
	}
	ts := pt.addTaskSet(s, td, depActive, scale, in.ExternalID, in.ClientToken)
	return map[string]any{"taskSet": pt.taskSetJSON(s, ts)}, nil
}

func (pt *Part) ecsUpdateServicePrimaryTaskSet(body []byte) (any, *apiError) {
	var in struct {
		Service        string `json:"service"`
		Cluster        string `json:"cluster"`
		PrimaryTaskSet string `json:"primaryTaskSet"`
	}
	if e := pt.decodeInput("UpdateServicePrimaryTaskSet", body, &in); e != nil {
		return nil, e
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	c, e := pt.findCluster(in.Cluster)
	if e != nil {
		return nil, e
	}
	s := c.service(in.Service)
	if s == nil || s.status != statusActive {
		return nil, errServiceNotFound()
	}
	if s.controller != controllerExternal {
		return nil, errInvalid("Amazon ECS only supports task set management on services configured to use external deployment controllers.")
	}
	ts := s.findTaskSet(in.PrimaryTaskSet)
	if ts == nil {
		return nil, awsproto.NewError(400, "TaskSetNotFoundException", "The specified task set does not exist.")
	}
	pt.makePrimary(s, ts)
	return map[string]any{"taskSet": pt.taskSetJSON(s, ts)}, nil
}
