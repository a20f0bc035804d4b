package ecs

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// The ECS state: clusters, services, task definition families, service
// revisions and service deployments, and the rolling-update engine that
// moves tasks one at a time. Every method here expects the loop held.

const (
	statusActive   = "ACTIVE"
	statusInactive = "INACTIVE"
	statusDraining = "DRAINING"

	depPrimary = "PRIMARY"
	depActive  = "ACTIVE"

	rolloutInProgress = "IN_PROGRESS"
	rolloutCompleted  = "COMPLETED"
	rolloutFailed     = "FAILED"

	sdPending            = "PENDING"
	sdInProgress         = "IN_PROGRESS"
	sdSuccessful         = "SUCCESSFUL"
	sdStopped            = "STOPPED"
	sdStopRequested      = "STOP_REQUESTED"
	sdRollbackRequested  = "ROLLBACK_REQUESTED"
	sdRollbackInProgress = "ROLLBACK_IN_PROGRESS"
	sdRollbackSuccessful = "ROLLBACK_SUCCESSFUL"
	sdRollbackFailed     = "ROLLBACK_FAILED"

	cbMonitoring         = "MONITORING"
	cbTriggered          = "TRIGGERED"
	cbMonitoringComplete = "MONITORING_COMPLETE"
	cbDisabled           = "DISABLED"

	breakerReason      = "ECS deployment circuit breaker: tasks failed to start."
	userRollbackReason = "Service deployment rolled back because a user requested a rollback."
	supersededReason   = "Service deployment stopped because a newer deployment of the service started."
	abortReason        = "Service deployment stopped because a user requested it."
)

// DefaultRegion is where clusters and task definitions created through the
// API live (the sim serves one endpoint for every region).
const DefaultRegion = "us-east-1"

// apiError is an ECS error answer: HTTP status, modeled error code, message.
type apiError = awsproto.Error

func errClusterNotFound() *apiError {
	return awsproto.NewError(400, "ClusterNotFoundException", "Cluster not found.")
}
func errServiceNotFound() *apiError {
	return awsproto.NewError(400, "ServiceNotFoundException", "Service not found.")
}
func errServiceNotActive() *apiError {
	return awsproto.NewError(400, "ServiceNotActiveException", "Service was not ACTIVE.")
}
func errInvalid(format string, a ...any) *apiError {
	return awsproto.NewError(400, "InvalidParameterException", fmt.Sprintf(format, a...))
}
func errClient(format string, a ...any) *apiError {
	return awsproto.NewError(400, "ClientException", fmt.Sprintf(format, a...))
}
func errConflict(format string, a ...any) *apiError {
	return awsproto.NewError(400, "ConflictException", fmt.Sprintf(format, a...))
}

type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type cluster struct {
	name, arn, region string
	createdAt         time.Time
	services          map[string]*service
	order             []string
	tags              []Tag
}

type serviceEvent struct {
	id  string
	at  time.Time
	msg string
}

// deployConfig is the part of a service's deploymentConfiguration the
// engine acts on; the rest is echoed back as sent.
type deployConfig struct {
	breakerEnable   bool
	breakerRollback bool
	threshold       int // 0: the world's default
	maxPercent      int
	minHealthy      int
	strategy        string
	bakeTime        *int
	native          nativeConfig               // a native strategy's steps and lifecycle hooks
	raw             map[string]json.RawMessage // members we do not act on, echoed back
}

type service struct {
	name, arn  string
	cl         *cluster
	status     string
	desired    int
	createdAt  time.Time
	createdBy  string
	launchType string
	cfg        deployConfig
	tags       []Tag
	// controller is the deploymentController type: ECS, CODE_DEPLOY or
	// EXTERNAL. The last two run task sets, not deployments.
	controller string
	taskSets   []*taskSet
	rng        *rand.Rand // its own random source, or nil for the world's

	deployments []*deployment // [0] is the PRIMARY
	events      []serviceEvent
	sds         []*serviceDeployment // oldest first
	lastGood    *serviceRevision     // the last revision that completed a deployment
	gen         uint64               // reconcile generation; stale ticks are dropped
	settled     bool                 // steady state already announced
	stopped     []*stoppedTask       // stopped within the hour, oldest first (tasks.go)
}

type deployment struct {
	id         string
	status     string
	td         *taskDef
	rev        *serviceRevision
	desired    int
	running    []string // task IDs, oldest first
	pending    string   // the task being launched, if any
	failed     int
	rollout    string
	reason     string
	createdAt  time.Time
	updatedAt  time.Time
	sd         *serviceDeployment
	isRollback bool
}

type serviceRevision struct {
	arn          string
	svc          *service
	td           *taskDef
	createdAt    time.Time
	deploymentID string // the deployment that first ran it, named in rollback events
	alternate    bool   // registers in the alternate target group (resolvedLoadBalancers)
}

type sdRollback struct {
	reason string
	rev    *serviceRevision
	at     time.Time
}

type serviceDeployment struct {
	arn          string
	svc          *service
	target       *serviceRevision
	sources      []*serviceRevision
	rollbackTo   *serviceRevision
	status       string
	statusReason string
	createdAt    time.Time
	startedAt    time.Time
	finishedAt   time.Time
	stoppedAt    time.Time
	updatedAt    time.Time
	rollback     *sdRollback
	cbStatus     string
	failures     int
	threshold    int
	cfg          deployConfig
	onDone       []func(*serviceDeployment)
	native       *nativeState // a BLUE_GREEN, CANARY or LINEAR deployment's stage and weights
}

func (sd *serviceDeployment) terminal() bool {
	switch sd.status {
	case sdSuccessful, sdStopped, sdRollbackSuccessful, sdRollbackFailed:
		return true
	}
	return false
}

type family struct {
	name string
	revs []*taskDef // ascending revision
	next int        // lowest revision number the next registration may take
}

type Container struct {
	Name         string            `json:"name"`
	Image        string            `json:"image"`
	DockerLabels map[string]string `json:"dockerLabels,omitempty"`
}

type taskDef struct {
	family       string
	revision     int
	arn          string
	fields       map[string]json.RawMessage // registered members, echoed back
	containers   []Container
	status       string
	registeredAt time.Time
	deregistered time.Time
	registeredBy string
	tags         []Tag
}

func (td *taskDef) ref() string { return td.family + ":" + strconv.Itoa(td.revision) }

// --- ARNs and lookups ---

func (pt *Part) arn(region, resource string) string {
	return "arn:aws:ecs:" + region + ":" + pt.account + ":" + resource
}

// lastSegment turns a name or an ARN ("…:service/cluster/name") into a name.
func lastSegment(s string) string {
	if strings.HasPrefix(s, "arn:") {
		if i := strings.LastIndex(s, "/"); i >= 0 {
			return s[i+1:]
		}
	}
	return s
}

func (pt *Part) addCluster(name, region string) *cluster {
	if c, ok := pt.clusters[name]; ok {
		return c
	}
	c := &cluster{
		name:      name,
		region:    region,
		arn:       pt.arn(region, "cluster/"+name),
		createdAt: pt.loop.Now(),
		services:  map[string]*service{},
	}
	pt.clusters[name] = c
	pt.clOrder = append(pt.clOrder, name)
	return c
}

func (pt *Part) findCluster(ref string) (*cluster, *apiError) {
	if ref == "" {
		ref = "default"
	}
	c, ok := pt.clusters[lastSegment(ref)]
	if !ok {
		return nil, errClusterNotFound()
	}
	return c, nil
}

func (c *cluster) service(ref string) *service {
	return c.services[lastSegment(ref)]
}

// findTaskDef resolves "family", "family:revision" or a task definition ARN.
// A bare family means its latest ACTIVE revision.
func (pt *Part) findTaskDef(ref string) *taskDef {
	if i := strings.Index(ref, ":task-definition/"); i >= 0 {
		ref = ref[i+len(":task-definition/"):]
	}
	name, revStr, hasRev := strings.Cut(ref, ":")
	f := pt.families[name]
	if f == nil {
		return nil
	}
	if !hasRev {
		for i := len(f.revs) - 1; i >= 0; i-- {
			if f.revs[i].status == statusActive {
				return f.revs[i]
			}
		}
		return nil
	}
	n, err := strconv.Atoi(revStr)
	if err != nil {
		return nil
	}
	for _, td := range f.revs {
		if td.revision == n {
			return td
		}
	}
	return nil
}

// --- task definitions ---

// registerTaskDef adds the next revision of a family. fields are the
// request members to echo back; containers are parsed from them.
func (pt *Part) registerTaskDef(familyName, region string, fields map[string]json.RawMessage, containers []Container, tags []Tag) *taskDef {
	f := pt.families[familyName]
	if f == nil {
		f = &family{name: familyName}
		pt.families[familyName] = f
	}
	next := max(1, f.next)
	if n := len(f.revs); n > 0 {
		next = max(next, f.revs[n-1].revision+1)
	}
	f.next = next + 1
	return pt.addRevision(f, next, region, fields, containers, tags)
}

func (pt *Part) addRevision(f *family, rev int, region string, fields map[string]json.RawMessage, containers []Container, tags []Tag) *taskDef {
	ref := f.name + ":" + strconv.Itoa(rev)
	td := &taskDef{
		family:       f.name,
		revision:     rev,
		arn:          pt.arn(region, "task-definition/"+ref),
		fields:       fields,
		containers:   containers,
		status:       statusActive,
		registeredAt: pt.loop.Now(),
		registeredBy: "arn:aws:iam::" + pt.account + ":role/deployer",
		tags:         tags,
	}
	f.revs = append(f.revs, td)
	return td
}

func (pt *Part) deregisterTaskDef(td *taskDef) {
	if td.status == statusActive {
		td.status = statusInactive
		td.deregistered = pt.loop.Now()
	}
}

// failsToStart reports whether tasks of td never reach RUNNING: a bad image
// picked by the scenario, or an image tagged "bad"/"bad-…".
func (pt *Part) failsToStart(td *taskDef) bool {
	_, bad := pt.badContainer(td)
	return bad
}

func imageTag(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	slash, colon := strings.LastIndex(image, "/"), strings.LastIndex(image, ":")
	if colon > slash {
		return image[colon+1:]
	}
	return ""
}

// --- services ---

func (s *service) primary() *deployment {
	if len(s.deployments) == 0 {
		return nil
	}
	return s.deployments[0]
}

func (s *service) counts() (running, pending int) {
	for _, d := range s.deployments {
		running += len(d.running)
		if d.pending != "" {
			pending++
		}
	}
	tr, tp := s.taskSetCounts()
	return running + tr, pending + tp
}

func (pt *Part) event(s *service, format string, a ...any) {
	msg := fmt.Sprintf("(service %s) ", s.name) + fmt.Sprintf(format, a...)
	s.events = append(s.events, serviceEvent{id: ids.UUID(pt.rnd(s)), at: pt.loop.Now(), msg: msg})
	if n := len(s.events); n > 100 {
		s.events = slices.Delete(s.events, 0, n-100)
	}
}

// createService adds a service and starts its first deployment; its tasks
// start one by one at the scenario's pace. A CODE_DEPLOY service starts
// with a PRIMARY task set of td instead, as ECS creates it; an EXTERNAL one
// with nothing, until its tool creates a task set.
func (pt *Part) createService(c *cluster, name string, td *taskDef, desired int, cfg deployConfig, tags []Tag, controller string, rng *rand.Rand) *service {
	s := &service{
		name:       name,
		arn:        pt.arn(c.region, "service/"+c.name+"/"+name),
		cl:         c,
		status:     statusActive,
		desired:    desired,
		createdAt:  pt.loop.Now(),
		createdBy:  "arn:aws:iam::" + pt.account + ":role/deployer",
		launchType: "FARGATE",
		cfg:        cfg,
		tags:       tags,
		controller: controller,
		rng:        rng,
	}
	if _, existed := c.services[name]; !existed {
		c.order = append(c.order, name)
	}
	c.services[name] = s
	switch controller {
	case controllerCodeDeploy:
		pt.addTaskSet(s, td, depPrimary, 100, "", "")
	case controllerExternal:
	default:
		pt.startDeployment(s, td)
	}
	return s
}

func (pt *Part) newDeploymentID(s *service) string { return "ecs-svc/" + ids.Digits(pt.rnd(s), 19) }

// rnd is the random source of what happens to s: its own when the world
// gave it one (a service added to the demo without disturbing the others),
// else the world's.
func (pt *Part) rnd(s *service) *rand.Rand {
	if s != nil && s.rng != nil {
		return s.rng
	}
	return pt.loop.Rand()
}

// between is loop.Between drawn from s's random source.
func (pt *Part) between(s *service, lo, hi time.Duration) time.Duration {
	if s == nil || s.rng == nil {
		return pt.loop.Between(lo, hi)
	}
	if hi <= lo {
		return pt.loop.Pace(lo)
	}
	return pt.loop.Pace(lo + time.Duration(s.rng.Int64N(int64(hi-lo)+1)))
}

func (pt *Part) newRevision(s *service, td *taskDef) *serviceRevision {
	r := &serviceRevision{
		arn:       pt.arn(s.cl.region, "service-revision/"+s.cl.name+"/"+s.name+"/"+ids.Digits(pt.rnd(s), 19)),
		svc:       s,
		td:        td,
		createdAt: pt.loop.Now(),
	}
	// A native service's revisions take its two target groups in turn.
	r.alternate = len(s.deployments) > 0 && s.deployments[0].rev != nil && !s.deployments[0].rev.alternate
	pt.revisions[r.arn] = r
	return r
}

func (pt *Part) newDeployment(s *service, rev *serviceRevision) *deployment {
	d := &deployment{
		id:        pt.newDeploymentID(s),
		status:    depPrimary,
		td:        rev.td,
		rev:       rev,
		desired:   s.desired,
		rollout:   rolloutInProgress,
		createdAt: pt.loop.Now(),
		updatedAt: pt.loop.Now(),
	}
	d.reason = "ECS deployment " + d.id + " in progress."
	if rev.deploymentID == "" {
		rev.deploymentID = d.id
	}
	return d
}

// demote turns the current primary into an ACTIVE deployment that drains.
func (pt *Part) demote(s *service) *deployment {
	p := s.primary()
	if p == nil {
		return nil
	}
	p.status = depActive
	p.pending = ""
	p.updatedAt = pt.loop.Now()
	return p
}

// startDeployment begins a rolling deployment of td: a new PRIMARY, the old
// one ACTIVE, and a service deployment that tracks it. An in-flight
// deployment is superseded.
func (pt *Part) startDeployment(s *service, td *taskDef) *serviceDeployment {
	rev := pt.newRevision(s, td)
	d := pt.newDeployment(s, rev)

	var sources []*serviceRevision
	for _, old := range s.deployments {
		if (len(old.running) > 0 || old.status == depPrimary) && !slices.Contains(sources, old.rev) {
			sources = append(sources, old.rev)
		}
	}
	threshold := s.cfg.threshold
	if threshold <= 0 {
		threshold = pt.threshold
	}
	sd := &serviceDeployment{
		arn:        pt.arn(s.cl.region, "service-deployment/"+s.cl.name+"/"+s.name+"/"+ids.Mixed(pt.rnd(s), 22)),
		svc:        s,
		target:     rev,
		sources:    sources,
		rollbackTo: s.lastGood,
		status:     sdPending,
		createdAt:  pt.loop.Now(),
		updatedAt:  pt.loop.Now(),
		cbStatus:   cbDisabled,
		threshold:  threshold,
		cfg:        s.cfg,
	}
	if s.cfg.breakerEnable {
		sd.cbStatus = cbMonitoring
	}
	d.sd = sd
	if nativeStrategy(s.cfg.strategy) && len(sources) > 0 {
		pt.startNative(sd)
	}
	if old := s.primary(); old != nil && old.sd != nil && !old.sd.terminal() {
		pt.finishSD(old.sd, sdStopped, supersededReason)
		old.sd.stoppedAt = pt.loop.Now()
	}
	pt.demote(s)
	s.deployments = append([]*deployment{d}, s.deployments...)
	s.sds = append(s.sds, sd)
	pt.sds[sd.arn] = sd
	s.settled = false
	pt.noteShares(s)
	pt.reconcileSoon(s, pt.loop.Pace(time.Second))
	return sd
}

// startRollback makes a new PRIMARY deployment of the revision sd rolls back to.
func (pt *Part) startRollback(s *service, sd *serviceDeployment, reason, status string) {
	to := sd.rollbackTo
	pt.demote(s)
	d := pt.newDeployment(s, to)
	d.isRollback = true
	d.sd = sd
	s.deployments = append([]*deployment{d}, s.deployments...)
	sd.status = status
	sd.updatedAt = pt.loop.Now()
	sd.rollback = &sdRollback{reason: reason, rev: to, at: pt.loop.Now()}
	if sd.native != nil {
		sd.native.rolledBack()
	}
	s.settled = false
	pt.event(s, "rolling back to deployment %s.", to.deploymentID)
	pt.noteShares(s)
	pt.reconcileSoon(s, pt.loop.Pace(time.Second))
}

func (pt *Part) finishSD(sd *serviceDeployment, status, reason string) {
	sd.status = status
	if reason != "" {
		sd.statusReason = reason
	}
	sd.finishedAt = pt.loop.Now()
	sd.updatedAt = pt.loop.Now()
	if sd.cbStatus == cbMonitoring {
		sd.cbStatus = cbMonitoringComplete
	}
	done := sd.onDone
	sd.onDone = nil
	for _, fn := range done {
		fn(sd)
	}
}

func (pt *Part) reconcileSoon(s *service, d time.Duration) {
	s.gen++
	g := s.gen
	pt.loop.After(d, func() {
		if s.gen == g {
			pt.reconcile(s)
		}
	})
}

// reconcile takes one step towards the service's desired state and
// schedules the next: launch a task of the primary, let it come up (or
// fail), stop one old task, and so on until the primary alone runs the
// desired count.
func (pt *Part) reconcile(s *service) {
	defer pt.noteShares(s) // a native deployment's weights move here
	p := s.primary()
	if p == nil {
		return
	}
	if sd := p.sd; sd != nil {
		switch sd.status {
		case sdPending:
			sd.status, sd.startedAt, sd.updatedAt = sdInProgress, pt.loop.Now(), pt.loop.Now()
		case sdRollbackRequested:
			sd.status, sd.updatedAt = sdRollbackInProgress, pt.loop.Now()
		}
	}

	if p.pending != "" {
		pt.resolveLaunch(s, p)
		return
	}
	if s.status == statusDraining {
		if d, ok := pt.anyRunning(s, nil); ok {
			pt.stopTask(s, d)
			pt.reconcileSoon(s, pt.between(s, 300*time.Millisecond, 800*time.Millisecond))
			return
		}
		s.status = statusInactive
		return
	}
	if p.rollout == rolloutFailed {
		return // the breaker stopped it, or a user aborted it: no more launches
	}
	if sd := p.sd; sd != nil && sd.native != nil && !p.isRollback && !sd.terminal() {
		pt.reconcileNative(s, p, sd)
		return
	}
	running, _ := s.counts()
	if running > s.desired {
		if d, ok := pt.anyRunning(s, p); ok {
			pt.stopTask(s, d)
			pt.reconcileSoon(s, pt.between(s, 300*time.Millisecond, 800*time.Millisecond))
			return
		}
	}
	if len(p.running) < p.desired {
		id := ids.Hex(pt.rnd(s), 32)
		p.pending = id
		p.updatedAt = pt.loop.Now()
		s.settled = false
		pt.event(s, "has started 1 tasks: (task %s).", id)
		pt.reconcileSoon(s, pt.between(s, 4*time.Second, 8*time.Second))
		return
	}
	if len(p.running) > p.desired {
		pt.stopTask(s, p)
		pt.reconcileSoon(s, pt.between(s, 300*time.Millisecond, 800*time.Millisecond))
		return
	}
	if d, ok := pt.anyRunning(s, p); ok {
		pt.stopTask(s, d)
		pt.reconcileSoon(s, pt.between(s, 300*time.Millisecond, 800*time.Millisecond))
		return
	}
	pt.settle(s, p)
}

// resolveLaunch brings the primary's pending task to RUNNING, or fails it
// and lets the circuit breaker judge.
func (pt *Part) resolveLaunch(s *service, p *deployment) {
	id := p.pending
	p.pending = ""
	p.updatedAt = pt.loop.Now()
	if !pt.failsToStart(p.td) {
		p.running = append(p.running, id)
		pt.reconcileSoon(s, pt.between(s, 500*time.Millisecond, 1500*time.Millisecond))
		return
	}
	p.failed++
	pt.event(s, "(task %s) stopped: %s.", id, pt.recordFailed(s, p, id))
	sd := p.sd
	if sd != nil && sd.cbStatus == cbMonitoring {
		sd.failures = p.failed
		sd.updatedAt = pt.loop.Now()
	}
	if sd != nil && sd.cfg.breakerEnable && p.rollout == rolloutInProgress && p.failed >= sd.threshold {
		pt.tripBreaker(s, p)
		return
	}
	// ECS keeps retrying with a growing back-off when no breaker watches.
	backoff := min(time.Duration(p.failed)*time.Second, 30*time.Second)
	pt.reconcileSoon(s, pt.loop.Pace(time.Second+backoff))
}

func (pt *Part) tripBreaker(s *service, p *deployment) {
	p.rollout = rolloutFailed
	p.reason = breakerReason
	p.updatedAt = pt.loop.Now()
	pt.event(s, "(deployment %s) deployment failed: tasks failed to start.", p.id)
	sd := p.sd
	sd.cbStatus = cbTriggered
	sd.failures = p.failed
	switch {
	case p.isRollback:
		pt.finishSD(sd, sdRollbackFailed, breakerReason)
		return
	case !sd.cfg.breakerRollback || sd.rollbackTo == nil:
		pt.finishSD(sd, sdStopped, breakerReason)
		return
	}
	pt.startRollback(s, sd, breakerReason, sdRollbackInProgress)
}

// anyRunning picks the deployment to stop a task from: an ACTIVE one
// running another task definition first, then any other ACTIVE one; the
// primary only when except is nil.
func (pt *Part) anyRunning(s *service, except *deployment) (*deployment, bool) {
	for pass := 0; pass < 2; pass++ {
		for i := len(s.deployments) - 1; i >= 0; i-- {
			d := s.deployments[i]
			if d == except || len(d.running) == 0 {
				continue
			}
			if pass == 0 && except != nil && d.td == except.td {
				continue
			}
			return d, true
		}
	}
	return nil, false
}

func (pt *Part) stopTask(s *service, d *deployment) {
	id := d.running[0]
	d.running = d.running[1:]
	if d.status == depActive {
		d.desired = len(d.running)
	}
	d.updatedAt = pt.loop.Now()
	s.settled = false
	pt.recordScaledIn(s, d, id)
	pt.event(s, "has stopped 1 running tasks: (task %s).", id)
}

// settle ends a rollout: the drained deployments go, the primary is
// COMPLETED, and the service deployment records how it ended.
func (pt *Part) settle(s *service, p *deployment) {
	if len(s.deployments) > 1 {
		s.deployments = s.deployments[:1]
	}
	if p.rollout == rolloutInProgress {
		p.rollout = rolloutCompleted
		p.reason = "ECS deployment " + p.id + " completed."
		p.updatedAt = pt.loop.Now()
		s.lastGood = p.rev
		pt.event(s, "(deployment %s) deployment completed.", p.id)
		if sd := p.sd; sd != nil && !sd.terminal() {
			if p.isRollback {
				pt.finishSD(sd, sdRollbackSuccessful, "")
			} else {
				pt.finishSD(sd, sdSuccessful, "")
			}
		}
	}
	if !s.settled {
		s.settled = true
		pt.event(s, "has reached a steady state.")
	}
}

// updateService applies an UpdateService call: a new task definition (or a
// forced redeploy) starts a deployment; a new desired count alone scales.
func (pt *Part) updateService(s *service, td *taskDef, desired *int, force bool, cfg *deployConfig) *serviceDeployment {
	if cfg != nil {
		s.cfg = *cfg
	}
	if desired != nil {
		s.desired = *desired
		if p := s.primary(); p != nil {
			p.desired = *desired
		}
		s.settled = false
	}
	p := s.primary()
	if td == nil && p != nil {
		td = p.td
	}
	if p == nil || force || td != p.td {
		return pt.startDeployment(s, td)
	}
	pt.reconcileSoon(s, pt.loop.Pace(500*time.Millisecond))
	return nil
}

// stopServiceDeployment implements StopServiceDeployment.
func (pt *Part) stopServiceDeployment(sd *serviceDeployment, stopType string) *apiError {
	s := sd.svc
	p := s.primary()
	if sd.terminal() || p == nil || p.sd != sd {
		return errConflict("The service deployment %s is %s and cannot be stopped.", sd.arn, sd.status)
	}
	switch stopType {
	case "ROLLBACK", "":
		if p.isRollback || sd.status == sdRollbackRequested || sd.status == sdRollbackInProgress {
			return errConflict("The service deployment %s is already rolling back.", sd.arn)
		}
		if sd.rollbackTo == nil {
			return errConflict("The service deployment %s has no previous service revision to roll back to.", sd.arn)
		}
		if sd.cbStatus == cbMonitoring {
			sd.cbStatus = cbMonitoringComplete
		}
		pt.startRollback(s, sd, userRollbackReason, sdRollbackRequested)
	case "ABORT":
		p.rollout = rolloutFailed
		p.reason = abortReason
		p.pending = ""
		p.updatedAt = pt.loop.Now()
		sd.stoppedAt = pt.loop.Now()
		pt.finishSD(sd, sdStopped, abortReason)
		pt.event(s, "(deployment %s) deployment stopped.", p.id)
	default:
		return errInvalid("Invalid stopType %q: valid values are ROLLBACK and ABORT.", stopType)
	}
	return nil
}

// deleteService drains a service to zero and marks it INACTIVE.
func (pt *Part) deleteService(s *service) {
	if s.taskSetService() {
		for _, ts := range slices.Clone(s.taskSets) {
			pt.dropTaskSet(s, ts)
		}
		s.status, s.desired = statusInactive, 0
		return
	}
	s.status = statusDraining
	s.desired = 0
	for _, d := range s.deployments {
		d.desired = 0
	}
	s.settled = false
	pt.reconcileSoon(s, pt.loop.Pace(500*time.Millisecond))
}

// sortedFamilies lists family names in byte order, as ECS sorts them.
func (pt *Part) sortedFamilies() []string {
	names := make([]string, 0, len(pt.families))
	for n := range pt.families {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
