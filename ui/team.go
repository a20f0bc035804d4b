package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/termsafe"
)

// Team mode (`flightdeck serve`): every SSH session runs its own Model
// over one shared world. The server gives each session its own views of
// the shared sources to poll (Options.PollSources, Options.PollCI; see
// package team), tells it when another session's poll landed (PollNow),
// and when someone acted (TeamLine). Nothing else differs: the keys, the
// planner and the screens are the same as on a laptop.

// PollNow tells a session that a source it polls (one of its
// Options.PollSources or PollCI) has a result it has not read: it reads
// it now, from memory, and takes its next poll from there. Services are
// the CI services the result covers (nil for a deploy source). A source
// whose fetch is in flight is not read again now: that fetch returns the
// result, and the services named are due at its next tick.
type PollNow struct {
	Source   any
	Services []string
}

// TeamLine is one line of the team's feed ("ana rolled api/production
// back to 7d3e2a1"), shown on the status line with its age.
type TeamLine struct {
	Text string
	At   time.Time
}

// pollSources are the sources this model polls: the shared views in team
// mode, the registry's own otherwise.
func (o Options) pollSources() ([]providers.DeploySource, []providers.CISource) {
	if o.PollSources != nil || o.PollCI != nil {
		return o.PollSources, o.PollCI
	}
	return o.Providers.Sources(), o.Providers.CISources()
}

func (m Model) handlePollNow(msg PollNow) (Model, tea.Cmd) {
	for i := range m.poll.sources {
		s := &m.poll.sources[i]
		if (s.src == nil || any(s.src) != msg.Source) && (s.ci == nil || any(s.ci) != msg.Source) {
			continue
		}
		// Woken first: a poll in flight for other services of a CI source
		// schedules the next tick at once, for these.
		for _, name := range msg.Services {
			m.poll.wake(i, name)
		}
		if s.inFlight {
			return m, nil
		}
		s.gen++ // the tick pending is replaced by the schedule this read sets
		return m, m.poll.start(m.opts.Context, i, m.opts.Now)
	}
	return m, nil
}

// teamHold is how long the user's own status line is kept from a team
// feed line.
const teamHold = 5 * time.Second

// handleTeamLine shows the feed line on the status line, unless that
// holds the user's own: an action in flight or whose outcome is unknown,
// or a line younger than teamHold. Then the feed line waits (the latest
// one only) and shows once the user's line has gone (ageStatus).
func (m Model) handleTeamLine(msg TeamLine) Model {
	s := m.status
	now := m.now
	if now.IsZero() {
		now = m.opts.Now()
	}
	own := s.text != "" && s.since.IsZero()
	if s.pending != nil || m.act.busy() || (own && (s.at.IsZero() || now.Sub(s.at) < teamHold)) {
		m.heldTeam = &msg
		return m
	}
	m.heldTeam = nil
	m.status = statusLine{text: termsafe.Line(msg.Text), tone: toneInfo, since: msg.At}
	return m
}

// showHeldTeam puts a held feed line on an empty status line.
func (m Model) showHeldTeam() Model {
	if m.status.text != "" || m.heldTeam == nil || m.act.busy() {
		return m
	}
	msg := *m.heldTeam
	m.heldTeam = nil
	m.status = statusLine{text: termsafe.Line(msg.Text), tone: toneInfo, since: msg.At, at: m.now, on: m.screen}
	if m.status.at.IsZero() {
		m.status.at = m.opts.Now()
	}
	return m
}
