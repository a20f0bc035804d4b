package commands

import (
	"context"
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/ui"
	"github.com/airside-dev/flightdeck/ui/termprobe"
)

// notifier rings for new gates unless --no-bell or `bell: false` says not to.
func notifier(g *globals, cfg *config.Config) func(string) {
	if g.noBell || !cfg.Bell {
		return nil
	}
	return ui.TerminalNotifier()
}

// colour is what the environment and --no-color ask of colour.
type colour int

const (
	colourAuto  colour = iota // as the terminal supports
	colourOff                 // --no-color, NO_COLOR, CLICOLOR=0
	colourForce               // CLICOLOR_FORCE: colour even where it would not be
)

// colourChoice follows the conventions of no-color.org and
// bixense.com/clicolors: --no-color or a non-empty NO_COLOR turns colour
// off and wins over everything; CLICOLOR_FORCE set and not "0" forces it
// on, even where stdout is no terminal; CLICOLOR=0 turns it off.
func colourChoice(getenv func(string) string, noColorFlag bool) colour {
	switch {
	case noColorFlag || getenv("NO_COLOR") != "":
		return colourOff
	case getenv("CLICOLOR_FORCE") != "" && getenv("CLICOLOR_FORCE") != "0":
		return colourForce
	case getenv("CLICOLOR") == "0":
		return colourOff
	}
	return colourAuto
}

// renderer builds the lipgloss renderer for stdout, colourless on request.
// The background is asked here, before Bubble Tea owns the terminal, and
// for at most termprobe.Timeout; without colours nothing is asked.
func renderer(c colour) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(os.Stdout)
	if c == colourOff {
		r.SetColorProfile(termenv.Ascii)
		r.SetHasDarkBackground(true)
		return r
	}
	if c == colourForce && r.ColorProfile() == termenv.Ascii {
		r.SetColorProfile(termenv.ANSI)
	}
	dark, _ := termprobe.Dark(os.Stdin, os.Stdout, termprobe.Timeout)
	r.SetHasDarkBackground(dark)
	return r
}

// uiOptions is everything the TUI is given: the world's sources and
// providers, and the keys acting through the same pipeline as the headless
// commands (same guards, same audit log).
func uiOptions(ctx context.Context, g *globals, cfg *config.Config, w *world, title string) ui.Options {
	col := colourChoice(os.Getenv, g.noColor)
	return ui.Options{
		Title:     title,
		Services:  w.specs,
		Providers: w.reg,
		Refresh:   cfg.Refresh.Duration,
		ReadOnly:  cfg.ReadOnly,
		Now:       g.now,
		Renderer:  renderer(col),
		Context:   ctx,
		Actions:   pipeline(g, cfg, w),
		AuditPath: auditPath(g, cfg),
		Notify:    notifier(g, cfg),
		Open:      ui.BrowserOpener(),
		Copy:      ui.TerminalClipboard(),
		// Links on SHAs only where the terminal is known to draw them;
		// --no-color (or NO_COLOR) asks for the plainest output, so no
		// links either.
		Hyperlinks: col != colourOff && ui.TerminalShowsLinks(os.Getenv),
	}
}

// noTerminal says why the dashboard cannot draw here ("" when it can): it
// needs stdin and stdout on a terminal that moves the cursor.
func noTerminal(termName string, stdinTTY, stdoutTTY bool) string {
	switch {
	case termName == "dumb":
		return "this terminal cannot move the cursor (TERM=dumb)"
	case !stdinTTY:
		return "stdin is not a terminal"
	case !stdoutTTY:
		return "stdout is not a terminal"
	}
	return ""
}

// runTUI opens the dashboard for a config until the user quits.
func runTUI(ctx context.Context, g *globals, cfg *config.Config, title string) error {
	if why := noTerminal(os.Getenv("TERM"), term.IsTerminal(os.Stdin.Fd()), term.IsTerminal(os.Stdout.Fd())); why != "" {
		return usageErr("the dashboard needs a terminal and %s; for one look at everything use `flightdeck status` (or `status --json`)", why)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := buildWorld(ctx, g, cfg)
	if err != nil {
		return err
	}
	defer w.close()
	// Bubble Tea restores the terminal whenever Run returns: on quit, and
	// when Kill ends it, which crash does for a panic anywhere in the
	// dashboard and catchSignals for every signal that would otherwise
	// leave the terminal raw.
	c := &crash{}
	p := tea.NewProgram(guarded{ui.New(uiOptions(ctx, g, cfg, w, title)), c},
		// Mouse: the wheel scrolls, a click selects; the terminal's own
		// selection (to copy text) is shift+drag meanwhile (docs/screens.md).
		tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithoutCatchPanics())
	c.kill = p.Kill
	sigs := catchSignals(p.Kill)
	_, err = runAndRemember(p, g, cfg.Path) // p.Run(), and the names it saw kept for completion
	if sig := sigs.release(); sig != nil {
		return &signalledError{sig}
	}
	if err := c.err(); err != nil {
		return err
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
