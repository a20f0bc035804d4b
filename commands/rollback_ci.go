package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
)

// ciHistory lists the older pipelines whose deploy job for the target's
// environment succeeded (providers.DeployHistoryReader). ok is false when
// the service has no CI provider that can list them.
func (s *session) ciHistory(ctx context.Context, t target) ([]model.Revision, bool, error) {
	h, ok := providers.CIAs[providers.DeployHistoryReader](s.w.reg, t.key.Service)
	if !ok {
		return nil, false, nil
	}
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	revs, err := h.DeployHistory(c, t.key.Service, t.key.Environment)
	if err != nil {
		err = fmt.Errorf("deploy history of %s/%s from CI: %w", t.key.Service, t.key.Environment, err)
		if errors.Is(err, providers.ErrNotFound) {
			return nil, true, missingErr(err)
		}
		return nil, true, err
	}
	return revs, true, nil
}

// rollbackVia is how o rolls back: --via, else the environment's
// rollback key, else the target.
func rollbackVia(o rollbackOptions, t target) (string, error) {
	switch o.via {
	case "":
		return t.env.RollbackVia(), nil
	case config.RollbackCI, config.RollbackTarget:
		return o.via, nil
	}
	return "", usageErr("--via %q: give ci (re-run an older pipeline's deploy job) or target (point the deploy target at an older revision)", o.via)
}

// runRollbackCI rolls back by re-running the deploy job of the newest
// older pipeline that deployed want to the environment.
func runRollbackCI(ctx context.Context, s *session, t target, live model.EnvStatus, want revisionRef, f actionFlags) error {
	kind := model.ActionRollbackCI
	failed := func(err error) error {
		return s.failedAction(model.Action{Kind: kind, Service: t.key.Service, Environment: t.key.Environment, From: live.Version, To: want.version()}, err)
	}
	if want.sha == "" {
		return failed(usageErr("--via ci finds the pipeline by its commit: give --to a SHA, not %s", want))
	}
	revs, ok, err := s.ciHistory(ctx, t)
	if !ok {
		return failed(usageErr("%s has no CI provider that can re-run its deploy jobs (see ci: in the config); use --via target", t.key.Service))
	}
	if err != nil {
		return failed(err)
	}
	rev, err := pickDeploy(revs, want, t)
	if err != nil {
		return failed(err)
	}
	ask := action.Ask{Kind: kind, Service: t.key.Service, Environment: t.key.Environment, To: model.Version{SHA: rev.Version.SHA}, Deploy: rev.CI}
	return s.act(ctx, s.p.Propose(model.SnapshotOf(live), ask), f)
}

// pickDeploy finds the newest deploy job of an older pipeline that
// shipped the commit and can still be re-run. A commit no listed pipeline
// deployed here is a usage error naming those that did; one whose jobs
// can no longer run is a refusal saying why.
func pickDeploy(revs []model.Revision, want revisionRef, t target) (model.Revision, error) {
	var gone []string
	for _, r := range revs {
		if r.CI == nil || !want.matches(r.Version) {
			continue
		}
		if r.Available {
			return r, nil
		}
		gone = append(gone, fmt.Sprintf("pipeline #%d (%s)", r.CI.Pipeline, r.Why))
	}
	if len(gone) > 0 {
		return model.Revision{}, model.Refuse("%s/%s: no deploy job that shipped %s can run again: %s", t.key.Service, t.key.Environment, want, strings.Join(gone, ", "))
	}
	var known []string
	for _, r := range revs {
		if r.Available && r.CI != nil && len(known) < 8 && !slices.Contains(known, r.Version.Short()) {
			known = append(known, r.Version.Short())
		}
	}
	if len(known) == 0 {
		return model.Revision{}, usageErr("%s/%s: no recent pipeline's deploy job for %s succeeded, so there is nothing to re-run; use --via target",
			t.key.Service, t.key.Environment, t.key.Environment)
	}
	return model.Revision{}, usageErr("%s/%s: no recent pipeline deployed %s there; pipelines deployed: %s (see flightdeck history %s %s)",
		t.key.Service, t.key.Environment, want, strings.Join(known, ", "), t.key.Service, t.key.Environment)
}
