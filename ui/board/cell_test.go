package board

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"flightdeck/model"
	"flightdeck/ui/theme"
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
		if got := strings.TrimRight(cell(st, &e, now, 40), " "); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
