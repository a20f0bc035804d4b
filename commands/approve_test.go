package commands

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/specs"
)

// These run approve and reject against the simulated world's CircleCI
// over real HTTP, through the real CircleCI source and the action pipeline.

const (
	opApprove = "circleci:approvePendingApprovalJobById"
	opCancel  = "circleci:cancelWorkflow"
)

// gates reads a service's waiting gates, oldest first, through status --json.
func (aw *actionWorld) gates(service string) []model.Gate {
	aw.t.Helper()
	_, out, _ := aw.run("status", "--json")
	var doc struct {
		Approvals []model.Gate `json:"approvals"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		aw.t.Fatalf("status JSON: %v", err)
	}
	var gs []model.Gate
	for _, g := range doc.Approvals {
		if g.Service == service {
			gs = append(gs, g)
		}
	}
	return gs
}

// waitingGate steps the world until a gate of the service waits, and
// returns the oldest.
func (aw *actionWorld) waitingGate(service string) model.Gate {
	aw.t.Helper()
	var g model.Gate
	if !aw.until(func() bool {
		gs := aw.gates(service)
		if len(gs) > 0 {
			g = gs[0]
		}
		return len(gs) > 0
	}) {
		aw.t.Fatalf("no gate of %s waited within ten simulated minutes", service)
	}
	// CircleCI's gates are its hold jobs; GitHub's are the environments
	// whose deployments wait for review.
	want := map[string]string{"circleci": "hold-production", "github": "production"}[g.Provider]
	if g.Gate != want || g.WorkflowID == "" || g.SHA == "" {
		aw.t.Fatalf("the demo's gates are hold-production (CircleCI) or production (GitHub), with a workflow and a commit: %+v", g)
	}
	return g
}

// expectProduction steps the world until the service's production runs
// the commit, steady, and fails the test if it does not within ten
// simulated minutes.
func (aw *actionWorld) expectProduction(service, want string) {
	aw.t.Helper()
	if !aw.until(func() bool {
		e := aw.env(service, "production")
		return model.SameCommit(sha(e), want) && e["state"] == "steady"
	}) {
		e := aw.env(service, "production")
		aw.t.Errorf("%s production should come to run %s steady, got %s %v", service, model.ShortSHA(want), model.ShortSHA(sha(e)), e["state"])
	}
}

// simJob finds a job of a workflow in the sim's own books.
func (aw *actionWorld) simJob(service, workflowID, name string) (sim.Workflow, sim.Job) {
	aw.t.Helper()
	for _, p := range aw.w.Pipelines(service) {
		for _, wf := range p.Workflows {
			if wf.ID != workflowID {
				continue
			}
			for _, j := range wf.Jobs {
				if j.Name == name {
					return *wf, *j
				}
			}
		}
	}
	aw.t.Fatalf("the sim has no job %s in workflow %s of %s", name, workflowID, service)
	return sim.Workflow{}, sim.Job{}
}

// dropCI rewrites the config without the service's ci: block, if it has one.
func (aw *actionWorld) dropCI(service string) {
	aw.t.Helper()
	raw, err := os.ReadFile(aw.cfg)
	if err != nil {
		aw.t.Fatal(err)
	}
	var out []string
	current, skipping := "", false
	for _, l := range strings.Split(string(raw), "\n") {
		if name, ok := strings.CutPrefix(l, "  - name: "); ok {
			current = name
		}
		switch {
		case current == service && l == "    ci:":
			skipping = true
			continue
		case skipping && strings.HasPrefix(l, "      "):
			continue
		}
		skipping = false
		out = append(out, l)
	}
	if err := os.WriteFile(aw.cfg, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		aw.t.Fatal(err)
	}
}

func requestID(gateID string) string {
	_, req, _ := strings.Cut(gateID, "/")
	return req
}

func TestApproveCarriesOut(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("api")
	// Every CircleCI request approve sends, and every answer, is held to
	// the published spec; violations are reported when the test ends.
	checked := specs.Check(t, aw.w)
	aw.w.ResetRequests()
	code, out, stderr := aw.run("approve", "api", "--yes", "--wait")
	if code != exitOK {
		t.Fatalf("approve exit %d: %s\n%s", code, stderr, out)
	}
	if req, resp := checked.Checked(sim.SvcCircleCI); req < 3 || resp < 3 {
		t.Errorf("the spec checker saw %d request(s) and %d answer(s); want the poll, the re-check and the approval", req, resp)
	}
	for _, want := range []string{
		"approve sent: api hold-production (" + model.ShortSHA(g.SHA) + " → production)",
		"approved hold-production",
		"request ids: ",
		"api hold-production passed: workflow build-test-deploy is running (deploy-production)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := aw.w.Requests()[opApprove]; n != 1 {
		t.Errorf("want one approve request, got %d", n)
	}
	wf, hold := aw.simJob("api", g.WorkflowID, "hold-production")
	if hold.Status != sim.RunSuccess || hold.ApprovedBy == nil || hold.ApprovedBy.Login != "arivera" {
		t.Errorf("the gate should be approved by the token's owner: %s %+v", hold.Status, hold.ApprovedBy)
	}
	if wf.Status != sim.RunRunning {
		t.Errorf("the workflow should have moved on: %s", wf.Status)
	}
	recs := aw.auditRecords()
	if len(recs) != 1 {
		t.Fatalf("want one audit record, got %+v", recs)
	}
	if r := recs[0]; r.Action != "approve" || r.Result != audit.ResultOK || r.Gate != "hold-production" ||
		r.Environment != "production" || !model.SameCommit(r.To, g.SHA) || len(r.RequestIDs) != 1 {
		t.Errorf("audit record: %+v", r)
	}
	// The approved commit goes on to production. The demo world keeps
	// shipping, so a later commit may follow; what counts is that it lands.
	aw.expectProduction("api", g.SHA)
}

func TestApproveDryRunSendsNothing(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("api")
	aw.w.ResetRequests()
	code, out, stderr := aw.run("approve", "api", "hold-production", "--dry-run", "--json")
	if code != exitOK {
		t.Fatalf("dry run exit %d: %s", code, stderr)
	}
	var rep actionReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Result != audit.ResultDryRun || rep.Action != "approve" || rep.Environment != "production" || !model.SameCommit(rep.To.SHA, g.SHA) {
		t.Errorf("dry run report: %+v", rep)
	}
	if rep.Gate == nil || rep.Gate.ID != g.ID {
		t.Errorf("the report should name the gate %s: %+v", g.ID, rep.Gate)
	}
	if len(rep.Calls) != 1 || rep.Calls[0].Operation != "approvePendingApprovalJobById" ||
		rep.Calls[0].Params["approval_request_id"] != requestID(g.ID) || rep.Calls[0].Params["workflow_id"] != g.WorkflowID {
		t.Errorf("would send: %+v", rep.Calls)
	}
	if n := aw.w.Requests()[opApprove]; n != 0 {
		t.Errorf("a dry run sent %d approve request(s)", n)
	}
	if gs := aw.gates("api"); len(gs) != 1 || gs[0].ID != g.ID {
		t.Errorf("the gate should still wait: %+v", gs)
	}
	if recs := aw.auditRecords(); len(recs) != 1 || !recs[0].DryRun || recs[0].Result != audit.ResultDryRun {
		t.Errorf("the dry run should be audited as such: %+v", recs)
	}

	// The text form says what would be sent, and that nothing was.
	code, out, _ = aw.run("approve", "api", "--dry-run")
	for _, want := range []string{"dry run: approve api hold-production (" + model.ShortSHA(g.SHA) + " → production)",
		"approvePendingApprovalJobById approval_request_id=" + requestID(g.ID), "nothing was sent."} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("dry run text (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
}

func TestApproveRefusesWithoutYesOffTerminal(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("payments")
	aw.w.ResetRequests()
	code, _, stderr := aw.run("approve", "payments")
	if code != exitRefused || !strings.Contains(stderr, "refusing to approve payments hold-production without --yes: stdin is not a terminal") {
		t.Fatalf("want exit 3 without --yes, got %d: %s", code, stderr)
	}
	if recs := aw.auditRecords(); len(recs) != 1 || recs[0].Result != audit.ResultRefused || recs[0].Gate != "hold-production" {
		t.Errorf("the refusal should be audited: %+v", recs)
	}
	if n := aw.w.Requests()[opApprove]; n != 0 {
		t.Errorf("sent %d approve request(s) without confirmation", n)
	}
	if gs := aw.gates("payments"); len(gs) != 1 || gs[0].ID != g.ID {
		t.Errorf("the gate should still wait: %+v", gs)
	}
}

// TestApproveAlreadyApproved: a gate answered between the look and the
// act is refused by the re-check, which says by whom.
func TestApproveAlreadyApproved(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("api")
	code, out, stderr := aw.run("approve", "api", g.ID, "--yes", "--json")
	if code != exitOK {
		t.Fatalf("approve exit %d: %s\n%s", code, stderr, out)
	}
	var rep actionReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Result != audit.ResultOK || len(rep.RequestIDs) != 1 || rep.Gate == nil || rep.Gate.ID != g.ID {
		t.Errorf("report: %+v", rep)
	}
	// The same gate again, by its id: already approved, by us.
	aw.w.ResetRequests()
	code, _, stderr = aw.run("approve", "api", g.ID, "--yes")
	if code != exitRefused || !strings.Contains(stderr, "hold-production of api was already approved by you (arivera)") {
		t.Errorf("approving twice: exit %d: %s", code, stderr)
	}
	if n := aw.w.Requests()[opApprove]; n != 0 {
		t.Errorf("the second approve sent %d request(s)", n)
	}
	recs := aw.auditRecords()
	if len(recs) != 2 || recs[1].Result != audit.ResultRefused || !strings.Contains(recs[1].Error, "already approved") {
		t.Errorf("the refusal should be audited: %+v", recs)
	}

	// A colleague approves payments' gate in CircleCI meanwhile.
	pg := aw.waitingGate("payments")
	if _, err := aw.w.ApproveRequest(pg.WorkflowID, requestID(pg.ID), sim.Person{Name: "Mei Chen", Login: "meichen"}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = aw.run("reject", "payments", pg.ID, "--yes")
	if code != exitRefused || !strings.Contains(stderr, "hold-production of payments was already approved by user ") {
		t.Errorf("rejecting a gate approved elsewhere: exit %d: %s", code, stderr)
	}
	if n := aw.w.Requests()[opCancel]; n != 0 {
		t.Errorf("the refused reject sent %d cancel request(s)", n)
	}
}

func TestApproveBadInput(t *testing.T) {
	aw := newActionWorld(t)
	aw.dropCI("worker")
	g := aw.waitingGate("api")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"approve", "nope", "--yes"}, exitUsage, `no service "nope"; services: api, web, worker, payments, shop, checkout, orders, search, basket (with CI: api, `},
		{[]string{"approve", "worker", "--yes"}, exitUsage, "worker has no CI configured (no ci: in " + aw.cfg + ")"},
		{[]string{"reject", "worker", "--yes"}, exitUsage, "worker has no CI configured"},
		{[]string{"approve"}, exitUsage, "approve takes 1 to 2 arguments, got 0"},
		{[]string{"reject", "api", "hold-production", "extra"}, exitUsage, "reject takes 1 to 2 arguments, got 3"},
		{[]string{"approve", "api", "hold-staging", "--yes"}, exitUsage,
			`api has no gate or environment "hold-staging"; waiting: hold-production (` + model.ShortSHA(g.SHA) + "); gates in its pipelines: hold-production; environments: dev, staging, production"},
		{[]string{"approve", "api", "staging", "--yes"}, exitRefused,
			`nothing waits to reach staging in api; waiting: hold-production (` + model.ShortSHA(g.SHA) + ")"},
		{[]string{"--read-only", "approve", "api", "--yes"}, exitRefused, "read-only mode: approve is disabled"},
		{[]string{"--read-only", "reject", "api", "--yes"}, exitRefused, "read-only mode: reject is disabled"},
	} {
		code, _, stderr := aw.run(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
	if n := aw.w.Requests()[opApprove] + aw.w.Requests()[opCancel]; n != 0 {
		t.Errorf("refusals sent %d request(s)", n)
	}
	// Every attempt that reached a config is audited, with its reason:
	// the three bad names, the unknown gate, the environment nothing waits
	// for, and the two read-only refusals
	// (the argument-count mistakes never got that far).
	recs := aw.auditRecords()
	wantResults := []string{audit.ResultFailed, audit.ResultFailed, audit.ResultFailed, audit.ResultFailed, audit.ResultRefused, audit.ResultRefused, audit.ResultRefused}
	if len(recs) != len(wantResults) {
		t.Fatalf("audit: %+v", recs)
	}
	for i, r := range recs {
		if r.Result != wantResults[i] || r.Error == "" {
			t.Errorf("audit record %d: %+v, want %s with its reason", i, r, wantResults[i])
		}
	}
	// Once the gate is approved, nothing waits (until the world moves on).
	if code, _, stderr := aw.run("approve", "api", "--yes"); code != exitOK {
		t.Fatalf("approve exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{{"approve", "api", "--yes"}, {"reject", "api", "--yes"}, {"approve", "api", "hold-production", "--yes"}} {
		code, _, stderr := aw.run(args...)
		if code != exitRefused || !strings.Contains(stderr, "nothing is waiting for approval in api") {
			t.Errorf("%v with nothing waiting: exit %d: %s", args, code, stderr)
		}
	}
}

// TestApproveAmbiguousGate: with two gates waiting, approve will not
// guess; it lists them, and takes the one named by id.
func TestApproveAmbiguousGate(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("api")
	if code, _, stderr := aw.run("reject", "api", "--yes"); code != exitOK {
		t.Fatalf("reject exit %d: %s", code, stderr)
	}
	// Rerun the held job of the canceled workflow twice: two workflows of
	// one pipeline wait at hold-production.
	for range 2 {
		if _, err := aw.w.RerunWorkflow(g.WorkflowID, sim.RerunOptions{Jobs: []string{g.JobID}, By: sim.Person{Name: "Mei Chen", Login: "meichen"}}); err != nil {
			t.Fatal(err)
		}
	}
	gs := aw.gates("api")
	if len(gs) != 2 {
		t.Fatalf("want two gates waiting, got %+v", gs)
	}
	aw.w.ResetRequests()
	for _, args := range [][]string{{"approve", "api", "--yes"}, {"approve", "api", "hold-production", "--yes"}, {"reject", "api", "--yes"}} {
		code, _, stderr := aw.run(args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, stderr)
		}
		for _, want := range []string{"2 gates of api are waiting; name the one to " + args[0] + " by its id:",
			"hold-production  " + model.ShortSHA(g.SHA) + "  waiting ", gs[0].ID, gs[1].ID,
			"for example: flightdeck " + args[0] + " api " + gs[0].ID} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, stderr)
			}
		}
	}
	if n := aw.w.Requests()[opApprove] + aw.w.Requests()[opCancel]; n != 0 {
		t.Errorf("an ambiguous choice sent %d request(s)", n)
	}
	code, out, stderr := aw.run("approve", "api", gs[1].ID, "--yes")
	if code != exitOK {
		t.Fatalf("approve by id: exit %d: %s\n%s", code, stderr, out)
	}
	if left := aw.gates("api"); len(left) != 1 || left[0].ID != gs[0].ID {
		t.Errorf("the other gate should still wait: %+v", left)
	}
}

func TestRejectCancelsWorkflow(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("payments")
	specs.Check(t, aw.w)
	aw.w.ResetRequests()
	code, out, stderr := aw.run("reject", "payments", "--yes", "--wait", "--timeout", "1m")
	if code != exitOK {
		t.Fatalf("reject exit %d: %s\n%s", code, stderr, out)
	}
	for _, want := range []string{
		"reject sent: payments hold-production (" + model.ShortSHA(g.SHA) + " stays out of production)",
		"workflow canceled",
		"payments hold-production closed: workflow build-test-deploy is canceled",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if r := aw.w.Requests(); r[opCancel] != 1 || r[opApprove] != 0 {
		t.Errorf("want one cancel and no approve request: %v", r)
	}
	wf, hold := aw.simJob("payments", g.WorkflowID, "hold-production")
	if wf.Status != sim.RunCanceled || hold.Status != sim.RunCanceled || hold.CanceledBy == nil || hold.CanceledBy.Login != "arivera" {
		t.Errorf("the workflow should be canceled by the token's owner: %s, hold %s by %+v", wf.Status, hold.Status, hold.CanceledBy)
	}
	if _, deploy := aw.simJob("payments", g.WorkflowID, "deploy-production"); deploy.Status != sim.RunNotRun {
		t.Errorf("deploy-production should never run: %s", deploy.Status)
	}
	if recs := aw.auditRecords(); len(recs) != 1 || recs[0].Action != "reject" || recs[0].Result != audit.ResultOK || recs[0].Gate != "hold-production" {
		t.Errorf("audit: %+v", recs)
	}
	// The world moves on; the rejected commit never reaches production.
	aw.step(5 * time.Minute)
	if model.SameCommit(sha(aw.env("payments", "production")), g.SHA) {
		t.Errorf("payments production runs the rejected %s", model.ShortSHA(g.SHA))
	}
}

// TestApproveFails: CircleCI answers the approval with a 500. The command
// says so, exits 1, sends it once, and the audit log records the failure.
func TestApproveFails(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("api")
	// Serve the world through a proxy that fails every approval, and point
	// the config at it.
	sims := aw.w.Handler()
	var approvals atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/approve/") {
			approvals.Add(1)
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusInternalServerError)
			_, _ = rw.Write([]byte(`{"message":"Internal server error."}`))
			return
		}
		sims.ServeHTTP(rw, r)
	}))
	t.Cleanup(proxy.Close)
	raw, err := os.ReadFile(aw.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(aw.cfg, []byte(strings.ReplaceAll(string(raw), extractEndpoint(t, string(raw)), proxy.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := aw.run("approve", "api", "--yes")
	if code != exitFailed || !strings.Contains(stderr, "approve of api hold-production failed") {
		t.Errorf("want exit 1 saying the approval failed, got %d: %s", code, stderr)
	}
	// A 500 says nothing certain; the gate is read again and still waits.
	if !strings.Contains(out, "approve failed: the approval did not take: hold-production still waits") {
		t.Errorf("the output should say where things stand:\n%s", out)
	}
	if n := approvals.Load(); n != 1 {
		t.Errorf("the approval should be sent once, never retried: %d", n)
	}
	if recs := aw.auditRecords(); len(recs) != 2 || recs[0].Result != audit.ResultUnknown || recs[1].Result != audit.ResultFailed {
		t.Errorf("the failure should be audited, settled by reading again: %+v", recs)
	}
	if gs := aw.gates("api"); len(gs) != 1 || gs[0].ID != g.ID {
		t.Errorf("the gate should still wait: %+v", gs)
	}
}
