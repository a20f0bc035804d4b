// Package simtest is test support only: a simulated world served on
// loopback and driven by a fake clock, as the tests outside the sim start
// one (the providers' against the real clients, the commands' end to end).
// Never imported by product code. The sim's own tests, inside package sim,
// keep their harness: they cannot import this package.
package simtest

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/sim"
)

// Server is a world on an httptest server.
type Server struct {
	World *sim.World
	Clock *fakeclock.Clock // the world's clock
	URL   string           // the server's root, no trailing slash
}

// Start builds a world from o on a fake clock set to start (o.Clock is
// replaced) and serves it until tb ends.
func Start(tb testing.TB, start time.Time, o sim.Options) *Server {
	tb.Helper()
	clock := fakeclock.New(start)
	o.Clock = clock
	w := sim.New(o)
	srv := httptest.NewServer(w.Handler())
	tb.Cleanup(srv.Close)
	return &Server{World: w, Clock: clock, URL: srv.URL}
}

// Step moves the clock on by d and the world with it.
func (s *Server) Step(d time.Duration) { s.World.Step(s.Clock.Advance(d)) }
