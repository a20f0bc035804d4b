package canary

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/ui/keys"
	"github.com/airside-dev/flightdeck/ui/screen"
	"github.com/airside-dev/flightdeck/ui/theme"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func styles() theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return theme.New(r)
}

// series is 15 per-minute values around v, with a wobble, and a missing
// minute (NaN) where gap is not negative.
func series(v float64, gap int) []float64 {
	s := make([]float64, 15)
	for i := range s {
		s[i] = v * (1 + 0.1*math.Sin(float64(i)))
	}
	if gap >= 0 {
		s[gap] = math.NaN()
	}
	return s
}

func rising(from, to float64) []float64 {
	s := make([]float64, 15)
	for i := range s {
		s[i] = from + (to-from)*float64(i)/14
	}
	return s
}

func side(sha string, target string, req, errs int64, p99 float64, reqS, errS, latS []float64) model.CanarySide {
	return model.CanarySide{Version: model.Version{SHA: sha}, Target: target, Requests: req, Errors5xx: errs, P99: p99,
		RequestSeries: reqS, ErrorSeries: errS, LatencySeries: latS}
}

// fixtures are the four canaries the panel must draw right: one going
// well, one whose errors drift up, one with no metrics, one too young to
// judge. Their verdicts are model.Judge's, filled where the snapshot is
// made, as in the dashboard.
func fixtures() map[string]model.EnvStatus {
	base := func(c model.Canary) model.EnvStatus {
		return model.EnvStatus{Service: "api", Environment: "production", State: model.StateSteady, FetchedAt: t0,
			Version: model.Version{SHA: "1c0ffee1deadbeef"}, Canary: &c}
	}
	steps := []int{10, 25, 50, 100}
	return map[string]model.EnvStatus{
		"Good": base(model.Canary{Source: "listener", Weight: 25, Steps: steps, Step: 1, Stage: "bake", EndsAt: t0.Add(4*time.Minute + 10*time.Second),
			Stable: side("1c0ffee1", "api-stable-tg", 9940, 31, 0.182, series(660, -1), series(2, -1), series(0.180, 6)),
			Canary: side("7d3e2a11", "api-canary-tg", 3310, 11, 0.185, series(220, -1), series(0.7, -1), series(0.184, -1))}),
		"Bad": base(model.Canary{Source: "listener", Weight: 10, Steps: steps, Step: 0,
			Stable: side("1c0ffee1", "api-stable-tg", 9940, 30, 0.180, series(660, -1), series(2, -1), series(0.180, -1)),
			Canary: side("7d3e2a11", "api-canary-tg", 812, 33, 0.412, series(54, 3), rising(0, 5), rising(0.2, 0.6))}),
		"NoData": base(model.Canary{Source: "ecs", Weight: 10, Step: -1, Stage: "TEST_TRAFFIC_SHIFT",
			Stable:  model.CanarySide{Version: model.Version{SHA: "1c0ffee1"}, NoData: true},
			Canary:  model.CanarySide{Version: model.Version{SHA: "7d3e2a11"}, NoData: true},
			Blocked: ""}),
		"TooFew": base(model.Canary{Source: "ecs", Weight: 10, Step: -1, Stage: "BAKE_TIME", EndsAt: t0.Add(9 * time.Minute),
			Stable:  side("1c0ffee1", "", 4200, 12, 0.2, series(600, -1)[:7], series(2, -1)[:7], series(0.2, -1)[:7]),
			Canary:  side("7d3e2a11", "", 42, 0, 0.21, series(6, -1)[:7], series(0, -1)[:7], series(0.21, -1)[:7]),
			Blocked: "the deployment is scaling up the canary tasks"}),
	}
}

// keymap enables promote and abort as the root would for the fixture:
// both for a canary that may move, neither for a blocked one.
func keymap(e model.EnvStatus) keys.KeyMap {
	km := keys.Default()
	on := e.Canary.Blocked == ""
	km.CanaryPromote.SetEnabled(on)
	km.CanaryAbort.SetEnabled(on)
	return km
}

func render(name string, width int) string {
	e := fixtures()[name]
	snap := model.SnapshotOf(e)
	m := New(styles(), keymap(e), "api", "production")
	m.SetSize(width, 30)
	return ansi.Strip(m.View(screen.Context{Snap: snap, Now: t0}))
}

func TestGoldenCanary(t *testing.T) {
	for _, name := range []string{"Good", "Bad", "NoData", "TooFew"} {
		for _, w := range []int{80, 200} {
			t.Run(fmt.Sprintf("%s%d", name, w), func(t *testing.T) {
				out := render(name, w)
				for i, l := range strings.Split(out, "\n") {
					if ansi.StringWidth(l) > w {
						t.Errorf("line %d is %d cells wide, more than %d: %q", i, ansi.StringWidth(l), w, l)
					}
				}
				golden.RequireEqual(t, []byte(out+"\n"))
			})
		}
	}
}

// What each panel must say, whatever the layout.
func TestCanarySays(t *testing.T) {
	for name, want := range map[string][]string{
		"Good":   {"stable 75 %", "canary 25 %", "[25]", "next 50 %", "✓ pass", "bake · ends in 4m", "p  promote to 50 %", "x  abort"},
		"Bad":    {"✗ worse", "canary 5xx 4.1 % (n=812) vs stable 0.3 % (n=9 940): worse, p < 0.001", "judged worse: the environment's name must be typed", "4.1 % (33)"},
		"NoData": {"⚠ no data", "no data: the canary side's metrics have no datapoints", "set by ecs"},
		"TooFew": {"⏸ not enough data yet", "canary 42 requests, need 100", "cannot promote now: the deployment is scaling up", "ends in 9m"},
	} {
		out := render(name, 200)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: missing %q in\n%s", name, w, out)
			}
		}
	}
	// A blocked canary offers neither key.
	if out := render("TooFew", 200); strings.Contains(out, "promote to") || strings.Contains(out, "abort:") {
		t.Errorf("keys offered on a blocked canary:\n%s", out)
	}
	// A missing minute is a gap in the sparkline, not a low: the stable
	// side's p99 misses its seventh minute.
	for _, l := range strings.Split(render("Good", 200), "\n") {
		if strings.Contains(l, "p99") && !gap.MatchString(l) {
			t.Errorf("no gap in the p99 sparkline: %q", l)
		}
	}
}

var gap = regexp.MustCompile("[▁-█] [▁-█]")

func TestCanaryGone(t *testing.T) {
	m := New(styles(), keys.Default(), "api", "production")
	m.SetSize(80, 20)
	out := ansi.Strip(m.View(screen.Context{Snap: model.SnapshotOf(model.EnvStatus{Service: "api", Environment: "production"}), Now: t0}))
	if !strings.Contains(out, "has no canary in force") {
		t.Errorf("%s", out)
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEsc}, screen.Context{})
	if m.Decision() != Back {
		t.Error("esc closes the panel")
	}
}

func TestWrapKeepsNumbersWhole(t *testing.T) {
	why := "canary 5xx 4.1 % (n=812) vs stable 0.3 % (n=9 940): worse, p < 0.001; latency 412 ms vs 180 ms"
	for w := 10; w < 60; w++ {
		lines := wrap(why, w)
		if got := strings.Join(lines, " "); got != why {
			t.Fatalf("width %d: %q", w, got)
		}
		for _, l := range lines {
			for _, broken := range []string{"4.1", "9", "p", "412", "<"} {
				if strings.HasSuffix(l, " "+broken) || l == broken {
					t.Errorf("width %d: a line ends inside a number: %q", w, l)
				}
			}
		}
	}
}

func BenchmarkCanaryPanel(b *testing.B) {
	e := fixtures()["Bad"]
	snap := model.SnapshotOf(e)
	m := New(theme.New(lipgloss.NewRenderer(io.Discard)), keymap(e), "api", "production")
	m.SetSize(120, 30)
	ctx := screen.Context{Snap: snap, Now: t0}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View(ctx)
	}
}
