package ui

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/ui/auditview"
	"github.com/airside-dev/flightdeck/ui/picker"
)

// actingSource is the fake source with the release capabilities: it
// records what it was asked to do and moves its environment as asked.
type actingSource struct {
	*fakeSource
	amu       sync.Mutex
	rollbacks []model.Version
	promotes  []model.Version
	aborts    int
	fail      error
}

func (a *actingSource) FetchEnv(_ context.Context, k model.EnvKey) (model.EnvStatus, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.envs {
		if e.Key() == k {
			e.FetchedAt = t0
			return e, nil
		}
	}
	return model.EnvStatus{}, providers.ErrNotFound
}

func (a *actingSource) History(context.Context, model.EnvKey) ([]model.Revision, error) {
	return []model.Revision{
		{Version: model.Version{SHA: sha('a'), Revision: "api:42"}, Current: true, Available: true, DeployedAt: t0.Add(-50 * time.Hour)},
		{Version: model.Version{SHA: sha('8'), Revision: "api:41"}, Available: true, DeployedAt: t0.Add(-80 * time.Hour), RanFor: 30 * time.Hour, By: "deployer"},
		{Version: model.Version{SHA: sha('7'), Revision: "api:40"}, Available: false, Why: "deregistered", DeployedAt: t0.Add(-90 * time.Hour)},
	}, nil
}

// Describe words the calls as a provider does (providers.Describer).
func (a *actingSource) Describe(act model.Action) string {
	return "point " + act.Service + "/" + act.Environment + " at " + act.To.Revision + " (" + act.To.Short() + ")"
}

func (a *actingSource) Rollback(_ context.Context, k model.EnvKey, to model.Version, dryRun bool) (providers.Receipt, error) {
	a.amu.Lock()
	defer a.amu.Unlock()
	if a.fail != nil {
		return providers.Receipt{Calls: []providers.Call{{Operation: "UpdateService"}}}, a.fail
	}
	if dryRun {
		return providers.Receipt{Calls: []providers.Call{{Operation: "UpdateService"}}, Detail: "would point at " + to.Revision}, nil
	}
	a.rollbacks = append(a.rollbacks, to)
	a.move(k, to)
	return providers.Receipt{Calls: []providers.Call{{Operation: "UpdateService"}}, RequestIDs: []string{"req-1"}, Detail: "service now points at " + to.Revision}, nil
}

func (a *actingSource) Promote(_ context.Context, k model.EnvKey, v model.Version, dryRun bool) (providers.Receipt, error) {
	a.amu.Lock()
	defer a.amu.Unlock()
	a.promotes = append(a.promotes, v)
	a.move(k, v)
	return providers.Receipt{RequestIDs: []string{"req-2"}}, nil
}

func (a *actingSource) Abort(context.Context, model.EnvKey, bool) (providers.Receipt, error) {
	a.amu.Lock()
	defer a.amu.Unlock()
	a.aborts++
	return providers.Receipt{RequestIDs: []string{"req-3"}}, nil
}

// move starts a deploy to v in the environment, as ECS would.
func (a *actingSource) move(k model.EnvKey, v model.Version) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, e := range a.envs {
		if e.Key() == k {
			a.envs[i].State = model.StateDeploying
			a.envs[i].Deployment = &model.Deployment{FromSHA: e.Version.SHA, ToSHA: v.SHA, Desired: 2}
			a.envs[i].Version = v
		}
	}
}

type actionHarness struct {
	m     Model
	src   *actingSource
	audit string
}

func newActionHarness(t *testing.T, readOnly bool) *actionHarness {
	t.Helper()
	return newHarnessWith(t, action.Options{ReadOnly: readOnly})
}

// newHarnessWith builds the harness on a pipeline with o's flags.
func newHarnessWith(t *testing.T, o action.Options) *actionHarness {
	t.Helper()
	readOnly := o.ReadOnly
	specs, fs := world()
	src := &actingSource{fakeSource: fs}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	reg := registry([]providers.DeploySource{src})
	o.Providers, o.Audit, o.User, o.Now = reg, audit.Open(path), "tester", func() time.Time { return t0 }
	o.Protected = action.ProtectedIn(specs)
	p := action.New(o)
	m := New(Options{Title: "test", Services: specs, Providers: reg, Refresh: 10 * time.Second,
		Now: func() time.Time { return t0 }, Renderer: asciiRenderer(), ReadOnly: readOnly,
		Actions: p, AuditPath: path, Context: context.Background()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = fetchAll(t, m)
	return &actionHarness{m: m, src: src, audit: path}
}

// press sends keys one by one and runs every command they return (but no
// timers), feeding the messages back, as the Bubble Tea loop would.
func (h *actionHarness) press(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var cmd tea.Cmd
		var next tea.Model
		next, cmd = h.m.Update(keyMsg(k))
		h.m = next.(Model)
		h.drain(t, cmd)
	}
}

func (h *actionHarness) drain(t *testing.T, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	msg := runWithin(cmd, 200*time.Millisecond)
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.drain(t, c)
		}
	case picker.LoadedMsg, auditview.LoadedMsg, guardedMsg, ranMsg, fetchedMsg, ciFetchedMsg, comparedMsg, commitMsg, logMsg, linkMsg:
		next, cmd := h.m.Update(msg)
		h.m = next.(Model)
		h.drain(t, cmd)
	}
}

// runWithin runs a command unless it is a timer that would outlast d.
func runWithin(cmd tea.Cmd, d time.Duration) tea.Msg {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		return msg
	case <-time.After(d):
		return nil
	}
}

func (h *actionHarness) records(t *testing.T) []audit.Record {
	t.Helper()
	recs, _, err := audit.Read(h.audit)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRollbackFromPickerThroughProtectedConfirm(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "l", "r") // api · production
	out := view(h.m)
	for _, want := range []string{"Roll back api · production", "api:41", "deregistered", "running now"} {
		if !strings.Contains(out, want) {
			t.Errorf("picker should show %q:\n%s", want, out)
		}
	}
	// The cursor starts on the newest revision one can choose.
	h.press(t, "enter")
	out = view(h.m)
	if !strings.Contains(out, "production is protected") || !strings.Contains(out, "aaaaaaa → 8888888") {
		t.Fatalf("the modal should show the change and ask for the name:\n%s", out)
	}
	// y is a letter of the name here, not a yes.
	h.press(t, "y", "enter")
	if len(h.src.rollbacks) != 0 {
		t.Fatal("a wrong name must not confirm")
	}
	if !strings.Contains(view(h.m), `"y" is not "production"`) {
		t.Errorf("the modal should say the name does not match:\n%s", view(h.m))
	}
	h.press(t, "backspace")
	h.m = update(t, h.m, tea.KeyMsg{Type: tea.KeyBackspace})
	for _, r := range "production" {
		h.press(t, string(r))
	}
	h.press(t, "enter")
	if len(h.src.rollbacks) != 1 || h.src.rollbacks[0].SHA != sha('8') {
		t.Fatalf("confirming should roll back once to 8888888: %+v", h.src.rollbacks)
	}
	out = view(h.m)
	if !strings.Contains(out, "rollback sent: production: aaaaaaa → 8888888") {
		t.Errorf("the status line should report the rollback:\n%s", out)
	}
	if !strings.Contains(out, "8888888 ◐") && !strings.Contains(out, "8888888 *") {
		t.Errorf("the board should show production deploying 8888888 at once:\n%s", out)
	}
	recs := h.records(t)
	if len(recs) != 1 || recs[0].Result != audit.ResultOK || recs[0].User != "tester" || len(recs[0].RequestIDs) != 1 {
		t.Errorf("one ok audit record expected: %+v", recs)
	}
	if !h.m.poll.sources[0].follow.until.After(t0) {
		t.Error("the source should poll hot until the rollback shows")
	}
}

func TestPickerRefusesCurrentAndDeregistered(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "l", "r", "up", "enter")
	if !strings.Contains(view(h.m), "is what production runs now") {
		t.Errorf("choosing the running revision should say why not:\n%s", view(h.m))
	}
	h.press(t, "down", "down", "enter")
	if !strings.Contains(view(h.m), "cannot be deployed again: deregistered") {
		t.Errorf("choosing a deregistered revision should say why not:\n%s", view(h.m))
	}
	if h.m.act.busy() {
		t.Error("no action should have started")
	}
	h.press(t, "esc")
	if h.m.screen != screenBoard {
		t.Error("esc should close the picker")
	}
}

func TestModalCancelSendsNothing(t *testing.T) {
	h := newActionHarness(t, false)
	for i, e := range h.src.envs {
		if e.Service == "worker" && e.Environment == "production" {
			h.src.envs[i].Version.Artifact = "acme/worker:7777777"
			h.src.envs[i].Version.Revision = "worker-production:7"
		}
	}
	h.m = fetchAll(t, h.m)
	h.press(t, "j", "j", "p") // worker: staging ccccccc → production 7777777
	if !strings.Contains(view(h.m), "Promote worker · staging → production") {
		t.Fatalf("p should open the promote confirmation:\n%s", view(h.m))
	}
	h.press(t, "esc")
	if len(h.src.promotes) != 0 || !strings.Contains(view(h.m), "cancelled: nothing was sent") {
		t.Errorf("cancel must send nothing and say so: %v\n%s", h.src.promotes, view(h.m))
	}
	if recs := h.records(t); len(recs) != 0 {
		t.Errorf("a cancelled confirmation is not an attempt: %+v", recs)
	}
}

func TestReadOnlyDisablesActionKeysWithAReason(t *testing.T) {
	h := newActionHarness(t, true)
	out := view(h.m)
	if strings.Contains(out, "r rollback") || strings.Contains(out, "p promote") {
		t.Errorf("read-only footer should not offer actions:\n%s", out)
	}
	h.press(t, "r")
	if h.m.screen != screenBoard || !strings.Contains(view(h.m), "read-only mode") {
		t.Errorf("r should say why it does nothing:\n%s", view(h.m))
	}
}

func TestPromoteFromLastEnvironmentSaysWhy(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "l", "p")
	if !strings.Contains(view(h.m), "nothing to promote to") {
		t.Errorf("p on the last environment should say why:\n%s", view(h.m))
	}
}

func TestAbortOnlyWhereADeployIsInFlight(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "X")
	if !strings.Contains(view(h.m), "no deploy in flight") {
		t.Errorf("X on a steady environment should say why:\n%s", view(h.m))
	}
	h.press(t, "j", "X") // web staging is rolling
	if !strings.Contains(view(h.m), "Abort the deploy in web · staging") {
		t.Fatalf("X should confirm the abort:\n%s", view(h.m))
	}
	h.press(t, "y")
	if h.src.aborts != 1 {
		t.Errorf("y should abort an unprotected environment's deploy once, got %d", h.src.aborts)
	}
}

func TestProviderFailureSaysWhatRunsNow(t *testing.T) {
	h := newActionHarness(t, false)
	h.src.fail = errBoom
	h.press(t, "r", "enter", "y")
	out := view(h.m)
	if !strings.Contains(out, "staging still runs aaaaaaa") || !strings.Contains(out, "failed: ecs: describe services") {
		t.Errorf("a failed action should say the error and what runs:\n%s", out)
	}
	// A 5xx leaves the outcome open: the first record says unknown, and
	// the second, after reading staging again, that it did not take.
	recs := h.records(t)
	if len(recs) != 2 || recs[0].Result != audit.ResultUnknown || recs[1].Result != audit.ResultFailed ||
		!strings.Contains(recs[1].Error, "Service unavailable") || !strings.Contains(recs[1].Detail, "did not take") {
		t.Errorf("the failure should be audited, settled by reading again: %+v", recs)
	}
}

func TestAuditViewListsAttempts(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "r", "enter", "y", "L")
	out := view(h.m)
	if !strings.Contains(out, "Audit log") || !strings.Contains(out, "rollback") || !strings.Contains(out, "api/staging") {
		t.Errorf("L should list the rollback just made:\n%s", out)
	}
	h.press(t, "esc")
	if h.m.screen != screenBoard {
		t.Error("esc should return to the board")
	}
}

func TestGoldenPicker(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "l", "r")
	golden.RequireEqual(t, []byte(view(h.m)))
}

func TestGoldenProtectedConfirm(t *testing.T) {
	h := newActionHarness(t, false)
	h.press(t, "l", "r", "enter")
	for _, r := range "prod" {
		h.press(t, string(r))
	}
	golden.RequireEqual(t, []byte(view(h.m)))
}

// fakeLineage knows a line of commits: 7777777, 8888888, aaaaaaa,
// ccccccc, eeeeeee (newest).
type fakeLineage struct{}

var line = []model.Commit{
	{SHA: sha('7'), Subject: "Cache warmup on boot", Author: "Ola Nordmann"},
	{SHA: sha('8'), Subject: "Bump client timeout", Author: "Ines Duarte"},
	{SHA: sha('a'), Subject: "Add idempotency keys", Author: "Ines Duarte"},
	{SHA: sha('c'), Subject: "Drain the queue before deploy", Author: "Kenji Sato"},
	{SHA: sha('e'), Subject: "Add idempotency keys", Author: "Mei Chen"},
}

func (fakeLineage) Commit(_ context.Context, _, s string) (model.Commit, error) {
	for _, c := range line {
		if c.SHA == s {
			return c, nil
		}
	}
	return model.Commit{}, providers.ErrNotFound
}

func (fakeLineage) Compare(_ context.Context, _, base, head string) (model.Comparison, error) {
	idx := func(s string) int {
		for i, c := range line {
			if c.SHA == s {
				return i
			}
		}
		return -1
	}
	b, h := idx(base), idx(head)
	if b < 0 || h < 0 {
		return model.Comparison{}, providers.ErrNotFound
	}
	cmp := model.Comparison{Base: base, Head: head, Status: model.CompareBehind}
	if h == b {
		cmp.Status = model.CompareIdentical
	}
	if h > b {
		cmp.Status = model.CompareAhead
		cmp.AheadBy = h - b
		for i := h; i > b; i-- {
			cmp.Commits = append(cmp.Commits, line[i])
		}
	} else {
		cmp.BehindBy = b - h
	}
	return cmp, nil
}

func TestPickerAndConfirmTellTheCommits(t *testing.T) {
	h := newActionHarness(t, false)
	h.m.opts.Providers.SetLineage(fakeLineage{}, everyRepo(h.m, "acme/api"))
	h.press(t, "l", "r")
	if out := view(h.m); !strings.Contains(out, "SUBJECT") || !strings.Contains(out, "Bump client timeout · Ines Duarte") {
		t.Errorf("the picker should show commit subjects and authors:\n%s", out)
	}
	h.press(t, "enter")
	if out := view(h.m); !strings.Contains(out, `will revert 1 commit: "Add idempotency keys"`) {
		t.Errorf("the confirmation should say what the rollback takes away:\n%s", out)
	}
}

func TestDetailTellsTheCommitEachEnvironmentRuns(t *testing.T) {
	h := newActionHarness(t, false)
	h.m.opts.Providers.SetLineage(fakeLineage{}, everyRepo(h.m, "acme/worker"))
	h.press(t, "j", "j", "enter") // worker: ccccccc in staging, 7777777 in production
	out := view(h.m)
	for _, want := range []string{"commit   Drain the queue before deploy", "author   Kenji Sato", "commit   Cache warmup on boot", "author   Ola Nordmann"} {
		if !strings.Contains(out, want) {
			t.Errorf("the detail should say %q:\n%s", want, out)
		}
	}
	// A commit the host does not know gets no line, and no guess.
	h.press(t, "esc", "j", "enter") // payments: ddddddd and 5555555, unknown
	if out := view(h.m); !strings.Contains(out, "payments") || strings.Contains(out, "commit   ") {
		t.Errorf("payments' detail, with no commit line for commits the host does not know:\n%s", out)
	}
}

func TestDriftCountsTheCommitsTheHostCompares(t *testing.T) {
	h := newActionHarness(t, false)
	// worker runs ccccccc in staging and 7777777 in production: its
	// pipelines do not order them, so the board cannot count without a host.
	if out := view(h.m); !strings.Contains(out, "≠ differs") {
		t.Fatalf("without a host the drift is unknown:\n%s", out)
	}
	h.m.opts.Providers.SetLineage(fakeLineage{}, everyRepo(h.m, "acme/worker"))
	for i, s := range h.m.poll.sources {
		h.m.poll.sources[i].inFlight = false
		h.drain(t, fetchCmd(context.Background(), s.src, i, time.Second, h.m.opts.Now))
	}
	if out := view(h.m); !strings.Contains(out, "↑ 3 commits") {
		t.Errorf("the host's compare should count 3 commits from production to staging:\n%s", out)
	}
}

// --dry-run holds in the dashboard: the header says so, the confirmation
// says nothing will be sent, nothing is, and the audit records a dry run.
func TestDryRunInTheDashboardSendsNothing(t *testing.T) {
	h := newHarnessWith(t, action.Options{DryRun: true})
	if !strings.Contains(view(h.m), "DRY-RUN") {
		t.Errorf("the header should say DRY-RUN:\n%s", view(h.m))
	}
	h.press(t, "r", "enter")
	if !strings.Contains(view(h.m), "DRY RUN: nothing will be sent") {
		t.Errorf("the confirmation should say nothing will be sent:\n%s", view(h.m))
	}
	h.press(t, "y")
	if len(h.src.rollbacks) != 0 {
		t.Fatalf("a dry run sent a rollback: %+v", h.src.rollbacks)
	}
	if !strings.Contains(view(h.m), "dry run, nothing sent: ") {
		t.Errorf("the status line should say what would have been sent:\n%s", view(h.m))
	}
	recs := h.records(t)
	if len(recs) != 1 || recs[0].Result != audit.ResultDryRun || !recs[0].DryRun {
		t.Errorf("the audit should record a dry run: %+v", recs)
	}
}
