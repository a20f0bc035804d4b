package ui

// Acting. Every release action follows the design's pipeline, each step a
// message or a command so Update never waits:
//
//	key (r/p/X) ─ plan from the snapshot on screen ─▶ guardCmd ─▶ guardedMsg
//	  refusal: the reason in the status line
//	  otherwise: the confirmation modal ─ confirm ─▶ runCmd ─▶ ranMsg
//	    the result in the status line; the source polls hot until it shows
//
// Rollback first opens the picker, whose choice is the action's To. One
// action at a time: while one is being guarded, confirmed or run, the
// action keys are disabled and say why.

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"flightdeck/model"
	"flightdeck/providers"
	"flightdeck/providers/action"
	"flightdeck/ui/auditview"
	"flightdeck/ui/board"
	"flightdeck/ui/confirm"
	"flightdeck/ui/format"
	"flightdeck/ui/keys"
	"flightdeck/ui/picker"
	"flightdeck/ui/theme"
)

// followFor is how long a source stays hot after an action when the
// environment does not show the result sooner.
const followFor = 2 * time.Minute

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
	// results stay until the next one replaces them.
	transient bool
}

// availability says, per action key, why it does not apply to the
// selection right now ("" when it does).
type availability struct{ rollback, promote, abort, audit, approve, reject, rerun, cancel string }

// refreshKeys recomputes which action keys apply and disables the others,
// which hides them from the footer and the help.
func (m Model) refreshKeys() Model {
	m.why = m.availability()
	km := m.base
	km.Rollback.SetEnabled(m.why.rollback == "")
	km.Promote.SetEnabled(m.why.promote == "")
	km.Abort.SetEnabled(m.why.abort == "")
	km.Audit.SetEnabled(m.why.audit == "")
	km.Approve.SetEnabled(m.why.approve == "")
	km.Reject.SetEnabled(m.why.reject == "")
	km.Rerun.SetEnabled(m.why.rerun == "")
	km.Cancel.SetEnabled(m.why.cancel == "")
	m.km = km
	// The waiting panel offers only the keys that would act.
	m.board.SetKeys(km)
	return m
}

func (m Model) availability() availability {
	var av availability
	if m.opts.AuditPath == "" {
		av.audit = "no audit log is configured (audit_log in the config, or --audit-log)"
	}
	why := m.actionsOff()
	if why == "" && m.screen != screenBoard && m.screen != screenDetail {
		why = "go back to the board to act"
	}
	if why != "" {
		av.rollback, av.promote, av.abort, av.approve, av.reject, av.rerun, av.cancel = why, why, why, why, why, why, why
		return av
	}
	_, av.rerun = m.planWorkflow(model.ActionRerun)
	_, av.cancel = m.planWorkflow(model.ActionCancel)
	_, av.approve = m.planGate(model.ActionApprove)
	_, av.reject = m.planGate(model.ActionReject)
	_, _, av.rollback = m.rollbackTarget()
	_, _, av.promote = m.planPromote()
	_, _, av.abort = m.planAbort()
	return av
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

// selected is the environment the action keys act on: the board's cell, or
// the detail screen's panel.
func (m Model) selected() (svc *model.ServiceState, idx int, why string) {
	var name, env string
	var ok bool
	if m.screen == screenDetail {
		name, env, ok = m.detail.Selection(m.snap)
	} else {
		name, env, ok = m.board.Selection(m.snap)
	}
	if !ok || env == "" {
		return nil, 0, "select an environment first"
	}
	svc, found := m.snap.Service(name)
	if !found {
		return nil, 0, "select an environment first"
	}
	for i := range svc.Environments {
		if svc.Environments[i].Environment == env {
			return svc, i, ""
		}
	}
	return nil, 0, name + " has no " + env + " environment"
}

// provider finds what serves an environment, or says why nothing does.
func (m Model) provider(k model.EnvKey) (any, string) {
	p, ok := m.opts.Providers.Env(k)
	if !ok {
		return nil, k.Service + "/" + k.Environment + " is not served by any provider"
	}
	return p, ""
}

// gateWhere names the pipeline and workflow a gate is in, as the CI
// provider numbers and names them.
func (m Model) gateWhere(g model.Gate) string {
	if svc, ok := m.snap.Service(g.Service); ok {
		for _, p := range svc.Pipelines {
			for _, wf := range p.Workflows {
				if wf.ID == g.WorkflowID {
					return fmt.Sprintf("pipeline #%d, workflow %s", p.Number, wf.Name)
				}
			}
		}
	}
	return "workflow " + g.WorkflowID
}

// ciProvider is what serves a service's pipelines, or nil.
func (m Model) ciProvider(service string) any {
	if p, ok := m.opts.Providers.CI(service); ok {
		return p
	}
	return nil
}

// readable says why an environment cannot be acted on yet, or "".
func readable(e *model.EnvStatus) string {
	if e.FetchedAt.IsZero() {
		if e.Unsupported != "" {
			return e.Service + "/" + e.Environment + ": " + e.Unsupported
		}
		return e.Service + "/" + e.Environment + " has not been read yet"
	}
	return ""
}

// rollbackTarget is the environment r would open the picker for.
func (m Model) rollbackTarget() (model.EnvStatus, providers.HistoryReader, string) {
	svc, i, why := m.selected()
	if why != "" {
		return model.EnvStatus{}, nil, why
	}
	e := &svc.Environments[i]
	prov, why := m.provider(e.Key())
	if why != "" {
		return model.EnvStatus{}, nil, why
	}
	if _, ok := prov.(providers.Rollbacker); !ok {
		return model.EnvStatus{}, nil, e.Service + "/" + e.Environment + ": its provider cannot roll back"
	}
	hr, ok := prov.(providers.HistoryReader)
	if !ok {
		return model.EnvStatus{}, nil, e.Service + "/" + e.Environment + ": its provider cannot list the revisions to roll back to"
	}
	if why := readable(e); why != "" {
		return model.EnvStatus{}, nil, why
	}
	return seen(e), hr, ""
}

// planPromote plans p: the selected environment's version into the next
// environment in promotion order.
func (m Model) planPromote() (model.Action, model.EnvStatus, string) {
	svc, i, why := m.selected()
	if why != "" {
		return model.Action{}, model.EnvStatus{}, why
	}
	src := &svc.Environments[i]
	if i+1 >= len(svc.Environments) {
		return model.Action{}, model.EnvStatus{}, src.Environment + " is the last environment of " + svc.Name + ": there is nothing to promote to"
	}
	dst := &svc.Environments[i+1]
	prov, why := m.provider(dst.Key())
	if why != "" {
		return model.Action{}, model.EnvStatus{}, why
	}
	if _, ok := prov.(providers.Promoter); !ok {
		return model.Action{}, model.EnvStatus{}, dst.Service + "/" + dst.Environment + ": its provider cannot promote"
	}
	if why := readable(src); why != "" {
		return model.Action{}, model.EnvStatus{}, why
	}
	if why := readable(dst); why != "" {
		return model.Action{}, model.EnvStatus{}, why
	}
	a := model.Action{Kind: model.ActionPromote, Service: svc.Name, Environment: dst.Environment, SourceEnv: src.Environment,
		From: dst.Version, To: src.Version, Protected: m.protected[dst.Key()]}
	return a, seen(dst), ""
}

// planAbort plans X: stop the deploy in flight in the selected environment.
func (m Model) planAbort() (model.Action, model.EnvStatus, string) {
	svc, i, why := m.selected()
	if why != "" {
		return model.Action{}, model.EnvStatus{}, why
	}
	e := &svc.Environments[i]
	prov, why := m.provider(e.Key())
	if why != "" {
		return model.Action{}, model.EnvStatus{}, why
	}
	if _, ok := prov.(providers.Aborter); !ok {
		return model.Action{}, model.EnvStatus{}, e.Service + "/" + e.Environment + ": its provider cannot abort a deploy"
	}
	if !e.Moving() || e.Deployment == nil {
		return model.Action{}, model.EnvStatus{}, e.Service + "/" + e.Environment + " has no deploy in flight to abort"
	}
	a := model.Action{Kind: model.ActionAbort, Service: svc.Name, Environment: e.Environment,
		From: model.Version{SHA: e.Deployment.FromSHA}, To: model.Version{SHA: e.Deployment.ToSHA}, Protected: m.protected[e.Key()]}
	return a, seen(e), ""
}

// planGate plans a or x: answer the selected service's oldest waiting gate.
func (m Model) planGate(kind model.ActionKind) (model.Action, string) {
	var name string
	if m.screen == screenDetail {
		name = m.detail.Service()
	} else {
		name, _, _ = m.board.Selection(m.snap)
	}
	svc, ok := m.snap.Service(name)
	if !ok {
		return model.Action{}, "select a service first"
	}
	g := board.GateFor(m.snap, name)
	if g == nil {
		return model.Action{}, name + " has no gate waiting for approval"
	}
	prov := m.ciProvider(name)
	switch _, approves := prov.(providers.Approver); {
	case prov == nil:
		return model.Action{}, name + " has no CI provider to answer its gate"
	case kind == model.ActionApprove && !approves:
		return model.Action{}, name + ": its CI provider cannot approve"
	}
	if _, rejects := prov.(providers.Rejecter); kind == model.ActionReject && !rejects {
		return model.Action{}, name + ": its CI provider cannot reject"
	}
	if g.ApproveBlocked != "" {
		return model.Action{}, name + ": " + g.ApproveBlocked
	}
	envs := make([]string, len(svc.Environments))
	for i, e := range svc.Environments {
		envs[i] = e.Environment
	}
	env := model.GateEnvironment(g.Gate, envs)
	gate := *g
	a := model.Action{Kind: kind, Service: name, Environment: env, Gate: &gate, To: model.Version{SHA: g.SHA},
		Protected: m.protected[model.EnvKey{Service: name, Environment: env}]}
	// What the guarded environment runs now: an approval ships what lies
	// between, and the confirmation and the audit log say so.
	if e, ok := m.snap.Env(a.Key()); ok {
		a.From = e.Version
	}
	return a, ""
}

// planWorkflow plans f or C on the detail screen: rerun the shown workflow
// from its failed jobs, or cancel it.
func (m Model) planWorkflow(kind model.ActionKind) (model.Action, string) {
	if m.screen != screenDetail {
		return model.Action{}, "open a service (enter) to act on its workflows"
	}
	name := m.detail.Service()
	p, wf, ok := m.detail.Workflow(m.snap)
	if !ok {
		return model.Action{}, name + " has no workflow on screen"
	}
	prov := m.ciProvider(name)
	_, reruns := prov.(providers.Rerunner)
	_, cancels := prov.(providers.Canceler)
	switch {
	case prov == nil:
		return model.Action{}, name + " has no CI provider"
	case kind == model.ActionRerun && !reruns:
		return model.Action{}, name + ": its CI provider cannot rerun workflows"
	case kind == model.ActionCancel && !cancels:
		return model.Action{}, name + ": its CI provider cannot cancel workflows"
	}
	w := *wf
	a := model.Action{Kind: kind, Service: name, Workflow: &w, To: model.Version{SHA: p.SHA}}
	if err := model.CheckPreconditions(a, model.EnvStatus{}); err != nil {
		return model.Action{}, err.Error()
	}
	return a, ""
}

// seen copies an environment as the user saw it, for a command to read
// while the snapshot moves on.
func seen(e *model.EnvStatus) model.EnvStatus {
	c := *e
	if e.Deployment != nil {
		d := *e.Deployment
		c.Deployment = &d
	}
	return c
}

// handleActionKey handles r, p, X and L on the board and the detail
// screen; ok is false for any other key.
func (m Model) handleActionKey(msg tea.KeyMsg) (next Model, cmd tea.Cmd, ok bool) {
	try := func(why string, act func() (Model, tea.Cmd)) (Model, tea.Cmd, bool) {
		if why != "" {
			m.status = statusLine{text: why, tone: toneWarn, transient: true}
			return m, nil, true
		}
		next, cmd := act()
		return next, cmd, true
	}
	switch {
	case keys.Pressed(msg, m.km.Rollback):
		return try(m.why.rollback, m.openPicker)
	case keys.Pressed(msg, m.km.Promote):
		return try(m.why.promote, func() (Model, tea.Cmd) {
			a, env, _ := m.planPromote()
			return m.startGuard(a, "", env)
		})
	case keys.Pressed(msg, m.km.Abort):
		return try(m.why.abort, func() (Model, tea.Cmd) {
			a, env, _ := m.planAbort()
			return m.startGuard(a, "", env)
		})
	case keys.Pressed(msg, m.km.Audit):
		return try(m.why.audit, m.openAudit)
	case keys.Pressed(msg, m.km.Approve):
		return try(m.why.approve, func() (Model, tea.Cmd) { return m.startGate(model.ActionApprove) })
	case keys.Pressed(msg, m.km.Reject):
		return try(m.why.reject, func() (Model, tea.Cmd) { return m.startGate(model.ActionReject) })
	case keys.Pressed(msg, m.km.Rerun):
		return try(m.why.rerun, func() (Model, tea.Cmd) { return m.startWorkflow(model.ActionRerun) })
	case keys.Pressed(msg, m.km.Cancel):
		return try(m.why.cancel, func() (Model, tea.Cmd) { return m.startWorkflow(model.ActionCancel) })
	}
	return m, nil, false
}

func (m Model) startGate(kind model.ActionKind) (Model, tea.Cmd) {
	a, _ := m.planGate(kind)
	// Where the gate waits, as the user saw it, and what it would ship.
	note := "in " + m.gateWhere(*a.Gate)
	if a.Gate.Subject != "" {
		note = `"` + a.Gate.Subject + `" ` + note
	}
	return m.startGuard(a, note, model.EnvStatus{})
}

func (m Model) startWorkflow(kind model.ActionKind) (Model, tea.Cmd) {
	a, _ := m.planWorkflow(kind)
	return m.startGuard(a, "", model.EnvStatus{})
}

func (m Model) nextID() (Model, int) {
	m.reqs++
	return m, m.reqs
}

func (m Model) openPicker() (Model, tea.Cmd) {
	env, hr, _ := m.rollbackTarget()
	m, id := m.nextID()
	m.picker = picker.New(m.st, m.base, env, id)
	m.picker.SetSize(m.width, m.bodyHeight())
	m.prev, m.screen = m.screen, screenPicker
	lr, repo := m.lineage(env.Service)
	return m, picker.Load(m.opts.Context, hr, lr, repo, env.Key(), id, m.poll.timing.Timeout)
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
	next, decision, cmd := m.picker.Update(msg)
	m.picker = next
	switch decision {
	case picker.Back:
		m.screen = m.prev
	case picker.Reload:
		env := m.picker.Env()
		prov, _ := m.provider(env.Key())
		hr, ok := prov.(providers.HistoryReader)
		if !ok {
			return m, nil
		}
		var id int
		m, id = m.nextID()
		m.picker = m.picker.Reloading(id)
		lr, repo := m.lineage(env.Service)
		return m, picker.Load(m.opts.Context, hr, lr, repo, env.Key(), id, m.poll.timing.Timeout)
	case picker.Chosen:
		if why := m.actionsOff(); why != "" {
			m.status = statusLine{text: why, tone: toneWarn, transient: true}
			return m, nil
		}
		rev, note := m.picker.Choice()
		env := m.picker.Env()
		a := model.Action{Kind: model.ActionRollback, Service: env.Service, Environment: env.Environment,
			From: env.Version, To: rev.Version, Protected: m.protected[env.Key()]}
		return m.startGuard(a, note, env)
	}
	return m, cmd
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
	next, decision := m.audit.Update(msg)
	m.audit = next
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
// user saw; the confirmation opens only if it passes.
//
// What the confirmation says comes from the action planner, as the
// commands' prompt does.
func (m Model) startGuard(a model.Action, note string, env model.EnvStatus) (Model, tea.Cmd) {
	m, id := m.nextID()
	plan := m.opts.Actions.Plan(a, env)
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
	next, decision, cmd := m.modal.Update(msg)
	m.modal = next
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
		m.status = statusLine{text: refusalText(msg.err), tone: toneWarn}
	case msg.err != nil:
		m.status = statusLine{text: m.failureText(a, msg), tone: toneFail}
	default:
		m.status = statusLine{text: successText(a, msg.result), tone: toneOK}
	}
	if done && known {
		f := follow{key: a.Key(), from: a.From, want: a.To, until: m.opts.Now().Add(followFor)}
		if a.Kind == model.ActionAbort {
			f.want = model.Version{}
		}
		m.poll.follow(src, f)
	}
	// Either way the world may have changed: look now.
	if !known {
		return m, nil
	}
	return m, m.poll.start(m.opts.Context, src, m.opts.Now)
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
		m.status = statusLine{text: refusalText(msg.err), tone: toneWarn}
	case msg.err != nil:
		m.status = statusLine{text: refusalText(msg.err), tone: toneFail}
	default:
		m.status = statusLine{text: successText(a, msg.result), tone: toneOK}
	}
	var cmds []tea.Cmd
	if i, ok := m.poll.ciSourceFor(a.Service); ok {
		cmds = append(cmds, m.poll.start(m.opts.Context, i, m.opts.Now))
	}
	if msg.err == nil && a.Kind == model.ActionApprove && a.Environment != "" {
		if i, ok := m.poll.sourceFor(a.Key()); ok {
			m.poll.follow(i, follow{key: a.Key(), from: a.From, want: a.To, until: m.opts.Now().Add(followFor)})
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
