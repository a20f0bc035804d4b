package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"
)

// deployingCI is the fake CI source that can also list older pipelines'
// deploy jobs and re-run one (a rollback through CI).
type deployingCI struct {
	*fakeCI
	dmu    sync.Mutex
	reruns []model.CIDeploy
	fail   error // DeployHistory's answer, when set
}

func (d *deployingCI) DeployHistory(_ context.Context, service, env string) ([]model.Revision, error) {
	if d.fail != nil {
		return nil, d.fail
	}
	job := func(n int64, id string) *model.CIDeploy {
		return &model.CIDeploy{Provider: "circleci", Pipeline: n, PipelineID: "p" + id, WorkflowID: "w" + id, Workflow: "build-test-deploy", JobID: "j" + id, Job: "deploy-" + env}
	}
	held := job(305, "305")
	held.Next = "will wait at hold-production"
	return []model.Revision{
		{Version: model.Version{SHA: sha('a')}, DeployedAt: t0.Add(-50 * time.Hour), Current: true, Available: true, CI: job(306, "306")},
		{Version: model.Version{SHA: sha('8')}, DeployedAt: t0.Add(-79 * time.Hour), RanFor: 29 * time.Hour, Available: true, CI: held},
		{Version: model.Version{SHA: sha('7')}, DeployedAt: t0.Add(-89 * time.Hour), RanFor: 10 * time.Hour, Available: false, Why: "workflow is 31 days old", CI: job(301, "301")},
	}, nil
}

func (d *deployingCI) RerunDeploy(_ context.Context, _ string, dep model.CIDeploy, dryRun bool) (providers.Receipt, error) {
	d.dmu.Lock()
	defer d.dmu.Unlock()
	if !dryRun {
		d.reruns = append(d.reruns, dep)
	}
	return providers.Receipt{Calls: []providers.Call{{Operation: "rerunWorkflow"}}, RequestIDs: []string{"req-ci"}}, nil
}

func newDeployingHarness(t *testing.T, rollbackCI bool) (*actionHarness, *deployingCI) {
	t.Helper()
	specs, fs := world()
	for i := range specs {
		for j := range specs[i].Environments {
			if specs[i].Name == "api" && specs[i].Environments[j].Name == "production" {
				specs[i].Environments[j].RollbackCI = rollbackCI
			}
		}
	}
	src := &actingSource{fakeSource: fs}
	ci := &deployingCI{fakeCI: &fakeCI{}}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	reg := registry([]providers.DeploySource{src}, ci)
	p := action.New(action.Options{Providers: reg, Audit: audit.Open(path), User: "tester", Now: func() time.Time { return t0 },
		Protected: action.ProtectedIn(specs)})
	m := New(Options{Title: "test", Services: specs, Providers: reg, Refresh: 10 * time.Second,
		Now: func() time.Time { return t0 }, Renderer: asciiRenderer(), Actions: p, AuditPath: path, Context: context.Background()})
	m = update(t, m, tea.WindowSizeMsg{Width: 140, Height: 30})
	h := &ciHarness{ci: ci.fakeCI, actionHarness: actionHarness{m: m, src: src, audit: path}}
	h.poll(t)
	return &h.actionHarness, ci
}

// The picker lists the older pipelines' deploy jobs beside the target's
// revisions, each saying how the rollback is done; choosing one re-runs
// that job through the planner, after the protected name is typed.
func TestPickerRollsBackThroughCI(t *testing.T) {
	h, ci := newDeployingHarness(t, true)
	h.press(t, "l", "r") // api · production
	out := view(h.m)
	for _, want := range []string{"point the service at api:41", "re-run deploy-production of pipeline #305", "will wait at hold-production",
		"workflow is 31 days old", "ARTIFACT"} {
		if !strings.Contains(out, want) {
			t.Errorf("picker should show %q:\n%s", want, out)
		}
	}
	// production rolls back through CI (rollback: ci), so the cursor
	// starts on the newest pipeline row one can choose: pipeline #306
	// deployed what runs now, so #305 it is.
	h.press(t, "enter")
	out = view(h.m)
	flat := strings.Join(strings.Fields(strings.NewReplacer("│", " ").Replace(out)), " ")
	if !strings.Contains(flat, "re-run deploy-production of pipeline #305") || !strings.Contains(flat, "the re-run will wait at hold-production before it deploys") ||
		!strings.Contains(flat, "production is protected") {
		t.Fatalf("the modal should name the job and ask for the name:\n%s", out)
	}
	for _, r := range "production" {
		h.press(t, string(r))
	}
	h.press(t, "enter")
	if len(ci.reruns) != 1 || ci.reruns[0].Pipeline != 305 || ci.reruns[0].JobID != "j305" {
		t.Fatalf("confirming should re-run pipeline #305's deploy job once: %+v", ci.reruns)
	}
	if len(h.src.rollbacks) != 0 {
		t.Errorf("nothing else may be tried: the target was rolled back too: %+v", h.src.rollbacks)
	}
	recs, _, err := audit.Read(h.audit)
	if err != nil || len(recs) != 1 || recs[0].Action != "rollback_ci" || recs[0].Result != audit.ResultOK {
		t.Errorf("audit: %+v %v", recs, err)
	}
}

// Without rollback: ci the cursor starts on the target's own revision,
// the pipeline rows beside it; choosing one rolls the target back.
func TestPickerPrefersTheTargetByDefault(t *testing.T) {
	h, ci := newDeployingHarness(t, false)
	h.press(t, "l", "r", "enter")
	for _, r := range "production" {
		h.press(t, string(r))
	}
	h.press(t, "enter")
	if len(h.src.rollbacks) != 1 || h.src.rollbacks[0].Revision != "api:41" || len(ci.reruns) != 0 {
		t.Fatalf("want the target rolled back to api:41 and no re-run: %+v %+v", h.src.rollbacks, ci.reruns)
	}
}

// CI that cannot be read does not keep the target's revisions from the
// picker: they are offered, and the picker says why no pipeline is.
func TestPickerShowsTheTargetWhenCIFails(t *testing.T) {
	h, ci := newDeployingHarness(t, true)
	ci.fail = fmt.Errorf("CircleCI: pipelines of gh/acme/api: %w", providers.ErrThrottled)
	h.press(t, "l", "r")
	out := view(h.m)
	if !strings.Contains(out, "✓ api:41") || strings.Contains(out, "re-run deploy-production") ||
		!strings.Contains(out, "older pipelines could not be read from CI: CircleCI: pipelines of gh/acme/api: throttled") {
		t.Fatalf("the picker should offer the target and say why not CI:\n%s", out)
	}
}
