package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCheckPreconditions(t *testing.T) {
	steady := EnvStatus{Service: "api", Environment: "production", State: StateSteady, FetchedAt: t0,
		Version: Version{SHA: "1c0ffee1", Revision: "api-prod:9"}}
	rolling := steady
	rolling.State = StateDeploying
	rolling.Deployment = &Deployment{FromSHA: "1c0ffee1", ToSHA: "abcdef12", Running: 1, Desired: 3}
	unread := EnvStatus{Service: "api", Environment: "production", Error: "connection refused"}
	older := Version{SHA: "7d3e2a17", Revision: "api-prod:8"}
	staging := Version{SHA: "abcdef12", Revision: "api-staging:40"}

	for _, tc := range []struct {
		name   string
		action Action
		env    EnvStatus
		refuse string // "" means allowed
	}{
		{"rollback to an older revision", Action{Kind: ActionRollback, To: older}, steady, ""},
		{"rollback supersedes a deploy in flight", Action{Kind: ActionRollback, To: older}, rolling, ""},
		{"rollback to what runs", Action{Kind: ActionRollback, To: Version{SHA: "1c0ffee1", Revision: "api-prod:9"}}, steady, "already runs"},
		{"promote over a deploy in flight", Action{Kind: ActionPromote, To: staging}, rolling, "already deploying"},
		{"promote across families", Action{Kind: ActionPromote, To: staging}, steady, ""},
		{"promote the same commit", Action{Kind: ActionPromote, To: Version{SHA: "1c0ffee1", Revision: "api-staging:41"}}, steady, "already runs"},
		{"abort with nothing in flight", Action{Kind: ActionAbort}, steady, "no deploy in flight"},
		{"abort in flight", Action{Kind: ActionAbort}, rolling, ""},
		{"unknown target", Action{Kind: ActionRollback}, steady, "unknown"},
		{"environment unreadable", Action{Kind: ActionRollback, To: older}, unread, "cannot be read"},
	} {
		tc.action.Service, tc.action.Environment = "api", "production"
		err := CheckPreconditions(tc.action, tc.env)
		switch {
		case tc.refuse == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.refuse != "" && (err == nil || !IsRefusal(err) || !strings.Contains(err.Error(), tc.refuse)):
			t.Errorf("%s: want refusal %q, got %v", tc.name, tc.refuse, err)
		}
	}
}

func TestCheckUnmoved(t *testing.T) {
	a := Action{Kind: ActionRollback, Service: "api", Environment: "production", From: Version{SHA: "a1b2c3d4", Revision: "api:9"}}
	if err := CheckUnmoved(a, EnvStatus{Version: Version{SHA: "a1b2c3d4", Revision: "api:9"}}); err != nil {
		t.Errorf("unchanged env refused: %v", err)
	}
	err := CheckUnmoved(a, EnvStatus{Version: Version{SHA: "d4e5f6a7", Revision: "api:10"}})
	if !IsRefusal(err) || !strings.Contains(err.Error(), "production moved from a1b2c3d to d4e5f6a") {
		t.Errorf("moved env: %v", err)
	}
}

func TestActionSummary(t *testing.T) {
	a := Action{Kind: ActionRollback, Environment: "production", From: Version{SHA: "1c0ffee99"}, To: Version{SHA: "7d3e2a199"}}
	if got := a.Summary(); got != "production: 1c0ffee → 7d3e2a1" {
		t.Errorf("summary %q", got)
	}
}

func TestSuperseded(t *testing.T) {
	from := Version{SHA: "1c0ffee1", Revision: "api-prod:9"}
	to := Version{SHA: "7d3e2a11", Revision: "api-prod:8"}
	cases := []struct {
		name string
		live Version
		want bool
	}{
		{"still the old version", from, false},
		{"ours, rolling or done", to, false},
		{"another revision of the family", Version{SHA: "abcdef12", Revision: "api-prod:10"}, true},
		{"nothing read", Version{}, false},
	}
	for _, c := range cases {
		v, got := Superseded(from, to, EnvStatus{Version: c.live})
		if got != c.want || (got && v != c.live) {
			t.Errorf("%s: Superseded = %v, %v", c.name, v, got)
		}
	}
	if _, got := Superseded(from, Version{}, EnvStatus{Version: Version{SHA: "abcdef12"}}); got {
		t.Error("an abort asks for no version and is never superseded")
	}
}

func TestRevisionJSONHasSeconds(t *testing.T) {
	r := Revision{Version: Version{SHA: "7d3e2a1"}, RanFor: 90 * time.Minute, Available: true}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"ran_for":5400`) {
		t.Errorf("ran_for should be seconds: %s", b)
	}
	var back Revision
	if err := json.Unmarshal(b, &back); err != nil || back != r {
		t.Errorf("round trip: %+v %v", back, err)
	}
}
