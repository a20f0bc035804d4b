package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// TestPollNowReadsTheSourceOnce: in team mode a poke reads the named
// source at once when it is idle (its pending tick replaced, so polls do
// not double up), and is ignored while that source's fetch is in flight.
func TestPollNowReadsTheSourceOnce(t *testing.T) {
	specs, src := world()
	c := &clock{now: t0}
	m := New(Options{Title: "test", Services: specs, Providers: registry([]providers.DeploySource{src}),
		PollSources: []providers.DeploySource{src}, Refresh: 10 * time.Second, Now: c.Now, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	gen := m.poll.sources[0].gen
	next, cmd := m.Update(PollNow{Source: src})
	m = next.(Model)
	if cmd == nil || !m.poll.sources[0].inFlight || m.poll.sources[0].gen != gen+1 {
		t.Fatalf("an idle source poked: fetch %v, in flight %v, gen %d → %d", cmd != nil, m.poll.sources[0].inFlight, gen, m.poll.sources[0].gen)
	}
	if _, again := m.Update(PollNow{Source: src}); again != nil {
		t.Error("a poke while the fetch is in flight must start nothing")
	}
	m = update(t, m, cmd())
	if src.calls != 1 || m.poll.sources[0].inFlight {
		t.Errorf("one fetch should have run and finished: %d calls", src.calls)
	}
	if _, other := m.Update(PollNow{Source: "not a source of this model"}); other != nil {
		t.Error("a poke for an unknown source must start nothing")
	}
}

// TestTeamLineShowsWithItsAge: someone else's action is shown on the
// status line, aged as the clock moves, its text cleaned like any other.
func TestTeamLineShowsWithItsAge(t *testing.T) {
	m, c := newTestModel(t)
	m = update(t, m, TeamLine{Text: "ana rolled api/production back to 7d3e2a1\x1b[2J", At: t0})
	c.now = t0.Add(4 * time.Second)
	m = update(t, m, clockMsg(c.now))
	v := view(m)
	if !strings.Contains(v, "ana rolled api/production back to 7d3e2a1␛[2J · 4s ago") {
		t.Errorf("the feed line with its age, escape shown not obeyed:\n%s", v)
	}
}

// TestTeamLineWaitsForTheUsersOwn: a feed line does not replace the
// user's own fresh result, nor a pending unknown outcome; it shows once
// that line has gone. An older own line gives way at once.
func TestTeamLineWaitsForTheUsersOwn(t *testing.T) {
	m, c := newTestModel(t)
	c.now = t0.Add(time.Second)
	m = update(t, m, clockMsg(c.now))
	m.status = statusLine{text: "rollback sent: api/production → 7d3e2a1", tone: toneOK, at: c.now, on: m.screen}
	c.now = c.now.Add(2 * time.Second)
	m = update(t, m, clockMsg(c.now))
	m = update(t, m, TeamLine{Text: "ana approved api hold-production", At: c.now})
	if v := view(m); !strings.Contains(v, "rollback sent") || strings.Contains(v, "ana approved") {
		t.Fatalf("a 2 s old own result was replaced by the feed:\n%s", v)
	}
	c.now = c.now.Add(statusTTL)
	m = update(t, m, clockMsg(c.now))
	if v := view(m); strings.Contains(v, "rollback sent") || !strings.Contains(v, "ana approved api hold-production") {
		t.Fatalf("once the own line expired, the held feed line should show:\n%s", v)
	}

	// A pending unknown outcome is never replaced, however old.
	m.status = statusLine{text: "the answer was lost; reading api/production again", tone: toneWarn, pending: &model.Action{Service: "api", Environment: "production"}, at: c.now, on: m.screen}
	c.now = c.now.Add(time.Minute)
	m = update(t, m, clockMsg(c.now))
	m = update(t, m, TeamLine{Text: "bo rolled api/staging back to abc1234", At: c.now})
	if v := view(m); !strings.Contains(v, "the answer was lost") || strings.Contains(v, "bo rolled") {
		t.Fatalf("a pending outcome's line was replaced by the feed:\n%s", v)
	}

	// An own line older than the hold gives way.
	m.status = statusLine{text: "cancelled: nothing was sent", at: c.now, on: m.screen}
	c.now = c.now.Add(6 * time.Second)
	m = update(t, m, clockMsg(c.now))
	m = update(t, m, TeamLine{Text: "li reran api build from failed", At: c.now})
	if v := view(m); !strings.Contains(v, "li reran api build") {
		t.Fatalf("a 6 s old own line should give way to the feed:\n%s", v)
	}
}
