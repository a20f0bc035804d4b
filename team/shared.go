package team

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// Shared puts one upstream poller behind any number of sessions. Each of
// the world's sources is wrapped once; every session polls its own view
// of it (View), on its own schedule, through the dashboard's ordinary
// poller. A view's fetch is answered
//
//   - from the latest result, when this view has not seen it yet
//     (another session's poll landed since): no request;
//   - by joining the upstream fetch in flight, if there is one;
//   - from the latest result, when it is younger than MinGap (a manual
//     refresh hammered in several sessions);
//   - otherwise by one upstream fetch, which every view then shares.
//
// When an upstream fetch lands, every view that was not waiting on it is
// poked (its session reads the result at once, from memory, and takes its
// next poll from there), so all sessions keep one phase and the next
// session whose tick comes finds the result unseen or joins the fetch.
// A session starts an upstream fetch only after it has seen the latest
// result and waited its own pace since, so upstream fetches are never
// closer than the pace a single dashboard keeps: N sessions poll the
// world as one does. A CI source that reads a subset of its services is
// shared per service, so each service keeps its own pace.
//
// Errors are results too: a failed or throttled poll is shared like data,
// so every session backs off together instead of retrying it N times.
type Shared struct {
	ctx     context.Context
	timeout time.Duration
	minGap  time.Duration
	now     func() time.Time

	deploy []*sharedSource
	ci     []*sharedSource

	upstream atomic.Int64
	// afterFunc runs f after d (time.AfterFunc; a test's fake clock).
	afterFunc func(d time.Duration, f func())
}

// SharedOptions configure the shared layer.
type SharedOptions struct {
	// Context bounds every upstream fetch (the server's life): a fetch a
	// session started goes on for the others when that session leaves.
	Context context.Context
	// Timeout bounds one upstream fetch.
	Timeout time.Duration
	// MinGap: a view that has seen the latest result gets it again, with
	// no request, while it is younger than this.
	MinGap time.Duration
	Now    func() time.Time
}

// NewShared wraps the registry's sources.
func NewShared(reg *providers.Registry, o SharedOptions) *Shared {
	if o.Context == nil {
		o.Context = context.Background()
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.MinGap <= 0 {
		o.MinGap = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Shared{ctx: o.Context, timeout: o.Timeout, minGap: o.MinGap, now: o.Now, afterFunc: afterFunc}
	for _, src := range reg.Sources() {
		s.deploy = append(s.deploy, newSharedSource(s, deployUpstream{src}, []string{""}))
	}
	for _, src := range reg.CISources() {
		u := ciUpstream{src: src}
		u.sub, _ = src.(providers.CISubsetPoller)
		s.ci = append(s.ci, newSharedSource(s, u, src.Services()))
	}
	return s
}

// Upstream is how many fetches reached the sources' APIs.
func (s *Shared) Upstream() int64 { return s.upstream.Load() }

// Views are one session's sources to poll: its own views of the shared
// ones, in the registry's order. poke is called (and must not block) when
// a source's result landed that this session has not read, with the CI
// services it covers.
type Views struct {
	Deploy []providers.DeploySource
	CI     []providers.CISource
	closed []*view
}

// Views makes a session's views.
func (s *Shared) Views(poke func(src any, services []string)) *Views {
	vs := &Views{}
	for _, sh := range s.deploy {
		v := &view{sh: sh, poke: poke, seen: map[string]int64{}}
		dv := &deployView{v}
		v.self = dv
		sh.attach(v)
		vs.closed = append(vs.closed, v)
		vs.Deploy = append(vs.Deploy, dv)
	}
	for _, sh := range s.ci {
		v := &view{sh: sh, poke: poke, seen: map[string]int64{}}
		var src providers.CISource = &ciView{v}
		if sh.up.(ciUpstream).sub != nil {
			src = &ciSubsetView{&ciView{v}}
		}
		v.self = src // before attach: run reads it once the view is listed
		sh.attach(v)
		vs.closed = append(vs.closed, v)
		vs.CI = append(vs.CI, src)
	}
	return vs
}

// Close detaches the views: their session has ended.
func (vs *Views) Close() {
	for _, v := range vs.closed {
		v.sh.detach(v)
	}
}

// upstream is one source's real fetch: units are the services of a CI
// source ("" for a deploy source, which is read whole).
type upstream interface {
	fetch(ctx context.Context, units []string) (map[string]entry, error)
	whole() bool // every fetch reads every unit
}

// entry is one unit's latest result.
type entry struct {
	seq  int64
	at   time.Time
	envs []model.EnvStatus // deploy source
	ci   *model.CIStatus   // CI service; nil when the fetch did not return it
	err  error
}

type deployUpstream struct{ src providers.DeploySource }

func (d deployUpstream) whole() bool { return true }
func (d deployUpstream) fetch(ctx context.Context, _ []string) (map[string]entry, error) {
	envs, err := d.src.Fetch(ctx)
	return map[string]entry{"": {envs: envs, err: err}}, err
}

type ciUpstream struct {
	src providers.CISource
	sub providers.CISubsetPoller
}

func (c ciUpstream) whole() bool { return c.sub == nil }
func (c ciUpstream) fetch(ctx context.Context, units []string) (map[string]entry, error) {
	var sts []model.CIStatus
	var err error
	if c.sub != nil {
		sts, err = c.sub.FetchServices(ctx, units)
	} else {
		sts, err = c.src.Fetch(ctx)
	}
	out := make(map[string]entry, len(units))
	for _, u := range units {
		out[u] = entry{err: err}
	}
	for i := range sts {
		st := sts[i]
		out[st.Service] = entry{ci: &st, err: err}
	}
	return out, err
}

// sharedSource is one source behind every session.
type sharedSource struct {
	s     *Shared
	up    upstream
	units []string

	mu    sync.Mutex
	again bool // poll once more when the fetch in flight lands (PollKind)
	// hookAt is when a webhook last started (or asked for) a fetch;
	// trailing, that a later event's fetch waits for the gap to pass.
	hookAt   time.Time
	trailing bool
	seq      int64
	latest   map[string]entry
	flight   map[string]*call
	views    map[*view]bool
}

// call is one upstream fetch in flight.
type call struct {
	done    chan struct{}
	units   []string
	waiters map[*view]bool
	res     map[string]entry
}

// view is one session's window on a shared source.
type view struct {
	sh   *sharedSource
	poke func(src any, services []string)
	self any // what the session's poller holds (deployView, ciView, …)
	seen map[string]int64
}

func newSharedSource(s *Shared, up upstream, units []string) *sharedSource {
	return &sharedSource{s: s, up: up, units: units, latest: map[string]entry{}, flight: map[string]*call{}, views: map[*view]bool{}}
}

func (sh *sharedSource) attach(v *view) {
	sh.mu.Lock()
	sh.views[v] = true
	sh.mu.Unlock()
}

func (sh *sharedSource) detach(v *view) {
	sh.mu.Lock()
	delete(sh.views, v)
	sh.mu.Unlock()
}

// get answers a view's fetch of some units (see Shared).
func (v *view) get(ctx context.Context, units []string) (map[string]entry, error) {
	sh := v.sh
	now := sh.s.now()
	out := make(map[string]entry, len(units))
	var calls []*call
	var need []string
	sh.mu.Lock()
	for _, u := range units {
		e, ok := sh.latest[u]
		switch c := sh.flight[u]; {
		case ok && e.seq > v.seen[u]:
			out[u], v.seen[u] = e, e.seq
		case c != nil:
			if !containsCall(calls, c) {
				calls = append(calls, c)
			}
		case ok && now.Sub(e.at) < sh.s.minGap:
			out[u] = e
		default:
			need = append(need, u)
		}
	}
	if len(need) > 0 {
		if sh.up.whole() {
			// A source read whole reads every unit not already coming.
			need = need[:0]
			for _, u := range sh.units {
				if sh.flight[u] == nil {
					need = append(need, u)
				}
			}
		}
		c := &call{done: make(chan struct{}), units: need, waiters: map[*view]bool{}}
		for _, u := range need {
			sh.flight[u] = c
		}
		calls = append(calls, c)
		go sh.run(c)
	}
	for _, c := range calls {
		c.waiters[v] = true
	}
	sh.mu.Unlock()

	var errs []error
	for _, c := range calls {
		select {
		case <-c.done:
		case <-ctx.Done():
			sh.mu.Lock()
			for _, c := range calls {
				delete(c.waiters, v)
			}
			sh.mu.Unlock()
			return out, ctx.Err()
		}
		for _, u := range units {
			if e, ok := c.res[u]; ok {
				out[u] = e
				if e.err != nil && !containsErr(errs, e.err) {
					errs = append(errs, e.err)
				}
			}
		}
	}
	for _, e := range out {
		if e.err != nil && !containsErr(errs, e.err) {
			errs = append(errs, e.err)
		}
	}
	return out, errors.Join(errs...)
}

// run makes one upstream fetch, keeps its result as the latest, marks it
// seen by every view waiting on it, and pokes every other view.
func (sh *sharedSource) run(c *call) {
	sh.s.upstream.Add(1)
	ctx, cancel := context.WithTimeout(sh.s.ctx, sh.s.timeout)
	res, _ := sh.up.fetch(ctx, c.units)
	cancel()
	at := sh.s.now()
	sh.mu.Lock()
	sh.seq++
	for u, e := range res {
		e.seq, e.at = sh.seq, at
		res[u] = e
		sh.latest[u] = e
		if sh.flight[u] == c {
			delete(sh.flight, u)
		}
	}
	c.res = res
	var poke []*view
	for v := range sh.views {
		if c.waiters[v] {
			for u := range res {
				v.seen[u] = sh.seq
			}
			continue
		}
		poke = append(poke, v)
	}
	close(c.done)
	if sh.again {
		sh.again = false
		sh.startAll()
	}
	sh.mu.Unlock()
	services := c.units
	if len(services) == 1 && services[0] == "" {
		services = nil
	}
	for _, v := range poke {
		if v.poke != nil {
			v.poke(v.self, services)
		}
	}
}

// PollKind makes every source of a kind ("github", "circleci") poll now,
// for all sessions (a verified webhook): a fetch that starts after this
// call, whose result every session is given as it lands. A source whose
// fetch is in flight polls again once it lands (that fetch may have
// started before the event). A source polls for webhooks at most once
// per hookGap: an event within it is merged into one poll at its end.
// It returns how many sources it asked.
func (s *Shared) PollKind(kind string) int {
	n := 0
	for _, group := range [][]*sharedSource{s.deploy, s.ci} {
		for _, sh := range group {
			if sh.kind() != kind {
				continue
			}
			n++
			sh.pollHook()
		}
	}
	return n
}

// minHookGap is the least time between two webhook-started fetches of a
// source.
const minHookGap = 2 * time.Second

// hookGap is the least time between two webhook-started fetches of sh:
// the shared MinGap, the source's rate MinInterval, 2 s.
func (sh *sharedSource) hookGap() time.Duration {
	gap := max(sh.s.minGap, minHookGap)
	if u, ok := sh.up.(ciUpstream); ok {
		if rr, ok := u.src.(providers.RateReporter); ok {
			gap = max(gap, rr.MinInterval())
		}
	}
	return gap
}

// pollHook is one webhook event for sh: a fetch now, or, within hookGap
// of the last, one trailing fetch when the gap has passed (however many
// events come meanwhile).
func (sh *sharedSource) pollHook() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.trailing {
		return
	}
	now, gap := sh.s.now(), sh.hookGap()
	if !sh.hookAt.IsZero() && now.Sub(sh.hookAt) < gap {
		sh.trailing = true
		sh.s.afterFunc(sh.hookAt.Add(gap).Sub(now), func() {
			if sh.s.ctx.Err() != nil {
				return
			}
			sh.mu.Lock()
			defer sh.mu.Unlock()
			sh.trailing = false
			sh.pollNow()
		})
		return
	}
	sh.pollNow()
}

// pollNow starts a fetch of every unit, or one more after the fetch in
// flight; sh.mu is held.
func (sh *sharedSource) pollNow() {
	sh.hookAt = sh.s.now()
	if len(sh.flight) > 0 {
		sh.again = true
	} else {
		sh.startAll()
	}
}

func afterFunc(d time.Duration, f func()) { time.AfterFunc(d, f) }

// startAll starts one upstream fetch of every unit; sh.mu is held and no
// unit is in flight.
func (sh *sharedSource) startAll() {
	c := &call{done: make(chan struct{}), units: sh.units, waiters: map[*view]bool{}}
	for _, u := range sh.units {
		sh.flight[u] = c
	}
	go sh.run(c)
}

func (sh *sharedSource) kind() string {
	switch u := sh.up.(type) {
	case deployUpstream:
		return u.src.Kind()
	case ciUpstream:
		return u.src.Kind()
	case interface{ Kind() string }:
		return u.Kind()
	}
	return ""
}

func containsCall(cs []*call, c *call) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

func containsErr(errs []error, err error) bool {
	for _, e := range errs {
		if e == err {
			return true
		}
	}
	return false
}

// deployView is a session's DeploySource.
type deployView struct{ *view }

func (d *deployView) src() providers.DeploySource { return d.sh.up.(deployUpstream).src }
func (d *deployView) Name() string                { return d.src().Name() }
func (d *deployView) Kind() string                { return d.src().Kind() }
func (d *deployView) Covers() []model.EnvKey      { return d.src().Covers() }
func (d *deployView) Fetch(ctx context.Context) ([]model.EnvStatus, error) {
	out, err := d.get(ctx, []string{""})
	return out[""].envs, err
}

// ciView is a session's CISource for a source read whole; it reports the
// source's rate budget when it has one.
type ciView struct{ *view }

func (c *ciView) src() providers.CISource { return c.sh.up.(ciUpstream).src }
func (c *ciView) Name() string            { return c.src().Name() }
func (c *ciView) Kind() string            { return c.src().Kind() }
func (c *ciView) Services() []string      { return c.src().Services() }
func (c *ciView) Fetch(ctx context.Context) ([]model.CIStatus, error) {
	return c.statuses(ctx, c.Services())
}

func (c *ciView) statuses(ctx context.Context, services []string) ([]model.CIStatus, error) {
	out, err := c.get(ctx, services)
	sts := make([]model.CIStatus, 0, len(services))
	for _, s := range services {
		if e, ok := out[s]; ok && e.ci != nil {
			sts = append(sts, *e.ci)
		}
	}
	return sts, err
}

func (c *ciView) Rate() (int, int, time.Time, bool) {
	if rr, ok := c.src().(providers.RateReporter); ok {
		return rr.Rate()
	}
	return 0, 0, time.Time{}, false
}

func (c *ciView) MinInterval() time.Duration {
	if rr, ok := c.src().(providers.RateReporter); ok {
		return rr.MinInterval()
	}
	return 0
}

// ciSubsetView is a session's CISource for a source that reads subsets.
type ciSubsetView struct{ *ciView }

func (c *ciSubsetView) FetchServices(ctx context.Context, services []string) ([]model.CIStatus, error) {
	return c.statuses(ctx, services)
}
