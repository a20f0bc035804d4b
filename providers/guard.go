package providers

import (
	"errors"
	"fmt"
	"path"
	"runtime"
	"strings"
	"sync/atomic"
)

// PanicError is a panic recovered while one service's (or environment's)
// answer was read and mapped: a flightdeck bug that odd data ran into. It
// is shown on that service as its error, like a failed read, instead of
// taking the board down. It concerns that service only.
type PanicError struct {
	// Source names the provider ("GitHub", "CircleCI", "ecs"), or is ""
	// where the caller's own wrapping names it.
	Source string
	// Value is what panicked, flattened to one short line.
	Value string
	// Where is the function and line that panicked, when known.
	Where string
}

func (e *PanicError) Error() string {
	s := "could not read the answer (a flightdeck bug: panic: " + e.Value
	if e.Source != "" {
		s = e.Source + ": " + s
	}
	if e.Where != "" {
		s += " at " + e.Where
	}
	return s + ")"
}

// IsPanic reports whether err is, or wraps, a recovered panic.
func IsPanic(err error) bool {
	var pe *PanicError
	return errors.As(err, &pe)
}

// recovered counts the panics Guard turned into errors.
var recovered atomic.Int64

// RecoveredPanics is how many panics Guard has turned into errors since the
// program started. Mapping is meant to be total, so tests that feed odd
// answers insist it does not move.
func RecoveredPanics() int64 { return recovered.Load() }

// Guard runs fn and turns a panic in it into a *PanicError: the safety net
// at the boundary where one service's answer is mapped. It is a net, not
// the fix: mapping tolerates odd answers by construction.
func Guard(source string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			recovered.Add(1)
			err = &PanicError{Source: source, Value: OneLine(fmt.Sprint(r), 160), Where: panicSite()}
		}
	}()
	return fn()
}

// panicSite names the frame that panicked: the first one below
// runtime.gopanic that is not the runtime's own.
func panicSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			return path.Base(f.Function) + " " + path.Base(f.File) + ":" + fmt.Sprint(f.Line)
		}
		if !more {
			return ""
		}
	}
}
