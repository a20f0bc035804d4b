package githubactions

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/airside-dev/flightdeck/providers"
)

// GitHub's secondary limits, as its REST documentation states them: no
// more than 900 points a minute (a GET, HEAD or OPTIONS costs 1, any other
// method 5) and no more than 100 requests in flight. GitHub does not say a
// conditional GET answered 304 is exempt, so every request counts.
const (
	secondaryWindow = time.Minute
	// pointsBudget is what flightdeck lets itself spend of the 900 a
	// minute, leaving room for the other tools that share the token.
	pointsBudget = 720
	// maxInFlight is flightdeck's share of the 100 concurrent requests.
	maxInFlight = 50
)

// points is what one request costs against the secondary limit.
func points(method string) int {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return 1
	}
	return 5
}

// secondary keeps flightdeck inside GitHub's secondary limits: a sliding
// minute of points, on the source's clock, and a cap on requests in
// flight. A request that would overspend the minute is not sent: it fails
// as throttled, for as long as the oldest points take to leave the window,
// so the poller backs off instead of piling up.
type secondary struct {
	mu    sync.Mutex
	spent []spend // oldest first
	total int
	slots chan struct{}
}

type spend struct {
	at     time.Time
	points int
}

func newSecondary() *secondary { return &secondary{slots: make(chan struct{}, maxInFlight)} }

// take spends a request's points at now, or refuses with the wait.
func (s *secondary) take(now time.Time, req *http.Request) error {
	p := points(req.Method)
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.spent) > 0 && !now.Before(s.spent[0].at.Add(secondaryWindow)) {
		s.total -= s.spent[0].points
		s.spent = s.spent[1:]
	}
	if s.total+p > pointsBudget && len(s.spent) > 0 {
		wait := s.spent[0].at.Add(secondaryWindow).Sub(now)
		return &providers.ThrottledError{RetryAfter: ceilSecond(wait), Err: &RateLimitError{
			Method: req.Method, Path: req.URL.Path, Secondary: true,
			Message: fmt.Sprintf("%d of flightdeck's %d points a minute spent (GitHub's secondary limit is 900); not sending for %s", s.total, pointsBudget, ceilSecond(wait)),
		}}
	}
	s.spent = append(s.spent, spend{at: now, points: p})
	s.total += p
	return nil
}

// spentNow reports the points spent in the minute before now.
func (s *secondary) spentNow(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sp := range s.spent {
		if now.Before(sp.at.Add(secondaryWindow)) {
			n += sp.points
		}
	}
	return n
}

// acquire waits for a slot to send in, or for ctx to end; release gives
// it back once the answer's body is closed, when GitHub is done with it.
func (s *secondary) acquire(req *http.Request) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-s.slots }) }, nil
}

// releasing closes a body and gives its request's slot back.
type releasing struct {
	io.ReadCloser
	release func()
}

func (r releasing) Close() error {
	defer r.release()
	return r.ReadCloser.Close()
}
