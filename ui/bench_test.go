package ui

import (
	"fmt"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"flightdeck/model"
	"flightdeck/providers"
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
