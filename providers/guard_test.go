package providers

import (
	"errors"
	"strings"
	"testing"
)

type node struct{ next *node }

func depth(n *node) int { return 1 + depth(n.next) }

func TestGuardTurnsAPanicIntoAnError(t *testing.T) {
	before := RecoveredPanics()
	err := Guard("GitHub", func() error { depth(&node{}); return nil })
	var pe *PanicError
	if !errors.As(err, &pe) || !IsPanic(err) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "GitHub: could not read the answer (a flightdeck bug: panic: runtime error: invalid memory address") ||
		!strings.Contains(msg, " at providers.depth guard_test.go:") || strings.Contains(msg, "\n") {
		t.Errorf("message %q", msg)
	}
	if RecoveredPanics() != before+1 {
		t.Errorf("counted %d panics", RecoveredPanics()-before)
	}

	long := strings.Repeat("é\n", 200)
	err = Guard("", func() error { panic(long) })
	if msg := err.Error(); !strings.HasPrefix(msg, "could not read the answer (a flightdeck bug: panic: é é") ||
		len(msg) > 300 || strings.Contains(msg, "\n") || !strings.Contains(msg, "…") {
		t.Errorf("long panic: %q", msg)
	}

	want := errors.New("plain")
	if err := Guard("x", func() error { return want }); err != want || IsPanic(err) {
		t.Errorf("an error passed through as %v", err)
	}
	if RecoveredPanics() != before+2 {
		t.Errorf("counted %d panics", RecoveredPanics()-before)
	}
}
