package commands

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/sim"
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
	g.bellFlag(cmd)
	return cmd
}
