package action

import (
	"context"
	"fmt"
	"strconv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// A rollback through CI (model.ActionRollbackCI) is planned and run like a
// rollback of the deploy target: on the environment as the user saw it,
// re-checked against the environment read live (it must still run what
// the user saw), followed until the environment runs the version (Landed).
// What differs is who does it: the service's CI provider re-runs the
// deploy job of the older pipeline that built the version
// (providers.DeployRerunner), so the migrations, the rendering and the
// notices the team's own pipeline does happen again.

// shapeRollbackCI plans re-running ask.Deploy, the deploy job the picker
// or the command chose, to put ask.To back on the environment. With no
// job chosen yet it only says whether such a rollback can be planned at
// all (the picker opens).
func (p *Pipeline) shapeRollbackCI(svc *model.ServiceState, ask Ask) (model.Action, model.EnvStatus, string, string) {
	a, e, why := p.onEnv(svc, ask)
	if why != "" {
		return a, model.EnvStatus{}, "", why
	}
	a.From, a.To = e.Version, ask.To
	if ask.Deploy != nil {
		d := *ask.Deploy
		a.Deploy = &d
	}
	if e.ReadOnly != "" {
		return a, model.EnvStatus{}, "", e.Service + "/" + e.Environment + ": " + e.ReadOnly
	}
	if why := readable(e); why != "" {
		return a, model.EnvStatus{}, "", why
	}
	note := ""
	if a.Deploy != nil && a.Deploy.Next != "" {
		// What happens next, said before the user confirms.
		note = "the re-run " + a.Deploy.Next + " before it deploys"
	}
	return a, Seen(e), note, ""
}

// deployRerunner is the CI provider that re-runs a CI rollback's deploy
// job, or a refusal naming what is missing.
func (p *Pipeline) deployRerunner(a model.Action) (any, error) {
	prov, found := p.o.Providers.CI(a.Service)
	if !found {
		return nil, model.Refuse("%s has no CI provider configured: it cannot roll back through CI", a.Service)
	}
	if _, ok := prov.(providers.DeployRerunner); !ok {
		return nil, model.Refuse("%s: its CI provider cannot re-run a deploy job", a.Service)
	}
	return prov, nil
}

func executeRollbackCI(ctx context.Context, prov any, a model.Action, dryRun bool) (providers.Receipt, error) {
	if a.Deploy == nil {
		return providers.Receipt{}, model.Refuse("%s/%s: no deploy job to re-run", a.Service, a.Environment)
	}
	return prov.(providers.DeployRerunner).RerunDeploy(ctx, a.Service, *a.Deploy, dryRun)
}

// judgeRollbackCI decides from an environment read after a lost answer
// whether a rollback through CI went through. Only an environment that
// runs or rolls to the commit tells: the re-run job may still be queued,
// or waiting at a gate, while the environment runs what it ran, so that
// proves nothing either way.
func judgeRollbackCI(a model.Action, live model.EnvStatus, now string) verdict {
	d := live.Deployment
	if model.SameVersion(live.Version, a.To) || (live.Moving() && d != nil && model.SameCommit(d.ToSHA, a.To.SHA)) {
		return verdict{known: true, done: true, text: fmt.Sprintf("the rollback through CI went through: %s %s", a.Environment, now)}
	}
	job := "the deploy job"
	if a.Deploy != nil {
		job = a.Deploy.Job + " of pipeline #" + strconv.FormatInt(a.Deploy.Pipeline, 10)
	}
	return verdict{text: fmt.Sprintf("%s %s, which says nothing yet: look whether %s runs again with: flightdeck status", a.Environment, now, job)}
}
