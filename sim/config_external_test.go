package sim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/sim"
)

// TestWrittenConfigParses: flightdeck's own config parser (strict, with
// validation) accepts what WriteConfig writes, CircleCI and GitHub Actions
// blocks included.
// A test-only import; the sim itself stays free of config.
func TestWrittenConfigParses(t *testing.T) {
	for _, scenario := range []string{sim.ScenarioDemo, sim.ScenarioEmpty} {
		w := sim.New(sim.Options{Seed: 3, Scenario: scenario, Clock: fakeclock.New(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))})
		raw := w.WriteConfig("http://127.0.0.1:4566")
		cfg, err := config.Parse(raw, "sim.yaml")
		if scenario == sim.ScenarioEmpty {
			// No services: config rightly refuses it, and says why.
			if err == nil {
				t.Fatalf("empty scenario config accepted:\n%s", raw)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v\n%s", err, raw)
		}
		if cfg.CircleCI.Host != "http://127.0.0.1:4566" || cfg.GitHub.APIURL != "http://127.0.0.1:4566/" {
			t.Errorf("circleci host %q, github api_url %q", cfg.CircleCI.Host, cfg.GitHub.APIURL)
		}
		var circle, actions []string
		for _, s := range cfg.Services {
			switch {
			case s.Name == "orders" && s.CI == nil && s.Repo == "acme/orders":
				// The native canary, shipped by a deploy script.
			case s.CI == nil || s.Repo != "acme/"+s.Name || s.CI.Branch != "main":
				t.Errorf("%s: repo %q, ci %+v", s.Name, s.Repo, s.CI)
			case s.CI.Provider == config.ProviderCircleCI && s.CI.Project == "gh/acme/"+s.Name:
				circle = append(circle, s.Name)
			case s.CI.Provider == config.ProviderGitHubActions && s.CI.Workflow == "deploy.yml":
				actions = append(actions, s.Name)
			default:
				t.Errorf("%s ci %+v", s.Name, s.CI)
			}
		}
		if fmt.Sprint(circle, actions) != "[api payments shop checkout search basket] [web worker]" {
			t.Errorf("CircleCI %v, GitHub Actions %v", circle, actions)
		}
		for _, name := range []string{"search", "basket"} {
			s, _ := cfg.Service(name)
			prod, _ := s.Environment("production")
			listener, stable, canary, _ := w.Canary(name)
			if cn := prod.Canary; cn == nil || cn.ListenerARN != listener || cn.StableTargetGroupARN != stable || cn.CanaryTargetGroupARN != canary ||
				fmt.Sprint(cn.Steps) != "[10 25 50 100]" || prod.ECS == nil || prod.ECS.Service != name {
				t.Errorf("%s production: %+v %+v", name, prod.Canary, prod.ECS)
			}
		}
	}
}
