package action

import (
	"context"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

func (s *stub) Describe(a model.Action) string { return "UpdateService to " + a.To.Revision }

func (s *stub) History(context.Context, model.EnvKey) ([]model.Revision, error) { return nil, nil }

// seenWorld is the board as a user saw it: api in staging (steady on
// 7d3e2a1) and production (steady on 1c0ffee), one gate and two
// workflows waiting for a decision.
func seenWorld(s *stub) *model.Snapshot {
	staging := s.live
	staging.Environment, staging.Version = "staging", model.Version{SHA: "7d3e2a11", Revision: "api-staging:4"}
	snap := model.SnapshotOf(staging, s.live)
	g := approve().Gate
	g.Subject, g.WorkflowID = "Fix the retry loop", "wf-1"
	snap.Approvals = []model.Gate{*g}
	snap.Services[0].Pipelines = []model.Pipeline{{SHA: "7d3e2a11", Number: 42, Workflows: []model.Workflow{
		{ID: "wf-1", Name: "deploy", Status: model.RunOnHold},
		{ID: "wf-2", Name: "test", Status: model.RunFailed},
	}}}
	return snap
}

// The plan carries every text a confirmation shows; the calls are the
// provider's own words under its name.
func TestProposeSaysWhatTheConfirmationSays(t *testing.T) {
	p, s, path := setup(t, false)
	ask := Ask{Kind: model.ActionRollback, Service: "api", Environment: "production", To: rollback().To}
	pl := p.Propose(seenWorld(s), ask)
	if pl.Why != "" {
		t.Fatalf("the rollback should be available: %s", pl.Why)
	}
	want := Plan{Title: "Roll back api · production", Headline: "production: 1c0ffee → 7d3e2a1",
		Calls: "stub: UpdateService to api-prod:8", Recheck: "flightdeck reads production again first and refuses if it moved."}
	if pl.Title != want.Title || pl.Headline != want.Headline || pl.Calls != want.Calls || pl.Recheck != want.Recheck {
		t.Errorf("plan %+v, want %+v", pl, want)
	}
	if pl.Action.From != s.live.Version || pl.Seen.Version != s.live.Version {
		t.Errorf("the plan starts from what production ran when seen: %+v", pl.Action)
	}
	if !dry(p).Propose(seenWorld(s), ask).DryRun {
		t.Error("a dry-run pipeline plans dry runs")
	}
	ro, s2, roPath := setup(t, true)
	if pl := ro.Propose(seenWorld(s2), ask); !strings.Contains(pl.Why, "read-only mode") || pl.Calls != "" {
		t.Errorf("read-only: %+v", pl)
	}
	if recs := append(lines(t, path), lines(t, roPath)...); len(recs) != 0 {
		t.Errorf("planning records nothing: %+v", recs)
	}
}

// Every kind is planned from the same ask, and says in the user's terms
// why it cannot be done now.
func TestProposeEveryKind(t *testing.T) {
	p, s, _ := setup(t, false)
	p.o.Providers.AddCI(&ciStub{})
	p.o.Protected = func(k model.EnvKey) bool { return k.Environment == "production" }
	moving := s.live
	moving.State = model.StateDeploying
	moving.Deployment = &model.Deployment{FromSHA: "1c0ffee1", ToSHA: "5eed5eed", Running: 1, Desired: 4}
	busy := seenWorld(s)
	busy.Services[0].Environments[1] = moving
	unread := model.SnapshotOf(model.EnvStatus{Service: "api", Environment: "production"})
	cases := []struct {
		name string
		snap *model.Snapshot
		ask  Ask
		why  string // "" when available
		want func(model.Action) bool
	}{
		{"rollback, revision not chosen yet", seenWorld(s), Ask{Kind: model.ActionRollback, Service: "api", Environment: "production"}, "",
			func(a model.Action) bool { return a.Protected && a.From == s.live.Version }},
		{"rollback to what runs", seenWorld(s), Ask{Kind: model.ActionRollback, Service: "api", Environment: "production", To: s.live.Version}, "already runs", nil},
		{"rollback of an unread environment", unread, Ask{Kind: model.ActionRollback, Service: "api", Environment: "production"}, "has not been read yet", nil},
		{"rollback where nothing serves", seenWorld(s), Ask{Kind: model.ActionRollback, Service: "api", Environment: "staging"}, "not served by any provider", nil},
		{"unknown environment", seenWorld(s), Ask{Kind: model.ActionAbort, Service: "api", Environment: "qa"}, "api has no qa environment", nil},
		{"unknown service", seenWorld(s), Ask{Kind: model.ActionAbort, Service: "web", Environment: "qa"}, `no service "web"`, nil},
		{"promote to the next environment", seenWorld(s), Ask{Kind: model.ActionPromote, Service: "api", Source: "staging"}, "",
			func(a model.Action) bool {
				return a.Environment == "production" && a.SourceEnv == "staging" && a.To.SHA == "7d3e2a11" && a.From == s.live.Version && a.Protected
			}},
		{"promote from the last environment", seenWorld(s), Ask{Kind: model.ActionPromote, Service: "api", Source: "production"}, "nothing to promote to", nil},
		{"promote into a deploy in flight", busy, Ask{Kind: model.ActionPromote, Service: "api", Source: "staging"}, "already deploying", nil},
		{"promote from a deploy in flight", busy, Ask{Kind: model.ActionPromote, Service: "api", Source: "production", Environment: "staging"}, "production has not settled (1c0ffee → 5eed5ee, 1/4 tasks)", nil},
		{"abort with nothing in flight", seenWorld(s), Ask{Kind: model.ActionAbort, Service: "api", Environment: "production"}, "no deploy in flight", nil},
		{"abort a deploy in flight", busy, Ask{Kind: model.ActionAbort, Service: "api", Environment: "production"}, "",
			func(a model.Action) bool { return a.From.SHA == "1c0ffee1" && a.To.SHA == "5eed5eed" }},
		{"approve the oldest gate", seenWorld(s), Ask{Kind: model.ActionApprove, Service: "api"}, "",
			func(a model.Action) bool {
				return a.Gate.ID == "wf-1/req-1" && a.Environment == "production" && a.Protected && a.From == s.live.Version
			}},
		{"reject with no gate waiting", unread, Ask{Kind: model.ActionReject, Service: "api"}, "api has no gate waiting for approval", nil},
		{"rerun a failed workflow", seenWorld(s), Ask{Kind: model.ActionRerun, Service: "api", Workflow: "wf-2"}, "",
			func(a model.Action) bool { return a.Workflow.Name == "test" && a.To.SHA == "7d3e2a11" }},
		{"cancel a finished workflow", seenWorld(s), Ask{Kind: model.ActionCancel, Service: "api", Workflow: "wf-2"}, "is not running", nil},
		{"cancel a workflow not on screen", seenWorld(s), Ask{Kind: model.ActionCancel, Service: "api", Workflow: "wf-9"}, "no workflow on screen", nil},
	}
	for _, c := range cases {
		pl := p.Propose(c.snap, c.ask)
		if check := p.Check(c.snap, c.ask); check != pl.Why {
			t.Errorf("%s: Check says %q, Propose %q", c.name, check, pl.Why)
		}
		switch {
		case c.why == "" && pl.Why != "":
			t.Errorf("%s: refused: %s", c.name, pl.Why)
		case c.why != "" && !strings.Contains(pl.Why, c.why):
			t.Errorf("%s: why %q, want it to say %q", c.name, pl.Why, c.why)
		case c.want != nil && !c.want(pl.Action):
			t.Errorf("%s: action %+v", c.name, pl.Action)
		}
	}
}

func TestProposeAGate(t *testing.T) {
	p, _, _ := ciSetup(t, false)
	s := &stub{live: model.EnvStatus{Service: "api", Environment: "production", FetchedAt: t0}}
	pl := p.Propose(seenWorld(s), Ask{Kind: model.ActionApprove, Service: "api"})
	if pl.Title != "Approve api · hold-production" || pl.Headline != "api hold-production (7d3e2a1 → production)" ||
		pl.Note != `"Fix the retry loop" in pipeline #42, workflow deploy` {
		t.Errorf("plan %+v", pl)
	}
	pl = p.Propose(seenWorld(s), Ask{Kind: model.ActionReject, Service: "api"})
	if pl.Headline != "api hold-production (7d3e2a1 stays out of production)" {
		t.Errorf("reject headline %q", pl.Headline)
	}
	blocked := seenWorld(s)
	blocked.Approvals[0].ApproveBlocked = "you are not a required reviewer of production"
	if pl := p.Propose(blocked, Ask{Kind: model.ActionApprove, Service: "api"}); !strings.Contains(pl.Why, "required reviewer") {
		t.Errorf("a gate the user cannot answer: %+v", pl)
	}
}

func (s *stub) Switch(_ context.Context, _ model.EnvKey, dry bool) (providers.Receipt, error) {
	return s.exec("switch", dry)
}

// A switch hands a blue/green pair's name to the standby: planned from
// the pair as seen, refused where there is no pair or the provider says it
// may not switch, and judged done by which side is live, not by versions
// (both sides may run one).
func TestSwitch(t *testing.T) {
	p, s, path := setup(t, false)
	pair := s.live
	pair.BlueGreen = &model.BlueGreen{Live: "api-blue", Standby: "api-green", StandbyVersion: model.Version{SHA: "7d3e2a11"}, StandbyStatus: "Ready"}
	s.live = pair
	ask := Ask{Kind: model.ActionSwitch, Service: "api", Environment: "production"}
	pl := p.Propose(model.SnapshotOf(pair), ask)
	if pl.Why != "" || pl.Title != "Switch api · production to api-green" || pl.Action.Live != "api-blue" || pl.Action.To.SHA != "7d3e2a11" {
		t.Fatalf("plan: %+v", pl)
	}
	if why := p.Check(model.SnapshotOf(seenWorld(&stub{live: s.live}).Services[0].Environments[0]), Ask{Kind: model.ActionSwitch, Service: "api", Environment: "staging"}); why == "" {
		t.Error("a switch where no provider serves was offered")
	}
	plain := pair
	plain.BlueGreen = nil
	if why := p.Check(model.SnapshotOf(plain), ask); !strings.Contains(why, "not a blue/green pair") {
		t.Errorf("no pair: %q", why)
	}
	blocked := pair
	bg := *pair.BlueGreen
	bg.Blocked = "api-green is Updating"
	blocked.BlueGreen = &bg
	if why := p.Check(model.SnapshotOf(blocked), ask); !strings.Contains(why, "cannot switch now: api-green is Updating") {
		t.Errorf("blocked: %q", why)
	}

	swapped := pair
	swapped.Version = model.Version{SHA: "7d3e2a11"}
	swapped.BlueGreen = &model.BlueGreen{Live: "api-green", Standby: "api-blue", StandbyVersion: pair.Version, StandbyStatus: "Ready"}
	s.after = &swapped
	if _, err := p.Run(context.Background(), pl.Action); err != nil || len(s.executed) != 1 || s.executed[0] != "switch" {
		t.Fatalf("run: %v %v", err, s.executed)
	}
	if l := Landed(pl.Action, swapped); !l.Done || l.Err != nil {
		t.Errorf("the standby took the name: %+v", l)
	}
	if l := Landed(pl.Action, pair); l.Done {
		t.Error("not landed while the old side is live")
	}
	if v := judgeEnv(pl.Action, swapped); !v.done || !strings.Contains(v.text, "api-green is live") {
		t.Errorf("judged: %+v", v)
	}
	// Planned again on the old look, it is refused: the pair switched.
	if _, err := p.Run(context.Background(), pl.Action); !model.IsRefusal(err) {
		t.Errorf("a second switch on a stale plan: %v", err)
	}
	if recs := lines(t, path); len(recs) != 2 || recs[0].Action != "switch" || recs[1].Result != "refused" {
		t.Errorf("audit: %+v", recs)
	}
}
