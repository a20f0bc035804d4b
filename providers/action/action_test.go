package action

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flightdeck/model"
	"flightdeck/providers"
	"flightdeck/providers/audit"
)

// stub is a provider with every capability. It tests the pipeline's order
// and bookkeeping; provider behaviour is tested against the simulator.
type stub struct {
	live     model.EnvStatus
	readErr  error
	execErr  error
	executed []string
}

func (s *stub) FetchEnv(context.Context, model.EnvKey) (model.EnvStatus, error) {
	return s.live, s.readErr
}
func (s *stub) Rollback(_ context.Context, _ model.EnvKey, to model.Version, dry bool) (providers.Receipt, error) {
	return s.exec("rollback", dry)
}
func (s *stub) Promote(_ context.Context, _ model.EnvKey, _ model.Version, dry bool) (providers.Receipt, error) {
	return s.exec("promote", dry)
}
func (s *stub) Abort(_ context.Context, _ model.EnvKey, dry bool) (providers.Receipt, error) {
	return s.exec("abort", dry)
}
func (s *stub) exec(op string, dry bool) (providers.Receipt, error) {
	rc := providers.Receipt{Calls: []providers.Call{{Operation: "UpdateService"}}}
	if dry {
		return rc, nil
	}
	s.executed = append(s.executed, op)
	if s.execErr != nil {
		return providers.Receipt{}, s.execErr
	}
	rc.RequestIDs = []string{"req-1"}
	return rc, nil
}

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func setup(t *testing.T, readOnly bool) (*Pipeline, *stub, string) {
	t.Helper()
	s := &stub{live: model.EnvStatus{Service: "api", Environment: "production", State: model.StateSteady, FetchedAt: t0,
		Version: model.Version{SHA: "1c0ffee1", Revision: "api-prod:9"}}}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	p := New(Options{ReadOnly: readOnly, Provider: func(model.EnvKey) any { return s }, Audit: audit.Open(path),
		User: "dana", Now: func() time.Time { return t0 }})
	return p, s, path
}

func rollback() model.Action {
	return model.Action{Kind: model.ActionRollback, Service: "api", Environment: "production",
		From: model.Version{SHA: "1c0ffee1", Revision: "api-prod:9"}, To: model.Version{SHA: "7d3e2a11", Revision: "api-prod:8"}}
}

func lines(t *testing.T, path string) []audit.Record {
	t.Helper()
	recs, _, err := audit.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRunExecutesAndAudits(t *testing.T) {
	p, s, path := setup(t, false)
	a := rollback()
	if err := p.Guard(a, s.live); err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), a, false)
	if err != nil || len(s.executed) != 1 || res.Receipt.RequestIDs[0] != "req-1" {
		t.Fatalf("run: %+v %v %v", res, err, s.executed)
	}
	recs := lines(t, path)
	if len(recs) != 1 || recs[0].Result != audit.ResultOK || recs[0].User != "dana" || recs[0].RequestIDs[0] != "req-1" ||
		!strings.HasPrefix(recs[0].To, "7d3e2a11") || recs[0].DryRun {
		t.Errorf("audit: %+v", recs)
	}
}

func TestReadOnlyRefusesAndAudits(t *testing.T) {
	p, s, path := setup(t, true)
	err := p.Guard(rollback(), s.live)
	if !model.IsRefusal(err) || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("guard: %v", err)
	}
	if _, err := p.Run(context.Background(), rollback(), false); !model.IsRefusal(err) {
		t.Fatalf("run must re-guard: %v", err)
	}
	if len(s.executed) != 0 {
		t.Error("read-only executed")
	}
	if recs := lines(t, path); len(recs) != 2 || recs[0].Result != audit.ResultRefused {
		t.Errorf("refusals must be audited: %+v", recs)
	}
}

func TestRecheckRefusesWhenEnvMoved(t *testing.T) {
	p, s, path := setup(t, false)
	a := rollback()
	s.live.Version = model.Version{SHA: "d4e5f6a7", Revision: "api-prod:10"} // someone deployed meanwhile
	_, err := p.Run(context.Background(), a, false)
	if !model.IsRefusal(err) || !strings.Contains(err.Error(), "moved from 1c0ffee to d4e5f6a") {
		t.Fatalf("want moved refusal, got %v", err)
	}
	if len(s.executed) != 0 {
		t.Error("executed despite the move")
	}
	if recs := lines(t, path); len(recs) != 1 || recs[0].Result != audit.ResultRefused {
		t.Errorf("audit: %+v", recs)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	p, s, path := setup(t, false)
	res, err := p.Run(context.Background(), rollback(), true)
	if err != nil || len(s.executed) != 0 || len(res.Receipt.Calls) != 1 {
		t.Fatalf("dry run: %+v %v executed=%v", res, err, s.executed)
	}
	if recs := lines(t, path); len(recs) != 1 || recs[0].Result != audit.ResultDryRun || !recs[0].DryRun {
		t.Errorf("audit: %+v", recs)
	}
}

func TestProviderFailureIsAuditedNotRetried(t *testing.T) {
	p, s, path := setup(t, false)
	s.execErr = errors.New("ServerException: boom")
	_, err := p.Run(context.Background(), rollback(), false)
	if err == nil || model.IsRefusal(err) || !strings.Contains(err.Error(), "rollback of api/production failed") {
		t.Fatalf("want failure, got %v", err)
	}
	if len(s.executed) != 1 {
		t.Errorf("a failed mutating call must not be retried: %v", s.executed)
	}
	if recs := lines(t, path); len(recs) != 1 || recs[0].Result != audit.ResultFailed || !strings.Contains(recs[0].Error, "boom") {
		t.Errorf("audit: %+v", recs)
	}
}

func TestProviderRefusalIsARefusal(t *testing.T) {
	p, s, path := setup(t, false)
	s.execErr = model.Refuse("no deployable revision carries 7d3e2a1")
	_, err := p.Run(context.Background(), rollback(), false)
	if !model.IsRefusal(err) {
		t.Fatalf("want refusal, got %v", err)
	}
	if recs := lines(t, path); recs[0].Result != audit.ResultRefused {
		t.Errorf("audit: %+v", recs)
	}
}

func TestUnreadableEnvironmentIsNotActedOn(t *testing.T) {
	p, s, _ := setup(t, false)
	s.readErr = errors.New("connection refused")
	if _, err := p.Run(context.Background(), rollback(), false); err == nil || len(s.executed) != 0 {
		t.Fatalf("acted blind: %v %v", err, s.executed)
	}
}

func TestAbortRechecksTheDeployInFlight(t *testing.T) {
	p, s, _ := setup(t, false)
	s.live.State = model.StateDeploying
	s.live.Deployment = &model.Deployment{FromSHA: "1c0ffee1", ToSHA: "abcdef12", Running: 1, Desired: 3}
	a := model.Action{Kind: model.ActionAbort, Service: "api", Environment: "production",
		From: model.Version{SHA: "1c0ffee1"}, To: model.Version{SHA: "abcdef12"}}
	if _, err := p.Run(context.Background(), a, false); err != nil {
		t.Fatalf("abort: %v", err)
	}
	s.live.Deployment.ToSHA = "99999999" // a different deploy is in flight now
	if _, err := p.Run(context.Background(), a, false); !model.IsRefusal(err) {
		t.Errorf("abort of a deploy no longer in flight should refuse: %v", err)
	}
}

func TestMissingCapabilityRefuses(t *testing.T) {
	p := New(Options{Provider: func(model.EnvKey) any { return struct{}{} }})
	if err := p.Guard(rollback(), model.EnvStatus{}); !model.IsRefusal(err) || !strings.Contains(err.Error(), "cannot rollback") {
		t.Errorf("got %v", err)
	}
}
