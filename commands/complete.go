package commands

import (
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
)

// Shell completion: cobra's `completion bash|zsh|fish|powershell` command
// writes the script, and the script asks `flightdeck __complete …` for
// the words. The words come from the config (services, their
// environments) and from the names cache of the last poll (names.go:
// gates, recent SHAs). A request that cannot be answered (no config, a
// broken one, an unknown service) completes nothing and prints nothing
// but cobra's directive: a shell is no place for an error message.

// completer answers completion requests for the commands' arguments and
// flags, given the globals the request's own flags (--config) set.
type completer struct{ g *globals }

// known is what a completion may offer: the config's services and the
// names cache, or nothing when the config cannot be loaded.
func (c completer) known() (cfg *config.Config, cache namesFile, ok bool) {
	defer func() {
		if recover() != nil {
			cfg, cache, ok = nil, namesFile{}, false
		}
	}()
	cfg, err := loadConfig(c.g)
	if err != nil {
		return nil, namesFile{}, false
	}
	return cfg, recalledNames(cfg.Path), true
}

// offer keeps the candidates that start with what is typed and are safe
// to hand a shell, each once, with its description (our words) after a tab.
func offer(toComplete string, cands [][2]string) []cobra.Completion {
	var out []cobra.Completion
	var seen []string
	for _, c := range cands {
		name, desc := c[0], c[1]
		if !safeName(name) || !strings.HasPrefix(name, toComplete) || slices.Contains(seen, name) {
			continue
		}
		seen = append(seen, name)
		if desc != "" {
			name += "\t" + desc
		}
		out = append(out, name)
	}
	return out
}

const noFiles = cobra.ShellCompDirectiveNoFileComp

func (c completer) services(toComplete string) []cobra.Completion {
	cfg, _, ok := c.known()
	if !ok {
		return nil
	}
	var cands [][2]string
	for _, s := range cfg.Services {
		cands = append(cands, [2]string{s.Name, "service"})
	}
	return offer(toComplete, cands)
}

func (c completer) environments(service, toComplete string) []cobra.Completion {
	cfg, _, ok := c.known()
	if !ok {
		return nil
	}
	s, ok := cfg.Service(service)
	if !ok {
		return nil
	}
	var cands [][2]string
	for _, e := range s.Environments {
		cands = append(cands, [2]string{e.Name, "environment"})
	}
	return offer(toComplete, cands)
}

// cached is the names cache's entry for a service the config has.
func (c completer) cached(service string) (namedService, bool) {
	cfg, cache, ok := c.known()
	if !ok {
		return namedService{}, false
	}
	if _, ok := cfg.Service(service); !ok {
		return namedService{}, false
	}
	for _, s := range cache.Services {
		if s.Name == service {
			return s, true
		}
	}
	return namedService{}, false
}

func (c completer) gates(service, toComplete string) []cobra.Completion {
	s, ok := c.cached(service)
	if !ok {
		return nil
	}
	var cands [][2]string
	for _, g := range s.Gates {
		cands = append(cands, [2]string{g, "gate"})
	}
	return offer(toComplete, cands)
}

// shas offers the service's recent commits, with where each was seen.
func (c completer) shas(service, toComplete string) []cobra.Completion {
	s, ok := c.cached(service)
	if !ok {
		return nil
	}
	var cands [][2]string
	for _, x := range s.SHAs {
		if !safeSHA(x.SHA) {
			continue
		}
		desc := "commit in a pipeline"
		if x.Env != "" && safeName(x.Env) {
			desc = "commit seen in " + x.Env
		}
		cands = append(cands, [2]string{x.SHA, desc})
	}
	return offer(toComplete, cands)
}

// positional completes a command's arguments: what each position takes.
func (c completer) positional(kinds ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= len(kinds) {
			return nil, noFiles
		}
		switch kinds[len(args)] {
		case "service":
			return c.services(toComplete), noFiles
		case "env":
			return c.environments(args[0], toComplete), noFiles
		case "gate":
			// approve and reject take a gate or the environment it guards
			return append(c.gates(args[0], toComplete), c.environments(args[0], toComplete)...), noFiles
		case "canary-step":
			return offer(toComplete, [][2]string{{"promote", "one step up"}, {"abort", "all traffic back to stable"}}), noFiles
		}
		return nil, noFiles
	}
}

// flagEnv completes a flag naming one of the service's environments.
func (c completer) flagEnv(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, noFiles
	}
	return c.environments(args[0], toComplete), noFiles
}

// flagSHA completes rollback's --to with the recent commits.
func (c completer) flagSHA(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, noFiles
	}
	return c.shas(args[0], toComplete), noFiles
}

// registerCompletions makes the completion command visible and gives the
// commands that take names their completions. A command another file
// has not added (or has renamed) is left as cobra completes it.
func registerCompletions(root *cobra.Command, g *globals) {
	root.CompletionOptions.HiddenDefaultCmd = false
	c := completer{g}
	sub := func(name string) *cobra.Command {
		for _, cmd := range root.Commands() {
			if cmd.Name() == name {
				return cmd
			}
		}
		return nil
	}
	args := map[string][]string{
		"history":  {"service", "env"},
		"rollback": {"service", "env"},
		"switch":   {"service", "env"},
		"canary":   {"service", "env", "canary-step"},
		"promote":  {"service"},
		"approve":  {"service", "gate"},
		"reject":   {"service", "gate"},
	}
	for name, kinds := range args {
		if cmd := sub(name); cmd != nil && cmd.ValidArgsFunction == nil {
			cmd.ValidArgsFunction = c.positional(kinds...)
		}
	}
	flags := map[string]map[string]cobra.CompletionFunc{
		"promote": {"from": c.flagEnv, "to": c.flagEnv},
		"rollback": {"to": c.flagSHA, "via": func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"ci\tre-run the deploy job of the pipeline that shipped it", "target\tpoint the deploy target at an older revision"}, noFiles
		}},
	}
	for name, fs := range flags {
		cmd := sub(name)
		if cmd == nil {
			continue
		}
		for flag, fn := range fs {
			if cmd.Flags().Lookup(flag) != nil {
				_ = cmd.RegisterFlagCompletionFunc(flag, fn)
			}
		}
	}
}

// quietFor is the error stream for a command line: none for a shell's
// completion request (cobra would say which directive it ended with, and
// the shell wants only the words and the directive on stdout).
func quietFor(args []string, w io.Writer) io.Writer {
	if isCompletionRequest(args) {
		return io.Discard
	}
	return w
}

// isCompletionRequest says whether args ask cobra for completions (the
// hidden __complete command the shell scripts call first thing; cobra
// finds it after global flags too).
func isCompletionRequest(args []string) bool {
	return slices.Contains(args, cobra.ShellCompRequestCmd) || slices.Contains(args, cobra.ShellCompNoDescRequestCmd)
}
