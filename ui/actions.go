package ui

// Acting. Every release action follows the design's pipeline, each step a
// message or a command so Update never waits:
//
//	action key ─ the planner's plan (action.Propose) from the snapshot on
//	screen ─▶ guardCmd ─▶ guardedMsg
//	  refusal: the reason in the status line
//	  otherwise: the confirmation modal ─ confirm ─▶ runCmd ─▶ ranMsg
//	    the result in the status line; the source polls hot until it shows
//
// Rollback first opens the picker, whose choice is the action's To. One
// action at a time: while one is being guarded, confirmed or run, the
// action keys are disabled and say why.

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/ui/auditview"
	"github.com/airside-dev/flightdeck/ui/canary"
	"github.com/airside-dev/flightdeck/ui/confirm"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/picker"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// followFor is how long a source stays hot after an action when the
// environment does not show the result sooner.
const followFor = 2 * time.Minute

// followCIFor is how long an environment stays hot after a rollback
// through CI: the re-run job queues, may wait at a gate, then deploys.
const followCIFor = 10 * time.Minute

// guardedMsg answers one Guard call, with what the change ships or
// reverts when the repository could tell.
type guardedMsg struct {
	id      int
	err     error
	commits string
}

// ranMsg answers one Run call.
type ranMsg struct {
	id     int
	result action.Result
	err    error
}

type phase int

const (
	phaseIdle phase = iota
	phaseGuarding
	phaseConfirming
	phaseRunning
)

// acting is the one action allowed at a time.
type acting struct {
	phase phase
	id    int // the request the next guardedMsg or ranMsg must answer
	req   confirm.Request
	// back is the screen to show once the action leaves the confirmation.
	back screen
}

func (a acting) busy() bool { return a.phase != phaseIdle }

type tone int

const (
	toneInfo tone = iota
	toneOK
	toneWarn
	toneFail
)

// statusLine is the one line above the footer: why a key did nothing, or
// how an action went.
type statusLine struct {
	text string
	tone tone
	// transient lines (a disabled key's reason) clear on the next key;
	// others expire (ageStatus in status.go).
	transient bool
	// at and on are when and on which screen the line appeared.
	at time.Time
	on screen
	// pending is an action whose outcome is unknown: its line stays until
	// the snapshot resolves it (resolveStatus).
	pending *model.Action
	// since, when set, is when what the line says happened; its age
	// follows the text (a team feed line).
	since time.Time
}

// actionKeys binds each action key to the kind it asks the planner for.
// A new action kind is one line here (and its binding in ui/keys).
func actionKeys(km *keys.KeyMap) []struct {
	b    *key.Binding
	kind model.ActionKind
} {
	return []struct {
		b    *key.Binding
		kind model.ActionKind
	}{
		{&km.Rollback, model.ActionRollback}, {&km.Promote, model.ActionPromote}, {&km.Abort, model.ActionAbort},
		{&km.Switch, model.ActionSwitch},
		{&km.CanaryPromote, model.ActionCanaryPromote}, {&km.CanaryAbort, model.ActionCanaryAbort},
		{&km.Approve, model.ActionApprove}, {&km.Reject, model.ActionReject},
		{&km.Rerun, model.ActionRerun}, {&km.Cancel, model.ActionCancel},
	}
}

// availability says, per action kind (and for the audit log's and the
// canary panel's keys), why its key does not apply to the selection right
// now ("" when it does).
type availability struct {
	audit, canary, focus string
	kinds                map[model.ActionKind]string
}

// canaryKind says whether an action steps a canary: those keys act only
// on the canary panel, where p and x mean the canary's promote and abort.
func canaryKind(k model.ActionKind) bool {
	return k == model.ActionCanaryPromote || k == model.ActionCanaryAbort
}

// refreshKeys recomputes which action keys apply and disables the others,
// which hides them from the footer and the help.
func (m Model) refreshKeys() Model {
	m.why = m.availability()
	km := m.base
	for _, k := range actionKeys(&km) {
		k.b.SetEnabled(m.why.kinds[k.kind] == "")
	}
	km.Audit.SetEnabled(m.why.audit == "")
	_, _, _, noLog := m.logTarget()
	_, noEvents := m.eventsOf()
	km.Log.SetEnabled(noLog == "")
	km.Events.SetEnabled(noEvents == "")
	km.Canary.SetEnabled(m.why.canary == "")
	km.Focus.SetEnabled(m.why.focus == "")
	m.km = km
	// The waiting panel offers only the keys that would act.
	m.board.SetKeys(km)
	return m
}

// availability asks the planner, per action key, whether the selection
// can be acted on; the dashboard adds only what is its own (one action at
// a time, the screen to act from).
func (m Model) availability() availability {
	av := availability{kinds: map[model.ActionKind]string{}}
	if m.opts.AuditPath == "" {
		av.audit = "no audit log is configured (audit_log in the config, or --audit-log)"
	}
	off := m.actionsOff()
	sel := m.selection()
	av.canary = m.canaryWhy(sel)
	switch {
	case m.screen != screenBoard:
		av.focus = "the waiting panel is on the board"
	case len(m.snap.Approvals) == 0:
		av.focus = "nothing is waiting for you"
	}
	for _, k := range actionKeys(&m.base) {
		why := off
		switch {
		case why != "":
		case canaryKind(k.kind) && m.screen != screenCanary:
			why = "open the canary panel (c) to step a canary"
		case !canaryKind(k.kind) && m.screen != screenBoard && m.screen != screenDetail:
			why = "go back to the board to act"
		}
		switch ask, w := sel.ask(k.kind); {
		case why != "":
			av.kinds[k.kind] = why
		case w != "":
			av.kinds[k.kind] = w
		default:
			av.kinds[k.kind] = m.opts.Actions.Check(m.snap, ask)
		}
	}
	return av
}

// canaryWhy says why c does not open the canary panel now: it opens from
// the board or the detail, on an environment with a canary. Looking is
// no action, so read-only mode and an action in flight do not stop it.
func (m Model) canaryWhy(sel selection) string {
	switch {
	case m.screen == screenCanary:
		return "the canary panel is open"
	case m.screen != screenBoard && m.screen != screenDetail:
		return "go back to the board to open a canary"
	case sel.service == "" || sel.env == "":
		return "select an environment first"
	}
	if e, ok := m.snap.Env(model.EnvKey{Service: sel.service, Environment: sel.env}); !ok || e.Canary == nil {
		return sel.service + "/" + sel.env + " has no canary in force"
	}
	return ""
}

// actionsOff says why no action may start at all, whatever is selected.
func (m Model) actionsOff() string {
	switch {
	case m.opts.ReadOnly:
		return "read-only mode: actions are disabled (--read-only or read_only in the config)"
	case m.opts.Actions == nil:
		return "actions are not available in this session"
	case m.act.busy():
		return "one action at a time: " + m.act.req.Action.Summary() + " is still in flight"
	}
	return ""
}

// selection is what the action keys act on: the board's cell or the
// detail screen's panel, and on the detail screen the workflow shown.
type selection struct {
	service, env, workflow string
	onDetail               bool
	// gate is the gate chosen in the board's waiting panel (tab), which
	// a and x answer; nil: the service's oldest. gateGone: one was
	// chosen there and waits no more, so a and x answer nothing.
	gate     *model.Gate
	gateGone bool
}

func (m Model) selection() selection {
	var sel selection
	if m.screen == screenCanary {
		sel.service, sel.env = m.canaryPanel.Target()
		return sel
	}
	if m.screen == screenDetail {
		sel.service, sel.env, _ = m.detail.Selection(m.snap)
		if _, wf, ok := m.detail.Workflow(m.snap); ok {
			sel.workflow = wf.ID
		}
		sel.onDetail = true
	} else {
		sel.service, sel.env, _ = m.board.Selection(m.snap)
		sel.gate = m.board.ChosenGate(m.snap)
		sel.gateGone = m.board.GateGone(m.snap)
	}
	return sel
}

// ask is what an action key asks for, from the selection on screen; the
// planner does the rest.
func (sel selection) ask(kind model.ActionKind) (action.Ask, string) {
	ask := action.Ask{Kind: kind, Service: sel.service}
	gateKind := kind == model.ActionApprove || kind == model.ActionReject
	if gateKind && sel.gateGone {
		return ask, "the gate you chose waits no more (answered since); choose another"
	}
	if gateKind && sel.gate != nil {
		g := *sel.gate
		ask.Service, ask.Gate = g.Service, &g
		return ask, ""
	}
	if sel.service == "" {
		return ask, "select a service first"
	}
	switch kind {
	case model.ActionApprove, model.ActionReject:
	case model.ActionRerun, model.ActionCancel:
		if !sel.onDetail {
			return ask, "open a service (enter) to act on its workflows"
		}
		ask.Workflow = sel.workflow
	case model.ActionPromote:
		ask.Source = sel.env
	default:
		ask.Environment = sel.env
	}
	return ask, ""
}

// propose plans what a key asks for.
func (m Model) propose(kind model.ActionKind) action.Plan {
	ask, _ := m.selection().ask(kind)
	return m.opts.Actions.Propose(m.snap, ask)
}

// handleActionKey handles the action keys and L on the board and the
// detail screen; ok is false for any other key.
func (m Model) handleActionKey(msg tea.KeyMsg) (next Model, cmd tea.Cmd, ok bool) {
	try := func(why string, act func() (Model, tea.Cmd)) (Model, tea.Cmd, bool) {
		if why != "" {
			m.status = statusLine{text: why, tone: toneWarn, transient: true}
			return m, nil, true
		}
		next, cmd := act()
		return next, cmd, true
	}
	if keys.Pressed(msg, m.km.Audit) {
		return try(m.why.audit, m.openAudit)
	}
	if keys.Pressed(msg, m.km.Canary) {
		return try(m.why.canary, m.openCanary)
	}
	// p and x are the canary's on its panel and promote and reject
	// elsewhere: a key is looked up among the screen's own kinds first,
	// then among the rest, which only say why they do not apply here.
	table := actionKeys(&m.km)
	sort.SliceStable(table, func(i, j int) bool {
		return canaryKind(table[i].kind) == (m.screen == screenCanary) && canaryKind(table[j].kind) != (m.screen == screenCanary)
	})
	for _, k := range table {
		if !keys.Pressed(msg, *k.b) {
			continue
		}
		kind := k.kind
		if kind == model.ActionRollback {
			// The revision is chosen in the picker first.
			return try(m.why.kinds[kind], m.openPicker)
		}
		return try(m.why.kinds[kind], func() (Model, tea.Cmd) { return m.startGuard(m.propose(kind), "") })
	}
	return m, nil, false
}

func (m Model) nextID() (Model, int) {
	m.reqs++
	return m, m.reqs
}

// openPicker lists the selected environment's revisions to roll back to;
// the environment is kept as the user saw it when the picker opened.
func (m Model) openPicker() (Model, tea.Cmd) {
	plan := m.propose(model.ActionRollback)
	env := plan.Seen
	hr, _ := providers.EnvAs[providers.HistoryReader](m.opts.Providers, env.Key())
	m, id := m.nextID()
	m.picker = picker.New(m.st, m.base, env, id).PreferCI(m.rollsBackThroughCI(env.Key()))
	m.picker.SetSize(m.width, m.bodyHeight())
	m.prev, m.screen = m.screen, screenPicker
	lr, repo := m.lineage(env.Service)
	return m, picker.Load(m.opts.Context, hr, m.deployHistory(env.Service), lr, repo, env.Key(), id, m.poll.timing.Timeout)
}

// rollsBackThroughCI says whether the environment's config asks for
// rollbacks through CI by default (rollback: ci).
func (m Model) rollsBackThroughCI(k model.EnvKey) bool {
	for _, s := range m.opts.Services {
		for _, e := range s.Environments {
			if s.Name == k.Service && e.Name == k.Environment {
				return e.RollbackCI
			}
		}
	}
	return false
}

// deployHistory is the service's CI provider when it can list the older
// pipelines that deployed (a rollback through CI), else nil.
func (m Model) deployHistory(service string) providers.DeployHistoryReader {
	dh, _ := providers.CIAs[providers.DeployHistoryReader](m.opts.Providers, service)
	return dh
}

// rollbackAsk is what a row chosen in the picker asks for: the target's
// own revision is a rollback of the target; an older pipeline's deploy
// job is a rollback through CI, re-running that job.
func rollbackAsk(env model.EnvStatus, rev model.Revision) action.Ask {
	ask := action.Ask{Kind: model.ActionRollback, Service: env.Service, Environment: env.Environment, To: rev.Version}
	if rev.CI != nil {
		d := *rev.CI
		ask.Kind, ask.To, ask.Deploy = model.ActionRollbackCI, model.Version{SHA: rev.Version.SHA}, &d
	}
	return ask
}

// lineage is the commit reader for a service's repository, or nil.
func (m Model) lineage(service string) (providers.LineageReader, string) {
	return m.opts.Providers.Lineage(service)
}

func (m Model) handleHistory(msg picker.LoadedMsg) Model {
	if m.screen == screenPicker && msg.ID == m.picker.ID() {
		m.picker = m.picker.Loaded(msg)
	}
	return m
}

func (m Model) handlePickerKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.picker, cmd = m.picker.Update(msg, m.ctx())
	decision := m.picker.Decision()
	switch decision {
	case picker.Back:
		m.screen = m.prev
	case picker.Reload:
		env := m.picker.Env()
		hr, ok := providers.EnvAs[providers.HistoryReader](m.opts.Providers, env.Key())
		if !ok {
			return m, nil
		}
		var id int
		m, id = m.nextID()
		m.picker = m.picker.Reloading(id)
		lr, repo := m.lineage(env.Service)
		return m, picker.Load(m.opts.Context, hr, m.deployHistory(env.Service), lr, repo, env.Key(), id, m.poll.timing.Timeout)
	case picker.Chosen:
		if why := m.actionsOff(); why != "" {
			m.status = statusLine{text: why, tone: toneWarn, transient: true}
			return m, nil
		}
		rev, note := m.picker.Choice()
		env := m.picker.Env()
		// Planned against the environment as the picker showed it, so the
		// re-check refuses if it moved while the user chose.
		if rev.CI != nil {
			// Rows of two kinds: "revisions back" means nothing here, and
			// the plan's note says what the re-run waits for.
			note = ""
		}
		return m.startGuard(m.opts.Actions.Propose(model.SnapshotOf(env), rollbackAsk(env, rev)), note)
	}
	return m, cmd
}

// openCanary opens the canary panel of the selected environment.
func (m Model) openCanary() (Model, tea.Cmd) {
	sel := m.selection()
	m.canaryPanel = canary.New(m.st, m.km, sel.service, sel.env)
	m.canaryPanel.SetSize(m.width, m.bodyHeight())
	m.canaryFrom, m.screen = m.screen, screenCanary
	return m, nil
}

func (m Model) openAudit() (Model, tea.Cmd) {
	m, id := m.nextID()
	m.audit = auditview.New(m.st, m.base, m.opts.AuditPath, id)
	m.audit.SetSize(m.width, m.bodyHeight())
	m.prev, m.screen = m.screen, screenAudit
	return m, auditview.Load(m.opts.AuditPath, id)
}

func (m Model) handleAuditLoaded(msg auditview.LoadedMsg) Model {
	if m.screen == screenAudit && msg.ID == m.audit.ID() {
		m.audit = m.audit.Loaded(msg)
	}
	return m
}

func (m Model) handleAuditKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	m.audit, _ = m.audit.Update(msg, m.ctx())
	decision := m.audit.Decision()
	switch decision {
	case auditview.Back:
		m.screen = m.prev
	case auditview.Reload:
		var id int
		m, id = m.nextID()
		m.audit = m.audit.Reloading(id)
		return m, auditview.Load(m.audit.Path(), id)
	}
	return m, nil
}

// startGuard runs the pipeline's guard on an action planned from what the
// user saw; the confirmation opens only if it passes. What it says comes
// from the plan, as the commands' prompt does; note is the screen's own
// addition (the picker's "3 revisions back").
func (m Model) startGuard(plan action.Plan, note string) (Model, tea.Cmd) {
	if plan.Why != "" {
		m.status = statusLine{text: plan.Why, tone: toneWarn, transient: true}
		return m, nil
	}
	if note == "" {
		note = plan.Note
	}
	a, env := plan.Action, plan.Seen
	m, id := m.nextID()
	req := confirm.Request{Action: a, Title: plan.Title, Recheck: plan.Recheck, Note: note, Calls: plan.Calls, DryRun: plan.DryRun}
	m.act = acting{phase: phaseGuarding, id: id, req: req, back: m.screen}
	if m.screen == screenPicker {
		m.act.back = m.prev
	}
	m.status = statusLine{text: "checking " + req.Action.Summary() + "…", transient: true}
	lr, repo := m.lineage(req.Action.Service)
	return m, guardCmd(m.opts.Context, m.opts.Actions, lr, repo, req.Action, env, id)
}

// lineageTimeout bounds the compare a confirmation waits for.
const lineageTimeout = 3 * time.Second

// guardCmd runs the guard and, for an action that changes what an
// environment runs, reads what the change ships or reverts, commit by
// commit, for the confirmation.
func guardCmd(ctx context.Context, p *action.Pipeline, lr providers.LineageReader, repo string, a model.Action, seen model.EnvStatus, id int) tea.Cmd {
	return func() tea.Msg {
		msg := guardedMsg{id: id, err: p.Guard(a, seen)}
		if msg.err == nil {
			msg.commits = providers.ShipNote(ctx, lr, repo, a, lineageTimeout)
		}
		return msg
	}
}

func (m Model) handleGuarded(msg guardedMsg) (Model, tea.Cmd) {
	if m.act.phase != phaseGuarding || msg.id != m.act.id {
		return m, nil
	}
	if msg.err != nil {
		m.act = acting{}
		m.status = statusLine{text: refusalText(msg.err), tone: toneWarn}
		return m, nil
	}
	var cmd tea.Cmd
	m.act.req.Commits = msg.commits
	m.modal, cmd = confirm.New(m.st, m.act.req)
	m.modal.SetWidth(m.width)
	m.act.phase = phaseConfirming
	m.status = statusLine{}
	return m, cmd
}

func (m Model) handleModalKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.modal, cmd = m.modal.Update(msg, m.ctx())
	decision := m.modal.Decision()
	switch decision {
	case confirm.Cancelled:
		m.act = acting{}
		m.status = statusLine{text: "cancelled: nothing was sent", transient: true}
		return m, nil
	case confirm.Confirmed:
		a := m.act.req.Action
		m, id := m.nextID()
		m.act.phase, m.act.id = phaseRunning, id
		// Back to where the environment shows, to watch the action land.
		m.screen = m.act.back
		m.status = statusLine{text: string(a.Kind) + " " + a.Service + "/" + a.Environment + ": sending…"}
		return m, runCmd(m.opts.Context, m.opts.Actions, a, id)
	}
	return m, cmd
}

func runCmd(ctx context.Context, p *action.Pipeline, a model.Action, id int) tea.Cmd {
	return func() tea.Msg {
		res, err := p.Run(ctx, a)
		return ranMsg{id: id, result: res, err: err}
	}
}

// handleRan reports the result and follows it: the source that serves the
// environment is polled now and kept hot until the environment shows it.
func (m Model) handleRan(msg ranMsg) (Model, tea.Cmd) {
	if m.act.phase != phaseRunning || msg.id != m.act.id {
		return m, nil
	}
	a := m.act.req.Action
	m.act = acting{}
	if msg.result.DryRun && msg.err == nil {
		m.status = statusLine{text: dryRunText(a, msg.result.Receipt), tone: toneWarn}
		return m, nil
	}
	if a.Kind.CI() {
		return m.followCI(a, msg)
	}
	src, known := m.poll.sourceFor(a.Key())
	done := msg.err == nil
	switch {
	case action.IsUnknown(msg.err):
		m.status = unknownStatus(a, msg.err)
	case msg.err != nil:
		m.status = statusLine{text: m.failureText(a, msg), tone: toneFail}
	default:
		m.status = statusLine{text: successText(a, msg.result), tone: toneOK}
	}
	until := followFor
	var cmds []tea.Cmd
	if a.Kind == model.ActionRollbackCI {
		// The re-run pipeline goes first (its CI source polled now and hot
		// while it moves, a gate it needs in the waiting panel as usual);
		// the environment is followed until it runs the commit, for longer:
		// the pipeline's own deploy starts after its job is scheduled.
		until = followCIFor
		if i, ok := m.poll.ciSourceFor(a.Service); ok {
			m.poll.wake(i, a.Service)
			cmds = append(cmds, m.poll.start(m.opts.Context, i, m.opts.Now))
		}
	}
	if done && known {
		m.poll.follow(src, follow{action: a, until: m.opts.Now().Add(until)})
	}
	// Either way the world may have changed: look now.
	if known {
		cmds = append(cmds, m.poll.start(m.opts.Context, src, m.opts.Now))
	}
	return m, tea.Batch(cmds...)
}

// dryRunText says what a dry run would have sent.
func dryRunText(a model.Action, rc providers.Receipt) string {
	s := "dry run, nothing sent: " + a.Summary()
	if rc.Detail != "" {
		s += " · " + rc.Detail
	}
	return s
}

// followCI reports a CI action and polls its CI source now; after an
// approval, the environment the gate guards is followed too, hot until it
// runs the gate's commit.
func (m Model) followCI(a model.Action, msg ranMsg) (Model, tea.Cmd) {
	switch {
	case action.IsUnknown(msg.err):
		m.status = unknownStatus(a, msg.err)
	case msg.err != nil:
		m.status = statusLine{text: refusalText(msg.err), tone: toneFail}
	default:
		m.status = statusLine{text: successText(a, msg.result), tone: toneOK}
	}
	var cmds []tea.Cmd
	if i, ok := m.poll.ciSourceFor(a.Service); ok {
		m.poll.wake(i, a.Service)
		cmds = append(cmds, m.poll.start(m.opts.Context, i, m.opts.Now))
	}
	deployGate := a.Gate != nil && a.Gate.DeploySide()
	if msg.err == nil && (a.Kind == model.ActionApprove || deployGate) && a.Environment != "" {
		if i, ok := m.poll.sourceFor(a.Key()); ok {
			m.poll.follow(i, follow{action: a, until: m.opts.Now().Add(followFor)})
			if deployGate {
				// The deploy provider answered it: read it again now.
				cmds = append(cmds, m.poll.start(m.opts.Context, i, m.opts.Now))
			}
		}
	}
	return m, tea.Batch(cmds...)
}

func successText(a model.Action, res action.Result) string {
	// The same words as the commands' report: the planner's headline.
	s := string(a.Kind) + " sent: " + action.Headline(a)
	switch {
	case res.Resolved != "":
		s += " · the answer was lost; reading again: " + res.Resolved
	case res.Receipt.Detail != "":
		s += " · " + res.Receipt.Detail
	}
	return s
}

// failureText leads with what runs now, so the line says the state of the
// world even where the error is cut off.
func (m Model) failureText(a model.Action, msg ranMsg) string {
	if msg.result.Resolved != "" {
		return msg.result.Resolved + " · " + refusalText(msg.err)
	}
	runs := a.From.Short()
	if e, ok := m.snap.Env(a.Key()); ok && e.Version.Short() != "" {
		runs = e.Version.Short()
	}
	return a.Environment + " still runs " + runs + " · " + refusalText(msg.err)
}

func refusalText(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if model.IsRefusal(err) {
		return "refused: " + msg
	}
	return msg
}

// statusView draws the status line: blank, or one line of what happened.
func (m Model) statusView() string {
	s := m.status
	if s.text == "" {
		return ""
	}
	if !s.since.IsZero() {
		s.text += " · " + format.Since(m.now, s.since) + " ago"
	}
	var line string
	switch s.tone {
	case toneOK:
		line = m.st.OK.Render(theme.GlyphOK) + " " + s.text
	case toneWarn:
		line = m.st.Warn.Render(theme.GlyphWarn) + " " + s.text
	case toneFail:
		line = m.st.Failed.Render(theme.GlyphFailed) + " " + s.text
	default:
		line = m.st.Dim.Render(s.text)
	}
	return " " + format.Truncate(line, max(1, m.width-2))
}
