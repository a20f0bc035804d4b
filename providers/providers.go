// Package providers defines the small interfaces flightdeck's screens and
// commands use to reach the outside world, and the errors every backend maps
// its failures to. Each backend lives in its own sub-package (ecs, …) and is
// wired up only in package commands (world.go) and tests.
package providers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/airside-dev/flightdeck/model"
)

// DeploySource reads the state of a group of environments in one poll: for
// ECS, every environment reached through one AWS account, region and endpoint.
// The UI never runs two Fetch calls of one source at once.
type DeploySource interface {
	// Name identifies the source on screen and in logs ("aws eu-west-1").
	Name() string
	// Kind groups sources for the header's health summary ("aws").
	Kind() string
	// Covers lists the environments this source reports on.
	Covers() []model.EnvKey
	// Fetch polls every environment once. It returns what it read: good
	// data, or an environment's own error on EnvStatus.Error (each failing
	// environment naming its own cause). A returned error is the source's
	// trouble (unreachable, throttled, credentials rejected) and may come
	// with partial results; the poller backs off on it, and it is written
	// on every covered environment the results do not speak for.
	Fetch(ctx context.Context) ([]model.EnvStatus, error)
}

// Sentinel errors every backend maps its failures to, so the UI and the
// commands can react (back off, tell the user to log in) without knowing
// the backend.
var (
	ErrThrottled = errors.New("throttled")
	ErrAuth      = errors.New("not authorised")
	ErrNotFound  = errors.New("not found")
	// ErrRejected is any other answer in which the service said no to the
	// request itself (HTTP 400, 409, 422; an AWS client fault): it did not
	// act on it.
	ErrRejected = errors.New("rejected")
)

// ThrottledError carries how long the backend asked us to wait, when it said.
type ThrottledError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *ThrottledError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("throttled, retry after %s: %v", e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("throttled: %v", e.Err)
}

func (e *ThrottledError) Unwrap() []error { return []error{ErrThrottled, e.Err} }

// ParseRetryAfter reads a Retry-After header value, given in seconds or as
// an HTTP date (relative to now). It returns 0 when the value says nothing
// usable.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(0, time.Duration(secs)*time.Second)
	}
	if at, err := http.ParseTime(v); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// RetryAfter returns the wait a throttled error asks for, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var t *ThrottledError
	if errors.As(err, &t) {
		return t.RetryAfter, true
	}
	return 0, errors.Is(err, ErrThrottled)
}

// Capabilities. A backend implements the ones it can; the UI and the
// action pipeline find them by type assertion and disable what is missing.

// EnvReader reads one environment live. The action pipeline uses it to
// re-check state just before it acts.
type EnvReader interface {
	FetchEnv(ctx context.Context, key model.EnvKey) (model.EnvStatus, error)
}

// HistoryReader lists the revisions an environment could run, newest first,
// marking which can still be deployed.
type HistoryReader interface {
	History(ctx context.Context, key model.EnvKey) ([]model.Revision, error)
}

// Call describes one provider request an action makes or would make (for
// --dry-run): the operation and its parameters, never a secret.
type Call struct {
	Operation string            `json:"operation"`
	Params    map[string]string `json:"params"`
}

// Receipt is what an executed action got back: the requests made and the
// request ids the provider gave them, for the audit log.
type Receipt struct {
	Calls      []Call   `json:"calls"`
	RequestIDs []string `json:"request_ids"`
	// Detail is a short human note, e.g. the new revision registered.
	Detail string `json:"detail,omitempty"`
}

// Describer says, in its own words, what confirming an action would send:
// "point ECS service production/api at task definition api:31", "cancel
// the held workflow (CircleCI has no reject)". The planner shows it in
// every confirmation, so no provider's words appear in another's.
type Describer interface {
	Describe(a model.Action) string
}

// Rollbacker points an environment at an existing revision carrying the
// version (an older task definition revision). With dryRun it returns the
// calls it would make and sends nothing.
type Rollbacker interface {
	Rollback(ctx context.Context, key model.EnvKey, to model.Version, dryRun bool) (Receipt, error)
}

// Promoter deploys into an environment the exact artifact another
// environment runs, keeping the target's own settings.
type Promoter interface {
	Promote(ctx context.Context, key model.EnvKey, artifact model.Version, dryRun bool) (Receipt, error)
}

// Aborter stops the deploy in flight in an environment and rolls back.
type Aborter interface {
	Abort(ctx context.Context, key model.EnvKey, dryRun bool) (Receipt, error)
}

// Switcher swaps a blue/green pair (an Elastic Beanstalk CNAME swap): the
// standby takes the production name and the live side stands by. It
// refuses (a *model.Refusal) while either side is updating or the standby
// is not ready and healthy, as read live just before; the status's
// model.BlueGreen.Blocked carries the same verdict for the planner.
type Switcher interface {
	Switch(ctx context.Context, key model.EnvKey, dryRun bool) (Receipt, error)
}

// CanaryStepper moves a canary's traffic (model.EnvStatus.Canary): promote
// one step up (the next of Canary.Steps, or a native deployment continued),
// or abort back to the stable side (weights to 0, or a native rollback).
// Like Switcher, it re-reads what it acts on and refuses (a *model.Refusal)
// when the canary moved since, or the service is mid-deploy.
type CanaryStepper interface {
	StepCanary(ctx context.Context, key model.EnvKey, promote, dryRun bool) (Receipt, error)
}

// CISource reads the CI pipelines of a group of services in one poll: for
// CircleCI, every service on one host. The UI never runs two Fetch calls of
// one source at once.
type CISource interface {
	// Name identifies the source on screen and in logs ("circleci").
	Name() string
	// Kind groups sources for the header's health summary ("circleci").
	Kind() string
	// Services lists the services whose pipelines this source reports.
	Services() []string
	// Fetch polls every service once. It returns what it read: each
	// service's recent pipelines (newest first) and the gates in them
	// waiting for a human, or a service's own error on CIStatus.Error. A
	// returned error is the source's trouble (unreachable, throttled,
	// credentials rejected) and may come with partial results; the poller
	// backs off on it, and it is written on every covered service the
	// results do not speak for.
	Fetch(ctx context.Context) ([]model.CIStatus, error)
}

// PollCI fetches a CI source once with a timeout and packs the answer as
// the snapshot merges it, as Poll does for deploy sources.
func PollCI(ctx context.Context, src CISource, timeout time.Duration, now func() time.Time) model.CIFetchResult {
	services, err := within(ctx, timeout, src.Fetch)
	return model.CIFetchResult{
		Source: src.Name(), Kind: src.Kind(), At: now(),
		Services: services, Covers: src.Services(),
		Err: err, Throttled: errors.Is(err, ErrThrottled),
	}
}

// CIServiceReader is a CISource that can read one of its services alone,
// as Fetch would read it: a command about one service (approve, reject)
// then depends on that service's reads only, and another service's
// failing reads cannot hold it up. The error returned is the source's
// trouble, as Fetch's; the service's own is on CIStatus.Error.
type CIServiceReader interface {
	FetchService(ctx context.Context, service string) (model.CIStatus, error)
}

// CISubsetPoller is a CI source that can poll some of its services, as
// Fetch polls them all: the dashboard reads each service at its own pace,
// hot only while its own pipeline moves.
type CISubsetPoller interface {
	FetchServices(ctx context.Context, services []string) ([]model.CIStatus, error)
}

// PollCIServices polls some services of a CI source once with a timeout,
// packed as the snapshot merges it; a source that cannot read a subset is
// polled whole.
func PollCIServices(ctx context.Context, src CISource, services []string, timeout time.Duration, now func() time.Time) model.CIFetchResult {
	sub, ok := src.(CISubsetPoller)
	if !ok {
		return PollCI(ctx, src, timeout, now)
	}
	sts, err := within(ctx, timeout, func(ctx context.Context) ([]model.CIStatus, error) { return sub.FetchServices(ctx, services) })
	return model.CIFetchResult{
		Source: src.Name(), Kind: src.Kind(), At: now(),
		Services: sts, Covers: services,
		Err: err, Throttled: errors.Is(err, ErrThrottled),
	}
}

// SelectedAll is the indexes of the services named in only, in the
// order of services.
func SelectedAll(services, only []string) []int {
	var sel []int
	for i, name := range services {
		if slices.Contains(only, name) {
			sel = append(sel, i)
		}
	}
	return sel
}

// GroupBy groups the indexes sel by key, groups in the order of their
// first member, members in the order given: the services that can share
// one read.
func GroupBy(sel []int, key func(i int) string) [][]int {
	at := map[string]int{}
	var groups [][]int
	for _, i := range sel {
		k := key(i)
		g, ok := at[k]
		if !ok {
			g = len(groups)
			at[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// PollCIService reads one service of a CI source once with a timeout and
// packs the answer as the snapshot merges it: through FetchService when
// the source has it, else through a whole Fetch.
func PollCIService(ctx context.Context, src CISource, service string, timeout time.Duration, now func() time.Time) model.CIFetchResult {
	one, ok := src.(CIServiceReader)
	if !ok {
		return PollCI(ctx, src, timeout, now)
	}
	st, err := within(ctx, timeout, func(ctx context.Context) (model.CIStatus, error) { return one.FetchService(ctx, service) })
	return model.CIFetchResult{
		Source: src.Name(), Kind: src.Kind(), At: now(),
		Services: []model.CIStatus{st}, Covers: []string{service},
		Err: err, Throttled: errors.Is(err, ErrThrottled),
	}
}

// Selected is the indexes of the services a CI source's fetch reads, in
// the source's order: every one when only is "", else the one named only
// (none when it is not among them). Fetch and FetchService share one
// fetch through it.
func Selected(services []string, only string) []int {
	var sel []int
	for i, name := range services {
		if only == "" || name == only {
			sel = append(sel, i)
		}
	}
	return sel
}

// within runs fetch under a timeout and says so when the timeout is what
// cut it short.
func within[T any](ctx context.Context, timeout time.Duration, fetch func(context.Context) (T, error)) (T, error) {
	c, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := fetch(c)
	if err != nil && errors.Is(c.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %s: %w", timeout, err)
	}
	return v, err
}

// CI capabilities. A gate is named by the model.Gate a CISource reported
// (its ID and WorkflowID mean something only to that source); a workflow by
// the service it belongs to and the provider's workflow id. Each returns
// the calls it made (or, with dryRun, would make) and the request ids.

// GateChecker re-reads a gate live: the action pipeline's re-check before
// approving or rejecting. It returns nil while the gate still waits, and a
// *model.Refusal saying what happened instead ("already approved by …",
// "canceled") once it does not.
type GateChecker interface {
	CheckGate(ctx context.Context, gate model.Gate) error
}

// Approver lets a gate's pipeline go on.
type Approver interface {
	Approve(ctx context.Context, gate model.Gate, dryRun bool) (Receipt, error)
}

// Rejecter stops a gate's pipeline at the gate. CircleCI has no "reject":
// it cancels the gate's workflow.
type Rejecter interface {
	Reject(ctx context.Context, gate model.Gate, dryRun bool) (Receipt, error)
}

// JobLogReader reads the end of a CI job's log on demand (never in a
// poll): CircleCI's failed step output, GitHub's job log. The log is read
// from wherever the host points (a storage host), with no credential sent
// there, and only its tail is kept (see ReadTail).
type JobLogReader interface {
	JobLog(ctx context.Context, service string, job model.Job) (model.JobLog, error)
}

// Rerunner reruns a failed workflow from its failed jobs. The rerun is a
// new workflow in the same pipeline; Receipt.Detail names it.
type Rerunner interface {
	RerunFailed(ctx context.Context, service, workflowID string, dryRun bool) (Receipt, error)
}

// Canceler cancels a running or held workflow.
type Canceler interface {
	CancelWorkflow(ctx context.Context, service, workflowID string, dryRun bool) (Receipt, error)
}

// RateReporter is a source whose API meters requests against a budget
// (GitHub's primary rate limit). The UI shows the budget and never polls
// the source more often than MinInterval asks: its effective interval is
// max(the hot or idle interval it would use, MinInterval()).
type RateReporter interface {
	// Rate is the budget as the last answer told it: requests left, the
	// budget per window, and when the window resets. ok is false until an
	// answer has carried the headers.
	Rate() (remaining, limit int, reset time.Time, ok bool)
	// MinInterval is the shortest poll interval that leaves a reserve of
	// the budget until the reset, given what recent polls cost; 0 when the
	// budget sets no bound (polls that cost nothing, or plenty left).
	MinInterval() time.Duration
}

// LineageReader reads commits and what lies between two of them from the
// repository host, for any service that names its repository ("owner/name"),
// whatever runs its CI. Answers about full SHAs never change and are cached.
type LineageReader interface {
	// Commit reads one commit by SHA (or any ref the host resolves).
	Commit(ctx context.Context, repo, sha string) (model.Commit, error)
	// Compare reads what head has that base lacks, and the reverse count.
	Compare(ctx context.Context, repo, base, head string) (model.Comparison, error)
}

// CommitLinker gives a commit's page, and the comparison of two, on the
// repository host's website, for links on SHAs and on drift; "" when it
// has none.
type CommitLinker interface {
	CommitURL(repo, sha string) string
	CompareURL(repo, base, head string) string
}

// Parallel runs fn(0) … fn(n-1) with at most conc calls in flight and
// returns when all are done.
func Parallel(n, conc int, fn func(i int)) {
	sem := make(chan struct{}, max(1, conc))
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}

// SourceError decides what one poll's failures say about a whole source,
// for a source that reads many services: throttling anywhere makes it
// throttled (asking for the longest wait any answer named: the source's
// client holds every request for it), and a refused credential anywhere
// an auth failure. Failures that concern one service only (ownService:
// its repository not found, a credential that may not read that one
// project, a panic while reading its answers) say nothing about the
// source, unless no service could be read (read == 0) and one of them is
// a refusal. Other failures count when no service could be read. It
// returns nil when the source is fine.
func SourceError(fails []error, read int, ownService func(error) bool) error {
	var wait time.Duration
	var throttled, auth, ownAuth, other error
	for _, err := range fails {
		own := ownService != nil && ownService(err)
		switch {
		case errors.Is(err, ErrThrottled):
			if d, _ := RetryAfter(err); d > wait {
				wait = d
			}
			if throttled == nil {
				throttled = err
			}
		case own && errors.Is(err, ErrAuth):
			if ownAuth == nil {
				ownAuth = err
			}
		case own:
		case errors.Is(err, ErrAuth):
			if auth == nil {
				auth = err
			}
		case other == nil:
			other = err
		}
	}
	switch {
	case throttled != nil:
		var t *ThrottledError
		if errors.As(throttled, &t) {
			return &ThrottledError{RetryAfter: wait, Err: t.Err}
		}
		return &ThrottledError{RetryAfter: wait, Err: throttled}
	case auth != nil:
		return auth
	case read == 0 && ownAuth != nil:
		return ownAuth
	case read == 0 && other != nil:
		return other
	}
	return nil
}

// StatusSentinel is the sentinel an HTTP error status maps to, for a
// backend's error type to unwrap to: ErrAuth for 401 and 403, ErrNotFound
// for 404, ErrThrottled for 429, ErrRejected for the other 4xx, nil for
// the rest (a 5xx says nothing certain about what the server did).
func StatusSentinel(status int) error {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return ErrAuth
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusTooManyRequests:
		return ErrThrottled
	case status >= 400 && status < 500:
		return ErrRejected
	}
	return nil
}

// Perform runs an action's one call through send, or with dryRun only
// says what it would do ("would " + what), and packs the receipt: the
// call, the request id send reports (also of a refused call) and send's
// short note. A failure comes back prefixed with what was tried.
func Perform(c Call, dryRun bool, what string, send func() (requestID, detail string, err error)) (Receipt, error) {
	rc := Receipt{Calls: []Call{c}}
	if dryRun {
		rc.Detail = "would " + what
		return rc, nil
	}
	rid, detail, err := send()
	if rid != "" {
		rc.RequestIDs = append(rc.RequestIDs, rid)
	}
	if err != nil {
		return rc, fmt.Errorf("%s: %w", what, err)
	}
	rc.Detail = detail
	return rc, nil
}
