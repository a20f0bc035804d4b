package action

import (
	"strings"
	"testing"

	"flightdeck/model"
)

func (s *stub) Describe(a model.Action) string { return "UpdateService to " + a.To.Revision }

// The plan carries every text a confirmation shows; the calls are the
// provider's own words under its name.
func TestPlanSaysWhatTheConfirmationSays(t *testing.T) {
	p, s, _ := setup(t, false)
	pl := p.Plan(rollback(), s.live)
	if pl.Why != "" {
		t.Fatalf("the rollback should be available: %s", pl.Why)
	}
	want := Plan{Title: "Roll back api · production", Headline: "production: 1c0ffee → 7d3e2a1",
		Calls: "stub: UpdateService to api-prod:8", Recheck: "flightdeck reads production again first and refuses if it moved."}
	if pl.Title != want.Title || pl.Headline != want.Headline || pl.Calls != want.Calls || pl.Recheck != want.Recheck {
		t.Errorf("plan %+v, want %+v", pl, want)
	}
	if dry(p).Plan(rollback(), s.live).DryRun != true {
		t.Error("a dry-run pipeline plans dry runs")
	}
	ro, s2, path := setup(t, true)
	if pl := ro.Plan(rollback(), s2.live); !strings.Contains(pl.Why, "read-only mode") || pl.Calls != "" {
		t.Errorf("read-only: %+v", pl)
	}
	if recs := lines(t, path); len(recs) != 0 {
		t.Errorf("planning records nothing: %+v", recs)
	}
}

func TestPlanOfAGate(t *testing.T) {
	p, _, _ := ciSetup(t, false)
	pl := p.Plan(approve(), model.EnvStatus{})
	if pl.Title != "Approve api · hold-production" || pl.Headline != "api hold-production (7d3e2a1 → production)" {
		t.Errorf("plan %+v", pl)
	}
	a := approve()
	a.Kind = model.ActionReject
	if pl := p.Plan(a, model.EnvStatus{}); pl.Headline != "api hold-production (7d3e2a1 stays out of production)" {
		t.Errorf("reject headline %q", pl.Headline)
	}
}
