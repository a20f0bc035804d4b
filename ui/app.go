// Package ui is flightdeck's terminal interface: the root model that owns
// the snapshot and the poll schedule, and routes keys to the screen in
// front (board, detail, help). Screens live in sub-packages. There are no
// goroutines here: all I/O runs in Bubble Tea commands.
package ui

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/termsafe"
	"github.com/airside-dev/flightdeck/ui/auditview"
	"github.com/airside-dev/flightdeck/ui/board"
	"github.com/airside-dev/flightdeck/ui/canary"
	"github.com/airside-dev/flightdeck/ui/confirm"
	"github.com/airside-dev/flightdeck/ui/detail"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/picker"
	sc "github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/textview"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Minimum terminal size for the full layout; below it a notice is shown.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Options configures the TUI.
type Options struct {
	Title    string // shown after the name: "demo" or the config file
	Services []model.ServiceSpec
	// Providers are the run's sources: the deploy and CI sources polled,
	// what serves each environment and each service's pipelines (whose
	// capabilities, found by interface, decide which action keys apply),
	// and what reads each service's commits.
	Providers *providers.Registry
	// Notify, when set, is called with one line when a new gate starts
	// waiting (the terminal bell and a desktop notification).
	Notify func(text string)
	// Open opens a web page (o), saying whether it did (false: the
	// address is shown instead, as over SSH); nil shows the address.
	// Copy puts a SHA on the clipboard (y); nil says it cannot.
	Open func(url string) (bool, error)
	Copy func(text string) error
	// Hyperlinks draws SHAs as links to their commits (OSC 8), for a
	// terminal known to show them (TerminalShowsLinks).
	Hyperlinks bool
	Refresh    time.Duration // idle poll interval
	Hot        time.Duration // poll interval while something moves; default 2s
	ReadOnly   bool
	Now        func() time.Time
	Renderer   *lipgloss.Renderer
	Context    context.Context // cancelled when the program should stop fetching

	// Actions is the one action pipeline; nil disables every action key.
	Actions *action.Pipeline
	// AuditPath is the audit log the L screen reads; "" disables it.
	AuditPath string

	// PollSources and PollCI, when set, are polled instead of the
	// Providers' sources (team mode: this session's views of the shared
	// sources, ui/team.go); Providers still serve everything else.
	PollSources []providers.DeploySource
	PollCI      []providers.CISource
}

type screen int

const (
	screenBoard screen = iota
	screenDetail
	screenPicker
	screenAudit
	screenText // a job's log or an environment's events (textview)
	screenCanary
)

// clockMsg redraws ages and re-evaluates staleness once a second.
type clockMsg time.Time

// startMsg begins the first poll of every source. Init only asks for it:
// the poll schedule is model state and changes in Update alone.
type startMsg struct{}

// Model is the root Bubble Tea model.
type Model struct {
	opts Options
	// heldTeam is a team feed line that arrived while the status line
	// held the user's own (a pending outcome, an action in flight, a
	// result under teamHold old); it is shown once that line goes.
	heldTeam *TeamLine
	st       theme.Styles
	base     keys.KeyMap // every binding enabled
	km       keys.KeyMap // base with what does not apply disabled (see refreshKeys)
	why      availability
	help     help.Model
	snap     *model.Snapshot
	poll     poller
	screen   screen
	prev     screen // where the picker and the audit log return to
	board    board.Model
	detail   detail.Model
	picker   picker.Model
	audit    auditview.Model
	text     textview.Model
	// canaryPanel is the canary panel (c); canaryFrom the board or the
	// detail it was opened from, where esc returns.
	canaryPanel canary.Model
	canaryFrom  screen
	modal       confirm.Model
	act         acting
	reqs        int // last request id handed out (history, audit, guard, run)
	status      statusLine
	// seenGates holds every gate ID shown so far, so only a gate that
	// starts waiting while we watch rings the bell. Shared by copies of
	// the model, like the snapshot.
	seenGates map[string]bool
	// cmp and commits hold the repository host's answers (lineage.go).
	cmp     answers[compareKey, model.Comparison]
	commits answers[commitKey, model.Commit]
	full    bool // full help overlay
	// helpScroll is the overlay's first line shown (it scrolls where it
	// is taller than the body).
	helpScroll int
	width      int
	height     int
	now        time.Time
}

// New builds the root model.
func New(o Options) Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Renderer == nil {
		o.Renderer = lipgloss.DefaultRenderer()
	}
	if o.Refresh <= 0 {
		o.Refresh = 10 * time.Second
	}
	if o.Hot <= 0 {
		o.Hot = 2 * time.Second
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	// The config is outside text too; it is cleaned as providers' answers
	// are (admit), so names stay equal on both sides of a merge.
	o.Title, o.Services = termsafe.Line(o.Title), termsafe.Clean(o.Services)
	st := theme.New(o.Renderer)
	km := keys.Default()
	h := help.New()
	h.Styles.ShortKey, h.Styles.ShortDesc = st.HelpKey, st.HelpDesc
	h.Styles.FullKey, h.Styles.FullDesc = st.HelpKey, st.HelpDesc
	h.Styles.ShortSeparator, h.Styles.FullSeparator = st.Dim, st.Dim
	// Every style comes from our renderer, so --no-color reaches the "…"
	// of a footer too long for the terminal as well.
	h.Styles.Ellipsis = st.Dim
	srcs, ciSrcs := o.pollSources()
	timing := pollTiming{Idle: o.Refresh, Hot: o.Hot, Timeout: min(15*time.Second, max(o.Refresh, 5*time.Second)), MaxBackoff: max(o.Refresh, time.Minute)}
	m := Model{
		opts:      o,
		st:        st,
		base:      km,
		help:      h,
		snap:      model.NewSnapshot(o.Services),
		poll:      newPoller(srcs, ciSrcs, timing),
		seenGates: map[string]bool{},
		cmp:       newAnswers[compareKey, model.Comparison](),
		commits:   newAnswers[commitKey, model.Commit](),
		board:     board.New(st, km),
		now:       o.Now(),
	}
	return m.refreshKeys()
}

// Snapshot exposes the current snapshot to tests.
func (m Model) Snapshot() *model.Snapshot { return m.snap }

// Init starts the first poll of every source and the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(func() tea.Msg { return startMsg{} }, m.tick())
}

func (m Model) tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return clockMsg(t) })
}

// Update routes each message to its owner, then works out again which
// action keys apply: the selection, the snapshot or an action in flight
// may all have changed.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	before := m.status
	next, cmd := m.route(admit(msg))
	return next.ageStatus(before).showHeldTeam().refreshKeys().shareKeys(), cmd
}

// shareKeys hands the detail screen the keys that apply now, as
// refreshKeys does the board, so its help offers only what would act.
func (m Model) shareKeys() Model {
	m.detail.SetKeys(m.km)
	m.canaryPanel.SetKeys(m.km)
	return m
}

// ctx is what the screens read of the root: the snapshot, the clock and
// the repository host's answers.
func (m Model) ctx() sc.Context {
	h := m.host()
	ctx := sc.Context{Snap: m.snap, Now: m.now, Compared: h.compared, Commit: h.commit}
	if m.opts.Hyperlinks && m.opts.Providers != nil {
		reg := m.opts.Providers
		linker := func(service string) (providers.CommitLinker, string) {
			l, repo := reg.Lineage(service)
			if cl, ok := l.(providers.CommitLinker); ok && repo != "" {
				return cl, repo
			}
			return nil, ""
		}
		ctx.CommitURL = func(service, sha string) string {
			if cl, repo := linker(service); cl != nil {
				return cl.CommitURL(repo, sha)
			}
			return ""
		}
		ctx.CompareURL = func(service, base, head string) string {
			if cl, repo := linker(service); cl != nil {
				return cl.CompareURL(repo, base, head)
			}
			return ""
		}
	}
	return ctx
}

// shown is what the screen in front gives a frame: its body (or, under
// the ? overlay, its full help) and its footer.
type shown struct {
	body  string
	short []key.Binding
	full  [][]key.Binding
}

// front draws the screen in front, the one whose keys the footer and the
// ? overlay describe: the modal covers every other.
func (m Model) front(ctx sc.Context) shown {
	switch {
	case m.act.phase == phaseConfirming:
		return show(m.modal, ctx, false)
	case m.screen == screenPicker:
		return show(m.picker, ctx, m.full)
	case m.screen == screenAudit:
		return show(m.audit, ctx, m.full)
	case m.screen == screenText:
		return show(m.text, ctx, m.full)
	case m.screen == screenCanary:
		return show(m.canaryPanel, ctx, m.full)
	case m.screen == screenDetail:
		return show(m.detail, ctx, m.full)
	}
	return show(m.board, ctx, m.full)
}

// show reaches a screen by its type, not through the sc.Screen interface:
// a screen in an interface is a copy on the heap, and every screen carries
// its styles, so that copy would cost kilobytes a frame.
func show[S interface {
	View(sc.Context) string
	help.KeyMap
}](s S, ctx sc.Context, overlay bool) shown {
	if overlay {
		return shown{full: s.FullHelp(), short: s.ShortHelp()}
	}
	return shown{body: s.View(ctx), short: s.ShortHelp()}
}

func (m Model) route(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m.handleResize(msg), nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m.handleMouse(msg)
	case startMsg:
		return m, m.poll.startAll(m.opts.Context, m.opts.Now)
	case fetchedMsg:
		return m.handleFetched(msg)
	case ciFetchedMsg:
		return m.handleCIFetched(msg)
	case pollMsg:
		if !m.poll.current(msg) {
			return m, nil
		}
		return m, m.poll.start(m.opts.Context, msg.source, m.opts.Now)
	case clockMsg:
		m.now = m.opts.Now()
		m.snap.MarkStale(m.now, m.staleAfter())
		return m, m.tick()
	case picker.LoadedMsg:
		return m.handleHistory(msg), nil
	case auditview.LoadedMsg:
		return m.handleAuditLoaded(msg), nil
	case logMsg:
		return m.handleLog(msg), nil
	case linkMsg:
		return m.handleLink(msg), nil
	case guardedMsg:
		return m.handleGuarded(msg)
	case ranMsg:
		return m.handleRan(msg)
	case comparedMsg:
		m.cmp.answered(msg.key, msg.cmp, msg.err)
		return m, nil
	case commitMsg:
		m.commits.answered(msg.key, msg.commit, msg.err)
		return m, nil
	case PollNow:
		return m.handlePollNow(msg)
	case TeamLine:
		return m.handleTeamLine(msg), nil
	}
	return m, nil
}

// staleAfter is how old data may get before it is marked stale: two idle
// intervals, per the design.
func (m Model) staleAfter() time.Duration { return 2 * m.opts.Refresh }

func (m Model) handleResize(msg tea.WindowSizeMsg) Model {
	m.width, m.height = msg.Width, msg.Height
	m.help.Width = msg.Width
	for _, s := range []sc.Screen{&m.board, &m.detail, &m.picker, &m.audit, &m.text, &m.canaryPanel, &m.modal} {
		s.SetSize(msg.Width, m.bodyHeight())
	}
	return m
}

// bodyHeight is what is left between the header and the status line and
// footer below.
func (m Model) bodyHeight() int { return max(1, m.height-3) }

func (m Model) handleFetched(msg fetchedMsg) (Model, tea.Cmd) {
	m.snap.Merge(msg.result)
	m.now = m.opts.Now()
	m.snap.GeneratedAt = m.now
	m.snap.MarkStale(m.now, m.staleAfter())
	// A source stays hot while an action it serves has not shown its result.
	following, by := m.poll.hot(msg.source, m.snap, m.now)
	if by != nil {
		m.status = statusLine{text: "superseded by " + by.Short() + ": another deploy replaced the one flightdeck sent", tone: toneWarn}
	}
	m = m.resolveStatus()
	moving := covering(m.snap, msg.result.Covers) || following
	return m, tea.Batch(m.poll.finished(msg.source, msg.result.Err, moving, m.now), m.lineageCmds())
}

func (m Model) handleCIFetched(msg ciFetchedMsg) (Model, tea.Cmd) {
	// Gates of a service read for the first time were waiting before we
	// looked: they are listed, not announced.
	known := map[string]bool{}
	for _, name := range msg.result.Covers {
		if s, ok := m.snap.Service(name); ok && !s.CIFetchedAt.IsZero() {
			known[name] = true
		}
	}
	m.snap.MergeCI(msg.result)
	m.now = m.opts.Now()
	m.snap.GeneratedAt = m.now
	m.snap.MarkStale(m.now, m.staleAfter())
	m = m.resolveStatus()
	moving := func(service string) bool {
		s, ok := m.snap.Service(service)
		return ok && s.CIMoving()
	}
	return m, tea.Batch(m.poll.finishedCI(msg.source, msg.result.Err, moving, m.now), m.announceGates(known), m.readCommits())
}

// announceGates notifies once per gate that started waiting in a service
// already on screen.
func (m Model) announceGates(known map[string]bool) tea.Cmd {
	var news []string
	for _, g := range m.snap.Approvals {
		if m.seenGates[g.ID] {
			continue
		}
		m.seenGates[g.ID] = true
		if known[g.Service] {
			news = append(news, g.Service+" "+g.Gate+" is waiting for approval ("+model.ShortSHA(g.SHA)+")")
		}
	}
	if len(news) == 0 || m.opts.Notify == nil {
		return nil
	}
	notify, text := m.opts.Notify, strings.Join(news, "; ")
	return func() tea.Msg { notify(text); return nil }
}

func (m Model) handleKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	if msg.Type == tea.KeyCtrlC {
		return m, tea.Quit
	}
	// An open confirmation takes every key.
	if m.act.phase == phaseConfirming {
		return m.handleModalKey(msg)
	}
	if m.status.transient {
		m.status = statusLine{} // a reason lasts until the next key
	}
	// While a filter has the keyboard, every key is text.
	switch {
	case m.screen == screenBoard && m.board.Filtering():
		var cmd tea.Cmd
		m.board, cmd = m.board.Update(msg, m.ctx())
		return m, cmd
	case m.screen == screenPicker && m.picker.Filtering():
		return m.handlePickerKey(msg)
	}
	switch {
	case key.Matches(msg, m.km.Help):
		m.full, m.helpScroll = !m.full, 0
		return m, nil
	case m.full:
		// The overlay covers the screen: keys must not act on what is
		// hidden. esc or q closes it; the rest scroll it.
		if key.Matches(msg, m.km.Back) {
			m.full = false
		}
		m.helpScroll = m.scrollOverlay(msg)
		return m, nil
	case m.screen == screenBoard && key.Matches(msg, m.km.Quit):
		// q quits from the board only; elsewhere it goes back (Back),
		// and ctrl+c quits anywhere (above).
		return m, tea.Quit
	}
	switch m.screen {
	case screenPicker:
		return m.handlePickerKey(msg)
	case screenAudit:
		return m.handleAuditKey(msg)
	case screenText:
		return m.handleTextKey(msg)
	}
	if next, cmd, ok := m.handleActionKey(msg); ok {
		return next, cmd
	}
	switch {
	case key.Matches(msg, m.km.Refresh):
		return m, m.poll.startAll(m.opts.Context, m.opts.Now)
	case key.Matches(msg, m.km.OpenLink):
		return m.openLink()
	case key.Matches(msg, m.km.Yank):
		return m.copySHA()
	}
	switch m.screen {
	case screenCanary:
		m.canaryPanel, _ = m.canaryPanel.Update(msg, m.ctx())
		if m.canaryPanel.Decision() == canary.Back {
			m.screen = m.canaryFrom
		}
		return m, nil
	case screenDetail:
		switch {
		case key.Matches(msg, m.km.Back):
			m.screen = screenBoard
			return m, nil
		case keys.Pressed(msg, m.km.Log):
			return m.openLog()
		case keys.Pressed(msg, m.km.Events):
			return m.openEvents()
		}
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(msg, m.ctx())
		return m, cmd
	default:
		if key.Matches(msg, m.km.Open) {
			if m.board.InGates() {
				m.board = m.board.LeaveGates(m.snap) // the gate's service
			}
			m = m.openDetail()
			return m, m.readCommits()
		}
		var cmd tea.Cmd
		m.board, cmd = m.board.Update(msg, m.ctx())
		return m, cmd
	}
}

func (m Model) openDetail() Model {
	svcName, envName, ok := m.board.Selection(m.snap)
	if !ok {
		return m
	}
	idx := 0
	if svc, found := m.snap.Service(svcName); found {
		for i, e := range svc.Environments {
			if e.Environment == envName {
				idx = i
			}
		}
	}
	m.detail = detail.New(m.st, m.km, svcName, idx)
	m.detail.SetSize(m.width, m.bodyHeight())
	m.screen = screenDetail
	return m
}

// View draws the frame. It reads the model and never changes it.
func (m Model) View() string {
	if m.width == 0 {
		return ""
	}
	if m.width < MinWidth || m.height < MinHeight {
		return termsafe.Frame(format.Truncate("flightdeck needs at least 80×24; this terminal is "+itoa(m.width)+"×"+itoa(m.height)+". Enlarge it or press q.", m.width))
	}
	var body string
	bodyH := m.bodyHeight()
	front := m.front(m.ctx())
	switch {
	case m.act.phase == phaseConfirming:
		// The modal covers the screen: what is behind it cannot be acted on.
		body = m.opts.Renderer.Place(m.width, bodyH, lipgloss.Center, lipgloss.Center, front.body)
	case m.full:
		body = m.helpView(front, bodyH)
	default:
		body = front.body
	}
	lines := strings.Count(body, "\n") + 1
	if lines < bodyH {
		body += strings.Repeat("\n", bodyH-lines)
	}
	return termsafe.Frame(m.header() + "\n" + body + "\n" + m.statusView() + "\n" + m.footer(front))
}

// footer shows only the keys that do something on the screen in front;
// over the ? overlay, how to leave it.
func (m Model) footer(front shown) string {
	b := front.short
	if m.full && m.act.phase != phaseConfirming {
		b = []key.Binding{m.km.Up, m.km.Down, m.km.Help, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/q", "close"))}
	}
	quitHere := m.km.Quit
	if m.screen != screenBoard || m.full {
		// q goes back off the board: say what quits there.
		quitHere = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit"))
	}
	// ? and quit are kept at the end whatever the width: a narrow
	// footer's "…" cuts the keys before them.
	var keep, rest []key.Binding
	for _, k := range b {
		switch k.Help() {
		case m.km.Quit.Help():
			keep = append(keep, quitHere)
		case m.km.Help.Help():
			keep = append(keep, k)
		default:
			rest = append(rest, k)
		}
	}
	h := m.help
	tail := h.ShortHelpView(keep)
	if tail == "" {
		return " " + h.ShortHelpView(rest)
	}
	h.Width = max(1, m.width-2-ansi.StringWidth(tail)-ansi.StringWidth(h.ShortSeparator))
	head := h.ShortHelpView(rest)
	if head == "" {
		return " " + tail
	}
	return " " + head + h.Styles.ShortSeparator.Render(h.ShortSeparator) + tail
}

// header shows the title, read-only badge, refresh age and the health of
// each provider kind.
func (m Model) header() string {
	left := " " + m.st.Title.Render("flightdeck")
	if m.opts.Title != "" {
		left += m.st.Dim.Render(" · " + m.opts.Title)
	}
	var right []string
	if m.opts.ReadOnly {
		right = append(right, m.st.Badge.Render("READ-ONLY"))
	}
	if m.opts.Actions != nil && m.opts.Actions.DryRun() {
		right = append(right, m.st.Badge.Render("DRY-RUN"))
	}
	right = append(right, m.refreshAge())
	right = append(right, m.health()...)
	r := strings.Join(right, m.st.Dim.Render(" · ")) + " "
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(r)
	if gap < 1 {
		return format.Truncate(left+" "+r, m.width)
	}
	return left + strings.Repeat(" ", gap) + r
}

// rateInfo is a metered API's budget as its last answer told it.
type rateInfo struct {
	remaining, limit int
	reset            time.Time
}

// String is "4 812/5 000": thousands apart, as the design shows them.
func (r rateInfo) String() string { return thousands(r.remaining) + "/" + thousands(r.limit) }

func thousands(n int) string {
	s := itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}

// rate is the lowest budget among the sources of a kind that report one.
func (m Model) rate(kind string) (rateInfo, bool) {
	var best rateInfo
	found := false
	for _, s := range m.poll.sources {
		if s.ci == nil || s.ci.Kind() != kind {
			continue
		}
		rr, ok := s.ci.(providers.RateReporter)
		if !ok {
			continue
		}
		if rem, lim, reset, ok := rr.Rate(); ok && (!found || rem < best.remaining) {
			best, found = rateInfo{remaining: rem, limit: lim, reset: reset}, true
		}
	}
	return best, found
}

func (m Model) refreshAge() string {
	var last time.Time
	for _, s := range m.snap.Sources {
		if s.LastOK.After(last) {
			last = s.LastOK
		}
	}
	if last.IsZero() {
		if why, all := m.allFailing(); all {
			return m.st.Failed.Render(theme.GlyphFailed + " all sources failing: " + why)
		}
		return "⟳ loading"
	}
	return "⟳ " + format.Since(m.now, last) + " ago"
}

// allFailing reports whether every source has failed and none has ever
// answered, with the first one's error (in its own last words, short): the
// header says so instead of "loading" for ever.
func (m Model) allFailing() (string, bool) {
	first := ""
	for _, s := range m.snap.Sources {
		if s.Error == "" || !s.LastOK.IsZero() {
			return "", false
		}
		if first == "" {
			first = board.ShortError(s.Error)
		}
	}
	if first == "" || len(m.snap.Sources) < len(m.poll.sources) {
		return "", false // some source has not answered yet
	}
	return format.Truncate(first, 48), true
}

// health summarises each provider kind: ok, throttled, or the error of the
// first failing source (in the error's own last words).
func (m Model) health() []string {
	type agg struct {
		n, failed int
		throttled bool
		err       string
	}
	kinds := map[string]*agg{}
	var order []string
	for _, s := range m.snap.Sources {
		a, ok := kinds[s.Kind]
		if !ok {
			a = &agg{}
			kinds[s.Kind] = a
			order = append(order, s.Kind)
		}
		a.n++
		if s.Error != "" {
			a.failed++
			a.throttled = a.throttled || s.Throttled
			if a.err == "" {
				a.err = board.ShortError(s.Error)
			}
		}
	}
	sort.Strings(order)
	slow := m.poll.slowest()
	out := make([]string, 0, len(order))
	for _, k := range order {
		a := kinds[k]
		rate, metered := m.rate(k)
		switch {
		case a.failed == 0 && slow[k] > 0:
			// Polls that take longer than the pace they are meant to keep:
			// the next waits for the last, so the board lags by this much.
			out = append(out, k+" "+m.st.Warn.Render(theme.GlyphWarn+" slow: a poll takes "+format.Age(slow[k])))
		case metered && rate.remaining == 0:
			out = append(out, k+" "+m.st.Failed.Render(theme.GlyphFailed+" rate limit spent, resets "+rate.reset.Local().Format("15:04")))
		case a.failed == 0 && metered:
			out = append(out, k+" "+rate.String())
		case a.failed == 0:
			out = append(out, k+" "+m.st.OK.Render("ok"))
		case a.throttled:
			out = append(out, k+" "+m.st.Warn.Render(theme.GlyphWarn+" throttled"))
		default:
			msg := format.Truncate(a.err, 40)
			if a.n > 1 {
				msg = itoa(a.failed) + "/" + itoa(a.n) + " failing: " + msg
			}
			out = append(out, k+" "+m.st.Failed.Render(theme.GlyphFailed+" "+msg))
		}
	}
	return out
}
