package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"flightdeck/config"
	"flightdeck/model"
	"flightdeck/providers"
	"flightdeck/sim"
	"flightdeck/termsafe"
)

// simFlags are shared by demo and sim.
type simFlags struct {
	seed  int64
	speed float64
}

func (f *simFlags) register(cmd *cobra.Command) {
	cmd.Flags().Int64Var(&f.seed, "seed", 1, "seed of the simulated world; the same seed replays the same story")
	cmd.Flags().Float64Var(&f.speed, "speed", 1, "how fast the world moves (2 = deploys and pipelines twice as fast)")
}

func (f *simFlags) validate() error {
	if f.speed <= 0 || f.speed > 1000 {
		return usageErr("--speed must be above 0 and at most 1000, got %g", f.speed)
	}
	return nil
}

// startSim serves a simulated world on a listener until ctx ends, and
// returns the config that points flightdeck at it. A panic in the world's
// own goroutine is handed to crashed instead of ending the process (the
// demo's dashboard would leave the terminal raw); quiet keeps the HTTP
// server's log off a terminal the dashboard owns.
func startSim(ctx context.Context, ln net.Listener, f simFlags, crashed func(error), quiet bool) ([]byte, func()) {
	w := sim.New(sim.Options{Seed: f.seed, Speed: f.speed})
	srv := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if quiet {
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	runCtx, cancel := context.WithCancel(ctx)
	go func() {
		defer wg.Done()
		defer func() {
			if r := recover(); r != nil {
				crashed(fmt.Errorf("the simulated world stopped: %v", r))
			}
		}()
		w.Run(runCtx)
	}()
	stop := func() {
		cancel()
		_ = srv.Close()
		wg.Wait()
	}
	return w.WriteConfig("http://" + ln.Addr().String()), stop
}

func newDemoCmd(g *globals) *cobra.Command {
	var f simFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open the dashboard on a simulated world (no credentials needed)",
		Long: `demo starts a simulated release world in-process on a loopback port and opens
the dashboard on it: commits arrive, pipelines run, deploys roll task by task,
one fails and the ECS circuit breaker rolls it back. Nothing leaves this machine.
Every action key works against it; what you do is audited to
$XDG_STATE_HOME/flightdeck/demo-audit.jsonl (or --audit-log), not the real log.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return fmt.Errorf("demo: listen on loopback: %w", err)
			}
			ctx, crashed := context.WithCancelCause(cmd.Context())
			defer crashed(nil)
			raw, stop := startSim(ctx, ln, f, crashed, true)
			defer stop()
			cfg, err := config.Parse(raw, "demo")
			if err != nil {
				return fmt.Errorf("demo: the simulator wrote a config flightdeck rejects (a bug): %w", err)
			}
			cfg.ReadOnly = cfg.ReadOnly || g.readOnly
			// What is done to the simulated world is audited apart from
			// real actions, so the real log stays the record of production.
			cfg.AuditLog = filepath.Join(config.StateDir(os.Getenv), "demo-audit.jsonl")
			g.simulated = true
			if err := runTUI(ctx, g, cfg, "demo"); err != nil {
				return err
			}
			return context.Cause(ctx)
		},
	}
	f.register(cmd)
	return cmd
}

func newSimCmd(io streams) *cobra.Command {
	var f simFlags
	var listen, writeConfig string
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the simulated world and write a config that points flightdeck at it",
		Long: `sim serves the simulated release world (the ECS, CircleCI and GitHub APIs today, with
Elastic Beanstalk, ELBv2 and CloudWatch to follow) until interrupted,
and writes a flightdeck config for it. In another terminal:

  flightdeck sim --listen 127.0.0.1:8787 --write-config /tmp/sim.yaml
  CIRCLECI_TOKEN=sim GH_TOKEN=sim flightdeck --config /tmp/sim.yaml

(the sim accepts any CircleCI or GitHub token, but wants one, as they do).

Faults can be switched on while it runs:

  curl -X POST http://127.0.0.1:8787/_sim/faults -d '{"service":"ecs","throttle_rate":1}'

Rates run 0..1, rolled per request: error_rate, throttle_rate, deny_rate,
malformed_rate, drop_rate (the connection closes before the request is
handled) and lose_rate (the request is handled, then the connection closes
without the answer); latency ("250ms"), and until or for ("30s") to end it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			ctx, stopSignals := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stopSignals()
			ctx, crashed := context.WithCancelCause(ctx)
			defer crashed(nil)
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				// A port in use is the world's state, not a usage mistake.
				return fmt.Errorf("sim: cannot listen on %s: %w", listen, err)
			}
			raw, stop := startSim(ctx, ln, f, crashed, false)
			defer stop()
			base := "http://" + ln.Addr().String()
			if writeConfig == "" {
				_, _ = io.out.Write(raw)
			} else if err := writeFileAtomic(writeConfig, raw); err != nil {
				return fmt.Errorf("sim: write config: %w", err)
			}
			fmt.Fprintf(io.err, "flightdeck sim: serving the simulated world on %s (seed %d, speed %g)\n", base, f.seed, f.speed)
			if writeConfig != "" {
				fmt.Fprintf(io.err, "config written to %s; open it with: flightdeck --config %s\n", writeConfig, writeConfig)
			}
			<-ctx.Done()
			if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8787", "address to serve on")
	cmd.Flags().StringVar(&writeConfig, "write-config", "", "write the flightdeck config for this sim to FILE (default: print it)")
	return cmd
}

func newStatusCmd(g *globals, io streams) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Poll everything once and print it (exit 1 if anything could not be read)",
		Long: `status polls every configured environment once and prints what runs where.
With --json it prints the snapshot in the documented JSON contract (see
docs/architecture.md). It exits 1 when any environment could not be read,
after printing everything that could.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeout <= 0 {
				return usageErr("--timeout must be positive, got %s", timeout)
			}
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			w, err := buildWorld(cmd.Context(), g, cfg)
			if err != nil {
				return err
			}
			defer w.close()
			snap := pollOnce(cmd.Context(), w, timeout)
			if g.json {
				if err := termsafe.EncodeJSON(io.out, snap); err != nil {
					return err
				}
			} else {
				printStatus(io.out, snap)
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
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 20*time.Second, "give up on a provider after this long")
	return cmd
}

// pollOnce fetches every source once, concurrently, into a fresh snapshot:
// the same provider calls the dashboard makes.
func pollOnce(ctx context.Context, w *world, timeout time.Duration) *model.Snapshot {
	snap := model.NewSnapshot(w.specs)
	results := make([]model.FetchResult, len(w.reg.Sources()))
	ciResults := make([]model.CIFetchResult, len(w.reg.CISources()))
	var wg sync.WaitGroup
	for i, src := range w.reg.Sources() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = providers.Poll(ctx, src, timeout, time.Now)
		}()
	}
	for i, src := range w.reg.CISources() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ciResults[i] = providers.PollCI(ctx, src, timeout, time.Now)
		}()
	}
	wg.Wait()
	for _, r := range results {
		snap.Merge(r)
	}
	for _, r := range ciResults {
		snap.MergeCI(r)
	}
	snap.GeneratedAt = time.Now().UTC()
	return snap
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

// printStatus is the human form of status: one line per environment.
func printStatus(out io.Writer, snap *model.Snapshot) {
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tENVIRONMENT\tVERSION\tSTATE\tPROGRESS\tSINCE\tREVISION\tNOTE")
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
			note := e.Error
			if note == "" && e.Deployment != nil && e.Deployment.Reason != "" {
				note = e.Deployment.Reason
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, e.Environment, orDash(e.Version.Short()),
				strings.ReplaceAll(string(e.State), "_", " "), orDash(progress), orDash(since), orDash(e.Version.Revision), note)
		}
	}
	_ = tw.Flush()
	printCI(out, snap)
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

// writeFileAtomic writes through a temporary file and a rename, so a reader
// watching for the file never sees it half written.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".flightdeck-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
