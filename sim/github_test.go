package sim

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	goyaml "github.com/goccy/go-yaml"

	"github.com/airside-dev/flightdeck/sim/github"
	"github.com/airside-dev/flightdeck/sim/specs"
)

// --- helpers ---

// gh sends a GitHub request with a token, as go-github does; hdr adds
// header name/value pairs.
func (h *harness) gh(method, path, body string, hdr ...string) (int, http.Header, []byte) {
	h.t.Helper()
	m := map[string]string{"Authorization": "Bearer sim", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
	for i := 0; i+1 < len(hdr); i += 2 {
		m[hdr[i]] = hdr[i+1]
	}
	return h.send(method, path, body, m)
}

// ghJSON sends a request, wants status and decodes the answer into T.
func ghJSON[T any](h *harness, method, path, body string, status int) T {
	h.t.Helper()
	code, _, b := h.gh(method, path, body)
	return decodeAs[T](h, method+" "+path, code, status, b)
}

func runPath(p Pipeline) string {
	return "/repos/" + p.Repo + "/actions/runs/" + strconv.FormatInt(p.RunID, 10)
}

func (h *harness) ghRun(p Pipeline) github.Run {
	h.t.Helper()
	return ghJSON[github.Run](h, "GET", runPath(p), "", 200)
}

func (h *harness) ghJobs(p Pipeline, query string) []github.Job {
	h.t.Helper()
	return ghJSON[github.JobList](h, "GET", runPath(p)+"/jobs"+query, "", 200).Jobs
}

func ghJobNamed(jobs []github.Job, name string) github.Job {
	for _, j := range jobs {
		if j.Name == name {
			return j
		}
	}
	return github.Job{}
}

func conclusion(c *string) string {
	if c == nil {
		return "null"
	}
	return *c
}

// review approves or rejects a run's pending deployments to env.
func (h *harness) review(p Pipeline, env, state, comment string) (int, []byte) {
	h.t.Helper()
	body := fmt.Sprintf(`{"environment_ids":[%d],"state":%q,"comment":%q}`, github.EnvironmentID(p.Repo, env), state, comment)
	code, _, b := h.gh("POST", runPath(p)+"/pending_deployments", body)
	return code, b
}

// --- tests ---

func TestGitHubAuth(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	for _, c := range []struct {
		name, auth string
		want       int
		message    string
	}{
		{"no token", "", 401, "Requires authentication"},
		{"bearer", "Bearer anything", 200, ""},
		{"token scheme", "token anything", 200, ""},
		{"lower-case scheme", "bearer anything", 200, ""},
		{"empty bearer", "Bearer ", 401, "Bad credentials"},
		{"basic is not GitHub's token", "Basic eDp5", 401, "Bad credentials"},
	} {
		for _, path := range []string{"/repos/acme/web/actions/workflows/deploy.yml/runs", "/api/v3/repos/acme/api/commits/main", "/repos/acme/web/nowhere"} {
			hdr := map[string]string{}
			if c.auth != "" {
				hdr["Authorization"] = c.auth
			}
			code, h2, body := h.send("GET", path, "", hdr)
			want := c.want
			if want == 200 && strings.HasSuffix(path, "nowhere") {
				want = 404
			}
			var e github.ErrorBody
			json.Unmarshal(body, &e)
			if code != want || (want == 401 && (e.Message != c.message || e.DocumentationURL == "" || e.Status != "401")) {
				t.Errorf("%s %s: %d %s, want %d", c.name, path, code, body, want)
			}
			if h2.Get("X-GitHub-Request-Id") == "" || h2.Get("X-RateLimit-Limit") == "" || !strings.HasPrefix(h2.Get("Content-Type"), "application/json") {
				t.Errorf("%s %s: headers %v", c.name, path, h2)
			}
		}
	}
	// The rate limit answers without a token, with the anonymous budget.
	code, hdr, body := h.send("GET", "/rate_limit", "", nil)
	if code != 200 || hdr.Get("X-RateLimit-Limit") != "60" || !strings.Contains(string(body), `"rate":{"limit":60,`) {
		t.Fatalf("anonymous rate_limit: %d %v %s", code, hdr, body)
	}
}

// TestGitHubWorkflowFileIsTheRun: the contents API serves deploy.yml and
// the reusable workflow it calls, and the jobs of every run are what
// GitHub makes of that file, started in the order its needs say.
func TestGitHubWorkflowFileIsTheRun(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	h.advance(10*time.Minute, time.Second)
	for _, svc := range []string{"web", "worker"} {
		p := h.w.Pipelines(svc)[len(h.w.Pipelines(svc))-1]
		file := ghJSON[github.ContentFile](h, "GET", "/repos/acme/"+svc+"/contents/.github/workflows/deploy.yml?ref="+p.SHA, "", 200)
		raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(file.Content, "\n", ""))
		if err != nil || file.Encoding != "base64" || file.Type != "file" || file.Name != "deploy.yml" || file.Size != len(raw) {
			t.Fatalf("%s deploy.yml: %+v %v", svc, file.ContentEntry, err)
		}
		if lines := strings.Split(strings.TrimSuffix(file.Content, "\n"), "\n"); len(lines) < 2 || len(lines[0]) != 60 {
			t.Errorf("content is not wrapped as GitHub wraps it: %q", lines[0])
		}
		sum := sha1.Sum(append([]byte(fmt.Sprintf("blob %d\x00", len(raw))), raw...))
		if file.SHA != hex.EncodeToString(sum[:]) {
			t.Errorf("%s sha %s is not the git blob id", svc, file.SHA)
		}

		// What the file says, read independently of the sim's parser.
		var wf struct {
			Name string `yaml:"name"`
			Jobs map[string]struct {
				Name        string         `yaml:"name"`
				Needs       any            `yaml:"needs"`
				If          string         `yaml:"if"`
				Uses        string         `yaml:"uses"`
				With        map[string]any `yaml:"with"`
				Environment any            `yaml:"environment"`
				Strategy    struct {
					Matrix map[string][]any `yaml:"matrix"`
				} `yaml:"strategy"`
			} `yaml:"jobs"`
		}
		if err := goyaml.Unmarshal(raw, &wf); err != nil {
			t.Fatal(err)
		}
		jobs := wf.Jobs
		matrixKey, legs := "node", []string{"18", "20"}
		if svc == "worker" {
			matrixKey, legs = "python", []string{"3.12", "3.13"}
		}
		env, _ := jobs["deploy-production"].Environment.(map[string]any)
		if wf.Name != "Deploy" || jobs["build"].Name != "Build image" || jobs["test"].Needs != "build" ||
			fmt.Sprint(jobs["test"].Strategy.Matrix[matrixKey]) != "["+strings.Join(legs, " ")+"]" ||
			fmt.Sprint(jobs["deploy-staging"].Needs) != "[build test]" || jobs["deploy-staging"].Uses != "./.github/workflows/ecs-deploy.yml" ||
			jobs["deploy-staging"].With["environment"] != "staging" ||
			fmt.Sprint(jobs["deploy-production"].Needs) != "[build deploy-staging]" || jobs["deploy-production"].If == "" ||
			env["name"] != "production" {
			t.Fatalf("%s deploy.yml is not the file the world runs:\n%s", svc, raw)
		}
		called := ghJSON[github.ContentFile](h, "GET", "/repos/acme/"+svc+"/contents/.github/workflows/ecs-deploy.yml?ref=main", "", 200)
		craw, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(called.Content, "\n", ""))
		var callee struct {
			On   map[string]any `yaml:"on"`
			Jobs map[string]struct {
				Environment string `yaml:"environment"`
			} `yaml:"jobs"`
		}
		if err := goyaml.Unmarshal(craw, &callee); err != nil || callee.Jobs["deploy"].Environment != "${{ inputs.environment }}" {
			t.Fatalf("%s ecs-deploy.yml: %v\n%s", svc, err, craw)
		}

		// The names GitHub gives those jobs, and what each needs.
		test0, test1 := "test ("+legs[0]+")", "test ("+legs[1]+")"
		want := map[string][]string{
			"Build image":             nil,
			test0:                     {"Build image"},
			test1:                     {"Build image"},
			"deploy-staging / deploy": {"Build image", test0, test1},
			"deploy-production":       {"Build image", "deploy-staging / deploy"},
		}
		order := []string{"Build image", test0, test1, "deploy-staging / deploy", "deploy-production"}
		for _, q := range h.w.Pipelines(svc) {
			for _, w := range q.Workflows {
				var names []string
				for _, j := range w.Jobs {
					names = append(names, j.Name)
					if !slices.Equal(j.Needs, want[j.Name]) {
						t.Errorf("%s %s needs %v, want %v", svc, j.Name, j.Needs, want[j.Name])
					}
					// Nothing started before what it needs had succeeded.
					began := j.CreatedAt
					for _, n := range j.Needs {
						if up := w.Job(n); !began.IsZero() && j.Status != RunNotRun && (up.Status != RunSuccess || up.StoppedAt.After(began)) {
							t.Errorf("%s run %d: %s began %v, before %s (%s at %v)", svc, q.Number, j.Name, began, n, up.Status, up.StoppedAt)
						}
					}
				}
				if !slices.Equal(names, order) || w.Name != "Deploy" {
					t.Errorf("%s run %d jobs %v", svc, q.Number, names)
				}
			}
		}
		// The API lists them under those names.
		var listed []string
		for _, j := range h.ghJobs(p, "") {
			listed = append(listed, j.Name)
		}
		if len(listed) == 0 || !slices.Equal(listed, order[:len(listed)]) {
			t.Errorf("%s jobs listed %v", svc, listed)
		}
		run := h.ghRun(p)
		if run.Path != ".github/workflows/deploy.yml" || len(run.ReferencedWorkflows) != 1 ||
			run.ReferencedWorkflows[0].Path != "acme/"+svc+"/.github/workflows/ecs-deploy.yml@"+p.SHA || run.ReferencedWorkflows[0].SHA != p.SHA {
			t.Errorf("%s run path %s, referenced %+v", svc, run.Path, run.ReferencedWorkflows)
		}
		// The workflow named by the run is deploy.yml.
		flow := ghJSON[github.Workflow](h, "GET", "/repos/acme/"+svc+"/actions/workflows/"+strconv.FormatInt(run.WorkflowID, 10), "", 200)
		if flow.Path != ".github/workflows/deploy.yml" || flow.Name != "Deploy" || flow.State != "active" {
			t.Errorf("%s workflow %+v", svc, flow)
		}
	}

	// The directory lists both files; CircleCI repositories have none.
	dir := ghJSON[[]github.ContentEntry](h, "GET", "/repos/acme/web/contents/.github/workflows", "", 200)
	if len(dir) != 2 || dir[0].Name != "deploy.yml" || dir[1].Name != "ecs-deploy.yml" {
		t.Errorf("dir %+v", dir)
	}
	for path, want := range map[string]string{
		"/repos/acme/api/contents/.github/workflows/deploy.yml":              `"message":"Not Found"`,
		"/repos/acme/web/contents/README.md":                                 `"message":"Not Found"`,
		"/repos/acme/web/contents/.github/workflows/deploy.yml?ref=deadbeef": `"message":"No commit found for the ref deadbeef"`,
	} {
		if code, _, body := h.gh("GET", path, ""); code != 404 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
}

// TestGitHubRunsAndJobs: runs newest first with GitHub's fields and paging;
// jobs with steps that move with the job.
func TestGitHubRunsAndJobs(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	ps := h.w.Pipelines("web")
	if len(ps) < 8 {
		t.Fatalf("%d web runs", len(ps))
	}
	runs := ghJSON[github.RunList](h, "GET", "/repos/acme/web/actions/workflows/deploy.yml/runs?branch=main&per_page=3", "", 200)
	if runs.TotalCount != len(ps) || len(runs.WorkflowRuns) != 3 {
		t.Fatalf("%d runs of %d", len(runs.WorkflowRuns), runs.TotalCount)
	}
	newest := ps[len(ps)-1]
	r := runs.WorkflowRuns[0]
	cm := h.w.Commits("web")[len(h.w.Commits("web"))-1]
	if r.ID != newest.RunID || r.HeadSHA != newest.SHA || r.RunNumber != newest.Number || r.RunAttempt != 1 || r.Name != "Deploy" ||
		r.Event != "push" || r.HeadBranch != "main" || r.DisplayTitle != cm.Subject || r.HeadCommit.Message != cm.Subject ||
		r.Actor.Login != newest.Trigger.Login || r.Status != "waiting" || r.Conclusion != nil || r.PreviousAttemptURL != nil ||
		r.Repository["full_name"] != "acme/web" || r.JobsURL != h.srv.URL+runPath(newest)+"/jobs" {
		t.Fatalf("newest run %+v", r)
	}
	for i, x := range runs.WorkflowRuns[1:] {
		if x.ID >= runs.WorkflowRuns[i].ID || x.RunNumber != runs.WorkflowRuns[i].RunNumber-1 {
			t.Errorf("runs not newest first: %d after %d", x.ID, runs.WorkflowRuns[i].ID)
		}
	}
	// Paging: the Link header goes on, and every run comes once.
	seen := map[int64]bool{}
	path := "/repos/acme/web/actions/runs?per_page=4"
	for pages := 0; path != ""; pages++ {
		code, hdr, body := h.gh("GET", path, "")
		page := decodeAs[github.RunList](h, path, code, 200, body)
		for _, x := range page.WorkflowRuns {
			if seen[x.ID] {
				t.Fatalf("run %d twice", x.ID)
			}
			seen[x.ID] = true
		}
		path = ""
		for _, l := range strings.Split(hdr.Get("Link"), ", ") {
			if u, ok := strings.CutSuffix(l, `>; rel="next"`); ok {
				path = strings.TrimPrefix(strings.TrimPrefix(u, "<"), h.srv.URL)
			}
		}
		if pages > len(ps) {
			t.Fatal("paging never ends")
		}
	}
	if len(seen) != len(ps) {
		t.Fatalf("paged %d runs of %d", len(seen), len(ps))
	}
	// Filters.
	completed := 0
	for _, p := range ps {
		if slices.Contains([]RunStatus{RunSuccess, RunFailed, RunCanceled, RunNotRun}, p.Workflows[0].Status) { // completed
			completed++
		}
	}
	for q, want := range map[string]int{
		"status=waiting": 1, "status=completed": completed, "status=success": -1, "branch=feature": 0, "head_sha=" + newest.SHA: 1,
		"event=pull_request": 0, "actor=" + newest.Trigger.Login: -1,
	} {
		got := ghJSON[github.RunList](h, "GET", "/repos/acme/web/actions/workflows/deploy.yml/runs?"+q, "", 200).TotalCount
		if want >= 0 && got != want || want < 0 && got == 0 {
			t.Errorf("%s: %d runs, want %d", q, got, want)
		}
	}
	if n := ghJSON[github.RunList](h, "GET", "/repos/acme/web/actions/workflows/ecs-deploy.yml/runs", "", 200).TotalCount; n != 0 {
		t.Errorf("a reusable workflow has %d runs of its own", n)
	}

	// A finished run: every job completed, steps all done.
	old := ps[len(ps)-4]
	jobs := h.ghJobs(old, "")
	if st := h.ghRun(old); st.Status != "completed" || len(jobs) != 5 {
		t.Fatalf("old run %s with %d jobs", st.Status, len(jobs))
	}
	for _, j := range jobs {
		if j.Status != "completed" || j.CompletedAt == nil || j.RunID != old.RunID || j.HeadSHA != old.SHA || j.WorkflowName != "Deploy" || j.RunAttempt != 1 {
			t.Errorf("job %+v", j)
		}
		if conclusion(j.Conclusion) == "success" {
			if len(j.Steps) < 4 || j.Steps[0].Name != "Set up job" || j.Steps[len(j.Steps)-1].Name != "Complete job" || j.RunnerName == nil {
				t.Errorf("%s steps %+v", j.Name, j.Steps)
			}
			for _, s := range j.Steps {
				if s.Status != "completed" || conclusion(s.Conclusion) != "success" || s.StartedAt == nil || *s.CompletedAt > *j.CompletedAt {
					t.Errorf("%s step %+v", j.Name, s)
				}
			}
		}
		one := ghJSON[github.Job](h, "GET", "/repos/acme/web/actions/jobs/"+strconv.FormatInt(j.ID, 10), "", 200)
		if mustJSON(t, one) != mustJSON(t, j) {
			t.Errorf("job by id differs from the list: %+v", one)
		}
	}

	// A running job's steps: done, one in progress, queued.
	p, _ := h.waitForJob("worker", "deploy-staging / deploy", RunRunning, 3*time.Minute)
	h.advance(2*time.Second, time.Second)
	j := ghJobNamed(h.ghJobs(p, ""), "deploy-staging / deploy")
	var states []string
	for _, s := range j.Steps {
		states = append(states, s.Status)
	}
	if j.Status != "in_progress" || j.Conclusion != nil || j.CompletedAt != nil || !strings.HasPrefix(strings.Join(states, " "), "completed") ||
		strings.Count(strings.Join(states, " "), "in_progress") != 1 || states[len(states)-1] != "queued" {
		t.Errorf("running job %s: %v", j.Status, states)
	}
	// Jobs that still wait for their needs are not listed yet.
	if _, err := json.Marshal(j); err != nil || ghJobNamed(h.ghJobs(p, ""), "deploy-production").ID != 0 {
		t.Errorf("deploy-production listed before its needs ran")
	}
}

// TestGitHubApproveStartsTheDeploy: approving the production environment
// of a waiting run runs deploy-production, whose ECS deployment starts,
// and the approval shows who gave it.
func TestGitHubApproveStartsTheDeploy(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	p, _ := h.waitForJob("web", "deploy-production", RunOnHold, time.Minute)
	run := h.ghRun(p)
	dp := ghJobNamed(h.ghJobs(p, ""), "deploy-production")
	if run.Status != "waiting" || dp.Status != "waiting" || len(dp.Steps) != 0 || dp.RunnerName != nil {
		t.Fatalf("waiting run %s, job %+v", run.Status, dp)
	}
	pending := ghJSON[[]github.Pending](h, "GET", runPath(p)+"/pending_deployments", "", 200)
	if len(pending) != 1 || pending[0].Environment.Name != "production" || pending[0].Environment.ID != github.EnvironmentID("acme/web", "production") ||
		!pending[0].CurrentUserCanApprove || len(pending[0].Reviewers) != 2 || pending[0].Reviewers[0].Type != "Team" || pending[0].Reviewers[1].Type != "User" ||
		pending[0].WaitTimerStartedAt == nil {
		t.Fatalf("pending %+v", pending)
	}
	before := h.service("production", "web")

	code, body := h.review(p, "production", "approved", "Ship it")
	var deps []github.Deployment
	if err := json.Unmarshal(body, &deps); code != 200 || err != nil || len(deps) != 1 || deps[0].Environment != "production" ||
		deps[0].SHA != p.SHA || deps[0].Creator.Login != apiUser.Login || !deps[0].ProductionEnvironment {
		t.Fatalf("approve: %d %s", code, body)
	}
	if st := h.ghRun(p).Status; st != "in_progress" {
		t.Fatalf("run after approval: %s", st)
	}
	if got := ghJSON[[]github.Pending](h, "GET", runPath(p)+"/pending_deployments", "", 200); len(got) != 0 {
		t.Fatalf("still pending: %+v", got)
	}
	approvals := ghJSON[[]github.Approval](h, "GET", runPath(p)+"/approvals", "", 200)
	if len(approvals) != 1 || approvals[0].State != "approved" || approvals[0].User.Login != apiUser.Login || approvals[0].Comment != "Ship it" ||
		approvals[0].Environments[0].Name != "production" {
		t.Fatalf("approvals %+v", approvals)
	}
	// A second review finds nothing waiting.
	if code, body := h.review(p, "production", "approved", "again"); code != 422 || !strings.Contains(string(body), "No pending deployment requests to approve or reject") {
		t.Fatalf("second approval: %d %s", code, body)
	}
	// deploy-production sets up, then updates the ECS service.
	if !h.until(30*time.Second, func() bool {
		_, wf := h.latestWorkflowOf(p.ID)
		return wf.Job("deploy-production").TaskDefinitionArn != ""
	}) {
		t.Fatal("deploy-production never reached ECS")
	}
	after := h.service("production", "web")
	if *after.TaskDefinition == *before.TaskDefinition || len(after.Deployments) < 2 {
		t.Fatalf("production is not rolling: %s → %s", *before.TaskDefinition, *after.TaskDefinition)
	}
	if !h.until(10*time.Minute, func() bool { return h.ghRun(p).Status == "completed" }) || conclusion(h.ghRun(p).Conclusion) != "success" {
		t.Fatalf("run ended %+v", h.ghRun(p).Conclusion)
	}
	j := ghJobNamed(h.ghJobs(p, ""), "deploy-production")
	if conclusion(j.Conclusion) != "success" || j.Steps[len(j.Steps)-1].Status != "completed" {
		t.Fatalf("deploy-production %+v", j)
	}
}

// TestGitHubRejectFailsTheRun: rejecting fails the waiting job and the
// run; rerunning the failed jobs asks for a review again.
func TestGitHubRejectFailsTheRun(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	p, _ := h.waitForJob("worker", "deploy-production", RunOnHold, 5*time.Minute)
	before := h.service("production", "worker")
	kept := h.ghJobs(p, "")

	if code, body := h.review(p, "staging", "rejected", "no"); code != 422 {
		t.Fatalf("review of an environment not waiting: %d %s", code, body)
	}
	code, body := h.review(p, "production", "rejected", "Error rate is up in staging")
	if code != 200 || string(body) != "[]\n" {
		t.Fatalf("reject: %d %s", code, body)
	}
	run := h.ghRun(p)
	j := ghJobNamed(h.ghJobs(p, ""), "deploy-production")
	if run.Status != "completed" || conclusion(run.Conclusion) != "failure" || j.Status != "completed" || conclusion(j.Conclusion) != "failure" ||
		len(j.Steps) != 0 || j.CompletedAt == nil {
		t.Fatalf("rejected: run %s/%s, job %+v", run.Status, conclusion(run.Conclusion), j)
	}
	approvals := ghJSON[[]github.Approval](h, "GET", runPath(p)+"/approvals", "", 200)
	if len(approvals) != 1 || approvals[0].State != "rejected" || approvals[0].Comment != "Error rate is up in staging" {
		t.Fatalf("approvals %+v", approvals)
	}
	h.advance(time.Minute, time.Second)
	if after := h.service("production", "worker"); *after.TaskDefinition != *before.TaskDefinition {
		t.Fatalf("a rejected deploy reached production: %s", *after.TaskDefinition)
	}

	// Rerun failed jobs: a second attempt, only deploy-production again.
	if code, _, body := h.gh("POST", runPath(p)+"/rerun-failed-jobs", ""); code != 201 || string(body) != "{}\n" {
		t.Fatalf("rerun-failed-jobs: %d %s", code, body)
	}
	run = h.ghRun(p)
	if run.RunAttempt != 2 || run.Status != "waiting" || run.PreviousAttemptURL == nil || !strings.HasSuffix(*run.PreviousAttemptURL, "/attempts/1") ||
		run.TriggeringActor.Login != apiUser.Login || run.Actor.Login != p.Trigger.Login {
		t.Fatalf("second attempt %+v", run)
	}
	latest := h.ghJobs(p, "")
	for i, j := range latest[:4] {
		if j.ID != kept[i].ID || j.RunAttempt != 1 {
			t.Errorf("kept job %s: id %d attempt %d", j.Name, j.ID, j.RunAttempt)
		}
	}
	if d := latest[4]; d.Name != "deploy-production" || d.RunAttempt != 2 || d.Status != "waiting" || d.ID == j.ID {
		t.Errorf("rerun deploy-production %+v", d)
	}
	if all := h.ghJobs(p, "?filter=all"); len(all) != 6 {
		t.Errorf("filter=all: %d jobs", len(all))
	}
	if a1 := ghJSON[github.Run](h, "GET", runPath(p)+"/attempts/1", "", 200); a1.RunAttempt != 1 || conclusion(a1.Conclusion) != "failure" {
		t.Errorf("attempt 1 %+v", a1)
	}
	if pending := ghJSON[[]github.Pending](h, "GET", runPath(p)+"/pending_deployments", "", 200); len(pending) != 1 {
		t.Errorf("a rerun is reviewed again: %+v", pending)
	}
}

// TestGitHubCancelAndRerun: cancel ends a run's jobs; a completed run
// cannot be cancelled; a full rerun is the next attempt.
func TestGitHubCancelAndRerun(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	p, _ := h.waitForJob("web", "Build image", RunRunning, 5*time.Minute)
	h.advance(5*time.Second, time.Second)
	if code, _, body := h.gh("POST", runPath(p)+"/rerun", ""); code != 403 || !strings.Contains(string(body), "This workflow is already running") {
		t.Fatalf("rerun of a running run: %d %s", code, body)
	}
	if code, _, body := h.gh("POST", runPath(p)+"/cancel", ""); code != 202 || string(body) != "{}\n" {
		t.Fatalf("cancel: %d %s", code, body)
	}
	run := h.ghRun(p)
	if run.Status != "completed" || conclusion(run.Conclusion) != "cancelled" {
		t.Fatalf("cancelled run %s/%s", run.Status, conclusion(run.Conclusion))
	}
	jobs := h.ghJobs(p, "")
	build := ghJobNamed(jobs, "Build image")
	if len(jobs) != 5 || conclusion(build.Conclusion) != "cancelled" {
		t.Fatalf("after cancel: %d jobs, build %+v", len(jobs), build)
	}
	var steps []string
	for _, s := range build.Steps {
		steps = append(steps, conclusion(s.Conclusion))
	}
	if !slices.Contains(steps, "cancelled") || steps[len(steps)-1] != "success" || steps[0] != "success" {
		t.Errorf("cancelled job's steps %v", steps)
	}
	for _, j := range jobs[1:] {
		if conclusion(j.Conclusion) != "skipped" || len(j.Steps) != 0 {
			t.Errorf("never started %s: %+v", j.Name, j)
		}
	}
	if code, _, body := h.gh("POST", runPath(p)+"/cancel", ""); code != 409 || !strings.Contains(string(body), "Cannot cancel a workflow run that is completed.") {
		t.Fatalf("second cancel: %d %s", code, body)
	}
	if code, _, body := h.gh("POST", runPath(p)+"/rerun-failed-jobs", ""); code != 403 || !strings.Contains(string(body), "cannot be retried") {
		t.Fatalf("rerun-failed-jobs without failures: %d %s", code, body)
	}
	if code, _, body := h.gh("POST", runPath(p)+"/rerun", `{"enable_debug_logging":true}`); code != 201 {
		t.Fatalf("rerun: %d %s", code, body)
	}
	run = h.ghRun(p)
	latest := h.ghJobs(p, "")
	if run.RunAttempt != 2 || run.Status != "in_progress" || len(latest) != 1 || latest[0].ID == build.ID || latest[0].RunAttempt != 2 {
		t.Fatalf("rerun: %+v, jobs %+v", run, latest)
	}
	if all := h.ghJobs(p, "?filter=all"); len(all) != 6 {
		t.Fatalf("filter=all %d", len(all))
	}
}

// TestGitHubConditionalRequests: ETags are stable while the answer is,
// a matching If-None-Match gets a free 304, and Last-Modified works too.
func TestGitHubConditionalRequests(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	ps := h.w.Pipelines("web")
	old := runPath(ps[len(ps)-4])
	code, hdr, body := h.gh("GET", old+"/jobs", "")
	etag := hdr.Get("ETag")
	if code != 200 || !strings.HasPrefix(etag, `W/"`) || hdr.Get("Cache-Control") == "" || hdr.Get("Last-Modified") != "" {
		t.Fatalf("first: %d %v", code, hdr)
	}
	u0 := h.w.GitHubUsage()
	// The world moves; a finished run's jobs do not.
	h.advance(5*time.Minute, time.Second)
	for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `"nope", ` + etag, "*"} {
		code, hdr2, body2 := h.gh("GET", old+"/jobs", "", "If-None-Match", inm)
		if code != 304 || len(body2) != 0 || hdr2.Get("ETag") != etag || hdr2.Get("X-RateLimit-Remaining") != strconv.Itoa(u0.Remaining) {
			t.Fatalf("If-None-Match %s: %d %v %s", inm, code, hdr2, body2)
		}
	}
	if u := h.w.GitHubUsage(); u.NotModified != u0.NotModified+4 || u.Counted != u0.Counted || u.Remaining != u0.Remaining {
		t.Fatalf("304s cost: %+v → %+v", u0, u)
	}
	// Another ETag, or a changed answer, is a full (charged) answer.
	if code, _, b := h.gh("GET", old+"/jobs", "", "If-None-Match", `W/"other"`); code != 200 || string(b) != string(body) {
		t.Fatalf("other etag: %d", code)
	}
	p, _ := h.waitForJob("worker", "deploy-staging / deploy", RunRunning, 3*time.Minute)
	_, hdr, _ = h.gh("GET", runPath(p)+"/jobs", "")
	h.advance(2*time.Minute, time.Second)
	if code, hdr2, _ := h.gh("GET", runPath(p)+"/jobs", "", "If-None-Match", hdr.Get("ETag")); code != 200 || hdr2.Get("ETag") == hdr.Get("ETag") {
		t.Fatalf("changed jobs: %d", code)
	}
	// Commits carry Last-Modified.
	cm := h.w.Commits("api")[3]
	_, hdr, _ = h.gh("GET", "/repos/acme/api/commits/"+cm.SHA, "")
	if lm := hdr.Get("Last-Modified"); lm != cm.Time.UTC().Format(http.TimeFormat) {
		t.Fatalf("Last-Modified %q", lm)
	}
	if code, _, _ := h.gh("GET", "/repos/acme/api/commits/"+cm.SHA, "", "If-Modified-Since", hdr.Get("Last-Modified")); code != 304 {
		t.Fatalf("If-Modified-Since: %d", code)
	}
	if code, _, _ := h.gh("GET", "/repos/acme/api/commits/"+cm.SHA, "", "If-Modified-Since", cm.Time.Add(-time.Hour).UTC().Format(http.TimeFormat)); code != 200 {
		t.Fatalf("If-Modified-Since earlier: %d", code)
	}
	// POSTs have no ETag.
	if _, hdr, _ := h.gh("POST", old+"/cancel", ""); hdr.Get("ETag") != "" || hdr.Get("X-RateLimit-Used") == "" {
		t.Fatalf("POST headers %v", hdr)
	}
	// ResetRequests zeroes the counts, not the budget.
	used := h.w.GitHubUsage().Used
	h.w.ResetRequests()
	if u := h.w.GitHubUsage(); u.Counted != 0 || u.NotModified != 0 || u.Used != used || used == 0 {
		t.Fatalf("after ResetRequests: %+v", u)
	}
}

// TestGitHubRateLimit: every answer carries the budget; it runs out, is
// refused in GitHub's primary-limit shape, and comes back after the hour.
func TestGitHubRateLimit(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	reset := strconv.FormatInt(t0.Add(time.Hour).Unix(), 10)
	for i, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/repos/acme/web/actions/runs", 200},
		{"GET", "/repos/acme/web/actions/runs/1", 404},
		{"POST", "/repos/acme/web/actions/runs/1/cancel", 404},
		{"GET", "/api/v3/repos/acme/payments/commits/main", 200},
	} {
		code, hdr, _ := h.gh(c.method, c.path, "")
		if code != c.status || hdr.Get("X-RateLimit-Limit") != "5000" || hdr.Get("X-RateLimit-Used") != strconv.Itoa(i+1) ||
			hdr.Get("X-RateLimit-Remaining") != strconv.Itoa(5000-i-1) || hdr.Get("X-RateLimit-Reset") != reset || hdr.Get("X-RateLimit-Resource") != "core" {
			t.Fatalf("%s %s: %d %v", c.method, c.path, code, hdr)
		}
	}
	// /rate_limit is free and says the same.
	rl := ghJSON[struct {
		Resources map[string]github.Rate `json:"resources"`
		Rate      github.Rate            `json:"rate"`
	}](h, "GET", "/rate_limit", "", 200)
	if rl.Rate.Used != 4 || rl.Rate.Remaining != 4996 || rl.Resources["core"] != rl.Rate || strconv.FormatInt(rl.Rate.Reset, 10) != reset {
		t.Fatalf("rate_limit %+v", rl)
	}

	h.w.SetGitHubRateRemaining(1)
	if code, hdr, _ := h.gh("GET", "/repos/acme/web/actions/runs", ""); code != 200 || hdr.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("last request: %d %v", code, hdr)
	}
	for _, conditional := range []string{"", "*"} {
		code, hdr, body := h.gh("GET", "/repos/acme/web/actions/runs", "", "If-None-Match", conditional)
		var e github.ErrorBody
		json.Unmarshal(body, &e)
		if code != 403 || hdr.Get("X-RateLimit-Remaining") != "0" || hdr.Get("X-RateLimit-Used") != "5000" || hdr.Get("Retry-After") != "" ||
			!strings.HasPrefix(e.Message, "API rate limit exceeded for user ID ") || !strings.HasSuffix(e.DocumentationURL, "rate-limits-for-the-rest-api") {
			t.Fatalf("over the limit: %d %v %s", code, hdr, body)
		}
	}
	if code, _, _ := h.gh("GET", "/rate_limit", ""); code != 200 {
		t.Fatalf("rate_limit over the limit: %d", code)
	}
	if u := h.w.GitHubUsage(); u.RateLimited != 2 || u.Remaining != 0 || u.Used != 5000 || u.Counted != 5 {
		t.Fatalf("usage %+v", u)
	}
	// The hour passes in world time; the budget is whole again.
	h.advance(time.Hour, time.Minute)
	code, hdr, _ := h.gh("GET", "/repos/acme/web/actions/runs", "")
	if code != 200 || hdr.Get("X-RateLimit-Remaining") != "4999" || hdr.Get("X-RateLimit-Reset") != strconv.FormatInt(t0.Add(2*time.Hour).Unix(), 10) {
		t.Fatalf("after the reset: %d %v", code, hdr)
	}
	// Without a token: 401s draw on the anonymous 60.
	if code, hdr, _ := h.send("GET", "/repos/acme/web/actions/runs", "", nil); code != 401 || hdr.Get("X-RateLimit-Limit") != "60" || hdr.Get("X-RateLimit-Remaining") != "59" {
		t.Fatalf("anonymous: %d %v", code, hdr)
	}
}

// TestGitHubCommitsAndCompare: every service's repository has its commits,
// by SHA, short SHA or branch, and compares along the one main branch.
func TestGitHubCommitsAndCompare(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	for _, svc := range []string{"api", "web", "worker", "payments"} {
		cs := h.w.Commits(svc)
		n := len(cs)
		head := cs[n-1]
		for _, ref := range []string{"main", "heads/main", head.SHA, head.SHA[:7]} {
			c := ghJSON[github.Commit](h, "GET", "/repos/acme/"+svc+"/commits/"+ref, "", 200)
			if c.SHA != head.SHA || c.Commit.Message != head.Subject || c.Author.Login != head.Author.Login || c.Commit.Author.Name != head.Author.Name ||
				c.Committer.Login != "web-flow" || len(c.Parents) != 1 || c.Parents[0].SHA != head.Parent || c.Stats == nil {
				t.Fatalf("%s commit %s: %+v", svc, ref, c)
			}
		}
		if code, _, body := h.gh("GET", "/repos/acme/"+svc+"/commits/0000000", ""); code != 422 || !strings.Contains(string(body), "No commit found for SHA: 0000000") {
			t.Fatalf("%s unknown ref: %d %s", svc, code, body)
		}
		base := comparePath(svc, cs[n-6].SHA+"..."+head.SHA)
		cmp := ghJSON[github.Comparison](h, "GET", base, "", 200)
		var shas []string
		for _, c := range cmp.Commits {
			shas = append(shas, c.SHA)
		}
		var want []string
		for _, c := range cs[n-5:] {
			want = append(want, c.SHA)
		}
		if cmp.Status != "ahead" || cmp.AheadBy != 5 || cmp.BehindBy != 0 || cmp.TotalCommits != 5 || !slices.Equal(shas, want) ||
			cmp.BaseCommit.SHA != cs[n-6].SHA || cmp.MergeBaseCommit.SHA != cs[n-6].SHA {
			t.Fatalf("%s compare ahead: %+v", svc, cmp)
		}
		if back := ghJSON[github.Comparison](h, "GET", comparePath(svc, head.SHA[:10]+"..."+cs[n-6].SHA[:8]), "", 200); back.Status != "behind" || back.BehindBy != 5 || len(back.Commits) != 0 {
			t.Fatalf("%s compare behind: %+v", svc, back)
		}
		if same := ghJSON[github.Comparison](h, "GET", comparePath(svc, "main..."+head.SHA), "", 200); same.Status != "identical" || same.TotalCommits != 0 {
			t.Fatalf("%s compare identical: %+v", svc, same)
		}
		code, hdr, body := h.gh("GET", base+"?per_page=2&page=2", "")
		paged := decodeAs[github.Comparison](h, "paged compare", code, 200, body)
		if len(paged.Commits) != 2 || paged.Commits[0].SHA != want[2] || !strings.Contains(hdr.Get("Link"), `rel="next"`) || !strings.Contains(hdr.Get("Link"), `rel="prev"`) {
			t.Fatalf("%s paged compare: %d commits, Link %s", svc, len(paged.Commits), hdr.Get("Link"))
		}
		for _, bad := range []string{head.SHA, "main..." + strings.Repeat("f", 40), "main..main"} {
			if code, _, _ := h.gh("GET", comparePath(svc, bad), ""); code != 404 {
				t.Fatalf("%s compare %s: %d", svc, bad, code)
			}
		}
	}
}

func comparePath(svc, basehead string) string { return "/repos/acme/" + svc + "/compare/" + basehead }

// TestGitHubEndpoints walks every endpoint's error answers with the spec
// checker on: requests the spec forbids are the only violations.
func TestGitHubEndpoints(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	log := specs.Check(nil, h.w) // violations are asserted below, case by case
	ps := h.w.Pipelines("web")
	waiting, done := ps[len(ps)-1], ps[len(ps)-4]
	run, doneRun := runPath(waiting), runPath(done)
	jobID := strconv.FormatInt(done.Workflows[0].Jobs[0].GitHubID, 10)
	wfID := strconv.FormatInt(github.WorkflowID("acme/web", github.DeployWorkflowPath), 10)
	cases := []struct {
		name, method, path, body string
		status                   int
		want                     string
		badRequest               bool
	}{
		{"workflows", "GET", "/repos/acme/web/actions/workflows", "", 200, `"total_count":2`, false},
		{"workflows of a CircleCI repo", "GET", "/repos/acme/api/actions/workflows", "", 200, `"total_count":0`, false},
		{"workflow by id", "GET", "/repos/acme/web/actions/workflows/" + wfID, "", 200, `"path":".github/workflows/deploy.yml"`, false},
		{"unknown workflow", "GET", "/repos/acme/web/actions/workflows/nope.yml", "", 404, `"message":"Not Found"`, false},
		{"runs of unknown workflow", "GET", "/repos/acme/web/actions/workflows/nope.yml/runs", "", 404, `Not Found`, false},
		{"runs, per_page over 100", "GET", "/repos/acme/web/actions/runs?per_page=500", "", 200, `"workflow_runs"`, false},
		{"runs, created (not applied)", "GET", "/repos/acme/web/actions/runs?created=2026-11-21T00:00:00Z", "", 200, `"workflow_runs"`, false},
		{"runs, undeclared parameter", "GET", "/repos/acme/web/actions/runs?sort=asc", "", 200, `"workflow_runs"`, true},
		{"run", "GET", run, "", 200, `"status":"waiting"`, false},
		{"run under /api/v3", "GET", "/api/v3" + run, "", 200, `"url":"` + h.srv.URL + "/api/v3" + run + `"`, false},
		{"run of another repository", "GET", strings.Replace(run, "/web/", "/worker/", 1), "", 404, `Not Found`, false},
		{"run id not a number", "GET", "/repos/acme/web/actions/runs/latest", "", 404, `Not Found`, true},
		{"attempt", "GET", run + "/attempts/1", "", 200, `"run_attempt":1`, false},
		{"attempt that is not there", "GET", run + "/attempts/2", "", 404, `Not Found`, false},
		{"jobs, filter=all", "GET", run + "/jobs?filter=all", "", 200, `"total_count":`, false},
		{"jobs, bad filter", "GET", run + "/jobs?filter=newest", "", 422, `not a valid filter`, true},
		{"job", "GET", "/repos/acme/web/actions/jobs/" + jobID, "", 200, `"name":"Build image"`, false},
		{"unknown job", "GET", "/repos/acme/web/actions/jobs/1", "", 404, `Not Found`, false},
		{"pending deployments, none", "GET", doneRun + "/pending_deployments", "", 200, `[]`, false},
		{"review, not JSON", "POST", run + "/pending_deployments", `{`, 400, `Problems parsing JSON`, true},
		{"review, no comment", "POST", run + "/pending_deployments", `{"environment_ids":[1],"state":"approved"}`, 422, `\"comment\" wasn't supplied`, true},
		{"review, bad state", "POST", run + "/pending_deployments", `{"environment_ids":[1],"state":"ok","comment":""}`, 422, `is not a member of`, true},
		{"review, unknown environment", "POST", run + "/pending_deployments", `{"environment_ids":[1],"state":"approved","comment":""}`, 422, `No pending deployment requests`, false},
		{"approvals, none", "GET", run + "/approvals", "", 200, `[]`, false},
		{"rerun, not JSON", "POST", doneRun + "/rerun", `[`, 400, `Problems parsing JSON`, true},
		{"rerun of a waiting run", "POST", run + "/rerun-failed-jobs", "", 403, `This workflow is already running`, false},
		{"cancel of a finished run", "POST", doneRun + "/cancel", "", 409, `Cannot cancel a workflow run that is completed.`, false},
		{"delete run is not simulated", "DELETE", doneRun, "", 501, `does not simulate`, false},
		{"list commits is not simulated", "GET", "/repos/acme/api/commits", "", 501, `does not simulate`, false},
		{"deployments are not simulated", "GET", "/repos/acme/web/deployments", "", 501, `does not simulate`, false},
		{"unknown repository", "GET", "/repos/acme/nope/commits/main", "", 404, `Not Found`, false},
		{"owner and name ignore case", "GET", "/repos/ACME/Web/commits/main", "", 200, `"sha":`, false},
		{"unknown path", "GET", "/repos/acme/web/pulls", "", 404, `"documentation_url":"https://docs.github.com/rest"`, true},
		{"wrong method", "PATCH", run, "", 404, `Not Found`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log.Reset()
			code, hdr, body := h.gh(c.method, c.path, c.body)
			if code != c.status || !strings.Contains(string(body), c.want) {
				t.Fatalf("%d, want %d: %s", code, c.status, body)
			}
			if !json.Valid(body) || hdr.Get("X-RateLimit-Remaining") == "" {
				t.Fatalf("not JSON, or no rate headers: %v %s", hdr, body)
			}
			if code >= 400 {
				var e map[string]any
				json.Unmarshal(body, &e)
				if e["message"] == "" || e["documentation_url"] == nil || e["status"] != strconv.Itoa(code) {
					t.Errorf("error body %s", body)
				}
			}
			wantViolations(t, log, c.badRequest)
		})
	}
	n := h.w.Requests()
	if n["github:actions/get-workflow-run"] < 3 || n["github:actions/review-pending-deployments-for-run"] != 4 || n["github:GET /repos/acme/web/pulls"] != 1 {
		t.Errorf("counts by operation: %v", n)
	}
}

func TestGitHubFaults(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	log := specs.Check(t, h.w) // injected errors are GitHub-shaped; truncated bodies are not checked
	path := "/repos/acme/web/actions/workflows/deploy.yml/runs"

	h.w.SetFault(SvcGitHub, Fault{ThrottleRate: 1, Until: t0.Add(7 * time.Second)})
	code, hdr, body := h.gh("GET", path, "")
	var e github.ErrorBody
	json.Unmarshal(body, &e)
	if code != 403 || hdr.Get("Retry-After") != "7" || hdr.Get("X-RateLimit-Remaining") != "5000" || !strings.HasSuffix(e.DocumentationURL, "secondary-rate-limits") ||
		!strings.Contains(e.Message, "secondary rate limit") || !strings.Contains(e.Message, hdr.Get("X-GitHub-Request-Id")) {
		t.Fatalf("throttle: %d %v %s", code, hdr, body)
	}
	h.w.SetFault(SvcGitHub, Fault{ErrorRate: 1})
	if code, _, body := h.gh("GET", path, ""); code != 502 || !strings.Contains(string(body), `"message":"Server Error"`) {
		t.Fatalf("5xx: %d %s", code, body)
	}
	h.w.SetFault(SvcGitHub, Fault{DenyRate: 1})
	if code, _, body := h.gh("GET", path, ""); code != 401 || !strings.Contains(string(body), "Bad credentials") {
		t.Fatalf("deny: %d %s", code, body)
	}
	h.w.SetFault(SvcGitHub, Fault{MalformedRate: 1})
	if code, hdr, body := h.gh("GET", path, ""); code != 200 || json.Valid(body) || len(body) == 0 || hdr.Get("X-RateLimit-Used") != "1" {
		t.Fatalf("malformed: %d %s", code, body)
	}
	h.w.SetFault(SvcGitHub, Fault{})
	h.w.SetFault(SvcCircleCI, Fault{ErrorRate: 1})
	if code, _, _ := h.gh("GET", path, ""); code != 200 {
		t.Fatalf("after clear: %d", code)
	}
	if n := h.w.Requests()["github:actions/list-workflow-runs"]; n != 5 {
		t.Fatalf("counted %d", n)
	}
	// Faults are not charged; the truncated answer was served, so it was.
	if u := h.w.GitHubUsage(); u.SecondaryLimited != 1 || u.Counted != 2 {
		t.Fatalf("usage %+v", u)
	}
	if req, resp := log.Checked(SvcGitHub); req != 5 || resp != 4 {
		t.Fatalf("checked %d requests, %d responses", req, resp)
	}
}

// TestGitHubSpecOverAnHour runs a polling, reviewing, rerunning client
// against the GitHub Actions services for an hour of demo time with the
// spec checker on, conditional requests and all: every request and every
// answer must match the spec, and unchanged answers must come back as
// free 304s.
func TestGitHubSpecOverAnHour(t *testing.T) {
	if testing.Short() {
		t.Skip("long run")
	}
	h := newHarness(t, Options{Seed: 4})
	log := specs.Check(t, h.w)
	etags := map[string]string{}
	bodies := map[string][]byte{}
	notModified := 0
	// get is a conditional GET with a cache, as flightdeck's transport does.
	get := func(path string) []byte {
		code, hdr, body := h.gh("GET", path, "", "If-None-Match", etags[path])
		switch code {
		case 304:
			notModified++
			return bodies[path]
		case 200:
			etags[path], bodies[path] = hdr.Get("ETag"), body
			return body
		}
		t.Fatalf("GET %s: %d %s", path, code, body)
		return nil
	}
	rerun := map[int64]bool{}
	approvals, rejections, reruns, cancels := 0, 0, 0, 0
	for tick := 0; tick < 120; tick++ { // every 30 s for an hour
		for _, svc := range []string{"web", "worker"} {
			prefix := "/repos/acme/" + svc
			if tick%3 == 1 {
				prefix = "/api/v3" + prefix
			}
			var list github.RunList
			json.Unmarshal(get(prefix+"/actions/workflows/deploy.yml/runs?branch=main&per_page=5"), &list)
			for i, r := range list.WorkflowRuns[:min(3, len(list.WorkflowRuns))] {
				p := fmt.Sprintf("%s/actions/runs/%d", prefix, r.ID)
				get(p)
				get(p + "/jobs")
				if i == 0 && tick%10 == 0 {
					get(prefix + "/contents/.github/workflows/deploy.yml?ref=" + r.HeadSHA)
					get(prefix + "/actions/workflows/" + strconv.FormatInt(r.WorkflowID, 10))
				}
				switch {
				case r.Status == "waiting":
					var pending []github.Pending
					json.Unmarshal(get(p+"/pending_deployments"), &pending)
					if len(pending) == 0 {
						t.Fatalf("run %d waits with nothing pending", r.ID)
					}
					state := ""
					switch {
					case svc == "web" && tick%4 == 0:
						state, approvals = "approved", approvals+1
					case svc == "worker" && tick%6 == 3:
						state, rejections = "rejected", rejections+1
					}
					if state != "" {
						body := fmt.Sprintf(`{"environment_ids":[%d],"state":%q,"comment":"from the hour-long test"}`, pending[0].Environment.ID, state)
						ghJSON[[]github.Deployment](h, "POST", p+"/pending_deployments", body, 200)
						get(p + "/approvals")
					}
				case r.Status == "in_progress" && tick%15 == 7:
					ghJSON[struct{}](h, "POST", p+"/cancel", "", 202)
					cancels++
				case r.Status == "completed" && conclusion(r.Conclusion) != "success" && !rerun[r.ID]:
					rerun[r.ID] = true
					op := "/rerun-failed-jobs"
					if conclusion(r.Conclusion) == "cancelled" {
						op = "/rerun"
					}
					ghJSON[struct{}](h, "POST", p+op, "", 201)
					reruns++
				}
			}
		}
		if tick%10 == 5 {
			for _, svc := range []string{"api", "web", "worker", "payments"} {
				cs := h.w.Commits(svc)
				get(fmt.Sprintf("/repos/acme/%s/compare/%s...%s", svc, cs[len(cs)-4].SHA[:7], "main"))
				get("/repos/acme/" + svc + "/commits/main")
			}
		}
		get("/rate_limit")
		h.advance(30*time.Second, time.Second)
	}
	reqs, resps := log.Checked(SvcGitHub)
	u := h.w.GitHubUsage()
	t.Logf("%d requests, %d 304s; %d approvals, %d rejections, %d reruns, %d cancels; usage %+v", reqs, notModified, approvals, rejections, reruns, cancels, u)
	if reqs < 1500 || resps != reqs {
		t.Fatalf("checked %d requests and %d responses", reqs, resps)
	}
	if approvals == 0 || rejections == 0 || reruns == 0 || cancels == 0 {
		t.Fatalf("the client never acted: %d approvals, %d rejections, %d reruns, %d cancels", approvals, rejections, reruns, cancels)
	}
	// Everything was charged but the 304s and the 120 GET /rate_limit.
	if notModified < reqs/5 || u.NotModified != notModified || u.Counted+u.NotModified+120 != reqs {
		t.Fatalf("%d of %d requests were 304s; usage %+v", notModified, reqs, u)
	}
	if vs := log.Violations(); len(vs) != 0 {
		t.Fatalf("%d spec violations, first: %s", len(vs), vs[0])
	}
}
