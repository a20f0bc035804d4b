// Package board is flightdeck's home screen: services down, environments
// across, with the version, state and age of each, drift at the row's end,
// and the gates waiting for a human above it all.
package board

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Model is the board's own state: the selection and the filter. The
// snapshot it draws belongs to the root model and is passed in.
type Model struct {
	st        theme.Styles
	km        keys.KeyMap
	cursor    int // index into the visible (filtered) services
	col       int // selected environment column
	filter    textinput.Model
	filtering bool
	width     int
	height    int
}

// New builds a board with the given styles and keys.
func New(st theme.Styles, km keys.KeyMap) Model {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "filter services"
	ti.CharLimit = 64
	return Model{st: st, km: km, filter: ti}
}

// SetKeys tells the board which keys apply now (the root disables what
// would not act), so what it offers matches what works.
func (m *Model) SetKeys(km keys.KeyMap) { m.km = km }

// SetSize tells the board how much room it has.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Filtering reports whether the filter input has the keyboard, so the root
// model lets it see keys like q that are otherwise global.
func (m Model) Filtering() bool { return m.filtering }

// Filter is the current filter text.
func (m Model) Filter() string { return m.filter.Value() }

// ShortHelp is the footer: the filter's own keys while it has the
// keyboard or holds text, else the board's.
func (m Model) ShortHelp() []key.Binding {
	k := m.km
	switch {
	case m.filtering:
		return keys.Filtering()
	case m.filter.Value() != "":
		return []key.Binding{k.Open, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")), k.Filter, k.Refresh, k.Help, k.Quit}
	}
	return []key.Binding{k.Open, k.Approve, k.Reject, k.Promote, k.Rollback, k.Abort, k.Switch, k.Canary, k.Filter, k.Audit, k.Refresh, k.Help, k.Quit}
}

// FullHelp is the ? overlay on the board, in columns. The board is home,
// so its overlay is the whole key table, the detail's keys included.
func (m Model) FullHelp() [][]key.Binding {
	k := m.km
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right},
		{k.Open, k.Back, k.Filter},
		{k.Approve, k.Reject, k.Promote, k.Rollback, k.Abort, k.Switch, k.Canary, k.Audit},
		{k.OlderRun, k.GraphLeft, k.Rerun, k.Cancel},
		{k.OpenLink, k.Yank, k.Refresh, k.Help, k.Quit},
	}
}

// Update handles keys for the board. The snapshot is read, never written.
func (m Model) Update(msg tea.KeyMsg, ctx screen.Context) (Model, tea.Cmd) {
	snap := ctx.Snap
	if m.filtering {
		return m.updateFilter(msg, snap)
	}
	visible := m.visible(snap)
	switch {
	case key.Matches(msg, m.km.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(msg, m.km.Down):
		m.cursor = min(max(0, len(visible)-1), m.cursor+1)
	case key.Matches(msg, m.km.Left):
		m.col = max(0, m.col-1)
	case key.Matches(msg, m.km.Right):
		m.col = min(max(0, len(envColumns(snap))-1), m.col+1)
	case key.Matches(msg, m.km.Filter):
		m.filtering = true
		return m, m.filter.Focus()
	case key.Matches(msg, m.km.Back) && m.filter.Value() != "":
		m.filter.SetValue("")
		m.cursor = 0
	}
	return m, nil
}

func (m Model) updateFilter(msg tea.KeyMsg, snap *model.Snapshot) (Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		m.filtering = false
		m.filter.Blur()
		return m, nil
	case tea.KeyEsc:
		m.filtering = false
		m.filter.Blur()
		m.filter.SetValue("")
		m.cursor = 0
		return m, nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	m.cursor = min(m.cursor, max(0, len(m.visible(snap))-1))
	return m, cmd
}

// Selection names the service and environment under the cursor.
func (m Model) Selection(snap *model.Snapshot) (service, env string, ok bool) {
	visible := m.visible(snap)
	if len(visible) == 0 {
		return "", "", false
	}
	svc := &snap.Services[visible[min(m.cursor, len(visible)-1)]]
	cols := envColumns(snap)
	if m.col < len(cols) {
		if _, has := svc.Env(cols[m.col]); has {
			return svc.Name, cols[m.col], true
		}
	}
	return svc.Name, "", true
}

// visible lists the indices of the services that pass the filter.
func (m Model) visible(snap *model.Snapshot) []int {
	f := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	out := make([]int, 0, len(snap.Services))
	for i := range snap.Services {
		if f == "" || strings.Contains(strings.ToLower(snap.Services[i].Name), f) {
			out = append(out, i)
		}
	}
	return out
}

// envColumns is the union of environment names in promotion order, so a
// service without staging leaves that column empty rather than shifting.
func envColumns(snap *model.Snapshot) []string {
	var cols []string
	seen := map[string]bool{}
	for i := range snap.Services {
		for j := range snap.Services[i].Environments {
			n := snap.Services[i].Environments[j].Environment
			if !seen[n] {
				seen[n] = true
				cols = append(cols, n)
			}
		}
	}
	return cols
}

// layout decides column widths for the available width.
type layout struct {
	name, ci, env, drift int
	cols                 []string
	showCI               bool
}

func (m Model) layout(snap *model.Snapshot) layout {
	l := layout{cols: envColumns(snap), name: 8, drift: 16}
	for i := range snap.Services {
		l.name = max(l.name, len(snap.Services[i].Name)+2)
		if len(snap.Services[i].Pipelines) > 0 || snap.Services[i].CIError != "" {
			l.showCI = true
		}
	}
	l.name = min(l.name, 18)
	// No service reports CI: the column would hold only dashes.
	if l.showCI {
		l.ci = 32
	}
	// On a narrow terminal the environments, which say what runs where,
	// keep at least minEnv cells: the CI column gives way first (to 12),
	// then the drift column (hidden below 6).
	const minEnv = 18
	short := func() int { return m.width - 2 - l.name - l.ci - l.drift - len(l.cols)*minEnv }
	if s := short(); s < 0 && l.showCI {
		l.ci = max(12, l.ci+s)
	}
	if s := short(); s < 0 {
		if l.drift = max(0, l.drift+s); l.drift < 6 {
			l.drift = 0
		}
	}
	rest := m.width - 2 - l.name - l.ci - l.drift
	if n := len(l.cols); n > 0 {
		l.env = max(12, min(30, rest/n))
	}
	l.drift = max(0, m.width-2-l.name-l.ci-l.env*len(l.cols))
	return l
}

// View draws the board: waiting panel, table header, rows, filter line.
// The host's comparisons fill the drift column, its commits the waiting
// panel's authors.
func (m Model) View(ctx screen.Context) string {
	snap, now, compared := ctx.Snap, ctx.Now, ctx.Compared
	var b strings.Builder
	selected, _, _ := m.Selection(snap)
	panel := m.waitingPanel(snap, now, selected, ctx.Commit)
	b.WriteString(panel)
	l := m.layout(snap)
	b.WriteString(m.headerRow(l))
	b.WriteByte('\n')

	visible := m.visible(snap)
	rows := m.height - strings.Count(panel, "\n") - 2
	if m.filtering || m.filter.Value() != "" {
		rows--
	}
	rows = max(1, rows)
	start := 0
	if m.cursor >= rows {
		start = m.cursor - rows + 1
	}
	end := min(len(visible), start+rows)
	for vi := start; vi < end; vi++ {
		b.WriteString(m.row(&snap.Services[visible[vi]], l, now, vi == m.cursor, compared, ctx.CommitURL, ctx.CompareURL))
		b.WriteByte('\n')
	}
	if len(visible) == 0 {
		b.WriteString(m.st.P.Dim.Wrap("  no service matches the filter"))
		b.WriteByte('\n')
	}
	if m.filtering || m.filter.Value() != "" {
		b.WriteString(m.filter.View())
		if !m.filtering {
			b.WriteString(m.st.P.Dim.Wrap("  (esc clears)"))
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (m Model) headerRow(l layout) string {
	var b strings.Builder
	b.WriteString("  ")
	b.WriteString(format.Fit("SERVICE", l.name))
	if l.showCI {
		b.WriteString(format.Fit("CI", l.ci))
	}
	for i, c := range l.cols {
		label := strings.ToUpper(c)
		if i == m.col {
			label = theme.GlyphCursor + label
		}
		b.WriteString(format.Fit(label, l.env))
	}
	b.WriteString("DRIFT")
	return m.st.P.Header.Wrap(b.String())
}

func (m Model) row(svc *model.ServiceState, l layout, now time.Time, selected bool, compared screen.Comparer, link func(service, sha string) string, compare func(service, base, head string) string) string {
	var b strings.Builder
	if selected {
		b.WriteString(m.st.P.Selected.Wrap(theme.GlyphCursor) + " ")
		b.WriteString(m.st.P.Selected.Wrap(format.Fit(svc.Name, l.name)))
	} else {
		b.WriteString("  ")
		b.WriteString(format.Fit(svc.Name, l.name))
	}
	if l.showCI {
		b.WriteString(format.Col(ciSummary(m.st, svc, now, l.ci-2), l.ci))
	}
	for i, c := range l.cols {
		e, ok := svc.Env(c)
		if !ok {
			b.WriteString(format.Fit("", l.env))
			continue
		}
		txt := cell(m.st, e, now, l.env-1, commitURL(link, svc.Name, e.Version.SHA)) + " "
		if selected && i == m.col {
			txt = m.st.P.SelectedCell.Wrap(ansi.Strip(txt[:len(txt)-1])) + " "
		}
		b.WriteString(txt)
	}
	// The layout leaves the drift column whatever width remains, so the row
	// fits without measuring it again.
	b.WriteString(format.Truncate(driftLabel(m.st, svc, compared, compare), l.drift))
	return b.String()
}

func quote(s string) string {
	if s == "" {
		return ""
	}
	return `"` + s + `"`
}

// commitURL is the link for a SHA, or "" without one.
func commitURL(link func(service, sha string) string, service, sha string) string {
	if link == nil || sha == "" {
		return ""
	}
	return link(service, sha)
}
