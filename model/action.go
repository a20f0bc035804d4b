package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ActionKind names a release action. The strings appear in the audit log.
type ActionKind string

const (
	ActionRollback ActionKind = "rollback"
	ActionPromote  ActionKind = "promote"
	ActionAbort    ActionKind = "abort"
	// ActionSwitch swaps a blue/green pair (providers.Switcher). Its
	// planner case and key come with the switch command.
	ActionSwitch ActionKind = "switch"
	// ActionCanaryPromote moves a canary one step up (the next weight, or a
	// native deployment continued); ActionCanaryAbort sends all traffic back
	// to the stable side (weights to 0, or a native rollback).
	ActionCanaryPromote ActionKind = "canary_promote"
	ActionCanaryAbort   ActionKind = "canary_abort"
	// CI actions: they act on a pipeline, not on an environment.
	ActionApprove ActionKind = "approve"
	ActionReject  ActionKind = "reject"
	ActionRerun   ActionKind = "rerun"  // rerun a workflow from its failed jobs
	ActionCancel  ActionKind = "cancel" // cancel a running workflow
)

// CI reports whether the action acts on a CI pipeline (a gate or a
// workflow) rather than on an environment's deployment.
func (k ActionKind) CI() bool {
	switch k {
	case ActionApprove, ActionReject, ActionRerun, ActionCancel:
		return true
	}
	return false
}

// Revision is one version an environment could be pointed at: for ECS, a
// task definition revision of the environment's family.
type Revision struct {
	Version Version `json:"version"`
	// DeployedAt is when this revision last started running here; zero if
	// it never ran (registered but not deployed).
	DeployedAt time.Time `json:"deployed_at,omitzero"`
	// RanFor is how long it ran before the next deployment replaced it;
	// JSON has it in seconds (see MarshalJSON), as every duration there.
	RanFor time.Duration `json:"-"`
	// Current marks the revision running now.
	Current bool `json:"current"`
	// Available is false when the revision cannot be deployed again
	// (deregistered task definition); Why says so.
	Available bool   `json:"available"`
	Why       string `json:"why,omitempty"`
	Subject   string `json:"subject,omitempty"`
	// Author wrote the commit, as the repository host tells it.
	Author string `json:"author,omitempty"`
	// By names who registered or deployed it, when the provider says.
	By string `json:"by,omitempty"`
	// CI is set on a revision offered by the CI provider: the deploy job
	// of an older pipeline that ran here, which a rollback re-runs. Nil on
	// the deploy target's own revisions.
	CI *CIDeploy `json:"ci,omitempty"`
}

// revisionJSON is Revision as JSON: durations in seconds.
type revisionJSON struct {
	revisionFields
	RanFor float64 `json:"ran_for"`
}

type revisionFields Revision

// MarshalJSON writes ran_for in seconds.
func (r Revision) MarshalJSON() ([]byte, error) {
	return json.Marshal(revisionJSON{revisionFields(r), r.RanFor.Seconds()})
}

// UnmarshalJSON reads ran_for in seconds.
func (r *Revision) UnmarshalJSON(b []byte) error {
	var j revisionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Revision(j.revisionFields)
	r.RanFor = time.Duration(j.RanFor * float64(time.Second))
	return nil
}

// Action is a release action planned from what the user saw: the
// environment, the version running there then (From) and the version to
// put there (To). The pipeline re-checks From against live state before
// executing.
type Action struct {
	Kind        ActionKind
	Service     string
	Environment string
	// SourceEnv is the environment a promotion copies from.
	SourceEnv string
	From      Version
	To        Version
	Protected bool
	// Gate is the gate an approve or reject answers; To.SHA is its commit
	// and Environment the environment it guards, when known.
	Gate *Gate
	// Workflow is the workflow a rerun or cancel acts on (its ID and name).
	Workflow *Workflow
	// Live and Standby are a switch's sides as planned: Standby takes the
	// production name from Live. From and To are what each runs.
	Live, Standby string
	// Weight and NextWeight are a canary step's share of the traffic as
	// planned and the share it moves to (0 for an abort; 0 for a promote
	// whose provider names no next weight, a native deployment continued).
	// From is the stable side's version and To the canary's.
	Weight, NextWeight int
	// Deploy is the older pipeline's deploy job a CI rollback re-runs.
	Deploy *CIDeploy
}

// Key is the environment the action changes.
func (a Action) Key() EnvKey { return EnvKey{a.Service, a.Environment} }

// Summary is the one line a confirmation shows: "production: 1c0ffee → 7d3e2a1".
func (a Action) Summary() string {
	switch a.Kind {
	case ActionApprove, ActionReject:
		g := a.gateName()
		return fmt.Sprintf("%s %s: %s %s (%s)", a.Service, g, a.Kind, a.To.Short(), a.target())
	case ActionRerun:
		return fmt.Sprintf("%s: rerun workflow %s from its failed jobs (%s)", a.Service, a.workflowName(), a.To.Short())
	case ActionCancel:
		return fmt.Sprintf("%s: cancel workflow %s (%s)", a.Service, a.workflowName(), a.To.Short())
	case ActionAbort:
		return fmt.Sprintf("%s: stop the deploy of %s and roll back to %s", a.Environment, a.To.Short(), a.From.Short())
	case ActionPromote:
		return fmt.Sprintf("%s: %s → %s (what %s runs)", a.Environment, a.From.Short(), a.To.Short(), a.SourceEnv)
	case ActionSwitch:
		return fmt.Sprintf("%s: %s (%s) takes over from %s (%s)", a.Environment, a.Standby, a.To.Short(), a.Live, a.From.Short())
	case ActionRollbackCI:
		if a.Deploy == nil {
			return fmt.Sprintf("%s: %s → %s (no deploy job)", a.Environment, a.From.Short(), a.To.Short())
		}
		return fmt.Sprintf("%s: %s → %s (%s)", a.Environment, a.From.Short(), a.To.Short(), a.Deploy.How())
	case ActionCanaryPromote:
		if a.NextWeight == 0 {
			return fmt.Sprintf("%s: the canary %s goes on from %d %% (stable %s)", a.Environment, a.To.Short(), a.Weight, a.From.Short())
		}
		return fmt.Sprintf("%s: the canary %s from %d %% to %d %% of the traffic (stable %s)", a.Environment, a.To.Short(), a.Weight, a.NextWeight, a.From.Short())
	case ActionCanaryAbort:
		return fmt.Sprintf("%s: all traffic back to stable %s, the canary %s out (it had %d %%)", a.Environment, a.From.Short(), a.To.Short(), a.Weight)
	default:
		return fmt.Sprintf("%s: %s → %s", a.Environment, a.From.Short(), a.To.Short())
	}
}

func (a Action) gateName() string {
	if a.Gate == nil {
		return "(no gate)"
	}
	return a.Gate.Gate
}

func (a Action) workflowName() string {
	if a.Workflow == nil {
		return "(no workflow)"
	}
	return a.Workflow.Name
}

// target says where an approval lets the commit go.
func (a Action) target() string {
	switch {
	case a.Kind == ActionReject && a.Environment == "":
		return "stops the pipeline there"
	case a.Kind == ActionReject:
		return "keeps it out of " + a.Environment
	case a.Environment == "":
		return "lets the pipeline go on"
	}
	return "lets it go on to " + a.Environment
}

// Refusal is a guard saying no. Commands exit 3 on it; the screen shows
// the reason.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// Refuse builds a Refusal.
func Refuse(format string, a ...any) error { return &Refusal{Reason: fmt.Sprintf(format, a...)} }

// IsRefusal reports whether err is a guard's refusal.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}

// CheckPreconditions decides whether an action may go ahead against the
// environment as it is now. A promotion will not start over a deploy in
// flight; a rollback may supersede one, since that is often why it is
// needed; an abort needs a deploy to stop.
func CheckPreconditions(a Action, now EnvStatus) error {
	if now.FetchedAt.IsZero() && now.Error != "" {
		return Refuse("%s/%s cannot be read (%s); refusing to act on it blind", a.Service, a.Environment, now.Error)
	}
	if !a.Kind.CI() && now.ReadOnly != "" {
		return Refuse("%s/%s: %s", a.Service, a.Environment, now.ReadOnly)
	}
	switch a.Kind {
	case ActionApprove, ActionReject:
		if a.Gate == nil || a.Gate.ID == "" {
			return Refuse("%s: no gate to %s", a.Service, a.Kind)
		}
		return nil
	case ActionRerun, ActionCancel:
		if a.Workflow == nil || a.Workflow.ID == "" {
			return Refuse("%s: no workflow to %s", a.Service, a.Kind)
		}
		return checkWorkflow(a)
	case ActionAbort:
		if !now.Moving() || now.Deployment == nil {
			return Refuse("%s/%s has no deploy in flight to abort", a.Service, a.Environment)
		}
		return nil
	case ActionSwitch:
		return checkSwitch(a, now)
	case ActionCanaryPromote, ActionCanaryAbort:
		return checkCanary(a, now)
	case ActionRollbackCI:
		if a.Deploy == nil || a.Deploy.JobID == "" || a.Deploy.WorkflowID == "" {
			return Refuse("%s/%s: no deploy job of an older pipeline to re-run", a.Service, a.Environment)
		}
	case ActionPromote:
		if now.Moving() {
			return Refuse("%s/%s is already deploying (%s); wait for it to finish or abort it first", a.Service, a.Environment, now.Rollout())
		}
	}
	if a.To.SHA == "" && a.To.Artifact == "" && a.To.Revision == "" {
		return Refuse("nothing to deploy: the target version is unknown")
	}
	if !now.Moving() && SameVersion(now.Version, a.To) {
		return Refuse("%s/%s already runs %s", a.Service, a.Environment, a.To.Short())
	}
	return nil
}

// checkSwitch refuses a switch of an environment that is not a blue/green
// pair, one the provider says may not switch now (a side updating, the
// standby not ready and healthy), or one whose sides swapped since the
// plan. Both sides may run one version: a switch still changes which
// machines serve.
func checkSwitch(a Action, now EnvStatus) error {
	bg := now.BlueGreen
	switch {
	case bg == nil:
		return Refuse("%s/%s is not a blue/green pair (no standby configured)", a.Service, a.Environment)
	case bg.Blocked != "":
		return Refuse("%s/%s cannot switch now: %s", a.Service, a.Environment, bg.Blocked)
	case a.Standby != "" && bg.Standby != a.Standby:
		return Refuse("%s/%s switched meanwhile: %s is live now; look again before acting", a.Service, a.Environment, bg.Live)
	}
	return nil
}

// checkCanary refuses a canary step where there is no canary, where the
// provider says no step may be taken now, while the service deploys
// something other than the canary, and when the canary changed since the
// plan: another canary, or for a promote another weight (a promote planned
// at 10 % must not skip the step someone else took meanwhile).
func checkCanary(a Action, now EnvStatus) error {
	c := now.Canary
	where := a.Service + "/" + a.Environment
	switch {
	case c == nil:
		return Refuse("%s has no canary in force", where)
	case a.Kind == ActionCanaryPromote && c.Blocked != "":
		return Refuse("%s: the canary cannot move now: %s", where, c.Blocked)
	case a.Kind == ActionCanaryAbort && c.AbortBlocked != "":
		return Refuse("%s: the canary cannot be aborted now: %s", where, c.AbortBlocked)
	case a.Kind == ActionCanaryPromote && deployingOther(now):
		return Refuse("%s is deploying %s, not the canary; wait for it to finish or abort it first", where, now.Rollout())
	case a.To != (Version{}) && !SameVersion(c.Canary.Version, a.To):
		return Refuse("%s: the canary changed from %s to %s while you were looking; look again before acting", where, a.To.Short(), c.Canary.Version.Short())
	case a.Kind == ActionCanaryPromote && a.Gate != nil && (len(now.Gates) == 0 || now.Gates[0].ID != a.Gate.ID):
		return Refuse("%s: the hook you saw waiting (%s) was answered meanwhile; look again before acting", where, a.Gate.ID)
	case a.Kind == ActionCanaryPromote && c.Weight != a.Weight:
		return Refuse("%s: the canary moved from %d %% to %d %% while you were looking; look again before acting", where, a.Weight, c.Weight)
	case a.Kind == ActionCanaryPromote && c.Weight >= 100:
		return Refuse("%s: the canary already takes all the traffic", where)
	}
	return nil
}

// deployingOther says whether an environment with a canary is rolling out
// a version that is not the canary's (a deploy started over it).
func deployingOther(e EnvStatus) bool {
	d, c := e.Deployment, e.Canary
	if !e.Moving() || d == nil || d.ToSHA == "" || c.Canary.Version.SHA == "" {
		return false
	}
	return !SameCommit(d.ToSHA, c.Canary.Version.SHA)
}

// NextWeight is the weight a promote moves the canary to: the step after
// the one in force, or the first step above the weight when it is none of
// them; 100 past the last step; 0 when the canary has no steps (a native
// deployment continued: the provider knows its increments).
func (c Canary) NextWeight() int {
	if len(c.Steps) == 0 {
		return 0
	}
	if c.Step >= 0 && c.Step+1 < len(c.Steps) {
		return c.Steps[c.Step+1]
	}
	for _, w := range c.Steps {
		if w > c.Weight {
			return w
		}
	}
	return 100
}

// checkWorkflow refuses a rerun of a workflow that has not failed, or a
// cancel of one that is no longer running, as seen when planned.
func checkWorkflow(a Action) error {
	w := a.Workflow
	switch {
	case a.Kind == ActionRerun && w.Moving():
		return Refuse("%s: workflow %s is still running; cancel it or wait before rerunning", a.Service, w.Name)
	case a.Kind == ActionRerun && w.Status != RunFailed:
		return Refuse("%s: workflow %s has no failed jobs to rerun (it is %s)", a.Service, w.Name, w.Status)
	case a.Kind == ActionCancel && !w.Moving() && w.Status != RunOnHold:
		return Refuse("%s: workflow %s is not running (it is %s)", a.Service, w.Name, w.Status)
	}
	return nil
}

// GateEnvironment is the environment a gate guards, read from its name: the
// longest environment name of the service inside the gate's name
// ("hold-production" guards production), or "" when none is. Providers
// name gates freely, so this is a best guess the confirmation shows.
func GateEnvironment(gate string, envs []string) string {
	best := ""
	lower := strings.ToLower(gate)
	for _, e := range envs {
		if e != "" && strings.Contains(lower, strings.ToLower(e)) && len(e) > len(best) {
			best = e
		}
	}
	return best
}

// CheckUnmoved is the re-check: the environment must still run what the
// user saw when they chose, or the action would act on a stale picture.
func CheckUnmoved(a Action, live EnvStatus) error {
	if SameVersion(a.From, live.Version) {
		return nil
	}
	return Refuse("%s moved from %s to %s while you were looking; look again before acting", a.Environment, a.From.Short(), live.Version.Short())
}

// SameVersion compares revisions within one family (api-prod:7 vs
// api-prod:8), else commits, else artifacts: a promotion's target comes
// from another family, where only the commit or image can match.
func SameVersion(a, b Version) bool {
	if fa, fb := family(a.Revision), family(b.Revision); fa != "" && fa == fb {
		return a.Revision == b.Revision
	}
	if a.SHA != "" || b.SHA != "" {
		return SameCommit(a.SHA, b.SHA)
	}
	return a.Artifact == b.Artifact
}

// Rollout says how far a rollout has come: "195de80 → fce382d, 2/4 tasks",
// or for Elastic Beanstalk "…, 2/4 instances, batch 1 of 2".
func (e EnvStatus) Rollout() string {
	d := e.Deployment
	if d == nil {
		return "a rollout is in progress"
	}
	unit := "tasks"
	if e.Target == TargetBeanstalk {
		unit = "instances"
	}
	s := fmt.Sprintf("%s → %s, %d/%d %s", ShortSHA(d.FromSHA), ShortSHA(d.ToSHA), d.Running, d.Desired, unit)
	if d.Batches > 0 {
		s += fmt.Sprintf(", batch %d of %d", d.Batch, d.Batches)
	}
	return s
}

// family is the part of "family:revision" before the colon.
func family(rev string) string {
	if i := strings.LastIndexByte(rev, ':'); i > 0 {
		return rev[:i]
	}
	return ""
}

// Superseded reports whether, after an action that deploys (rollback,
// promote, an approval that lets a deploy through), the environment runs
// or deploys a version that is neither what it ran before nor what the
// action asked for: another actor's deploy replaced this one. It returns
// that version.
func Superseded(from, to Version, live EnvStatus) (Version, bool) {
	if to.SHA == "" && to.Revision == "" && to.Artifact == "" {
		return Version{}, false // an abort asks for no version
	}
	v := live.Version
	if v.SHA == "" && v.Revision == "" && v.Artifact == "" {
		return Version{}, false
	}
	if SameVersion(v, to) || SameVersion(v, from) {
		return Version{}, false
	}
	return v, true
}
