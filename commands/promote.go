package commands

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/action"
)

// promoteOptions are promote's arguments and flags.
type promoteOptions struct {
	service    string
	from, to   string
	force      bool
	cancelGate bool
	act        actionFlags
}

func newPromoteCmd(g *globals, io streams) *cobra.Command {
	var o promoteOptions
	cmd := &cobra.Command{
		Use:   "promote SERVICE --from ENV [--to ENV]",
		Short: "Deploy the exact image one environment runs into another",
		Long: `promote deploys into --to the exact image (by digest where the task definition
has one) that --from runs, as a new revision of --to's own task definition
family: only the image changes, so --to keeps its environment variables,
secrets and sizes. It refuses while either environment is deploying.

Either end may be left out: without --to, the environment after --from in
the configured order; without --from, the one before --to.

Promoting against the configured order (production to staging) or past an
environment (dev to production with staging between) is refused (exit 3),
saying what it skips, unless --force is given; forced, the target's name
must be typed on a terminal (or --yes).

The confirmation names a gate that waits for the very commit being
promoted into the same environment (a CircleCI hold-production, a GitHub
production review): once the promotion lands, approving that gate would
deploy the commit again. --cancel-gate rejects that gate after the
promotion was sent (through the same pipeline as 'flightdeck reject', so
it is re-checked and audited); without it the command says how to.

An image held in another AWS account's or region's ECR registry than the
one the target runs from now is named in the confirmation: it is not
copied, the target pulls it from there.

Examples:
  flightdeck promote api --from staging
  flightdeck promote api --to production --yes --wait
  flightdeck promote api --from dev --to production --force
  flightdeck promote api --from staging --cancel-gate --yes --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service = args[0]
			return runPromote(cmd.Context(), g, io, o)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", "environment whose version to promote (default: the one before --to)")
	cmd.Flags().StringVar(&o.to, "to", "", "environment to deploy it to (default: the one after --from)")
	cmd.Flags().BoolVar(&o.force, "force", false, "promote against the configured order or past an environment")
	cmd.Flags().BoolVar(&o.cancelGate, "cancel-gate", false, "after the promotion, reject the gate that waits to deploy the same commit to the same environment")
	o.act.register(cmd)
	g.yesFlag(cmd)
	g.jsonFlag(cmd)
	return cmd
}

// runPromote reads both environments live and promotes what the source
// runs into the target, through the planner, which also completes the
// end left out and guards the order.
func runPromote(ctx context.Context, g *globals, io streams, o promoteOptions) error {
	if o.from == "" && o.to == "" {
		return usageErr("promote needs --from ENV or --to ENV (the other end defaults to the next or previous environment)")
	}
	if o.from == o.to {
		return usageErr("--from and --to are both %q", o.from)
	}
	s, err := openSession(ctx, g, io)
	if err != nil {
		return err
	}
	defer s.close()
	failed := func(err error) error { return s.failedBefore(model.ActionPromote, o.service, o.to, err) }
	svc, ok := s.cfg.Service(o.service)
	if !ok {
		_, err := resolve(s.cfg, o.service, "")
		return failed(err)
	}
	order := make([]string, len(svc.Environments))
	for i, e := range svc.Environments {
		order[i] = e.Name
	}
	from, to, why := action.PromoteEnvs(svc.Name, order, o.from, o.to)
	if why != "" {
		return failed(usageErr("%s", why))
	}
	src, err := resolve(s.cfg, o.service, from)
	if err != nil {
		return failed(err)
	}
	dst, err := resolve(s.cfg, o.service, to)
	if err != nil {
		return failed(err)
	}
	srcLive, err := s.live(ctx, src)
	if err != nil {
		return failed(err)
	}
	dstLive, err := s.live(ctx, dst)
	if err != nil {
		return failed(err)
	}
	snap := s.promoteSnapshot(ctx, svc.Name)
	snap.Merge(model.FetchResult{At: srcLive.FetchedAt, Envs: []model.EnvStatus{srcLive, dstLive}})
	ask := action.Ask{Kind: model.ActionPromote, Service: dst.key.Service, Environment: to, Source: from, Force: o.force}
	plan := s.p.Propose(snap, ask)
	if err := s.act(ctx, plan, o.act); err != nil {
		return err
	}
	st, _ := snap.Service(svc.Name)
	gate := action.WaitingFor(snap, st, plan.Action)
	switch {
	case gate == nil:
		return nil
	case !o.cancelGate:
		if !g.json && !g.dryRun {
			fmt.Fprintf(io.err, "the gate %s still waits to deploy %s to %s; to close it: flightdeck reject %s %s\n",
				gate.Gate, model.ShortSHA(gate.SHA), to, svc.Name, gate.ID)
		}
		return nil
	}
	// The promotion was sent (or dry-run): the gate it supersedes is
	// answered as reject answers it, re-checked and audited.
	reject := s.p.Propose(snap, action.Ask{Kind: model.ActionReject, Service: svc.Name, Gate: gate})
	return s.act(ctx, reject, actionFlags{})
}

// promoteSnapshot is the service's configured shape, every environment
// in promotion order, with the gates its CI has waiting: what the planner
// needs to see the order and a gate the promotion ships past. A CI read
// that fails only leaves the gates out, and says so.
func (s *session) promoteSnapshot(ctx context.Context, service string) *model.Snapshot {
	if _, src, err := ciOf(s, service); err == nil {
		snap, err := s.readCI(ctx, src, service)
		if err == nil {
			return snap
		}
		if !s.g.json {
			fmt.Fprintf(s.io.err, "could not read the pipelines of %s (%v): a gate waiting for this commit would not be named\n", service, err)
		}
	}
	return model.NewSnapshot([]model.ServiceSpec{s.spec(service)})
}
