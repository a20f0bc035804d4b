// Package auditview is the audit log screen: every action attempt made from
// this machine (done, failed, refused, dry-run), newest first, read from
// the same file the action pipeline appends to.
package auditview

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// LoadedMsg answers one read of the log; ID drops answers to a view that
// has since closed or reloaded.
type LoadedMsg struct {
	ID      int
	Records []audit.Record
	Skipped int
	Err     error
}

// Load reads the log in a command.
func Load(path string, id int) tea.Cmd {
	return func() tea.Msg {
		recs, skipped, err := audit.Read(path)
		return LoadedMsg{ID: id, Records: recs, Skipped: skipped, Err: err}
	}
}

// Decision is what a key asked the root model to do.
type Decision int

const (
	// Pending: nothing for the root to do.
	Pending Decision = iota
	// Back: close the view.
	Back
	// Reload: read the log again.
	Reload
)

// KeyMap is the view's bindings.
type KeyMap struct{ Up, Down, Top, Bottom, PageUp, PageDown, Back, Reload key.Binding }

// Model is the audit log screen.
type Model struct {
	st      theme.Styles
	keys    KeyMap
	id      int
	path    string
	loading bool
	err     error
	recs    []audit.Record // newest first
	skipped int
	scroll  int
	width   int
	height  int
	// decided is what the last key decided.
	decided Decision
}

// New opens the view; Load fills it.
func New(st theme.Styles, km keys.KeyMap, path string, id int) Model {
	return Model{st: st, id: id, path: path, loading: true, keys: KeyMap{
		Up: km.Up, Down: km.Down, Top: km.Top, Bottom: km.Bottom, PageUp: km.PageUp, PageDown: km.PageDown,
		Back:   key.NewBinding(key.WithKeys(km.Back.Keys()...), key.WithHelp(km.Back.Help().Key, "back")),
		Reload: key.NewBinding(key.WithKeys(km.Refresh.Keys()...), key.WithHelp(km.Refresh.Help().Key, "reload")),
	}}
}

// ID is the request id Load must answer with.
func (m Model) ID() int { return m.id }

// Path is the log file shown.
func (m Model) Path() string { return m.path }

// SetSize tells the view how much room it has.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Reloading starts a new read with a new id.
func (m Model) Reloading(id int) Model {
	m.id, m.loading = id, true
	return m
}

// Loaded takes the records in, newest first. The caller has checked the id.
func (m Model) Loaded(msg LoadedMsg) Model {
	m.loading, m.err, m.skipped = false, msg.Err, msg.Skipped
	m.recs = make([]audit.Record, 0, len(msg.Records))
	for i := len(msg.Records) - 1; i >= 0; i-- {
		m.recs = append(m.recs, msg.Records[i])
	}
	m.scroll = 0
	return m
}

// ShortHelp is the footer while the view is in front.
func (m Model) ShortHelp() []key.Binding {
	return []key.Binding{m.keys.Up, m.keys.Down, m.keys.Reload, m.keys.Back}
}

// Update handles a key, as every screen's Update does; what the key
// decided, if anything, is Decision's until the next key.
func (m Model) Update(msg tea.KeyMsg, _ screen.Context) (Model, tea.Cmd) {
	m, d := m.decide(msg)
	m.decided = d
	return m, nil
}

// Decision is what the last key decided (Pending: nothing yet).
func (m Model) Decision() Decision { return m.decided }

// Update handles the view's keys.
func (m Model) decide(msg tea.KeyMsg) (Model, Decision) {
	switch {
	case key.Matches(msg, m.keys.Back):
		return m, Back
	case key.Matches(msg, m.keys.Reload):
		return m, Reload
	case key.Matches(msg, m.keys.Up):
		m.scroll = max(0, m.scroll-1)
	case key.Matches(msg, m.keys.Down):
		m.scroll = min(m.maxScroll(), m.scroll+1)
	case key.Matches(msg, m.keys.Top):
		m.scroll = 0
	case key.Matches(msg, m.keys.Bottom):
		m.scroll = m.maxScroll()
	case key.Matches(msg, m.keys.PageUp):
		m.scroll = max(0, m.scroll-m.rows())
	case key.Matches(msg, m.keys.PageDown):
		m.scroll = min(m.maxScroll(), m.scroll+m.rows())
	}
	return m, Pending
}

func (m Model) rows() int { return max(1, m.height-3) }

func (m Model) maxScroll() int { return max(0, len(m.recs)-m.rows()) }

// FullHelp is the ? overlay while the view is in front.
func (m Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{{m.keys.Up, m.keys.Down, m.keys.Top, m.keys.Bottom, m.keys.PageUp, m.keys.PageDown}, {m.keys.Reload, m.keys.Back}}
}

// View draws the log. The context's clock decides how much of each date
// to show.
func (m Model) View(ctx screen.Context) string {
	now := ctx.Now
	title := " " + m.st.Title.Render("Audit log") + m.st.Dim.Render("  "+m.path)
	switch {
	case m.loading:
		return title + "\n\n" + m.st.Dim.Render("  reading the audit log…")
	case m.err != nil:
		return title + "\n\n" + m.st.Error.Render("  "+theme.GlyphFailed+" "+oneLine(m.err.Error()))
	case len(m.recs) == 0:
		return title + "\n\n" + m.st.Dim.Render("  no actions recorded yet")
	}
	if m.skipped > 0 {
		title += m.st.Warn.Render("  " + theme.GlyphWarn + " " + strconv.Itoa(m.skipped) + " unreadable lines skipped")
	}
	const wTime, wUser, wAction, wWhere, wChange, wResult = 16, 12, 10, 28, 20, 13
	head := "  " + format.Col("TIME", wTime) + format.Col("USER", wUser) + format.Col("ACTION", wAction) +
		format.Col("TARGET", wWhere) + format.Col("FROM → TO", wChange) + format.Col("RESULT", wResult) + "DETAIL"
	lines := []string{title, m.st.Header.Render(head)}
	rest := max(10, m.width-2-wTime-wUser-wAction-wWhere-wChange-wResult)
	scroll := min(m.scroll, max(0, len(m.recs)-m.rows()))
	for _, r := range m.recs[scroll:min(len(m.recs), scroll+m.rows())] {
		where := r.Target()
		note := m.st.Error.Render(oneLine(r.Error))
		if r.Error == "" || r.Resolves != nil {
			// A settling record leads with what reading again found.
			note = m.st.Dim.Render(oneLine(r.Detail))
		}
		lines = append(lines, "  "+format.Col(stamp(now, r.Time), wTime)+format.Col(r.User, wUser)+format.Col(r.Action, wAction)+
			format.Col(where, wWhere)+format.Col(short(r.From)+" → "+short(r.To), wChange)+format.Col(m.result(r), wResult)+
			format.Truncate(note, rest))
	}
	return strings.Join(lines, "\n")
}

func (m Model) result(r audit.Record) string {
	switch r.Result {
	case audit.ResultOK:
		return m.st.OK.Render(theme.GlyphOK) + " ok"
	case audit.ResultFailed:
		return m.st.Failed.Render(theme.GlyphFailed) + " failed"
	case audit.ResultRefused:
		return m.st.Warn.Render(theme.GlyphWarn) + " refused"
	case audit.ResultUnknown:
		return m.st.Warn.Render(theme.GlyphWarn) + " unknown"
	}
	return r.Result
}

// stamp is the record's time: the clock alone today, the date before it
// otherwise.
func stamp(now, t time.Time) string {
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 02 15:04")
}

// short turns the log's "sha (family:rev)" into the short SHA, and keeps a
// bare revision name whole.
func short(v string) string {
	if i := strings.Index(v, " ("); i >= 0 {
		v = v[:i]
	}
	if strings.Contains(v, ":") {
		return v
	}
	if len(v) > 7 {
		return v[:7]
	}
	return v
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
