package beanstalk

import (
	"fmt"

	"github.com/airside-dev/flightdeck/model"
)

// Describe says what confirming an action sends to Elastic Beanstalk
// (providers.Describer). It reads nothing: for a promotion into another
// application it says the version is created first when that application
// lacks it, which the action finds out.
func (s *Source) Describe(a model.Action) string {
	e, err := s.env(a.Key())
	if err != nil {
		return err.Error()
	}
	where := "Elastic Beanstalk environment " + e.Name + " of " + e.Application
	if e.Standby != "" {
		where = "the live side of " + e.Name + "/" + e.Standby + " (" + e.Application + ")"
	}
	switch a.Kind {
	case model.ActionRollback:
		return fmt.Sprintf("UpdateEnvironment: deploy application version %s to %s; its option settings stay", versionName(a.To), where)
	case model.ActionPromote:
		return fmt.Sprintf("UpdateEnvironment: deploy %s's application version %s to %s (CreateApplicationVersion first, from the same source bundle %s, if %s lacks it); its option settings stay",
			a.SourceEnv, versionName(a.To), where, orNone(a.To.Artifact), e.Application)
	case model.ActionAbort:
		return fmt.Sprintf("AbortEnvironmentUpdate: stop the update of %s to %s; Beanstalk rolls back to %s", where, a.To.Short(), a.From.Short())
	case model.ActionCanaryAbort:
		return fmt.Sprintf("AbortEnvironmentUpdate: stop the traffic-splitting deploy of %s to %s; Beanstalk sends all traffic back to the instances running %s and terminates the new ones",
			where, a.To.Short(), a.From.Short())
	case model.ActionCanaryPromote:
		return "nothing is sent: Elastic Beanstalk moves a traffic-splitting deploy's traffic itself when its evaluation time ends"
	case model.ActionSwitch:
		return fmt.Sprintf("SwapEnvironmentCNAMEs: %s and %s of %s trade CNAMEs; the standby takes the production name", e.Name, e.Standby, e.Application)
	}
	return fmt.Sprintf("Elastic Beanstalk cannot %s", a.Kind)
}

// versionName is a version as Beanstalk names it, with its commit:
// "web-3f2a1c9-250101 (3f2a1c9)", or the label alone without one.
func versionName(v model.Version) string {
	switch {
	case v.Revision == "":
		return v.Short()
	case v.SHA == "" || v.Revision == v.SHA:
		return v.Revision
	}
	return v.Revision + " (" + v.Short() + ")"
}
