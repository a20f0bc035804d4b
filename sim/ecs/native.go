package ecs

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/airside-dev/flightdeck/sim/awsproto"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// ECS native deployment strategies (deploymentConfiguration.strategy
// BLUE_GREEN, CANARY, LINEAR). A service deployment walks the lifecycle
// stages: the new revision scales up beside the old one, takes the test
// traffic, then production traffic (all at once, a canary step then the
// rest, or linear steps, each held for its bake time), bakes with the old
// revision still up for a quick rollback, and cleans the old one up.
// Lifecycle hooks run at their stages: a PAUSE hook waits for
// ContinueServiceDeployment (or its timeout); an AWS_LAMBDA hook succeeds
// at once (the sim runs no Lambda). A rollback (StopServiceDeployment, a
// hook's ROLLBACK, the circuit breaker) sends the traffic back to the
// source and rolls its tasks back as the rolling engine does.

const (
	stageReconcile     = "RECONCILE_SERVICE"
	stagePreScaleUp    = "PRE_SCALE_UP"
	stageScaleUp       = "SCALE_UP"
	stagePostScaleUp   = "POST_SCALE_UP"
	stageTestShift     = "TEST_TRAFFIC_SHIFT"
	stagePostTestShift = "POST_TEST_TRAFFIC_SHIFT"
	stageProdShift     = "PRODUCTION_TRAFFIC_SHIFT"
	stagePostProdShift = "POST_PRODUCTION_TRAFFIC_SHIFT"
	stageBake          = "BAKE_TIME"
	stageCleanUp       = "CLEAN_UP"
	hookPreProdShift   = "PRE_PRODUCTION_TRAFFIC_SHIFT" // a hook stage only: before the weights move
	hookAwaiting       = "AWAITING_ACTION"
	hookSucceeded      = "SUCCEEDED"
	hookFailed         = "FAILED"
	hookTimedOut       = "TIMED_OUT"
	hookPause          = "PAUSE"
	hookLambda         = "AWS_LAMBDA"
	actionContinue     = "CONTINUE"
	actionRollback     = "ROLLBACK"
	hookRollbackReason = "Service deployment rolled back because a lifecycle hook asked for it."
	hookTimeoutReason  = "Service deployment rolled back because a lifecycle hook timed out."
	defaultHookTimeout = 1440
	defaultCanaryPct   = 5.0
	defaultCanaryBake  = 10
	defaultLinearPct   = 10.0
	defaultLinearBake  = 6
	nativeStagePause   = 3 * time.Second
	strategyRolling    = "ROLLING"
	strategyBlueGreen  = "BLUE_GREEN"
	strategyCanary     = "CANARY"
	strategyLinear     = "LINEAR"
)

var nativeStages = []string{stageReconcile, stagePreScaleUp, stageScaleUp, stagePostScaleUp, stageTestShift,
	stagePostTestShift, stageProdShift, stagePostProdShift, stageBake, stageCleanUp}

// hookSpec is one configured lifecycle hook.
type hookSpec struct {
	TargetType    string   `json:"targetType"`
	HookTargetArn string   `json:"hookTargetArn"`
	Stages        []string `json:"lifecycleStages"`
	Timeout       *struct {
		Action  string `json:"action"`
		Minutes *int   `json:"timeoutInMinutes"`
	} `json:"timeoutConfiguration"`
}

// nativeConfig is what the engine acts on of a native strategy.
type nativeConfig struct {
	canaryPct, stepPct   float64
	canaryBake, stepBake int // minutes
	hooks                []hookSpec
}

// hookRun is one hook's run in one service deployment.
type hookRun struct {
	id, status, targetType, targetArn, timeoutAction string
	stage                                            string
	expiresAt                                        time.Time
}

// nativeState is a native service deployment's progress.
type nativeState struct {
	strategy    string
	stage       string
	stageStart  time.Time
	prodWeight  float64 // the target revision's requested production weight
	testWeight  float64
	shifting    bool      // PRODUCTION_TRAFFIC_SHIFT has begun moving weights
	stepEnds    time.Time // when the weight in force has baked
	hooks       []*hookRun
	hooksRunFor map[string]bool // stages whose hooks have started
}

func nativeStrategy(s string) bool {
	return s == strategyBlueGreen || s == strategyCanary || s == strategyLinear
}

// parseNative reads the native members of a deploymentConfiguration.
func (cfg *deployConfig) parseNative(k string, v json.RawMessage) error {
	switch k {
	case "canaryConfiguration":
		var c struct {
			Pct  *float64 `json:"canaryPercent"`
			Bake *int     `json:"canaryBakeTimeInMinutes"`
		}
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		cfg.native.canaryPct, cfg.native.canaryBake = deref(c.Pct, defaultCanaryPct), deref(c.Bake, defaultCanaryBake)
	case "linearConfiguration":
		var c struct {
			Pct  *float64 `json:"stepPercent"`
			Bake *int     `json:"stepBakeTimeInMinutes"`
		}
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		cfg.native.stepPct, cfg.native.stepBake = deref(c.Pct, defaultLinearPct), deref(c.Bake, defaultLinearBake)
	case "lifecycleHooks":
		var hooks []hookSpec
		if err := json.Unmarshal(v, &hooks); err != nil {
			return err
		}
		cfg.native.hooks = hooks
	}
	return nil
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// validateNative refuses what ECS refuses of a native configuration.
func validateNative(cfg deployConfig) *apiError {
	switch cfg.strategy {
	case strategyRolling, strategyBlueGreen, strategyCanary, strategyLinear:
	default:
		return errInvalid("deploymentConfiguration.strategy %q is not valid: use ROLLING, BLUE_GREEN, CANARY or LINEAR.", cfg.strategy)
	}
	n := cfg.native
	if n.canaryPct < 0 || n.canaryPct > 100 || n.stepPct < 0 || n.stepPct > 100 {
		return errInvalid("canaryPercent and stepPercent must be between 0.1 and 100.0.")
	}
	for _, h := range n.hooks {
		if h.TargetType != "" && h.TargetType != hookPause && h.TargetType != hookLambda {
			return errInvalid("lifecycleHooks.targetType %q is not valid: use AWS_LAMBDA or PAUSE.", h.TargetType)
		}
	}
	return nil
}

// startNative makes sd a native deployment of the service's strategy.
func (pt *Part) startNative(sd *serviceDeployment) {
	n := &nativeState{strategy: sd.cfg.strategy, hooksRunFor: map[string]bool{}}
	sd.native = n
	pt.enterStage(sd, stageReconcile)
}

// enterStage moves sd to stage and starts the stage's hooks.
func (pt *Part) enterStage(sd *serviceDeployment, stage string) {
	n := sd.native
	n.stage, n.stageStart = stage, pt.loop.Now()
	sd.updatedAt = pt.loop.Now()
	if stage == stageProdShift {
		pt.runHooks(sd, hookPreProdShift)
	}
	pt.runHooks(sd, stage)
}

// runHooks starts the hooks configured for stage, once per deployment.
func (pt *Part) runHooks(sd *serviceDeployment, stage string) {
	n := sd.native
	if n.hooksRunFor[stage] {
		return
	}
	n.hooksRunFor[stage] = true
	for _, h := range sd.cfg.native.hooks {
		if !slices.Contains(h.Stages, stage) {
			continue
		}
		minutes, action := defaultHookTimeout, actionRollback
		if t := h.Timeout; t != nil {
			minutes = deref(t.Minutes, defaultHookTimeout)
			if t.Action != "" {
				action = t.Action
			}
		}
		run := &hookRun{
			id: ids.UUID(pt.rnd(sd.svc)), targetType: h.TargetType, targetArn: h.HookTargetArn,
			timeoutAction: action, stage: stage, status: hookSucceeded,
			expiresAt: pt.loop.Now().Add(time.Duration(minutes) * time.Minute),
		}
		n.hooks = append(n.hooks, run)
		if h.TargetType != hookPause {
			continue // the sim runs no Lambda: it succeeds
		}
		run.status = hookAwaiting
		pt.event(sd.svc, "(service-deployment %s) lifecycle hook %s is waiting for action at %s.", lastSegment(sd.arn), run.id, stage)
		pt.loop.At(run.expiresAt, func() { pt.hookTimeout(sd, run) })
	}
}

func (n *nativeState) waiting() bool {
	for _, h := range n.hooks {
		if h.status == hookAwaiting {
			return true
		}
	}
	return false
}

// hookTimeout takes a PAUSE hook's timeout action if it still waits.
func (pt *Part) hookTimeout(sd *serviceDeployment, run *hookRun) {
	if run.status != hookAwaiting || sd.terminal() || sd.rollback != nil {
		return
	}
	run.status = hookTimedOut
	if run.timeoutAction == actionContinue {
		pt.reconcileSoon(sd.svc, pt.loop.Pace(time.Second))
		return
	}
	pt.nativeRollback(sd, hookTimeoutReason)
}

// continueHook implements ContinueServiceDeployment.
func (pt *Part) continueHook(sd *serviceDeployment, hookID, action string) *apiError {
	n := sd.native
	if n == nil || sd.terminal() || sd.status == sdRollbackRequested || sd.status == sdRollbackInProgress {
		return errConflict("The service deployment %s is %s and has no lifecycle hook waiting.", sd.arn, sd.status)
	}
	var run *hookRun
	for _, h := range n.hooks {
		if h.id == hookID {
			run = h
		}
	}
	switch {
	case run == nil:
		return errInvalid("The lifecycle hook %s does not exist in service deployment %s.", hookID, sd.arn)
	case run.status != hookAwaiting:
		return errConflict("The lifecycle hook %s is %s, not AWAITING_ACTION.", hookID, run.status)
	}
	switch action {
	case actionContinue, "":
		run.status = hookSucceeded
		sd.updatedAt = pt.loop.Now()
		pt.reconcileSoon(sd.svc, pt.loop.Pace(time.Second))
	case actionRollback:
		run.status = hookFailed
		pt.nativeRollback(sd, hookRollbackReason)
	default:
		return errInvalid("Invalid action %q: valid values are CONTINUE and ROLLBACK.", action)
	}
	return nil
}

// nativeRollback sends the traffic back to the source and rolls back.
func (pt *Part) nativeRollback(sd *serviceDeployment, reason string) {
	if sd.rollbackTo == nil {
		p := sd.svc.primary()
		p.rollout, p.reason, p.pending = rolloutFailed, reason, ""
		pt.finishSD(sd, sdStopped, reason)
		return
	}
	if sd.cbStatus == cbMonitoring {
		sd.cbStatus = cbMonitoringComplete
	}
	sd.statusReason = reason
	pt.startRollback(sd.svc, sd, reason, sdRollbackInProgress)
}

// rolledBack resets the weights once a rollback takes the traffic back;
// a hook still waiting will not be answered any more.
func (n *nativeState) rolledBack() {
	n.prodWeight, n.testWeight, n.shifting = 0, 0, false
	for _, h := range n.hooks {
		if h.status == hookAwaiting {
			h.status = hookFailed
		}
	}
}

// reconcileNative takes one step of a native deployment: tasks while
// scaling up and cleaning up, weights in the production shift, time in the
// bakes, nothing while a hook waits.
func (pt *Part) reconcileNative(s *service, p *deployment, sd *serviceDeployment) {
	n := sd.native
	if n.waiting() {
		return // ContinueServiceDeployment or the hook's timeout moves it on
	}
	now := pt.loop.Now()
	switch n.stage {
	case stageScaleUp:
		if len(p.running) < p.desired {
			pt.launch(s, p)
			return
		}
	case stageTestShift:
		n.testWeight = 100
	case stageProdShift:
		if !pt.shiftStep(sd, now) {
			return
		}
	case stageBake:
		if end := n.stageStart.Add(minutes(sd.cfg.bakeTime)); now.Before(end) {
			pt.reconcileSoon(s, end.Sub(now))
			return
		}
	case stageCleanUp:
		if d, ok := pt.anyRunning(s, p); ok {
			pt.stopTask(s, d)
			pt.reconcileSoon(s, pt.between(s, 300*time.Millisecond, 800*time.Millisecond))
			return
		}
		pt.settle(s, p)
		return
	}
	i := slices.Index(nativeStages, n.stage)
	pt.enterStage(sd, nativeStages[i+1])
	pt.reconcileSoon(s, pt.loop.Pace(nativeStagePause))
}

func minutes(m *int) time.Duration {
	if m == nil {
		return 0
	}
	return time.Duration(*m) * time.Minute
}

// shiftStep moves the production weight as the strategy says and reports
// whether the shift is complete.
func (pt *Part) shiftStep(sd *serviceDeployment, now time.Time) bool {
	n, s := sd.native, sd.svc
	if n.shifting && now.Before(n.stepEnds) {
		pt.reconcileSoon(s, n.stepEnds.Sub(now))
		return false
	}
	if n.prodWeight >= 100 {
		return true
	}
	c := sd.cfg.native
	next, bake := 100.0, 0
	switch {
	case n.strategy == strategyCanary && !n.shifting:
		next, bake = pct(c.canaryPct, defaultCanaryPct), c.canaryBake
	case n.strategy == strategyLinear:
		next, bake = math.Min(100, n.prodWeight+pct(c.stepPct, defaultLinearPct)), c.stepBake
	}
	n.shifting, n.prodWeight = true, next
	sd.updatedAt = now
	pt.event(s, "(service-deployment %s) shifted %g%% of production traffic to the new service revision.", lastSegment(sd.arn), next)
	if next >= 100 {
		bake = 0
	}
	n.stepEnds = now.Add(time.Duration(bake) * time.Minute)
	pt.reconcileSoon(s, max(n.stepEnds.Sub(now), pt.loop.Pace(nativeStagePause)))
	return false
}

func pct(v, def float64) float64 {
	if v <= 0 {
		return def
	}
	return v
}

// launch starts one task of p, as the rolling engine does.
func (pt *Part) launch(s *service, p *deployment) {
	id := ids.Hex(pt.rnd(s), 32)
	p.pending = id
	p.updatedAt = pt.loop.Now()
	s.settled = false
	pt.event(s, "has started 1 tasks: (task %s).", id)
	pt.reconcileSoon(s, pt.between(s, 4*time.Second, 8*time.Second))
}

// --- wire ---

type jsonHookDetail struct {
	HookID        string `json:"hookId"`
	Status        string `json:"status"`
	TargetType    string `json:"targetType"`
	TargetArn     string `json:"targetArn,omitempty"`
	ExpiresAt     epoch  `json:"expiresAt"`
	TimeoutAction string `json:"timeoutAction"`
}

// nativeJSON adds a native deployment's stage, weights and hooks.
func (pt *Part) nativeJSON(sd *serviceDeployment, out *jsonServiceDeployment) {
	n := sd.native
	if n == nil {
		return
	}
	out.LifecycleStage = n.stage
	tw, pw := n.testWeight, n.prodWeight
	if sd.rollback != nil {
		tw, pw = 0, 0
	}
	if t := out.TargetServiceRevision; t != nil {
		t.ProdWeight, t.TestWeight = ptr(pw), ptr(tw)
	}
	for i := range out.SourceServiceRevisions {
		out.SourceServiceRevisions[i].ProdWeight, out.SourceServiceRevisions[i].TestWeight = ptr(100-pw), ptr(100-tw)
	}
	for _, h := range n.hooks {
		out.LifecycleHookDetails = append(out.LifecycleHookDetails, jsonHookDetail{
			HookID: h.id, Status: h.status, TargetType: h.targetType, TargetArn: h.targetArn,
			ExpiresAt: epoch(h.expiresAt), TimeoutAction: h.timeoutAction,
		})
	}
}

func ptr[T any](v T) *T { return &v }

func (pt *Part) ecsContinueServiceDeployment(body []byte) (any, *apiError) {
	var in struct {
		ServiceDeploymentArn string `json:"serviceDeploymentArn"`
		HookID               string `json:"hookId"`
		Action               string `json:"action"`
	}
	if e := pt.decodeInput("ContinueServiceDeployment", body, &in); e != nil {
		return nil, e
	}
	if in.ServiceDeploymentArn == "" || in.HookID == "" {
		return nil, errInvalid("serviceDeploymentArn and hookId must be specified.")
	}
	pt.loop.Lock()
	defer pt.loop.Unlock()
	sd, ok := pt.sds[in.ServiceDeploymentArn]
	if !ok {
		return nil, awsproto.NewError(400, "ServiceDeploymentNotFoundException", "The service deployment "+in.ServiceDeploymentArn+" does not exist.")
	}
	if e := pt.continueHook(sd, in.HookID, in.Action); e != nil {
		return nil, e
	}
	return map[string]any{"serviceDeploymentArn": sd.arn}, nil
}
