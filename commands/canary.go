package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/model"
)

// canaryOptions are canary's arguments and flags.
type canaryOptions struct {
	service, env string
	kind         model.ActionKind
	act          actionFlags
}

func newCanaryCmd(g *globals, io streams) *cobra.Command {
	var o canaryOptions
	cmd := &cobra.Command{
		Use:   "canary SERVICE ENV promote|abort",
		Short: "Move a canary one step up, or send all its traffic back to the stable side",
		Long: `canary steps ENV's canary. promote moves it to its next weight (the next of
the configured canary steps, or for an ECS native CANARY or LINEAR deployment,
the deployment continued); abort sends all traffic back to the stable side
(the canary's weight to 0, or the native deployment rolled back).

It refuses (exit 3) where ENV has no canary, while the service deploys
something else, where the provider says the canary cannot move now, and when
the canary or its weight moved since it was read. Promoting a canary whose
verdict is "worse" needs the environment's name typed, even where the
environment is not protected.

It asks for confirmation on a terminal (a protected environment's name must be
typed); without a terminal it needs --yes.`,
		Args: exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service, o.env = args[0], args[1]
			switch args[2] {
			case "promote":
				o.kind = model.ActionCanaryPromote
			case "abort":
				o.kind = model.ActionCanaryAbort
			default:
				return usageErr("canary: %q is not a step; say promote or abort", args[2])
			}
			return runCanary(cmd.Context(), g, io, o)
		},
	}
	o.act.register(cmd)
	g.yesFlag(cmd)
	g.jsonFlag(cmd)
	return cmd
}

// runCanary reads the environment live and steps its canary through the
// planner.
func runCanary(ctx context.Context, g *globals, io streams, o canaryOptions) error {
	return actOnEnv(ctx, g, io, o.kind, o.service, o.env, o.act)
}
