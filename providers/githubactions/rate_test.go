package githubactions

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/providers"
)

func TestBudgetInterval(t *testing.T) {
	cases := []struct {
		remaining, limit int
		window           time.Duration
		perPoll          float64
		want             time.Duration
	}{
		{4500, 5000, time.Hour, 0, 0},                       // polls cost nothing: no bound
		{4500, 5000, time.Hour, 1, 900 * time.Millisecond},  // 4000 usable over 3600 s
		{4500, 5000, time.Hour, 10, 9 * time.Second},        // 36000/4000
		{1000, 5000, 30 * time.Minute, 5, 18 * time.Second}, // 500 usable over 1800 s
		{500, 5000, 30 * time.Minute, 1, 30 * time.Minute},  // only the reserve left: wait for the reset
		{0, 5000, 10 * time.Minute, 0, 10 * time.Minute},
		{40, 60, 20 * time.Minute, 1, 20 * time.Minute}, // unauthenticated budget: all reserve
		{4500, 5000, -time.Second, 10, 0},               // the window has reset
	}
	for _, c := range cases {
		got := budgetInterval(c.remaining, c.limit, c.window, c.perPoll)
		want := ceilSecond(c.want)
		if got != want {
			t.Errorf("budgetInterval(%d/%d, %s, %.1f per poll) = %s, want %s", c.remaining, c.limit, c.window, c.perPoll, got, want)
		}
	}
}

// Answers to concurrent requests come back in any order: the meter keeps
// the least left within a window, and takes a new window when it starts.
func TestMeterKeepsTheNewestBudget(t *testing.T) {
	reset := time.Unix(1_800_000_000, 0)
	answer := func(rem int, reset time.Time) http.Header {
		h := http.Header{}
		h.Set(hdrLimit, "5000")
		h.Set(hdrRemaining, strconv.Itoa(rem))
		h.Set(hdrReset, strconv.FormatInt(reset.Unix(), 10))
		h.Set(hdrResource, "core")
		return h
	}
	var m meter
	for _, step := range []struct {
		rem   int
		reset time.Time
		want  int
	}{
		{4994, reset, 4994},
		{4995, reset, 4994},                // older news, landing late
		{4990, reset, 4990},                // newer
		{12, reset.Add(-time.Hour), 4990},  // from the window before
		{4999, reset.Add(time.Hour), 4999}, // a new window
		{4998, reset.Add(time.Hour), 4998},
	} {
		m.observe(answer(step.rem, step.reset))
		if rem, _, _, _ := m.rate(); rem != step.want {
			t.Errorf("after an answer of %d left (reset %s): remaining %d, want %d", step.rem, step.reset.Format(time.TimeOnly), rem, step.want)
		}
	}
}

// As the budget runs down while polls cost requests, the suggested interval
// grows before it runs out, and an idle board's free polls bring it down.
func TestMinIntervalSlowsBeforeTheBudgetRunsOut(t *testing.T) {
	f, clock, run := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	fetchOK(t, s)
	f.mu.Lock()
	f.remaining = 600 // 100 above the reserve
	f.mu.Unlock()
	for range 3 {
		clock.Advance(2 * time.Second)
		f.setStatus(run, "waiting", "") // moves: every read is a 200
		fetchOK(t, s)
	}
	busy := s.MinInterval()
	if busy < 20*time.Second {
		t.Errorf("MinInterval with ~%d left: %s", 600, busy)
	}
	for range 20 {
		clock.Advance(2 * time.Second)
		fetchOK(t, s)
	}
	if idle := s.MinInterval(); idle >= busy || idle > 2*time.Second {
		t.Errorf("idle MinInterval %s (busy %s)", idle, busy)
	}
}

func throttledBy(t *testing.T, err error) (*providers.ThrottledError, *RateLimitError) {
	t.Helper()
	var te *providers.ThrottledError
	var rl *RateLimitError
	if !errors.As(err, &te) || !errors.As(err, &rl) || !errors.Is(err, providers.ErrThrottled) {
		t.Fatalf("want a throttled rate-limit error, got %T %v", err, err)
	}
	return te, rl
}

func TestPrimaryRateLimitSpent(t *testing.T) {
	f, clock, _ := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	reset := clock.Now().Add(25 * time.Minute)
	f.failNext("list-workflow-runs", http.StatusForbidden, map[string]string{
		hdrLimit: "5000", hdrRemaining: "0", hdrReset: strconv.FormatInt(reset.Unix(), 10),
	}, errBody("API rate limit exceeded for user ID 1."))
	_, err := s.Fetch(ctx)
	te, rl := throttledBy(t, err)
	if rl.Secondary || te.RetryAfter != 25*time.Minute || !strings.Contains(err.Error(), "primary rate limit spent") {
		t.Errorf("RetryAfter %s, %v", te.RetryAfter, err)
	}
	if d := s.MinInterval(); d != 25*time.Minute {
		t.Errorf("MinInterval %s", d)
	}
	// Nothing is sent until the reset.
	f.resetSeen()
	clock.Advance(10 * time.Minute)
	_, err = s.Fetch(ctx)
	te, _ = throttledBy(t, err)
	if n := len(f.requests()); n != 0 || te.RetryAfter != 15*time.Minute {
		t.Errorf("sent %d requests while spent; RetryAfter %s", n, te.RetryAfter)
	}
	clock.Advance(15 * time.Minute)
	fetchOK(t, s)
}

func TestSecondaryRateLimits(t *testing.T) {
	cases := map[string]struct {
		status int
		header map[string]string
		body   map[string]any
		wait   time.Duration
	}{
		"403 with Retry-After": {http.StatusForbidden, map[string]string{"Retry-After": "30"},
			map[string]any{"message": "You have exceeded a secondary rate limit.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}, 30 * time.Second},
		"403 message only": {http.StatusForbidden, nil,
			map[string]any{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}, time.Minute},
		"429 with Retry-After": {http.StatusTooManyRequests, map[string]string{"Retry-After": "7"}, errBody("Too many requests"), 7 * time.Second},
		"429 bare":             {http.StatusTooManyRequests, nil, errBody("Too many requests"), time.Minute},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, clock, _ := waitingWorld(t)
			s := f.source(t, Options{}, webService)
			f.failNext("list-workflow-runs", c.status, c.header, c.body)
			_, err := s.Fetch(ctx)
			te, rl := throttledBy(t, err)
			if !rl.Secondary || te.RetryAfter != c.wait || !IsSecondary(err) {
				t.Errorf("secondary %v, RetryAfter %s, want %s: %v", rl.Secondary, te.RetryAfter, c.wait, err)
			}
			f.resetSeen()
			if _, err := s.Fetch(ctx); !errors.Is(err, providers.ErrThrottled) || len(f.requests()) != 0 {
				t.Errorf("sent during the wait: %v", err)
			}
			clock.Advance(c.wait)
			fetchOK(t, s)
		})
	}
}

func TestAuthErrors(t *testing.T) {
	f, _, _ := waitingWorld(t)
	s := f.source(t, Options{}, webService)
	f.failNext("list-workflow-runs", http.StatusUnauthorized, nil, errBody("Bad credentials"))
	_, err := s.Fetch(ctx)
	if !errors.Is(err, providers.ErrAuth) || err.Error() != "GitHub: 401, check GH_TOKEN (Bad credentials)" {
		t.Errorf("401: %v", err)
	}
	f.failNext("list-workflow-runs", http.StatusForbidden, map[string]string{"X-OAuth-Scopes": "read:org", "X-Accepted-OAuth-Scopes": "repo"},
		errBody("Resource not accessible by personal access token"))
	_, err = s.Fetch(ctx)
	if !errors.Is(err, providers.ErrAuth) || errors.Is(err, providers.ErrThrottled) ||
		!strings.Contains(err.Error(), "403 Resource not accessible by personal access token; the token from GH_TOKEN may not do this (it needs scope repo)") {
		t.Errorf("403: %v", err)
	}
	gh := f.source(t, Options{ClientOptions: ClientOptions{Token: NewToken("wrong", sourceGH)}}, webService)
	if _, err := gh.Fetch(ctx); err == nil || !strings.Contains(err.Error(), "run `gh auth login`") {
		t.Errorf("401 with a gh token: %v", err)
	}
	none := f.source(t, Options{ClientOptions: ClientOptions{Token: Token{}}}, webService)
	none.client.token = Token{}
	if _, err := none.Fetch(ctx); !errors.Is(err, providers.ErrAuth) {
		t.Errorf("no token: %v", err)
	}
}

// A request that gets no answer says which limit ran out: the client's own
// timeout, or the caller's shorter deadline.
func TestNoAnswerNamesTheLimit(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	c, err := NewClient(ClientOptions{APIURL: srv.URL, Token: NewToken(testToken, "test"), RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Commit(context.Background(), "acme/web", "main")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Errorf("the client's timeout: %v", err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Commit(short, "acme/web", "main")
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "300ms") || !strings.Contains(err.Error(), "no answer within") {
		t.Errorf("the caller's shorter deadline: %v", err)
	}
}

// roundTripFunc lets a test act in the middle of a request.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A lineage read that lands during a poll is charged to the budget but not
// to the poll: the pace is set by what every poll costs, and a one-off read
// (opening a service's detail) must not slow the board down.
func TestPollCostLeavesOutReadsMadeMeanwhile(t *testing.T) {
	f, _, _ := waitingWorld(t)
	for i := range 3 {
		f.addCommit("acme/web", sha(30+i), "Unrelated commit", "Ana Lima", t0)
	}
	var s *Source
	var reads atomic.Int64
	hook := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if !strings.HasSuffix(r.URL.Path, "/runs") {
			return http.DefaultTransport.RoundTrip(r)
		}
		if n := reads.Add(1); n <= 3 {
			// Another reader of the same source, with its own context.
			if _, err := s.Commit(context.Background(), "acme/web", sha(29+int(n))); err != nil {
				t.Errorf("Commit: %v", err)
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	s = f.source(t, Options{ClientOptions: ClientOptions{HTTPClient: &http.Client{Transport: hook}}}, webService)
	fetchOK(t, s) // the first poll reads everything once
	charged := func() int64 { sent, free := s.client.meter.counts(); return sent - free }
	before := charged()
	for range 2 {
		fetchOK(t, s)
	}
	if spent := charged() - before; spent != 2 || reads.Load() != 3 {
		t.Fatalf("the two reads in the middle of the idle polls are all they spent: %d charged, %d run lists", spent, reads.Load())
	}
	s.client.meter.mu.Lock()
	cost := s.client.meter.pollCost
	s.client.meter.mu.Unlock()
	if cost != 0 {
		t.Errorf("idle polls cost nothing, whatever was read meanwhile: pollCost %.1f", cost)
	}
}
