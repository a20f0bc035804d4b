package action

import (
	"context"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

func (s *stub) StepCanary(_ context.Context, _ model.EnvKey, promote, dry bool) (providers.Receipt, error) {
	if promote {
		return s.exec("canary promote", dry)
	}
	return s.exec("canary abort", dry)
}

// canaryEnv is production with a listener canary at 10 % of 10/25/50/100,
// the canary judged by verdict.
func canaryEnv(s *stub, verdict model.VerdictWord) model.EnvStatus {
	e := s.live
	e.Canary = &model.Canary{Source: "listener", Weight: 10, Steps: []int{10, 25, 50, 100}, Step: 0,
		Stable:  model.CanarySide{Version: model.Version{SHA: "1c0ffee1"}, Requests: 9940, Errors5xx: 30},
		Canary:  model.CanarySide{Version: model.Version{SHA: "7d3e2a11"}, Requests: 812, Errors5xx: 33},
		Verdict: model.Verdict{Word: verdict, Why: "the numbers"}}
	return e
}

// One case per way a canary step is offered or refused, all through the
// planner the keys and the command share.
func TestProposeCanary(t *testing.T) {
	p, s, _ := setup(t, false)
	p.o.Protected = func(k model.EnvKey) bool { return false }
	promote := Ask{Kind: model.ActionCanaryPromote, Service: "api", Environment: "production"}
	abort := Ask{Kind: model.ActionCanaryAbort, Service: "api", Environment: "production"}
	with := func(f func(*model.EnvStatus)) *model.Snapshot {
		e := canaryEnv(s, model.VerdictPass)
		f(&e)
		return model.SnapshotOf(e)
	}
	same := func(*model.EnvStatus) {}
	for _, c := range []struct {
		name string
		snap *model.Snapshot
		ask  Ask
		why  string
		want func(model.Action) bool
	}{
		{"promote a passing canary", with(same), promote, "", func(a model.Action) bool {
			return a.Weight == 10 && a.NextWeight == 25 && a.From.SHA == "1c0ffee1" && a.To.SHA == "7d3e2a11" && !a.Protected
		}},
		{"promote a worse canary: typed confirmation", with(func(e *model.EnvStatus) { e.Canary.Verdict.Word = model.VerdictWorse }), promote, "",
			func(a model.Action) bool { return a.Protected }},
		{"promote a canary with no data: typed confirmation", with(func(e *model.EnvStatus) { e.Canary.Verdict.Word = model.VerdictNoData }), promote, "",
			func(a model.Action) bool { return a.Protected }},
		{"start a canary (weight 0, no data yet): no typed confirmation", with(func(e *model.EnvStatus) {
			e.Canary.Verdict.Word, e.Canary.Weight, e.Canary.Step = model.VerdictNoData, 0, -1
		}), promote, "", func(a model.Action) bool { return !a.Protected && a.NextWeight == 10 }},
		{"promote a canary with too few requests: typed confirmation", with(func(e *model.EnvStatus) { e.Canary.Verdict.Word = model.VerdictTooFew }), promote, "",
			func(a model.Action) bool { return a.Protected }},
		{"abort a worse canary: one key", with(func(e *model.EnvStatus) { e.Canary.Verdict.Word = model.VerdictWorse }), abort, "",
			func(a model.Action) bool { return !a.Protected && a.NextWeight == 0 && a.Weight == 10 }},
		{"promote past the last step", with(func(e *model.EnvStatus) { e.Canary.Weight, e.Canary.Step = 50, 2 }), promote, "",
			func(a model.Action) bool { return a.NextWeight == 100 }},
		{"all the traffic already", with(func(e *model.EnvStatus) { e.Canary.Weight, e.Canary.Step = 100, 3 }), promote, "already takes all the traffic", nil},
		{"no canary", model.SnapshotOf(s.live), promote, "has no canary in force", nil},
		{"no canary to abort", model.SnapshotOf(s.live), abort, "has no canary in force", nil},
		{"promote blocked by the provider", with(func(e *model.EnvStatus) { e.Canary.Blocked = "the canary side has no healthy targets" }), promote,
			"the canary cannot move now: the canary side has no healthy targets", nil},
		{"abort where only a promote is blocked: the way out", with(func(e *model.EnvStatus) { e.Canary.Blocked = "the canary side has no healthy targets" }), abort,
			"", func(a model.Action) bool { return a.NextWeight == 0 }},
		{"abort blocked by the provider", with(func(e *model.EnvStatus) { e.Canary.AbortBlocked = "the listener forwards to a third group" }), abort,
			"the canary cannot be aborted now: the listener forwards to a third group", nil},
		{"mid-deploy of something else", with(func(e *model.EnvStatus) {
			e.State = model.StateDeploying
			e.Deployment = &model.Deployment{FromSHA: "1c0ffee1", ToSHA: "5eed5eed", Running: 1, Desired: 4}
		}), promote, "is deploying 1c0ffee → 5eed5ee, 1/4 tasks, not the canary", nil},
		{"the canary's own deploy in flight", with(func(e *model.EnvStatus) {
			e.State = model.StateDeploying
			e.Deployment = &model.Deployment{FromSHA: "1c0ffee1", ToSHA: "7d3e2a11", Running: 1, Desired: 4}
		}), promote, "", nil},
		{"unread", model.SnapshotOf(model.EnvStatus{Service: "api", Environment: "production"}), abort, "has not been read yet", nil},
		{"no such environment", with(same), Ask{Kind: model.ActionCanaryAbort, Service: "api", Environment: "qa"}, "api has no qa environment", nil},
	} {
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

// The texts of a canary step's confirmation, and where the capability is
// missing, the refusal.
func TestProposeCanaryTexts(t *testing.T) {
	p, s, _ := setup(t, false)
	pl := p.Propose(model.SnapshotOf(canaryEnv(s, model.VerdictWorse)), Ask{Kind: model.ActionCanaryPromote, Service: "api", Environment: "production"})
	if pl.Title != "Promote the canary in api · production" ||
		pl.Headline != "production: the canary 7d3e2a1 from 10 % to 25 % of the traffic (stable 1c0ffee)" ||
		pl.Note != "verdict: the numbers; the canary is worse: type production to promote it anyway" ||
		!strings.Contains(pl.Recheck, "weight moved") || pl.Calls == "" {
		t.Errorf("plan %+v", pl)
	}
	pl = p.Propose(model.SnapshotOf(canaryEnv(s, model.VerdictPass)), Ask{Kind: model.ActionCanaryAbort, Service: "api", Environment: "production"})
	if pl.Title != "Abort the canary in api · production" ||
		pl.Headline != "production: all traffic back to stable 1c0ffee, the canary 7d3e2a1 out (it had 10 %)" {
		t.Errorf("plan %+v", pl)
	}
	native := canaryEnv(s, model.VerdictPass)
	native.Canary.Steps, native.Canary.Step, native.Canary.Source = nil, -1, "ecs"
	pl = p.Propose(model.SnapshotOf(native), Ask{Kind: model.ActionCanaryPromote, Service: "api", Environment: "production"})
	if pl.Headline != "production: the canary 7d3e2a1 goes on from 10 % (stable 1c0ffee)" {
		t.Errorf("native: %q", pl.Headline)
	}

	reg := providers.NewRegistry()
	reg.AddSource(bare{})
	b := New(Options{Providers: reg})
	if why := b.Check(model.SnapshotOf(canaryEnv(s, model.VerdictPass)), Ask{Kind: model.ActionCanaryAbort, Service: "api", Environment: "production"}); !strings.Contains(why, "its provider cannot canary_abort") {
		t.Errorf("no CanaryStepper: %q", why)
	}
}

// Run re-reads the canary: a promote planned at 10 % is refused once the
// weight moved, an abort only once the canary changed; each executes
// through StepCanary and lands by the weight.
func TestRunCanary(t *testing.T) {
	p, s, path := setup(t, false)
	seen := canaryEnv(s, model.VerdictPass)
	s.live = seen
	ask := Ask{Kind: model.ActionCanaryPromote, Service: "api", Environment: "production"}
	pl := p.Propose(model.SnapshotOf(seen), ask)
	after := canaryEnv(s, model.VerdictPass)
	after.Canary.Weight, after.Canary.Step = 25, 1
	s.after = &after
	if _, err := p.Run(context.Background(), pl.Action); err != nil || len(s.executed) != 1 || s.executed[0] != "canary promote" {
		t.Fatalf("run: %v %v", err, s.executed)
	}
	if l := Landed(pl.Action, after); !l.Done || l.Err != nil {
		t.Errorf("at 25 %% the promote landed: %+v", l)
	}
	if l := Landed(pl.Action, seen); l.Done {
		t.Error("landed at the weight it started from")
	}
	if v := judgeCanary(pl.Action, after); !v.known || !v.done || !strings.Contains(v.text, "sends 25 % to 7d3e2a1") {
		t.Errorf("judged %+v", v)
	}
	if v := judgeCanary(pl.Action, seen); !v.known || v.done {
		t.Errorf("judged at the old weight %+v", v)
	}
	// The same plan again: the weight moved, so it is refused.
	if _, err := p.Run(context.Background(), pl.Action); !model.IsRefusal(err) || !strings.Contains(err.Error(), "from 10 % to 25 %") {
		t.Errorf("a promote on a stale weight: %v", err)
	}
	// An abort planned at 10 % still goes: the weight does not matter.
	abort := p.Propose(model.SnapshotOf(seen), Ask{Kind: model.ActionCanaryAbort, Service: "api", Environment: "production"}).Action
	back := canaryEnv(s, model.VerdictPass)
	back.Canary = nil
	s.after = &back
	if _, err := p.Run(context.Background(), abort); err != nil || s.executed[len(s.executed)-1] != "canary abort" {
		t.Fatalf("abort: %v %v", err, s.executed)
	}
	if l := Landed(abort, back); !l.Done {
		t.Error("no canary left: the abort landed")
	}
	// Another canary since the look: refused.
	other := canaryEnv(s, model.VerdictPass)
	other.Canary.Canary.Version.SHA = "abcabc12"
	s.live, s.after = other, nil
	if _, err := p.Run(context.Background(), abort); !model.IsRefusal(err) || !strings.Contains(err.Error(), "changed from 7d3e2a1 to abcabc1") {
		t.Errorf("abort of a replaced canary: %v", err)
	}
	recs := lines(t, path)
	if len(recs) != 4 || recs[0].Action != "canary_promote" || recs[1].Result != "refused" || recs[2].Action != "canary_abort" || recs[3].Result != "refused" {
		t.Errorf("audit: %+v", recs)
	}
}
