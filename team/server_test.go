package team

import (
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
)

func TestDarkBackground(t *testing.T) {
	for in, want := range map[string]bool{"": true, "15;0": true, "0;15": false, "12;8": true, "0;default;7": false, "junk": true} {
		if got := darkBackground(in); got != want {
			t.Errorf("darkBackground(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestFeedLine(t *testing.T) {
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    audit.Record
		want string
	}{
		{audit.Record{Time: at, User: "ana", Action: "rollback", Service: "api", Environment: "production", To: "7d3e2a11ff (api-production:8)", Result: audit.ResultOK},
			"ana rolled api/production back to 7d3e2a1"},
		{audit.Record{User: "li", Action: "approve", Service: "api", Environment: "production", Gate: "hold-production", Result: audit.ResultOK},
			"li approved api hold-production"},
		{audit.Record{User: "li", Action: "approve", Service: "api", Gate: "hold-production", Result: audit.ResultRefused}, ""},
		{audit.Record{User: "li", Action: "rollback", Service: "api", Environment: "production", Result: audit.ResultDryRun}, ""},
		{audit.Record{User: "bo", Action: "abort", Service: "api", Environment: "staging", Result: audit.ResultUnknown},
			"bo aborted the deploy in api/staging (its answer was lost; being read again)"},
	} {
		if got := feedLine(tc.r); got != tc.want {
			t.Errorf("feedLine(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestPermit: a viewer acts on nothing; where an environment names its
// approvers, only they act there; elsewhere every approver does; an
// action tied to no environment only by who approves every restricted
// environment of its service.
func TestPermit(t *testing.T) {
	s := &Server{o: Options{Approvers: map[model.EnvKey][]string{
		{Service: "api", Environment: "production"}:    {"ana", "li"},
		{Service: "web", Environment: "production"}:    {"ana", "li"},
		{Service: "web", Environment: "staging"}:       {"ana", "bo"},
		{Service: "worker", Environment: "production"}: {"ana"},
		{Service: "worker", Environment: "staging"}:    {"li"},
	}}}
	gate := model.Action{Kind: model.ActionApprove, Service: "api", Gate: &model.Gate{Gate: "hold"}}
	otherGate := model.Action{Kind: model.ActionApprove, Service: "cart", Gate: &model.Gate{Gate: "hold"}}
	webGate := model.Action{Kind: model.ActionApprove, Service: "web", Gate: &model.Gate{Gate: "hold"}}
	workerGate := model.Action{Kind: model.ActionApprove, Service: "worker", Gate: &model.Gate{Gate: "hold"}}
	prod := model.Action{Kind: model.ActionRollback, Service: "api", Environment: "production"}
	staging := model.Action{Kind: model.ActionRollback, Service: "api", Environment: "staging"}
	rerun := model.Action{Kind: model.ActionRerun, Service: "api"}
	for _, tc := range []struct {
		m    Member
		a    model.Action
		want string
	}{
		{Member{Name: "li", Role: config.RoleViewer}, staging, "li is a viewer"},
		{Member{Name: "li", Role: config.RoleViewer}, prod, "li is a viewer"},
		{Member{Name: "bo", Role: config.RoleApprover}, prod, "api/production is approved by ana, li only"},
		{Member{Name: "bo", Role: config.RoleApprover}, staging, ""},
		{Member{Name: "bo", Role: config.RoleApprover}, rerun, "this action of api is tied to no environment; only ana, li (approvers of production) may act"},
		{Member{Name: "li", Role: config.RoleApprover}, rerun, ""},
		{Member{Name: "bo", Role: config.RoleApprover}, gate, "gate hold of api is tied to no environment; only ana, li (approvers of production) may act"},
		{Member{Name: "bo", Role: config.RoleApprover}, otherGate, ""},
		{Member{Name: "ana", Role: config.RoleApprover}, prod, ""},
		{Member{Name: "ana", Role: config.RoleApprover}, webGate, ""},
		{Member{Name: "li", Role: config.RoleApprover}, webGate, "gate hold of web is tied to no environment; only ana (approvers of production, staging) may act"},
		{Member{Name: "ana", Role: config.RoleApprover}, workerGate, "gate hold of worker is tied to no environment; nobody may act: no one approves all of production, staging"},
	} {
		err := s.permit(tc.m)(tc.a)
		got := ""
		if err != nil {
			got = err.Error()
			if !model.IsRefusal(err) {
				t.Errorf("%s on %s: %v is not a refusal", tc.m.Name, tc.a.Environment, err)
			}
		}
		if got != tc.want {
			t.Errorf("%s (%s) on %s/%s: %q, want %q", tc.m.Name, tc.m.Role, tc.a.Service, tc.a.Environment, got, tc.want)
		}
	}
}
