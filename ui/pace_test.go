package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"

	tea "github.com/charmbracelet/bubbletea"
)

// subsetCI is a CI source that can read some of its services; the poller
// is what is under test, so it answers nothing.
type subsetCI struct{ names []string }

func (c *subsetCI) Name() string                                    { return "subset" }
func (c *subsetCI) Kind() string                                    { return "github" }
func (c *subsetCI) Services() []string                              { return c.names }
func (c *subsetCI) Fetch(context.Context) ([]model.CIStatus, error) { return nil, nil }
func (c *subsetCI) FetchServices(context.Context, []string) ([]model.CIStatus, error) {
	return nil, nil
}

// paceReads runs the poller over a span of the clock with one CI source of
// n services, busy(service) telling which pipelines run, and counts the
// reads of each service.
func paceReads(n int, busy func(string) bool, span time.Duration) map[string]int {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("svc-%02d", i)
	}
	var src providers.CISource = &subsetCI{names: names}
	p := newPoller(nil, []providers.CISource{src}, pollTiming{Idle: 30 * time.Second, Hot: 2 * time.Second, Timeout: 5 * time.Second, MaxBackoff: time.Minute})
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	at := t0
	clock := func() time.Time { return at }
	reads := map[string]int{}
	p.startAll(context.Background(), clock)
	for at.Before(t0.Add(span)) {
		s := &p.sources[0]
		if s.inFlight {
			for _, name := range s.polling {
				reads[name]++
			}
			p.finishedCI(0, nil, busy, at)
		}
		at = at.Add(s.next)
		p.start(context.Background(), 0, clock)
	}
	return reads
}

// Each service of a CI source keeps its own pace: with one pipeline
// running among 50, the other 49 are read at the idle pace, so the source
// costs no more than 2 busy and 48 idle services would.
func TestCIPacePerService(t *testing.T) {
	const span = 10 * time.Minute
	one := paceReads(50, func(s string) bool { return s == "svc-07" }, span)
	two := paceReads(50, func(s string) bool { return s == "svc-07" || s == "svc-08" }, span)
	total := func(r map[string]int) (n int) {
		for _, v := range r {
			n += v
		}
		return n
	}
	if busy := one["svc-07"]; busy < 290 {
		t.Errorf("the busy service was read %d times in %s, want it hot (every 2 s)", busy, span)
	}
	for name, n := range one {
		if name != "svc-07" && n > 21 {
			t.Errorf("%s, idle, was read %d times in %s, want the idle pace (every 30 s)", name, n, span)
		}
	}
	if total(one) > total(two) {
		t.Errorf("one busy service costs %d reads, more than two busy (%d)", total(one), total(two))
	}
	t.Logf("reads in %s of 50 services: 1 busy %d, 2 busy %d (all hot would be %d)", span, total(one), total(two), 50*int(span/(2*time.Second)))
}

// A poll that takes longer than the pace it keeps is shown in the header,
// and the next is scheduled after it ends, not stacked behind it.
func TestSlowPollIsMarked(t *testing.T) {
	specs, src := world()
	at := t0
	m := New(Options{Title: "test", Services: specs, Providers: registry([]providers.DeploySource{src}),
		Refresh: 10 * time.Second, Now: func() time.Time { return at }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	cmd := m.poll.start(context.Background(), 0, m.opts.Now)
	if again := m.poll.start(context.Background(), 0, m.opts.Now); again != nil {
		t.Fatal("a second poll of a source with one in flight was started")
	}
	msg := cmd()
	at = t0.Add(14 * time.Second) // the answer took 14 s; the board polls every 10 s
	m = update(t, m, msg)
	if v := view(m); !strings.Contains(v, "aws ⚠ slow: a poll takes 14s") {
		t.Errorf("the header should say the polls cannot keep up:\n%s", v)
	}
	cmd = m.poll.start(context.Background(), 0, m.opts.Now)
	at = at.Add(time.Second)
	m = update(t, m, cmd())
	if v := view(m); strings.Contains(v, "slow") {
		t.Errorf("a poll that kept up clears the mark:\n%s", v)
	}
}
