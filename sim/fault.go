package sim

import (
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
)

// Fault makes one backend misbehave. Each request rolls every rate on the
// world's seeded fault source, so a run is repeatable.
//
// DropRate and LoseRate both close the connection without an answer; they
// differ in whether the server acted. A dropped request is never handled:
// the world is as it was. A lost one is handled (UpdateService deploys, an
// approval is recorded, a cancel happens) and only its answer is lost, as
// when a connection breaks after the server received the call, so a client
// cannot tell from the error whether its call went through and has to read.
//
// Latency is spent before the request is handled, so a client that gives
// up during it leaves the world alone; on a lost request it is spent after
// the handler ran, before the connection closes, so a client whose timeout
// is shorter than Latency times out after the server acted. That is the
// "hang" case, and why there is no separate knob for it: an answer held
// and then delivered is plain latency to a client that waits long enough,
// and a lost answer to one that does not.
type Fault struct {
	Latency                                          time.Duration
	ErrorRate, ThrottleRate, DropRate, MalformedRate float64   // 0..1, each request rolls (seeded rng)
	DenyRate                                         float64   // 0..1: answer "access denied" in the protocol's own shape
	LoseRate                                         float64   // 0..1: handle the request, then close the connection without the answer
	Until                                            time.Time // zero = until cleared; SetFault(svc, Fault{}) clears
}

// active reports whether the fault does anything.
func (f Fault) active() bool {
	return f.Latency > 0 || f.ErrorRate > 0 || f.ThrottleRate > 0 || f.DropRate > 0 || f.MalformedRate > 0 || f.DenyRate > 0 || f.LoseRate > 0
}

// AllServices as a SetFault key applies to every backend without a fault of its own.
const AllServices = "*"

type faultState struct {
	mu     sync.Mutex
	faults map[string]Fault
	rng    *rand.Rand
}

func (s *faultState) init(seed int64) {
	s.faults = map[string]Fault{}
	s.rng = rand.New(rand.NewPCG(uint64(seed), 0xfa_17))
}

// SetFault sets the fault for one backend ("ecs", "circleci", "github",
// "beanstalk", "elbv2", "cloudwatch", or "*" for all); Fault{} clears it.
func (w *World) SetFault(service string, f Fault) {
	w.faults.mu.Lock()
	defer w.faults.mu.Unlock()
	if !f.active() {
		delete(w.faults.faults, service)
		return
	}
	w.faults.faults[service] = f
}

// Faults returns the faults in force, keyed by backend.
func (w *World) Faults() map[string]Fault {
	now := w.clock.Now()
	w.faults.mu.Lock()
	defer w.faults.mu.Unlock()
	out := map[string]Fault{}
	for k, f := range w.faults.faults {
		if f.Until.IsZero() || now.Before(f.Until) {
			out[k] = f
		}
	}
	return out
}

type faultRoll struct {
	latency                                      time.Duration
	until                                        time.Time
	drop, serverErr, throttle, deny, malfm, lose bool
}

// roll picks what happens to one request to service.
func (s *faultState) roll(service string, now time.Time) (faultRoll, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.faults[service]
	if ok && !f.Until.IsZero() && !now.Before(f.Until) {
		delete(s.faults, service) // expired: fall back to "*"
		ok = false
	}
	if !ok {
		f, ok = s.faults[AllServices]
	}
	if !ok || (!f.Until.IsZero() && !now.Before(f.Until)) {
		return faultRoll{}, false
	}
	// Always draw six numbers so one fault's rate never shifts another's
	// rolls. (Adding the sixth, for LoseRate, changed every seed's fault
	// pattern from the second request on; no test depended on one.)
	d, e, t, n, m, l := s.rng.Float64(), s.rng.Float64(), s.rng.Float64(), s.rng.Float64(), s.rng.Float64(), s.rng.Float64()
	return faultRoll{
		latency:   f.Latency,
		until:     f.Until,
		drop:      d < f.DropRate,
		serverErr: e < f.ErrorRate,
		throttle:  t < f.ThrottleRate,
		deny:      n < f.DenyRate,
		malfm:     m < f.MalformedRate,
		lose:      l < f.LoseRate,
	}, true
}

// applyFault runs the fault for rt's backend: it sleeps the latency (giving
// up if the client does), then drops, fails, throttles or denies the
// request in the protocol's own shape (handled), or asks the caller to
// truncate the real answer (malformed). A request that loses its answer is
// served here, to a buffer that is thrown away, and then its connection is
// closed (handled). When rates overlap, the first of drop, 5xx, throttle,
// deny, lose, malformed wins.
func (w *World) applyFault(rw http.ResponseWriter, r *http.Request, rt route, id string) (malformed, handled bool) {
	if rt.service == "" {
		return false, false
	}
	fr, ok := w.faults.roll(rt.service, w.clock.Now())
	if !ok {
		return false, false
	}
	if fr.lose && !fr.drop && !fr.serverErr && !fr.throttle && !fr.deny {
		rt.serve(&bufferWriter{header: rw.Header().Clone()}, r) // as served, request id and all
		// With the body read to its end, the request's context ends as
		// soon as the client gives up, and so does the wait.
		io.Copy(io.Discard, r.Body)
		wait(r, fr.latency)
		dropConnection(rw)
		return false, true
	}
	if !wait(r, fr.latency) {
		return false, true
	}
	switch {
	case fr.drop:
		dropConnection(rw)
	case fr.serverErr:
		rt.fault(rw, r, rt.op, faultkind.ServerError, retryAfter(fr.until, w.clock.Now()))
	case fr.throttle:
		rt.fault(rw, r, rt.op, faultkind.Throttle, retryAfter(fr.until, w.clock.Now()))
	case fr.deny:
		rt.fault(rw, r, rt.op, faultkind.Deny, 0)
	default:
		return fr.malfm, false
	}
	return false, true
}

// wait sleeps d, or less if the client gives up first (false).
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// dropConnection closes the connection without an answer.
func dropConnection(rw http.ResponseWriter) {
	// ResponseController sees through wrappers (the spec checker's
	// recorder) that expose Unwrap.
	if conn, _, err := http.NewResponseController(rw).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
}

func retryAfter(until, now time.Time) int {
	if until.IsZero() {
		return 1
	}
	return max(1, int(until.Sub(now).Seconds()+0.999))
}
