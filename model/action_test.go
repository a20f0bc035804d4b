package model

import (
	"strings"
	"testing"
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
