package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/internal/workflows"
)

// TestDetailGraphShowsAStatusChangeNextFrame: the detail keeps its graph
// between frames, and a job that changes status must still show the
// change on the very next frame after the poll that brings it.
func TestDetailGraphShowsAStatusChangeNextFrame(t *testing.T) {
	h := newCIHarness(t)
	wf := func(test model.RunStatus) *model.Workflow {
		return &model.Workflow{ID: "wf-1", Name: "Deploy", Status: model.RunOnHold, Jobs: []model.Job{
			{Name: "build", Status: model.RunSuccess},
			{Name: "test", Needs: []string{"build"}, Status: test},
			{Name: "deploy", Needs: []string{"test"}, Status: model.RunBlocked}}}
	}
	h.ci.wf = wf(model.RunQueued)
	h.poll(t)
	h.press(t, "enter")
	if v := view(h.m); !strings.Contains(v, "queued") || strings.Contains(v, "failed") {
		t.Fatalf("the test job should be queued:\n%s", v)
	}
	h.ci.wf = wf(model.RunFailed)
	h.poll(t)
	if v := view(h.m); !strings.Contains(v, "✗ failed") || strings.Contains(v, "queued") {
		t.Errorf("the failed test job should show on the next frame:\n%s", v)
	}
}

// TestDetailRunningJobsAgeWithTheClock: a running job's box counts up
// with the clock, with no poll in between.
func TestDetailRunningJobsAgeWithTheClock(t *testing.T) {
	h := newCIHarness(t)
	c := &clock{now: t0}
	h.m.opts.Now = c.Now
	h.ci.wf = &model.Workflow{ID: "wf-1", Name: "Deploy", Status: model.RunRunning, Jobs: []model.Job{
		{Name: "build", Status: model.RunRunning, StartedAt: t0.Add(-2 * time.Minute)}}}
	h.poll(t)
	h.press(t, "enter")
	if v := view(h.m); !strings.Contains(v, "◐ 2m") {
		t.Fatalf("build has run 2m:\n%s", v)
	}
	c.now = t0.Add(3 * time.Minute)
	h.m = update(t, h.m, clockMsg(c.now))
	if v := view(h.m); !strings.Contains(v, "◐ 5m") {
		t.Errorf("a clock tick later, build has run 5m:\n%s", v)
	}
}

// TestDetailScrollsABigWorkflow: ↓ moves the page one line at a time
// through a 200-job graph, down to the environment panels and no further.
func TestDetailScrollsABigWorkflow(t *testing.T) {
	h := newCIHarness(t)
	h.ci.wf = &model.Workflow{ID: "wf-1", Name: "release", Status: model.RunRunning, Jobs: workflows.Monorepo(39, t0)}
	h.poll(t)
	h.press(t, "enter")
	body := func() []string {
		lines := strings.Split(view(h.m), "\n")
		return lines[1 : len(lines)-2] // between the header and the status line
	}
	top := body()
	h.press(t, "down")
	if next := body(); strings.Join(next[:len(next)-1], "\n") != strings.Join(top[1:], "\n") {
		t.Fatalf("↓ should move the page up one line:\nbefore:\n%s\nafter:\n%s", strings.Join(top, "\n"), strings.Join(next, "\n"))
	}
	var last []string
	for range 400 {
		h.m = update(t, h.m, tea.KeyMsg{Type: tea.KeyDown})
	}
	last = body()
	if !strings.Contains(strings.Join(last, "\n"), "production") || !strings.HasPrefix(strings.TrimSpace(last[len(last)-1]), "╰") {
		t.Errorf("at the end the panels show, their bottom border last:\n%s", strings.Join(last, "\n"))
	}
	h.m = update(t, h.m, tea.KeyMsg{Type: tea.KeyDown})
	if again := body(); strings.Join(again, "\n") != strings.Join(last, "\n") {
		t.Error("↓ at the end should not move the page")
	}
	h.m = update(t, h.m, tea.KeyMsg{Type: tea.KeyUp})
	if up := body(); strings.Join(up[1:], "\n") != strings.Join(last[:len(last)-1], "\n") {
		t.Error("↑ from the end should move the page down one line")
	}
}
