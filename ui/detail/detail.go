// Package detail is the service screen: one panel per environment with the
// running version, each rollout's progress, and recent events; CI pipelines
// above them once a CI provider reports.
package detail

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/termsafe"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/graph"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// Model is the detail screen of one service.
type Model struct {
	st      theme.Styles
	km      keys.KeyMap
	service string
	env     int // selected environment panel
	scroll  int
	run     int // shown pipeline: 0 the newest
	shift   int // the graph's horizontal scroll
	width   int
	height  int
	// plan keeps the shown workflow's graph between frames (see
	// graph.Plan); copies of the model share it. It is a cache: View
	// brings it up to date with what it draws, so no path can show a
	// stale graph.
	plan *graph.Plan
}

// New opens the detail of a service, with the environment at envIndex
// selected.
func New(st theme.Styles, km keys.KeyMap, service string, envIndex int) Model {
	return Model{st: st, km: km, service: service, env: max(0, envIndex), plan: graph.NewPlan(st)}
}

// SetKeys tells the screen which keys apply now (the root disables the
// actions that would not act), so its help offers only what works.
func (m *Model) SetKeys(km keys.KeyMap) { m.km = km }

// ShortHelp is the footer while the detail is in front.
func (m Model) ShortHelp() []key.Binding {
	k := m.km
	return []key.Binding{k.Left, k.Right, k.Approve, k.Rerun, k.Cancel, k.Promote, k.Rollback, k.Abort, k.Switch, k.Canary, k.Log, k.Events, k.Back, k.Refresh, k.Help, k.Quit}
}

// FullHelp is the ? overlay on the detail, in columns: the board's table
// without what only the board does (open, filter).
func (m Model) FullHelp() [][]key.Binding {
	k := m.km
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Back},
		{k.Approve, k.Reject, k.Promote, k.Rollback, k.Abort, k.Switch, k.Canary, k.Audit},
		{k.OlderRun, k.GraphLeft, k.Rerun, k.Cancel, k.Log, k.Events},
		{k.OpenLink, k.Yank, k.Refresh, k.Help, k.Quit},
	}
}

// Service is the service this screen shows.
func (m Model) Service() string { return m.service }

// Selection names the service and the environment whose panel is selected.
func (m Model) Selection(snap *model.Snapshot) (service, env string, ok bool) {
	svc, found := snap.Service(m.service)
	if !found || len(svc.Environments) == 0 {
		return m.service, "", found
	}
	return m.service, svc.Environments[min(m.env, len(svc.Environments)-1)].Environment, true
}

// SetSize tells the screen how much room it has.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Update moves between environment panels and scrolls within the content.
func (m Model) Update(msg tea.KeyMsg, ctx screen.Context) (Model, tea.Cmd) {
	svc, ok := ctx.Snap.Service(m.service)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(msg, m.km.Left):
		m.env = max(0, m.env-1)
	case key.Matches(msg, m.km.Right):
		m.env = min(len(svc.Environments)-1, m.env+1)
	case key.Matches(msg, m.km.Up):
		m.scroll = max(0, m.scroll-1)
	case key.Matches(msg, m.km.Down):
		pg := m.page(svc, ctx)
		m.scroll = pg.clamp(m.scroll+1, m.height)
	case key.Matches(msg, m.km.Top):
		m.scroll = 0
	case key.Matches(msg, m.km.Bottom):
		// clamp brings it back to the last screenful.
		m.scroll = m.page(svc, ctx).clamp(1<<30, m.height)
	case key.Matches(msg, m.km.PageUp):
		m.scroll = max(0, m.page(svc, ctx).clamp(m.scroll, m.height)-m.height)
	case key.Matches(msg, m.km.PageDown):
		m.scroll = m.page(svc, ctx).clamp(m.scroll+m.height, m.height)
	case key.Matches(msg, m.km.OlderRun):
		m.run, m.shift = min(m.run+1, max(0, len(svc.Pipelines)-1)), 0
	case key.Matches(msg, m.km.NewerRun):
		m.run, m.shift = max(0, m.run-1), 0
	case key.Matches(msg, m.km.GraphLeft):
		m.shift = max(0, m.shift-graphStep)
	case key.Matches(msg, m.km.GraphRight):
		m.shift += graphStep // Render clamps it to the graph
	}
	return m, nil
}

// graphStep is how far < and > scroll a wide graph.
const graphStep = 20

// Workflow is the workflow on screen, the one f and C act on: the newest
// workflow of the shown pipeline.
func (m Model) Workflow(snap *model.Snapshot) (*model.Pipeline, *model.Workflow, bool) {
	svc, ok := snap.Service(m.service)
	if !ok || len(svc.Pipelines) == 0 {
		return nil, nil, false
	}
	p := &svc.Pipelines[min(m.run, len(svc.Pipelines)-1)]
	if len(p.Workflows) == 0 {
		return p, nil, false
	}
	return p, &p.Workflows[0], true
}

// View draws the screen, scrolled to the current offset.
func (m Model) View(ctx screen.Context) string {
	svc, ok := ctx.Snap.Service(m.service)
	if !ok {
		return m.st.Error.Render("service " + m.service + " is no longer configured")
	}
	pg := m.page(svc, ctx)
	scroll := pg.clamp(m.scroll, m.height)
	return strings.Join(pg.lines(scroll, scroll+m.height), "\n")
}

// page is the whole content before scrolling: the title, the pipeline,
// the environment panels, a blank line apart. The workflow's graph, which
// can run to thousands of lines, is drawn only where the window falls, and
// what follows it only when the window reaches it.
func (m Model) page(svc *model.ServiceState, ctx screen.Context) *page {
	pre, plan, post := m.pipelines(svc, ctx)
	p := &page{head: splitEach(m.st.Title.Render(svc.Name)+m.st.Dim.Render(repoSuffix(svc.Repo)), "")}
	p.head = append(p.head, splitEach(pre...)...)
	if plan != nil {
		p.plan, p.shift, p.graphLines = plan, m.shift, plan.Height(m.shift)
	}
	p.rest = func() []string {
		tail := append(splitEach(post...), "")
		return append(tail, splitEach(m.panels(svc, ctx))...)
	}
	return p
}

type page struct {
	head       []string
	plan       *graph.Plan // drawn after head, indented; nil for none
	shift      int         // the graph's horizontal scroll
	graphLines int
	rest       func() []string // the lines after the graph
	tail       []string        // rest's, once asked
	built      bool
}

func (p *page) after() []string {
	if !p.built {
		p.tail, p.built = p.rest(), true
	}
	return p.tail
}

// upTo is the line where the lines after the graph begin.
func (p *page) upTo() int { return len(p.head) + p.graphLines }

// clamp keeps a scroll position within the page: the last screenful at
// most. The lines after the graph are built only if the screenful reaches
// them.
func (p *page) clamp(scroll, height int) int {
	if scroll+height <= p.upTo() {
		return scroll
	}
	return min(scroll, max(0, p.upTo()+len(p.after())-height))
}

// lines are lines [from, to) of the page.
func (p *page) lines(from, to int) []string {
	out := make([]string, 0, max(0, to-from))
	out = append(out, window(p.head, from, to)...)
	from, to = from-len(p.head), to-len(p.head)
	if a, b := max(0, from), min(to, p.graphLines); p.plan != nil && a < b {
		for _, l := range p.plan.Lines(p.shift, a, b) {
			out = append(out, "  "+l)
		}
	}
	if to <= p.graphLines {
		return out
	}
	return append(out, window(p.after(), from-p.graphLines, to-p.graphLines)...)
}

// window is lines [from, to) of s, as far as s has them.
func window(s []string, from, to int) []string {
	from, to = max(0, from), min(len(s), to)
	if from >= to {
		return nil
	}
	return s[from:to]
}

// splitEach is the lines of each string, in order.
func splitEach(s ...string) []string {
	var out []string
	for _, x := range s {
		out = append(out, strings.Split(x, "\n")...)
	}
	return out
}

func repoSuffix(repo string) string {
	if repo == "" {
		return ""
	}
	return "  " + repo
}

// pipelines shows one pipeline (the newest, or an older one picked with
// [ and ]): commit, status and trigger, then its newest workflow as a graph.
// The lines before the graph and after it are apart, and plan is nil when
// there is no graph to draw.
func (m Model) pipelines(svc *model.ServiceState, ctx screen.Context) (pre []string, plan *graph.Plan, post []string) {
	now := ctx.Now
	if len(svc.Pipelines) == 0 {
		if svc.CIError != "" {
			return []string{m.st.Warn.Render(theme.GlyphWarn+" CI: ") + svc.CIError}, nil, nil
		}
		return []string{m.st.Dim.Render("CI: no pipelines reported for this service")}, nil, nil
	}
	i := min(m.run, len(svc.Pipelines)-1)
	p := svc.Pipelines[i]
	glyph, paint := m.st.RunPaint(p.Status)
	head := m.st.PanelTitle.Render("Pipeline") + " " + pipelineName(p) + "  " + m.st.Bold.Render(model.ShortSHA(p.SHA)) + "  " +
		paint.Wrap(glyph) + " " + strings.ReplaceAll(string(p.Status), "_", " ")
	if !p.CreatedAt.IsZero() {
		head += m.st.Dim.Render("  " + format.Since(now, p.CreatedAt) + " ago")
	}
	if p.TriggeredBy != "" {
		head += m.st.Dim.Render(" by " + p.TriggeredBy)
	}
	head += m.st.Dim.Render("  (" + strconv.Itoa(i+1) + " of " + strconv.Itoa(len(svc.Pipelines)) + ", [ ] older/newer)")
	lines := []string{format.Truncate(head, m.width)}
	if subject, author := m.byline(ctx, p.SHA, p.Subject); subject != "" {
		lines = append(lines, "  "+format.Byline(`"`+subject+`"`, author, m.width-2))
	}
	if svc.CIError != "" {
		lines = append(lines, m.st.Warn.Render("  "+theme.GlyphWarn+" ")+format.Truncate(svc.CIError, m.width-4))
	}
	if p.Error != "" {
		lines = append(lines, m.st.Error.Render("  "+theme.GlyphFailed+" "+format.Truncate(p.Error, m.width-4)))
	}
	if len(p.Workflows) == 0 {
		return append(lines, m.st.Dim.Render("  no workflows yet")), nil, nil
	}
	wf := p.Workflows[0]
	wg, wp := m.st.RunPaint(wf.Status)
	title := "  workflow " + wf.Name + " " + wp.Wrap(wg) + " " + strings.ReplaceAll(string(wf.Status), "_", " ")
	if n := len(p.Workflows) - 1; n > 0 {
		title += m.st.Dim.Render("  (a rerun; " + strconv.Itoa(n) + " earlier)")
	}
	lines = append(lines, title)
	if wf.GraphError != "" {
		// Without the order the jobs run in, a graph would lie: list them.
		lines = append(lines, m.st.Warn.Render("  "+theme.GlyphWarn+" no graph: ")+format.Truncate(wf.GraphError, m.width-14))
		lines = append(lines, m.jobList(wf.Jobs, now)...)
		return append(lines, m.steps(wf.Jobs)...), nil, nil
	}
	plan = m.plan
	if plan == nil {
		plan = graph.NewPlan(m.st) // a zero Model: nothing kept
	}
	if err := plan.Sync(wf.Jobs, m.width-2, now); err != nil {
		return append(lines, m.st.Error.Render("  "+theme.GlyphFailed+" cannot draw the graph: "+err.Error())), nil, nil
	}
	if plan.Width() > m.width-2 {
		post = append(post, m.st.Dim.Render("  < > scroll the graph"))
	}
	return lines, plan, append(post, m.steps(wf.Jobs)...)
}

// jobList is the jobs as the provider lists them, one a line, for when
// there is no graph to draw.
func (m Model) jobList(jobs []model.Job, now time.Time) []string {
	out := make([]string, 0, len(jobs))
	for _, j := range jobs {
		g, p := m.st.RunPaint(j.Status)
		line := "    " + p.Wrap(g) + " " + j.Name
		if !j.StartedAt.IsZero() {
			end := j.StoppedAt
			if end.IsZero() {
				end = now
			}
			line += m.st.Dim.Render("  " + format.Since(end, j.StartedAt))
		}
		out = append(out, format.Truncate(line, m.width))
	}
	return out
}

// steps says, for each job that runs or failed and reports its steps,
// which step it is on or failed at: "◐ deploy-production · step 3/5 Deploy
// to ECS". The graph's boxes have no room for steps.
func (m Model) steps(jobs []model.Job) []string {
	var out []string
	for _, j := range jobs {
		if j.Status != model.RunRunning && j.Status != model.RunFailed {
			continue
		}
		at := -1
		for i, s := range j.Steps {
			if s.Status == j.Status {
				at = i
				break
			}
		}
		if at < 0 {
			continue
		}
		g, p := m.st.RunPaint(j.Status)
		line := "  " + p.Wrap(g) + " " + j.Name + m.st.Dim.Render(" · step "+strconv.Itoa(at+1)+"/"+strconv.Itoa(len(j.Steps))+" ") + j.Steps[at].Name
		out = append(out, format.Truncate(line, m.width))
	}
	return out
}

func pipelineName(p model.Pipeline) string {
	if p.Number > 0 {
		return "#" + strconv.FormatInt(p.Number, 10)
	}
	return p.ID
}

// panels lays the environment panels side by side when they fit, stacked
// otherwise.
func (m Model) panels(svc *model.ServiceState, ctx screen.Context) string {
	n := len(svc.Environments)
	if n == 0 {
		return m.st.Dim.Render("no environments")
	}
	perRow := max(1, min(n, m.width/40))
	w := m.width/perRow - 2
	var rows []string
	var row []string
	for i := range svc.Environments {
		row = append(row, m.panel(&svc.Environments[i], ctx, w, i == m.env))
		if len(row) == perRow {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return strings.Join(rows, "\n")
}

func (m Model) panel(e *model.EnvStatus, ctx screen.Context, w int, selected bool) string {
	now := ctx.Now
	inner := max(10, w-4)
	var lines []string
	add := func(s string) { lines = append(lines, format.Fit(s, inner)) }
	glyph, gs := m.st.State(e.State)
	title := e.Environment + " " + gs.Render(glyph) + " " + strings.ReplaceAll(string(e.State), "_", " ")
	if selected {
		// The border's colour marks the selection too, but not without
		// colour (NO_COLOR): the marker says which panel r, p and X act on.
		title = "▸ " + title
	}
	if e.Stale {
		title += " " + m.st.Dim.Render("stale, last good "+format.Since(now, e.FetchedAt)+" ago")
	}
	if selected {
		// Reverse video too, which NO_COLOR keeps (theme.Reverse).
		add(m.st.P.Reverse.Wrap(ansi.Strip(title)))
	} else {
		add(m.st.PanelTitle.Render(title))
	}
	if e.FetchedAt.IsZero() && e.Error == "" {
		if e.Unsupported != "" {
			add(m.st.Dim.Render(e.Unsupported))
		} else {
			add(m.st.Dim.Render("loading…"))
		}
	}
	if !e.FetchedAt.IsZero() {
		short := m.st.Bold.Render(e.Version.Short())
		if ctx.CommitURL != nil && e.Version.SHA != "" {
			short = termsafe.Link(ctx.CommitURL(m.service, e.Version.SHA), short)
		}
		add("version  " + short + m.st.Dim.Render(sinceSuffix(now, e.Since)))
		if subject, author := m.byline(ctx, e.Version.SHA, ""); subject != "" {
			add("commit   " + subject)
			if author != "" {
				add("author   " + author)
			}
		}
		add("image    " + format.TruncateLeft(e.Version.Artifact, inner-9))
		add("revision " + e.Version.Revision)
		for _, l := range m.healthLines(e.Health, inner) {
			add(l)
		}
		for _, l := range m.pairLines(e.BlueGreen, inner) {
			add(l)
		}
		for _, l := range m.canaryLines(e.Canary, now, inner) {
			add(l)
		}
	}
	if d := e.Deployment; d != nil {
		add("")
		from, to := model.ShortSHA(d.FromSHA), model.ShortSHA(d.ToSHA)
		started := ""
		if !d.StartedAt.IsZero() {
			started = m.st.Dim.Render(" started " + format.Since(now, d.StartedAt) + " ago")
		}
		verb := "deploy "
		switch {
		case d.Rollback == model.RollbackInProgress:
			verb = "failed, rolling back "
		case d.Rollback == model.RollbackFailed:
			verb = "rollback failed "
		case d.Rollback == model.RollbackDone || e.State == model.StateRolledBack:
			verb = "rolled back "
		case e.State == model.StateFailed:
			verb = "failed deploy "
		}
		add(m.st.Bold.Render(verb) + from + " → " + to + started)
		if subject, author := m.byline(ctx, d.ToSHA, ""); subject != "" && !model.SameCommit(d.ToSHA, e.Version.SHA) {
			add(m.st.Dim.Render("  " + to + " " + format.Byline(subject, author, inner-11)))
		}
		if d.Reason != "" {
			for i, l := range wrap(d.Reason, inner-2) {
				lead := "  "
				if i == 0 {
					lead = m.st.Warn.Render(theme.GlyphWarn) + " "
				}
				add(lead + l)
			}
		}
		for _, l := range m.stoppedLines(d, inner) {
			add(l)
		}
	}
	if len(e.Rollouts) > 0 {
		add("")
		add(m.st.Dim.Render("rollouts"))
		for _, r := range e.Rollouts {
			counts := strconv.Itoa(r.Running) + "/" + strconv.Itoa(r.Desired)
			line := format.Fit(r.Status, 8) + format.Fit(r.Version.Short(), 8) + m.st.Bar.Render(format.Bar(r.Running, r.Desired, 8)) + " " + format.Fit(counts, 6) + rolloutState(m.st, r.State)
			if r.Failed > 0 {
				line += m.st.Failed.Render(" " + strconv.Itoa(r.Failed) + " failed")
			}
			add(line)
		}
	}
	if e.Error != "" {
		add("")
		for i, l := range wrap(e.Error, inner-2) {
			lead := "  "
			if i == 0 {
				lead = theme.GlyphFailed + " "
			}
			add(m.st.Error.Render(lead + l))
		}
	}
	if len(e.Events) > 0 {
		add("")
		add(m.st.Dim.Render("events"))
		for i, ev := range e.Events {
			if i == 5 {
				break
			}
			add(m.st.Dim.Render(format.Fit(format.Since(now, ev.At), 5)) + ev.Message)
		}
	}
	border := m.st.Border
	if selected {
		border = m.st.Rolling
	}
	box := m.st.Cell.Border(lipgloss.RoundedBorder()).BorderForeground(border.GetForeground()).Padding(0, 1).Width(inner + 2)
	return box.Render(strings.Join(lines, "\n"))
}

// byline is a commit's subject and author as the host told them, the
// subject falling back to what the CI provider said (known) while the
// host has not answered.
func (m Model) byline(ctx screen.Context, sha, known string) (subject, author string) {
	if ctx.Commit == nil {
		return known, ""
	}
	if c, ok := ctx.Commit(m.service, sha); ok {
		return cmp.Or(c.Subject, known), c.Author
	}
	return known, ""
}

// healthLines are the platform's verdict on an environment: its word,
// what the load balancer saw, the instances by state, and its causes.
func (m Model) healthLines(h *model.Health, inner int) []string {
	if h == nil {
		return nil
	}
	glyph, style := theme.GlyphOK, m.st.OK
	switch {
	case h.Bad() || h.Status == "Degraded":
		glyph, style = theme.GlyphFailed, m.st.Failed
	case h.Color == "Yellow" || h.Status == "Warning":
		glyph, style = theme.GlyphWarn, m.st.Warn
	case h.Color == "Grey" || h.Color == "":
		glyph, style = theme.GlyphUnknown, m.st.Dim
	}
	word := h.Color
	if h.Status != "" {
		word = h.Status
	}
	lines := []string{"health   " + style.Render(glyph) + " " + word}
	if r := h.Requests; r != nil && r.Count > 0 {
		lines = append(lines, "         "+m.st.Dim.Render(fmt.Sprintf("%d req/%ds · 5xx %.1f%% · p99 %.2fs",
			r.Count, r.WindowSeconds, 100*float64(r.Status5xx)/float64(r.Count), r.P99)))
	}
	if c := h.Instances; c != nil {
		var parts []string
		for _, p := range []struct {
			n    int
			word string
		}{{c.Ok, "ok"}, {c.Warning, "warning"}, {c.Degraded, "degraded"}, {c.Severe, "severe"}, {c.Pending, "pending"}, {c.NoData, "no data"}} {
			if p.n > 0 {
				parts = append(parts, strconv.Itoa(p.n)+" "+p.word)
			}
		}
		if len(parts) > 0 {
			lines = append(lines, "         "+m.st.Dim.Render("instances "+strings.Join(parts, ", ")))
		}
	}
	for _, cause := range h.Causes {
		for i, l := range wrap(cause, inner-2) {
			lead := "  "
			if i == 0 {
				lead = m.st.Warn.Render(theme.GlyphWarn) + " "
			}
			lines = append(lines, lead+l)
		}
	}
	return lines
}

// pairLines say which side of a blue/green pair holds the production name
// and what the standby runs, and why a switch would be refused now.
// canaryLines put the two sides of a canary side by side, each with its
// version and share of the traffic, then the verdict (c opens the panel
// with the numbers).
func (m Model) canaryLines(c *model.Canary, now time.Time, inner int) []string {
	if c == nil {
		return nil
	}
	stage := c.Stage
	if !c.EndsAt.IsZero() && c.EndsAt.After(now) {
		stage += " · ends in " + format.Age(c.EndsAt.Sub(now).Round(time.Second))
	}
	lines := []string{
		"canary   " + m.st.Bold.Render(c.Canary.Version.Short()) + fmt.Sprintf(" %d %%", c.Weight) +
			" · stable " + m.st.Bold.Render(c.Stable.Version.Short()) + fmt.Sprintf(" %d %%", 100-c.Weight),
		"         " + m.st.Dim.Render(strings.TrimSpace(c.Source+" "+stage)),
	}
	if v := c.Verdict; v.Word != "" {
		glyph := m.st.OK.Render(theme.GlyphOK)
		switch v.Word {
		case model.VerdictWorse:
			glyph = m.st.Failed.Render(theme.GlyphFailed)
		case model.VerdictNoData, model.VerdictTooFew:
			glyph = m.st.Warn.Render(theme.GlyphWarn)
		}
		for i, l := range wrap(v.Why, inner-11) {
			lead := "verdict  " + glyph + " "
			if i > 0 {
				lead = "           "
			}
			lines = append(lines, lead+l)
		}
	}
	return lines
}

func (m Model) pairLines(bg *model.BlueGreen, inner int) []string {
	if bg == nil {
		return nil
	}
	live := "live     " + bg.Live
	if bg.CNAME != "" {
		live += m.st.Dim.Render(" (" + bg.CNAME + ")")
	}
	runs := "         runs " + m.st.Bold.Render(bg.StandbyVersion.Short()) + " · " + bg.StandbyStatus
	if h := bg.StandbyHealth; h != nil {
		word := h.Color
		if h.Status != "" {
			word = h.Status
		}
		runs += " · " + word
	}
	lines := []string{live, "standby  " + bg.Standby, runs}
	if bg.LiveColor != "" {
		lines = listenerLines(m, bg, lines)
	}
	if bg.Blocked != "" {
		for i, l := range wrap("switch blocked: "+bg.Blocked, inner-2) {
			lead := "  "
			if i == 0 {
				lead = m.st.Warn.Render(theme.GlyphWarn) + " "
			}
			lines = append(lines, lead+l)
		}
	}
	return lines
}

// listenerLines add, for a pair on a load balancer listener, each
// side's colour and share of the traffic, and its targets' health.
func listenerLines(m Model, bg *model.BlueGreen, lines []string) []string {
	lines[0] += m.st.Dim.Render(fmt.Sprintf(" (%s, weight %d)", bg.LiveColor, bg.LiveWeight))
	lines[1] += m.st.Dim.Render(fmt.Sprintf(" (%s, weight %d)", bg.StandbyColor, bg.StandbyWeight))
	targets := func(t *model.TargetCounts) string {
		if t == nil {
			return "unknown"
		}
		// Healthy always; the others only when there are some, so a
		// narrow panel keeps what matters.
		parts := []string{fmt.Sprintf("%d healthy", t.Healthy)}
		for _, c := range []struct {
			n    int
			word string
		}{{t.Unhealthy, "unhealthy"}, {t.Draining, "draining"}, {t.Initial, "starting"}, {t.Other, "other"}} {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c.n, c.word))
			}
		}
		return strings.Join(parts, " · ")
	}
	return append(lines, "targets  live "+targets(bg.LiveTargets), "         standby "+targets(bg.StandbyTargets))
}

func sinceSuffix(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return "  since " + format.Since(now, t) + " ago"
}

func rolloutState(st theme.Styles, s string) string {
	switch s {
	case "COMPLETED":
		return st.OK.Render(theme.GlyphOK + " completed")
	case "FAILED":
		return st.Failed.Render(theme.GlyphFailed + " failed")
	case "IN_PROGRESS":
		return st.Rolling.Render(theme.GlyphRolling + " in progress")
	}
	return strings.ToLower(s)
}

// stoppedLines are why a failing deploy's tasks stopped, in at most two
// lines: the commonest reason over both, or the two commonest one line
// each; all of them are in the events view (e). Or, when none was read,
// why they could not be.
func (m Model) stoppedLines(d *model.Deployment, inner int) []string {
	var out []string
	put := func(text string, n int, style func(...string) string) {
		ls := wrap(text, inner-2)
		if len(ls) > n {
			ls = ls[:n]
			ls[n-1] = cutMore(ls[n-1], inner-2)
		}
		for _, l := range ls {
			out = append(out, "  "+style(l))
		}
	}
	switch g := d.StoppedTasks; {
	case len(g) == 0 && d.StoppedError != "":
		put(d.StoppedError, 2, m.st.Dim.Render)
	case len(g) == 1:
		put(g[0].Summary(), 2, m.st.Failed.Render)
	case len(g) > 1:
		put(g[0].Summary(), 1, m.st.Failed.Render)
		more := g[1].Summary()
		if len(g) > 2 {
			more = fmt.Sprintf("%s (+%d more, e)", more, len(g)-2)
		}
		put(more, 1, m.st.Failed.Render)
	}
	return out
}

// cutMore marks a line as cut, within w cells.
func cutMore(l string, w int) string {
	if format.Width(l) < w {
		return l + "…"
	}
	return ansi.Truncate(l, w-1, "") + "…"
}

// StoppedText is a deploy's stopped tasks in full, one group a line, with
// a blank line after, for the events view; "" when there are none.
func StoppedText(e *model.EnvStatus) string {
	d := e.Deployment
	if d == nil || len(d.StoppedTasks) == 0 && d.StoppedError == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("Stopped tasks of the failed deploy:\n")
	for _, g := range d.StoppedTasks {
		b.WriteString("  " + g.Summary() + "\n")
	}
	if d.StoppedError != "" {
		b.WriteString("  " + d.StoppedError + "\n")
	}
	return b.String() + "\n"
}

// wrap breaks a long error over lines of at most w cells.
func wrap(s string, w int) []string {
	if w < 10 {
		return []string{s}
	}
	// By terminal cells, at spaces where it can: a byte count cuts a
	// rune in two and a wide rune's line overflows its panel.
	return strings.Split(ansi.Wrap(s, w, ""), "\n")
}
