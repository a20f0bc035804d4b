package action

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// ciStub is a CI provider with every capability.
type ciStub struct {
	gateErr  error // what CheckGate says
	executed []string
}

func (c *ciStub) Name() string                                    { return "ci stub" }
func (c *ciStub) Kind() string                                    { return "ci" }
func (c *ciStub) Services() []string                              { return []string{"api"} }
func (c *ciStub) Fetch(context.Context) ([]model.CIStatus, error) { return nil, nil }
func (c *ciStub) CheckGate(context.Context, model.Gate) error     { return c.gateErr }
func (c *ciStub) Approve(_ context.Context, g model.Gate, dry bool) (providers.Receipt, error) {
	return c.exec("approve "+g.ID, dry)
}
func (c *ciStub) Reject(_ context.Context, g model.Gate, dry bool) (providers.Receipt, error) {
	return c.exec("reject "+g.ID, dry)
}
func (c *ciStub) RerunFailed(_ context.Context, _, wf string, dry bool) (providers.Receipt, error) {
	return c.exec("rerun "+wf, dry)
}
func (c *ciStub) CancelWorkflow(_ context.Context, _, wf string, dry bool) (providers.Receipt, error) {
	return c.exec("cancel "+wf, dry)
}
func (c *ciStub) exec(op string, dry bool) (providers.Receipt, error) {
	rc := providers.Receipt{Calls: []providers.Call{{Operation: strings.Fields(op)[0]}}}
	if !dry {
		c.executed = append(c.executed, op)
		rc.RequestIDs = []string{"ci-req"}
	}
	return rc, nil
}

func ciSetup(t *testing.T, readOnly bool) (*Pipeline, *ciStub, string) {
	t.Helper()
	c := &ciStub{}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	reg := providers.NewRegistry()
	reg.AddCI(c)
	p := New(Options{ReadOnly: readOnly, Providers: reg, Audit: audit.Open(path),
		User: "dana", Now: func() time.Time { return t0 }})
	return p, c, path
}

func approve() model.Action {
	g := model.Gate{Service: "api", Provider: "circleci", Gate: "hold-production", ID: "wf-1/req-1", SHA: "7d3e2a11"}
	return model.Action{Kind: model.ActionApprove, Service: "api", Environment: "production", Gate: &g, To: model.Version{SHA: g.SHA}}
}

func TestApproveRechecksExecutesAndAudits(t *testing.T) {
	p, c, path := ciSetup(t, false)
	a := approve()
	if err := p.Guard(a, model.EnvStatus{}); err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.executed) != 1 || c.executed[0] != "approve wf-1/req-1" || len(res.Receipt.RequestIDs) != 1 {
		t.Errorf("executed %v, receipt %+v", c.executed, res.Receipt)
	}
	recs := lines(t, path)
	if len(recs) != 1 || recs[0].Action != "approve" || recs[0].Gate != "hold-production" || recs[0].Result != audit.ResultOK ||
		recs[0].To != "7d3e2a11" || recs[0].RequestIDs[0] != "ci-req" {
		t.Errorf("audit: %+v", recs)
	}
}

func TestApproveRefusesAGateAnsweredElsewhere(t *testing.T) {
	p, c, path := ciSetup(t, false)
	c.gateErr = model.Refuse("api hold-production was already approved by jane")
	_, err := p.Run(context.Background(), approve())
	if !model.IsRefusal(err) || !strings.Contains(err.Error(), "already approved by jane") {
		t.Fatalf("want the re-check's refusal, got %v", err)
	}
	if len(c.executed) != 0 {
		t.Errorf("nothing should be sent: %v", c.executed)
	}
	if recs := lines(t, path); len(recs) != 1 || recs[0].Result != audit.ResultRefused {
		t.Errorf("audit: %+v", recs)
	}
}

func TestCIActionGuards(t *testing.T) {
	failed := model.Workflow{ID: "wf-1", Name: "build-deploy", Status: model.RunFailed}
	running := model.Workflow{ID: "wf-2", Name: "build-deploy", Status: model.RunRunning}
	for _, tc := range []struct {
		name     string
		readOnly bool
		a        model.Action
		want     string // "" = allowed
	}{
		{"read-only", true, approve(), "read-only"},
		{"no gate", false, model.Action{Kind: model.ActionApprove, Service: "api"}, "no gate"},
		{"rerun failed", false, model.Action{Kind: model.ActionRerun, Service: "api", Workflow: &failed}, ""},
		{"rerun running", false, model.Action{Kind: model.ActionRerun, Service: "api", Workflow: &running}, "still running"},
		{"cancel running", false, model.Action{Kind: model.ActionCancel, Service: "api", Workflow: &running}, ""},
		{"cancel finished", false, model.Action{Kind: model.ActionCancel, Service: "api", Workflow: &failed}, "not running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, _ := ciSetup(t, tc.readOnly)
			err := p.Guard(tc.a, model.EnvStatus{})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !model.IsRefusal(err) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("want a refusal with %q, got %v", tc.want, err)
			}
		})
	}
}

func TestCIActionWithoutCIProviderRefuses(t *testing.T) {
	p, _, _ := setup(t, false) // no CIProvider
	if err := p.Guard(approve(), model.EnvStatus{}); !model.IsRefusal(err) || !strings.Contains(err.Error(), "no CI provider") {
		t.Errorf("got %v", err)
	}
}

func TestRerunAndCancelAudited(t *testing.T) {
	p, c, path := ciSetup(t, false)
	wf := model.Workflow{ID: "wf-9", Name: "build-deploy", Status: model.RunFailed}
	if _, err := p.Run(context.Background(), model.Action{Kind: model.ActionRerun, Service: "api", Workflow: &wf}); err != nil {
		t.Fatal(err)
	}
	if _, err := dry(p).Run(context.Background(), model.Action{Kind: model.ActionRerun, Service: "api", Workflow: &wf}); err != nil {
		t.Fatal(err)
	}
	if len(c.executed) != 1 || c.executed[0] != "rerun wf-9" {
		t.Errorf("one rerun should be sent (the dry run sends nothing): %v", c.executed)
	}
	recs := lines(t, path)
	if len(recs) != 2 || recs[0].Workflow != "build-deploy" || recs[1].Result != audit.ResultDryRun {
		t.Errorf("audit: %+v", recs)
	}
}
