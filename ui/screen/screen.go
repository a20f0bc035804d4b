// Package screen is the contract every screen of the dashboard keeps, so
// the root model can size, draw and describe whichever is in front without
// knowing which it is.
//
// A screen owns its own state (selection, scroll, filter) and reads the
// rest from the Context it is handed on every call: the snapshot and the
// clock belong to the root. Its keys are bubbles key bindings and its help
// has the shape of bubbles' help.KeyMap, so the footer (ShortHelp) and the
// ? overlay (FullHelp) are the screen's own.
package screen

import (
	"time"

	"github.com/charmbracelet/bubbles/help"

	"github.com/airside-dev/flightdeck/model"
)

// Context is what a screen reads and does not own. It is built afresh for
// every call and never kept.
type Context struct {
	Snap *model.Snapshot
	Now  time.Time
	// Compared and Commit are the repository host's answers so far (ok
	// false when it has not said); nil when nothing reads a host.
	Compared Comparer
	Commit   Commits
	// CommitURL is a commit's page on the repository host, for a link on
	// a SHA; nil when the terminal is not known to show links.
	CommitURL func(service, sha string) string
	// CompareURL is the host's page comparing two commits; nil as above.
	CompareURL func(service, base, head string) string
}

// Comparer tells what the repository host said comparing a service's
// commits base and head.
type Comparer func(service, base, head string) (c model.Comparison, ok bool)

// Commits tells what the repository host said of a service's commit.
type Commits func(service, sha string) (c model.Commit, ok bool)

// Screen is the shape every screen has. Keys reach a screen through its
// own Update(tea.KeyMsg, Context) (Model, tea.Cmd), whose result type is
// the screen's own model; a screen that ends in a decision (the picker,
// the confirmation, the audit log) also says it through Decision().
type Screen interface {
	// SetSize tells the screen the room it has, below the header and above
	// the status line and footer.
	SetSize(width, height int)
	// View draws the screen in that room. It reads ctx and changes
	// nothing the user can see.
	View(ctx Context) string
	// ShortHelp is the footer; FullHelp the ? overlay, in columns. Both
	// leave out the bindings that are disabled.
	help.KeyMap
}
