package circleci

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// testToken is what every fixture server expects in Circle-Token.
const testToken = "ccipat_test_0123456789abcdef"

// seenRequest is what a fixture server received.
type seenRequest struct {
	Method, Path, Query, Op string
	Token                   string
	Body                    string
}

// apiServer is an httptest server that checks every request against the
// spec (operation, query parameters, the Circle-Token header) and hands it
// to the test's handler.
type apiServer struct {
	t    *testing.T
	spec *apiSpec
	srv  *httptest.Server

	mu      sync.Mutex
	handle  func(w http.ResponseWriter, r *http.Request, op string)
	seen    []seenRequest
	nextRID int
}

func newAPIServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, op string)) *apiServer {
	t.Helper()
	a := &apiServer{t: t, spec: loadSpec(t), handle: handle}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *apiServer) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := a.spec.match(r)
	if !ok {
		a.t.Errorf("request not in the spec: %s %s", r.Method, r.URL.RequestURI())
	}
	if got := r.Header.Get("Circle-Token"); got != testToken {
		a.t.Errorf("%s %s: Circle-Token %q, want the test token", r.Method, r.URL.Path, got)
	}
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.nextRID++
	rid := a.nextRID
	a.seen = append(a.seen, seenRequest{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Op: op, Token: r.Header.Get("Circle-Token"), Body: string(body)})
	handle := a.handle
	a.mu.Unlock()
	w.Header().Set("X-Request-Id", "req-"+strconv.Itoa(rid))
	handle(w, r, op)
}

func (a *apiServer) requests() []seenRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]seenRequest(nil), a.seen...)
}

func (a *apiServer) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = nil
}

// count is how many requests each operation got.
func (a *apiServer) count() map[string]int {
	n := map[string]int{}
	for _, r := range a.requests() {
		n[r.Op]++
	}
	return n
}

func (a *apiServer) client(t *testing.T, clock *fakeclock.Clock) *Client {
	t.Helper()
	c, err := NewClient(ClientOptions{Host: a.srv.URL, Token: NewToken(testToken, "CIRCLECI_TOKEN"), Now: clock.Now, RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
