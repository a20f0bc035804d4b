package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/action"
)

// promoteOptions are promote's arguments and flags.
type promoteOptions struct {
	service  string
	from, to string
	act      actionFlags
}

func newPromoteCmd(g *globals, io streams) *cobra.Command {
	var o promoteOptions
	cmd := &cobra.Command{
		Use:   "promote SERVICE --from ENV --to ENV",
		Short: "Deploy the exact image one environment runs into another",
		Long: `promote deploys into --to the exact image (by digest where the task definition
has one) that --from runs, as a new revision of --to's own task definition
family: only the image changes, so --to keeps its environment variables,
secrets and sizes. It refuses while either environment is deploying.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service = args[0]
			return runPromote(cmd.Context(), g, io, o)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", "environment whose version to promote")
	cmd.Flags().StringVar(&o.to, "to", "", "environment to deploy it to")
	o.act.register(cmd)
	g.yesFlag(cmd)
	g.jsonFlag(cmd)
	return cmd
}

// runPromote reads both environments live and promotes what o.from runs
// into o.to, through the planner.
func runPromote(ctx context.Context, g *globals, io streams, o promoteOptions) error {
	if o.from == "" || o.to == "" {
		return usageErr("promote needs --from ENV and --to ENV")
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
	src, err := resolve(s.cfg, o.service, o.from)
	if err != nil {
		return failed(err)
	}
	dst, err := resolve(s.cfg, o.service, o.to)
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
	ask := action.Ask{Kind: model.ActionPromote, Service: dst.key.Service, Environment: o.to, Source: o.from}
	return s.act(ctx, s.p.Propose(model.SnapshotOf(srcLive, dstLive), ask), o.act)
}
