package githubactions

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/providers"
)

// A minute's points are spent at most up to the budget; what would
// overspend it waits until the oldest points leave the window, and a
// write costs five.
func TestSecondaryBudget(t *testing.T) {
	s := newSecondary()
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	get, _ := http.NewRequest(http.MethodGet, "https://api.github.com/repos/acme/web/actions/runs", nil)
	post, _ := http.NewRequest(http.MethodPost, "https://api.github.com/repos/acme/web/actions/runs/1/pending_deployments", nil)
	for i := range pointsBudget - 5 {
		if err := s.take(t0.Add(time.Duration(i)*10*time.Millisecond), get); err != nil {
			t.Fatalf("request %d refused under budget: %v", i, err)
		}
	}
	at := t0.Add(30 * time.Second)
	if err := s.take(at, post); err != nil {
		t.Fatalf("a write that fits: %v", err)
	}
	err := s.take(at, get)
	var te *providers.ThrottledError
	if !errors.As(err, &te) || te.RetryAfter != 30*time.Second || !strings.Contains(err.Error(), "720 of flightdeck's 720 points") {
		t.Fatalf("over budget: %v", err)
	}
	if n := s.spentNow(at); n != pointsBudget {
		t.Errorf("spent %d, want %d", n, pointsBudget)
	}
	// A minute after the first request, it has left the window.
	if err := s.take(t0.Add(time.Minute), get); err != nil {
		t.Errorf("after the window moved: %v", err)
	}
}

// No more than maxInFlight requests hold a slot; a closed body gives its
// slot back, once.
func TestSecondaryInFlight(t *testing.T) {
	s := newSecondary()
	req, _ := http.NewRequest(http.MethodGet, "https://api.github.com/", nil)
	var releases []func()
	for range maxInFlight {
		r, err := s.acquire(req)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.acquire(req.WithContext(ctx)); err == nil {
		t.Fatal("a request beyond the cap was let through")
	}
	releases[0]()
	releases[0]()
	if _, err := s.acquire(req); err != nil {
		t.Fatalf("a released slot: %v", err)
	}
	if len(s.slots) != maxInFlight {
		t.Errorf("%d slots held, want %d (a double release must not free two)", len(s.slots), maxInFlight)
	}
}
