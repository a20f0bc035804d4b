// Package commands is flightdeck's command line: the root command and its
// flags, one command per file (the dashboard, demo, sim, status, history,
// rollback, promote, approve and reject, audit), exit codes, and the
// wiring of the config into concrete providers (world.go): it is the only
// package that knows every backend. package main only calls Main.
package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/secret"
	"github.com/airside-dev/flightdeck/termsafe"
)

// Exit codes are a contract (ARCHITECTURE.md): 0 done, 1 an action or
// fetch failed, 2 usage or config error, 3 refused by a guard.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitRefused = 3
)

// exitError carries the exit code a failure maps to.
type exitError struct {
	code int
	err  error
	// configMistake: exit 2 because the config names what does not
	// exist, not because the command line was wrong (no usage hint).
	configMistake bool
}

// missingErr is exit 2 for a config that names what does not exist.
func missingErr(err error) error { return &exitError{code: exitUsage, err: err, configMistake: true} }

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// globals are the flags every command shares.
type globals struct {
	configPath string
	noColor    bool
	readOnly   bool
	auditLog   string
	json       bool
	jsonOut    jsonOutput // --json's field list and --jq (jsonout.go)
	yes        bool
	dryRun     bool
	noBell     bool
	// now is the clock: what the commands print ages against.
	now func() time.Time
	// simulated is set by demo: its in-process world needs no credentials,
	// so the CI sources get a placeholder token instead of the user's.
	simulated bool
	// remote (--remote ssh://host:port) runs the command on a
	// `flightdeck serve` instead (remote.go); args is the command line.
	remote string
	args   []string
	// actor, on the server running a remote command, makes the member
	// the one who acts (name, key, role guard, the team feed).
	actor func(action.Options) action.Options
	// serverReadOnly and serverDryRun, on the server running a remote
	// command, are its --read-only and --dry-run: ORed into readOnly and
	// dryRun after the flags are read (PersistentPreRunE).
	serverReadOnly, serverDryRun bool
}

// The flags that mean something to some commands only are registered on
// those: --json where a command prints a result, --yes where it acts,
// --no-bell where the dashboard runs. The rest are global (persistent).

func (g *globals) jsonFlag(cmd *cobra.Command) { g.registerJSON(cmd) }

func (g *globals) yesFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&g.yes, "yes", false, "act without asking (required when stdin is not a terminal)")
}

func (g *globals) bellFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&g.noBell, "no-bell", false, "no bell or desktop notification when a gate starts waiting (config: bell: false)")
}

// streams are the process's standard streams, injected for tests.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// Main runs one command line on the process's standard streams and
// returns the exit code. A command that a signal stopped (the dashboard
// on SIGHUP, say) ends the process by that signal, once everything it
// deferred has run and the terminal is back.
func Main(ctx context.Context, args []string) int {
	code, sig := execute(ctx, args, streams{os.Stdin, os.Stdout, os.Stderr})
	if sig != nil {
		reraise(sig)
	}
	return code
}

// run executes one command line. Everything it prints goes through
// termsafe's writer: whatever outside text a message carries (a name, a
// server's error, a replayed audit record), stdout and stderr get no
// control character and no secret.
func run(ctx context.Context, args []string, io streams) int {
	code, _ := execute(ctx, args, io)
	return code
}

// execute is run, also saying which signal stopped the command, if one did.
func execute(ctx context.Context, args []string, io streams) (int, os.Signal) {
	return executeAs(ctx, args, io, nil, false, false)
}

// executeAs is execute with the actions taken as a team member (a remote
// command on `flightdeck serve`); nil acts as the OS user.
// readOnly and dryRun are the server's modes, set in code: ORed into the
// flags once the line is read, so no flag on it can undo them.
func executeAs(ctx context.Context, args []string, io streams, actor func(action.Options) action.Options, readOnly, dryRun bool) (int, os.Signal) {
	secret.RegisterEnv(os.Getenv)
	out, errw := termsafe.NewWriter(io.out), termsafe.NewWriter(io.err)
	defer out.Flush()
	defer errw.Flush()
	io.out, io.err = out, errw
	g := &globals{now: time.Now, args: args, actor: actor, serverReadOnly: readOnly, serverDryRun: dryRun}
	root := newRootCmdFor(io, g)
	root.SetArgs(joinJSONFields(root, args))
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(quietFor(args, io.err))
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK, nil
	}
	if se := (*signalledError)(nil); errors.As(err, &se) {
		return signalCode(se.sig), se.sig
	}
	if re := (*remoteExit)(nil); errors.As(err, &re) {
		return re.code, nil
	}
	code := exitFailed
	var ee *exitError
	var ce *config.Errors
	switch {
	case errors.As(err, &ce):
		code = exitUsage
	case errors.As(err, &ee):
		code = ee.code
	case isCobraUsage(err):
		code = exitUsage
	}
	if ce != nil {
		// Every problem at once, one per line, under a headline.
		fmt.Fprintf(io.err, "flightdeck: %s has %d problem(s):\n%s\n", ce.File, len(ce.Problems), strings.TrimRight(err.Error(), "\n"))
		return code, nil
	}
	fmt.Fprintln(io.err, "flightdeck:", strings.TrimRight(err.Error(), "\n"))
	switch {
	case ee != nil && ee.configMistake:
		fmt.Fprintln(io.err, "Fix the config (flightdeck --help says where it is read from).")
	case code == exitUsage:
		fmt.Fprintln(io.err, "Run 'flightdeck --help' for usage.")
	}
	return code, nil
}

// isCobraUsage recognises cobra's own argument and flag errors, which it
// returns untyped.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "invalid argument", "flag needs an argument", "accepts ", "requires at least", "required flag"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func newRootCmd(io streams) *cobra.Command {
	return newRootCmdFor(io, &globals{now: time.Now})
}

func newRootCmdFor(io streams, g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "flightdeck",
		Short: "A terminal release dashboard for CI pipelines and deploys",
		Long: `flightdeck shows, live on one screen, every service's CI pipelines and the
version running in each of its environments (AWS ECS, Elastic Beanstalk),
with deploys rolling, failing and rolling back as they happen.

With no command it opens the dashboard for the config found by the lookup
order: --config, $FLIGHTDECK_CONFIG, $XDG_CONFIG_HOME/flightdeck/config.yaml,
~/.config/flightdeck/config.yaml. Try it without any credentials:

  flightdeck demo

and write a config for your own services, found in your AWS account:

  flightdeck init`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr("unknown command %q; commands: %s", args[0], strings.Join(commandNames(cmd), ", "))
			}
			return nil
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			return runTUI(cmd.Context(), g, cfg, cfg.Path)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: exitUsage, err: err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", "", "config file (default: $FLIGHTDECK_CONFIG, then $XDG_CONFIG_HOME/flightdeck/config.yaml)")
	pf.BoolVar(&g.noColor, "no-color", false, "no colours (NO_COLOR in the environment does the same)")
	pf.BoolVar(&g.readOnly, "read-only", false, "disable every action; the header says READ-ONLY")
	pf.StringVar(&g.auditLog, "audit-log", "", "append action records here (default: audit_log in the config, else $XDG_STATE_HOME/flightdeck/audit.jsonl)")
	pf.BoolVar(&g.dryRun, "dry-run", false, "check everything and print what would be sent, but send nothing")
	pf.StringVar(&g.remote, "remote", "", "run the command on the flightdeck serve at `URL` (ssh://[user@]host[:port]) as your team member; the ssh client is $FLIGHTDECK_SSH_COMMAND, else ssh")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		g.readOnly = g.readOnly || g.serverReadOnly
		g.dryRun = g.dryRun || g.serverDryRun
		if g.remote == "" {
			return nil
		}
		return &remoteExit{code: runRemote(cmd.Context(), g, io)}
	}
	g.bellFlag(root)
	root.AddCommand(newDemoCmd(g), newSimCmd(io), newStatusCmd(g, io),
		newHistoryCmd(g, io), newRollbackCmd(g, io), newPromoteCmd(g, io), newSwitchCmd(g, io), newCanaryCmd(g, io), newAuditCmd(g, io), newServeCmd(g, io))
	root.AddCommand(newApproveCmd(g, io), newRejectCmd(g, io))
	root.AddCommand(newInitCmd(g, io))
	addIdentity(root, g, io)
	return root
}

// commandNames lists the commands a user may type (not help or the
// hidden ones), so an unknown command's message names them all.
func commandNames(root *cobra.Command) []string {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() && c.Name() != "help" {
			names = append(names, c.Name())
		}
	}
	return names
}

// loadConfig finds and loads the config, applying global flags over it.
func loadConfig(g *globals) (*config.Config, error) {
	path, err := config.Locate(g.configPath, os.Getenv)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("%w\nStart with `flightdeck demo`, or run `flightdeck init` to find your services and write one", err)}
	}
	cfg, err := config.Load(path)
	if err != nil {
		// Unreadable or invalid, it is the config's fault: exit 2 either way.
		return nil, &exitError{code: exitUsage, err: err}
	}
	cfg.ReadOnly = cfg.ReadOnly || g.readOnly
	return cfg, nil
}
