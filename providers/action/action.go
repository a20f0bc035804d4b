// Package action is flightdeck's one action pipeline. Every release action,
// from the TUI or a headless command, goes through the same steps:
//
//	plan     Propose: what the user asked for, on the snapshot they saw,
//	         becomes the action and every text its confirmation shows
//	guard    read-only mode, the provider's capability, preconditions
//	confirm  the caller's: a modal, a typed environment name, or --yes
//	re-check the environment is read live; refuse if it moved since the plan
//	execute  one provider call (or, with dry-run, the calls it would make)
//	audit    one fsynced JSON line, before success is reported
//	resolve  a call whose answer was lost is "unknown": the target is read
//	         again and a second record says what actually happened
//	follow   the caller polls hot until Landed says the result shows
//
// Re-check, execute and resolve run under a lock on the target, shared by
// every flightdeck on this machine, so two actions on one environment are
// serialised and the second is refused by its re-check. Nothing here
// retries a mutating call.
package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// Options configure a Pipeline.
type Options struct {
	// ReadOnly refuses every action (flag or config).
	ReadOnly bool
	// DryRun sends nothing, whoever runs the action (the dashboard or a
	// command): it checks everything and says what it would send.
	DryRun bool
	// LockDir holds the lock files that serialise actions on one target
	// ($XDG_STATE_HOME/flightdeck/locks); "" locks nothing (tests).
	LockDir string
	// Providers serve the environments (Rollbacker, EnvReader, … found by
	// interface) and the services' pipelines (Approver, GateChecker, …).
	Providers *providers.Registry
	// Protected says which environments need their name typed to confirm.
	Protected func(model.EnvKey) bool
	Audit     *audit.Log
	// User is who acts, as the audit record names them: the OS user for a
	// local flightdeck, the team member's name on `flightdeck serve`.
	User string
	// Key is the fingerprint of the SSH key the user signed in with
	// (`flightdeck serve`); "" locally.
	Key string
	// Permit, when set, says whether this user may take an action at all
	// (team roles and an environment's approvers): nil or a
	// *model.Refusal saying why not ("ana is a viewer"). It is one of the
	// guards, so the keys it disables show the reason and Run refuses.
	Permit func(model.Action) error
	// Observe, when set, is handed every audit record after it is
	// written (the team feed); it must not block.
	Observe func(audit.Record)
	// Who, when set, names who last acted on an action's target through
	// this process ("ana rolled api/production back to 7d3e2a1 12s ago");
	// a re-check that refuses because the target moved leads with it.
	Who func(model.Action) string
	Now func() time.Time
	// Timeout bounds the re-check and the execute call.
	Timeout time.Duration
}

// Pipeline runs actions.
type Pipeline struct {
	o Options
	// pause is the wait between reads that resolve a lost answer.
	pause time.Duration
}

// New builds a pipeline.
func New(o Options) *Pipeline {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return &Pipeline{o: o, pause: resolvePause}
}

// DryRun reports whether the pipeline sends nothing.
func (p *Pipeline) DryRun() bool { return p.o.DryRun }

// ReadOnly reports whether the pipeline refuses every action.
func (p *Pipeline) ReadOnly() bool { return p.o.ReadOnly }

// Result is what an executed (or dry-run) action did.
type Result struct {
	Action  model.Action
	DryRun  bool
	Receipt providers.Receipt
	// Outcome is the audit result: ok, failed, refused, dry-run, or
	// unknown when the answer was lost and reading again could not tell.
	Outcome string
	// Resolved says what reading the target again found, after a call
	// whose answer was lost ("the rollback went through: production is
	// rolling to 7d3e2a1").
	Resolved string
}

// Guard checks an action before the user is asked to confirm it, against
// the environment as the user saw it. A refusal is audited and returned as
// a *model.Refusal.
func (p *Pipeline) Guard(a model.Action, seen model.EnvStatus) error {
	if err := p.guard(a, seen); err != nil {
		p.record(a, audit.ResultRefused, err, providers.Receipt{})
		return err
	}
	return nil
}

func (p *Pipeline) guard(a model.Action, seen model.EnvStatus) error {
	if err := p.allowed(a); err != nil {
		return err
	}
	return model.CheckPreconditions(a, seen)
}

// allowed refuses in read-only mode and where no provider can do a.
func (p *Pipeline) allowed(a model.Action) error {
	if p.o.ReadOnly {
		return model.Refuse("read-only mode: %s is disabled (--read-only or read_only in the config)", a.Kind)
	}
	if p.o.Permit != nil {
		if err := p.o.Permit(a); err != nil {
			return err
		}
	}
	_, err := p.capability(a)
	return err
}

// capability finds the provider call an action needs, or refuses.
func (p *Pipeline) capability(a model.Action) (any, error) {
	if a.Kind == model.ActionRollbackCI {
		return p.deployRerunner(a)
	}
	if a.Kind.CI() && !deployGate(a) {
		return p.ciCapability(a)
	}
	prov, found := p.o.Providers.Env(a.Key())
	if !found {
		return nil, model.Refuse("%s/%s is not served by any provider", a.Service, a.Environment)
	}
	var ok bool
	switch a.Kind {
	case model.ActionRollback:
		_, ok = prov.(providers.Rollbacker)
	case model.ActionPromote:
		_, ok = prov.(providers.Promoter)
	case model.ActionAbort:
		_, ok = prov.(providers.Aborter)
	case model.ActionSwitch:
		_, ok = prov.(providers.Switcher)
	case model.ActionCanaryPromote, model.ActionCanaryAbort:
		_, ok = prov.(providers.CanaryStepper)
	case model.ActionApprove:
		_, ok = prov.(providers.Approver) // a deploy-side gate
	case model.ActionReject:
		_, ok = prov.(providers.Rejecter)
	}
	if !ok {
		return nil, model.Refuse("%s/%s: its provider cannot %s", a.Service, a.Environment, a.Kind)
	}
	return prov, nil
}

// deployGate reports whether an approve or reject answers a deploy-side
// gate (an ECS lifecycle hook), which the environment's deploy provider
// answers and re-reads, not CI.
func deployGate(a model.Action) bool { return a.Gate != nil && a.Gate.DeploySide() }

func (p *Pipeline) ciCapability(a model.Action) (any, error) {
	prov, found := p.o.Providers.CI(a.Service)
	if !found {
		return nil, model.Refuse("%s has no CI provider configured", a.Service)
	}
	var ok bool
	switch a.Kind {
	case model.ActionApprove:
		_, ok = prov.(providers.Approver)
	case model.ActionReject:
		_, ok = prov.(providers.Rejecter)
	case model.ActionRerun:
		_, ok = prov.(providers.Rerunner)
	case model.ActionCancel:
		_, ok = prov.(providers.Canceler)
	}
	if !ok {
		return nil, model.Refuse("%s: its CI provider cannot %s", a.Service, a.Kind)
	}
	return prov, nil
}

// Run re-checks, executes and audits an action the user confirmed; with
// the pipeline's DryRun it stops before the provider call and returns the
// calls it would make. Errors are *model.Refusal (guard, lock or
// re-check), the provider's, or *UnknownError when the answer was lost and
// reading again could not tell what happened.
func (p *Pipeline) Run(ctx context.Context, a model.Action) (Result, error) {
	res := Result{Action: a, DryRun: p.o.DryRun}
	unlock, err := p.lock(ctx, a)
	if err != nil {
		p.record(a, audit.ResultRefused, err, providers.Receipt{})
		res.Outcome = audit.ResultRefused
		return res, err
	}
	defer unlock()
	live, err := p.recheck(ctx, a)
	if model.IsRefusal(err) && p.o.Who != nil {
		if who := p.o.Who(a); who != "" {
			err = model.Refuse("%s: %s", who, err.Error())
		}
	}
	if err == nil {
		err = p.guard(a, live)
	}
	if err != nil {
		res.Outcome = audit.ResultFailed
		if model.IsRefusal(err) {
			res.Outcome = audit.ResultRefused
		}
		p.record(a, res.Outcome, err, providers.Receipt{})
		return res, err
	}
	prov, _ := p.capability(a)
	cctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	res.Receipt, err = execute(cctx, prov, a, p.o.DryRun)
	res.Outcome = outcome(err, p.o.DryRun)
	if res.Outcome == audit.ResultOK || res.Outcome == audit.ResultUnknown {
		p.notePending(a)
	}
	// The record is written before success is reported; if it cannot be,
	// the action still happened and the caller must hear both facts.
	sent := p.entry(a, res.Outcome, err, res.Receipt)
	aerr := p.append(sent)
	if res.Outcome == audit.ResultUnknown {
		return p.resolve(ctx, a, res, sent, err, aerr)
	}
	switch {
	case aerr != nil && err == nil:
		return res, fmt.Errorf("%s was sent, but the audit log could not be written: %w", a.Kind, aerr)
	case aerr != nil:
		err = errors.Join(err, aerr)
	}
	if err != nil && !model.IsRefusal(err) {
		return res, fmt.Errorf("%s of %s failed: %w", a.Kind, where(a), err)
	}
	return res, err
}

// outcome is the audit result of an executed call.
func outcome(err error, dryRun bool) string {
	switch {
	case model.IsRefusal(err):
		// The provider found a reason not to act (no deployable revision).
		return audit.ResultRefused
	case err != nil && providers.Definite(err):
		return audit.ResultFailed
	case err != nil:
		return audit.ResultUnknown
	case dryRun:
		return audit.ResultDryRun
	}
	return audit.ResultOK
}

// Refused records a refusal made outside the pipeline's own guards, such as
// a confirmation that was not given, so every attempt is in the log.
func (p *Pipeline) Refused(a model.Action, reason error) error {
	return p.record(a, audit.ResultRefused, reason, providers.Receipt{})
}

// Failed records an attempt that failed before an action could even be
// planned (an unknown name, the environment unreadable), with the reason.
func (p *Pipeline) Failed(a model.Action, reason error) error {
	result := audit.ResultFailed
	if model.IsRefusal(reason) {
		result = audit.ResultRefused
	}
	return p.record(a, result, reason, providers.Receipt{})
}

// recheck reads the environment live and refuses if its version moved
// since the user planned the action.
func (p *Pipeline) recheck(ctx context.Context, a model.Action) (model.EnvStatus, error) {
	if a.Kind.CI() {
		return model.EnvStatus{}, p.recheckCI(ctx, a)
	}
	r, ok := providers.EnvAs[providers.EnvReader](p.o.Providers, a.Key())
	if !ok {
		return model.EnvStatus{}, model.Refuse("%s/%s cannot be re-read before acting; refusing", a.Service, a.Environment)
	}
	cctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	live, err := r.FetchEnv(cctx, a.Key())
	if err != nil {
		return live, fmt.Errorf("re-check of %s/%s before acting: %w", a.Service, a.Environment, err)
	}
	live.FetchedAt = p.o.Now()
	if live.ReadOnly != "" {
		// Said before anything else: nothing here may change.
		return live, model.Refuse("%s/%s: %s", a.Service, a.Environment, live.ReadOnly)
	}
	if err := p.checkPending(a, live); err != nil {
		return live, err
	}
	if a.Kind == model.ActionAbort {
		// An abort acts on the deploy in flight, which moves by nature;
		// what must not have changed is which deploy that is.
		if live.Deployment == nil || !model.SameCommit(live.Deployment.ToSHA, a.To.SHA) {
			return live, model.Refuse("%s: the deploy of %s is no longer in flight", a.Environment, a.To.Short())
		}
		return live, nil
	}
	if a.Kind == model.ActionCanaryPromote || a.Kind == model.ActionCanaryAbort {
		// A canary moves by nature (weights shift, a bake runs down); what
		// must not have changed is which canary, and for a promote its
		// weight: the guard that follows compares both.
		return live, nil
	}
	if err := model.CheckUnmoved(a, live); err != nil {
		return live, err
	}
	if a.Kind == model.ActionPromote {
		return live, p.recheckSource(cctx, a)
	}
	return live, nil
}

// recheckSource reads a promotion's source again: what it ships is what
// the source ran when the user looked, and it must still run it, settled.
func (p *Pipeline) recheckSource(ctx context.Context, a model.Action) error {
	key := model.EnvKey{Service: a.Service, Environment: a.SourceEnv}
	r, ok := providers.EnvAs[providers.EnvReader](p.o.Providers, key)
	if !ok {
		return model.Refuse("%s/%s cannot be re-read before promoting from it; refusing", a.Service, a.SourceEnv)
	}
	src, err := r.FetchEnv(ctx, key)
	if err != nil {
		return fmt.Errorf("re-check of %s/%s before promoting from it: %w", a.Service, a.SourceEnv, err)
	}
	switch {
	case !model.SameVersion(src.Version, a.To):
		return model.Refuse("%s moved from %s to %s while you were looking; look again before promoting", a.SourceEnv, a.To.Short(), src.Version.Short())
	case src.Moving():
		return model.Refuse("%s started deploying %s while you were looking; promote once it has settled", a.SourceEnv, src.Version.Short())
	}
	return nil
}

// recheckCI reads a gate again before answering it: someone may have
// approved it elsewhere meanwhile. A rerun or cancel is checked by the CI
// service itself, which refuses one that no longer applies.
func (p *Pipeline) recheckCI(ctx context.Context, a model.Action) error {
	if a.Gate == nil {
		return nil
	}
	c, ok := providers.CIAs[providers.GateChecker](p.o.Providers, a.Service)
	if deployGate(a) {
		c, ok = providers.EnvAs[providers.GateChecker](p.o.Providers, a.Key())
	}
	if !ok {
		return model.Refuse("%s: the gate %s cannot be re-read before acting; refusing", a.Service, a.Gate.Gate)
	}
	cctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	if err := c.CheckGate(cctx, *a.Gate); err != nil {
		if model.IsRefusal(err) {
			return err
		}
		return fmt.Errorf("re-check of %s %s before acting: %w", a.Service, a.Gate.Gate, err)
	}
	return nil
}

func execute(ctx context.Context, prov any, a model.Action, dryRun bool) (providers.Receipt, error) {
	switch a.Kind {
	case model.ActionApprove:
		return prov.(providers.Approver).Approve(ctx, *a.Gate, dryRun)
	case model.ActionReject:
		return prov.(providers.Rejecter).Reject(ctx, *a.Gate, dryRun)
	case model.ActionRerun:
		return prov.(providers.Rerunner).RerunFailed(ctx, a.Service, a.Workflow.ID, dryRun)
	case model.ActionCancel:
		return prov.(providers.Canceler).CancelWorkflow(ctx, a.Service, a.Workflow.ID, dryRun)
	case model.ActionRollback:
		return prov.(providers.Rollbacker).Rollback(ctx, a.Key(), a.To, dryRun)
	case model.ActionRollbackCI:
		return executeRollbackCI(ctx, prov, a, dryRun)
	case model.ActionPromote:
		return prov.(providers.Promoter).Promote(ctx, a.Key(), a.To, dryRun)
	case model.ActionAbort:
		return prov.(providers.Aborter).Abort(ctx, a.Key(), dryRun)
	case model.ActionSwitch:
		return prov.(providers.Switcher).Switch(ctx, a.Key(), dryRun)
	case model.ActionCanaryPromote, model.ActionCanaryAbort:
		return prov.(providers.CanaryStepper).StepCanary(ctx, a.Key(), a.Kind == model.ActionCanaryPromote, dryRun)
	}
	return providers.Receipt{}, fmt.Errorf("unknown action %q", a.Kind)
}

// record appends the audit line for one attempt.
func (p *Pipeline) record(a model.Action, result string, err error, rc providers.Receipt) error {
	r := p.entry(a, result, err, rc)
	return p.append(r)
}

func (p *Pipeline) append(r audit.Record) error {
	if p.o.Audit == nil {
		return nil
	}
	if err := p.o.Audit.Append(r); err != nil {
		return err
	}
	if p.o.Observe != nil {
		p.o.Observe(r)
	}
	return nil
}

// entry is the audit record of one attempt.
func (p *Pipeline) entry(a model.Action, result string, err error, rc providers.Receipt) audit.Record {
	r := audit.Record{
		Time: p.o.Now().UTC(), User: p.o.User, Key: p.o.Key, Action: string(a.Kind),
		Service: a.Service, Environment: a.Environment, SourceEnv: a.SourceEnv,
		From: versionText(a.From), To: versionText(a.To),
		DryRun: p.o.DryRun, Result: result, RequestIDs: rc.RequestIDs, Detail: rc.Detail,
	}
	if a.Gate != nil {
		r.Gate = a.Gate.Gate
	}
	if a.Workflow != nil {
		r.Workflow = a.Workflow.Name
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// where names what an action acts on: "api/production", or for a CI action
// "api hold-production".
func where(a model.Action) string {
	switch {
	case a.Gate != nil:
		return a.Service + " " + a.Gate.Gate
	case a.Workflow != nil:
		return a.Service + " workflow " + a.Workflow.Name
	}
	return a.Service + "/" + a.Environment
}

func versionText(v model.Version) string {
	if v.SHA == "" {
		return v.Revision
	}
	if v.Revision == "" {
		return v.SHA
	}
	return v.SHA + " (" + v.Revision + ")"
}
