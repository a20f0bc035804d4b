package action

import (
	"fmt"
	"strings"

	"github.com/airside-dev/flightdeck/model"
)

// Landing is what an environment shows of an action sent to it: whether
// the result is in (Done), and if it is not the one asked for, why (Err):
// the deploy failed or rolled back, or another deploy replaced ours
// (Superseded names what runs instead).
type Landing struct {
	Done       bool
	Superseded *model.Version
	Err        error
}

// Landed reads an environment for the result of a, the one judgement the
// dashboard's follow and a command's --wait both make: an abort has landed
// once nothing moves; anything else once the environment is steady on what
// it asked for, or failed, or was replaced by someone else's deploy.
func Landed(a model.Action, e model.EnvStatus) Landing {
	switch a.Kind {
	case model.ActionAbort, model.ActionReject:
		// A reject followed here rolled a deploy back at its gate: done
		// once nothing moves, like an abort.
		return Landing{Done: !e.Moving()}
	case model.ActionSwitch:
		// Landed once the standby holds the name; the versions may match.
		return Landing{Done: e.BlueGreen != nil && e.BlueGreen.Live == a.Standby}
	case model.ActionCanaryPromote:
		// Landed once the canary takes more than it did, or is over.
		c := e.Canary
		if c == nil {
			return Landing{Done: canaryGone(a, e)}
		}
		return Landing{Done: c.Weight > a.Weight || !sameCanary(a, c)}
	case model.ActionCanaryAbort:
		if e.Canary == nil {
			return Landing{Done: canaryGone(a, e)}
		}
		return Landing{Done: e.Canary.Weight == 0}
	}
	if v, ok := model.Superseded(a.From, a.To, e); ok {
		return Landing{Done: true, Superseded: &v, Err: fmt.Errorf("superseded by %s: another deploy replaced this %s; %s/%s is %s on %s",
			v.Short(), a.Kind, a.Service, a.Environment, e.State, e.Version.Short())}
	}
	switch {
	case e.Moving():
		return Landing{}
	case e.State == model.StateFailed || e.State == model.StateRolledBack:
		reason := ""
		if e.Deployment != nil && e.Deployment.Reason != "" {
			reason = ": " + e.Deployment.Reason
		}
		return Landing{Done: true, Err: fmt.Errorf("the deploy of %s to %s did not take (%s%s); it runs %s",
			a.To.Short(), a.Environment, e.State, reason, e.Version.Short())}
	}
	return Landing{Done: runs(e.Version, a.To)}
}

// runs says whether v is the version want names, by the most exact name
// want has: its commit, else its image, else the provider's revision.
func runs(v, want model.Version) bool {
	switch {
	case want.SHA != "":
		return model.SameCommit(v.SHA, want.SHA)
	case want.Artifact != "":
		return v.Artifact == want.Artifact
	case want.Revision != "":
		return v.Revision == want.Revision
	}
	return true
}

// LandedGate reads a service's pipelines, as a snapshot of its CI, for
// the result of answering a gate: done once the gate no longer waits and
// its workflow moved on (an approval) or stopped (a reject). Shows says
// what the workflow shows, for a report or a wait that gives up.
func LandedGate(a model.Action, snap *model.Snapshot) (l Landing, shows string) {
	wfID := a.Gate.WorkflowID
	if wfID == "" {
		wfID, _, _ = strings.Cut(a.Gate.ID, "/")
	}
	for _, g := range snap.Approvals {
		if g.ID == a.Gate.ID {
			return Landing{}, "still waiting"
		}
	}
	if a.Gate.DeploySide() {
		return Landing{Done: true}, "the deploy to " + a.Gate.Environment + " no longer waits"
	}
	svc, _ := snap.Service(a.Service)
	wf, found := workflow(svc, wfID)
	switch {
	case !found && svc != nil && svc.CIError != "":
		return Landing{}, "unreadable in part: " + svc.CIError
	case !found:
		return Landing{Done: true}, "no longer waits (its workflow is no longer among the recent pipelines)"
	case wf.Status == model.RunOnHold:
		return Landing{}, "passed, but workflow " + wf.Name + " is still on hold"
	}
	var running []string
	for _, j := range wf.Jobs {
		if j.Status.Moving() {
			running = append(running, j.Name)
		}
	}
	shows = "workflow " + wf.Name + " is " + string(wf.Status)
	if len(running) > 0 {
		shows += " (" + strings.Join(running, ", ") + ")"
	}
	gate := a.Service + " " + a.Gate.Gate
	switch {
	case a.Kind == model.ActionReject && wf.Status != model.RunCanceled:
		return Landing{Done: true, Err: fmt.Errorf("%s was rejected, but %s, not canceled", gate, shows)}, shows
	case a.Kind == model.ActionApprove && (wf.Status == model.RunCanceled || wf.Status == model.RunFailed):
		return Landing{Done: true, Err: fmt.Errorf("%s was approved, but %s", gate, shows)}, shows
	}
	return Landing{Done: true}, shows
}

func workflow(svc *model.ServiceState, id string) (model.Workflow, bool) {
	if svc == nil {
		return model.Workflow{}, false
	}
	for _, p := range svc.Pipelines {
		for _, wf := range p.Workflows {
			if wf.ID == id {
				return wf, true
			}
		}
	}
	return model.Workflow{}, false
}

// sameCanary says the canary read is the one the action was planned on.
func sameCanary(a model.Action, c *model.Canary) bool {
	return a.To == (model.Version{}) || model.SameVersion(c.Canary.Version, a.To)
}

// canaryGone says a status without a canary means the canary is over,
// not that it could not be read this time: a deploy of the canary's
// version still in flight means the canary is (a native deployment's
// read is best effort).
func canaryGone(a model.Action, e model.EnvStatus) bool {
	d := e.Deployment
	return !(e.Moving() && d != nil && a.To.SHA != "" && model.SameCommit(d.ToSHA, a.To.SHA))
}
