package commands

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
)

func newSimCmd(io streams) *cobra.Command {
	var f simFlags
	var listen, writeConfig string
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the simulated world and write a config that points flightdeck at it",
		Long: `sim serves the simulated release world (the ECS, CircleCI, GitHub, Elastic
Beanstalk, ELBv2 and CloudWatch GetMetricData APIs, and the storage host CI
logs are downloaded from) until interrupted, and writes a flightdeck config for
it. In another terminal:

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

// writeFileAtomic writes through a temporary file and a rename, so a reader
// watching for the file never sees it half written.
func writeFileAtomic(path string, data []byte) error {
	return placeFile(path, data, os.Rename)
}

// placeFile writes data to a temporary file beside path (0644, synced)
// and puts it in place with place: os.Rename replaces what is there,
// os.Link fails if a file appeared meanwhile. The temporary file is gone
// either way.
func placeFile(path string, data []byte, place func(tmp, path string) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".flightdeck-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return place(tmp.Name(), path)
}
