package detail

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/theme"
)

func plainModel() Model {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return New(theme.New(r), keys.Default(), "api", 0)
}

// The panel gives stopped tasks at most two lines, each within the panel;
// more groups than fit are left to the events view, and a refused read
// says which permission is missing.
func TestStoppedLines(t *testing.T) {
	m := plainModel()
	code := func(n int) *int { return &n }
	oom := model.StoppedGroup{Count: 3, Reason: "Essential container in task exited",
		Containers: []model.StoppedContainer{{Name: "api", ExitCode: code(137), Reason: "OutOfMemoryError: Container killed due to memory usage"}}}
	pull := model.StoppedGroup{Count: 1, Reason: "CannotPullContainerError: pull image manifest has been retried 7 time(s): not found"}
	health := model.StoppedGroup{Count: 1, Reason: "Task failed container health checks", HealthCheck: "container"}
	cases := []struct {
		name string
		d    model.Deployment
		want []string
	}{
		{"one group", model.Deployment{StoppedTasks: []model.StoppedGroup{oom}}, []string{"3 tasks: Essential container in task", "exited — api exit 137…"}},
		{"three groups", model.Deployment{StoppedTasks: []model.StoppedGroup{oom, pull, health}}, []string{"3 tasks: Essential container in task…", "1 task: CannotPullContainerError: pul…"}},
		{"refused", model.Deployment{StoppedError: "ecs:ListTasks is not allowed for this role: stopped tasks cannot be read"},
			[]string{"ecs:ListTasks is not allowed for this", "role: stopped tasks cannot be read"}},
		{"none", model.Deployment{}, nil},
	}
	for _, c := range cases {
		got := m.stoppedLines(&c.d, 40)
		if len(got) != len(c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
			continue
		}
		for i, l := range got {
			if lipgloss.Width(l) > 40 || strings.TrimSpace(l) != c.want[i] {
				t.Errorf("%s line %d: %q (%d cells), want %q", c.name, i, l, lipgloss.Width(l), c.want[i])
			}
		}
	}
	// The events view has them all.
	all := StoppedText(&model.EnvStatus{Deployment: &model.Deployment{StoppedTasks: []model.StoppedGroup{oom, pull, health}}})
	for _, g := range []model.StoppedGroup{oom, pull, health} {
		if !strings.Contains(all, g.Summary()) {
			t.Errorf("events text lacks %q:\n%s", g.Summary(), all)
		}
	}
	if StoppedText(&model.EnvStatus{Deployment: &model.Deployment{}}) != "" || StoppedText(&model.EnvStatus{}) != "" {
		t.Error("events text for a deploy without stopped tasks")
	}
}
