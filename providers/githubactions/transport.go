package githubactions

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/providers"
)

// transport sits under providers.HostAuth, so it sees every request as
// sent, Authorization included (or left off, on its way to another host),
// and every answer first:
//
//   - it refuses to send while a throttling answer's wait runs or the
//     primary budget is spent (meter.gate), on our clock, or when the
//     request would overspend flightdeck's share of the secondary limit's
//     points a minute (secondary.take), and it keeps at most maxInFlight
//     requests in flight;
//   - it makes every GET conditional: If-None-Match with the ETag of the
//     last 200 it cached, and on 304 it hands go-github that 200 again,
//     body and Link header and all, with the 304's fresh rate headers. A
//     304 costs no rate limit, so unchanged data is polled for free. Only
//     requests made under a pending ledger (see pending) take part: a
//     fresh 200 waits there until its reader vouches for it, and a replay
//     that does not read is dropped;
//   - it reads X-RateLimit-* off every answer into the meter;
//   - it turns throttling answers (the primary limit spent, a secondary
//     limit) into a *providers.ThrottledError carrying the wait, before
//     go-github sees them: go-github would otherwise start its own
//     real-time lockout that ignores the clock flightdeck runs on.
type transport struct {
	next  http.RoundTripper
	cache *etagCache // nil: no conditional requests
	meter *meter
	sec   *secondary
	now   func() time.Time
	base  string // the API base path, trimmed off paths in errors
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	err := t.meter.gate(t.now())
	if err == nil {
		err = t.sec.take(t.now(), req)
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	release, err := t.sec.acquire(req)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.send(req)
	if err != nil || resp.Body == nil {
		release()
		return resp, err
	}
	resp.Body = releasing{resp.Body, release}
	return resp, nil
}

// send makes one request conditional where it can, and reads its answer
// (see transport).
func (t *transport) send(req *http.Request) (*http.Response, error) {
	var hit *entry
	key := ""
	p := pendingOf(req.Context())
	if t.cache != nil && p != nil && cacheable(req) {
		key = cacheKey(req)
		if hit = t.cache.get(key); hit != nil {
			req = req.Clone(req.Context())
			req.Header.Set("If-None-Match", hit.ETag)
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	notModified := resp.StatusCode == http.StatusNotModified && hit != nil
	t.meter.count(notModified)
	if !notModified {
		charge(req.Context())
	}
	t.meter.observe(resp.Header)
	if terr := t.throttled(req, resp); terr != nil {
		resp.Body.Close()
		return nil, terr
	}
	switch {
	case key == "":
		return resp, nil
	case notModified:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		t.cache.touch(hit)
		p.replay(hit)
		return hit.response(req, resp), nil
	case resp.StatusCode == http.StatusOK:
		return t.keep(key, resp, p), nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		t.cache.drop(key)
	}
	return resp, nil
}

// keep reads a 200 and holds it in the request's ledger, to be cached
// once its reader vouches for it, handing on an answer that reads the
// same. A body too big to keep is passed on as it streams. An answer that
// cannot be kept makes any older copy go: it is stale. An empty body is
// not kept either: go-github reads it as nothing at all, which is no
// answer to replay.
func (t *transport) keep(key string, resp *http.Response, p *pending) *http.Response {
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxEntryBytes+1))
	if err != nil || len(head) > maxEntryBytes {
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), errReader{err}, resp.Body), resp.Body}
		t.cache.drop(key)
		return resp
	}
	resp.Body.Close()
	if e := newEntry(key, resp.Header, head); e != nil && len(bytes.TrimSpace(head)) > 0 {
		p.add(e)
	} else {
		t.cache.drop(key)
	}
	resp.Body = io.NopCloser(bytes.NewReader(head))
	resp.ContentLength = int64(len(head))
	return resp
}

type readCloser struct {
	io.Reader
	io.Closer
}

// errReader ends a MultiReader with the error a partial read hit, if any.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// throttled recognises an answer that says "slow down" and returns the
// error to give instead, after holding further requests for the wait:
//
//   - 403 or 429 with X-RateLimit-Remaining: 0: the primary budget is spent
//     until X-RateLimit-Reset (unless Retry-After says otherwise);
//   - 403 or 429 with Retry-After, any 429, or a 403 whose message or
//     documentation_url names the secondary limit: a secondary limit, for
//     Retry-After or else a minute.
func (t *transport) throttled(req *http.Request, resp *http.Response) error {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return nil
	}
	now := t.now()
	msg, doc := peekMessage(resp)
	e := &RateLimitError{Method: req.Method, Path: t.path(req), Status: resp.StatusCode, Message: msg}
	wait := providers.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	switch {
	case resp.Header.Get(hdrRemaining) == "0":
		if secs, err := strconv.ParseInt(resp.Header.Get(hdrReset), 10, 64); err == nil {
			e.Reset = time.Unix(secs, 0)
			if wait <= 0 {
				wait = e.Reset.Sub(now)
			}
		}
	case wait > 0, resp.StatusCode == http.StatusTooManyRequests, secondaryMessage(msg, doc):
		e.Secondary = true
	default:
		return nil // a 403 about permissions
	}
	if wait <= 0 {
		wait = secondaryWait
	}
	wait = ceilSecond(wait)
	t.meter.hold(now.Add(wait), e)
	return &providers.ThrottledError{RetryAfter: wait, Err: e}
}

func secondaryMessage(msg, doc string) bool {
	return strings.Contains(strings.ToLower(msg), "secondary rate limit") ||
		strings.HasSuffix(doc, "secondary-rate-limits") || strings.HasSuffix(doc, "#abuse-rate-limits")
}

// peekMessage reads GitHub's {"message", "documentation_url"} off an error
// answer and puts the body back for whoever reads it next.
func peekMessage(resp *http.Response) (msg, doc string) {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var m struct {
		Message string `json:"message"`
		Doc     string `json:"documentation_url"`
	}
	if json.Unmarshal(b, &m) != nil {
		return "", ""
	}
	return oneLine(m.Message, 200), m.Doc
}

// path is a request's path below the API base, for messages.
func (t *transport) path(req *http.Request) string {
	return strings.TrimPrefix(req.URL.Path, t.base)
}

// oneLine flattens s to one line of at most n bytes, scrubbed first.
func oneLine(s string, n int) string { return providers.OneLine(s, n) }
