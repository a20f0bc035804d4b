// Package picker is the rollback picker: the revisions an environment could
// run, newest first, with who deployed each and when, how long it ran, and
// whether its artifact can still be deployed. For a service with a CI
// provider the older pipelines whose deploy job for the environment
// succeeded are listed beside the target's own revisions, each row saying
// how the rollback is done ("point the service at api:41", "re-run
// deploy-production of pipeline #305"). Choosing one hands it back to the
// root model, which plans the rollback and asks for confirmation.
package picker

import (
	"cmp"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// LoadedMsg answers one history request; ID drops answers to a picker that
// has since closed or reloaded.
type LoadedMsg struct {
	ID        int
	Revisions []model.Revision
	Err       error
	// CIErr says why the older pipelines could not be read from CI; the
	// target's own revisions are shown all the same (a rollback in an
	// incident must not wait for CI).
	CIErr error
}

// Load reads an environment's history in a command.
// With lr (nil when the service names no repository or none can be read),
// each revision's commit subject and author are read too, best effort: a
// commit that cannot be read leaves its subject blank.
// With dh (nil when the service's CI cannot list them), the older
// pipelines whose deploy job for the environment succeeded are read too,
// at the same time, and merged in (model.MergeHistory); when only that
// read fails, the target's revisions are shown with the reason beside
// them.
func Load(ctx context.Context, hr providers.HistoryReader, dh providers.DeployHistoryReader, lr providers.LineageReader, repo string, k model.EnvKey, id int, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var revs, ci []model.Revision
		var err, cerr error
		providers.Parallel(2, 2, func(i int) {
			switch {
			case i == 0 && hr != nil:
				revs, err = hr.History(cctx, k)
			case i == 1 && dh != nil:
				ci, cerr = dh.DeployHistory(cctx, k.Service, k.Environment)
			}
		})
		revs = model.MergeHistory(revs, ci)
		if err == nil && lr != nil && repo != "" {
			subjects(cctx, lr, repo, revs)
		}
		return LoadedMsg{ID: id, Revisions: revs, Err: err, CIErr: cerr}
	}
}

// subjects fills in commit subjects and authors, four reads at a time (answers about a
// SHA never change, so the reader caches them).
func subjects(ctx context.Context, lr providers.LineageReader, repo string, revs []model.Revision) {
	providers.Parallel(len(revs), 4, func(i int) {
		r := &revs[i]
		if (r.Subject != "" && r.Author != "") || r.Version.SHA == "" {
			return
		}
		if c, err := lr.Commit(ctx, repo, r.Version.SHA); err == nil {
			r.Subject, r.Author = cmp.Or(r.Subject, c.Subject), cmp.Or(r.Author, c.Author)
		}
	})
}

// Decision is what a key asked the root model to do.
type Decision int

const (
	// Pending: nothing for the root to do.
	Pending Decision = iota
	// Back: close the picker.
	Back
	// Chosen: Choice names the revision to roll back to.
	Chosen
	// Reload: read the history again.
	Reload
)

// KeyMap is the picker's bindings, built from the app's so that remapping
// one remaps both.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown, Choose, Filter, Back, Reload key.Binding
}

func keyMap(km keys.KeyMap) KeyMap {
	rebind := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	return KeyMap{
		Up: km.Up, Down: km.Down, Top: km.Top, Bottom: km.Bottom, PageUp: km.PageUp, PageDown: km.PageDown,
		Choose: rebind(km.Open, "choose"),
		Filter: rebind(km.Filter, "filter"),
		Back:   rebind(km.Back, "back"),
		Reload: rebind(km.Refresh, "reload"),
	}
}

// Model is an open picker for one environment.
type Model struct {
	st        theme.Styles
	keys      KeyMap
	id        int
	env       model.EnvStatus // as the user saw it when they pressed r
	loading   bool
	err       error
	ciErr     error // the older pipelines could not be read
	revs      []model.Revision
	cursor    int // index into visible()
	filter    textinput.Model
	filtering bool
	why       string // why the last enter did nothing
	width     int
	height    int
	// decided is what the last key decided.
	decided Decision
	// preferCI starts the cursor on an older pipeline's deploy job, for
	// an environment that rolls back through CI by default.
	preferCI bool
}

// PreferCI starts the cursor on the newest row one can choose that rolls
// back through CI (else the newest of either kind); without it, on the
// target's own revisions first.
func (m Model) PreferCI(on bool) Model {
	m.preferCI = on
	return m
}

// New opens a picker that waits for its history (see Load).
func New(st theme.Styles, km keys.KeyMap, env model.EnvStatus, id int) Model {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "filter by sha, subject, author"
	ti.CharLimit = 64
	return Model{st: st, keys: keyMap(km), id: id, env: env, loading: true, filter: ti}
}

// ID is the request id Load must answer with.
func (m Model) ID() int { return m.id }

// Env is the environment as the user saw it when the picker opened.
func (m Model) Env() model.EnvStatus { return m.env }

// Filtering reports whether the filter input has the keyboard.
func (m Model) Filtering() bool { return m.filtering }

// SetSize tells the picker how much room it has.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Reloading starts a new request with a new id.
func (m Model) Reloading(id int) Model {
	m.id, m.loading, m.err, m.why = id, true, nil, ""
	return m
}

// Loaded takes the history in. The caller has checked the id.
func (m Model) Loaded(msg LoadedMsg) Model {
	m.loading, m.err, m.ciErr = false, msg.Err, msg.CIErr
	if msg.Err == nil {
		m.revs = msg.Revisions
	}
	m.cursor = m.firstChoosable()
	return m
}

// Choice is the revision under the cursor and how far back it is from the
// one running now: "(3 revisions back)".
func (m Model) Choice() (model.Revision, string) {
	vis := m.visible()
	if len(vis) == 0 {
		return model.Revision{}, ""
	}
	at := vis[min(m.cursor, len(vis)-1)]
	return m.revs[at], m.distance(at)
}

func (m Model) distance(at int) string {
	cur := -1
	for i, r := range m.revs {
		if r.Current {
			cur = i
		}
	}
	if cur < 0 || at == cur {
		return ""
	}
	n, dir := at-cur, "back"
	if n < 0 {
		n, dir = -n, "newer"
	}
	unit := " revisions "
	if n == 1 {
		unit = " revision "
	}
	return "(" + strconv.Itoa(n) + unit + dir + ")"
}

// ShortHelp is the footer while the picker is in front.
func (m Model) ShortHelp() []key.Binding {
	if m.filtering {
		return keys.Filtering()
	}
	if m.loading || m.err != nil {
		return []key.Binding{m.keys.Reload, m.keys.Back}
	}
	return []key.Binding{m.keys.Up, m.keys.Down, m.keys.Choose, m.keys.Filter, m.keys.Back}
}

// Update handles a key, as every screen's Update does; what the key
// decided, if anything, is Decision's until the next key.
func (m Model) Update(msg tea.KeyMsg, _ screen.Context) (Model, tea.Cmd) {
	m, d, cmd := m.decide(msg)
	m.decided = d
	return m, cmd
}

// Decision is what the last key decided (Pending: nothing yet).
func (m Model) Decision() Decision { return m.decided }

// Update handles the picker's keys.
func (m Model) decide(msg tea.KeyMsg) (Model, Decision, tea.Cmd) {
	if m.filtering {
		return m.updateFilter(msg)
	}
	m.why = ""
	vis := m.visible()
	switch {
	case key.Matches(msg, m.keys.Back):
		if m.filter.Value() != "" {
			m.filter.SetValue("")
			m.cursor = m.firstChoosable()
			return m, Pending, nil
		}
		return m, Back, nil
	case key.Matches(msg, m.keys.Reload):
		return m, Reload, nil
	case m.loading || m.err != nil:
		return m, Pending, nil
	case key.Matches(msg, m.keys.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(msg, m.keys.Down):
		m.cursor = min(max(0, len(vis)-1), m.cursor+1)
	case key.Matches(msg, m.keys.Top):
		m.cursor = 0
	case key.Matches(msg, m.keys.Bottom):
		m.cursor = max(0, len(vis)-1)
	case key.Matches(msg, m.keys.PageUp):
		m.cursor = max(0, m.cursor-m.page())
	case key.Matches(msg, m.keys.PageDown):
		m.cursor = min(max(0, len(vis)-1), m.cursor+m.page())
	case key.Matches(msg, m.keys.Filter):
		m.filtering = true
		return m, Pending, m.filter.Focus()
	case key.Matches(msg, m.keys.Choose):
		if len(vis) == 0 {
			return m, Pending, nil
		}
		if why := m.unchoosable(m.revs[vis[min(m.cursor, len(vis)-1)]]); why != "" {
			m.why = why
			return m, Pending, nil
		}
		return m, Chosen, nil
	}
	return m, Pending, nil
}

func (m Model) updateFilter(msg tea.KeyMsg) (Model, Decision, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		m.filtering = false
		m.filter.Blur()
		return m, Pending, nil
	case tea.KeyEsc:
		m.filtering = false
		m.filter.Blur()
		m.filter.SetValue("")
		m.cursor = m.firstChoosable()
		return m, Pending, nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	m.cursor = min(m.cursor, max(0, len(m.visible())-1))
	return m, Pending, cmd
}

// unchoosable says why a revision cannot be rolled back to, or "".
func (m Model) unchoosable(r model.Revision) string {
	switch {
	case r.Current, r.CI != nil && r.Version.SHA != "" && model.SameCommit(r.Version.SHA, m.env.Version.SHA):
		return r.Version.Short() + " is what " + m.env.Environment + " runs now"
	case !r.Available:
		why := r.Why
		if why == "" {
			why = "its artifact is gone"
		}
		return r.Version.Short() + " cannot be deployed again: " + why
	}
	return ""
}

func (m Model) firstChoosable() int {
	first := -1
	for i, at := range m.visible() {
		r := m.revs[at]
		if m.unchoosable(r) != "" {
			continue
		}
		if (r.CI != nil) == m.preferCI {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return max(first, 0)
}

// visible lists the indices of the revisions that pass the filter.
func (m Model) visible() []int {
	f := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	out := make([]int, 0, len(m.revs))
	for i, r := range m.revs {
		if f == "" || strings.Contains(strings.ToLower(strings.Join([]string{r.Version.SHA, r.Version.Revision, r.Subject, r.Author, r.By, r.Why, r.How()}, " ")), f) {
			out = append(out, i)
		}
	}
	return out
}

// FullHelp is the ? overlay while the picker is in front.
func (m Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{{m.keys.Up, m.keys.Down, m.keys.Top, m.keys.Bottom, m.keys.PageUp, m.keys.PageDown}, {m.keys.Choose, m.keys.Filter, m.keys.Reload, m.keys.Back}}
}

// page is how far pgup and pgdn move: the table's rows.
func (m Model) page() int { return max(1, m.height-3) }

// View draws the picker; the context's clock dates the ages.
func (m Model) View(ctx screen.Context) string {
	now := ctx.Now
	lines := []string{m.title(now)}
	switch {
	case m.loading:
		lines = append(lines, "", m.st.Dim.Render("  loading history…"))
	case m.err != nil:
		lines = append(lines, "", m.st.Error.Render("  "+theme.GlyphFailed+" could not load the history of "+m.env.Environment+": "+oneLine(m.err.Error())),
			m.st.Dim.Render("  R retries · esc goes back"))
	case len(m.revs) == 0:
		lines = append(lines, "", m.st.Dim.Render("  no revisions to roll back to"))
	default:
		lines = append(lines, m.table(now)...)
	}
	if m.filtering || m.filter.Value() != "" {
		line := m.filter.View()
		if !m.filtering {
			line += m.st.Dim.Render("  (esc clears)")
		}
		lines = append(lines, line)
	}
	if m.ciErr != nil && !m.loading && m.err == nil {
		lines = append(lines, m.st.Warn.Render(" "+theme.GlyphWarn+" older pipelines could not be read from CI: "+oneLine(m.ciErr.Error())))
	}
	if m.why != "" {
		lines = append(lines, m.st.Warn.Render(" "+theme.GlyphWarn+" "+m.why))
	}
	return strings.Join(lines, "\n")
}

func (m Model) title(now time.Time) string {
	t := "Roll back " + m.env.Service + " · " + m.env.Environment
	var facts []string
	if v := m.env.Version.Short(); v != "" {
		facts = append(facts, "now "+v)
	}
	if !m.env.Since.IsZero() {
		facts = append(facts, "deployed "+format.Since(now, m.env.Since)+" ago")
	}
	if len(facts) > 0 {
		t += " (" + strings.Join(facts, ", ") + ")"
	}
	return " " + m.st.Title.Render(t)
}

// columns are the table's widths, each with its two-cell gap: the subject
// takes what is left, and no room at all while no revision has one (commit
// subjects come from CI or GitHub, which not every service has).
type columns struct{ sha, subject, deployed, ran, artifact int }

func (m Model) columns() columns {
	c := columns{sha: 10, deployed: 24, ran: 11, artifact: 24}
	// The ARTIFACT column says how in full ("re-run deploy-production of
	// pipeline #305", "point the service at api:41"): the subject gives
	// way to it, down to its minimum.
	room := 24
	for _, r := range m.revs {
		room = max(room, min(60, len(m.howText(r, c))+2))
	}
	for _, r := range m.revs {
		if r.Subject != "" {
			c.subject = max(10, min(50, m.width-3-c.sha-c.deployed-c.ran-room))
			break
		}
	}
	return c
}

// howText is what r's ARTIFACT cell says: the target's revision, or,
// beside rows from CI, how a rollback to it is done ("point the service
// at api:41", "re-run deploy-production of pipeline #305").
func (m Model) howText(r model.Revision, c columns) string {
	if r.CI != nil {
		return r.CI.How()
	}
	name := r.Version.Revision
	if name == "" {
		name = format.TruncateLeft(r.Version.Artifact, c.artifact)
	}
	if m.fromCI() {
		return "point the service at " + name
	}
	return name
}

// fromCI says whether any row comes from CI (the cells then say how).
func (m Model) fromCI() bool {
	for _, r := range m.revs {
		if r.CI != nil {
			return true
		}
	}
	return false
}

func (m Model) table(now time.Time) []string {
	c := m.columns()
	head := "   " + format.Col("SHA", c.sha) + format.Col("SUBJECT", c.subject) + format.Col("DEPLOYED", c.deployed) +
		format.Col("RAN", c.ran) + "ARTIFACT"
	lines := []string{m.st.Header.Render(head)}
	vis := m.visible()
	if len(vis) == 0 {
		return append(lines, m.st.Dim.Render("   no revision matches the filter"))
	}
	rows := max(1, m.height-3)
	if m.filtering || m.filter.Value() != "" {
		rows--
	}
	if m.why != "" {
		rows--
	}
	if m.ciErr != nil {
		rows--
	}
	rows = max(1, rows)
	start := 0
	if m.cursor >= rows {
		start = m.cursor - rows + 1
	}
	for i := start; i < min(len(vis), start+rows); i++ {
		lines = append(lines, m.row(m.revs[vis[i]], c, now, i == m.cursor))
	}
	return lines
}

func (m Model) row(r model.Revision, c columns, now time.Time, selected bool) string {
	deployed := m.st.Dim.Render("never deployed")
	if !r.DeployedAt.IsZero() {
		deployed = format.Since(now, r.DeployedAt) + " ago"
		if r.By != "" {
			deployed += " by " + r.By
		}
	}
	ran := "–"
	switch {
	case r.Current:
		ran = "running"
	case r.RanFor > 0:
		ran = format.Span(r.RanFor)
	}
	how := m.howText(r, c)
	if r.CI != nil && r.CI.Next != "" {
		how += m.st.Dim.Render(" · " + r.CI.Next)
	}
	artifact := m.st.OK.Render(theme.GlyphOK) + " " + how
	if !r.Available {
		why := r.Why
		if why == "" {
			why = "unavailable"
		}
		artifact = m.st.Failed.Render(theme.GlyphFailed) + " " + why
	}
	if r.Current {
		artifact += m.st.Dim.Render(" · running now")
	}
	body := format.Col(r.Version.Short(), c.sha) + format.Col(format.Byline(r.Subject, r.Author, c.subject-2), c.subject) + format.Col(deployed, c.deployed) +
		format.Col(ran, c.ran) + artifact
	body = format.Truncate(body, max(10, m.width-3))
	if selected {
		return " " + m.st.Selected.Render(theme.GlyphCursor) + " " + body
	}
	return "   " + body
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
