package board

import (
	"cmp"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// ciSummary is the CI column: the newest pipeline's jobs in dependency
// order up to where it stands ("build ✓ test ✓ ⏸ hold-production"), a
// verdict once it finished, the CI source's error when it failed, or a dash
// when the service has no CI.
func ciSummary(st theme.Styles, svc *model.ServiceState, now time.Time, w int) string {
	if len(svc.Pipelines) == 0 {
		if svc.CIError != "" {
			return st.P.Warn.Wrap(theme.GlyphWarn) + " " + ShortError(svc.CIError)
		}
		return st.P.Dim.Wrap("–")
	}
	p := svc.Pipelines[0]
	var out string
	switch {
	case p.Status == model.RunSuccess:
		out = st.P.OK.Wrap(theme.GlyphOK) + " " + format.Since(now, p.CreatedAt)
	case p.Status == model.RunFailed && failedJob(p) != "":
		out = st.P.Failed.Wrap(theme.GlyphFailed) + " " + failedJob(p) + " failed"
	case len(p.Workflows) == 0:
		g, paint := st.RunPaint(p.Status)
		out = paint.Wrap(g) + " " + strings.ReplaceAll(string(p.Status), "_", " ")
	default:
		out = jobChain(st, p.Workflows[0], w)
	}
	switch {
	case svc.CIError != "":
		out += " " + st.P.Warn.Wrap(theme.GlyphWarn)
	case svc.CIStale:
		out = st.P.Dim.Wrap(ansi.Strip(out) + " stale")
	}
	return out
}

// failedJob names the first failed job of the newest pipeline.
func failedJob(p model.Pipeline) string {
	for _, wf := range p.Workflows {
		for _, j := range wf.Jobs {
			if j.Status == model.RunFailed {
				return j.Name
			}
		}
	}
	return ""
}

// jobChain lists a running workflow's jobs in dependency order: finished
// ones as "name ✓", then the ones in play with their glyph first, dropping
// the oldest finished ones ("…") when the column is too narrow.
func jobChain(st theme.Styles, wf model.Workflow, w int) string {
	order := jobOrder(wf.Jobs)
	var parts []string
	for _, i := range order {
		j := wf.Jobs[i]
		g, paint := st.RunPaint(j.Status)
		switch j.Status {
		case model.RunSuccess, model.RunSkipped:
			parts = append(parts, j.Name+" "+paint.Wrap(g))
		case model.RunRunning, model.RunOnHold, model.RunFailed, model.RunQueued, model.RunCanceled:
			parts = append(parts, paint.Wrap(g)+" "+j.Name)
		}
		// Blocked jobs are what comes next; the graph in the detail shows them.
	}
	lead := st.P.Rolling.Wrap("●") + " "
	for len(parts) > 1 && format.Width(lead+strings.Join(parts, " ")) > w {
		parts = parts[1:]
		lead = st.P.Rolling.Wrap("●") + " … "
	}
	if len(parts) == 1 && format.Width(lead+parts[0]) > w {
		// A narrow column keeps the job in play, not the lead.
		return parts[0]
	}
	return lead + strings.Join(parts, " ")
}

// jobOrder is the jobs' indices layer by layer, as the graph draws them;
// config order when the graph cannot be laid out (a cycle).
func jobOrder(jobs []model.Job) []int {
	order := make([]int, 0, len(jobs))
	g, err := model.LayoutGraph(jobs)
	if err != nil {
		for i := range jobs {
			order = append(order, i)
		}
		return order
	}
	for _, layer := range g.Layers {
		for _, n := range layer {
			if node := g.Nodes[n]; !node.PassThrough() {
				order = append(order, node.Job)
			}
		}
	}
	return order
}

// waitingPanel lists gates waiting for a human, oldest first, marking the
// one `a` answers: the gate chosen in the panel (tab), else the oldest
// gate of the selected service. It is absent when nothing waits, so the
// table gets the room. Columns by priority (docs/screens.md): service,
// gate, SHA and how long it waits are kept; the subject shrinks first,
// then the provider goes.
func (m Model) waitingPanel(snap *model.Snapshot, now time.Time, commit screen.Commits) string {
	if len(snap.Approvals) == 0 {
		return ""
	}
	inner := max(20, m.width-4)
	target := m.chosen(snap)
	var b strings.Builder
	title := "┌ Waiting for you (" + itoa(len(snap.Approvals)) + ") "
	if m.gates {
		title += "· ↑↓ choose, a/x answer, tab back "
	}
	b.WriteString(m.st.Border.Render(title + strings.Repeat("─", max(0, m.width-ansi.StringWidth(title)-1)) + "┐"))
	b.WriteByte('\n')
	svcW, gateW, tailW := 8, 8, 0
	tails := make([]string, len(snap.Approvals))
	for i, g := range snap.Approvals {
		svcW = max(svcW, format.Width(g.Service)+2)
		gateW = max(gateW, format.Width(g.Gate)+2)
		tails[i] = "waiting " + format.Since(now, g.WaitingSince) + expires(g, now)
		if target != nil && g.ID == target.ID {
			if g.ApproveBlocked != "" {
				tails[i] += "  you cannot review this"
			} else {
				tails[i] += m.answerHint()
			}
		}
		tailW = max(tailW, format.Width(tails[i]))
	}
	svcW, gateW = min(svcW, 14), min(gateW, 22)
	provW := 10
	subject := inner - 2 - svcW - gateW - 9 - provW - tailW
	if subject < 12 {
		subject += provW
		provW = 0
	}
	if subject < 8 {
		subject = 0
	}
	subject = min(64, subject)
	for i, g := range snap.Approvals {
		mark := m.st.P.Hold.Wrap(theme.GlyphHold)
		chosen := target != nil && g.ID == target.ID
		if chosen {
			mark = m.st.P.Selected.Wrap(theme.GlyphCursor)
		}
		line := format.Col(g.Service, svcW) + format.Col(g.Gate, gateW) + format.Col(model.ShortSHA(g.SHA), 9)
		if subject > 0 {
			line += format.Col(gateByline(g, commit, subject-2), subject)
		}
		if provW > 0 {
			line += format.Col(g.Provider, provW)
		}
		line += tails[i]
		if chosen && m.gates {
			// In the panel the choice shows without colour too (NO_COLOR).
			line = m.st.P.Reverse.Wrap(ansi.Strip(line))
		}
		b.WriteString(m.st.Border.Render("│") + " " + format.Fit(mark+" "+line, inner) + " " + m.st.Border.Render("│"))
		b.WriteByte('\n')
	}
	b.WriteString(m.st.Border.Render("└" + strings.Repeat("─", max(0, m.width-2)) + "┘"))
	b.WriteByte('\n')
	return b.String()
}

// expires says when a gate answers itself (a lifecycle hook's timeout).
func expires(g model.Gate, now time.Time) string {
	if g.ExpiresAt.IsZero() {
		return ""
	}
	return " · expires in " + format.Age(g.ExpiresAt.Sub(now))
}

// gateByline is a gate's commit subject, and its author where the host
// said and the column has room.
func gateByline(g model.Gate, commit screen.Commits, w int) string {
	subject, author := g.Subject, ""
	if commit != nil {
		if c, ok := commit(g.Service, g.SHA); ok {
			subject, author = cmp.Or(subject, c.Subject), c.Author
		}
	}
	if subject == "" {
		return ""
	}
	return format.Byline(quote(subject), author, w)
}

// GateFor is the gate `a` answers for a service: its oldest waiting gate
// (Approvals are sorted oldest first), or nil.
func GateFor(snap *model.Snapshot, service string) *model.Gate {
	for i := range snap.Approvals {
		if snap.Approvals[i].Service == service {
			return &snap.Approvals[i]
		}
	}
	return nil
}

// answerHint offers the keys that would answer the marked gate now: none in
// read-only mode, while an action is in flight, or from another screen.
func (m Model) answerHint() string {
	var keys []string
	if m.km.Approve.Enabled() {
		keys = append(keys, "[a]pprove")
	}
	if m.km.Reject.Enabled() {
		keys = append(keys, "[x]reject")
	}
	if len(keys) == 0 {
		return ""
	}
	return "  " + strings.Join(keys, " ")
}
