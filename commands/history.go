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
		Long: `history lists the versions SERVICE's ENV can roll back to, newest deploy
first: the deploy target's own revisions (ECS task definitions, Beanstalk
application versions) and, for a service with a CI provider, the recent
pipelines whose deploy job for ENV succeeded. Each row says how a rollback
to it is done: "point the service at api:41" (rollback --via target) or
"re-run deploy-production of pipeline #305" (rollback --via ci), and why it
is unavailable when it is. When CI cannot be read, the target's revisions
are still printed, and the exit is 1 with CI's error.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.service, o.env = args[0], args[1]
			return runHistory(cmd.Context(), g, io, o)
		},
	}
	g.jsonFlag(cmd)
	return cmd
}

// runHistory lists the revisions o.env can roll back to.
func runHistory(ctx context.Context, g *globals, io streams, o historyOptions) (err error) {
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
	ci, _, cerr := s.ciHistory(ctx, t)
	revs = model.MergeHistory(revs, ci)
	if cerr != nil {
		// What the target said is still shown; the exit says CI failed.
		defer func() {
			if err == nil {
				err = cerr
			}
		}()
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
	fmt.Fprintln(tw, "  SHA\tREVISION\tDEPLOYED\tRAN\tBY\tROLLBACK\tAVAILABLE")
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
		rev := r.Version.Revision
		if r.CI != nil {
			rev = fmt.Sprintf("pipeline #%d", r.CI.Pipeline)
		}
		how := r.How()
		if r.CI != nil && r.CI.Next != "" {
			how += " (" + r.CI.Next + ")"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, orDash(r.Version.Short()), orDash(rev), deployed, ran, orDash(r.By), how, avail)
	}
	_ = tw.Flush()
}
