// Package githubactions reads GitHub Actions workflow runs as flightdeck
// pipelines and gates, acts on them (review a pending deployment, rerun
// failed jobs, cancel a run), and reads commits and comparisons for any
// service that names its repository. It is built on go-github v60.
//
// Client is go-github behind one transport that makes every GET
// conditional (If-None-Match from an ETag cache persisted under the cache
// directory, so unchanged answers are free 304s, also on the first poll
// after a restart), meters the rate limit off every answer and stops
// sending while GitHub asks it to wait. Source is a providers.CISource over
// it that re-reads only what can still change.
package githubactions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/airside-dev/flightdeck/providers"
)

// DefaultAPIURL is github.com's API; GitHub Enterprise Server serves it at
// https://HOST/api/v3/.
const DefaultAPIURL = "https://api.github.com/"

const (
	defaultTimeout = 15 * time.Second
	maxJobPages    = 5 // 500 jobs: more than any release board shows
)

// ClientOptions configure a Client.
type ClientOptions struct {
	// APIURL is the API root (config github.api_url); "" means
	// DefaultAPIURL. A missing trailing slash is added.
	APIURL string
	// Token is sent only to APIURL's origin (scheme, host and port), and
	// only if it belongs to APIURL's host (Token.Host; one made by
	// NewToken belongs wherever it is given).
	Token Token
	// HTTPClient is optional; its Transport is what requests finally go
	// through (tests pass a counting or faulty one).
	HTTPClient *http.Client
	// RequestTimeout bounds each request (default 15 s).
	RequestTimeout time.Duration
	// CacheDir is where the ETag cache persists (config.CacheDir); ""
	// keeps it in memory only.
	CacheDir string
	// CacheBytes bounds the cached bodies (default DefaultCacheBytes).
	CacheBytes int
	// NoCache turns conditional requests off altogether.
	NoCache bool
	// Now is the clock, for waits and the budget.
	Now func() time.Time
}

// Client calls the GitHub REST API through go-github. It is safe for
// concurrent use.
type Client struct {
	gh    *github.Client
	token Token
	// wrongHost is set when the token belongs to another host: nothing
	// is sent, and every request answers it.
	wrongHost error
	base      *url.URL
	timeout   time.Duration
	now       func() time.Time
	meter     *meter
	sec       *secondary
	cache     *etagCache
	// plain downloads from the storage hosts GitHub redirects to (job
	// logs): no credential, whatever the host.
	plain *http.Client
}

// NewClient builds a client. A zero Token is accepted: every request then
// fails with an error wrapping providers.ErrAuth that says how to set one.
func NewClient(o ClientOptions) (*Client, error) {
	raw := o.APIURL
	if raw == "" {
		raw = DefaultAPIURL
	}
	base, err := url.Parse(raw)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("GitHub: api_url %q is not an http(s) URL such as %s or https://HOST/api/v3/", o.APIURL, DefaultAPIURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	c := &Client{token: o.Token, base: base, timeout: o.RequestTimeout, now: o.Now, meter: &meter{}, sec: newSecondary()}
	host := Host(base.String())
	if c.token.host == "" {
		c.token.host = host // given without a host: it is for this one
	}
	if !c.token.IsZero() && c.token.host != host {
		c.wrongHost = &wrongHostError{source: c.token.source, tokenHost: c.token.host, host: host}
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	if !o.NoCache {
		c.cache = newETagCache(o.CacheDir, o.CacheBytes, c.now)
	}
	hc := http.Client{}
	if o.HTTPClient != nil {
		hc = *o.HTTPClient
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	// The token goes on a request only on its way to the API's origin, at
	// every hop (go-github's WithAuthToken would add it on every hop,
	// wherever it goes). A read redirected to another host is followed
	// without it, as a job's logs are, on a blob host; an action
	// redirected elsewhere is refused.
	origin := ""
	if !c.token.IsZero() && c.wrongHost == nil {
		origin = providers.Origin(base)
	}
	tok := c.token
	hc.Transport = &providers.HostAuth{Origin: origin,
		Set:  func(h http.Header) { h.Set("Authorization", "Bearer "+tok.reveal()) },
		Next: &transport{next: next, cache: c.cache, meter: c.meter, sec: c.sec, now: c.now, base: base.Path}}
	hc.CheckRedirect = providers.CheckRedirect(true)
	c.plain = &http.Client{Transport: &providers.HostAuth{Next: next}, CheckRedirect: providers.CheckRedirect(true)}
	gh := github.NewClient(&hc)
	gh.BaseURL = base
	gh.UserAgent = "flightdeck"
	c.gh = gh
	return c, nil
}

// Requests reports how many requests went out and how many of them were
// answered 304 (free of rate limit).
func (c *Client) Requests() (sent, notModified int64) { return c.meter.counts() }

// SaveCache persists the ETag cache if it changed.
func (c *Client) SaveCache() error {
	if c.cache == nil {
		return nil
	}
	return c.cache.Save()
}

// APIError is an answer other than success: GitHub's {"message"}, the
// request id, and what to do about it. It unwraps to providers.ErrAuth
// (401, 403) or providers.ErrNotFound (404).
type APIError struct {
	Method, Path string
	Status       int
	Message      string
	RequestID    string
	// Scopes and Needs are a classic token's X-OAuth-Scopes and the
	// X-Accepted-OAuth-Scopes of the operation, when GitHub sent them.
	Scopes, Needs string
	hint          string
}

func (e *APIError) Error() string {
	msg := cmp.Or(strings.TrimRight(e.Message, ". "), http.StatusText(e.Status))
	switch {
	case e.Status == http.StatusUnauthorized && e.hint != "":
		// Wrong for every call: what to do comes first, where a narrow
		// cell still shows it.
		return fmt.Sprintf("GitHub: %d, %s (%s)", e.Status, e.hint, msg)
	case e.hint != "":
		return fmt.Sprintf("GitHub: %s %s: %d %s; %s", e.Method, e.Path, e.Status, msg, e.hint)
	}
	return fmt.Sprintf("GitHub: %s %s: %d %s", e.Method, e.Path, e.Status, msg)
}

// Unwrap gives providers.ErrAuth for 401 and 403, ErrNotFound for 404.
func (e *APIError) Unwrap() error { return providers.StatusSentinel(e.Status) }

// RequestID finds the GitHub request id an error carries, if any.
func RequestID(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.RequestID
	}
	return ""
}

func requestID(resp *github.Response) string {
	if resp == nil || resp.Response == nil {
		return ""
	}
	return resp.Header.Get("X-GitHub-Request-Id")
}

// do runs one go-github call under the request timeout and maps its error.
// It returns the request id of the answer, when there was one. What the
// call reads through the ETag cache is vouched for (see pending) when it
// decoded: when call returns no error. call makes an answer it cannot use
// (null where an object was expected) an error, so it is not cached.
func (c *Client) do(ctx context.Context, what string, call func(ctx context.Context) (*github.Response, error)) (string, error) {
	if c.token.IsZero() {
		return "", errNoToken
	}
	if c.wrongHost != nil {
		return "", c.wrongHost
	}
	// The caller's deadline may be the shorter one: name the limit that
	// ran out.
	limit := c.timeout
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl).Round(time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	p := c.cache.begin(pendingOf(ctx))
	defer p.discard() // what call read and could not vouch for (a no-op after commit)
	resp, err := call(withPending(ctx, p))
	rid := requestID(resp)
	if err == nil {
		p.commit()
		return rid, nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return rid, fmt.Errorf("GitHub: %s: no answer within %s: %w", what, limit, context.DeadlineExceeded)
	}
	return rid, c.mapErr(what, err)
}

// mapErr turns go-github's errors into ours: the sentinels of package
// providers, messages that name the call and say what to do, and never
// the token.
func (c *Client) mapErr(what string, err error) error {
	var (
		thr  *providers.ThrottledError
		er   *github.ErrorResponse
		tfa  *github.TwoFactorAuthError
		rle  *github.RateLimitError
		abre *github.AbuseRateLimitError
		ue   *url.Error
	)
	switch {
	case errors.As(err, new(*github.AcceptedError)):
		return nil
	case errors.As(err, &thr):
		return thr
	case errors.As(err, &rle):
		// go-github's own lockout (it saw Remaining: 0 on a success).
		e := &RateLimitError{Status: http.StatusForbidden, Message: oneLine(rle.Message, 200), Reset: rle.Rate.Reset.Time}
		e.Method, e.Path = c.where(rle.Response, what)
		return &providers.ThrottledError{RetryAfter: ceilSecond(max(time.Second, e.Reset.Sub(c.now()))), Err: e}
	case errors.As(err, &abre):
		e := &RateLimitError{Status: http.StatusForbidden, Secondary: true, Message: oneLine(abre.Message, 200)}
		e.Method, e.Path = c.where(abre.Response, what)
		wait := secondaryWait
		if abre.RetryAfter != nil && *abre.RetryAfter > 0 {
			wait = *abre.RetryAfter
		}
		return &providers.ThrottledError{RetryAfter: ceilSecond(wait), Err: e}
	case errors.As(err, &tfa):
		return c.apiError((*github.ErrorResponse)(tfa))
	case errors.As(err, &er) && er.Response != nil:
		return c.apiError(er)
	case errors.As(err, &ue):
		return fmt.Errorf("GitHub: %s: %w", what, ue.Err)
	}
	return fmt.Errorf("GitHub: %s: %w", what, err)
}

// where names the request an answer was to, or says what the call was.
func (c *Client) where(r *http.Response, what string) (method, path string) {
	if r == nil || r.Request == nil {
		return "", what
	}
	return r.Request.Method, strings.TrimPrefix(r.Request.URL.Path, c.base.Path)
}

func (c *Client) apiError(er *github.ErrorResponse) error {
	r := er.Response
	e := &APIError{Status: r.StatusCode, Message: oneLine(er.Message, 300),
		RequestID: r.Header.Get("X-GitHub-Request-Id"),
		Scopes:    r.Header.Get("X-OAuth-Scopes"), Needs: r.Header.Get("X-Accepted-OAuth-Scopes")}
	e.Method, e.Path = c.where(r, "")
	switch e.Status {
	case http.StatusUnauthorized:
		e.hint = c.token.hint()
	case http.StatusForbidden:
		e.hint = c.token.lacking()
		if e.Needs != "" {
			e.hint += " (it needs scope " + e.Needs + ")"
		}
	case http.StatusNotFound:
		if strings.HasPrefix(e.Path, "repos/") {
			e.hint = "GitHub answers 404 also for a private repository the token cannot see"
		}
	}
	return e
}

// splitRepo splits "owner/name".
func splitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(strings.Trim(repo, "/"), "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("GitHub: repo %q is not owner/name", repo)
	}
	return owner, name, nil
}

// Runs lists the newest runs of a workflow (a file name such as deploy.yml,
// or its numeric id) on a branch ("" for all), newest first.
func (c *Client) Runs(ctx context.Context, repo, workflow, branch string, n int) ([]*github.WorkflowRun, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	opts := &github.ListWorkflowRunsOptions{Branch: branch, ExcludePullRequests: true, ListOptions: github.ListOptions{PerPage: n}}
	var runs *github.WorkflowRuns
	_, err = c.do(ctx, "list runs of "+workflow+" in "+repo, func(ctx context.Context) (resp *github.Response, err error) {
		runs, resp, err = c.gh.Actions.ListWorkflowRunsByFileName(ctx, owner, name, url.PathEscape(workflow), opts)
		return resp, emptyIsError(err, runs == nil)
	})
	if err != nil {
		return nil, err
	}
	out := withoutNil(runs.WorkflowRuns)
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// Run reads one run.
func (c *Client) Run(ctx context.Context, repo string, runID int64) (*github.WorkflowRun, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var run *github.WorkflowRun
	_, err = c.do(ctx, fmt.Sprintf("read run %d of %s", runID, repo), func(ctx context.Context) (resp *github.Response, err error) {
		run, resp, err = c.gh.Actions.GetWorkflowRunByID(ctx, owner, name, runID)
		return resp, emptyIsError(err, run == nil)
	})
	return run, err
}

// Jobs lists the jobs of a run's latest attempt, with their steps.
func (c *Client) Jobs(ctx context.Context, repo string, runID int64) ([]*github.WorkflowJob, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	opts := &github.ListWorkflowJobsOptions{Filter: "latest", ListOptions: github.ListOptions{PerPage: 100}}
	var all []*github.WorkflowJob
	for range maxJobPages {
		var page *github.Jobs
		var next int
		_, err := c.do(ctx, fmt.Sprintf("list jobs of run %d in %s", runID, repo), func(ctx context.Context) (resp *github.Response, err error) {
			page, resp, err = c.gh.Actions.ListWorkflowJobs(ctx, owner, name, runID, opts)
			if resp != nil {
				next = resp.NextPage
			}
			return resp, emptyIsError(err, page == nil)
		})
		if err != nil {
			return all, err
		}
		all = append(all, withoutNil(page.Jobs)...)
		if next == 0 {
			break
		}
		opts.Page = next
	}
	return all, nil
}

// WorkflowPath reads where a workflow's file lives (.github/workflows/…).
func (c *Client) WorkflowPath(ctx context.Context, repo string, workflowID int64) (string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	var wf *github.Workflow
	_, err = c.do(ctx, fmt.Sprintf("read workflow %d of %s", workflowID, repo), func(ctx context.Context) (resp *github.Response, err error) {
		wf, resp, err = c.gh.Actions.GetWorkflowByID(ctx, owner, name, workflowID)
		return resp, emptyIsError(err, wf.GetPath() == "")
	})
	return wf.GetPath(), err
}

// File reads a file of a repository at a commit.
func (c *Client) File(ctx context.Context, repo, path, ref string) ([]byte, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var fc *github.RepositoryContent
	what := fmt.Sprintf("read %s at %s in %s", path, shortRef(ref), repo)
	_, err = c.do(ctx, what, func(ctx context.Context) (resp *github.Response, err error) {
		fc, _, resp, err = c.gh.Repositories.GetContents(ctx, owner, name, path, &github.RepositoryContentGetOptions{Ref: ref})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	if fc == nil {
		return nil, fmt.Errorf("GitHub: %s: a directory, not a file", what)
	}
	if fc.GetEncoding() == "none" {
		// Files over 1 MB come without their content.
		return nil, fmt.Errorf("GitHub: %s: %w", what, errTooLarge)
	}
	text, err := fc.GetContent()
	if err != nil {
		return nil, fmt.Errorf("GitHub: %s: %w", what, err)
	}
	return []byte(text), nil
}

// Dir lists the names of a repository directory's entries at ref ("" is
// the default branch), through the contents API. A path that is a file,
// not a directory, is an error; one that is not there wraps
// providers.ErrNotFound.
func (c *Client) Dir(ctx context.Context, repo, path, ref string) ([]string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var fc *github.RepositoryContent
	var entries []*github.RepositoryContent
	what := fmt.Sprintf("list %s in %s", path, repo)
	_, err = c.do(ctx, what, func(ctx context.Context) (resp *github.Response, err error) {
		fc, entries, resp, err = c.gh.Repositories.GetContents(ctx, owner, name, path, &github.RepositoryContentGetOptions{Ref: ref})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	if fc != nil {
		return nil, fmt.Errorf("GitHub: %s: a file, not a directory", what)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.GetName())
	}
	return names, nil
}

// errTooLarge is a file the contents API will not send inline (over 1 MB):
// asking again will not change that.
var errTooLarge = errors.New("larger than the 1 MB the contents API sends")

func shortRef(ref string) string {
	if len(ref) == 40 {
		return ref[:7]
	}
	return ref
}

// Commit reads one commit.
func (c *Client) Commit(ctx context.Context, repo, ref string) (*github.RepositoryCommit, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var rc *github.RepositoryCommit
	_, err = c.do(ctx, "read commit "+shortRef(ref)+" of "+repo, func(ctx context.Context) (resp *github.Response, err error) {
		rc, resp, err = c.gh.Repositories.GetCommit(ctx, owner, name, ref, nil)
		return resp, emptyIsError(err, rc == nil)
	})
	return rc, err
}

// Compare reads base...head, with up to 250 of its commits, the newest.
func (c *Client) Compare(ctx context.Context, repo, base, head string) (*github.CommitsComparison, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var cc *github.CommitsComparison
	_, err = c.do(ctx, "compare "+shortRef(base)+"..."+shortRef(head)+" in "+repo, func(ctx context.Context) (resp *github.Response, err error) {
		// No paging parameter: GitHub then lists up to 250 commits ending
		// with the newest, the ones a promotion ships. With per_page or
		// page it lists the oldest first and the newest may be pages away.
		cc, resp, err = c.gh.Repositories.CompareCommits(ctx, owner, name, base, head, nil)
		return resp, emptyIsError(err, cc == nil)
	})
	if err != nil {
		return nil, err
	}
	cc.Commits = withoutNil(cc.Commits)
	return cc, nil
}

// errEmpty is an answer that decoded to nothing: null where an object
// was expected, or an object without the one field asked for.
var errEmpty = errors.New("the answer is empty")

// emptyIsError is a call's error, or errEmpty when the call succeeded but its
// answer is empty: a reader that gets nothing to read fails, and so the
// answer is not cached.
func emptyIsError(err error, empty bool) error {
	if err == nil && empty {
		return errEmpty
	}
	return err
}

// withoutNil drops the null entries of a list (GitHub never sends them,
// but a list of nothing but a null must not crash the board).
func withoutNil[T any](s []*T) []*T {
	return slices.DeleteFunc(s, func(p *T) bool { return p == nil })
}
