package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/ui/detail"
	"github.com/airside-dev/flightdeck/ui/format"
	"github.com/airside-dev/flightdeck/ui/textview"
)

// Reading why something failed, from the detail screen: v opens the log
// of the shown workflow's failed job (read on demand, never polled), e
// the selected environment's events in full. Both open the text view.

// logMsg answers one read of a job's log.
type logMsg struct {
	id  int
	log model.JobLog
	err error
}

// logReadTimeout bounds a log read: a log may be large and its storage
// host slow, but the user is waiting for it.
const logReadTimeout = 30 * time.Second

// failedJob is the job whose log v reads: the shown workflow's first
// failed job, else its first job that ran, for a workflow still going.
func failedJob(wf *model.Workflow) (model.Job, bool) {
	var ran *model.Job
	for i := range wf.Jobs {
		j := &wf.Jobs[i]
		if j.Approval || j.StartedAt.IsZero() {
			continue
		}
		if j.Status == model.RunFailed {
			return *j, true
		}
		if ran == nil {
			ran = j
		}
	}
	if ran != nil {
		return *ran, true
	}
	return model.Job{}, false
}

// logTarget is what v would read: the service, its job and the reader,
// or why there is nothing to read.
func (m Model) logTarget() (string, model.Job, providers.JobLogReader, string) {
	if m.screen != screenDetail {
		return "", model.Job{}, nil, "open a service (enter) to read its jobs' logs"
	}
	service := m.detail.Service()
	_, wf, ok := m.detail.Workflow(m.snap)
	if !ok {
		return "", model.Job{}, nil, "no workflow shown"
	}
	job, ok := failedJob(wf)
	if !ok {
		return "", model.Job{}, nil, "no job of " + wf.Name + " has run yet"
	}
	reader, ok := providers.CIAs[providers.JobLogReader](m.opts.Providers, service)
	if !ok {
		return "", model.Job{}, nil, "the CI source of " + service + " does not give job logs"
	}
	return service, job, reader, ""
}

// openLog reads the log of the shown workflow's failed job.
func (m Model) openLog() (Model, tea.Cmd) {
	service, job, reader, why := m.logTarget()
	if why != "" {
		return m.say(why), nil
	}
	m, id := m.nextID()
	m.text = textview.New(m.st, m.base, id, "Log of "+job.Name+" · "+service, "reading the log of "+job.Name+"…")
	m.text.SetSize(m.width, m.bodyHeight())
	m.prev, m.screen = m.screen, screenText
	ctx := m.opts.Context
	return m, func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, logReadTimeout)
		defer cancel()
		log, err := reader.JobLog(ctx, service, job)
		return logMsg{id: id, log: log, err: err}
	}
}

// handleLog fills the text view with the log, if it is still the one open.
func (m Model) handleLog(msg logMsg) Model {
	if m.screen != screenText || msg.id != m.text.ID() {
		return m
	}
	if msg.err != nil {
		m.text = m.text.Failed(providers.OneLine(msg.err.Error(), 400))
		return m
	}
	m.text = m.text.Loaded(msg.log.Text, logNote(msg.log))
	return m
}

// logNote says what was read: the step, how it ended, how much of how
// large a log is shown.
func logNote(l model.JobLog) string {
	var parts []string
	if l.Step != "" {
		parts = append(parts, "step "+l.Step)
	}
	if l.ExitCode != nil {
		parts = append(parts, fmt.Sprintf("exit code %d", *l.ExitCode))
	}
	switch {
	case l.Truncated:
		parts = append(parts, "the last "+format.Bytes(int64(len(l.Text)))+" of "+format.Bytes(l.Size))
	case l.Size >= 0:
		parts = append(parts, format.Bytes(l.Size))
	}
	return strings.Join(parts, " · ")
}

// eventsOf is the selected environment whose events e shows, or why
// there are none to show.
func (m Model) eventsOf() (*model.EnvStatus, string) {
	if m.screen != screenDetail {
		return nil, "open a service (enter) to read its events"
	}
	service, env, ok := m.detail.Selection(m.snap)
	e, found := m.snap.Env(model.EnvKey{Service: service, Environment: env})
	switch {
	case !ok || !found:
		return nil, "select an environment first"
	case len(e.Events) == 0:
		return nil, env + " has no events to show"
	}
	return e, ""
}

// openEvents shows the selected environment's events in full, newest
// first, each wrapped to the width.
func (m Model) openEvents() (Model, tea.Cmd) {
	e, why := m.eventsOf()
	if why != "" {
		return m.say(why), nil
	}
	var b strings.Builder
	b.WriteString(detail.StoppedText(e)) // why a failed deploy's tasks stopped, above the events
	for i, ev := range e.Events {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(ev.At.In(m.now.Location()).Format("Jan 02 15:04:05") + "  " + ev.Message)
	}
	m, id := m.nextID()
	m.text = textview.New(m.st, m.base, id, "Events of "+e.Service+" · "+e.Environment, "")
	m.text.SetSize(m.width, m.bodyHeight())
	m.text = m.text.Loaded(b.String(), fmt.Sprintf("%d events, newest first, as the platform last reported them", len(e.Events))).Top()
	m.prev, m.screen = m.screen, screenText
	return m, nil
}

func (m Model) handleTextKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	m.text, _ = m.text.Update(msg, m.ctx())
	if m.text.Decision() == textview.Back {
		m.screen = m.prev
	}
	return m, nil
}

// say puts a short reason on the status line until the next key.
func (m Model) say(why string) Model {
	m.status = statusLine{text: why, tone: toneWarn, transient: true}
	return m
}
