package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/ui/internal/workflows"
)

// bigWorld is 200 services × 4 environments, every cell filled, some rolling.
func bigWorld() ([]model.ServiceSpec, *fakeSource) {
	envs := []string{"dev", "staging", "canary", "production"}
	var specs []model.ServiceSpec
	src := &fakeSource{name: "aws"}
	for i := range 200 {
		name := fmt.Sprintf("service-%03d", i)
		spec := model.ServiceSpec{Name: name}
		for j, e := range envs {
			spec.Environments = append(spec.Environments, model.EnvSpec{Name: e, Target: model.TargetECS})
			st := model.EnvStatus{Service: name, Environment: e, Target: model.TargetECS, State: model.StateSteady,
				Version: model.Version{SHA: sha("0123456789abcdef"[(i+j)%16])}, Since: t0.Add(-time.Duration(i) * time.Minute)}
			if (i+j)%7 == 0 {
				st.State = model.StateDeploying
				st.Deployment = &model.Deployment{Running: j, Desired: 4}
			}
			src.envs = append(src.envs, st)
		}
		specs = append(specs, spec)
	}
	return specs, src
}

// BenchmarkBoardView draws one frame of the 200×4 board at 160×50, with no
// colour and with 24-bit colour (where every glyph carries escape codes).
func BenchmarkBoardView(b *testing.B) {
	for _, p := range []struct {
		name    string
		profile termenv.Profile
	}{{"ascii", termenv.Ascii}, {"truecolor", termenv.TrueColor}} {
		b.Run(p.name, func(b *testing.B) {
			r := lipgloss.NewRenderer(io.Discard)
			r.SetColorProfile(p.profile)
			r.SetHasDarkBackground(true)
			benchView(b, r)
		})
	}
}

func benchView(b *testing.B, r *lipgloss.Renderer) {
	specs, src := bigWorld()
	m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}), Now: func() time.Time { return t0 }, Renderer: r})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	m = next.(Model)
	for i, s := range m.poll.sources {
		next, _ = m.Update(fetchCmd(b.Context(), s.src, i, time.Second, m.opts.Now)())
		m = next.(Model)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkAdmitFetch is the boundary's cost on one poll of the 200×4
// board's source (800 environments): the walk that cleans outside text,
// which finds nothing to change in honest data.
func BenchmarkAdmitFetch(b *testing.B) {
	_, src := bigWorld()
	msg := fetchCmd(b.Context(), src, 0, time.Second, func() time.Time { return t0 })()
	b.ReportAllocs()
	for b.Loop() {
		_ = admit(msg)
	}
}

// detailOpen is the root model with api's detail open on a workflow of n
// jobs, at 160×50 in 24-bit colour, and the clock it reads.
func detailOpen(b *testing.B, n int) (Model, *clock) {
	specs, src := world()
	wf := model.Workflow{ID: "wf-big", Name: "release", Status: model.RunRunning, Jobs: workflows.Monorepo((n-5)/5, t0)}
	if len(wf.Jobs) != n {
		b.Fatalf("%d jobs, want %d", len(wf.Jobs), n)
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	c := &clock{now: t0}
	m := New(Options{Services: specs, Providers: registry([]providers.DeploySource{src}, &fakeCI{wf: &wf}), Now: c.Now, Renderer: r})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	m = next.(Model)
	for i, s := range m.poll.sources {
		var msg tea.Msg
		if s.ci != nil {
			msg = ciFetchCmd(b.Context(), s.ci, i, s.ci.Services(), time.Second, m.opts.Now)()
		} else {
			msg = fetchCmd(b.Context(), s.src, i, time.Second, m.opts.Now)()
		}
		next, _ = m.Update(msg)
		m = next.(Model)
	}
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	m = next.(Model)
	if !strings.Contains(ansi.Strip(m.View()), "workflow release") {
		b.Fatal("the detail does not show the workflow")
	}
	return m, c
}

var detailSizes = []int{50, 200, 1000, 5000}

// BenchmarkDetailKey is one frame after a key on the service detail: ↓ and
// ↑ in turn, each followed by the View Bubble Tea draws.
func BenchmarkDetailKey(b *testing.B) {
	for _, n := range detailSizes {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			m, _ := detailOpen(b, n)
			keys := []tea.KeyMsg{{Type: tea.KeyDown}, {Type: tea.KeyUp}}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				next, _ := m.Update(keys[i%2])
				m = next.(Model)
				_ = m.View()
				i++
			}
		})
	}
}

// BenchmarkDetailTick is one idle second on the service detail: the clock
// moves, running jobs' times grow, and the frame is drawn again.
func BenchmarkDetailTick(b *testing.B) {
	for _, n := range detailSizes {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			m, c := detailOpen(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c.now = c.now.Add(time.Second)
				next, _ := m.Update(clockMsg(c.now))
				m = next.(Model)
				_ = m.View()
			}
		})
	}
}
