package commands

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/secret"
	"github.com/airside-dev/flightdeck/team"
	"github.com/airside-dev/flightdeck/ui"
)

// serveGrace is how long sessions are given to read that the server is
// going before they are ended.
const serveGrace = time.Second

func newServeCmd(g *globals, io streams) *cobra.Command {
	var listen, hostKey, webhooks string
	var stall time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboard to the release team over SSH",
		Long: `serve runs one flightdeck for the whole release team: an SSH server on which
every team member (team.users in the config, by their public key) opens their
own dashboard with ` + "`ssh -p PORT HOST`" + `. The world is polled once for everybody;
actions go through the one pipeline, are serialised per environment across all
sessions and audited under the member's name and key fingerprint; every
session sees a line when someone acts. Viewers read only; approvers act, where
an environment's approvers list names them. Ctrl+C or q ends a session; SIGTERM
ends the server after telling every session. See docs/team.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if cfg.Team == nil || len(cfg.Team.Users) == 0 {
				return &exitError{code: exitUsage, configMistake: true, err: fmt.Errorf("%s has no team block: serve lets in only team.users (name, keys, role); see docs/team.md", cfg.Path)}
			}
			if hostKey == "" {
				hostKey = filepath.Join(config.StateDir(os.Getenv), "ssh_host_ed25519_key")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
			defer stop()
			if stall <= 0 {
				return usageErr("--stall-timeout must be above 0, got %s", stall)
			}
			hooks := team.WebhookOptions{GitHubSecret: os.Getenv("FLIGHTDECK_GITHUB_WEBHOOK_SECRET"), CircleCISecret: os.Getenv("FLIGHTDECK_CIRCLECI_WEBHOOK_SECRET")}
			if webhooks != "" && hooks.GitHubSecret == "" && hooks.CircleCISecret == "" {
				return usageErr("--webhooks needs a secret to check signatures against: FLIGHTDECK_GITHUB_WEBHOOK_SECRET and/or FLIGHTDECK_CIRCLECI_WEBHOOK_SECRET")
			}
			secret.Register(hooks.GitHubSecret, hooks.CircleCISecret)
			return runServe(ctx, g, cfg, io, serveFlags{listen: listen, hostKey: hostKey, stall: stall, webhooks: webhooks, hooks: hooks})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:2222", "address to accept SSH connections on")
	cmd.Flags().StringVar(&webhooks, "webhooks", "", "also accept GitHub and CircleCI webhooks on this address (POST /github, /circleci); a verified event makes that provider's sources poll now")
	cmd.Flags().DurationVar(&stall, "stall-timeout", 15*time.Second, "drop a session whose client has taken no output for this long (it stopped reading)")
	cmd.Flags().StringVar(&hostKey, "host-key", "", "the server's SSH host key (default: $XDG_STATE_HOME/flightdeck/ssh_host_ed25519_key, created on first start)")
	return cmd
}

// serveFlags are serve's own flags.
type serveFlags struct {
	listen, hostKey, webhooks string
	stall                     time.Duration
	hooks                     team.WebhookOptions
}

// runServe serves until ctx ends (a signal, or a test).
func runServe(ctx context.Context, g *globals, cfg *config.Config, io streams, f serveFlags) error {
	listen, hostKey, stall := f.listen, f.hostKey, f.stall
	w, err := buildWorld(ctx, g, cfg)
	if err != nil {
		return err
	}
	defer w.close()
	refresh := cfg.Refresh.Duration
	shared := team.NewShared(w.reg, team.SharedOptions{Context: ctx, Timeout: min(15*time.Second, max(refresh, 5*time.Second)), Now: g.now})
	approvers := map[model.EnvKey][]string{}
	for _, s := range cfg.Services {
		for _, e := range s.Environments {
			if len(e.Approvers) > 0 {
				approvers[model.EnvKey{Service: s.Name, Environment: e.Name}] = e.Approvers
			}
		}
	}
	locks := filepath.Join(config.StateDir(os.Getenv), "locks")
	logger := log.New(io.err, "flightdeck serve: ", log.LstdFlags)
	srv, err := team.New(team.Options{
		HostKey:   hostKey,
		Users:     cfg.Team.Users,
		Approvers: approvers,
		UI: ui.Options{
			Title: cfg.Path, Services: w.specs, Providers: w.reg,
			Refresh: refresh, ReadOnly: cfg.ReadOnly, Now: g.now, AuditPath: auditPath(g, cfg),
		},
		Actions: action.Options{
			ReadOnly: cfg.ReadOnly, DryRun: g.dryRun, LockDir: locks, Providers: w.reg,
			Protected: action.ProtectedIn(w.specs), Audit: audit.Open(auditPath(g, cfg)), Now: g.now,
		},
		Shared:     shared,
		Exec:       remoteExec(g, cfg.Path, auditPath(g, cfg)),
		StallAfter: stall,
		NoColor:    g.noColor,
		Log:        logger,
		Now:        g.now,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return usageErr("serve: --listen %s: %v", listen, err)
	}
	if f.webhooks != "" {
		hln, err := net.Listen("tcp", f.webhooks)
		if err != nil {
			ln.Close()
			return usageErr("serve: --webhooks %s: %v", f.webhooks, err)
		}
		f.hooks.Shared, f.hooks.Log = shared, logger
		hs := webhookServer(team.Webhooks(f.hooks), logger)
		go func() { _ = hs.Serve(hln) }()
		defer hs.Close()
		logger.Printf("webhooks on http://%s (github: %t, circleci: %t)", hln.Addr(), f.hooks.GitHubSecret != "", f.hooks.CircleCISecret != "")
	}
	logger.Printf("listening on %s (host key %s; %d team members)", ln.Addr(), hostKey, len(cfg.Team.Users))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Printf("shutting down: telling %d session(s)", srv.Sessions())
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx, serveGrace); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	<-served
	return nil
}

// webhookServer serves the webhooks with every timeout set: a client
// that sends its headers or body slowly, or holds an idle connection,
// is cut off rather than holding a connection open forever.
func webhookServer(h http.Handler, logger *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          logger,
	}
}
