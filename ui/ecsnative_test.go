package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// nativeWorld is one ECS service: staging a native canary at 10 % with
// four minutes of its bake left, production a blue/green deploy paused by
// a PAUSE lifecycle hook that expires in 29 minutes.
func nativeWorld() ([]model.ServiceSpec, *fakeSource) {
	specs := []model.ServiceSpec{{Name: "orders", Environments: []model.EnvSpec{
		{Name: "staging", Target: model.TargetECS}, {Name: "production", Target: model.TargetECS, Protected: true}}}}
	side := func(c byte, rev string) model.CanarySide {
		return model.CanarySide{Version: model.Version{SHA: sha(c), Revision: rev}, Target: "arn:aws:ecs:us-east-1:1:service-revision/p/orders/" + rev}
	}
	deploy := &model.Deployment{FromSHA: sha('a'), ToSHA: sha('b'), Running: 2, Desired: 2, StartedAt: t0.Add(-6 * time.Minute)}
	staging := model.EnvStatus{Service: "orders", Environment: "staging", Target: model.TargetECS, State: model.StateDeploying,
		Version: model.Version{SHA: sha('b'), Revision: "orders-staging:8"}, Deployment: deploy,
		Canary: &model.Canary{Source: "ecs", Weight: 10, Steps: []int{10, 100}, Step: 0, Stage: "PRODUCTION_TRAFFIC_SHIFT",
			EndsAt: t0.Add(4*time.Minute - 10*time.Second), Stable: side('a', "7"), Canary: side('b', "8")}}
	prodDeploy := *deploy
	production := model.EnvStatus{Service: "orders", Environment: "production", Target: model.TargetECS, State: model.StateDeploying,
		Version: model.Version{SHA: sha('b'), Revision: "orders-production:31"}, Deployment: &prodDeploy,
		Canary: &model.Canary{Source: "ecs", Weight: 0, Steps: []int{100}, Step: -1, Stage: "PRODUCTION_TRAFFIC_SHIFT",
			Stable: side('a', "30"), Canary: side('b', "31")},
		Gates: []model.Gate{{Provider: "ecs", Gate: "pause-production", ID: "hook-1", SHA: sha('b'),
			Subject: "ECS blue_green deploy paused at PRODUCTION_TRAFFIC_SHIFT (0% of production)", WaitingSince: t0.Add(-time.Minute),
			WorkflowID: "arn:aws:ecs:us-east-1:1:service-deployment/p/orders/Ab12", ExpiresAt: t0.Add(29 * time.Minute)}}}
	src := &fakeSource{name: "aws us-east-1"}
	src.envs = []model.EnvStatus{staging, production}
	return specs, src
}

// The deploying cell says the stage and the weight; the PAUSE hook waits in
// "Waiting for you" with its expiry.
func TestGoldenNativeCanary(t *testing.T) {
	specs, src := nativeWorld()
	m := New(Options{Title: "golden", Services: specs, Providers: registry([]providers.DeploySource{src}),
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	m = fetchAll(t, m)
	board := ansi.Strip(m.View())
	for _, want := range []string{"canary 10% bake 4m", "b/g 0% · paused", "Waiting for you (1)", "pause-production", "expires in 29m"} {
		if !strings.Contains(board, want) {
			t.Errorf("the board should say %q:\n%s", want, board)
		}
	}
	golden.RequireEqual(t, []byte(board))
}

// A stage or a hook's words from ECS are outside text: escapes and bidi
// overrides reach the screen only as printable text.
func TestNativeTextIsPrintable(t *testing.T) {
	specs, src := nativeWorld()
	src.envs[0].Canary.Stage = "BAKE\x1b[2J_TIME\u202e"
	src.envs[0].Canary.EndsAt = time.Time{}
	src.envs[1].Gates[0].Subject = "paused\x1b]52;c;ZXZpbA==\x07"
	src.envs[1].Gates[0].Gate = "pause\x1b[31m-production"
	m := New(Options{Title: "hostile", Services: specs, Providers: registry([]providers.DeploySource{src}),
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 30})
	m = fetchAll(t, m)
	out := m.View()
	for _, bad := range []string{"\x1b[2J", "\x1b]52", "\x07", "\u202e", "\x1b[31m"} {
		if strings.Contains(out, bad) {
			t.Errorf("the board let %q through:\n%s", bad, out)
		}
	}
}

// The detail puts a canary's two sides side by side, each version with
// its share of the traffic, and the verdict under them.
func TestDetailShowsCanarySides(t *testing.T) {
	specs, src := nativeWorld()
	m := New(Options{Title: "detail", Services: specs, Providers: registry([]providers.DeploySource{src}),
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 40})
	m = fetchAll(t, m)
	m = update(t, m, keyMsg("enter"))
	out := ansi.Strip(m.View())
	for _, want := range []string{"canary   bbbbbbb 10 % · stable aaaaaaa 90 %", "ecs PRODUCTION_TRAFFIC_SHIFT · ends in 3m",
		"verdict  ⚠ no data: the canary side served no requests in the window"} {
		if !strings.Contains(out, want) {
			t.Errorf("the detail should say %q:\n%s", want, out)
		}
	}
}
