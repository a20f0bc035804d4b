package commands

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
)

func newAuditCmd(g *globals, io streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "List the audit log: every action attempt, oldest first",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runAudit(g, io) },
	}
	g.jsonFlag(cmd)
	return cmd
}

// runAudit lists the audit log named by --audit-log, the config, or the
// default place, in that order.
func runAudit(g *globals, io streams) error {
	path := g.auditLog
	if path == "" {
		cfg, err := loadConfig(g)
		switch {
		case err == nil:
			path = cfg.AuditLog
		case errors.Is(err, config.ErrNotFound):
			path = config.DefaultAuditLog(os.Getenv)
		default:
			return err
		}
	}
	recs, skipped, err := audit.Read(path)
	if err != nil {
		return err
	}
	if skipped > 0 {
		fmt.Fprintf(io.err, "flightdeck: %d unreadable line(s) in %s skipped\n", skipped, path)
	}
	if g.json {
		if recs == nil {
			recs = []audit.Record{}
		}
		return g.emitJSON(io.out, recs)
	}
	if len(recs) == 0 {
		fmt.Fprintf(io.out, "no actions recorded in %s\n", path)
		return nil
	}
	tw := tabwriter.NewWriter(io.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSER\tACTION\tTARGET\tFROM → TO\tRESULT\tERROR")
	for _, r := range recs {
		res, note := r.Result, r.Error
		if r.DryRun && res != audit.ResultDryRun {
			res += " (dry run)"
		}
		if r.Resolves != nil {
			// It settles an unknown outcome: say what reading found.
			res, note = res+" (settled)", r.Detail
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s → %s\t%s\t%s\n", r.Time.Local().Format("2006-01-02 15:04:05"), r.User, r.Action,
			r.Target(), model.ShortSHA(r.From), model.ShortSHA(r.To), res, note)
	}
	return tw.Flush()
}
