package circleci

import (
	"fmt"

	"github.com/airside-dev/flightdeck/model"
)

// Describe says what confirming an action sends to CircleCI
// (providers.Describer).
func (s *Source) Describe(a model.Action) string {
	switch {
	case a.Kind == model.ActionApprove && a.Gate != nil:
		return fmt.Sprintf("approve job %s, and the workflow goes on", a.Gate.Gate)
	case a.Kind == model.ActionReject && a.Gate != nil:
		return fmt.Sprintf("cancel the workflow held at %s: CircleCI has no reject", a.Gate.Gate)
	case a.Kind == model.ActionRerun && a.Workflow != nil:
		return fmt.Sprintf("rerun workflow %s from its failed jobs", a.Workflow.Name)
	case a.Kind == model.ActionRollbackCI && a.Deploy != nil:
		return fmt.Sprintf("rerun job %s of workflow %s (pipeline #%d) alone, sparse tree: it deploys %s again", a.Deploy.Job, a.Deploy.Workflow, a.Deploy.Pipeline, a.To.Short())
	case a.Kind == model.ActionCancel && a.Workflow != nil:
		return fmt.Sprintf("cancel workflow %s", a.Workflow.Name)
	}
	return fmt.Sprintf("CircleCI cannot %s this", a.Kind)
}
