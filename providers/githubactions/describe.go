package githubactions

import (
	"fmt"

	"github.com/airside-dev/flightdeck/model"
)

// Describe says what confirming an action sends to GitHub
// (providers.Describer).
func (s *Source) Describe(a model.Action) string {
	switch {
	case a.Kind == model.ActionApprove && a.Gate != nil:
		return fmt.Sprintf("approve the %s deployment of the run, which goes on to it", a.Gate.Gate)
	case a.Kind == model.ActionReject && a.Gate != nil:
		return fmt.Sprintf("reject the %s deployment of the run, which then fails", a.Gate.Gate)
	case a.Kind == model.ActionRerun && a.Workflow != nil:
		return fmt.Sprintf("re-run the failed jobs of run %s", a.Workflow.Name)
	case a.Kind == model.ActionCancel && a.Workflow != nil:
		return fmt.Sprintf("cancel run %s", a.Workflow.Name)
	case a.Kind == model.ActionRollbackCI && a.Deploy != nil:
		s := fmt.Sprintf("re-run job %s of run #%d (and the jobs that need it) as the run's next attempt: it deploys %s again", a.Deploy.Job, a.Deploy.Pipeline, a.To.Short())
		if a.Deploy.Next != "" {
			s += "; it " + a.Deploy.Next + " first"
		}
		return s
	}
	return fmt.Sprintf("GitHub cannot %s this", a.Kind)
}
