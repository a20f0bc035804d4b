package githubactions

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airside-dev/flightdeck/providers"
)

// Rate-limit headers GitHub sends on every answer, 304s included.
const (
	hdrLimit     = "X-RateLimit-Limit"
	hdrRemaining = "X-RateLimit-Remaining"
	hdrReset     = "X-RateLimit-Reset"
	hdrResource  = "X-RateLimit-Resource"
)

// Budget policy.
const (
	// secondaryWait is how long to stay quiet after a secondary limit that
	// names no wait: GitHub's docs say "at least one minute".
	secondaryWait = time.Minute
	// reserveShare of the primary budget is never spent on polling: it is
	// kept for actions, lineage reads and other tools sharing the token.
	reserveShare = 0.1
	// minReserve is the smallest reserve, for small budgets.
	minReserve = 50
	// costWeight is how much the newest poll counts in the cost average.
	costWeight = 0.3
)

// meter reads the primary rate limit off every answer, keeps the wait a
// throttling answer asked for, and counts what was sent. It is shared by
// the transport (which writes it) and the source (which reads it).
type meter struct {
	mu        sync.Mutex
	seen      bool
	limit     int
	remaining int
	reset     time.Time
	notBefore time.Time       // a throttling answer's wait
	holdErr   *RateLimitError // that answer

	sent        int64 // requests that went out
	notModified int64 // of which answered 304 (free)
	pollCost    float64
	polls       int
}

// observe records the rate-limit headers of an answer. Answers about
// another budget (search, graphql) are ignored: polling spends core.
func (m *meter) observe(h interface{ Get(string) string }) {
	lim, err1 := strconv.Atoi(h.Get(hdrLimit))
	rem, err2 := strconv.Atoi(h.Get(hdrRemaining))
	if err1 != nil || err2 != nil {
		return
	}
	if r := h.Get(hdrResource); r != "" && r != "core" {
		return
	}
	var reset time.Time
	if secs, err := strconv.ParseInt(h.Get(hdrReset), 10, 64); err == nil && secs > 0 {
		reset = time.Unix(secs, 0)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Answers to concurrent requests arrive in any order: within one
	// window the budget only shrinks, so an answer telling more left than
	// the last is older news, as is one about an earlier window. A later
	// reset is a new window.
	if m.seen && !reset.IsZero() && reset.Before(m.reset) {
		return
	}
	if m.seen && (reset.IsZero() || reset.Equal(m.reset)) && lim == m.limit && rem > m.remaining {
		return
	}
	m.seen, m.limit, m.remaining = true, lim, rem
	if !reset.IsZero() {
		m.reset = reset
	}
}

// count records one request sent and whether it was answered 304.
func (m *meter) count(notModified bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent++
	if notModified {
		m.notModified++
	}
}

// hold stops sending until the given time, because of err.
func (m *meter) hold(until time.Time, err *RateLimitError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if until.After(m.notBefore) {
		m.notBefore, m.holdErr = until, err
	}
}

// gate refuses to send while a throttling answer's wait runs or while the
// primary budget is spent, with a *providers.ThrottledError saying how
// long is left and why.
func (m *meter) gate(now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if left := m.notBefore.Sub(now); left > 0 {
		return &providers.ThrottledError{RetryAfter: ceilSecond(left), Err: m.holdErr}
	}
	if m.seen && m.remaining == 0 {
		if left := m.reset.Sub(now); left > 0 {
			return &providers.ThrottledError{RetryAfter: ceilSecond(left), Err: &RateLimitError{
				Message: fmt.Sprintf("%d of %d requests left; not sending until the reset", m.remaining, m.limit), Reset: m.reset}}
		}
	}
	return nil
}

// rate reports the budget as last seen.
func (m *meter) rate() (remaining, limit int, reset time.Time, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.remaining, m.limit, m.reset, m.seen
}

// counts reports requests sent and how many of them were 304s.
func (m *meter) counts() (sent, notModified int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sent, m.notModified
}

// costKey carries, in a request's context, the counter of the requests it
// and its siblings were charged for: one poll's cost.
type costKey struct{}

// withCost has every charged request made with the context counted in n.
func withCost(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, costKey{}, n)
}

// charge counts one charged request (anything but a 304) to the cost its
// context carries, if any.
func charge(ctx context.Context) {
	if n, ok := ctx.Value(costKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}

// pollDone folds one poll's charged requests into the running average a
// poll costs. The first poll is left out: it reads every workflow file
// and job once, which later polls do not.
func (m *meter) pollDone(cost int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.polls++
	switch m.polls {
	case 1:
	case 2:
		m.pollCost = float64(cost)
	default:
		m.pollCost = costWeight*float64(cost) + (1-costWeight)*m.pollCost
	}
}

// minInterval is the shortest poll interval at which polls costing what
// they have lately cost leave the reserve untouched until the reset.
func (m *meter) minInterval(now time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if left := m.notBefore.Sub(now); left > 0 {
		return ceilSecond(left)
	}
	if !m.seen || m.polls < 2 {
		return 0
	}
	return budgetInterval(m.remaining, m.limit, m.reset.Sub(now), m.pollCost)
}

// budgetInterval spreads what is left of the budget above the reserve over
// the time to the reset: polls costing perPoll requests may come every
// window*perPoll/usable. With nothing usable left it asks to wait for the
// reset; with polls that cost nothing (all 304s) it sets no bound.
func budgetInterval(remaining, limit int, window time.Duration, perPoll float64) time.Duration {
	if window <= 0 {
		return 0 // the window has reset; the next answer tells the new budget
	}
	reserve := max(minReserve, int(math.Ceil(reserveShare*float64(limit))))
	usable := remaining - reserve
	if usable <= 0 {
		return ceilSecond(window)
	}
	if perPoll <= 0 {
		return 0
	}
	return ceilSecond(time.Duration(float64(window) * perPoll / float64(usable)))
}

func ceilSecond(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return ((d + time.Second - 1) / time.Second) * time.Second
}

// RateLimitError is GitHub saying no for the budget's sake: the primary
// limit spent (403 or 429 with X-RateLimit-Remaining: 0) or a secondary
// limit (403 or 429 with Retry-After, or a message naming it). It reaches
// callers inside a *providers.ThrottledError carrying the wait.
type RateLimitError struct {
	Method, Path string
	Status       int
	Secondary    bool
	Message      string
	Reset        time.Time // primary: when the budget is back
}

func (e *RateLimitError) Error() string {
	kind := "primary rate limit spent"
	if e.Secondary {
		kind = "secondary rate limit"
	}
	s := "GitHub: " + kind
	if e.Status != 0 {
		s = fmt.Sprintf("GitHub: %s %s: %d, %s", e.Method, e.Path, e.Status, kind)
	}
	if !e.Secondary && !e.Reset.IsZero() {
		s += " until " + e.Reset.UTC().Format("15:04:05Z")
	}
	if e.Message != "" {
		s += " (" + e.Message + ")"
	}
	return s
}

// IsSecondary reports whether err is a secondary rate limit.
func IsSecondary(err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl) && rl.Secondary
}
