package commands

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"flightdeck/model"
	"flightdeck/providers/action"
)

// rollbackOptions are rollback's arguments and flags.
type rollbackOptions struct {
	service, env string
	to           string
	abort        bool
	act          actionFlags
}

func newRollbackCmd(g *globals, io streams) *cobra.Command {
	var o rollbackOptions
	cmd := &cobra.Command{
		Use:   "rollback SERVICE ENV (--to SHA | --abort)",
		Short: "Point an environment at an older version, or abort the deploy in flight",
		Long: `rollback points SERVICE's ENV at the newest deployable revision that carries
SHA (see 'flightdeck history SERVICE ENV'). A rollback may supersede a deploy in
flight. With --abort it instead stops the deploy in flight and rolls back.

It asks for confirmation on a terminal (a protected environment's name must be
typed); without a terminal it needs --yes. Exit 3 when a guard refuses.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service, o.env = args[0], args[1]
			return runRollback(cmd.Context(), g, io, o)
		},
	}
	cmd.Flags().StringVar(&o.to, "to", "", "the commit SHA to roll back to (7 to 40 hex characters)")
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
	if o.to != "" && (len(o.to) < 7 || model.SHAFromTag(o.to) == "") {
		return usageErr("--to %q is not a commit SHA (7 to 40 hex characters)", o.to)
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
	revs, err := s.history(ctx, t)
	if err != nil {
		return s.failedBefore(kind, o.service, o.env, err)
	}
	rev, err := pickRevision(revs, o.to, t)
	if err != nil {
		a := model.Action{Kind: kind, Service: t.key.Service, Environment: t.key.Environment, From: live.Version, To: model.Version{SHA: o.to}}
		_ = s.p.Failed(a, err)
		if model.IsRefusal(err) {
			s.report(a, nil, err)
			return refused(err)
		}
		return err
	}
	ask.To = rev.Version
	return s.act(ctx, s.p.Propose(model.SnapshotOf(live), ask), o.act)
}

// pickRevision finds the newest deployable revision carrying sha. A SHA
// never deployed here is a usage error naming what exists; a SHA whose
// revisions are all deregistered is a refusal saying so.
func pickRevision(revs []model.Revision, sha string, t target) (model.Revision, error) {
	var gone []string
	for _, r := range revs {
		if !model.SameCommit(r.Version.SHA, sha) {
			continue
		}
		if r.Available {
			return r, nil
		}
		gone = append(gone, r.Version.Revision+" ("+r.Why+")")
	}
	if len(gone) > 0 {
		return model.Revision{}, model.Refuse("%s/%s: no deployable revision carries %s; %s", t.key.Service, t.key.Environment, model.ShortSHA(sha), strings.Join(gone, ", "))
	}
	known := make([]string, 0, len(revs))
	for _, r := range revs {
		if r.Available && len(known) < 8 {
			known = append(known, r.Version.Short())
		}
	}
	return model.Revision{}, usageErr("%s/%s never ran %s; deployable versions: %s (see flightdeck history %s %s)",
		t.key.Service, t.key.Environment, sha, strings.Join(known, ", "), t.key.Service, t.key.Environment)
}
