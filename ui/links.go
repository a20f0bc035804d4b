package ui

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/model"
)

// Links out: o opens what is selected in the browser (the shown
// workflow's page on the detail, else the environment's console page), y
// copies the selected environment's SHA to the clipboard. The opener and
// the clipboard are the session's (Options.Open, Options.Copy), so a test
// or an SSH session decides how.

// linkMsg says how an o or a y went.
type linkMsg struct {
	text string
	err  error
}

// linkTarget is what o opens, and its name on the status line.
func (m Model) linkTarget() (string, string, string) {
	if m.screen == screenDetail {
		if p, wf, ok := m.detail.Workflow(m.snap); ok && wf.URL != "" {
			return wf.URL, fmt.Sprintf("%s · pipeline #%d", wf.Name, p.Number), ""
		}
	}
	e, why := m.selectedEnv()
	if why != "" {
		return "", "", why
	}
	if e.ConsoleURL == "" {
		return "", "", e.Service + "/" + e.Environment + " has no web page flightdeck knows"
	}
	return e.ConsoleURL, "the console page of " + e.Service + "/" + e.Environment, ""
}

// selectedEnv is the environment the board's cell or the detail's panel
// selects.
func (m Model) selectedEnv() (*model.EnvStatus, string) {
	if m.screen != screenBoard && m.screen != screenDetail {
		return nil, "go back to the board or a service's detail"
	}
	sel := m.selection()
	e, ok := m.snap.Env(model.EnvKey{Service: sel.service, Environment: sel.env})
	if !ok {
		return nil, "select an environment first"
	}
	return e, ""
}

// openLink opens the selected thing's page, or shows its address.
func (m Model) openLink() (Model, tea.Cmd) {
	u, name, why := m.linkTarget()
	switch {
	case why != "":
		return m.say(why), nil
	case m.opts.Open == nil:
		return m.say("open " + name + ": " + u), nil
	}
	open := m.opts.Open
	return m, func() tea.Msg {
		opened, err := open(u)
		switch {
		case err != nil:
			return linkMsg{err: fmt.Errorf("could not open %s: %w; its address: %s", name, err, u)}
		case !opened:
			return linkMsg{text: "open " + name + " in a browser: " + u}
		}
		return linkMsg{text: "opened " + name + " in the browser"}
	}
}

// copySHA copies the selected environment's SHA.
func (m Model) copySHA() (Model, tea.Cmd) {
	e, why := m.selectedEnv()
	switch {
	case why != "":
		return m.say(why), nil
	case !model.IsHex(e.Version.SHA):
		return m.say(e.Service + "/" + e.Environment + " runs no version with a SHA to copy"), nil
	case m.opts.Copy == nil:
		return m.say("this session has no clipboard; the SHA is " + e.Version.SHA), nil
	}
	sha, copyTo := e.Version.SHA, m.opts.Copy
	return m, func() tea.Msg {
		if err := copyTo(sha); err != nil {
			return linkMsg{err: fmt.Errorf("could not copy %s: %w", sha, err)}
		}
		return linkMsg{text: "copied " + sha + " (through the terminal: OSC 52)"}
	}
}

func (m Model) handleLink(msg linkMsg) Model {
	if msg.err != nil {
		m.status = statusLine{text: msg.err.Error(), tone: toneWarn, transient: true}
		return m
	}
	m.status = statusLine{text: msg.text, tone: toneOK, transient: true}
	return m
}

// BrowserOpener opens a web page the way the desktop does: $BROWSER (the
// first of its colon-separated commands, %s standing for the address),
// else open (macOS) or xdg-open. Over SSH without $BROWSER it opens
// nothing and says so (opened false), so the address is printed for the
// user's own machine. The address is one argument, never a shell's word,
// and only http(s).
func BrowserOpener() func(u string) (bool, error) {
	return func(u string) (bool, error) {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return false, fmt.Errorf("%q is not a web address", u)
		}
		argv := browserCommand(os.Getenv("BROWSER"), u)
		if argv == nil {
			if os.Getenv("SSH_CONNECTION") != "" || os.Getenv("SSH_TTY") != "" {
				return false, nil
			}
			name := "xdg-open"
			if runtime.GOOS == "darwin" {
				name = "open"
			}
			path, err := exec.LookPath(name)
			if err != nil {
				return false, nil
			}
			argv = []string{path, u}
		}
		cmd := exec.Command(argv[0], argv[1:]...) // stdin, stdout, stderr: /dev/null, not our screen
		if err := cmd.Start(); err != nil {
			return false, err
		}
		go func() { _ = cmd.Wait() }()
		return true, nil
	}
}

// browserCommand turns $BROWSER into an argv for u; nil when it is unset.
func browserCommand(env, u string) []string {
	first, _, _ := strings.Cut(env, ":")
	fields := strings.Fields(first)
	if len(fields) == 0 {
		return nil
	}
	placed := false
	for i, f := range fields {
		if strings.Contains(f, "%s") {
			fields[i], placed = strings.ReplaceAll(f, "%s", u), true
		}
	}
	if !placed {
		fields = append(fields, u)
	}
	return fields
}

// TerminalClipboard copies text to the clipboard with OSC 52, the one
// escape flightdeck writes on purpose for the user, through /dev/tty (as
// the bell is, see TerminalNotifier), so it never lands inside a frame.
// Only a SHA (hex) is ever copied; terminals that do not allow OSC 52
// ignore it.
func TerminalClipboard() func(text string) error {
	return func(text string) error {
		if !model.IsHex(text) {
			return fmt.Errorf("only a SHA is copied")
		}
		tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("no terminal to copy through: %w", err)
		}
		defer tty.Close()
		_, err = tty.WriteString(ansi.SetSystemClipboard(text))
		return err
	}
}

// TerminalShowsLinks says whether the terminal is known to draw OSC 8
// hyperlinks, from its environment: FLIGHTDECK_HYPERLINKS=1 or 0 decides;
// else iTerm2, WezTerm, VS Code, Ghostty, kitty, Windows Terminal, foot
// and VTE 0.50 and later (GNOME Terminal, Tilix) do. Inside tmux or
// screen, which pass links on only when told to, it is off unless asked.
func TerminalShowsLinks(getenv func(string) string) bool {
	switch getenv("FLIGHTDECK_HYPERLINKS") {
	case "1", "true", "yes":
		return true
	case "0", "false", "no":
		return false
	}
	if getenv("TMUX") != "" || strings.HasPrefix(getenv("TERM"), "screen") {
		return false
	}
	switch getenv("TERM_PROGRAM") {
	case "iTerm.app", "WezTerm", "vscode", "ghostty":
		return true
	}
	if getenv("KITTY_WINDOW_ID") != "" || getenv("WT_SESSION") != "" {
		return true
	}
	switch getenv("TERM") {
	case "xterm-kitty", "foot", "foot-extra", "xterm-ghostty", "wezterm":
		return true
	}
	v := 0
	_, _ = fmt.Sscan(getenv("VTE_VERSION"), &v)
	return v >= 5000
}
