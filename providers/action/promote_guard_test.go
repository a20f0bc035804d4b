package action

import (
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
)

// threeEnvs is api in dev, staging and production (promotion order), each
// read and steady on its own commit, production from another account's
// registry than dev's image.
func threeEnvs(s *stub) *model.Snapshot {
	env := func(name, sha, image string) model.EnvStatus {
		e := s.live
		e.Environment, e.Version = name, model.Version{SHA: sha, Revision: "api-" + name + ":3", Artifact: image}
		return e
	}
	return model.SnapshotOf(
		env("dev", "aaaa1111", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:aa"),
		env("staging", "bbbb2222", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:bb"),
		env("production", "cccc3333", "222222222222.dkr.ecr.us-east-1.amazonaws.com/api@sha256:cc"))
}

// Promoting backwards or past an environment is refused unless forced,
// saying what it skips; forced, it asks for the name typed. One step
// forward needs neither.
func TestPromoteAgainstTheOrderNeedsForce(t *testing.T) {
	p, s, _ := setup(t, false)
	cases := []struct {
		name, from, to string
		says           string // "" for in order
	}{
		{"next", "dev", "staging", ""},
		{"skips staging", "dev", "production", "dev → production skips staging (promotion order: dev → staging → production)"},
		{"backwards", "production", "staging", "production → staging goes backwards, against the promotion order (dev → staging → production)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ask := Ask{Kind: model.ActionPromote, Service: "api", Source: tc.from, Environment: tc.to}
			pl := p.Propose(threeEnvs(s), ask)
			if tc.says == "" {
				// Only production has a provider in this world: the
				// guards below the planner's may still say no.
				if strings.Contains(pl.Why, "--force") || pl.Action.Protected || pl.Note != "" {
					t.Fatalf("in order: no --force, no typed name, nothing to note: %+v", pl)
				}
				return
			}
			if !strings.Contains(pl.Why, tc.says) || !strings.Contains(pl.Why, "--force") {
				t.Errorf("unforced: why %q, want it to say %q and name --force", pl.Why, tc.says)
			}
			ask.Force = true
			pl = p.Propose(threeEnvs(s), ask)
			if strings.Contains(pl.Why, "--force") || !pl.Action.Protected || !strings.Contains(pl.Note, tc.says) {
				t.Errorf("forced: available, typed confirmation, note says %q: %+v", tc.says, pl)
			}
			if pl.Action.SourceEnv != tc.from || pl.Action.Environment != tc.to {
				t.Errorf("forced plan goes %s → %s, want %s → %s", pl.Action.SourceEnv, pl.Action.Environment, tc.from, tc.to)
			}
		})
	}
}

// One end of a promotion is inferred from the other by the promotion
// order; unknown names and the ends of the order say what exists.
func TestPromoteEnvs(t *testing.T) {
	order := []string{"dev", "staging", "production"}
	cases := []struct{ from, to, src, dst, why string }{
		{"staging", "", "staging", "production", ""},
		{"", "production", "staging", "production", ""},
		{"", "staging", "dev", "staging", ""},
		{"production", "", "", "", "production is the last environment of api (dev, staging, production)"},
		{"", "dev", "", "", "dev is the first environment of api"},
		{"stagin", "", "", "", "api has no stagin environment; environments: dev, staging, production"},
		{"dev", "dev", "", "", "both dev"},
		{"", "", "", "", "say which environment"},
	}
	for _, tc := range cases {
		src, dst, why := PromoteEnvs("api", order, tc.from, tc.to)
		if tc.why != "" {
			if !strings.Contains(why, tc.why) {
				t.Errorf("%q→%q: why %q, want %q", tc.from, tc.to, why, tc.why)
			}
			continue
		}
		if why != "" || src != tc.src || dst != tc.dst {
			t.Errorf("%q→%q: got %q→%q (%q), want %q→%q", tc.from, tc.to, src, dst, why, tc.src, tc.dst)
		}
	}
}

// An image from another account or region is named; one registry is not.
func TestCrossRegistry(t *testing.T) {
	p, s, _ := setup(t, false)
	pl := p.Propose(threeEnvs(s), Ask{Kind: model.ActionPromote, Service: "api", Source: "staging"})
	for _, want := range []string{"account 111111111111", "account 222222222222", "region eu-west-1", "us-east-1"} {
		if !strings.Contains(pl.Note, want) {
			t.Errorf("staging → production note should name %s: %q", want, pl.Note)
		}
	}
	pl = p.Propose(threeEnvs(s), Ask{Kind: model.ActionPromote, Service: "api", Source: "dev"})
	if strings.Contains(pl.Note, "registry") {
		t.Errorf("dev → staging share a registry: %q", pl.Note)
	}
	if got := CrossRegistry("111111111111.dkr.ecr.eu-west-1.amazonaws.com/a:1", "111111111111.dkr.ecr.us-east-1.amazonaws.com/a:1"); !strings.Contains(got, "region eu-west-1") || strings.Contains(got, "account") {
		t.Errorf("region only: %q", got)
	}
	if got := CrossRegistry("acme/api:1", "111111111111.dkr.ecr.us-east-1.amazonaws.com/a:1"); got != "" {
		t.Errorf("not ECR on one side says nothing: %q", got)
	}
}

// A promotion shipping the commit a gate guarding its target waits for
// names the gate and how to cancel it; another commit's gate is not named.
func TestPromoteNamesTheGateItShipsPast(t *testing.T) {
	p, s, _ := setup(t, false)
	snap := seenWorld(s) // hold-production waits for 7d3e2a11, what staging runs
	pl := p.Propose(snap, Ask{Kind: model.ActionPromote, Service: "api", Source: "staging"})
	if pl.Why != "" {
		t.Fatal(pl.Why)
	}
	g := WaitingFor(snap, &snap.Services[0], pl.Action)
	if g == nil || g.Gate != "hold-production" {
		t.Fatalf("the gate waiting for 7d3e2a1 into production: %+v", g)
	}
	for _, want := range []string{"hold-production", "7d3e2a1", "flightdeck reject api wf-1/req-1", "--cancel-gate"} {
		if !strings.Contains(pl.Note, want) {
			t.Errorf("note should say %q: %q", want, pl.Note)
		}
	}
	snap.Approvals[0].SHA = "0ther000"
	if pl := p.Propose(snap, Ask{Kind: model.ActionPromote, Service: "api", Source: "staging"}); strings.Contains(pl.Note, "hold-production") {
		t.Errorf("a gate for another commit is not this promotion's: %q", pl.Note)
	}
}
