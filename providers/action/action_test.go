package action

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// stub is a provider with every capability. It tests the pipeline's order
// and bookkeeping; provider behaviour is tested against the simulator.
type stub struct {
	mu       sync.Mutex
	slow     time.Duration // how long a call takes
	live     model.EnvStatus
	readErr  error
	execErr  error
	executed []string
	// after, when set, is what the environment shows once a call was
	// made (even one whose answer is lost: execErr).
	after *model.EnvStatus
	// readErrAfter fails every read once a call was made.
	readErrAfter error
}

func (s *stub) Name() string { return "stub" }
func (s *stub) Kind() string { return "aws" }
func (s *stub) Covers() []model.EnvKey {
	return []model.EnvKey{{Service: "api", Environment: "production"}}
}
func (s *stub) Fetch(context.Context) ([]model.EnvStatus, error) { return nil, nil }

func (s *stub) FetchEnv(context.Context, model.EnvKey) (model.EnvStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.executed) > 0 && s.readErrAfter != nil {
		return model.EnvStatus{}, s.readErrAfter
	}
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
	time.Sleep(s.slow)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.executed = append(s.executed, op)
	if s.after != nil {
		s.live = *s.after
	}
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
	reg := providers.NewRegistry()
	reg.AddSource(s)
	p := New(Options{ReadOnly: readOnly, Providers: reg, Audit: audit.Open(path),
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
	res, err := p.Run(context.Background(), a)
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
	if _, err := p.Run(context.Background(), rollback()); !model.IsRefusal(err) {
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
	_, err := p.Run(context.Background(), a)
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
	res, err := dry(p).Run(context.Background(), rollback())
	if err != nil || len(s.executed) != 0 || len(res.Receipt.Calls) != 1 {
		t.Fatalf("dry run: %+v %v executed=%v", res, err, s.executed)
	}
	if recs := lines(t, path); len(recs) != 1 || recs[0].Result != audit.ResultDryRun || !recs[0].DryRun {
		t.Errorf("audit: %+v", recs)
	}
}

func TestProviderFailureIsAuditedNotRetried(t *testing.T) {
	p, s, path := setup(t, false)
	s.execErr = fmt.Errorf("InvalidParameterException: boom: %w", providers.ErrRejected)
	_, err := p.Run(context.Background(), rollback())
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
	_, err := p.Run(context.Background(), rollback())
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
	if _, err := p.Run(context.Background(), rollback()); err == nil || len(s.executed) != 0 {
		t.Fatalf("acted blind: %v %v", err, s.executed)
	}
}

func TestAbortRechecksTheDeployInFlight(t *testing.T) {
	p, s, _ := setup(t, false)
	s.live.State = model.StateDeploying
	s.live.Deployment = &model.Deployment{FromSHA: "1c0ffee1", ToSHA: "abcdef12", Running: 1, Desired: 3}
	a := model.Action{Kind: model.ActionAbort, Service: "api", Environment: "production",
		From: model.Version{SHA: "1c0ffee1"}, To: model.Version{SHA: "abcdef12"}}
	if _, err := p.Run(context.Background(), a); err != nil {
		t.Fatalf("abort: %v", err)
	}
	s.live.Deployment.ToSHA = "99999999" // a different deploy is in flight now
	if _, err := p.Run(context.Background(), a); !model.IsRefusal(err) {
		t.Errorf("abort of a deploy no longer in flight should refuse: %v", err)
	}
}

func TestMissingCapabilityRefuses(t *testing.T) {
	reg := providers.NewRegistry()
	reg.AddSource(bare{})
	p := New(Options{Providers: reg})
	if err := p.Guard(rollback(), model.EnvStatus{}); !model.IsRefusal(err) || !strings.Contains(err.Error(), "cannot rollback") {
		t.Errorf("got %v", err)
	}
}

// dry is p with DryRun set, as --dry-run sets it.
func dry(p *Pipeline) *Pipeline {
	q := *p
	q.o.DryRun = true
	return &q
}

// A call whose answer was lost is never reported failed on a guess: the
// environment is read again, and what it shows decides, in a second
// audit record that points at the first.
func TestLostAnswerIsResolvedByReading(t *testing.T) {
	lost := errors.New("read tcp 127.0.0.1:5000: connection reset by peer")
	cases := []struct {
		name    string
		after   *model.EnvStatus
		readErr error // every read after the call
		outcome string
		want    string
	}{
		{"went through", &model.EnvStatus{State: model.StateDeploying, Version: model.Version{SHA: "7d3e2a11", Revision: "api-prod:8"},
			Deployment: &model.Deployment{ToSHA: "7d3e2a11", Desired: 3}}, nil, audit.ResultOK, "the rollback went through: production rolling to 7d3e2a1"},
		{"did not take", nil, nil, audit.ResultFailed, "the rollback did not take: production still runs 1c0ffee"},
		{"someone else", &model.EnvStatus{State: model.StateSteady, Version: model.Version{SHA: "abcdef12", Revision: "api-prod:10"}}, nil,
			audit.ResultUnknown, "someone else moved it"},
		{"unreadable", nil, errors.New("ECS unreachable"), audit.ResultUnknown, "reading it again failed too"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, s, path := setup(t, false)
			p.pause = 0
			// The re-check reads; the reads after the call fail (readErr).
			s.execErr, s.after, s.readErrAfter = lost, c.after, c.readErr
			res, err := p.Run(context.Background(), rollback())
			if res.Outcome != c.outcome || !strings.Contains(res.Resolved, c.want) {
				t.Errorf("outcome %q resolved %q, want %q with %q", res.Outcome, res.Resolved, c.outcome, c.want)
			}
			switch c.outcome {
			case audit.ResultOK:
				if err != nil {
					t.Errorf("a call that went through is no error: %v", err)
				}
			case audit.ResultUnknown:
				if !IsUnknown(err) {
					t.Errorf("want an unknown outcome, got %v", err)
				}
			default:
				if err == nil || IsUnknown(err) {
					t.Errorf("want a failure, got %v", err)
				}
			}
			if len(s.executed) != 1 {
				t.Errorf("sent %d times; a lost answer is never retried", len(s.executed))
			}
			recs := lines(t, path)
			if len(recs) == 0 || recs[0].Result != audit.ResultUnknown {
				t.Fatalf("the first record must say unknown: %+v", recs)
			}
			if c.outcome == audit.ResultUnknown {
				if len(recs) != 1 {
					t.Errorf("nothing settled, so no second record: %+v", recs)
				}
				return
			}
			if len(recs) != 2 || recs[1].Result != c.outcome || recs[1].Resolves == nil || !recs[1].Resolves.Equal(recs[0].Time) {
				t.Errorf("the second record must settle the first: %+v", recs)
			}
		})
	}
}

// Two rollbacks of one environment started at once from this machine: the
// lock runs them one after the other, and the second's re-check finds the
// environment moved by the first, so exactly one is sent.
func TestConcurrentActionsOnOneEnvironmentSendOne(t *testing.T) {
	for range 20 {
		p, s, _ := setup(t, false)
		p.o.LockDir = t.TempDir()
		s.slow = 20 * time.Millisecond
		s.after = &model.EnvStatus{State: model.StateDeploying, Version: rollback().To}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { _, errs[i] = p.Run(context.Background(), rollback()) })
		}
		wg.Wait()
		if len(s.executed) != 1 {
			t.Fatalf("%d rollbacks sent, want exactly 1 (errors %v)", len(s.executed), errs)
		}
		refused := 0
		for _, err := range errs {
			if model.IsRefusal(err) && strings.Contains(err.Error(), "moved from 1c0ffee to 7d3e2a1") {
				refused++
			}
		}
		if refused != 1 {
			t.Fatalf("want one refused by its re-check, got %v", errs)
		}
	}
}

// bare is a source that can read but do nothing.
type bare struct{}

func (bare) Name() string { return "bare" }
func (bare) Kind() string { return "aws" }
func (bare) Covers() []model.EnvKey {
	return []model.EnvKey{{Service: "api", Environment: "production"}}
}
func (bare) Fetch(context.Context) ([]model.EnvStatus, error) { return nil, nil }
