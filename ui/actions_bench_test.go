package ui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
)

// BenchmarkBoardKeyWithActions is a cursor key on a board of n services
// whose action keys are live: every key asks the planner whether each of
// the seven action kinds applies to the new selection.
func BenchmarkBoardKeyWithActions(b *testing.B) {
	for _, n := range []int{50, 500, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var specs []model.ServiceSpec
			src := &actingSource{fakeSource: &fakeSource{name: "aws"}}
			for i := range n {
				name := fmt.Sprintf("service-%04d", i)
				spec := model.ServiceSpec{Name: name}
				for j, e := range []string{"staging", "production"} {
					spec.Environments = append(spec.Environments, model.EnvSpec{Name: e, Target: model.TargetECS})
					src.envs = append(src.envs, model.EnvStatus{Service: name, Environment: e, Target: model.TargetECS, State: model.StateSteady,
						Version: model.Version{SHA: sha("0123456789abcdef"[(i+j)%16])}})
				}
				specs = append(specs, spec)
			}
			reg := registry([]providers.DeploySource{src})
			p := action.New(action.Options{Providers: reg, Protected: action.ProtectedIn(specs)})
			m := New(Options{Services: specs, Providers: reg, Now: func() time.Time { return t0 }, Renderer: asciiRenderer(), Actions: p})
			next, _ := m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			m = next.(Model)
			next, _ = m.Update(fetchCmd(b.Context(), src, 0, time.Second, m.opts.Now)())
			m = next.(Model)
			keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyRunes, Runes: []rune("k")}}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				next, _ = m.Update(keys[i%2])
				m = next.(Model)
				i++
			}
		})
	}
}
