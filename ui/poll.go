package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
)

// Polling is adaptive: a source is polled hot while something it covers is
// moving, at the idle interval otherwise, and backs off when it fails or is
// throttled. One fetch per source is ever in flight; a tick that arrives
// while one is still running is dropped, and the result schedules the next.
//
// Inside a CI source that can poll a subset of its services
// (providers.CISubsetPoller), each service keeps its own pace: hot while
// its own pipeline runs, idle otherwise. A tick polls the services that
// are due, together, and the next tick comes when the next one is due.

// fetchedMsg carries one poll of one deploy source.
type fetchedMsg struct {
	source int
	result model.FetchResult
}

// ciFetchedMsg carries one poll of one CI source.
type ciFetchedMsg struct {
	source int
	result model.CIFetchResult
}

// pollMsg asks for a poll of one source. gen drops ticks made obsolete by a
// later schedule (a manual refresh reschedules every source).
type pollMsg struct {
	source int
	gen    int
}

// pollTiming holds the intervals; tests shrink them.
type pollTiming struct {
	Idle, Hot, Timeout, MaxBackoff time.Duration
}

// sourceState is one source's schedule. Deploy and CI sources share the
// poller, so the schedule, backoff and one-in-flight rule are the same.
type sourceState struct {
	src      providers.DeploySource // one of src and ci is set
	ci       providers.CISource
	inFlight bool
	gen      int
	failures int
	lastErr  error
	follow   follow
	// due is when each service of a CI source is next read (a service
	// not in it is due now); polling is what the poll in flight reads.
	due     map[string]time.Time
	polling []string
	// next is the wait the last result scheduled, for tests to read.
	next time.Duration
	// started is when the poll in flight began; slow is how long the
	// last poll took when that was longer than the pace it was meant to
	// keep (0 otherwise): a poll that cannot finish in its interval is
	// shown, and the next waits for it instead of piling up behind it.
	started time.Time
	slow    time.Duration
}

// follow keeps a source hot after an action on one of its environments,
// until that environment shows the result or the deadline passes: the
// deploy an action starts may take a poll or two to appear at all.
type follow struct {
	action model.Action // what was sent, to the environment it names
	until  time.Time
}

type poller struct {
	timing  pollTiming
	sources []sourceState
}

func newPoller(srcs []providers.DeploySource, ci []providers.CISource, t pollTiming) poller {
	p := poller{timing: t, sources: make([]sourceState, 0, len(srcs)+len(ci))}
	for _, s := range srcs {
		p.sources = append(p.sources, sourceState{src: s})
	}
	for _, s := range ci {
		p.sources = append(p.sources, sourceState{ci: s})
	}
	return p
}

// start begins a fetch of source i unless one is in flight.
func (p *poller) start(ctx context.Context, i int, now func() time.Time) tea.Cmd {
	s := &p.sources[i]
	if s.inFlight {
		return nil
	}
	if s.ci != nil {
		return p.startCI(ctx, i, now)
	}
	s.inFlight, s.started = true, now()
	return fetchCmd(ctx, s.src, i, p.timing.Timeout, now)
}

// startCI polls the services of CI source i that are due, or, when none
// is (a tick that came early), schedules the next tick for the first one
// that will be. A source that cannot poll a subset is polled whole.
func (p *poller) startCI(ctx context.Context, i int, now func() time.Time) tea.Cmd {
	s := &p.sources[i]
	names := s.ci.Services()
	if _, subset := s.ci.(providers.CISubsetPoller); subset {
		at := now()
		due := names[:0:0]
		for _, name := range names {
			if !at.Before(s.due[name]) {
				due = append(due, name)
			}
		}
		if len(due) == 0 {
			return p.tick(i, s.firstDue(at).Sub(at))
		}
		names = due
	}
	s.inFlight, s.polling, s.started = true, names, now()
	return ciFetchCmd(ctx, s.ci, i, names, p.timing.Timeout, now)
}

// firstDue is when the first service of a CI source is due.
func (s *sourceState) firstDue(now time.Time) time.Time {
	first := time.Time{}
	for _, name := range s.ci.Services() {
		d, ok := s.due[name]
		if !ok || !d.After(now) {
			return now
		}
		if first.IsZero() || d.Before(first) {
			first = d
		}
	}
	return first
}

// wake makes a service of CI source i due now: an action on it wants to
// see the result at once.
func (p *poller) wake(i int, service string) { delete(p.sources[i].due, service) }

// startAll begins a fetch of every idle source and obsoletes pending ticks.
func (p *poller) startAll(ctx context.Context, now func() time.Time) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(p.sources))
	for i := range p.sources {
		p.sources[i].gen++
		p.sources[i].due = nil // every service is due
		cmds = append(cmds, p.start(ctx, i, now))
	}
	return tea.Batch(cmds...)
}

// finished records a result and schedules the next poll of that source.
func (p *poller) finished(i int, err error, moving bool, now time.Time) tea.Cmd {
	p.record(i, err, now, moving)
	return p.tick(i, p.delay(i, moving))
}

// finishedCI records a CI poll and schedules the next: each service it
// read is next due after its own pace (hot while moving(service)), or
// after the source's backoff when the poll failed, and the source ticks
// when its first service is due, no sooner than a metered API allows.
func (p *poller) finishedCI(i int, err error, moving func(service string) bool, now time.Time) tea.Cmd {
	s := &p.sources[i]
	hot := false
	for _, name := range s.polling {
		hot = hot || moving(name)
	}
	p.record(i, err, now, hot)
	if s.due == nil {
		s.due = map[string]time.Time{}
	}
	for _, name := range s.polling {
		s.due[name] = now.Add(p.delay(i, moving(name)))
	}
	s.polling = nil
	wait := s.firstDue(now).Sub(now)
	if rr, ok := s.ci.(providers.RateReporter); ok {
		wait = max(wait, rr.MinInterval())
	}
	return p.tick(i, wait)
}

func (p *poller) record(i int, err error, now time.Time, moving bool) {
	s := &p.sources[i]
	s.inFlight = false
	s.lastErr = err
	if err != nil {
		s.failures++
	} else {
		s.failures = 0
	}
	s.slow = 0
	pace := p.timing.Idle
	if moving {
		pace = p.timing.Hot
	}
	if took := now.Sub(s.started); !s.started.IsZero() && took > pace {
		s.slow = took
	}
}

// slowest is, per provider kind, the longest a source's last poll took
// beyond its pace (kinds whose polls keep up are left out).
func (p *poller) slowest() map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, s := range p.sources {
		if s.slow == 0 {
			continue
		}
		kind := ""
		if s.ci != nil {
			kind = s.ci.Kind()
		} else {
			kind = s.src.Kind()
		}
		out[kind] = max(out[kind], s.slow)
	}
	return out
}

// tick schedules the next poll of source i after d, obsoleting any
// earlier schedule.
func (p *poller) tick(i int, d time.Duration) tea.Cmd {
	s := &p.sources[i]
	s.gen++
	s.next = d
	gen := s.gen
	return tea.Tick(d, func(time.Time) tea.Msg { return pollMsg{source: i, gen: gen} })
}

// delay is how long to wait before the next poll of source i.
func (p *poller) delay(i int, moving bool) time.Duration {
	s := p.sources[i]
	if s.lastErr != nil {
		if wait, throttled := providers.RetryAfter(s.lastErr); throttled && wait > 0 {
			// Honour the wait, but never go dark for longer than the cap.
			return min(wait, p.timing.MaxBackoff)
		}
		back := p.timing.Hot << min(s.failures, 10)
		return min(back, p.timing.MaxBackoff)
	}
	d := p.timing.Idle
	if moving {
		d = p.timing.Hot
	}
	// A metered API (GitHub) asks for room so the budget lasts to its reset.
	if rr, ok := s.ci.(providers.RateReporter); ok {
		d = max(d, rr.MinInterval())
	}
	return d
}

// sourceFor finds the source that reads an environment.
func (p *poller) sourceFor(k model.EnvKey) (int, bool) {
	for i, s := range p.sources {
		if s.src == nil {
			continue
		}
		for _, c := range s.src.Covers() {
			if c == k {
				return i, true
			}
		}
	}
	return 0, false
}

// ciSourceFor finds the CI source that reads a service's pipelines.
func (p *poller) ciSourceFor(service string) (int, bool) {
	for i, s := range p.sources {
		if s.ci == nil {
			continue
		}
		for _, name := range s.ci.Services() {
			if name == service {
				return i, true
			}
		}
	}
	return 0, false
}

// follow makes source i hot until f settles or expires.
func (p *poller) follow(i int, f follow) { p.sources[i].follow = f }

// hot reports whether source i is still following an action, and stops
// following once the environment settled on the result, another deploy
// replaced it (superseded, with the version that did), or time ran out.
func (p *poller) hot(i int, snap *model.Snapshot, now time.Time) (hot bool, superseded *model.Version) {
	f := &p.sources[i].follow
	if f.until.IsZero() {
		return false, nil
	}
	e, ok := snap.Env(f.action.Key())
	if !ok {
		*f = follow{}
		return false, nil
	}
	l := action.Landed(f.action, *e)
	if l.Done || !now.Before(f.until) {
		*f = follow{}
		return false, l.Superseded
	}
	return true, nil
}

// current reports whether a tick still belongs to the latest schedule.
func (p *poller) current(m pollMsg) bool {
	return m.source >= 0 && m.source < len(p.sources) && p.sources[m.source].gen == m.gen
}

func fetchCmd(ctx context.Context, src providers.DeploySource, i int, timeout time.Duration, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		return fetchedMsg{source: i, result: providers.Poll(ctx, src, timeout, now)}
	}
}

func ciFetchCmd(ctx context.Context, src providers.CISource, i int, services []string, timeout time.Duration, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		return ciFetchedMsg{source: i, result: providers.PollCIServices(ctx, src, services, timeout, now)}
	}
}

// covering reports whether any environment a source covers is moving.
func covering(snap *model.Snapshot, keys []model.EnvKey) bool {
	for _, k := range keys {
		if e, ok := snap.Env(k); ok && e.Moving() {
			return true
		}
	}
	return false
}
