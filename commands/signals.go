package commands

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// stopSignals end the dashboard with the terminal restored: the terminal
// closing (SIGHUP: a closed tab, an ssh drop), kill (SIGTERM), ^\ or kill
// -QUIT (SIGQUIT) and kill -INT (^C itself is a key in raw mode). Bubble
// Tea catches only SIGINT and SIGTERM; Go's default for the others exits
// at once and leaves the terminal raw, in the alternate screen, without a
// cursor.
var stopSignals = []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM}

// signalCatcher calls stop once, for the first of stopSignals, and
// remembers which it was, so the process can end the way that signal
// would have ended it once the terminal is back (reraise).
type signalCatcher struct {
	ch   chan os.Signal
	done chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	got  os.Signal
}

func catchSignals(stop func()) *signalCatcher {
	c := &signalCatcher{ch: make(chan os.Signal, 1), done: make(chan struct{})}
	signal.Notify(c.ch, stopSignals...)
	c.wg.Go(func() {
		select {
		case sig := <-c.ch:
			c.mu.Lock()
			c.got = sig
			c.mu.Unlock()
			stop()
		case <-c.done:
		}
	})
	return c
}

// release stops listening and reports the signal caught, if any. Signals
// stay caught (and ignored) until reraise: the process is on its way out.
func (c *signalCatcher) release() os.Signal {
	close(c.done)
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got
}

// signalledError ends a command that a signal stopped; Main reraises it
// after everything deferred has run (caches saved, terminal restored).
type signalledError struct{ sig os.Signal }

func (e *signalledError) Error() string { return "stopped by " + e.sig.String() }

// reraise ends the process by sig, with the default action, as if
// flightdeck had never caught it: the shell sees the usual status, and
// SIGQUIT still prints the goroutines. If the process is somehow still
// here a second later, Main exits with the conventional 128+n.
func reraise(sig os.Signal) {
	signal.Reset(sig)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Signal(sig)
	}
	time.Sleep(time.Second)
}

// signalCode is the exit status a shell shows for a process ended by sig.
func signalCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitFailed
}
