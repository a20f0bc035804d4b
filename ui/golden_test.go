package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/airside-dev/flightdeck/providers"
)

// runProgram drives the real Bubble Tea program at a fixed size with an
// injected clock and the ASCII profile, then returns the final frame.
func runProgram(t *testing.T, keys ...string) string {
	t.Helper()
	specs, src := world()
	m := New(Options{Title: "golden", Services: specs, Providers: registry([]providers.DeploySource{src}),
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 26))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("rolled back")) },
		teatest.WithDuration(5*time.Second))
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
	tm.Send(keyMsg("ctrl+c"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	return ansi.Strip(final.View())
}

func TestGoldenBoard(t *testing.T) {
	golden.RequireEqual(t, []byte(runProgram(t)))
}

func TestGoldenDetail(t *testing.T) {
	out := runProgram(t, "j", "j", "j", "l", "enter")
	if !strings.Contains(out, "circuit breaker") {
		t.Errorf("payments detail should explain the rollback:\n%s", out)
	}
	golden.RequireEqual(t, []byte(out))
}
