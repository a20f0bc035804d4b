package github

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
	"github.com/airside-dev/flightdeck/sim/internal/rest"
)

// GitHub's conditional requests and rate limits, as the REST API documents
// them (docs.github.com/rest/using-the-rest-api):
//
//   - every answer carries X-RateLimit-Limit, -Remaining, -Used, -Reset
//     (epoch seconds) and -Resource: core. A token has 5000 requests an
//     hour; the hour starts with the first request after the last one
//     ended, in world time. Requests without a token have their own 60.
//   - every request counts, errors included, except GET /rate_limit and a
//     304: a GET whose If-None-Match names the answer's ETag (or whose
//     If-Modified-Since is not before its Last-Modified, where the answer
//     has one and the request no If-None-Match) gets 304 with no body and
//     costs nothing.
//   - ETags are weak, W/"<sha-256 of the body>": stable while the answer
//     is the same, whatever the clock says. Commits and file contents also
//     carry Last-Modified (the commit's time; the file's first commit).
//   - with nothing left, a request gets 403 "API rate limit exceeded…"
//     with X-RateLimit-Remaining: 0 until the reset, conditional or not;
//     it is not charged.
//   - the throttle fault (SetFault(SvcGitHub, Fault{ThrottleRate: …})) is
//     GitHub's secondary limit: 403 with Retry-After and a
//     documentation_url ending in secondary-rate-limits, while the primary
//     headers show what is really left; it is not charged either.

const (
	gitHubCoreLimit      = 5000
	gitHubAnonymousLimit = 60
	gitHubDocs           = "https://docs.github.com/rest"
	gitHubRateDocs       = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
	gitHubSecondaryDocs  = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)

// gitHubState is the world's GitHub bookkeeping; the loop's lock guards it.
type gitHubState struct {
	deployments int64 // id counter
	core, anon  rateBudget
	usage       Usage // the counters part
}

type rateBudget struct {
	limit, used int
	reset       time.Time // zero: no window open
}

// roll opens a new window when the last one has ended.
func (b *rateBudget) roll(now time.Time) {
	if b.reset.IsZero() || !now.Before(b.reset) {
		b.used = 0
		b.reset = now.Add(time.Hour).Truncate(time.Second)
	}
}

func (b *rateBudget) remaining() int { return max(0, b.limit-b.used) }

// Usage is the sim's GitHub rate limit and what requests have cost,
// for tests: a client using conditional requests well shows NotModified
// growing while Counted does not.
type Usage struct {
	Limit            int       `json:"limit"` // the token's budget this hour
	Remaining        int       `json:"remaining"`
	Used             int       `json:"used"`
	Reset            time.Time `json:"reset"`             // when it starts again
	Counted          int       `json:"counted"`           // requests charged to the token's budget
	NotModified      int       `json:"not_modified"`      // 304s: conditional requests answered from the client's copy, free
	RateLimited      int       `json:"rate_limited"`      // refused with the primary limit (403, remaining 0), free
	SecondaryLimited int       `json:"secondary_limited"` // refused by the throttle fault, GitHub's secondary limit
	Unauthenticated  int       `json:"unauthenticated"`   // requests without a token (charged to their own 60 an hour)
}

// Usage reports the token's rate-limit budget and the request costs
// counted since the world started (or ResetUsage).
func (pt *Part) Usage() Usage {
	pt.loop.Lock()
	defer pt.loop.Unlock()
	b := pt.gitHubBudget(true)
	u := pt.usage
	u.Limit, u.Remaining, u.Used, u.Reset = b.limit, b.remaining(), b.used, b.reset
	return u
}

// ResetUsage zeroes the request costs counted (the budget is the world's,
// and stays as it is).
func (pt *Part) ResetUsage() {
	pt.loop.Lock()
	defer pt.loop.Unlock()
	pt.usage = Usage{}
}

// SetRateRemaining sets what is left of the token's budget this hour, so
// a test reaches the limit without 5000 requests.
func (pt *Part) SetRateRemaining(n int) {
	pt.loop.Lock()
	defer pt.loop.Unlock()
	b := pt.gitHubBudget(true)
	b.used = b.limit - min(max(n, 0), b.limit)
}

// newGitHubDeploymentID counts up as newRunID does (sim/ci): from where
// a busy installation's ids would be, in steps, drawing nothing from the
// world's random source.
func (pt *Part) newGitHubDeploymentID() int64 {
	pt.deployments++
	return 1_900_000_000 + pt.deployments*97
}

// gitHubBudget is the budget a request draws on, its window rolled to now.
func (pt *Part) gitHubBudget(token bool) *rateBudget {
	b := &pt.anon
	b.limit = gitHubAnonymousLimit
	if token {
		b = &pt.core
		b.limit = gitHubCoreLimit
	}
	b.roll(pt.loop.Now())
	return b
}

func setRateHeaders(h http.Header, b *rateBudget) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(b.remaining()))
	h.Set("X-RateLimit-Used", strconv.Itoa(b.used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(b.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// gitHubToken reads the token of "Authorization: Bearer X" or "token X";
// problem is GitHub's 401 message when there is none to use.
func gitHubToken(r *http.Request) (token, problem string) {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if auth == "" {
		return "", "Requires authentication"
	}
	scheme, tok, _ := strings.Cut(auth, " ")
	tok = strings.TrimSpace(tok)
	if (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) && tok != "" {
		return tok, ""
	}
	return "", "Bad credentials"
}

// etagOf is the weak validator of an answer's body.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(sum[:]) + `"`
}

// notModified applies If-None-Match (weak comparison, lists and *), else
// If-Modified-Since when the answer has a date.
func notModified(r *http.Request, etag string, lastMod time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		want := strings.TrimPrefix(etag, "W/")
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !lastMod.IsZero() {
		t, err := http.ParseTime(ims)
		return err == nil && !lastMod.Truncate(time.Second).After(t)
	}
	return false
}

// WriteFault answers a request the fault injection throttles, fails or
// denies, in GitHub's shapes, with the rate headers of the budget it would
// have drawn on (not charged); a throttled one waits retry seconds.
// Throttling is the secondary limit; the primary one is the budget above.
func (pt *Part) WriteFault(rw http.ResponseWriter, r *http.Request, _ string, kind faultkind.Kind, retry int) {
	token, _ := gitHubToken(r)
	pt.loop.Lock()
	setRateHeaders(rw.Header(), pt.gitHubBudget(token != ""))
	if kind == faultkind.Throttle {
		pt.usage.SecondaryLimited++
	}
	pt.loop.Unlock()
	switch kind {
	case faultkind.ServerError:
		writeGitHubError(rw, http.StatusBadGateway, "Server Error", gitHubDocs)
	case faultkind.Throttle:
		rw.Header().Set("Retry-After", strconv.Itoa(retry))
		writeGitHubError(rw, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "+
			"If you reach out to GitHub Support for help, please include the request ID "+rw.Header().Get("X-GitHub-Request-Id")+".", gitHubSecondaryDocs)
	case faultkind.Deny:
		writeGitHubError(rw, http.StatusUnauthorized, "Bad credentials", gitHubDocs)
	}
}

// ErrorBody is GitHub's error: message, documentation_url and the
// status as a string, as the API sends it today.
type ErrorBody struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status"`
}

func writeGitHubError(rw http.ResponseWriter, status int, msg, doc string) {
	rest.WriteJSON(rw, status, ErrorBody{Message: msg, DocumentationURL: doc, Status: strconv.Itoa(status)})
}
