package action

import (
	"fmt"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// Plan is an action as the user is asked to confirm it (Propose makes
// it). The dashboard's modal and key hints, the commands' prompt and
// report, and the dry-run output all say what it says, so an action reads
// the same everywhere.
type Plan struct {
	Action model.Action
	// Seen is the environment as the user saw it (zero for a CI action).
	Seen model.EnvStatus
	// Why says why the action is not available now; "" when it is.
	Why string
	// Title names the action: "Roll back api · production".
	Title string
	// Headline is one line of what changes: "production: fa8e072 →
	// 72c28b4", "api hold-production (2b4d2b9 → production)".
	Headline string
	// Calls says what confirming sends, in the provider's own words and
	// under its name.
	Calls string
	// Recheck says what is read again just before sending.
	Recheck string
	// Note follows the headline: where a gate waits and what it lets
	// through.
	Note string
	// DryRun: confirming sends nothing.
	DryRun bool
}

// describe is the provider's own account of the call, under its name.
func (p *Pipeline) describe(a model.Action) string {
	var prov any
	var ok bool
	if (a.Kind.CI() && !deployGate(a)) || a.Kind == model.ActionRollbackCI {
		prov, ok = p.o.Providers.CI(a.Service)
	} else {
		prov, ok = p.o.Providers.Env(a.Key())
	}
	if !ok {
		return ""
	}
	name := "the provider"
	if n, ok := prov.(interface{ Name() string }); ok {
		name = n.Name()
	}
	if d, ok := prov.(providers.Describer); ok {
		return name + ": " + d.Describe(a)
	}
	return fmt.Sprintf("%s: %s", name, a.Summary())
}

// title names an action for its confirmation.
func title(a model.Action) string {
	where := a.Service + " · " + a.Environment
	switch a.Kind {
	case model.ActionApprove:
		return "Approve " + a.Service + " · " + gateName(a)
	case model.ActionReject:
		return "Reject " + a.Service + " · " + gateName(a)
	case model.ActionRerun:
		return "Rerun " + a.Service + " · " + workflowName(a) + " from failed"
	case model.ActionCancel:
		return "Cancel " + a.Service + " · " + workflowName(a)
	case model.ActionPromote:
		return "Promote " + a.Service + " · " + a.SourceEnv + " → " + a.Environment
	case model.ActionAbort:
		return "Abort the deploy in " + where
	case model.ActionSwitch:
		return "Switch " + where + " to " + a.Standby
	case model.ActionCanaryPromote:
		return "Promote the canary in " + where
	case model.ActionCanaryAbort:
		return "Abort the canary in " + where
	}
	return "Roll back " + where
}

// recheck says what is read again just before the action is sent.
func recheck(a model.Action) string {
	switch a.Kind {
	case model.ActionApprove, model.ActionReject:
		return "flightdeck reads the gate again first and refuses if it was answered meanwhile."
	case model.ActionRerun, model.ActionCancel:
		return "The CI service refuses if the workflow changed meanwhile."
	case model.ActionPromote:
		return "flightdeck reads " + a.Environment + " and " + a.SourceEnv + " again first and refuses if either moved."
	case model.ActionCanaryPromote:
		return "flightdeck reads " + a.Environment + " again first and refuses if the canary changed or its weight moved."
	case model.ActionCanaryAbort:
		return "flightdeck reads " + a.Environment + " again first and refuses if the canary changed."
	case model.ActionRollbackCI:
		return "flightdeck reads " + a.Environment + " again first and refuses if it moved; the CI service refuses a job it can no longer re-run."
	}
	return "flightdeck reads " + a.Environment + " again first and refuses if it moved."
}

// Headline is one line of what an action changes: the model's Summary for
// an environment or workflow; for a gate, the service, the gate, the
// commit and where it goes: "api hold-production (2b4d2b9 → production)",
// or for a reject "(2b4d2b9 stays out of production)".
func Headline(a model.Action) string {
	if a.Gate == nil {
		return a.Summary()
	}
	where := ""
	switch {
	case a.Environment == "":
	case a.Kind == model.ActionReject:
		where = " stays out of " + a.Environment
	default:
		where = " → " + a.Environment
	}
	to := a.To.Short()
	if to == "" {
		to = "-"
	}
	return fmt.Sprintf("%s %s (%s%s)", a.Service, a.Gate.Gate, to, where)
}

func gateName(a model.Action) string {
	if a.Gate == nil {
		return "(no gate)"
	}
	return a.Gate.Gate
}

func workflowName(a model.Action) string {
	if a.Workflow == nil {
		return "(no workflow)"
	}
	return a.Workflow.Name
}
