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
)

// fakeCI is a CI source with a gate on api's production, and the gate
// capabilities.
type fakeCI struct {
	mu       sync.Mutex
	gates    []model.Gate
	err      error
	approved []string
	reruns   []string
	cancels  []string
	checkErr error
	// wf, when set, replaces the pipeline's workflow.
	wf *model.Workflow
	// logsRead lists the job logs read (JobLog, in reading_test.go);
	// logErr fails them.
	logsRead []string
	logErr   error
}

func (f *fakeCI) Name() string       { return "circleci" }
func (f *fakeCI) Kind() string       { return "circleci" }
func (f *fakeCI) Services() []string { return []string{"api"} }
func (f *fakeCI) Fetch(context.Context) ([]model.CIStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	p := model.Pipeline{ID: "p1", Number: 7, Provider: "circleci", SHA: sha('e'), Status: model.RunOnHold, CreatedAt: t0.Add(-9 * time.Minute),
		TriggeredBy: "dana", Subject: "Add idempotency keys",
		Workflows: []model.Workflow{{ID: "wf-1", Name: "build-deploy", Status: model.RunOnHold, Jobs: []model.Job{
			{Name: "build", Status: model.RunSuccess},
			{Name: "hold-production", Status: model.RunOnHold, Needs: []string{"build"}, Approval: true},
			{Name: "deploy-production", Status: model.RunBlocked, Needs: []string{"hold-production"}},
		}}}}
	if f.wf != nil {
		p.Workflows = []model.Workflow{*f.wf}
	}
	return []model.CIStatus{{Service: "api", Pipelines: []model.Pipeline{p}, Gates: append([]model.Gate(nil), f.gates...)}}, nil
}
func (f *fakeCI) CheckGate(context.Context, model.Gate) error { return f.checkErr }
func (f *fakeCI) Approve(_ context.Context, g model.Gate, dry bool) (providers.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.approved = append(f.approved, g.ID)
	f.gates = nil
	return providers.Receipt{RequestIDs: []string{"ci-1"}, Detail: "approved " + g.Gate}, nil
}
func (f *fakeCI) Reject(context.Context, model.Gate, bool) (providers.Receipt, error) {
	return providers.Receipt{}, nil
}
func (f *fakeCI) RerunFailed(_ context.Context, _, wf string, _ bool) (providers.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reruns = append(f.reruns, wf)
	return providers.Receipt{}, nil
}
func (f *fakeCI) CancelWorkflow(_ context.Context, _, wf string, _ bool) (providers.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancels = append(f.cancels, wf)
	return providers.Receipt{}, nil
}

func gateE() model.Gate {
	return model.Gate{Provider: "circleci", Gate: "hold-production", ID: "wf-1/req-1", WorkflowID: "wf-1", SHA: sha('e'),
		Subject: "Add idempotency keys", WaitingSince: t0.Add(-4 * time.Minute)}
}

type ciHarness struct {
	actionHarness
	ci     *fakeCI
	notify []string
}

func newCIHarness(t *testing.T) *ciHarness {
	t.Helper()
	specs, fs := world()
	src := &actingSource{fakeSource: fs}
	ci := &fakeCI{gates: []model.Gate{gateE()}}
	h := &ciHarness{ci: ci}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	reg := registry([]providers.DeploySource{src}, ci)
	p := action.New(action.Options{Providers: reg, Audit: audit.Open(path), User: "tester", Now: func() time.Time { return t0 },
		Protected: action.ProtectedIn(specs)})
	m := New(Options{Title: "test", Services: specs, Providers: reg,
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer(),
		Actions: p, AuditPath: path, Context: context.Background(),
		Notify: func(s string) { h.notify = append(h.notify, s) }})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	h.actionHarness = actionHarness{m: m, src: src, audit: path}
	h.poll(t)
	return h
}

// poll runs one poll of every source, deploy and CI, and what it starts.
func (h *ciHarness) poll(t *testing.T) {
	t.Helper()
	for i := range h.m.poll.sources {
		h.m.poll.sources[i].inFlight = false
		h.drain(t, h.m.poll.start(context.Background(), i, h.m.opts.Now))
	}
}

func TestWaitingPanelAndCIColumn(t *testing.T) {
	h := newCIHarness(t)
	out := view(h.m)
	for _, want := range []string{"Waiting for you (1)", "▸ api", "hold-production", "eeeeeee", `"Add idempotency keys"`, "waiting 4m", "[a]pprove",
		"build ✓ ⏸ hold-production", "circleci ok", "a approve"} {
		if !strings.Contains(out, want) {
			t.Errorf("board should show %q:\n%s", want, out)
		}
	}
	h.press(t, "j")
	if out := view(h.m); strings.Contains(out, "[a]pprove") || strings.Contains(out, "a approve") {
		t.Errorf("with web selected, a does not apply:\n%s", out)
	}
	h.press(t, "a")
	if !strings.Contains(view(h.m), "web has no gate waiting") {
		t.Errorf("a on web should say why it does nothing:\n%s", view(h.m))
	}
}

func TestApproveThroughProtectedConfirm(t *testing.T) {
	h := newCIHarness(t)
	h.press(t, "a")
	out := view(h.m)
	for _, want := range []string{"Approve api · hold-production", "approve eeeeeee (lets it go on to production)", "pipeline #7, workflow build-", "production is protected"} {
		if !strings.Contains(out, want) {
			t.Errorf("the confirmation should show %q:\n%s", want, out)
		}
	}
	for _, r := range "production" {
		h.press(t, string(r))
	}
	h.press(t, "enter")
	if len(h.ci.approved) != 1 || h.ci.approved[0] != "wf-1/req-1" {
		t.Fatalf("one approval of the gate expected: %v", h.ci.approved)
	}
	out = view(h.m)
	if !strings.Contains(out, "approve sent: api hold-production (eeeeeee → production)") || strings.Contains(out, "Waiting for you") {
		t.Errorf("the approval should be reported and the gate gone after the follow-up poll:\n%s", out)
	}
	if f := h.m.poll.sources[0].follow; f.action.Key() != (model.EnvKey{Service: "api", Environment: "production"}) || f.action.To.SHA != sha('e') {
		t.Errorf("production should be followed until it runs the approved commit: %+v", f)
	}
	recs := h.records(t)
	if len(recs) != 1 || recs[0].Action != "approve" || recs[0].Gate != "hold-production" || recs[0].Result != audit.ResultOK {
		t.Errorf("audit: %+v", recs)
	}
}

// An approval lets a commit go on to an environment: the confirmation says
// what that ships, counted from what the environment runs now, and the
// audit log records both versions.
func TestApproveSaysWhatItShips(t *testing.T) {
	h := newCIHarness(t)
	h.m.opts.Providers.SetLineage(fakeLineage{}, everyRepo(h.m, "acme/api"))
	h.press(t, "a") // api production runs aaaaaaa; the gate holds eeeeeee
	if out := view(h.m); !strings.Contains(out, `will ship 2 commits: "Add idempotency keys", "Drain the queue`) {
		t.Errorf("the confirmation should say what the approval ships:\n%s", out)
	}
	for _, r := range "production" {
		h.press(t, string(r))
	}
	h.press(t, "enter")
	recs := h.records(t)
	if len(recs) != 1 || recs[0].Action != "approve" || !strings.Contains(recs[0].From, "aaaaaaa") || !strings.Contains(recs[0].To, "eeeeeee") {
		t.Errorf("audit: %+v", recs)
	}
}

func TestApproveAnsweredElsewhereIsRefused(t *testing.T) {
	h := newCIHarness(t)
	h.ci.checkErr = model.Refuse("api hold-production was already approved by jane")
	h.press(t, "a")
	for _, r := range "production" {
		h.press(t, string(r))
	}
	h.press(t, "enter")
	if len(h.ci.approved) != 0 || !strings.Contains(view(h.m), "already approved by jane") {
		t.Errorf("the re-check should refuse and say who: %v\n%s", h.ci.approved, view(h.m))
	}
}

func TestWaitingPanelNamesTheAuthorWhereThereIsRoom(t *testing.T) {
	h := newCIHarness(t)
	h.m.opts.Providers.SetLineage(fakeLineage{}, everyRepo(h.m, "acme/api"))
	h.poll(t)
	h.m = update(t, h.m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if out := view(h.m); !strings.Contains(out, `eeeeeee  "Add i`) || strings.Contains(out, "Mei Chen") || !strings.Contains(out, "waiting 4m  [a]pprove") {
		t.Errorf("at 80 columns the subject keeps what room there is, the wait is kept and the author waits:\n%s", out)
	}
	h.m = update(t, h.m, tea.WindowSizeMsg{Width: 160, Height: 30})
	if out := view(h.m); !strings.Contains(out, `"Add idempotency keys" · Mei Chen`) {
		t.Errorf("a wide board names the gate's commit author:\n%s", out)
	}
}

func TestBellRingsOnlyForNewGates(t *testing.T) {
	h := newCIHarness(t)
	if len(h.notify) != 0 {
		t.Fatalf("gates waiting before we looked are listed, not announced: %v", h.notify)
	}
	h.poll(t)
	if len(h.notify) != 0 {
		t.Fatalf("the same gate must not ring twice: %v", h.notify)
	}
	g := gateE()
	g.ID, g.Gate, g.SHA = "wf-2/req-2", "hold-staging", sha('f')
	h.ci.gates = append(h.ci.gates, g)
	h.poll(t)
	if len(h.notify) != 1 || !strings.Contains(h.notify[0], "api hold-staging is waiting for approval (fffffff)") {
		t.Errorf("a new gate should ring once: %v", h.notify)
	}
}

func TestCIErrorShowsOnCellAndHeader(t *testing.T) {
	h := newCIHarness(t)
	h.ci.err = errCI
	h.poll(t)
	out := view(h.m)
	if !strings.Contains(out, "circleci") || !strings.Contains(out, "circleci ✗ 401, check CIRCLECI_TOKEN") {
		t.Errorf("the header should name the CI trouble:\n%s", out)
	}
	if !strings.Contains(out, "hold-production") || !strings.Contains(out, "aaaaaaa ✓") {
		t.Errorf("the last good CI data and the board should stay:\n%s", out)
	}
}

var errCI = &ciErr{}

type ciErr struct{}

func (*ciErr) Error() string {
	return "circleci: list pipelines of gh/acme/api: CircleCI: 401, check CIRCLECI_TOKEN (Invalid token provided)"
}
func (*ciErr) Unwrap() error { return providers.ErrAuth }

func notifyText(t *testing.T) {
	t.Helper()
	got := notification("api hold\x1b]9;evil\x07 waiting")
	if strings.Count(got, "\x07") != 2 || strings.Count(got, "\x1b") != 1 || !strings.HasPrefix(got, "\a\x1b]9;flightdeck: api hold") {
		t.Errorf("control characters must not reach the terminal: %q", got)
	}
}

func TestNotificationStripsControlCharacters(t *testing.T) { notifyText(t) }

func TestDetailShowsTheGraphAndCancels(t *testing.T) {
	h := newCIHarness(t)
	h.press(t, "enter")
	out := view(h.m)
	for _, want := range []string{"Pipeline #7", "workflow build-deploy", "╔", "hold-production", "deploy-production", "C cancel workflow"} {
		if !strings.Contains(out, want) {
			t.Errorf("the detail should show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "f rerun failed") {
		t.Errorf("a held workflow has nothing to rerun:\n%s", out)
	}
	h.press(t, "f")
	if !strings.Contains(view(h.m), "no failed jobs to rerun") {
		t.Errorf("f should say why it does nothing:\n%s", view(h.m))
	}
	h.press(t, "C")
	if !strings.Contains(view(h.m), "Cancel api · build-deploy") {
		t.Fatalf("C should ask to confirm the cancel:\n%s", view(h.m))
	}
	h.press(t, "y")
	if len(h.ci.cancels) != 1 || h.ci.cancels[0] != "wf-1" {
		t.Errorf("one cancel of wf-1 expected: %v", h.ci.cancels)
	}
	if recs := h.records(t); len(recs) != 1 || recs[0].Action != "cancel" || recs[0].Workflow != "build-deploy" {
		t.Errorf("audit: %+v", recs)
	}
}

func TestGoldenDetailWithGraph(t *testing.T) {
	h := newCIHarness(t)
	h.press(t, "enter")
	golden.RequireEqual(t, []byte(view(h.m)))
}

func TestGoldenBoardWaiting(t *testing.T) {
	h := newCIHarness(t)
	golden.RequireEqual(t, []byte(view(h.m)))
}

// meteredCI is a CI source behind a metered API, as GitHub is.
type meteredCI struct {
	*fakeCI
	remaining int
	min       time.Duration
}

func (m *meteredCI) Kind() string { return "github" }
func (m *meteredCI) Rate() (int, int, time.Time, bool) {
	return m.remaining, 5000, t0.Add(40 * time.Minute), true
}
func (m *meteredCI) MinInterval() time.Duration { return m.min }

func TestRateLimitInHeaderAndPace(t *testing.T) {
	specs, src := world()
	ci := &meteredCI{fakeCI: &fakeCI{}, remaining: 4812, min: 45 * time.Second}
	m := New(Options{Title: "test", Services: specs, Providers: registry([]providers.DeploySource{src}, ci),
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = update(t, m, ciFetchCmd(context.Background(), ci, 1, ci.Services(), time.Second, m.opts.Now)())
	if v := view(m); !strings.Contains(v, "github 4 812/5 000") {
		t.Errorf("the header should show the budget:\n%s", v)
	}
	if d := m.poll.delay(1, true); d != 45*time.Second {
		t.Errorf("the poll should slow to what the budget allows, got %v", d)
	}
	ci.remaining = 0
	if v := view(m); !strings.Contains(v, "github ✗ rate limit spent, resets") {
		t.Errorf("a spent budget should say when it resets:\n%s", v)
	}
}

func TestApproveKeyOffWhenYouCannotReview(t *testing.T) {
	g := gateE()
	g.ApproveBlocked = "you are not allowed to review deployments to production"
	h := newCIHarness(t)
	h.ci.gates = []model.Gate{g}
	h.poll(t)
	if h.m.km.Approve.Enabled() || h.m.km.Reject.Enabled() {
		t.Error("approve and reject should be disabled for a gate you cannot review")
	}
	if out := view(h.m); !strings.Contains(out, "you cannot review this") || strings.Contains(out, "[a]pprove") {
		t.Errorf("the waiting panel should say you cannot review it:\n%s", out)
	}
	h.press(t, "a")
	if len(h.ci.approved) != 0 || !strings.Contains(view(h.m), "api: you are not allowed to review deployments to production") {
		t.Errorf("a disabled approve should say why and send nothing: %v\n%s", h.ci.approved, view(h.m))
	}
}

func TestDetailListsJobsWhenTheGraphIsUnknownAndShowsSteps(t *testing.T) {
	h := newCIHarness(t)
	h.ci.wf = &model.Workflow{ID: "wf-1", Name: "Deploy", Status: model.RunRunning,
		GraphError: "deploy.yml does not parse: line 4: could not find expected ':'", Jobs: []model.Job{
			{Name: "build", Status: model.RunSuccess, StartedAt: t0.Add(-3 * time.Minute), StoppedAt: t0.Add(-2 * time.Minute)},
			{Name: "deploy", Status: model.RunRunning, StartedAt: t0.Add(-time.Minute), Steps: []model.Step{
				{Number: 1, Name: "Set up job", Status: model.RunSuccess},
				{Number: 2, Name: "Deploy to ECS", Status: model.RunRunning},
				{Number: 3, Name: "Smoke test", Status: model.RunQueued},
			}},
		}}
	h.poll(t)
	h.press(t, "enter")
	out := view(h.m)
	for _, want := range []string{"no graph: deploy.yml does not parse", "✓ build  1m", "deploy · step 2/3 Deploy to ECS"} {
		if !strings.Contains(out, want) {
			t.Errorf("the detail should show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "│ build") {
		t.Errorf("no graph should be drawn without the order of the jobs:\n%s", out)
	}
}

// Read-only mode offers no key it would refuse: neither the waiting panel
// nor the footer names approve or reject.
func TestReadOnlyOffersNoAnswerKeys(t *testing.T) {
	h := newCIHarness(t)
	h.m.opts.ReadOnly = true
	h.m = h.m.refreshKeys()
	out := view(h.m)
	if !strings.Contains(out, "hold-production") {
		t.Fatalf("the gate should still be listed:\n%s", out)
	}
	for _, offer := range []string{"[a]pprove", "[x]reject", "a approve", "x reject"} {
		if strings.Contains(out, offer) {
			t.Errorf("read-only mode offers %q:\n%s", offer, out)
		}
	}
}
