// Package keys holds flightdeck's key bindings as data: one table drives the
// handlers, and each screen picks from it the bindings its footer and ?
// overlay show (ShortHelp, FullHelp). The root model disables the action
// bindings that do not apply to the selection, which hides them from both.
package keys

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
)

// KeyMap is every binding of the TUI.
type KeyMap struct {
	Up, Down, Left, Right key.Binding
	// Top, Bottom, PageUp and PageDown jump in any list or scrolled text.
	Top, Bottom, PageUp, PageDown key.Binding
	// Focus moves the board's keyboard between the services and the
	// "Waiting for you" panel, where up and down choose a gate.
	Focus key.Binding
	// Back (esc or q) leaves the screen in front; q quits only on the
	// board, ctrl+c anywhere (Quit).
	Open, Back      key.Binding
	Refresh, Filter key.Binding
	Help, Quit      key.Binding
	// Release actions on the selected environment, and the audit log.
	Rollback, Promote, Abort, Switch, Audit key.Binding
	// Gates: approve or reject the selected service's oldest waiting gate.
	Approve, Reject key.Binding
	// Canary opens the canary panel of the selected environment; inside
	// it, CanaryPromote and CanaryAbort step the canary (the same letters
	// as promote and reject: the panel has no gates or environments to
	// promote, so they mean the canary there).
	Canary, CanaryPromote, CanaryAbort key.Binding
	// Service detail, CI: older and newer pipelines, scroll a wide graph,
	// rerun the shown workflow from its failed jobs, cancel it.
	OlderRun, NewerRun, GraphLeft, GraphRight, Rerun, Cancel key.Binding
	// Why it failed: the shown workflow's failed job's log, and the
	// selected environment's events in full.
	Log, Events key.Binding
	// Links out: open the selection's page in the browser, copy its SHA.
	OpenLink, Yank key.Binding
}

// Default returns a fresh key map; callers may disable bindings on it.
func Default() KeyMap {
	return KeyMap{
		Up:            key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:          key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:          key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "prev env")),
		Right:         key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "next env")),
		Top:           key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first")),
		Bottom:        key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last")),
		PageUp:        key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:      key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Focus:         key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "waiting gates")),
		Open:          key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:          key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc/q", "back")),
		Refresh:       key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "refresh")),
		Filter:        key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Help:          key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:          key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Rollback:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rollback")),
		Promote:       key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "promote")),
		Abort:         key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "abort deploy")),
		Switch:        key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "switch blue/green")),
		Audit:         key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "audit log")),
		Approve:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve")),
		Reject:        key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "reject")),
		Canary:        key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "canary")),
		CanaryPromote: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "promote canary")),
		CanaryAbort:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "abort canary")),
		OlderRun:      key.NewBinding(key.WithKeys("["), key.WithHelp("[/]", "older/newer pipeline")),
		NewerRun:      key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "newer pipeline")),
		GraphLeft:     key.NewBinding(key.WithKeys("<"), key.WithHelp("</>", "scroll graph")),
		GraphRight:    key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "scroll graph")),
		Rerun:         key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "rerun failed")),
		Cancel:        key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "cancel workflow")),
		Log:           key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "job log")),
		Events:        key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "all events")),
		OpenLink:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open in browser")),
		Yank:          key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy SHA")),
	}
}

// Pressed reports whether msg is one of b's keys, enabled or not, so a
// disabled action can still say why it did nothing.
func Pressed(msg fmt.Stringer, b key.Binding) bool {
	b.SetEnabled(true)
	return key.Matches(msg, b)
}

// Filtering is the footer while a filter input has the keyboard: every
// other key is text then.
func Filtering() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
	}
}
