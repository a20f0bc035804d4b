// Package ecs is the ECS part of the simulated world: clusters, services,
// task definitions, service revisions and service deployments, the
// rolling-update engine with its circuit breaker, and the awsJson 1.1
// operations flightdeck and its tests call (api.go).
//
// The part owns its state; the world's loop (sim/internal/loop) gives it
// time, randomness and the lock. The rest of the world (the scenario, the
// pipelines' deploy jobs, the config writer) reaches it only through the
// methods in this file, by names and ARNs, as a deploy script would reach
// ECS: never through its structures.
package ecs

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/airside-dev/flightdeck/sim/internal/ids"
	"github.com/airside-dev/flightdeck/sim/internal/loop"
)

// Part is the ECS service of one world.
type Part struct {
	loop        *loop.Loop
	account     string
	noteUnknown func(op, member string)

	clusters  map[string]*cluster
	clOrder   []string
	families  map[string]*family
	sds       map[string]*serviceDeployment // by ARN
	revisions map[string]*serviceRevision   // by ARN
	badImages map[string]bool
	threshold int                       // circuit-breaker failure threshold when the request sets none
	lbs       map[string][]LoadBalancer // services' loadBalancers, by service ARN (loadbalancers.go)
	shareLog  map[*service][]shareMark  // native services' production shares over time (loadbalancers.go)
}

// New is an ECS with nothing in it, in account, on the world's loop.
// noteUnknown hears of every request member the sim did not understand
// ("ecs:Op", member), for tests to assert that none is ignored.
func New(l *loop.Loop, account string, noteUnknown func(op, member string)) *Part {
	return &Part{
		loop:        l,
		account:     account,
		noteUnknown: noteUnknown,
		clusters:    map[string]*cluster{},
		families:    map[string]*family{},
		sds:         map[string]*serviceDeployment{},
		revisions:   map[string]*serviceRevision{},
		badImages:   map[string]bool{},
		threshold:   3,
	}
}

// The methods below are for the rest of the world; each expects the loop
// held, as events and handlers hold it.

// MarkImageBad makes every task using image fail to start.
func (pt *Part) MarkImageBad(image string) { pt.badImages[image] = true }

// SetBreakerThreshold sets the circuit-breaker failure threshold for
// deployments whose configuration names none (n >= 1).
func (pt *Part) SetBreakerThreshold(n int) { pt.threshold = max(n, 1) }

// AddCluster creates a cluster in region, unless it exists.
func (pt *Part) AddCluster(name, region string) { pt.addCluster(name, region) }

// Registration is a task definition revision the world registers, as a
// build's deploy step would.
type Registration struct {
	Family        string
	FirstRevision int // a new family's first revision number (teams rarely start at 1)
	KeepActive    int // retention: ACTIVE revisions kept, older ones deregistered; 0 keeps all
	Region        string
	Fields        map[string]json.RawMessage // the members RegisterTaskDefinition would carry
	Containers    []Container
	Tags          []Tag
}

// Register registers the family's next revision, applies the retention
// policy, and returns the new revision's ARN.
func (pt *Part) Register(r Registration) string {
	if pt.families[r.Family] == nil {
		pt.families[r.Family] = &family{name: r.Family, next: r.FirstRevision}
	}
	td := pt.registerTaskDef(r.Family, r.Region, r.Fields, r.Containers, r.Tags)
	pt.retain(pt.families[r.Family], r.KeepActive)
	return td.arn
}

// HasService says whether cluster has a service called name, in any state.
func (pt *Part) HasService(cluster, name string) bool { return pt.service(cluster, name) != nil }

// ServiceActive says whether cluster has an ACTIVE service called name.
func (pt *Part) ServiceActive(cluster, name string) bool {
	s := pt.service(cluster, name)
	return s != nil && s.status == statusActive
}

func (pt *Part) service(cluster, name string) *service {
	if c := pt.clusters[cluster]; c != nil {
		return c.services[name]
	}
	return nil
}

// ServiceSpec is a service the world creates.
type ServiceSpec struct {
	Cluster, Name string
	TaskDef       string // ARN or family:revision
	Desired       int
	// BreakerThreshold > 0 deploys with the circuit breaker on, rolling
	// back on failure, tripping after that many failed tasks.
	BreakerThreshold int
	Tags             []Tag
	// LoadBalancers register its tasks in target groups.
	LoadBalancers []LoadBalancer
	// DeploymentConfiguration, when set, is applied over that as
	// CreateService's member would be (a native strategy, its hooks).
	DeploymentConfiguration json.RawMessage
	// Rand, when set, is the service's own random source, so that adding
	// it leaves what the world's source draws for the others as it was.
	Rand *rand.Rand
}

// CreateService creates the service in its cluster (which must exist) and
// starts its first deployment; false when the cluster or the task
// definition is not there.
func (pt *Part) CreateService(s ServiceSpec) bool {
	c, td := pt.clusters[s.Cluster], pt.findTaskDef(s.TaskDef)
	if c == nil || td == nil {
		return false
	}
	cfg := defaultDeployConfig()
	if s.BreakerThreshold > 0 {
		cfg.breakerEnable, cfg.breakerRollback, cfg.threshold = true, true, s.BreakerThreshold
	}
	if len(s.DeploymentConfiguration) > 0 {
		var e *apiError
		if cfg, e = parseDeployConfig(s.DeploymentConfiguration, cfg); e != nil {
			return false
		}
	}
	pt.setLoadBalancers(pt.createService(c, s.Name, td, s.Desired, cfg, s.Tags, controllerECS, s.Rand), s.LoadBalancers)
	return true
}

// Deploy rolls the service to a task definition (ARN or family:revision),
// as UpdateService would, and returns the service deployment's ARN: ""
// when none started (the service already runs it, or there is no such
// service or task definition).
func (pt *Part) Deploy(cluster, name, taskDef string) string {
	s, td := pt.service(cluster, name), pt.findTaskDef(taskDef)
	if s == nil || td == nil {
		return ""
	}
	if sd := pt.updateService(s, td, nil, false, nil); sd != nil {
		return sd.arn
	}
	return ""
}

// Outcome is how a service deployment ended.
type Outcome int

const (
	Succeeded  Outcome = iota // the target revision runs (a rollback's too)
	Superseded                // a newer deployment of the service replaced it
	Failed                    // stopped, rolled back, or the rollback failed
)

// OnDone calls fn, in the event that ends the service deployment arn, with
// how it ended; at once if it has ended; never for an unknown ARN.
func (pt *Part) OnDone(arn string, fn func(Outcome)) {
	sd := pt.sds[arn]
	if sd == nil {
		return
	}
	call := func(sd *serviceDeployment) {
		switch {
		case sd.status == sdSuccessful:
			fn(Succeeded)
		case sd.statusReason == supersededReason:
			fn(Superseded)
		default:
			fn(Failed)
		}
	}
	if sd.terminal() {
		call(sd)
		return
	}
	sd.onDone = append(sd.onDone, call)
}

// ServiceInfo names a service where the world's config points at it.
type ServiceInfo struct {
	Cluster, Region, Name string
	Container             string // the first container of what the primary deployment runs
}

// Services lists the services that are not INACTIVE, cluster by cluster
// in creation order, services in creation order.
func (pt *Part) Services() []ServiceInfo {
	var out []ServiceInfo
	for _, cn := range pt.clOrder {
		c := pt.clusters[cn]
		for _, sn := range c.order {
			s := c.services[sn]
			if s.status == statusInactive {
				continue
			}
			info := ServiceInfo{Cluster: cn, Region: c.region, Name: sn, Container: sn}
			if p := s.primary(); p != nil && len(p.td.containers) > 0 {
				info.Container = p.td.containers[0].Name
			}
			out = append(out, info)
		}
	}
	return out
}

// retain keeps the newest keep ACTIVE revisions, deregisters the rest and
// deletes all but the two newest INACTIVE ones, as a cleanup job would;
// ECS keeps a deleted revision that a service still runs (it waits in
// DELETE_IN_PROGRESS until nothing uses it) and still describes it, so
// one in use is never dropped here (a blue/green standby that stays on an
// old revision while its twin deploys again and again).
func (pt *Part) retain(f *family, keep int) {
	if keep <= 0 {
		return
	}
	active := 0
	for _, td := range slices.Backward(f.revs) {
		if td.status != statusActive {
			continue
		}
		active++
		if active > keep {
			pt.deregisterTaskDef(td)
		}
	}
	inactive := 0
	gone := map[*taskDef]bool{}
	for _, td := range slices.Backward(f.revs) {
		if td.status == statusInactive {
			inactive++
			if inactive > 2 && !pt.inUse(td) {
				gone[td] = true
			}
		}
	}
	f.revs = slices.DeleteFunc(f.revs, func(td *taskDef) bool { return gone[td] })
}

// inUse says whether a service's deployment or task set runs td.
func (pt *Part) inUse(td *taskDef) bool {
	for _, c := range pt.clusters {
		for _, s := range c.services {
			for _, d := range s.deployments {
				if d.td == td {
					return true
				}
			}
			for _, ts := range s.taskSets {
				if ts.td == td {
					return true
				}
			}
		}
	}
	return false
}

// ContinueHooks continues every PAUSE lifecycle hook waiting in the
// service's deployment in flight, as a colleague would in the console;
// false when none waits.
func (pt *Part) ContinueHooks(cluster, name string) bool {
	s := pt.service(cluster, name)
	p := (*deployment)(nil)
	if s != nil {
		p = s.primary()
	}
	if p == nil || p.sd == nil || p.sd.native == nil {
		return false
	}
	done := false
	for _, h := range p.sd.native.hooks {
		if h.status == hookAwaiting && pt.continueHook(p.sd, h.id, actionContinue) == nil {
			done = true
		}
	}
	return done
}

// CodeDeployReplace starts a CodeDeploy blue/green deployment of a
// CODE_DEPLOY service, as CodeDeploy drives ECS: a replacement task set of
// taskDef at 100 % scale, ACTIVE beside the PRIMARY original, with the
// CodeDeploy deployment's ID as its external ID. It returns that ID, or ""
// when there is no such CODE_DEPLOY service or task definition.
func (pt *Part) CodeDeployReplace(cluster, name, taskDef string) string {
	s, td := pt.service(cluster, name), pt.findTaskDef(taskDef)
	if s == nil || td == nil || s.controller != controllerCodeDeploy || s.status != statusActive {
		return ""
	}
	id := "d-" + strings.ToUpper(ids.Mixed(pt.rnd(s), 9))
	pt.addTaskSet(s, td, depActive, 100, id, "CodeDeploy")
	return id
}

// CodeDeployShift reroutes production traffic to the newest task set: it
// becomes PRIMARY and the original ACTIVE, as CodeDeploy's traffic shift
// does. False when the service has a single task set.
func (pt *Part) CodeDeployShift(cluster, name string) bool {
	s := pt.service(cluster, name)
	if s == nil || len(s.taskSets) < 2 {
		return false
	}
	newest := s.taskSets[len(s.taskSets)-1]
	pt.makePrimary(s, newest)
	return true
}

// CodeDeployFinish terminates the original task sets: only the PRIMARY is
// left, as at the end of a CodeDeploy deployment.
func (pt *Part) CodeDeployFinish(cluster, name string) {
	s := pt.service(cluster, name)
	if s == nil {
		return
	}
	for _, ts := range slices.Clone(s.taskSets) {
		if ts.status != depPrimary {
			pt.dropTaskSet(s, ts)
		}
	}
}
