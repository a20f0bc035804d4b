package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// canarySource is the acting fake with a canary it can step
// (providers.CanaryStepper), as a listener canary is: promote moves the
// weight to the next step, abort takes the canary out.
type canarySource struct {
	*actingSource
	steps []bool // each StepCanary call: promote or abort
}

func (c *canarySource) StepCanary(_ context.Context, k model.EnvKey, promote, dryRun bool) (providers.Receipt, error) {
	rc := providers.Receipt{Calls: []providers.Call{{Operation: "ModifyListener"}}}
	if dryRun {
		return rc, nil
	}
	c.amu.Lock()
	c.steps = append(c.steps, promote)
	c.amu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.envs {
		if e.Key() != k || e.Canary == nil {
			continue
		}
		if !promote {
			c.envs[i].Canary = nil
			continue
		}
		next := *e.Canary
		next.Weight, next.Step = next.NextWeight(), next.Step+1
		next.Verdict = model.Verdict{}
		c.envs[i].Canary = &next
	}
	rc.RequestIDs = []string{"req-c"}
	return rc, nil
}

// setCanary puts a canary on api/staging, judged worse or not by its
// numbers (the snapshot judges it as it comes in).
func (c *canarySource) setCanary(worse bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	errs := int64(3)
	if worse {
		errs = 60
	}
	for i, e := range c.envs {
		if e.Service == "api" && e.Environment == "staging" {
			c.envs[i].Canary = &model.Canary{Source: "listener", Weight: 10, Steps: []int{10, 25, 50, 100}, Step: 0,
				Stable: model.CanarySide{Version: model.Version{SHA: sha('a')}, Requests: 9940, Errors5xx: 30},
				Canary: model.CanarySide{Version: model.Version{SHA: sha('e')}, Requests: 1000, Errors5xx: errs}}
		}
	}
}

func newCanaryHarness(t *testing.T) (*actionHarness, *canarySource) {
	t.Helper()
	specs, fs := world()
	src := &canarySource{actingSource: &actingSource{fakeSource: fs}}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	reg := registry([]providers.DeploySource{src})
	p := action.New(action.Options{Providers: reg, Audit: audit.Open(path), User: "tester", Now: func() time.Time { return t0 },
		Protected: action.ProtectedIn(specs)})
	m := New(Options{Title: "test", Services: specs, Providers: reg, Refresh: 10 * time.Second,
		Now: func() time.Time { return t0 }, Renderer: asciiRenderer(), Actions: p, AuditPath: path, Context: context.Background()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = fetchAll(t, m)
	return &actionHarness{m: m, src: src.actingSource, audit: path}, src
}

// c opens the panel where there is a canary; inside it p and x step the
// canary through the planner and its confirmation (a canary judged worse
// needs the environment's name typed, staging unprotected or not); outside
// it p is still the promote to the next environment.
func TestCanaryPanelStepsThroughThePlanner(t *testing.T) {
	h, src := newCanaryHarness(t)
	h.press(t, "c") // api · staging, no canary yet
	if h.m.screen != screenBoard || !strings.Contains(view(h.m), "api/staging has no canary in force") {
		t.Fatalf("c without a canary should say why:\n%s", view(h.m))
	}
	src.setCanary(false)
	h.m = fetchAll(t, h.m)
	if !strings.Contains(view(h.m), "c canary") {
		t.Errorf("the board's footer should offer c on a canary:\n%s", view(h.m))
	}
	h.press(t, "c")
	out := view(h.m)
	for _, want := range []string{"Canary · api · staging", "stable 90 %", "canary 10 %", "✓ pass", "p promote canary", "x abort canary"} {
		if h.m.screen != screenCanary || !strings.Contains(out, want) {
			t.Errorf("the panel should show %q:\n%s", want, out)
		}
	}

	h.press(t, "p")
	if !strings.Contains(view(h.m), "Promote the canary in api · staging") {
		t.Fatalf("p should confirm the canary's promote:\n%s", view(h.m))
	}
	h.press(t, "y")
	if len(src.steps) != 1 || !src.steps[0] {
		t.Fatalf("y should promote once: %v", src.steps)
	}
	h.m = fetchAll(t, h.m)
	if out := view(h.m); h.m.screen != screenCanary || !strings.Contains(out, "canary 25 %") || !strings.Contains(out, "canary_promote sent") {
		t.Errorf("back on the panel at 25 %%:\n%s", out)
	}

	// Judged worse: y is not enough, the name must be typed.
	src.setCanary(true)
	h.m = fetchAll(t, h.m)
	h.press(t, "p")
	if !strings.Contains(view(h.m), "staging is protected") && !strings.Contains(view(h.m), "type") {
		t.Fatalf("promoting a worse canary should ask for the name:\n%s", view(h.m))
	}
	h.press(t, "y", "enter")
	if len(src.steps) != 1 {
		t.Fatalf("a y must not promote a worse canary: %v", src.steps)
	}
	h.m = update(t, h.m, tea.KeyMsg{Type: tea.KeyBackspace})
	for _, r := range "staging" {
		h.press(t, string(r))
	}
	h.press(t, "enter")
	if len(src.steps) != 2 || !src.steps[1] {
		t.Fatalf("the typed name should promote: %v", src.steps)
	}

	h.m = fetchAll(t, h.m)
	h.press(t, "x")
	if !strings.Contains(view(h.m), "Abort the canary in api · staging") {
		t.Fatalf("x should confirm the canary's abort:\n%s", view(h.m))
	}
	h.press(t, "y")
	if len(src.steps) != 3 || src.steps[2] {
		t.Fatalf("y should abort once: %v", src.steps)
	}
	h.m = fetchAll(t, h.m)
	if !strings.Contains(view(h.m), "has no canary in force") {
		t.Errorf("the panel should say the canary is gone:\n%s", view(h.m))
	}
	h.press(t, "esc", "p")
	if h.m.screen != screenBoard && !strings.Contains(view(h.m), "Promote api · staging → production") {
		t.Errorf("on the board p is the promote to the next environment:\n%s", view(h.m))
	}
	recs := h.records(t)
	if len(recs) != 3 || recs[0].Action != "canary_promote" || recs[2].Action != "canary_abort" || recs[2].Result != audit.ResultOK {
		t.Errorf("audit: %+v", recs)
	}
}

// On the board and the detail p and x are not the canary's, and on the
// panel the board's actions are not offered.
func TestCanaryKeysStayOnThePanel(t *testing.T) {
	h, src := newCanaryHarness(t)
	src.setCanary(false)
	h.m = fetchAll(t, h.m)
	if why := h.m.why.kinds[model.ActionCanaryPromote]; !strings.Contains(why, "open the canary panel") {
		t.Errorf("canary promote on the board: %q", why)
	}
	h.press(t, "c")
	if why := h.m.why.kinds[model.ActionRollback]; why != "go back to the board to act" {
		t.Errorf("rollback on the panel: %q", why)
	}
	if why := h.m.why.kinds[model.ActionCanaryAbort]; why != "" {
		t.Errorf("canary abort on the panel: %q", why)
	}
	h.press(t, "r")
	if h.m.screen != screenCanary || !strings.Contains(view(h.m), "go back to the board to act") {
		t.Errorf("r on the panel should say why:\n%s", view(h.m))
	}
}

// What a provider says of a canary is outside text: a target, a stage, a
// block or a verdict carrying escapes or bidi overrides reaches the panel
// only as printable text.
func TestCanaryTextIsPrintable(t *testing.T) {
	h, src := newCanaryHarness(t)
	src.setCanary(false)
	src.mu.Lock()
	for i, e := range src.envs {
		if e.Canary != nil {
			c := *e.Canary
			c.Stage, c.Blocked = "BAKE\x1b[2J", "held\x1b]52;c;ZXZpbA==\x07 by ops"
			c.Canary.Target = "tg-canary\u202eevil"
			c.Verdict = model.Verdict{Word: "worse\x1b[31m", Why: "the provider says\x1b]8;;https://evil\x1b\\ so"}
			src.envs[i].Canary = &c
		}
	}
	src.mu.Unlock()
	h.m = fetchAll(t, h.m)
	h.press(t, "c")
	out := h.m.View()
	for _, bad := range []string{"\x1b[2J", "\x1b]", "\x07", "\u202e", "\x1b[31m"} {
		if strings.Contains(out, bad) {
			t.Errorf("the panel let %q through:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "by ops") || !strings.Contains(out, "tg-canary") || !strings.Contains(out, "the provider says") {
		t.Errorf("the text should still show, made printable:\n%s", out)
	}
}
