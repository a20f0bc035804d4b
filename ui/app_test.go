package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newTestModel(t *testing.T, srcs ...providers.DeploySource) (Model, *clock) {
	t.Helper()
	specs, src := world()
	if len(srcs) == 0 {
		srcs = []providers.DeploySource{src}
	}
	c := &clock{now: t0}
	m := New(Options{Title: "test", Services: specs, Providers: registry(srcs), Refresh: 10 * time.Second, Now: c.Now, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	return m, c
}

func update(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	next, _ := m.Update(msg)
	return next.(Model)
}

// fetchAll runs one poll of every source the way the poll command would.
func fetchAll(t *testing.T, m Model) Model {
	t.Helper()
	for i, s := range m.poll.sources {
		m = update(t, m, fetchCmd(context.Background(), s.src, i, time.Second, m.opts.Now)())
	}
	return m
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func view(m Model) string { return ansi.Strip(m.View()) }

func TestBoardShowsEveryState(t *testing.T) {
	m, _ := newTestModel(t)
	if v := view(m); !strings.Contains(v, "loading") {
		t.Fatalf("before the first fetch cells should say loading:\n%s", v)
	}
	m = fetchAll(t, m)
	v := view(m)
	for _, want := range []string{
		"aaaaaaa ✓ 12m", // steady with age
		"bbbbbbb ◐",     // rolling
		"3/5",           // running/desired
		"↺ rolled back", // circuit breaker rollback, never shown as success
		"= in sync",     // api: same SHA in both
		"≠ differs",     // worker: different SHA, order unknown
		"aws ok",        // header health
		"⟳ 0s ago",      // refresh age
		"SERVICE", "STAGING", "PRODUCTION",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("board lacks %q:\n%s", want, v)
		}
	}
}

func TestErrorKeepsLastGoodDataAndMarksStale(t *testing.T) {
	specs, src := world()
	c := &clock{now: t0}
	m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}), Refresh: 10 * time.Second, Now: c.Now, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = fetchAll(t, m)

	src.err = errBoom
	c.now = t0.Add(25 * time.Second) // older than two intervals
	m = fetchAll(t, m)
	m = update(t, m, clockMsg(c.now))
	v := view(m)
	if !strings.Contains(v, "aaaaaaa") {
		t.Fatalf("last good SHA should stay on screen after an error:\n%s", v)
	}
	if !strings.Contains(v, "stale") {
		t.Errorf("old data must be marked stale:\n%s", v)
	}
	if !strings.Contains(v, "aws ✗ Service unavailable.") {
		t.Errorf("header should carry the provider's error:\n%s", v)
	}
	e, _ := m.Snapshot().Env(model.EnvKey{Service: "api", Environment: "staging"})
	if e.Error == "" || !e.Stale {
		t.Errorf("env should carry error and stale flag: %+v", e)
	}
}

func TestErrorBeforeAnyDataShowsOnTheCell(t *testing.T) {
	specs, src := world()
	src.err = errBoom
	m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}), Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = fetchAll(t, m)
	if v := view(m); !strings.Contains(v, "✗ Service unavailable.") {
		t.Errorf("cell should show the error:\n%s", v)
	}
}

func TestMinimumSizeNotice(t *testing.T) {
	m, _ := newTestModel(t)
	m = update(t, m, tea.WindowSizeMsg{Width: 70, Height: 20})
	v := view(m)
	if !strings.Contains(v, "needs at least 80×24") || strings.Count(v, "\n") != 0 {
		t.Errorf("want a one-line notice, got:\n%s", v)
	}
}

func TestFilterNarrowsServices(t *testing.T) {
	m, _ := newTestModel(t)
	m = fetchAll(t, m)
	for _, k := range []string{"/", "p", "a", "y"} {
		m = update(t, m, keyMsg(k))
	}
	v := view(m)
	if !strings.Contains(v, "payments") || strings.Contains(v, "worker") {
		t.Fatalf("filter 'pay' should keep only payments:\n%s", v)
	}
	// q is text while filtering, not quit.
	if _, cmd := m.Update(keyMsg("q")); cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("q quit while typing a filter")
		}
	}
	m = update(t, m, keyMsg("esc"))
	if v := view(m); !strings.Contains(v, "worker") {
		t.Errorf("esc should clear the filter:\n%s", v)
	}
}

func TestOpenDetailAndBack(t *testing.T) {
	m, _ := newTestModel(t)
	m = fetchAll(t, m)
	m = update(t, m, keyMsg("down")) // web
	m = update(t, m, keyMsg("enter"))
	v := view(m)
	for _, want := range []string{"web", "deploy 9999999 → bbbbbbb", "PRIMARY", "in progress", "ACTIVE"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	m = update(t, m, keyMsg("esc"))
	if v := view(m); !strings.Contains(v, "SERVICE") {
		t.Errorf("esc should return to the board:\n%s", v)
	}
}

func TestHelpToggles(t *testing.T) {
	m, _ := newTestModel(t)
	m = update(t, m, keyMsg("?"))
	if v := view(m); !strings.Contains(v, "R refresh") || !strings.Contains(v, "Keys") {
		t.Errorf("full help missing:\n%s", v)
	}
	m = update(t, m, keyMsg("?"))
	if v := view(m); strings.Contains(v, "Keys\n") {
		t.Errorf("help should close:\n%s", v)
	}
}

func TestQuitKeys(t *testing.T) {
	m, _ := newTestModel(t)
	for _, k := range []tea.KeyMsg{keyMsg("q"), {Type: tea.KeyCtrlC}} {
		_, cmd := m.Update(k)
		if cmd == nil {
			t.Fatalf("%v: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%v should quit", k)
		}
	}
}

func TestReadOnlyBadge(t *testing.T) {
	specs, src := world()
	m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}), ReadOnly: true, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	if !strings.Contains(view(m), "READ-ONLY") {
		t.Error("read-only mode must say so in the header")
	}
}

func TestOneFetchInFlightPerSource(t *testing.T) {
	m, _ := newTestModel(t)
	if cmd := m.poll.start(context.Background(), 0, m.opts.Now); cmd == nil {
		t.Fatal("first start should fetch")
	}
	if cmd := m.poll.start(context.Background(), 0, m.opts.Now); cmd != nil {
		t.Fatal("a second fetch started while one is in flight")
	}
	// A tick from an older schedule is dropped.
	old := pollMsg{source: 0, gen: m.poll.sources[0].gen - 1}
	if _, cmd := m.Update(old); cmd != nil {
		t.Error("stale tick should be dropped")
	}
}

func TestPollDelays(t *testing.T) {
	timing := pollTiming{Idle: 10 * time.Second, Hot: 2 * time.Second, Timeout: time.Second, MaxBackoff: time.Minute}
	p := newPoller([]providers.DeploySource{&fakeSource{}}, nil, timing)
	p.finished(0, nil, false, t0)
	if d := p.delay(0, false); d != 10*time.Second {
		t.Errorf("idle delay %v", d)
	}
	if d := p.delay(0, true); d != 2*time.Second {
		t.Errorf("hot delay %v", d)
	}
	for i, want := range []time.Duration{4 * time.Second, 8 * time.Second, 16 * time.Second} {
		p.finished(0, errBoom, true, t0)
		if d := p.delay(0, true); d != want {
			t.Errorf("failure %d: backoff %v, want %v", i+1, d, want)
		}
	}
	for range 10 {
		p.finished(0, errBoom, false, t0)
	}
	if d := p.delay(0, false); d != time.Minute {
		t.Errorf("backoff should cap at a minute, got %v", d)
	}
	p.finished(0, &providers.ThrottledError{RetryAfter: 30 * time.Second, Err: errBoom}, false, t0)
	if d := p.delay(0, false); d != 30*time.Second {
		t.Errorf("throttled delay should honour Retry-After, got %v", d)
	}
	p.finished(0, nil, true, t0)
	if d := p.delay(0, true); d != 2*time.Second {
		t.Errorf("success should reset backoff, got %v", d)
	}
}

func TestCIColumnAppearsWithPipelines(t *testing.T) {
	m, _ := newTestModel(t)
	m = fetchAll(t, m)
	if strings.Contains(view(m), " CI ") {
		t.Fatal("no service reports CI: the column should be hidden")
	}
	svc, _ := m.Snapshot().Service("api")
	svc.Pipelines = []model.Pipeline{{SHA: sha('a'), Status: model.RunOnHold}}
	v := view(m)
	if !strings.Contains(v, "CI") || !strings.Contains(v, "⏸ on hold") {
		t.Errorf("CI column should show the latest pipeline:\n%s", v)
	}
	svc.Pipelines[0].Workflows = []model.Workflow{{Name: "build-deploy", Status: model.RunOnHold, Jobs: []model.Job{
		{Name: "hold-production", Status: model.RunOnHold, Needs: []string{"deploy-staging"}, Approval: true},
		{Name: "build", Status: model.RunSuccess},
		{Name: "deploy-production", Status: model.RunBlocked, Needs: []string{"hold-production"}},
		{Name: "test", Status: model.RunSuccess, Needs: []string{"build"}},
		{Name: "deploy-staging", Status: model.RunSuccess, Needs: []string{"test"}},
	}}}
	if v := view(m); !strings.Contains(v, "● … ⏸ hold-production ") {
		t.Errorf("the CI column should follow the jobs in dependency order up to the gate:\n%s", v)
	}
	svc.Pipelines = nil
	svc.CIError = "circleci: list pipelines of gh/acme/api: CircleCI: 401, check CIRCLECI_TOKEN (Invalid token provided)"
	if v := view(m); !strings.Contains(v, "⚠ 401, check CIRCLECI_TOKEN") {
		t.Errorf("the CI column should say why it is empty:\n%s", v)
	}
}

func TestStaleSurvivesNarrowTerminal(t *testing.T) {
	specs, src := world()
	for i := range specs {
		specs[i].Environments = append([]model.EnvSpec{{Name: "dev", Target: model.TargetECS}}, specs[i].Environments...)
	}
	c := &clock{now: t0}
	m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}), Refresh: 10 * time.Second, Now: c.Now, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = fetchAll(t, m)
	src.err = errBoom
	c.now = t0.Add(time.Minute)
	m = fetchAll(t, m)
	m = update(t, m, clockMsg(c.now))
	for _, line := range strings.Split(view(m), "\n") {
		if strings.Contains(line, "aaaaaaa") && !strings.Contains(line, "stale") {
			t.Errorf("stale data must say so at 80 columns: %q", line)
		}
	}
}

func TestKeysDoNothingBehindHelp(t *testing.T) {
	m, _ := newTestModel(t)
	m = fetchAll(t, m)
	m = update(t, m, keyMsg("?"))
	m = update(t, m, keyMsg("enter"))
	m = update(t, m, keyMsg("esc"))
	if v := view(m); !strings.Contains(v, "SERVICE") {
		t.Errorf("enter behind the help overlay opened a screen:\n%s", v)
	}
}

func TestDeployWordsFollowRollbackPhase(t *testing.T) {
	for _, tc := range []struct {
		state model.DeployState
		phase model.RollbackPhase
		want  string
	}{
		{model.StateFailed, "", "failed deploy"},
		{model.StateFailed, model.RollbackInProgress, "failed, rolling back"},
		{model.StateFailed, model.RollbackFailed, "rollback failed"},
		{model.StateRolledBack, model.RollbackDone, "rolled back"},
	} {
		specs, src := world()
		for i := range src.envs {
			if src.envs[i].Service == "api" && src.envs[i].Environment == "production" {
				src.envs[i].State = tc.state
				src.envs[i].Deployment = &model.Deployment{FromSHA: sha('6'), ToSHA: sha('5'), Running: 1, Desired: 2, Rollback: tc.phase}
			}
		}
		m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}), Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
		m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
		m = fetchAll(t, m)
		board := view(m)
		m = update(t, m, keyMsg("enter"))
		if v := view(m); !strings.Contains(v, tc.want+" 6666666 → 5555555") {
			t.Errorf("%s/%q: detail lacks %q:\n%s", tc.state, tc.phase, tc.want, v)
		}
		if tc.phase == model.RollbackFailed && !strings.Contains(board, "rollback failed") {
			t.Errorf("board should say the rollback failed:\n%s", board)
		}
	}
}

func TestUnsupportedEnvironmentIsNotAFailure(t *testing.T) {
	specs, src := world()
	specs = append(specs, model.ServiceSpec{Name: "shop", Environments: []model.EnvSpec{{Name: "staging", Target: model.TargetBeanstalk, Unsupported: "Beanstalk not read yet"}}})
	m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}), Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = fetchAll(t, m)
	v := view(m)
	if !strings.Contains(v, "· Beanstalk not read yet") || strings.Contains(v, "✗ Beanstalk") {
		t.Errorf("unsupported env should be dim, not failed:\n%s", v)
	}
}

func TestInitLeavesScheduleToUpdate(t *testing.T) {
	m, _ := newTestModel(t)
	_ = m.Init()
	if m.poll.sources[0].inFlight {
		t.Fatal("Init changed the poll schedule")
	}
	next, cmd := m.Update(startMsg{})
	if cmd == nil || !next.(Model).poll.sources[0].inFlight {
		t.Error("startMsg should start the first fetch")
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	p := newPoller([]providers.DeploySource{&fakeSource{}}, nil, pollTiming{Idle: 10 * time.Second, Hot: 2 * time.Second, MaxBackoff: time.Minute})
	p.finished(0, &providers.ThrottledError{RetryAfter: time.Hour, Err: errBoom}, false, t0)
	if d := p.delay(0, false); d != time.Minute {
		t.Errorf("a huge Retry-After should be capped, got %v", d)
	}
}

func TestRefreshObsoletesPendingTicks(t *testing.T) {
	m, _ := newTestModel(t)
	m = fetchAll(t, m) // schedules a tick for gen N
	pending := pollMsg{source: 0, gen: m.poll.sources[0].gen}
	if !m.poll.current(pending) {
		t.Fatal("the scheduled tick should be current")
	}
	m = update(t, m, keyMsg("R"))
	if m.poll.current(pending) {
		t.Error("after R the earlier tick must be dropped, or two polls would follow")
	}
}

func TestRollbackWordsSurviveNarrowCells(t *testing.T) {
	specs, src := world()
	for i := range src.envs {
		if src.envs[i].Service == "payments" && src.envs[i].Environment == "staging" {
			src.envs[i].State = model.StateFailed
			src.envs[i].Deployment = &model.Deployment{FromSHA: sha('6'), ToSHA: sha('d'), Running: 0, Desired: 3, Rollback: model.RollbackInProgress}
			src.envs[i].Rollouts = []model.Rollout{{Status: "PRIMARY", State: "IN_PROGRESS"}}
		}
	}
	for _, w := range []int{80, 100, 120} {
		m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}), Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
		m = update(t, m, tea.WindowSizeMsg{Width: w, Height: 30})
		m = fetchAll(t, m)
		if v := view(m); !strings.Contains(v, "ddddddd ✗ rollback") {
			t.Errorf("width %d: a rollback in progress must say so:\n%s", w, v)
		}
	}
}
