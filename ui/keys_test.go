package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/airside-dev/flightdeck/model"
)

// q goes back one screen everywhere but the board, where it quits; esc
// goes back too; ctrl+c quits from anywhere.
func TestQGoesBackOffTheBoard(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "enter")
	if h.m.screen != screenDetail {
		t.Fatalf("enter should open the detail")
	}
	if _, cmd := h.m.Update(keyMsg("ctrl+c")); cmd == nil || cmd() != tea.Quit() {
		t.Errorf("ctrl+c on the detail should quit")
	}
	next, cmd := h.m.Update(keyMsg("q"))
	if h.m = next.(Model); cmd != nil || h.m.screen != screenBoard {
		t.Errorf("q on the detail should go back to the board, not quit")
	}
	h.press(t, "L")
	if h.m.screen != screenAudit {
		t.Fatalf("L should open the audit log")
	}
	h.press(t, "q")
	if h.m.screen != screenBoard {
		t.Errorf("q on the audit log should go back")
	}
	h.press(t, "r") // api staging: the picker
	if h.m.screen != screenPicker {
		t.Fatalf("r should open the picker: %s", view(h.m))
	}
	h.press(t, "q")
	if h.m.screen != screenBoard {
		t.Errorf("q in the picker should go back")
	}
	h.press(t, "?")
	h.press(t, "q")
	if h.m.full || h.m.screen != screenBoard {
		t.Errorf("q should close the help overlay first")
	}
	if _, cmd := h.m.Update(keyMsg("q")); cmd == nil || cmd() != tea.Quit() {
		t.Errorf("q on the board should quit")
	}
}

// g/G/Home/End/PgUp/PgDn jump on the board as in any list.
func TestBoardJumps(t *testing.T) {
	h := newActionHarness(t, false)
	sel := func() string { s, _, _ := h.m.board.Selection(h.m.snap); return s }
	for _, c := range []struct{ key, want string }{
		{"G", "payments"}, {"g", "api"}, {"end", "payments"}, {"home", "api"}, {"pgdown", "payments"}, {"pgup", "api"},
	} {
		h.press(t, c.key)
		if got := sel(); got != c.want {
			t.Errorf("after %s: %s selected, want %s", c.key, got, c.want)
		}
	}
}

// Clearing a filter keeps the service that was selected through it.
func TestSelectionSurvivesClearingTheFilter(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "/", "w", "o", "r", "enter") // worker only
	if s, _, _ := h.m.board.Selection(h.m.snap); s != "worker" {
		t.Fatalf("the filter should select worker, got %s", s)
	}
	if foot := lastLine(view(h.m)); !strings.Contains(foot, "esc clear filter") {
		t.Errorf("an applied filter's footer should say how to clear it: %q", foot)
	}
	h.press(t, "esc")
	if s, _, _ := h.m.board.Selection(h.m.snap); s != "worker" || h.m.board.Filter() != "" {
		t.Errorf("esc should clear the filter and keep worker selected, got %s", s)
	}
	h.press(t, "/")
	if foot := lastLine(view(h.m)); !strings.Contains(foot, "enter apply") || !strings.Contains(foot, "esc clear") {
		t.Errorf("while typing a filter the footer says enter and esc: %q", foot)
	}
	h.press(t, "k", "esc")
	if s, _, _ := h.m.board.Selection(h.m.snap); s != "worker" {
		t.Errorf("esc while typing should clear and keep worker selected, got %s", s)
	}
}

// Of two gates of one service, tab moves into the waiting panel, ↓
// chooses the newer one, and a answers that one, through the planner.
func TestTabChoosesTheGateToAnswer(t *testing.T) {
	h := newCIHarness(t)
	g2 := gateE()
	g2.Gate, g2.ID, g2.WorkflowID, g2.WaitingSince = "hold-staging", "wf-2/req-2", "wf-2", t0.Add(-time.Minute)
	h.ci.gates = append(h.ci.gates, g2)
	h.poll(t)
	h.press(t, "j", "tab") // web has no gate: the oldest of all
	if g := h.m.board.ChosenGate(h.m.snap); g == nil || g.ID != "wf-1/req-1" {
		t.Errorf("tab from a service without gates should start on the oldest gate: %v", g)
	}
	h.press(t, "esc", "k", "tab") // api: its oldest gate first
	if g := h.m.board.ChosenGate(h.m.snap); g == nil || g.ID != "wf-1/req-1" {
		t.Errorf("tab should start on the selected service's oldest gate: %v", g)
	}
	h.press(t, "down")
	out := view(h.m)
	if !strings.Contains(out, "▸ api     hold-staging") || !strings.Contains(out, "↑↓ choose") {
		t.Errorf("the panel should mark the chosen gate:\n%s", out)
	}
	h.press(t, "j", "tab", "enter") // from web, enter on a gate opens its service
	if h.m.screen != screenDetail || h.m.detail.Service() != "api" {
		t.Errorf("enter on api's gate should open api, got %v %s", h.m.screen, h.m.detail.Service())
	}
	h.press(t, "esc", "k", "tab", "down", "a")
	if out := view(h.m); !strings.Contains(out, "Approve api · hold-staging") {
		t.Fatalf("a should answer the chosen gate:\n%s", out)
	}
	h.press(t, "y")
	if len(h.ci.approved) != 1 || h.ci.approved[0] != "wf-2/req-2" {
		t.Errorf("the chosen gate should be approved, not the oldest: %v", h.ci.approved)
	}
	recs := h.records(t)
	if len(recs) != 1 || recs[0].Gate != "hold-staging" {
		t.Errorf("audit: %+v", recs)
	}
}

// A gate chosen in the waiting panel and answered elsewhere since (by a
// colleague, in team mode) leaves a and x answering nothing: never the
// gate that took its place, which may be another service's.
func TestChosenGateAnsweredElsewhereAnswersNothing(t *testing.T) {
	h := newCIHarness(t)
	g2 := gateE()
	g2.Gate, g2.ID, g2.WorkflowID, g2.WaitingSince = "hold-staging", "wf-2/req-2", "wf-2", t0.Add(-time.Minute)
	h.ci.gates = append(h.ci.gates, g2)
	h.poll(t)
	h.press(t, "tab", "down") // api's newer gate chosen
	if g := h.m.board.ChosenGate(h.m.snap); g == nil || g.ID != "wf-2/req-2" {
		t.Fatalf("chosen: %v", g)
	}
	h.ci.gates = h.ci.gates[:1] // answered elsewhere
	h.poll(t)
	h.press(t, "a")
	out := view(h.m)
	if strings.Contains(out, "Approve api") || !strings.Contains(out, "waits no more") {
		t.Errorf("a should answer nothing and say why:\n%s", out)
	}
	if len(h.ci.approved) != 0 {
		t.Errorf("nothing should be approved: %v", h.ci.approved)
	}
	h.press(t, "up", "a") // choosing again works
	if out := view(h.m); !strings.Contains(out, "Approve api · hold-production") {
		t.Errorf("a on the gate chosen again:\n%s", out)
	}
}

// ? lists the keys that do nothing now too, each group with why, and the
// glyphs' legend; it scrolls where it is taller than the screen.
func TestHelpListsDisabledKeysWithWhy(t *testing.T) {
	h := newActionHarness(t, true) // read-only
	h.m = update(t, h.m, tea.WindowSizeMsg{Width: 120, Height: 60})
	h.press(t, "?")
	out := view(h.m)
	for _, want := range []string{"Not available now", "a approve", "read-only mode: actions are disabled", "nothing is waiting for you:\n  tab waiting gates",
		"Glyphs", "↺ rolled back", "⇄ blue/green pair", "◐ deploying"} {
		if !strings.Contains(out, want) {
			t.Errorf("the overlay should show %q:\n%s", want, out)
		}
	}
	h.m = update(t, h.m, tea.WindowSizeMsg{Width: 80, Height: 24})
	first := strings.Split(view(h.m), "\n")[1]
	h.press(t, "G")
	if got := strings.Split(view(h.m), "\n")[1]; got == first || !strings.Contains(view(h.m), "Glyphs") {
		t.Errorf("G should scroll the overlay to its end:\n%s", view(h.m))
	}
}

// A click selects the row and environment under it at any size; in the
// waiting panel it chooses that gate.
func TestClickSelectsTheRowUnderIt(t *testing.T) {
	h := newCIHarness(t)
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 50}} {
		h.m = update(t, h.m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(view(h.m), "\n")
		y, x := -1, -1
		for i, l := range lines {
			if strings.Contains(l, "  worker") {
				y, x = i, strings.Index(l, "7777777") // worker's production
			}
		}
		if y < 0 || x < 0 {
			t.Fatalf("no worker row at %v:\n%s", size, strings.Join(lines, "\n"))
		}
		x = len([]rune(lines[y][:x])) // cells, not bytes
		h.m = update(t, h.m, tea.MouseMsg{X: x, Y: y, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
		if s, e, _ := h.m.board.Selection(h.m.snap); s != "worker" || e != "production" {
			t.Errorf("at %v a click on worker's production selected %s/%s", size, s, e)
		}
		h.m = update(t, h.m, tea.MouseMsg{X: 10, Y: 2, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
		if g := h.m.board.ChosenGate(h.m.snap); g == nil || g.ID != "wf-1/req-1" {
			t.Errorf("at %v a click in the waiting panel should choose its gate: %v", size, g)
		}
		h.m = update(t, h.m, tea.MouseMsg{X: 10, Y: 1, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
		h.m = update(t, h.m, keyMsg("esc")) // back to the services
		h.m = update(t, h.m, tea.MouseMsg{X: 10, Y: 1, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelUp})
		if s, _, _ := h.m.board.Selection(h.m.snap); s != "web" {
			t.Errorf("at %v the wheel should move the selection up from worker: %s", size, s)
		}
	}
}

// A status line expires after statusTTL or when the screen changes; an
// action whose outcome is unknown keeps its line.
func TestStatusLinesExpire(t *testing.T) {
	h := newActionHarness(t, true)
	clock := t0
	h.m.opts.Now = func() time.Time { return clock }
	h.m.status = statusLine{text: "superseded by 1234567", tone: toneWarn}
	h.m = update(t, h.m, clockMsg(clock)) // stamps it
	clock = clock.Add(statusTTL - time.Second)
	h.m = update(t, h.m, clockMsg(clock))
	if !strings.Contains(view(h.m), "superseded by") {
		t.Fatalf("a fresh status line should stay")
	}
	clock = clock.Add(2 * time.Second)
	h.m = update(t, h.m, clockMsg(clock))
	if strings.Contains(view(h.m), "superseded by") {
		t.Errorf("a status line should expire after %s", statusTTL)
	}
	h.m.status = statusLine{text: "superseded by 7654321", tone: toneWarn}
	h.m = update(t, h.m, clockMsg(clock))
	h.press(t, "enter")
	if strings.Contains(view(h.m), "superseded by") {
		t.Errorf("a status line should go when the screen changes")
	}
	a := model.Action{Kind: model.ActionRollback, Service: "api", Environment: "staging", To: model.Version{SHA: sha('1')}}
	h.m.status = statusLine{text: "rollback api/staging: outcome unknown", tone: toneWarn, pending: &a}
	h.m = update(t, h.m, clockMsg(clock))
	h.press(t, "esc")
	clock = clock.Add(10 * statusTTL)
	h.m = update(t, h.m, clockMsg(clock))
	if !strings.Contains(view(h.m), "outcome unknown") {
		t.Errorf("an unknown outcome should stay until resolved:\n%s", view(h.m))
	}
}

// When every source has failed and none ever answered, the header says so
// with the first error, not "loading" for ever.
func TestHeaderSaysAllSourcesFailing(t *testing.T) {
	_, src := world()
	src.err = errBoom
	m, _ := newTestModel(t, src)
	m = fetchAll(t, m)
	head := strings.Split(view(m), "\n")[0]
	if !strings.Contains(head, "all sources failing: Service unavailable.") || strings.Contains(head, "loading") {
		t.Errorf("header: %q", head)
	}
}

// Without colour the selection shows by the marker and reverse video, on
// the board's cell and the detail's panel.
func TestNoColorSelectionIsReverseVideo(t *testing.T) {
	h := newActionHarness(t, false)
	raw := h.m.View()
	if !strings.Contains(raw, "▸ api") || !strings.Contains(raw, "\x1b[7maaaaaaa") {
		t.Errorf("the board's selected cell should be in reverse video:\n%q", raw)
	}
	h.press(t, "enter")
	if raw := h.m.View(); !strings.Contains(raw, "\x1b[7m▸ staging") {
		t.Errorf("the detail's selected panel should be in reverse video:\n%q", raw)
	}
}

// The board at the three sizes docs/screens.md describes: at 80×24 every
// cell keeps its SHA, state and age, "rolled back" is never cut, and the
// CI and drift columns give way; at 120×40 and 200×50 they have room.
func TestGoldenSizes(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 50}} {
		t.Run(strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), func(t *testing.T) {
			h := newCIHarness(t)
			h.m = update(t, h.m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			out := view(h.m)
			for _, want := range []string{"aaaaaaa ✓ 12m", "ddddddd ✓ 12m", "5555555 ↺ ", "bbbbbbb ◐ ", "3/5", "waiting 4m"} {
				if !strings.Contains(out, want) {
					t.Errorf("at %v the board should keep %q:\n%s", size, want, out)
				}
			}
			if strings.Contains(out, "rolled b…") || strings.Contains(out, "↺ …") {
				t.Errorf("a state word is cut:\n%s", out)
			}
			golden.RequireEqual(t, []byte(out))
		})
	}
}

// An unknown outcome's line gives way once a poll shows the action landed.
func TestUnknownOutcomeResolvesWhenItLands(t *testing.T) {
	h := newActionHarness(t, false)
	a := model.Action{Kind: model.ActionRollback, Service: "api", Environment: "staging", To: model.Version{SHA: sha('a')}}
	h.m.status = unknownStatus(a, errBoom)
	h.m = fetchAll(t, h.m)
	if out := view(h.m); strings.Contains(out, "Service unavailable") || !strings.Contains(out, "landed: staging runs aaaaaaa") {
		t.Errorf("the line should say the rollback landed:\n%s", out)
	}
}
