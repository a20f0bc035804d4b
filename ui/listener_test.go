package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// A blue/green pair on a listener: the detail says each side's colour and
// weight, both target groups' health, and why a switch is blocked.
func TestListenerPairDetail(t *testing.T) {
	specs := []model.ServiceSpec{{Name: "checkout", Environments: []model.EnvSpec{{Name: "production", Target: model.TargetECS, Protected: true}}}}
	prod := model.EnvStatus{Service: "checkout", Environment: "production", Target: model.TargetECS, State: model.StateSteady,
		Version: model.Version{SHA: sha('a'), Revision: "checkout-production:43"}, Since: t0.Add(-time.Hour),
		BlueGreen: &model.BlueGreen{Live: "checkout-blue", Standby: "checkout-green", LiveColor: "blue", StandbyColor: "green",
			LiveWeight: 100, StandbyWeight: 0, StandbyVersion: model.Version{SHA: sha('b')}, StandbyStatus: "steady",
			LiveTargets: &model.TargetCounts{Healthy: 3}, StandbyTargets: &model.TargetCounts{Healthy: 2, Draining: 1},
			Blocked: "the standby (green, checkout-green) has 1 draining target(s)"}}
	src := &fakeSource{name: "aws eu-west-1 listeners", envs: []model.EnvStatus{prod}}
	m := New(Options{Title: "listener", Services: specs, Providers: registry([]providers.DeploySource{src}),
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 110, Height: 40})
	m = fetchAll(t, m)
	m = update(t, m, keyMsg("enter"))
	out := ansi.Strip(m.View())
	for _, want := range []string{"live     checkout-blue (blue, weight 100)", "standby  checkout-green (green, weight 0)",
		"targets  live 3 healthy  ", "standby 2 healthy · 1 draining  ",
		"switch blocked: the standby (green, checkout-green) has 1 draining"} {
		if !strings.Contains(out, want) {
			t.Errorf("the detail should say %q:\n%s", want, out)
		}
	}
}
