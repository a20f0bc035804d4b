// Package textview is the screen for long outside text read on demand: a
// failed job's log, an environment's events in full. It wraps by terminal
// cells (wide runes and all), scrolls, and opens at the end, where a log
// says why it failed.
package textview

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Decision is what a key asked the root model to do.
type Decision int

const (
	// Pending: nothing for the root to do.
	Pending Decision = iota
	// Back: close the view.
	Back
)

// KeyMap is the view's bindings.
type KeyMap struct{ Up, Down, PageUp, PageDown, Top, Bottom, Back key.Binding }

// Model is the text screen. The text it is given was made printable at
// the TUI's edge (ui/admit.go); the view only lays it out.
type Model struct {
	st      theme.Styles
	keys    KeyMap
	id      int
	title   string
	note    string // under the title: size, what was cut
	text    string
	loading string // "reading the log…" until the text arrives
	err     string
	// wrapped is text laid out for width; scroll is the first line shown.
	wrapped []string
	scroll  int
	width   int
	height  int
	decided Decision
}

// New opens the view for a request with id, titled, saying loading until
// Loaded or Failed fills it.
func New(st theme.Styles, km keys.KeyMap, id int, title, loading string) Model {
	return Model{st: st, id: id, title: title, loading: loading, keys: KeyMap{
		Up: km.Up, Down: km.Down,
		PageUp:   km.PageUp,
		PageDown: key.NewBinding(key.WithKeys(append(km.PageDown.Keys(), " ")...), key.WithHelp(km.PageDown.Help().Key, "page down")),
		Top:      km.Top,
		Bottom:   km.Bottom,
		Back:     key.NewBinding(key.WithKeys(km.Back.Keys()...), key.WithHelp(km.Back.Help().Key, "back")),
	}}
}

// ID is the request id the text must answer with.
func (m Model) ID() int { return m.id }

// Loaded fills the view with text and a note, scrolled to its end.
func (m Model) Loaded(text, note string) Model {
	m.loading, m.err, m.text, m.note = "", "", text, note
	m.relayout()
	m.scroll = m.maxScroll()
	return m
}

// Failed says why the text could not be read.
func (m Model) Failed(why string) Model {
	m.loading, m.err = "", why
	return m
}

// SetSize tells the view how much room it has and lays the text out again.
func (m *Model) SetSize(w, h int) {
	atEnd := m.scroll >= m.maxScroll()
	m.width, m.height = w, h
	m.relayout()
	if atEnd {
		m.scroll = m.maxScroll()
	}
	m.scroll = min(m.scroll, m.maxScroll())
}

// relayout wraps the text to the width, by cells.
func (m *Model) relayout() {
	m.wrapped = m.wrapped[:0]
	if m.text == "" {
		return
	}
	w := max(10, m.width-4)
	for _, l := range strings.Split(m.text, "\n") {
		m.wrapped = append(m.wrapped, strings.Split(ansi.Wrap(l, w, ""), "\n")...)
	}
}

// rows is how many lines of text fit below the title and note.
func (m Model) rows() int { return max(1, m.height-3) }

func (m Model) maxScroll() int { return max(0, len(m.wrapped)-m.rows()) }

// ShortHelp is the footer while the view is in front.
func (m Model) ShortHelp() []key.Binding {
	return []key.Binding{m.keys.Up, m.keys.Down, m.keys.PageUp, m.keys.PageDown, m.keys.Top, m.keys.Bottom, m.keys.Back}
}

// FullHelp is the ? overlay.
func (m Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{{m.keys.Up, m.keys.Down, m.keys.PageUp, m.keys.PageDown}, {m.keys.Top, m.keys.Bottom, m.keys.Back}}
}

// Update handles a key; what it decided is Decision's until the next key.
func (m Model) Update(msg tea.KeyMsg, _ screen.Context) (Model, tea.Cmd) {
	m.decided = Pending
	switch {
	case key.Matches(msg, m.keys.Back):
		m.decided = Back
	case key.Matches(msg, m.keys.Up):
		m.scroll = max(0, m.scroll-1)
	case key.Matches(msg, m.keys.Down):
		m.scroll = min(m.maxScroll(), m.scroll+1)
	case key.Matches(msg, m.keys.PageUp):
		m.scroll = max(0, m.scroll-m.rows())
	case key.Matches(msg, m.keys.PageDown):
		m.scroll = min(m.maxScroll(), m.scroll+m.rows())
	case key.Matches(msg, m.keys.Top):
		m.scroll = 0
	case key.Matches(msg, m.keys.Bottom):
		m.scroll = m.maxScroll()
	}
	return m, nil
}

// Decision is what the last key decided.
func (m Model) Decision() Decision { return m.decided }

// View draws the title, the note and the lines in view.
func (m Model) View(screen.Context) string {
	title := " " + m.st.Title.Render(m.title)
	switch {
	case m.loading != "":
		return title + "\n\n" + m.st.Dim.Render("  "+m.loading)
	case m.err != "":
		return title + "\n\n" + m.st.Error.Render("  "+theme.GlyphFailed+" "+m.err)
	case len(m.wrapped) == 0:
		return title + "\n" + m.st.Dim.Render("  "+m.note) + "\n\n" + m.st.Dim.Render("  (empty)")
	}
	end := min(len(m.wrapped), m.scroll+m.rows())
	where := "lines " + strconv.Itoa(m.scroll+1) + "–" + strconv.Itoa(end) + " of " + strconv.Itoa(len(m.wrapped))
	lines := []string{title + m.st.Dim.Render("  "+where), m.st.Dim.Render("  " + m.note)}
	for _, l := range m.wrapped[m.scroll:end] {
		lines = append(lines, "  "+l)
	}
	return strings.Join(lines, "\n")
}

// Top scrolls to the first line (events read newest first).
func (m Model) Top() Model {
	m.scroll = 0
	return m
}
