package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/model"
)

// switchOptions are switch's arguments and flags.
type switchOptions struct {
	service, env string
	act          actionFlags
}

func newSwitchCmd(g *globals, io streams) *cobra.Command {
	var o switchOptions
	cmd := &cobra.Command{
		Use:   "switch SERVICE ENV",
		Short: "Hand a blue/green pair's production traffic to its standby",
		Long: `switch swaps the two sides of ENV's blue/green pair (an Elastic Beanstalk
CNAME swap, for an environment configured with a standby; or, for ECS with a
blue_green block, the listener's or rule's forward weights: 100 to the
standby's target group, 0 to the live one): the standby takes the production
traffic and the live side stands by, so switching again swaps back. It
refuses (exit 3) while either side is updating or the standby is not ready
and healthy (for a listener pair: unhealthy, draining, starting or no
targets, or running nothing), and when the pair switched since it was read.

It asks for confirmation on a terminal (a protected environment's name must be
typed); without a terminal it needs --yes.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service, o.env = args[0], args[1]
			return runSwitch(cmd.Context(), g, io, o)
		},
	}
	o.act.register(cmd)
	g.yesFlag(cmd)
	g.jsonFlag(cmd)
	return cmd
}

// runSwitch reads the pair live and switches it through the planner.
func runSwitch(ctx context.Context, g *globals, io streams, o switchOptions) error {
	return actOnEnv(ctx, g, io, model.ActionSwitch, o.service, o.env, o.act)
}
