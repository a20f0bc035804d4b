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

// beanstalkWorld is one service on Elastic Beanstalk: staging with
// enhanced health that warns, production a blue/green pair whose live
// side is Severe and whose standby is ready.
func beanstalkWorld() ([]model.ServiceSpec, *fakeSource) {
	specs := []model.ServiceSpec{{Name: "shop", Environments: []model.EnvSpec{
		{Name: "staging", Target: model.TargetBeanstalk}, {Name: "production", Target: model.TargetBeanstalk, Protected: true}}}}
	staging := model.EnvStatus{Service: "shop", Environment: "staging", Target: model.TargetBeanstalk, State: model.StateSteady,
		Version: model.Version{SHA: sha('b'), Artifact: "s3://eb-bundles/shop/shop-bbbbbbb.zip", Revision: "shop-bbbbbbb"}, Since: t0.Add(-20 * time.Minute),
		Health: &model.Health{Color: "Yellow", Status: "Warning", Enhanced: true, Causes: []string{"20.0 % of the requests are erroring with HTTP 4xx."},
			Requests:  &model.Requests{WindowSeconds: 10, Count: 1204, Status2xx: 950, Status4xx: 241, Status5xx: 13, P50: 0.05, P90: 0.12, P99: 0.21},
			Instances: &model.InstanceCounts{Ok: 3, Warning: 1}}}
	production := model.EnvStatus{Service: "shop", Environment: "production", Target: model.TargetBeanstalk, State: model.StateSteady,
		Version: model.Version{SHA: sha('a'), Artifact: "s3://eb-bundles/shop/shop-aaaaaaa.zip", Revision: "shop-aaaaaaa"}, Since: t0.Add(-30 * time.Hour),
		Health: &model.Health{Color: "Red", Status: "Severe", Enhanced: true, Causes: []string{"100.0 % of the requests are failing with HTTP 5xx."}},
		BlueGreen: &model.BlueGreen{Live: "shop-prod-blue", Standby: "shop-prod-green", CNAME: "shop.example.com",
			StandbyVersion: model.Version{SHA: sha('b')}, StandbyStatus: "Ready", StandbyHealth: &model.Health{Color: "Green", Status: "Ok"}}}
	src := &fakeSource{name: "aws us-east-1"}
	src.envs = []model.EnvStatus{staging, production}
	return specs, src
}

// The board marks the pair and shows Severe health on the cell whatever
// the deploy state says; the detail gives the platform's verdict, its
// causes, and which side of the pair is live.
func TestGoldenBeanstalk(t *testing.T) {
	specs, src := beanstalkWorld()
	m := New(Options{Title: "golden", Services: specs, Providers: registry([]providers.DeploySource{src}),
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	m = fetchAll(t, m)
	board := ansi.Strip(m.View())
	if !strings.Contains(board, "aaaaaaa ✓ ✗ Severe ⇄") {
		t.Errorf("the production cell should show Severe health and the pair:\n%s", board)
	}
	m = update(t, m, keyMsg("enter"))
	m = update(t, m, keyMsg("l"))
	out := ansi.Strip(m.View())
	for _, want := range []string{"health   ✗ Severe", "live     shop-prod-blue (shop.example.com)", "standby  shop-prod-green", "runs bbbbbbb · Ready · Ok",
		"1204 req/10s · 5xx 1.1% · p99 0.21s", "instances 3 ok, 1 warning"} {
		if !strings.Contains(out, want) {
			t.Errorf("the detail should say %q:\n%s", want, out)
		}
	}
	golden.RequireEqual(t, []byte(board+"\n---\n"+out))
}

// What Beanstalk says is outside text like any other: a cause, a side's
// name or a CNAME that carries escapes or bidi overrides reaches the
// screen only as printable text.
func TestBeanstalkTextIsPrintable(t *testing.T) {
	specs, src := beanstalkWorld()
	prod := &src.envs[1]
	prod.Health.Causes = []string{"\x1b]52;c;ZXZpbA==\x07clipboard", "\u202eevil"}
	prod.BlueGreen.Standby = "shop-green\x1b[2J"
	prod.BlueGreen.CNAME = "shop.example.com\x1b]8;;https://evil\x1b\\"
	m := New(Options{Title: "hostile", Services: specs, Providers: registry([]providers.DeploySource{src}),
		Refresh: 10 * time.Second, Now: func() time.Time { return t0 }, Renderer: asciiRenderer()})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = fetchAll(t, m)
	m = update(t, m, keyMsg("enter"))
	m = update(t, m, keyMsg("l"))
	out := m.View()
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x07", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("the detail let %q through:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "clipboard") || !strings.Contains(out, "shop-green") {
		t.Errorf("the text should still show, made printable:\n%s", out)
	}
}
