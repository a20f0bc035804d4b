package ui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/action"
)

// statusTTL is how long a status line stays: a message older than this,
// or one shown on another screen, is gone. An action in flight and an
// action whose outcome is unknown keep theirs until they resolve.
const statusTTL = 10 * time.Second

// ageStatus stamps a new status line with the time and the screen it was
// shown on, and clears an old one that has expired.
func (m Model) ageStatus(before statusLine) Model {
	s := m.status
	switch {
	case s.text == "":
		return m
	case s.text != before.text || s.tone != before.tone || s.at.IsZero():
		m.status.at, m.status.on = m.now, m.screen
		if m.status.at.IsZero() {
			m.status.at = m.opts.Now()
		}
		return m
	case s.pending != nil || m.act.busy():
		return m
	case s.on != m.screen || m.now.Sub(s.at) >= statusTTL:
		m.status = statusLine{}
	}
	return m
}

// unknownStatus is the status line of an action whose outcome is unknown:
// it stays until the snapshot shows the action landed (resolveStatus) or
// another message replaces it.
func unknownStatus(a model.Action, err error) statusLine {
	return statusLine{text: refusalText(err), tone: toneWarn, pending: &a}
}

// resolveStatus replaces an unknown outcome's line once the snapshot
// shows what became of the action.
func (m Model) resolveStatus() Model {
	a := m.status.pending
	if a == nil {
		return m
	}
	if a.Kind.CI() && a.Gate != nil && !a.Gate.DeploySide() {
		if l, shows := action.LandedGate(*a, m.snap); l.Done {
			m.status = statusLine{text: string(a.Kind) + " " + a.Service + ": " + shows, tone: toneOK}
		}
		return m
	}
	e, ok := m.snap.Env(a.Key())
	if !ok || e.FetchedAt.IsZero() {
		return m
	}
	switch l := action.Landed(*a, *e); {
	case l.Done && l.Err != nil:
		m.status = statusLine{text: a.Summary() + ": " + l.Err.Error(), tone: toneFail}
	case l.Done:
		m.status = statusLine{text: a.Summary() + " landed: " + a.Environment + " runs " + e.Version.Short(), tone: toneOK}
	}
	return m
}

// scrollOverlay is the ? overlay's first line after a key.
func (m Model) scrollOverlay(msg tea.KeyMsg) int {
	lines := len(m.helpLines(m.front(m.ctx())))
	last := max(0, lines-m.bodyHeight())
	at := min(m.helpScroll, last)
	page := max(1, m.bodyHeight())
	switch {
	case key.Matches(msg, m.km.Up):
		at--
	case key.Matches(msg, m.km.Down):
		at++
	case key.Matches(msg, m.km.Top):
		at = 0
	case key.Matches(msg, m.km.Bottom):
		at = last
	case key.Matches(msg, m.km.PageUp):
		at -= page
	case key.Matches(msg, m.km.PageDown):
		at += page
	}
	return max(0, min(last, at))
}
