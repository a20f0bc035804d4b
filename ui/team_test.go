package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

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
