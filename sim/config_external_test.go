package sim_test

import (
	"testing"
	"time"

	"flightdeck/config"
	"flightdeck/sim"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// TestWrittenConfigParses: flightdeck's own config parser (strict, with
// validation) accepts what WriteConfig writes, CircleCI blocks included.
// A test-only import; the sim itself stays free of config.
func TestWrittenConfigParses(t *testing.T) {
	for _, scenario := range []string{sim.ScenarioDemo, sim.ScenarioEmpty} {
		w := sim.New(sim.Options{Seed: 3, Scenario: scenario, Clock: fixedClock{time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}})
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
		if cfg.CircleCI.Host != "http://127.0.0.1:4566" {
			t.Errorf("circleci host %q", cfg.CircleCI.Host)
		}
		circle := 0
		for _, s := range cfg.Services {
			if s.CI == nil {
				continue
			}
			circle++
			if s.CI.Provider != config.ProviderCircleCI || s.CI.Project != "gh/acme/"+s.Name || s.CI.Branch != "main" {
				t.Errorf("%s ci %+v", s.Name, s.CI)
			}
		}
		if circle != 2 {
			t.Errorf("%d CircleCI services, want api and payments", circle)
		}
	}
}
