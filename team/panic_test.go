package team

import (
	"bytes"
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// panicky is a dashboard whose Init runs a batch and a sequence, one
// command of which panics.
type panicky struct{}

func (panicky) Init() tea.Cmd {
	boom := func() tea.Msg { panic("boom \x1b[2J") }
	return tea.Batch(func() tea.Msg { return nil }, tea.Sequence(func() tea.Msg { return nil }, boom))
}
func (m panicky) Update(tea.Msg) (tea.Model, tea.Cmd) { return m, nil }
func (panicky) View() string                          { return "" }

// TestSafeModelBringsCommandPanicsHome: with bubbletea's catch off, a
// panic in a command nested in a batch and a sequence (on bubbletea's
// goroutines) comes out of Run on the caller's goroutine, where the
// session's handler recovers it, instead of killing the process or being
// printed raw on the server's stdout.
func TestSafeModelBringsCommandPanicsHome(t *testing.T) {
	var out bytes.Buffer
	p := tea.NewProgram(safeModel{panicky{}}, tea.WithInput(nil), tea.WithOutput(&out),
		tea.WithContext(context.Background()), tea.WithoutSignalHandler(), tea.WithoutCatchPanics())
	var got any
	func() {
		defer func() { got = recover() }()
		_, _ = p.Run()
	}()
	p.Kill()
	if s, _ := got.(string); !strings.HasPrefix(s, "boom") {
		t.Fatalf("Run should panic on its caller's goroutine with the command's panic, got %v", got)
	}
}
