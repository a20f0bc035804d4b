// Package circleci reads CircleCI pipelines, workflows and jobs as
// flightdeck pipelines and gates, and acts on them: approve a held job,
// rerun a workflow from its failed jobs, cancel a workflow. Client is a small
// typed client for the part of CircleCI API v2 flightdeck needs; Source is a
// providers.CISource over it that polls cheaply, re-reading only what can
// still change.
package circleci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airside-dev/flightdeck/providers"
)

// DefaultHost is circleci.com; CircleCI server installations have their own.
const DefaultHost = "https://circleci.com"

// Paging and size limits. CircleCI pages hold about 20 items; a workflow
// with more than maxPages pages of jobs is not one a release board shows.
const (
	maxPages       = 20
	maxBody        = 8 << 20
	defaultWait    = 5 * time.Second // backoff after a 429 that names no wait
	defaultTimeout = 15 * time.Second
)

// ClientOptions configure a Client.
type ClientOptions struct {
	// Host is the web root, e.g. https://circleci.com or a CircleCI server
	// host; the API is Host + "/api/v2". "" means DefaultHost.
	Host string
	// Token is sent only to Host's origin (scheme, host and port), and
	// only if it belongs there (Token.Host; one made by NewToken belongs
	// wherever it is given).
	Token Token
	// HTTPClient is optional; tests pass a counting or faulty one.
	HTTPClient *http.Client
	// RequestTimeout bounds each request (default 15 s), inside whatever
	// deadline the caller's context has.
	RequestTimeout time.Duration
	// Now is the clock, for Retry-After dates and the throttle backoff.
	Now func() time.Time
}

// Client calls CircleCI API v2. It is safe for concurrent use. After a
// 429 it sends nothing until the wait the API asked for has passed, and
// answers with a *providers.ThrottledError instead.
type Client struct {
	base  string
	token Token
	// wrongHost is set when the token belongs to another host: nothing
	// is sent, and every request answers it.
	wrongHost error
	hc        *http.Client
	timeout   time.Duration
	now       func() time.Time

	requests atomic.Int64

	mu        sync.Mutex
	notBefore time.Time
}

// NewClient builds a client. A zero Token is accepted: every request then
// fails with an error wrapping providers.ErrAuth that says how to set one,
// so the board can show it beside the other sources.
func NewClient(o ClientOptions) (*Client, error) {
	host := strings.TrimRight(o.Host, "/")
	if host == "" {
		host = DefaultHost
	}
	u, err := url.Parse(host)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("CircleCI: host %q is not an http(s) URL such as %s", o.Host, DefaultHost)
	}
	c := &Client{base: host + "/api/v2", token: o.Token, timeout: o.RequestTimeout, now: o.Now}
	origin := providers.Origin(u)
	if c.token.host == "" {
		c.token.host = origin // given without a host: it is for this one
	}
	if !c.token.IsZero() && c.token.host != origin {
		c.wrongHost = &wrongHostError{source: c.token.source, tokenHost: c.token.host, host: origin}
	}
	// The token goes on a request only on its way to its own host, at
	// every hop; a redirect to another host is refused: no call flightdeck
	// makes to CircleCI API v2 has a reason to leave it.
	hc := http.Client{}
	if o.HTTPClient != nil {
		hc = *o.HTTPClient
	}
	tok := c.token
	hc.Transport = &providers.HostAuth{Origin: tok.host, Next: hc.Transport,
		Set: func(h http.Header) { h.Set("Circle-Token", tok.value()) }}
	hc.CheckRedirect = providers.CheckRedirect(false)
	c.hc = &hc
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Requests is how many requests the client has sent.
func (c *Client) Requests() int64 { return c.requests.Load() }

// APIError is an answer other than success, carrying the API's own
// {"message"} and the request id CircleCI gave it. It unwraps to
// providers.ErrAuth (401, 403) or providers.ErrNotFound (404).
type APIError struct {
	Method, Path string
	Status       int
	Message      string
	RequestID    string
	hint         string
}

func (e *APIError) Error() string {
	msg := strings.TrimRight(e.Message, ". ")
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if e.Status == http.StatusUnauthorized && e.hint != "" {
		// The token is wrong for every call: no need to name this one, and
		// what to do comes first, where a narrow cell still shows it.
		return fmt.Sprintf("CircleCI: %d, %s (%s)", e.Status, e.hint, msg)
	}
	s := fmt.Sprintf("CircleCI: %s %s: %d %s", e.Method, e.Path, e.Status, msg)
	if e.hint != "" {
		s += "; " + e.hint
	}
	return s
}

func (e *APIError) Unwrap() error { return providers.StatusSentinel(e.Status) }

// ResponseError is a success status whose body was not the JSON expected.
type ResponseError struct {
	Method, Path string
	Status       int
	RequestID    string
	Err          error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("CircleCI: %s %s: %d with a malformed body: %v", e.Method, e.Path, e.Status, e.Err)
}

func (e *ResponseError) Unwrap() error { return e.Err }

// RequestID finds the CircleCI request id an error carries, if any.
func RequestID(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.RequestID
	}
	var re *ResponseError
	if errors.As(err, &re) {
		return re.RequestID
	}
	return ""
}

// call is one request: method, path under /api/v2 (already escaped), query
// and JSON body (nil for none).
type call struct {
	method, path string
	query        url.Values
	body         any
	// v1 sends the call to API v1.1 instead (path under /api/v1.1).
	v1 bool
}

// do sends one request and decodes a 2xx JSON answer into out. It returns
// the response's X-Request-Id, also on error when there was a response.
func (c *Client) do(ctx context.Context, r call, out any) (string, error) {
	rid, status, b, err := c.send(ctx, r)
	if err != nil {
		return rid, err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return rid, &ResponseError{Method: r.method, Path: r.path, Status: status, RequestID: rid, Err: err}
	}
	return rid, nil
}

// send sends one request and returns a 2xx answer's status and body, or
// the error status mapped by statusError, with the X-Request-Id either way.
func (c *Client) send(ctx context.Context, r call) (rid string, status int, body []byte, err error) {
	if c.token.IsZero() {
		return "", 0, nil, errNoToken
	}
	if c.wrongHost != nil {
		return "", 0, nil, c.wrongHost
	}
	if err := c.throttled(); err != nil {
		return "", 0, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	target := c.base + r.path
	if r.v1 {
		target = strings.TrimSuffix(c.base, "/api/v2") + "/api/v1.1" + r.path
	}
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var reqBody io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return "", 0, nil, fmt.Errorf("CircleCI: %s %s: %w", r.method, r.path, err)
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, reqBody)
	if err != nil {
		return "", 0, nil, fmt.Errorf("CircleCI: %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "flightdeck")
	if reqBody != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s: %w", c.timeout, context.DeadlineExceeded)
		}
		return "", 0, nil, fmt.Errorf("CircleCI: %s %s: %w", r.method, r.path, stripURL(err))
	}
	defer resp.Body.Close()
	rid = resp.Header.Get("X-Request-Id")
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return rid, 0, nil, fmt.Errorf("CircleCI: %s %s: reading the answer: %w", r.method, r.path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return rid, 0, nil, c.statusError(r, resp, rid, body)
	}
	return rid, resp.StatusCode, body, nil
}

// statusError maps an error status onto the sentinels of package providers.
func (c *Client) statusError(r call, resp *http.Response, rid string, body []byte) error {
	e := &APIError{Method: r.method, Path: r.path, Status: resp.StatusCode, RequestID: rid, Message: c.message(body)}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.hint = c.token.hint()
	case http.StatusForbidden:
		e.hint = c.token.forbidden()
	case http.StatusTooManyRequests:
		wait := providers.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		c.backOff(wait)
		return &providers.ThrottledError{RetryAfter: wait, Err: e}
	}
	return e
}

// message reads the API's {"message"} off an error body, flattened to one
// line, short, and scrubbed of secrets should a server ever echo one.
func (c *Client) message(body []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	return providers.OneLine(m.Message, 300)
}

// backOff stops sending until the wait a 429 asked for has passed.
func (c *Client) backOff(wait time.Duration) {
	if wait <= 0 {
		wait = defaultWait
	}
	until := c.now().Add(wait)
	c.mu.Lock()
	if until.After(c.notBefore) {
		c.notBefore = until
	}
	c.mu.Unlock()
}

// throttled refuses to send while a 429's wait runs.
func (c *Client) throttled() error {
	c.mu.Lock()
	until := c.notBefore
	c.mu.Unlock()
	if left := until.Sub(c.now()); left > 0 {
		return &providers.ThrottledError{RetryAfter: left, Err: errors.New("CircleCI: not sending while the rate limit's wait runs")}
	}
	return nil
}

// stripURL drops the URL from a transport error: it repeats the host on
// every line, and the message already names the call.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// page is one page of any list operation. Items are pointers so that a
// null item can be told from an empty one, and skipped.
type page[T any] struct {
	Items         []*T    `json:"items"`
	NextPageToken *string `json:"next_page_token"`
}

// list reads pages of a list operation, following next_page_token until it
// is null or empty, or until limit items are in (limit 0: all of them). An
// item whose id was on an earlier page is dropped: a pipeline created
// between two page reads pushes one already read onto the next page.
func list[T any](ctx context.Context, c *Client, path string, query url.Values, limit int, id func(T) string) ([]T, error) {
	var all []T
	have := map[string]bool{}
	seen := map[string]bool{}
	token := ""
	for range maxPages {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if token != "" {
			q.Set("page-token", token)
		}
		var p page[T]
		if _, err := c.do(ctx, call{method: http.MethodGet, path: path, query: q}, &p); err != nil {
			return all, err
		}
		for _, it := range p.Items {
			if it == nil {
				continue
			}
			if k := id(*it); k == "" || !have[k] {
				have[k] = true
				all = append(all, *it)
			}
		}
		if limit > 0 && len(all) >= limit {
			return all[:limit], nil
		}
		if p.NextPageToken == nil || *p.NextPageToken == "" {
			return all, nil
		}
		token = *p.NextPageToken
		if seen[token] {
			return all, fmt.Errorf("CircleCI: GET %s: the API gave page token %q twice", path, token)
		}
		seen[token] = true
	}
	return all, fmt.Errorf("CircleCI: GET %s: more than %d pages", path, maxPages)
}

// projectPath escapes a project slug segment by segment: its slashes are
// part of the path (the spec marks the parameter allowReserved).
func projectPath(slug string) string {
	parts := strings.Split(strings.Trim(slug, "/"), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/project/" + strings.Join(parts, "/")
}

// Pipelines lists a project's pipelines, newest first, on one branch (""
// for every branch), reading pages until it has limit of them (0: all).
func (c *Client) Pipelines(ctx context.Context, project, branch string, limit int) ([]Pipeline, error) {
	q := url.Values{}
	if branch != "" {
		q.Set("branch", branch)
	}
	return list(ctx, c, projectPath(project)+"/pipeline", q, limit, func(p Pipeline) string { return p.ID })
}

// Workflows lists a pipeline's workflows.
func (c *Client) Workflows(ctx context.Context, pipelineID string) ([]Workflow, error) {
	return list(ctx, c, "/pipeline/"+url.PathEscape(pipelineID)+"/workflow", nil, 0, func(w Workflow) string { return w.ID })
}

// Jobs lists a workflow's jobs.
func (c *Client) Jobs(ctx context.Context, workflowID string) ([]Job, error) {
	return list(ctx, c, "/workflow/"+url.PathEscape(workflowID)+"/job", nil, 0, func(j Job) string { return j.ID })
}

// Me reads the token's owner.
func (c *Client) Me(ctx context.Context) (User, error) {
	var u User
	_, err := c.do(ctx, call{method: http.MethodGet, path: "/me"}, &u)
	return u, err
}

// The actions below are sent once and never retried, and each returns the
// request id, also on failure when there was an answer. A 2xx is success
// whatever its body says: the API has acted, and a caller told otherwise
// might act again.

// Approve approves a held approval job (by its approval_request_id) in a
// workflow.
func (c *Client) Approve(ctx context.Context, workflowID, approvalRequestID string) (string, error) {
	rid, _, _, err := c.send(ctx, call{method: http.MethodPost,
		path: "/workflow/" + url.PathEscape(workflowID) + "/approve/" + url.PathEscape(approvalRequestID)})
	return rid, err
}

// RerunFailed reruns a workflow from its failed jobs. It returns the new
// workflow's id ("" if the answer did not say) and the request id.
func (c *Client) RerunFailed(ctx context.Context, workflowID string) (newWorkflowID, requestID string, err error) {
	body := struct {
		FromFailed bool `json:"from_failed"`
	}{true}
	rid, _, b, err := c.send(ctx, call{method: http.MethodPost, path: "/workflow/" + url.PathEscape(workflowID) + "/rerun", body: body})
	if err != nil {
		return "", rid, err
	}
	var out struct {
		WorkflowID string `json:"workflow_id"`
	}
	_ = json.Unmarshal(b, &out) // best effort, see above
	return out.WorkflowID, rid, nil
}

// Cancel cancels a workflow.
func (c *Client) Cancel(ctx context.Context, workflowID string) (string, error) {
	rid, _, _, err := c.send(ctx, call{method: http.MethodPost, path: "/workflow/" + url.PathEscape(workflowID) + "/cancel"})
	return rid, err
}

// WorkflowURL is a workflow's page in CircleCI's web app: app.circleci.com
// for CircleCI cloud, the server's own host for CircleCI server. Web
// slugs spell the VCS out (gh → github, bb → bitbucket).
func (c *Client) WorkflowURL(project string, number int64, workflowID string) string {
	web := strings.TrimSuffix(c.base, "/api/v2")
	if web == DefaultHost {
		web = "https://app.circleci.com"
	}
	parts := strings.Split(strings.Trim(project, "/"), "/")
	switch parts[0] {
	case "gh":
		parts[0] = "github"
	case "bb":
		parts[0] = "bitbucket"
	}
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return web + "/pipelines/" + strings.Join(parts, "/") + "/" + strconv.FormatInt(number, 10) + "/workflows/" + url.PathEscape(workflowID)
}
