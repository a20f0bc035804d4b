package commands

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// statusOptions are status's flags.
type statusOptions struct{ timeout time.Duration }

func newStatusCmd(g *globals, io streams) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Poll everything once and print it (exit 1 if anything could not be read, 2 if the config names what does not exist)",
		Long: `status polls every configured environment once and prints what runs where,
and how each environment stands against the next one in promotion order
(DRIFT: "↑ 3 ahead of production", "= production", "↓ 1 behind production",
"≠ production" when the order cannot be told; the commits are counted by the
repository host when the service names a repo, else by its pipelines).
With --json it prints the snapshot in the documented JSON contract (see
docs/json.md; each service's "drift" holds the same); --json FIELDS prints
one record an environment with those fields and its service and name
(--json version,state), --jq EXPR filters the snapshot. After printing
everything that could be read, it
exits 2 when the config names something that does not exist (a cluster,
service, application, environment, listener or target group: each line
says what was found instead), else 1 when any environment or pipeline
could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd.Context(), g, io, o) },
	}
	cmd.Flags().DurationVar(&o.timeout, "timeout", 20*time.Second, "give up on a provider after this long")
	g.jsonFlag(cmd)
	return cmd
}

// runStatus polls everything once, prints it, and exits 1 when anything
// could not be read.
func runStatus(ctx context.Context, g *globals, io streams, o statusOptions) error {
	if o.timeout <= 0 {
		return usageErr("--timeout must be positive, got %s", o.timeout)
	}
	cfg, err := loadConfig(g)
	if err != nil {
		return err
	}
	w, err := buildWorld(ctx, g, cfg)
	if err != nil {
		return err
	}
	defer w.close()
	snap := pollOnce(ctx, w, o.timeout, g.now)
	fillDrift(ctx, w, snap, o.timeout)
	rememberNames(cfg.Path, snap) // for shell completion (names.go)
	if g.json {
		if err := g.emitJSON(io.out, snap); err != nil {
			return err
		}
	} else {
		printStatus(io.out, snap)
	}
	if missing := missingEnvs(snap); len(missing) > 0 {
		return missingErr(fmt.Errorf("the config names what does not exist for %s; each line says what was found", strings.Join(missing, ", ")))
	}
	switch envs, ci := failures(snap); {
	case envs > 0 && ci > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%d environment(s) and the pipelines of %d service(s) could not be read", envs, ci)}
	case envs > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%d environment(s) could not be read", envs)}
	case ci > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("the pipelines of %d service(s) could not be read", ci)}
	}
	return nil
}

// pollOnce fetches every source once, concurrently, into a fresh snapshot:
// the same provider calls the dashboard makes.
func pollOnce(ctx context.Context, w *world, timeout time.Duration, now func() time.Time) *model.Snapshot {
	snap := model.NewSnapshot(w.specs)
	results := make([]model.FetchResult, len(w.reg.Sources()))
	ciResults := make([]model.CIFetchResult, len(w.reg.CISources()))
	var wg sync.WaitGroup
	for i, src := range w.reg.Sources() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = providers.Poll(ctx, src, timeout, now)
		}()
	}
	for i, src := range w.reg.CISources() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ciResults[i] = providers.PollCI(ctx, src, timeout, now)
		}()
	}
	wg.Wait()
	for _, r := range results {
		snap.Merge(r)
	}
	for _, r := range ciResults {
		snap.MergeCI(r)
	}
	snap.GeneratedAt = now().UTC()
	return snap
}

// fillDrift sets each service's drift, as the board's column has it: the
// repository host compares each neighbouring pair whose commits differ
// (all at once, within timeout); where it cannot, the service's
// pipelines order the commits as far as they go.
func fillDrift(ctx context.Context, w *world, snap *model.Snapshot, timeout time.Duration) {
	type pair struct{ repo, base, head string }
	answers := map[pair]model.Comparison{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, svc := range snap.Services {
		lr, repo := w.reg.Lineage(svc.Name)
		if lr == nil || repo == "" {
			continue
		}
		for i := 1; i < len(svc.Environments); i++ {
			head, base := svc.Environments[i-1].Version.SHA, svc.Environments[i].Version.SHA
			if head == "" || base == "" || model.SameCommit(head, base) {
				continue
			}
			k := pair{repo, base, head}
			wg.Go(func() {
				if c, err := lr.Compare(cctx, k.repo, k.base, k.head); err == nil {
					mu.Lock()
					answers[k] = c
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for i := range snap.Services {
		svc := &snap.Services[i]
		_, repo := w.reg.Lineage(svc.Name)
		svc.Drift = model.ServiceDrift(svc, func(base, head string) (model.Comparison, bool) {
			c, ok := answers[pair{repo, base, head}]
			return c, ok
		})
	}
}

// driftNote is the DRIFT column of an environment's line: how it stands
// against the next environment in promotion order.
func driftNote(svc model.ServiceState, env string) string {
	for _, d := range svc.Drift {
		if d.Upstream != env {
			continue
		}
		n := "?"
		if d.Commits >= 0 {
			n = strconv.Itoa(d.Commits)
		}
		switch d.State {
		case "in_sync":
			return "= " + d.Downstream
		case "ahead":
			return "↑ " + n + " ahead of " + d.Downstream
		case "behind":
			return "↓ " + n + " behind " + d.Downstream
		case "differs":
			return "≠ " + d.Downstream
		}
		return "? " + d.Downstream
	}
	return ""
}

// failures counts what could not be read: environments, and services whose
// pipelines could not be.
func failures(snap *model.Snapshot) (envs, ci int) {
	for _, s := range snap.Services {
		if s.CIError != "" {
			ci++
		}
		for _, e := range s.Environments {
			if e.Error != "" {
				envs++
			}
		}
	}
	return envs, ci
}

// missingEnvs names the environments whose config names something that
// does not exist (model.EnvStatus.Missing): a config mistake, exit 2.
func missingEnvs(snap *model.Snapshot) []string {
	var out []string
	for _, s := range snap.Services {
		for _, e := range s.Environments {
			if e.Missing {
				out = append(out, s.Name+"/"+e.Environment)
			}
		}
	}
	return out
}

// printStatus is the human form of status: one line per environment.
func printStatus(out io.Writer, snap *model.Snapshot) {
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tENVIRONMENT\tVERSION\tSTATE\tPROGRESS\tSINCE\tREVISION\tDRIFT\tNOTE")
	now := snap.GeneratedAt
	for _, s := range snap.Services {
		for _, e := range s.Environments {
			progress := ""
			if d := e.Deployment; d != nil && e.Moving() {
				progress = fmt.Sprintf("%d/%d", d.Running, d.Desired)
			}
			since := ""
			if !e.Since.IsZero() {
				since = now.Sub(e.Since).Round(time.Second).String()
			}
			note := statusNote(e)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, e.Environment, orDash(e.Version.Short()),
				strings.ReplaceAll(string(e.State), "_", " "), orDash(progress), orDash(since), orDash(e.Version.Revision), orDash(driftNote(s, e.Environment)), note)
		}
	}
	_ = tw.Flush()
	printCI(out, snap)
}

// statusNote is the NOTE column: the error, else why a deploy failed,
// else a blue/green pair's live side or a canary's weight and verdict.
func statusNote(e model.EnvStatus) string {
	switch {
	case e.Error != "":
		return e.Error
	case e.Deployment != nil && e.Deployment.Reason != "":
		return e.Deployment.Reason
	case e.Canary != nil && (e.Canary.Weight > 0 || e.Canary.Stage == "not started"):
		c := e.Canary
		note := fmt.Sprintf("canary %s %d %% vs stable %s", c.Canary.Version.Short(), c.Weight, c.Stable.Version.Short())
		if c.Verdict.Word != "" {
			note += ": " + c.Verdict.Why
		}
		return note
	case e.BlueGreen != nil:
		return "live " + e.BlueGreen.Live + ", standby " + e.BlueGreen.Standby + " runs " + e.BlueGreen.StandbyVersion.Short()
	}
	return ""
}

// printCI adds each service's newest pipeline and the gates waiting.
func printCI(out io.Writer, snap *model.Snapshot) {
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	header := false
	for _, s := range snap.Services {
		if len(s.Pipelines) == 0 && s.CIError == "" {
			continue
		}
		if !header {
			fmt.Fprintln(tw, "\nSERVICE\tPIPELINE\tSHA\tSTATUS\tSUBJECT\tNOTE")
			header = true
		}
		if len(s.Pipelines) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\n", s.Name, s.CIError)
			continue
		}
		p := s.Pipelines[0]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, orDash(pipelineName(p)), orDash(model.ShortSHA(p.SHA)),
			strings.ReplaceAll(string(p.Status), "_", " "), orDash(p.Subject), s.CIError)
	}
	if len(snap.Approvals) > 0 {
		fmt.Fprintln(tw, "\nWAITING FOR APPROVAL\tSERVICE\tSHA\tWAITING\tSUBJECT")
		for _, g := range snap.Approvals {
			waiting := "-"
			if !g.WaitingSince.IsZero() {
				waiting = snap.GeneratedAt.Sub(g.WaitingSince).Round(time.Second).String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", g.Gate, g.Service, orDash(model.ShortSHA(g.SHA)), waiting, orDash(g.Subject))
		}
	}
	_ = tw.Flush()
}

// pipelineName is "#123" or the provider's id.
func pipelineName(p model.Pipeline) string {
	if p.Number > 0 {
		return fmt.Sprintf("#%d", p.Number)
	}
	return p.ID
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
