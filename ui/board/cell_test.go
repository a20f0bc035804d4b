package board

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/theme"
)

// A canary on a listener is steady as ECS sees it; the cell still says it
// takes part of the traffic, and a canary judged worse says so first.
func TestCellShowsACanaryInForce(t *testing.T) {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	st := theme.New(r)
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	e := model.EnvStatus{Version: model.Version{SHA: "0093080aa"}, State: model.StateSteady, FetchedAt: now, Since: now.Add(-time.Hour),
		Canary: &model.Canary{Source: "listener", Weight: 10, Steps: []int{10, 25, 50, 100}, Stage: "canary"}}
	for _, c := range []struct {
		name    string
		verdict model.VerdictWord
		weight  int
		stage   string
		want    string
	}{
		{"passing", model.VerdictPass, 10, "canary", "0093080 ✓ canary 10%"},
		{"worse", model.VerdictWorse, 25, "canary", "0093080 ✓ ⚠ canary 25% · worse"},
		{"not started", model.VerdictNoData, 0, "not started", "0093080 ✓ canary ready"},
		{"idle", model.VerdictNoData, 0, "idle", "0093080 ✓ 1h"},
	} {
		e.Canary.Verdict.Word, e.Canary.Weight, e.Canary.Stage = c.verdict, c.weight, c.stage
		if got := strings.TrimRight(cell(st, &e, now, 40, ""), " "); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Widths by priority (docs/screens.md): at 80 columns each cell keeps its
// must-keep (envMin) and CI and drift give way; at 120 the cells have room
// for a bar and a canary's weight before CI grows; at 200 nothing gives.
func TestLayoutGivesEnvironmentsRoom(t *testing.T) {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	env := []model.EnvSpec{{Name: "dev"}, {Name: "staging"}, {Name: "production"}}
	snap := model.NewSnapshot([]model.ServiceSpec{{Name: "payments", Environments: env}})
	snap.Services[0].Pipelines = []model.Pipeline{{ID: "p"}}
	for _, c := range []struct{ width, env, ci int }{{80, envMin, ciMin}, {120, envRoom, 29}, {200, envMax, ciMax}} {
		m := New(theme.New(r), keys.Default())
		m.SetSize(c.width, 24)
		l := m.layout(snap)
		if l.env != c.env || l.ci != c.ci || 2+l.name+l.ci+3*l.env+l.drift > c.width || l.drift < driftMin {
			t.Errorf("at %d: %+v, want env %d and CI %d within the width", c.width, l, c.env, c.ci)
		}
	}
}

// With links on, the drift words link to the host's comparison of the
// two environments' commits; with them off, nothing but the words.
func TestDriftLinksToTheComparison(t *testing.T) {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	st := theme.New(r)
	svc := &model.ServiceState{Name: "api", Environments: []model.EnvStatus{
		{Environment: "staging", Version: model.Version{SHA: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}},
		{Environment: "production", Version: model.Version{SHA: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}}}
	compared := func(_, base, head string) (model.Comparison, bool) {
		return model.Comparison{Base: base, Head: head, Status: model.CompareAhead, AheadBy: 2}, true
	}
	var asked string
	compare := func(service, base, head string) string {
		asked = service + " " + base[:7] + "..." + head[:7]
		return "https://github.com/acme/api/compare/" + base + "..." + head
	}
	got := driftLabel(st, svc, compared, compare)
	if asked != "api aaaaaaa...bbbbbbb" || !strings.Contains(got, "\x1b]8;") || !strings.Contains(got, "/compare/aaaaaaa") || ansi.Strip(got) != "↑ 2 commits" {
		t.Errorf("asked %q, got %q", asked, got)
	}
	if got := driftLabel(st, svc, compared, nil); got != "↑ 2 commits" {
		t.Errorf("without links: %q", got)
	}
}

// A state is said by a shorter word where a cell is narrow, never cut: at
// the narrowest cell, "rolled back" is "back" after its ↺, and a failed
// rollback "rb failed".
func TestStateWordsShortenNotCut(t *testing.T) {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	st := theme.New(r)
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	rb := model.EnvStatus{Version: model.Version{SHA: "fa8e072aa"}, State: model.StateRolledBack, FetchedAt: now, Since: now.Add(-time.Hour)}
	rbf := rb
	rbf.State, rbf.Deployment = model.StateFailed, &model.Deployment{Rollback: model.RollbackFailed}
	for _, c := range []struct {
		e    model.EnvStatus
		w    int
		want string
	}{
		{rb, 29, "fa8e072 ↺ rolled back"},
		{rb, envMin - 1, "fa8e072 ↺ back"},
		{rb, envFloor, "fa8e072 ↺ rb"},
		{rbf, 29, "fa8e072 ✗ rollback failed"},
		{rbf, envRoom - 1, "fa8e072 ✗ rb failed"},
		{rbf, envMin + 1, "fa8e072 ✗ rb fail"},
		{rbf, envMin - 1, "fa8e072 ✗ rb"},
	} {
		got := strings.TrimRight(cell(st, &c.e, now, c.w, ""), " ")
		if got != c.want || strings.Contains(got, "…") {
			t.Errorf("in %d cells: %q, want %q", c.w, got, c.want)
		}
	}
}
