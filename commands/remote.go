package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/team"
)

// remoteExit ends a command that ran on the server with its exit code.
type remoteExit struct{ code int }

func (e *remoteExit) Error() string { return fmt.Sprintf("remote command exited %d", e.code) }

// remoteCommands are what `--remote` may run on the server: the headless
// commands. The dashboard is `ssh -p PORT HOST` itself.
var remoteCommands = []string{"status", "history", "rollback", "promote", "switch", "canary", "approve", "reject", "audit"}

// runRemote runs this command line on a `flightdeck serve` over the ssh
// client (so the user's keys, agent, known_hosts and ssh config apply),
// passing the streams through, and returns the remote exit code.
func runRemote(ctx context.Context, g *globals, io streams) int {
	host, port, why := remoteTarget(g.remote)
	if why != "" {
		fmt.Fprintf(io.err, "flightdeck: --remote %q: %s\n", g.remote, why)
		return exitUsage
	}
	sshCmd := strings.Fields(os.Getenv("FLIGHTDECK_SSH_COMMAND"))
	if len(sshCmd) == 0 {
		sshCmd = []string{"ssh"}
	}
	args := append(sshCmd[1:], "-T")
	if port != "" {
		args = append(args, "-p", port)
	}
	args = append(args, host, "--")
	for _, a := range withoutRemote(g.args) {
		args = append(args, remoteQuote(a))
	}
	cmd := exec.CommandContext(ctx, sshCmd[0], args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = io.in, io.out, io.err
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee) && ee.ExitCode() == 255:
		fmt.Fprintf(io.err, "flightdeck: could not run the command on %s (ssh exited 255: unreachable, or the key was refused)\n", g.remote)
		return exitFailed
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	}
	fmt.Fprintf(io.err, "flightdeck: --remote: %v\n", err)
	return exitFailed
}

// remoteName is what a --remote user or host name may be: it never starts
// with "-" (ssh would read the destination as an option, such as
// -oProxyCommand=…).
var remoteName = regexp.MustCompile(`^[A-Za-z0-9._][A-Za-z0-9._-]*$`)

// remoteTarget reads ssh://[user@]host[:port] into ssh's destination
// ([user@]host) and port, or says why it cannot ("" when it can). An IPv6
// host is written in brackets (ssh://[::1]:2222).
func remoteTarget(raw string) (dest, port, why string) {
	const want = "want ssh://[user@]host[:port]"
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "ssh" || u.Hostname() == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", "", want
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		if net.ParseIP(host) == nil {
			return "", "", "the host " + strconv.Quote(host) + " is not an IPv6 address; " + want
		}
	} else if !remoteName.MatchString(host) {
		return "", "", "the host " + strconv.Quote(host) + " may hold only letters, digits, '.', '_' and '-', and not start with '-'"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", "", "the port " + strconv.Quote(p) + " is not a port number"
		}
		port = p
	}
	if _, hasPw := u.User.Password(); hasPw {
		return "", "", "no password in the address; ssh signs in with your key"
	}
	if name := u.User.Username(); name != "" {
		if !remoteName.MatchString(name) {
			return "", "", "the user " + strconv.Quote(name) + " may hold only letters, digits, '.', '_' and '-', and not start with '-'"
		}
		host = name + "@" + host
	}
	return host, port, ""
}

// withoutRemote is the command line without --remote and its value.
func withoutRemote(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--remote":
			i++
		case strings.HasPrefix(a, "--remote="):
		default:
			out = append(out, a)
		}
	}
	return out
}

// shellQuote quotes one argument for the server's POSIX-style split.
func remoteQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// remoteRefusal says why a command line sent with --remote may not run on
// the server ("" when it may): only the headless commands, and never a
// flag that would choose another config or audit log.
func remoteRefusal(args []string) string {
	cmd := ""
	for _, a := range args {
		for _, f := range []string{"--config", "--audit-log", "--remote"} {
			if a == f || strings.HasPrefix(a, f+"=") {
				return f + " is the server's to choose"
			}
		}
		// A bare --dry-run or --read-only may turn the mode on; a value
		// (--dry-run=false) could only serve to undo the server's.
		for _, f := range []string{"--dry-run", "--read-only"} {
			if strings.HasPrefix(a, f+"=") {
				return f + " takes no value on a remote line (the server's mode holds; a bare " + f + " turns it on)"
			}
		}
		if cmd == "" && !strings.HasPrefix(a, "-") {
			cmd = a
		}
	}
	for _, c := range remoteCommands {
		if cmd == c {
			return ""
		}
	}
	return fmt.Sprintf("%q cannot run remotely; commands: %s (the dashboard is ssh itself)", cmd, strings.Join(remoteCommands, ", "))
}

// remoteExec runs a remote command line on the server for a member.
func remoteExec(g *globals, cfgPath, auditLog string) func(context.Context, team.Member, func(action.Options) action.Options, []string, io.Reader, io.Writer, io.Writer) int {
	return func(ctx context.Context, m team.Member, as func(action.Options) action.Options, args []string, in io.Reader, out, errw io.Writer) int {
		if why := remoteRefusal(args); why != "" {
			fmt.Fprintln(errw, "flightdeck serve: "+why)
			return exitUsage
		}
		full := []string{"--config", cfgPath, "--audit-log", auditLog}
		if g.readOnly {
			full = append(full, "--read-only")
		}
		if g.dryRun {
			full = append(full, "--dry-run")
		}
		// The server's modes are also set in code, after every flag of
		// the line is read (in the globals, which loadConfig and the
		// pipeline read, and in the pipeline's options): nothing the
		// member sends can undo them.
		readOnly, dryRun := g.readOnly, g.dryRun
		code, _ := executeAs(ctx, append(full, args...), streams{in: in, out: out, err: errw}, serverModes(as, readOnly, dryRun), readOnly, dryRun)
		return code
	}
}

// serverModes is as with the server's --read-only and --dry-run ORed into
// the pipeline's options.
func serverModes(as func(action.Options) action.Options, readOnly, dryRun bool) func(action.Options) action.Options {
	return func(o action.Options) action.Options {
		if as != nil {
			o = as(o)
		}
		o.ReadOnly = o.ReadOnly || readOnly
		o.DryRun = o.DryRun || dryRun
		return o
	}
}
