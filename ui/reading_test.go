package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/airside-dev/flightdeck/model"
)

// JobLog makes fakeCI a providers.JobLogReader: a log whose lines carry
// what an outsider can put in a job's output.
func (f *fakeCI) JobLog(_ context.Context, service string, job model.Job) (model.JobLog, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logsRead = append(f.logsRead, service+"/"+job.Name)
	if f.logErr != nil {
		return model.JobLog{}, f.logErr
	}
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "ok  \tpkg/%03d\t0.1s\n", i)
	}
	b.WriteString("--- FAIL: TestCheckout \x1b]52;c;cm0gLXJmIH4=\x07(0.02s)\u202e\n    checkout_test.go:41: got 502, want 200 " + strings.Repeat("wrapped-by-cells-漢字 ", 12))
	code := 1
	return model.JobLog{Job: job.Name, Step: "Run tests", Text: b.String(), Size: 2 << 20, Truncated: true, ExitCode: &code}, nil
}

func failingWorkflow() *model.Workflow {
	return &model.Workflow{ID: "wf-1", Name: "build-deploy", Status: model.RunFailed, Jobs: []model.Job{
		{Name: "build", Status: model.RunSuccess, StartedAt: t0.Add(-8 * time.Minute)},
		{Name: "test", Status: model.RunFailed, Needs: []string{"build"}, StartedAt: t0.Add(-7 * time.Minute), Number: 12},
		{Name: "deploy", Status: model.RunSkipped, Needs: []string{"test"}},
	}}
}

// v on the detail reads the failed job's log on demand and shows its end,
// wrapped by cells, with what an outsider put in it defused; esc goes back.
func TestJobLogView(t *testing.T) {
	h := newCIHarness(t)
	h.ci.wf = failingWorkflow()
	h.poll(t)
	if strings.Contains(view(h.m), "v job log") {
		t.Errorf("the board offers v:\n%s", view(h.m))
	}
	h.press(t, "enter")
	if !strings.Contains(view(h.m), "v job log") {
		t.Fatalf("the detail does not offer v:\n%s", view(h.m))
	}
	h.press(t, "v")
	out := view(h.m)
	if len(h.ci.logsRead) != 1 || h.ci.logsRead[0] != "api/test" {
		t.Fatalf("logs read: %v", h.ci.logsRead)
	}
	for _, want := range []string{"Log of test · api", "step Run tests · exit code 1", "of 2.0 MiB", "--- FAIL: TestCheckout", "wrapped-by-cells"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log view should show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b]") || strings.Contains(out, "\a") || strings.Contains(out, "\u202e") {
		t.Errorf("an escape from the log reached the screen: %q", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if w := cellWidth(l); w > 120 {
			t.Errorf("a line of %d cells on a 120-cell terminal: %q", w, l)
		}
	}
	h.press(t, "g")
	if !strings.Contains(view(h.m), "pkg/000") {
		t.Errorf("g should scroll to the log's top:\n%s", view(h.m))
	}
	h.press(t, "esc")
	if !strings.Contains(view(h.m), "Pipeline #7") {
		t.Errorf("esc should go back to the detail:\n%s", view(h.m))
	}
	// A read that fails says why, in the view.
	h.ci.logErr = errors.New("CircleCI: GET /api/v1.1/project/github/acme/api/12: 404 Build not found")
	h.press(t, "v")
	if !strings.Contains(view(h.m), "404 Build not found") {
		t.Errorf("the failed read should say why:\n%s", view(h.m))
	}
}

// e shows the selected environment's events in full; where there are
// none, it says so and opens nothing.
func TestEventsView(t *testing.T) {
	h := newCIHarness(t)
	h.press(t, "enter")
	if strings.Contains(view(h.m), "e all events") {
		t.Errorf("api's staging has no events, yet e is offered:\n%s", view(h.m))
	}
	h.press(t, "e")
	if !strings.Contains(view(h.m), "has no events to show") {
		t.Errorf("e with no events should say so:\n%s", view(h.m))
	}
	h.press(t, "esc", "j", "j", "j", "enter", "l")
	svc, env, _ := h.m.detail.Selection(h.m.snap)
	if svc != "payments" || env != "production" {
		t.Fatalf("selected %s %s, want payments production", svc, env)
	}
	h.press(t, "e")
	out := view(h.m)
	for _, want := range []string{"Events of payments · production", "1 events, newest first", "rolling back to deployment ecs-svc/1.",
		"Stopped tasks of the failed deploy:", "3 tasks: Essential container in task exited — api exit 137"} {
		if !strings.Contains(out, want) {
			t.Errorf("the events view should show %q:\n%s", want, out)
		}
	}
}

func cellWidth(s string) int { return lipgloss.Width(s) }
