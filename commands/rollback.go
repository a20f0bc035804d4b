package commands

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/action"
)

// rollbackOptions are rollback's arguments and flags.
type rollbackOptions struct {
	service, env string
	to           string
	via          string
	abort        bool
	act          actionFlags
}

func newRollbackCmd(g *globals, io streams) *cobra.Command {
	var o rollbackOptions
	cmd := &cobra.Command{
		Use:   "rollback SERVICE ENV (--to SHA|REVISION|DIGEST [--via ci|target] | --abort)",
		Short: "Point an environment at an older version, or abort the deploy in flight",
		Long: `rollback points SERVICE's ENV at the newest deployable revision that carries
SHA (see 'flightdeck history SERVICE ENV'), or at the revision named (api-prod:7),
or at the one whose image has the digest (sha256:…), for images that carry no
commit. A rollback may supersede a deploy in flight. With --abort it instead
stops the deploy in flight and rolls back.

With --via ci it rolls back the way the pipeline deploys: it re-runs the
deploy job for ENV (ci.deploy_jobs in the config, else deploy-ENV, else on
GitHub Actions the job with environment: ENV) of the newest recent pipeline
that deployed SHA there, and only that job. --via target points the deploy
target itself at the older revision. Without --via, the environment's
rollback: key in the config decides; without that, target.

It asks for confirmation on a terminal (a protected environment's name must be
typed); without a terminal it needs --yes. Exit 3 when a guard refuses.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service, o.env = args[0], args[1]
			return runRollback(cmd.Context(), g, io, o)
		},
	}
	cmd.Flags().StringVar(&o.to, "to", "", "what to roll back to: a commit SHA (7 to 40 hex characters), a revision (api-prod:7) or an image digest (sha256:…)")
	cmd.Flags().StringVar(&o.via, "via", "", "how to roll back: ci (re-run an older pipeline's deploy job) or target (point the deploy target at an older revision); default: the environment's rollback: in the config, else target")
	cmd.Flags().BoolVar(&o.abort, "abort", false, "stop the deploy in flight and roll back")
	o.act.register(cmd)
	g.yesFlag(cmd)
	g.jsonFlag(cmd)
	return cmd
}

// runRollback rolls o.env back to the newest deployable revision that
// carries o.to, or aborts its deploy in flight.
func runRollback(ctx context.Context, g *globals, io streams, o rollbackOptions) error {
	if (o.to == "") == !o.abort {
		return usageErr("give exactly one of --to SHA or --abort")
	}
	if o.via != "" && o.via != config.RollbackCI && o.via != config.RollbackTarget {
		return usageErr("--via %q: give ci (re-run an older pipeline's deploy job) or target (point the deploy target at an older revision)", o.via)
	}
	if o.abort && o.via != "" {
		return usageErr("--via says how to roll back to --to; --abort stops the deploy in flight through its target")
	}
	var want revisionRef
	if o.to != "" {
		var ok bool
		if want, ok = parseRevisionRef(o.to); !ok {
			return usageErr("--to %q is neither a commit SHA (7 to 40 hex characters), a revision (api-prod:7) nor an image digest (sha256:…)", o.to)
		}
	}
	s, err := openSession(ctx, g, io)
	if err != nil {
		return err
	}
	defer s.close()
	kind := model.ActionRollback
	if o.abort {
		kind = model.ActionAbort
	}
	t, err := resolve(s.cfg, o.service, o.env)
	if err != nil {
		return s.failedBefore(kind, o.service, o.env, err)
	}
	live, err := s.live(ctx, t)
	if err != nil {
		return s.failedBefore(kind, o.service, o.env, err)
	}
	ask := action.Ask{Kind: kind, Service: t.key.Service, Environment: t.key.Environment}
	if o.abort {
		return s.act(ctx, s.p.Propose(model.SnapshotOf(live), ask), o.act)
	}
	via, err := rollbackVia(o, t)
	if err != nil {
		return err
	}
	if via == config.RollbackCI {
		return runRollbackCI(ctx, s, t, live, want, o.act)
	}
	revs, err := s.history(ctx, t)
	if err != nil {
		return s.failedBefore(kind, o.service, o.env, err)
	}
	rev, err := pickRevision(revs, want, t)
	if err != nil {
		return s.failedAction(model.Action{Kind: kind, Service: t.key.Service, Environment: t.key.Environment, From: live.Version, To: want.version()}, err)
	}
	ask.To = rev.Version
	return s.act(ctx, s.p.Propose(model.SnapshotOf(live), ask), o.act)
}

// revisionRef is what --to names: a commit, a provider revision, or an
// image digest, whichever the environment's history can be searched by
// (an image pushed by digest alone has no commit to name).
type revisionRef struct{ sha, revision, digest string }

func parseRevisionRef(s string) (revisionRef, bool) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) >= 7 && len(s) <= 40 && model.IsHex(strings.ToLower(s)):
		return revisionRef{sha: strings.ToLower(s)}, true
	case strings.HasPrefix(s, "sha256:") && len(s) == len("sha256:")+64 && model.IsHex(s[len("sha256:"):]):
		return revisionRef{digest: s}, true
	}
	family, rev, ok := strings.Cut(s, ":")
	if ok && family != "" && rev != "" && strings.Trim(rev, "0123456789") == "" {
		return revisionRef{revision: s}, true
	}
	return revisionRef{}, false
}

// matches says whether a revision in the history is the one named.
func (r revisionRef) matches(v model.Version) bool {
	switch {
	case r.sha != "":
		return model.SameCommit(v.SHA, r.sha)
	case r.digest != "":
		return strings.HasSuffix(v.Artifact, "@"+r.digest)
	}
	return v.Revision == r.revision
}

// version is what the ref names, as an action's target when no revision
// of the history carries it.
func (r revisionRef) version() model.Version {
	return model.Version{SHA: r.sha, Revision: r.revision, Artifact: r.digest}
}

func (r revisionRef) String() string {
	switch {
	case r.sha != "":
		return model.ShortSHA(r.sha)
	case r.digest != "":
		return r.digest
	}
	return r.revision
}

// pickRevision finds the newest deployable revision the ref names. One
// never deployed here is a usage error naming what exists; one whose
// revisions are all deregistered is a refusal saying so.
func pickRevision(revs []model.Revision, want revisionRef, t target) (model.Revision, error) {
	var gone []string
	for _, r := range revs {
		if !want.matches(r.Version) {
			continue
		}
		if r.Available {
			return r, nil
		}
		gone = append(gone, r.Version.Revision+" ("+r.Why+")")
	}
	if len(gone) > 0 {
		return model.Revision{}, model.Refuse("%s/%s: no deployable revision carries %s; %s", t.key.Service, t.key.Environment, want, strings.Join(gone, ", "))
	}
	known := make([]string, 0, len(revs))
	for _, r := range revs {
		if r.Available && len(known) < 8 {
			known = append(known, r.Version.Short())
		}
	}
	return model.Revision{}, usageErr("%s/%s never ran %s; deployable versions: %s (see flightdeck history %s %s)",
		t.key.Service, t.key.Environment, want, strings.Join(known, ", "), t.key.Service, t.key.Environment)
}
