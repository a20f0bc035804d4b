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
	// gates: the keyboard is in the "Waiting for you" panel (tab), where
	// gateID is the chosen gate (a/x answer it).
	gates  bool
	gateID string
	width  int
	height int
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
	if m.gates {
		return []key.Binding{rehelp(k.Up, "↑↓", "choose gate"), k.Approve, k.Reject, rehelp(k.Open, "enter", "open its service"), rehelp(k.Focus, "tab/esc", "back to services"), k.Help, k.Quit}
	}
	return []key.Binding{k.Open, k.Approve, k.Reject, k.Promote, k.Rollback, k.Abort, k.Switch, k.Canary, k.Filter, k.Focus, k.Audit, k.Refresh, k.Help, k.Quit}
}

// rehelp is b with other help words, enabled as b is.
func rehelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// FullHelp is the ? overlay on the board, in columns. The board is home,
// so its overlay is the whole key table, the detail's keys included.
func (m Model) FullHelp() [][]key.Binding {
	k := m.km
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Open, k.Back, k.Filter, k.Focus},
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
	if m.gates {
		return m.updateGates(msg, snap), nil
	}
	visible := m.visible(snap)
	last := max(0, len(visible)-1)
	switch {
	case key.Matches(msg, m.km.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(msg, m.km.Down):
		m.cursor = min(last, m.cursor+1)
	case key.Matches(msg, m.km.Top):
		m.cursor = 0
	case key.Matches(msg, m.km.Bottom):
		m.cursor = last
	case key.Matches(msg, m.km.PageUp):
		m.cursor = max(0, m.cursor-m.rows(snap))
	case key.Matches(msg, m.km.PageDown):
		m.cursor = min(last, m.cursor+m.rows(snap))
	case key.Matches(msg, m.km.Left):
		m.col = max(0, m.col-1)
	case key.Matches(msg, m.km.Right):
		m.col = min(max(0, len(envColumns(snap))-1), m.col+1)
	case key.Matches(msg, m.km.Focus):
		if len(snap.Approvals) > 0 {
			// Start on the gate a would answer from the table: the
			// selected service's oldest, else the oldest of all.
			m.gateID = snap.Approvals[0].ID
			if g := m.chosen(snap); g != nil {
				m.gateID = g.ID
			}
			m.gates = true
		}
	case key.Matches(msg, m.km.Filter):
		m.filtering = true
		return m, m.filter.Focus()
	case key.Matches(msg, m.km.Back) && m.filter.Value() != "":
		m = m.clearFilter(snap)
	}
	return m, nil
}

// updateGates moves the choice within the waiting panel; tab or esc
// returns to the services.
func (m Model) updateGates(msg tea.KeyMsg, snap *model.Snapshot) Model {
	n := len(snap.Approvals)
	if n == 0 {
		m.gates = false
		return m
	}
	i := max(0, m.gateIndex(snap)) // a gate answered since: moving starts at the top
	switch {
	case key.Matches(msg, m.km.Up):
		i = max(0, i-1)
	case key.Matches(msg, m.km.Down):
		i = min(n-1, i+1)
	case key.Matches(msg, m.km.Top), key.Matches(msg, m.km.PageUp):
		i = 0
	case key.Matches(msg, m.km.Bottom), key.Matches(msg, m.km.PageDown):
		i = n - 1
	case key.Matches(msg, m.km.Focus), key.Matches(msg, m.km.Back):
		m.gates = false
	}
	m.gateID = snap.Approvals[i].ID
	return m
}

// gateIndex is the chosen gate's place in the panel, -1 when it is no
// longer waiting (answered here or by someone else since it was chosen).
func (m Model) gateIndex(snap *model.Snapshot) int {
	for i := range snap.Approvals {
		if snap.Approvals[i].ID == m.gateID {
			return i
		}
	}
	return -1
}

// GateGone says the keyboard is in the waiting panel but the gate chosen
// there waits no more: a and x then answer nothing, rather than whichever
// gate took its place (another service's, perhaps).
func (m Model) GateGone(snap *model.Snapshot) bool {
	return m.gates && m.gateIndex(snap) < 0
}

// chosen is the gate a and x answer: in the panel, the chosen one (nil
// once it waits no more); else the selected service's oldest.
func (m Model) chosen(snap *model.Snapshot) *model.Gate {
	if m.gates {
		if i := m.gateIndex(snap); i >= 0 {
			return &snap.Approvals[i]
		}
		return nil
	}
	svc, _, _ := m.Selection(snap)
	return GateFor(snap, svc)
}

// ChosenGate is the gate chosen in the waiting panel while the keyboard
// is there (tab), else nil: a and x then answer the selected service's
// oldest gate.
func (m Model) ChosenGate(snap *model.Snapshot) *model.Gate {
	if !m.gates || len(snap.Approvals) == 0 {
		return nil
	}
	return m.chosen(snap)
}

// LeaveGates takes the keyboard back to the services with the chosen
// gate's service selected (enter on a gate opens its service).
func (m Model) LeaveGates(snap *model.Snapshot) Model {
	if g := m.ChosenGate(snap); g != nil {
		m = m.selectService(snap, g.Service)
	}
	m.gates = false
	return m
}

// InGates reports whether the keyboard is in the waiting panel.
func (m Model) InGates() bool { return m.gates }

// selectService puts the cursor on a service by name among the visible
// ones, if it is there.
func (m Model) selectService(snap *model.Snapshot, name string) Model {
	for vi, i := range m.visible(snap) {
		if snap.Services[i].Name == name {
			m.cursor = vi
		}
	}
	return m
}

// clearFilter empties the filter and keeps the selected service selected.
func (m Model) clearFilter(snap *model.Snapshot) Model {
	name, _, ok := m.Selection(snap)
	m.filter.SetValue("")
	m.cursor = 0
	if ok {
		m = m.selectService(snap, name)
	}
	return m
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
		return m.clearFilter(snap), nil
	}
	name, _, had := m.Selection(snap)
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	// The same service stays selected while it still matches.
	m.cursor = min(m.cursor, max(0, len(m.visible(snap))-1))
	if had {
		m = m.selectService(snap, name)
	}
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

// Column widths by priority (docs/screens.md). A cell's must-keep is its
// SHA, state glyph and age or a short state word (envMin); the CI column
// and the drift column shrink, and then vanish, before any cell goes
// below it. Room above the minimum goes first to the cells (envRoom: a
// progress bar, "canary 10%"), then to drift's words, then to CI, then
// to the cells again up to envMax, and whatever is left to drift.
const (
	envMin, envRoom, envMax = 16, 22, 30
	ciMin, ciMax            = 12, 32
	driftMin, driftRoom     = 6, 13
	envFloor                = 12 // below envMin only when nothing else is left to give
)

func (m Model) layout(snap *model.Snapshot) layout {
	l := layout{cols: envColumns(snap), name: 8}
	for i := range snap.Services {
		l.name = max(l.name, len(snap.Services[i].Name)+2)
		if len(snap.Services[i].Pipelines) > 0 || snap.Services[i].CIError != "" {
			l.showCI = true
		}
	}
	l.name = min(l.name, 18)
	n := len(l.cols)
	if l.showCI {
		l.ci = ciMin
	}
	l.env, l.drift = envMin, driftMin
	free := func() int { return m.width - 2 - l.name - l.ci - l.drift - n*l.env }
	// Too narrow for every minimum: drift goes, then CI, then the cells
	// shrink (a cell then keeps its SHA and glyph).
	if free() < 0 {
		l.drift = 0
	}
	if free() < 0 && l.showCI {
		l.ci, l.showCI = 0, false
	}
	if f := free(); f < 0 && n > 0 {
		l.env = max(envFloor, l.env+f/n-1)
	}
	grow := func(cur *int, to, per int) {
		if f := free(); f > 0 && *cur < to {
			*cur += min(to-*cur, f/per)
		}
	}
	if n > 0 {
		grow(&l.env, envRoom, n)
	}
	grow(&l.drift, driftRoom, 1)
	if l.showCI {
		grow(&l.ci, ciMax, 1)
	}
	if n > 0 {
		grow(&l.env, envMax, n)
	}
	l.drift = max(0, m.width-2-l.name-l.ci-l.env*n)
	return l
}

// View draws the board: waiting panel, table header, rows, filter line.
// The host's comparisons fill the drift column, its commits the waiting
// panel's authors.
func (m Model) View(ctx screen.Context) string {
	snap, now, compared := ctx.Snap, ctx.Now, ctx.Compared
	var b strings.Builder
	panel := m.waitingPanel(snap, now, ctx.Commit)
	b.WriteString(panel)
	l := m.layout(snap)
	b.WriteString(m.headerRow(l))
	b.WriteByte('\n')

	visible := m.visible(snap)
	rows := m.rowsFor(strings.Count(panel, "\n"))
	start := m.firstRow(rows)
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

// rowsFor is how many service rows fit below a waiting panel of
// panelLines lines, the table's header and the filter line.
func (m Model) rowsFor(panelLines int) int {
	rows := m.height - panelLines - 2
	if m.filtering || m.filter.Value() != "" {
		rows--
	}
	return max(1, rows)
}

// rows is how many service rows are on screen (a page, for pgup/pgdn).
func (m Model) rows(snap *model.Snapshot) int {
	return m.rowsFor(panelLines(snap))
}

// panelLines is the waiting panel's height: its rows and two borders.
func panelLines(snap *model.Snapshot) int {
	if len(snap.Approvals) == 0 {
		return 0
	}
	return len(snap.Approvals) + 2
}

// firstRow is the first visible service row on screen, so the cursor's
// row is always in view.
func (m Model) firstRow(rows int) int {
	if m.cursor >= rows {
		return m.cursor - rows + 1
	}
	return 0
}

// At says what a click at (x, y) of the board's body lands on: a gate of
// the waiting panel (gate ≥ 0) or a service row (service ≥ 0, with col
// the environment column under x, or -1).
func (m Model) At(snap *model.Snapshot, x, y int) (gate, service, col int) {
	gate, service, col = -1, -1, -1
	pl := panelLines(snap)
	if y > 0 && y < pl-1 {
		return y - 1, -1, -1
	}
	row := y - pl - 1 // below the panel and the table's header
	visible := m.visible(snap)
	rows := m.rowsFor(pl)
	if row < 0 || row >= rows {
		return
	}
	vi := m.firstRow(rows) + row
	if vi >= len(visible) {
		return
	}
	l := m.layout(snap)
	if x0 := 2 + l.name + l.ci; x >= x0 && l.env > 0 && (x-x0)/l.env < len(l.cols) {
		col = (x - x0) / l.env
	}
	return -1, vi, col
}

// Click selects what At found: a gate (the keyboard goes to the panel)
// or a service and, under the pointer, its environment.
func (m Model) Click(snap *model.Snapshot, x, y int) Model {
	gate, service, col := m.At(snap, x, y)
	switch {
	case gate >= 0 && gate < len(snap.Approvals):
		m.gates, m.gateID = true, snap.Approvals[gate].ID
	case service >= 0:
		m.gates, m.cursor = false, service
		if col >= 0 {
			m.col = col
		}
	}
	return m
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
	if l.drift >= 6 {
		b.WriteString("DRIFT")
	}
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
	b.WriteString(format.Truncate(driftFit(m.st, svc, compared, compare, l.drift), l.drift))
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
