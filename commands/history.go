package commands

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/model"
)

// historyOptions are history's arguments.
type historyOptions struct{ service, env string }

func newHistoryCmd(g *globals, io streams) *cobra.Command {
	var o historyOptions
	cmd := &cobra.Command{
		Use:   "history SERVICE ENV",
		Short: "List the versions an environment can roll back to, newest first",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service, o.env = args[0], args[1]
			return runHistory(cmd.Context(), g, io, o)
		},
	}
	g.jsonFlag(cmd)
	return cmd
}

// runHistory lists the revisions o.env can roll back to.
func runHistory(ctx context.Context, g *globals, io streams, o historyOptions) error {
	s, err := openSession(ctx, g, io)
	if err != nil {
		return err
	}
	defer s.close()
	t, err := resolve(s.cfg, o.service, o.env)
	if err != nil {
		return err
	}
	revs, err := s.history(ctx, t)
	if err != nil {
		return err
	}
	if g.json {
		if revs == nil {
			revs = []model.Revision{}
		}
		return g.emitJSON(io.out, revs)
	}
	printHistory(io, revs, g.now())
	return nil
}

func printHistory(io streams, revs []model.Revision, now time.Time) {
	tw := tabwriter.NewWriter(io.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SHA\tREVISION\tDEPLOYED\tRAN\tBY\tAVAILABLE")
	for _, r := range revs {
		mark := " "
		if r.Current {
			mark = "▸"
		}
		deployed, ran := "-", "-"
		if !r.DeployedAt.IsZero() {
			deployed = now.Sub(r.DeployedAt).Round(time.Minute).String() + " ago"
		}
		if r.RanFor > 0 {
			ran = r.RanFor.Round(time.Minute).String()
		}
		avail := "✓"
		if !r.Available {
			avail = "✗ " + r.Why
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\n", mark, orDash(r.Version.Short()), r.Version.Revision, deployed, ran, orDash(r.By), avail)
	}
	_ = tw.Flush()
}
