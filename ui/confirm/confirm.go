// Package confirm is the modal every release action passes through before
// it runs: what will change, the call that will change it, and one
// deliberate answer. For a protected environment that answer is the
// environment's name, typed out.
package confirm

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Request is what the modal asks about.
type Request struct {
	Action model.Action
	// Title names the action; Recheck says what is read again before it
	// is sent (both from the action planner).
	Title, Recheck string
	// Note follows the summary: "(3 revisions back)".
	Note string
	// Calls says what confirming will call, in the provider's words.
	Calls string
	// Commits says what the change ships or reverts: "will ship 4 commits: …".
	Commits string
	// DryRun: confirming checks everything and sends nothing (--dry-run).
	DryRun bool
}

// Decision is the user's answer so far.
type Decision int

const (
	// Pending: the modal stays open.
	Pending Decision = iota
	// Confirmed: run the action.
	Confirmed
	// Cancelled: close the modal; nothing runs.
	Cancelled
)

// KeyMap is the modal's bindings. They differ for a protected environment,
// where y and n are letters of the name being typed.
type KeyMap struct{ Confirm, Cancel key.Binding }

func keyMap(protected bool) KeyMap {
	if protected {
		return KeyMap{
			Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm")),
			Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		}
	}
	return KeyMap{
		Confirm: key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y/enter", "confirm")),
		Cancel:  key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "cancel")),
	}
}

// Model is an open confirmation.
type Model struct {
	st    theme.Styles
	req   Request
	keys  KeyMap
	input textinput.Model
	// why says what enter did not accept, until the next keystroke.
	why   string
	width int
	// decided is what the last key decided.
	decided Decision
}

// New opens the modal for a request. The command focuses the name input
// of a protected environment.
func New(st theme.Styles, req Request) (Model, tea.Cmd) {
	m := Model{st: st, req: req, keys: keyMap(req.Action.Protected), width: 72}
	if !req.Action.Protected {
		return m, nil
	}
	m.input = textinput.New()
	m.input.Prompt = "> "
	m.input.CharLimit = 64
	return m, m.input.Focus()
}

// Action is the action being confirmed.
func (m Model) Action() model.Action { return m.req.Action }

// SetSize tells the modal the room of the screen it covers; its box is as
// tall as its text, and the root centres it.
func (m *Model) SetSize(w, _ int) { m.width = w }

// SetWidth is SetSize for the action flow (ui/actions.go), which knows
// only the width when it opens the modal.
func (m *Model) SetWidth(w int) { m.SetSize(w, 0) }

// ShortHelp is the footer while the modal is open.
func (m Model) ShortHelp() []key.Binding { return []key.Binding{m.keys.Confirm, m.keys.Cancel} }

// FullHelp is the same keys: the modal takes every key, ? included, so
// the overlay never shows over it.
func (m Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

// Update handles a key, as every screen's Update does; what the key
// decided, if anything, is Decision's until the next key.
func (m Model) Update(msg tea.KeyMsg, _ screen.Context) (Model, tea.Cmd) {
	m, d, cmd := m.decide(msg)
	m.decided = d
	return m, cmd
}

// Decision is what the last key decided (Pending: nothing yet).
func (m Model) Decision() Decision { return m.decided }

// Update takes every key while the modal is open.
func (m Model) decide(msg tea.KeyMsg) (Model, Decision, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		return m, Cancelled, nil
	case key.Matches(msg, m.keys.Confirm):
		if !m.req.Action.Protected || m.input.Value() == m.req.Action.Environment {
			return m, Confirmed, nil
		}
		m.why = m.mismatch()
		return m, Pending, nil
	case !m.req.Action.Protected:
		return m, Pending, nil
	}
	m.why = ""
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, Pending, cmd
}

func (m Model) mismatch() string {
	typed := m.input.Value()
	if typed == "" {
		return "type " + m.req.Action.Environment + " first; enter does nothing until it matches"
	}
	return `"` + typed + `" is not "` + m.req.Action.Environment + `"; the name must match exactly`
}

// View is the box, not yet centred: the caller places it. The modal reads
// nothing of the context: it shows the request as it was guarded.
func (m Model) View(screen.Context) string {
	a := m.req.Action
	inner := max(30, min(72, m.width-6))
	fit := m.st.Cell.Width(inner)
	lines := []string{m.st.Title.Render(m.req.Title), ""}
	if m.req.DryRun {
		lines = append(lines, fit.Render(m.st.Warn.Render("DRY RUN: nothing will be sent; confirming shows what would be")), "")
	}
	lines = append(lines, fit.Render(m.st.Bold.Render(summary(m.req))))
	if m.req.Commits != "" {
		lines = append(lines, fit.Render(m.req.Commits))
	}
	if m.req.Calls != "" {
		lines = append(lines, fit.Render(m.st.Dim.Render("calls ")+m.req.Calls))
	}
	lines = append(lines, fit.Render(m.st.Dim.Render(m.req.Recheck)), "")
	if a.Protected {
		lines = append(lines,
			fit.Render(m.st.Warn.Render(theme.GlyphWarn+" "+a.Environment+" is protected.")+" Type its name to confirm:"),
			m.input.View())
		switch {
		case m.why != "":
			lines = append(lines, fit.Render(m.st.Error.Render(theme.GlyphFailed+" "+m.why)))
		case m.input.Value() == a.Environment:
			lines = append(lines, m.st.OK.Render(theme.GlyphOK+" matches: enter to "+string(a.Kind)))
		default:
			lines = append(lines, m.st.Dim.Render("enter confirms once the name matches · esc cancels"))
		}
	} else {
		lines = append(lines, m.st.Dim.Render("y or enter: "+string(a.Kind)+" · n or esc: go back, nothing sent"))
	}
	box := m.st.Cell.Border(lipgloss.RoundedBorder()).BorderForeground(m.st.Warn.GetForeground()).Padding(0, 1)
	return box.Render(strings.Join(lines, "\n"))
}

func summary(r Request) string {
	s := r.Action.Summary()
	if r.Note != "" {
		s += " " + r.Note
	}
	return s
}
