package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"flightdeck/model"
	"flightdeck/providers"
	"flightdeck/providers/action"
)

// Polling is adaptive: a source is polled hot while something it covers is
// moving, at the idle interval otherwise, and backs off when it fails or is
// throttled. One fetch per source is ever in flight; a tick that arrives
// while one is still running is dropped, and the result schedules the next.

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
	s.inFlight = true
	if s.ci != nil {
		return ciFetchCmd(ctx, s.ci, i, p.timing.Timeout, now)
	}
	return fetchCmd(ctx, s.src, i, p.timing.Timeout, now)
}

// startAll begins a fetch of every idle source and obsoletes pending ticks.
func (p *poller) startAll(ctx context.Context, now func() time.Time) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(p.sources))
	for i := range p.sources {
		p.sources[i].gen++
		cmds = append(cmds, p.start(ctx, i, now))
	}
	return tea.Batch(cmds...)
}

// finished records a result and schedules the next poll of that source.
func (p *poller) finished(i int, err error, moving bool) tea.Cmd {
	s := &p.sources[i]
	s.inFlight = false
	s.lastErr = err
	if err != nil {
		s.failures++
	} else {
		s.failures = 0
	}
	s.gen++
	gen := s.gen
	return tea.Tick(p.delay(i, moving), func(time.Time) tea.Msg { return pollMsg{source: i, gen: gen} })
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

func ciFetchCmd(ctx context.Context, src providers.CISource, i int, timeout time.Duration, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		return ciFetchedMsg{source: i, result: providers.PollCI(ctx, src, timeout, now)}
	}
}

// ciMoving reports whether any pipeline of the services a CI source covers
// is still running.
func ciMoving(snap *model.Snapshot, services []string) bool {
	for _, name := range services {
		if s, ok := snap.Service(name); ok && s.CIMoving() {
			return true
		}
	}
	return false
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
