package commands

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/sim"
)

// These run the headless action commands against the simulated world over
// real HTTP, through the real ECS provider: the same path as production.

type actionWorld struct {
	t     *testing.T
	cfg   string
	audit string
	w     *sim.World
	clk   *fakeclock.Clock
}

func newActionWorld(t *testing.T) *actionWorld {
	cfg, w, clk := simConfig(t)
	aw := &actionWorld{t: t, cfg: cfg, audit: filepath.Join(t.TempDir(), "audit.jsonl"), w: w, clk: clk}
	aw.settle()
	return aw
}

// run runs flightdeck with the world's config and audit log.
func (aw *actionWorld) run(args ...string) (int, string, string) {
	aw.t.Helper()
	return runCmd(aw.t, append([]string{"--config", aw.cfg, "--audit-log", aw.audit}, args...)...)
}

// settle advances the world until nothing rolls (or ten simulated minutes).
func (aw *actionWorld) settle() {
	for range 120 {
		aw.step(5 * time.Second)
	}
}

// until steps the world 15 simulated seconds at a time, for at most ten
// simulated minutes, until ok holds.
func (aw *actionWorld) until(ok func() bool) bool {
	for range 40 {
		if ok() {
			return true
		}
		aw.step(15 * time.Second)
	}
	return ok()
}

func (aw *actionWorld) step(d time.Duration) {
	aw.w.Step(aw.clk.Advance(d))
}

func (aw *actionWorld) history(service, env string) []model.Revision {
	aw.t.Helper()
	code, out, stderr := aw.run("history", service, env, "--json")
	if code != exitOK {
		aw.t.Fatalf("history exit %d: %s", code, stderr)
	}
	var revs []model.Revision
	if err := json.Unmarshal([]byte(out), &revs); err != nil {
		aw.t.Fatalf("history JSON: %v\n%s", err, out)
	}
	return revs
}

// env reads one environment through status --json.
func (aw *actionWorld) env(service, env string) map[string]any {
	aw.t.Helper()
	_, out, _ := aw.run("status", "--json")
	var doc struct {
		Services []struct {
			Name         string           `json:"name"`
			Environments []map[string]any `json:"environments"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		aw.t.Fatalf("status JSON: %v", err)
	}
	for _, s := range doc.Services {
		for _, e := range s.Environments {
			if s.Name == service && e["name"] == env {
				return e
			}
		}
	}
	aw.t.Fatalf("no %s/%s in status", service, env)
	return nil
}

func sha(e map[string]any) string { return e["version"].(map[string]any)["sha"].(string) }

// olderRevision picks a deployable revision of the target that is not
// running (not a CI row: those roll back --via ci).
func (aw *actionWorld) olderRevision(service, env string) model.Revision {
	for _, r := range aw.history(service, env) {
		if r.Available && !r.Current && r.Version.SHA != "" && r.CI == nil {
			return r
		}
	}
	aw.t.Fatalf("%s/%s has no older deployable revision", service, env)
	return model.Revision{}
}

func (aw *actionWorld) auditRecords() []audit.Record {
	recs, _, err := audit.Read(aw.audit)
	if err != nil {
		aw.t.Fatal(err)
	}
	return recs
}

func TestHistoryNewestFirst(t *testing.T) {
	aw := newActionWorld(t)
	revs := aw.history("api", "production")
	if len(revs) < 3 {
		t.Fatalf("want a history to choose from, got %d", len(revs))
	}
	current, gone := 0, 0
	for i, r := range revs {
		if r.Current {
			current++
		}
		if !r.Available {
			gone++
			if r.Why == "" {
				t.Errorf("unavailable revision %s says not why", r.Version.Revision)
			}
		}
		if i > 0 && !revs[i-1].DeployedAt.IsZero() && !r.DeployedAt.IsZero() && r.DeployedAt.After(revs[i-1].DeployedAt) {
			t.Errorf("not newest first at %d: %v after %v", i, r.DeployedAt, revs[i-1].DeployedAt)
		}
	}
	if current != 1 {
		t.Errorf("want exactly one current revision, got %d", current)
	}
	t.Logf("%d revisions, %d deregistered", len(revs), gone)
}

func TestRollbackDryRunSendsNothing(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderRevision("api", "production")
	aw.w.ResetRequests()
	code, out, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--dry-run", "--json")
	if code != exitOK {
		t.Fatalf("dry run exit %d: %s", code, stderr)
	}
	var rep actionReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Result != "dry-run" || len(rep.Calls) == 0 || rep.Calls[0].Operation != "UpdateService" {
		t.Errorf("dry run report: %+v", rep)
	}
	for op, n := range aw.w.Requests() {
		if n > 0 && (strings.Contains(op, "UpdateService") || strings.Contains(op, "Register") || strings.Contains(op, "Stop")) {
			t.Errorf("dry run sent %s ×%d", op, n)
		}
	}
	if recs := aw.auditRecords(); len(recs) != 1 || !recs[0].DryRun {
		t.Errorf("dry run should be audited as such: %+v", recs)
	}
}

func TestRollbackRefusesWithoutYesOffTerminal(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderRevision("api", "production")
	code, _, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA)
	if code != exitRefused || !strings.Contains(stderr, "without --yes") {
		t.Fatalf("want exit 3 without --yes, got %d: %s", code, stderr)
	}
	if recs := aw.auditRecords(); len(recs) != 1 || recs[0].Result != audit.ResultRefused {
		t.Errorf("refusal should be audited: %+v", recs)
	}
}

func TestRollbackCarriesOut(t *testing.T) {
	aw := newActionWorld(t)
	before := sha(aw.env("api", "production"))
	to := aw.olderRevision("api", "production")
	code, out, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--yes")
	if code != exitOK {
		t.Fatalf("rollback exit %d: %s\n%s", code, stderr, out)
	}
	if !strings.Contains(out, "rollback sent: production: "+model.ShortSHA(before)+" → "+to.Version.Short()) {
		t.Errorf("output: %s", out)
	}
	recs := aw.auditRecords()
	if len(recs) != 1 || recs[0].Result != audit.ResultOK || len(recs[0].RequestIDs) == 0 {
		t.Errorf("audit: %+v", recs)
	}
	aw.step(time.Second)
	if e := aw.env("api", "production"); e["state"] != "deploying" {
		t.Errorf("the rollback should be rolling: %v", e["state"])
	}
	// The demo world keeps shipping, so a later pipeline may deploy over
	// the rollback; what counts is that it lands.
	if !aw.until(func() bool {
		e := aw.env("api", "production")
		return model.SameCommit(sha(e), to.Version.SHA) && e["state"] == "steady"
	}) {
		e := aw.env("api", "production")
		t.Errorf("production should come to run %s steady, got %s %v", to.Version.Short(), sha(e), e["state"])
	}
}

func TestRollbackBadInput(t *testing.T) {
	aw := newActionWorld(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"rollback", "nope", "production", "--to", "abcdef1", "--yes"}, exitUsage, "services: api"},
		{[]string{"rollback", "api", "qa", "--to", "abcdef1", "--yes"}, exitUsage, "environments:"},
		{[]string{"rollback", "api", "production", "--to", "deadbeefdeadbeef", "--yes"}, exitUsage, "deployable versions"},
		{[]string{"rollback", "api", "production", "--to", "xyz", "--yes"}, exitUsage, "neither a commit SHA"},
		{[]string{"rollback", "api", "production", "--yes"}, exitUsage, "exactly one of --to SHA or --abort"},
		{[]string{"rollback", "api", "production", "--abort", "--yes"}, exitRefused, "no deploy in flight"},
		{[]string{"--read-only", "rollback", "api", "production", "--to", "abcdef1", "--yes"}, exitUsage, "never ran"},
	} {
		code, _, stderr := aw.run(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
	to := aw.olderRevision("api", "production")
	code, _, stderr := aw.run("--read-only", "rollback", "api", "production", "--to", to.Version.SHA, "--yes")
	if code != exitRefused || !strings.Contains(stderr, "read-only") {
		t.Errorf("read-only: exit %d: %s", code, stderr)
	}
}

func TestRollbackToDeregisteredRefuses(t *testing.T) {
	aw := newActionWorld(t)
	for _, svc := range []string{"api", "web", "worker", "payments"} {
		for _, r := range aw.history(svc, "production") {
			if r.Available || r.Version.SHA == "" {
				continue
			}
			live := false
			for _, o := range aw.history(svc, "production") {
				if o.Available && model.SameCommit(o.Version.SHA, r.Version.SHA) {
					live = true
				}
			}
			if live {
				continue
			}
			code, _, stderr := aw.run("rollback", svc, "production", "--to", r.Version.SHA, "--yes")
			if code != exitRefused || !strings.Contains(stderr, "no deployable revision") {
				t.Fatalf("deregistered %s: exit %d: %s", r.Version.Short(), code, stderr)
			}
			return
		}
	}
	t.Fatal("the demo world should hold a deregistered revision to test with")
}

func TestPromoteCarriesOut(t *testing.T) {
	aw := newActionWorld(t)
	if !aw.until(func() bool {
		return aw.env("web", "production")["state"] == "steady" && aw.env("web", "staging")["state"] == "steady"
	}) {
		t.Fatal("web never came to rest")
	}
	staging := sha(aw.env("web", "staging"))
	if model.SameCommit(staging, sha(aw.env("web", "production"))) {
		t.Fatal("seed 7 should leave web's staging ahead of production; pick a seed that does")
	}
	code, out, stderr := aw.run("promote", "web", "--from", "staging", "--to", "production", "--yes")
	if code != exitOK {
		t.Fatalf("promote exit %d: %s\n%s", code, stderr, out)
	}
	// A deploy in flight: promote refuses rather than stack another on it.
	code, _, stderr = aw.run("promote", "web", "--from", "staging", "--to", "production", "--yes")
	if code != exitRefused || !strings.Contains(stderr, "already deploying") {
		t.Errorf("promote during the deploy should refuse: %d %s", code, stderr)
	}
	if !aw.until(func() bool {
		e := aw.env("web", "production")
		return model.SameCommit(sha(e), staging) && e["state"] == "steady"
	}) {
		got := sha(aw.env("web", "production"))
		t.Errorf("production should run staging's %s, runs %s", model.ShortSHA(staging), model.ShortSHA(got))
	}
	// Nothing to promote once both run the same image (unless the live
	// world shipped staging on meanwhile).
	if model.SameCommit(sha(aw.env("web", "staging")), staging) {
		code, _, stderr = aw.run("promote", "web", "--from", "staging", "--to", "production", "--yes")
		if code != exitRefused || !strings.Contains(stderr, "already runs") {
			t.Errorf("promoting again should refuse: %d %s", code, stderr)
		}
	}
}

// The headless commands say what a change reverts before they ask, and a
// promotion from an environment still deploying is refused with why.
func TestRollbackSaysWhatItRevertsAndPromoteWaitsForTheSource(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderRevision("api", "staging")
	code, out, stderr := aw.run("rollback", "api", "staging", "--to", to.Version.SHA, "--dry-run")
	if code != exitOK || !regexp.MustCompile(`will revert \d+ commits?: "`).MatchString(stderr) || !strings.Contains(out, "nothing was sent") {
		t.Errorf("a dry-run rollback should say what it reverts: %d\n%s\n%s", code, stderr, out)
	}
	if code, _, stderr := aw.run("rollback", "api", "staging", "--to", to.Version.SHA, "--yes"); code != exitOK {
		t.Fatalf("rollback: %d %s", code, stderr)
	}
	aw.step(time.Second)
	code, _, stderr = aw.run("promote", "api", "--from", "staging", "--to", "production", "--yes")
	if code != exitRefused || !strings.Contains(stderr, "staging has not settled (") {
		t.Errorf("promote from a deploying staging should refuse, saying why: %d %s", code, stderr)
	}
}

func TestAbortRollsBack(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderRevision("api", "production")
	if code, _, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--yes"); code != exitOK {
		t.Fatalf("start a deploy: %d %s", code, stderr)
	}
	aw.step(time.Second)
	code, out, stderr := aw.run("rollback", "api", "production", "--abort", "--yes")
	if code != exitOK {
		t.Fatalf("abort exit %d: %s\n%s", code, stderr, out)
	}
	aw.settle()
	if e := aw.env("api", "production"); model.SameCommit(sha(e), to.Version.SHA) {
		t.Errorf("the aborted deploy should not be running: %v", e)
	}
}

// TestRollbackSupersedesADeployInFlight: unlike promote, a rollback is the
// way out of a bad deploy, so it goes ahead while one rolls.
func TestRollbackSupersedesADeployInFlight(t *testing.T) {
	aw := newActionWorld(t)
	before := aw.env("api", "production")
	to := aw.olderRevision("api", "production")
	if code, _, stderr := aw.run("rollback", "api", "production", "--to", to.Version.SHA, "--yes"); code != exitOK {
		t.Fatalf("start a deploy: %d %s", code, stderr)
	}
	aw.step(time.Second)
	if e := aw.env("api", "production"); e["state"] != "deploying" {
		t.Fatalf("the first rollback should be rolling: %v", e["state"])
	}
	code, out, stderr := aw.run("rollback", "api", "production", "--to", sha(before), "--yes")
	if code != exitOK {
		t.Fatalf("rollback over a deploy in flight: exit %d: %s\n%s", code, stderr, out)
	}
	if !aw.until(func() bool {
		e := aw.env("api", "production")
		return model.SameCommit(sha(e), sha(before)) && e["state"] == "steady"
	}) {
		t.Errorf("production should settle back on %s: %v", model.ShortSHA(sha(before)), aw.env("api", "production"))
	}
}

// switch goes through the planner like every action: an unknown name is a
// usage error naming what exists, and an ECS service (no blue/green pair
// of CNAMEs) is refused with why, exit 3, audited.
func TestSwitchRefusedWhereNoPair(t *testing.T) {
	aw := newActionWorld(t)
	if code, _, stderr := aw.run("switch", "api", "qa", "--yes"); code != exitUsage || !strings.Contains(stderr, "environments:") {
		t.Errorf("unknown environment: %d %s", code, stderr)
	}
	code, _, stderr := aw.run("switch", "api", "production", "--yes")
	if code != exitRefused || !strings.Contains(stderr, "its provider cannot switch") {
		t.Errorf("an ECS service: %d %s", code, stderr)
	}
	recs, _, err := audit.Read(aw.audit)
	if err != nil || len(recs) != 2 || recs[1].Action != "switch" || recs[1].Result != audit.ResultRefused {
		t.Errorf("audit: %+v %v", recs, err)
	}
}
