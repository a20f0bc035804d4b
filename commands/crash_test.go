package commands

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/termsafe"
)

// panicky panics where it is told to: in a command (alone or in a batch),
// in Update or in View.
type panicky struct{ where string }

type poke struct{}

const hostilePanic = "hostile \x1b]0;pwned\x07 value"

func (p panicky) Init() tea.Cmd {
	boom := func() tea.Msg { panic(hostilePanic) }
	switch p.where {
	case "cmd":
		return boom
	case "batch":
		return tea.Batch(func() tea.Msg { return nil }, boom)
	}
	return func() tea.Msg { return poke{} }
}

func (p panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(poke); ok && p.where == "update" {
		panic(hostilePanic)
	}
	return p, nil
}

func (p panicky) View() string {
	if p.where == "view" {
		panic(hostilePanic)
	}
	return "ok"
}

// A panic anywhere stops the program through Kill (Bubble Tea then
// restores the terminal) and comes back as an error whose printed form
// carries no escape of the panic value.
func TestPanicAnywhereEndsTheProgramCleanly(t *testing.T) {
	for _, where := range []string{"cmd", "batch", "update", "view"} {
		t.Run(where, func(t *testing.T) {
			c := &crash{}
			var screen bytes.Buffer
			p := tea.NewProgram(guarded{panicky{where}, c}, tea.WithInput(nil), tea.WithOutput(&screen),
				tea.WithoutSignalHandler(), tea.WithoutCatchPanics())
			c.kill = p.Kill
			done := make(chan error, 1)
			go func() { _, err := p.Run(); done <- err }()
			select {
			case err := <-done:
				if !errors.Is(err, tea.ErrProgramKilled) {
					t.Errorf("Run returned %v, want it killed", err)
				}
			case <-time.After(10 * time.Second):
				p.Kill()
				t.Fatal("the program did not stop after a panic")
			}
			err := c.err()
			if err == nil || !strings.Contains(err.Error(), "hostile") {
				t.Fatalf("crash error = %v", err)
			}
			var out bytes.Buffer
			_, _ = termsafe.NewWriter(&out).Write([]byte(err.Error()))
			if strings.ContainsRune(out.String(), 0x1b) || strings.ContainsRune(out.String(), 0x07) {
				t.Errorf("the panic value reached the output raw: %q", out.String())
			}
			if !strings.Contains(out.String(), "crash_test.go") {
				t.Errorf("no stack in the report: %q", out.String())
			}
		})
	}
}
