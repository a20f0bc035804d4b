package sim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/airside-dev/flightdeck/sim/circleci"
	"github.com/airside-dev/flightdeck/sim/specs"
)

// --- helpers ---

// uuidRE is what a CircleCI id looks like.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// circle sends a CircleCI request with a token, as a client would.
func (h *harness) circle(method, path, body string) (int, http.Header, []byte) {
	h.t.Helper()
	return h.send(method, path, body, map[string]string{"Circle-Token": "sim", "Accept": "application/json"})
}

// circleJSON sends a request, wants status and decodes the answer into T.
func circleJSON[T any](h *harness, method, path, body string, status int) T {
	h.t.Helper()
	code, _, b := h.circle(method, path, body)
	return decodeAs[T](h, method+" "+path, code, status, b)
}

func (h *harness) jobs(workflowID string) []circleci.Job {
	h.t.Helper()
	return circleJSON[circleci.Page[circleci.Job]](h, "GET", "/api/v2/workflow/"+workflowID+"/job", "", 200).Items
}

func (h *harness) ciWorkflow(id string) circleci.Workflow {
	h.t.Helper()
	return circleJSON[circleci.Workflow](h, "GET", "/api/v2/workflow/"+id, "", 200)
}

func jobNamed(jobs []circleci.Job, name string) circleci.Job {
	for _, j := range jobs {
		if j.Name == name {
			return j
		}
	}
	return circleci.Job{}
}

// latestWorkflow is the newest pipeline of a service and its newest
// workflow, read from the world.
func (h *harness) latestWorkflow(service string) (Pipeline, *Workflow) {
	ps := h.w.Pipelines(service)
	p := ps[len(ps)-1]
	return p, p.Workflows[len(p.Workflows)-1]
}

// waitForJob steps the world until a workflow of service (the newest such)
// has a job named name in status st.
func (h *harness) waitForJob(service, name string, st RunStatus, limit time.Duration) (Pipeline, *Workflow) {
	h.t.Helper()
	var p Pipeline
	var wf *Workflow
	ok := h.until(limit, func() bool {
		for _, q := range slices.Backward(h.w.Pipelines(service)) {
			for _, w := range slices.Backward(q.Workflows) {
				if j := w.Job(name); j != nil && j.Status == st {
					p, wf = q, w
					return true
				}
			}
		}
		return false
	})
	if !ok {
		h.t.Fatalf("%s: no %s %s within %v", service, name, st, limit)
	}
	return p, wf
}

// --- tests ---

func TestCircleCIAuth(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	for _, c := range []struct {
		name string
		set  func(*http.Request)
		want int
	}{
		{"no token", func(*http.Request) {}, 401},
		{"empty Circle-Token", func(r *http.Request) { r.Header.Set("Circle-Token", "") }, 401},
		{"Circle-Token", func(r *http.Request) { r.Header.Set("Circle-Token", "anything") }, 200},
		{"basic auth, token as username", func(r *http.Request) { r.SetBasicAuth("anything", "") }, 200},
		{"basic auth without username", func(r *http.Request) { r.SetBasicAuth("", "secret") }, 401},
		{"bearer is not CircleCI's", func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, 401},
	} {
		for _, path := range []string{"/api/v2/me", "/api/v2/project/gh/acme/api/pipeline", "/api/v2/nowhere"} {
			req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
			c.set(req)
			resp, body := do(t, req)
			want := c.want
			if want == 200 && path == "/api/v2/nowhere" {
				want = 404
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(body), &m); err != nil || resp.StatusCode != want {
				t.Errorf("%s %s: %d %s, want %d", c.name, path, resp.StatusCode, body, want)
			}
			if want == 401 && m["message"] != "You must log in first." {
				t.Errorf("%s %s: %s", c.name, path, body)
			}
			if resp.Header.Get("X-Request-Id") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s %s: headers %v", c.name, path, resp.Header)
			}
		}
	}
}

// TestCircleCIEndpoints walks every endpoint and its error answers with the
// spec checker on: requests the spec forbids are the only violations.
func TestCircleCIEndpoints(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	log := specs.Check(nil, h.w) // violations are asserted below, case by case
	p, wf := h.latestWorkflow("api")
	hold := wf.Job("hold-production")
	const unknown = "0b5f3a9e-8d41-4c1a-9e7b-2f6c1d8a4b3e"
	n := strconv.Itoa(p.Number)

	type check func(t *testing.T, body []byte)
	has := func(subs ...string) check {
		return func(t *testing.T, body []byte) {
			for _, s := range subs {
				if !strings.Contains(string(body), s) {
					t.Errorf("no %s in %s", s, body)
				}
			}
		}
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		check                    check
		badRequest               bool // the request itself breaks the spec
	}{
		{"me", "GET", "/api/v2/me", "", 200, has(`"login":"arivera"`, `"name":"Alex Rivera"`, `"id":"`+circleci.UserID(apiUser)+`"`), false},
		{"pipelines", "GET", "/api/v2/project/gh/acme/api/pipeline", "", 200, has(`"id":"`+p.ID+`"`, `"revision":"`+p.SHA+`"`, `"next_page_token":`), false},
		{"pipelines, escaped slug", "GET", "/api/v2/project/gh%2Facme%2Fapi/pipeline", "", 200, has(`"id":"` + p.ID + `"`), false},
		{"pipelines, long vcs", "GET", "/api/v2/project/github/acme/api/pipeline", "", 200, has(`"project_slug":"gh/acme/api"`), false},
		{"pipelines on main", "GET", "/api/v2/project/gh/acme/api/pipeline?branch=main", "", 200, has(`"branch":"main"`), false},
		{"pipelines on another branch", "GET", "/api/v2/project/gh/acme/api/pipeline?branch=feature%2Fx", "", 200, has(`{"items":[],"next_page_token":null}`), false},
		{"unknown project", "GET", "/api/v2/project/gh/acme/nope/pipeline", "", 404, has(`"message":"Project not found."`), false},
		{"bitbucket project", "GET", "/api/v2/project/bb/acme/api/pipeline", "", 404, has(`Project not found`), false},
		{"bad page-token", "GET", "/api/v2/project/gh/acme/api/pipeline?page-token=zzz", "", 400, has(`Invalid page-token`), false},
		{"misspelt page token", "GET", "/api/v2/project/gh/acme/api/pipeline?page_token=x", "", 200, has(`"items"`), true},
		{"pipeline by number", "GET", "/api/v2/project/gh/acme/api/pipeline/" + n, "", 200, has(`"id":"` + p.ID + `"`), false},
		{"pipeline number not a number", "GET", "/api/v2/project/gh/acme/api/pipeline/latest", "", 400, has(`Invalid pipeline number`), false}, // the spec gives it no type
		{"pipeline number unknown", "GET", "/api/v2/project/gh/acme/api/pipeline/99999", "", 404, has(`Pipeline not found`), false},
		{"pipeline", "GET", "/api/v2/pipeline/" + p.ID, "", 200, has(`"number":`+n, `"state":"created"`, `"errors":[]`, `"trigger":{"type":"webhook"`), false},
		{"unknown pipeline", "GET", "/api/v2/pipeline/" + unknown, "", 404, has(`"message":"Pipeline not found."`), false},
		{"pipeline id not a uuid", "GET", "/api/v2/pipeline/42", "", 400, has(`must be a UUID`), true},
		{"workflows", "GET", "/api/v2/pipeline/" + p.ID + "/workflow", "", 200, has(`"id":"`+wf.ID+`"`, `"pipeline_number":`+n, `"next_page_token":null`), false},
		{"workflows of unknown pipeline", "GET", "/api/v2/pipeline/" + unknown + "/workflow", "", 404, has(`Pipeline not found`), false},
		{"workflow", "GET", "/api/v2/workflow/" + wf.ID, "", 200, has(`"pipeline_id":"`+p.ID+`"`, `"started_by":"`+circleci.UserID(p.Trigger)+`"`, `"stopped_at":`), false},
		{"unknown workflow", "GET", "/api/v2/workflow/" + unknown, "", 404, has(`"message":"Workflow not found."`), false},
		{"workflow id not a uuid", "GET", "/api/v2/workflow/abc", "", 400, has(`must be a UUID`), true},
		{"jobs", "GET", "/api/v2/workflow/" + wf.ID + "/job", "", 200, has(`"name":"build"`, `"approval_request_id":"`+hold.ApprovalRequestID+`"`), false},
		{"jobs, bad page-token", "GET", "/api/v2/workflow/" + wf.ID + "/job?page-token=" + base64.RawURLEncoding.EncodeToString([]byte("pipeline:3")), "", 400, has(`Invalid page-token`), false},
		{"jobs of unknown workflow", "GET", "/api/v2/workflow/" + unknown + "/job", "", 404, has(`Workflow not found`), false},
		{"approve unknown workflow", "POST", "/api/v2/workflow/" + unknown + "/approve/" + unknown, "", 404, has(`Workflow not found`), false},
		{"approve unknown request", "POST", "/api/v2/workflow/" + wf.ID + "/approve/" + unknown, "", 404, has(`"message":"Approval request not found."`), false},
		{"approve by job id", "POST", "/api/v2/workflow/" + wf.ID + "/approve/" + hold.ID, "", 404, has(`is the id of job hold-production`), false},
		{"approve, bad request id", "POST", "/api/v2/workflow/" + wf.ID + "/approve/hold-production", "", 400, has(`must be a UUID`), true},
		{"cancel unknown workflow", "POST", "/api/v2/workflow/" + unknown + "/cancel", "", 404, has(`Workflow not found`), false},
		{"rerun unknown workflow", "POST", "/api/v2/workflow/" + unknown + "/rerun", `{"from_failed":true}`, 404, has(`Workflow not found`), false},
		{"rerun, from_failed and jobs", "POST", "/api/v2/workflow/" + wf.ID + "/rerun", `{"from_failed":true,"jobs":["` + hold.ID + `"]}`, 400, has(`mutually exclusive`), false},
		{"rerun, enable_ssh without jobs", "POST", "/api/v2/workflow/" + wf.ID + "/rerun", `{"enable_ssh":true}`, 400, has(`enable_ssh requires jobs`), false},
		{"rerun, sparse_tree with from_failed", "POST", "/api/v2/workflow/" + wf.ID + "/rerun", `{"sparse_tree":true,"from_failed":true}`, 400, has(`sparse_tree requires jobs`), false},
		{"rerun, job not a uuid", "POST", "/api/v2/workflow/" + wf.ID + "/rerun", `{"jobs":["build"]}`, 400, has(`Invalid job id`), true},
		{"rerun, not JSON", "POST", "/api/v2/workflow/" + wf.ID + "/rerun", `{"jobs":`, 400, has(`Invalid request body`), true},
		{"rerun, unknown member", "POST", "/api/v2/workflow/" + wf.ID + "/rerun", `{"from-failed":true}`, 400, has(`still running`), true},
		{"trigger is not simulated", "POST", "/api/v2/project/gh/acme/api/pipeline", `{"branch":"main"}`, 501, has(`does not simulate`), false},
		{"wrong method", "DELETE", "/api/v2/workflow/" + wf.ID, "", 405, has(`Method not allowed`), true},
		{"unknown path", "GET", "/api/v2/insights/gh/acme/api/workflows", "", 404, has(`"message":"Not found."`), true},
		{"trailing slash", "GET", "/api/v2/me/", "", 404, has(`Not found`), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log.Reset()
			code, hdr, body := h.circle(c.method, c.path, c.body)
			if code != c.status {
				t.Fatalf("%d, want %d: %s", code, c.status, body)
			}
			if !json.Valid(body) || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
				t.Fatalf("not JSON: %s", body)
			}
			if code >= 400 {
				var m map[string]any
				json.Unmarshal(body, &m)
				if msg, ok := m["message"].(string); !ok || msg == "" || len(m) != 1 {
					t.Errorf("error body %s", body)
				}
			}
			if code == 405 && hdr.Get("Allow") != "GET" {
				t.Errorf("Allow %q", hdr.Get("Allow"))
			}
			c.check(t, body)
			wantViolations(t, log, c.badRequest)
		})
	}
	if n := h.w.Requests(); n["circleci:listPipelinesForProject"] < 5 || n["circleci:getWorkflowById"] < 2 || n["circleci:rerunWorkflow"] < 6 {
		t.Errorf("counts by operation: %v", n)
	}
}

// TestCircleCIJobGraph: the job list is the workflow's graph in CircleCI's
// terms: dependencies by job id, approval jobs with a request id and no
// job number, not-started jobs with a null start.
func TestCircleCIJobGraph(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	p, wf := h.latestWorkflow("api")
	_, _, raw := h.circle("GET", "/api/v2/workflow/"+wf.ID+"/job", "")
	var page struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(raw, &page); err != nil || len(page.Items) != len(wf.Jobs) {
		t.Fatalf("%v %s", err, raw)
	}
	ids := map[string]string{}
	for _, j := range wf.Jobs {
		ids[j.Name] = j.ID
	}
	for i, item := range page.Items {
		j := wf.Jobs[i]
		if item["id"] != j.ID || item["name"] != j.Name || item["type"] != j.Type || item["project_slug"] != "gh/acme/api" {
			t.Errorf("job %d: %v", i, item)
		}
		deps, _ := item["dependencies"].([]any)
		if len(deps) != len(j.Needs) {
			t.Errorf("%s dependencies %v", j.Name, item["dependencies"])
		}
		for k, d := range deps {
			if d != ids[j.Needs[k]] {
				t.Errorf("%s depends on %v, want %s's id", j.Name, d, j.Needs[k])
			}
		}
		_, hasNumber := item["job_number"]
		_, hasRequest := item["approval_request_id"]
		if j.Type == JobApproval {
			if hasNumber || !hasRequest || item["approval_request_id"] == j.ID {
				t.Errorf("approval job %v", item)
			}
		} else if hasRequest || hasNumber != (j.Number > 0) {
			t.Errorf("build job %v", item)
		}
		if (item["started_at"] == nil) != j.StartedAt.IsZero() {
			t.Errorf("%s started_at %v", j.Name, item["started_at"])
		}
		if item["stopped_at"] == nil && (j.Status == RunSuccess || j.Status == RunFailed) {
			t.Errorf("%s finished without stopped_at", j.Name)
		}
	}
	if p.Service != "api" {
		t.Fatal(p.Service)
	}
}

func TestCircleCIPaging(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	h.w.circle.SetPageSize(4)
	want := len(h.w.Pipelines("api"))
	if want < 9 {
		t.Fatalf("only %d pipelines to page through", want)
	}
	var numbers []int
	path := "/api/v2/project/gh/acme/api/pipeline?branch=main"
	for pages := 0; ; pages++ {
		page := circleJSON[circleci.Page[circleci.Pipeline]](h, "GET", path, "", 200)
		if len(page.Items) > 4 || pages > want {
			t.Fatalf("page of %d", len(page.Items))
		}
		for _, p := range page.Items {
			numbers = append(numbers, p.Number)
		}
		if page.NextPageToken == nil {
			break
		}
		if len(page.Items) != 4 {
			t.Fatalf("short page %d with a next token", len(page.Items))
		}
		// New pipelines arriving between pages neither repeat nor shift.
		h.advance(3*time.Minute, time.Second)
		path = "/api/v2/project/gh%2Facme%2Fapi/pipeline?branch=main&page-token=" + *page.NextPageToken
	}
	if len(numbers) != want || !slices.IsSortedFunc(numbers, func(a, b int) int { return b - a }) || numbers[len(numbers)-1] != 1 {
		t.Fatalf("paged %v, want %d pipelines newest first", numbers, want)
	}

	// Jobs page by offset; the last page says null.
	_, wf := h.latestWorkflow("api")
	var names []string
	path = "/api/v2/workflow/" + wf.ID + "/job"
	for {
		page := circleJSON[circleci.Page[circleci.Job]](h, "GET", path, "", 200)
		for _, j := range page.Items {
			names = append(names, j.Name)
		}
		if page.NextPageToken == nil {
			break
		}
		path = "/api/v2/workflow/" + wf.ID + "/job?page-token=" + *page.NextPageToken
	}
	if len(names) != len(wf.Jobs) || names[0] != "build" {
		t.Fatalf("jobs paged %v", names)
	}
	// An empty page-token is no token (the spec allows it empty).
	if page := circleJSON[circleci.Page[circleci.Job]](h, "GET", "/api/v2/workflow/"+wf.ID+"/job?page-token=", "", 200); len(page.Items) != 4 {
		t.Fatalf("empty token: %d items", len(page.Items))
	}
}

// TestCircleCIApproveStartsTheDeploy: approving a held production gate
// over the API runs deploy-production, whose ECS deployment starts.
func TestCircleCIApproveStartsTheDeploy(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	p, wf := h.waitForJob("api", "hold-production", RunOnHold, 10*time.Minute)
	if ciw := h.ciWorkflow(wf.ID); ciw.Status != "on_hold" || ciw.StoppedAt != nil {
		t.Fatalf("held workflow %+v", ciw)
	}
	hold := jobNamed(h.jobs(wf.ID), "hold-production")
	if hold.Status != "on_hold" || hold.ApprovalRequestID == "" {
		t.Fatalf("hold %+v", hold)
	}
	if jobNamed(h.jobs(wf.ID), "deploy-production").Status != "blocked" {
		t.Fatal("deploy-production should wait behind the gate")
	}
	before := h.service("production", "api")

	got := circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+wf.ID+"/approve/"+hold.ApprovalRequestID, "", 202)
	if got["message"] != "Accepted." {
		t.Fatalf("approve: %v", got)
	}
	jobs := h.jobs(wf.ID)
	if j := jobNamed(jobs, "hold-production"); j.Status != "success" || j.ApprovedBy != circleci.UserID(apiUser) || j.StoppedAt == nil {
		t.Fatalf("approved hold %+v", j)
	}
	if st := h.ciWorkflow(wf.ID).Status; st != "running" {
		t.Fatalf("workflow after approval: %s", st)
	}
	// A second approval finds the gate passed.
	code, _, body := h.circle("POST", "/api/v2/workflow/"+wf.ID+"/approve/"+hold.ApprovalRequestID, "")
	if code != 400 || !strings.Contains(string(body), `"message":"Job hold-production is not on hold; it is success."`) {
		t.Fatalf("second approval: %d %s", code, body)
	}

	// deploy-production sets up, then updates the ECS service.
	var arn string
	if !h.until(30*time.Second, func() bool {
		_, wf := h.latestWorkflowOf(p.ID)
		arn = wf.Job("deploy-production").TaskDefinitionArn
		return arn != ""
	}) {
		t.Fatal("deploy-production never reached ECS")
	}
	after := h.service("production", "api")
	if *after.TaskDefinition != arn || *after.TaskDefinition == *before.TaskDefinition {
		t.Fatalf("production runs %s, deploy registered %s (was %s)", *after.TaskDefinition, arn, *before.TaskDefinition)
	}
	if d := deploymentOf(after, arn[strings.LastIndex(arn, ":"):]); d == nil || *d.Status != "PRIMARY" || d.RolloutState != types.DeploymentRolloutStateInProgress || len(after.Deployments) < 2 {
		t.Fatalf("production is not rolling: %+v", after.Deployments)
	}
	if j := jobNamed(h.jobs(wf.ID), "deploy-production"); j.Status != "running" || j.JobNumber == 0 || j.StartedAt == nil {
		t.Fatalf("deploy-production %+v", j)
	}
	// And it finishes the workflow once the rollout completes.
	if !h.until(10*time.Minute, func() bool { return h.ciWorkflow(wf.ID).Status == "success" }) {
		t.Fatalf("workflow ended %s", h.ciWorkflow(wf.ID).Status)
	}
	if h.ciWorkflow(wf.ID).StoppedAt == nil {
		t.Fatal("finished workflow without stopped_at")
	}
}

// latestWorkflowOf is a pipeline's newest workflow, read from the world.
func (h *harness) latestWorkflowOf(pipelineID string) (Pipeline, *Workflow) {
	for _, cs := range h.w.catalogue {
		for _, p := range h.w.Pipelines(cs.name) {
			if p.ID == pipelineID {
				return p, p.Workflows[len(p.Workflows)-1]
			}
		}
	}
	h.t.Fatalf("no pipeline %s", pipelineID)
	return Pipeline{}, nil
}

func TestCircleCICancel(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	_, wf := h.waitForJob("api", "test", RunRunning, 5*time.Minute)
	got := circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+wf.ID+"/cancel", "", 202)
	if got["message"] != "Accepted." {
		t.Fatalf("cancel: %v", got)
	}
	me := circleci.UserID(apiUser)
	ciw := h.ciWorkflow(wf.ID)
	if ciw.Status != "canceled" || ciw.CanceledBy != me || ciw.StoppedAt == nil {
		t.Fatalf("canceled workflow %+v", ciw)
	}
	jobs := h.jobs(wf.ID)
	if j := jobNamed(jobs, "test"); j.Status != "canceled" || j.CanceledBy != me || j.StoppedAt == nil {
		t.Fatalf("running job after cancel %+v", j)
	}
	if j := jobNamed(jobs, "deploy-staging"); j.Status != "not_run" || j.StartedAt != nil {
		t.Fatalf("blocked job after cancel %+v", j)
	}
	// Nothing starts later, and canceling again changes nothing.
	h.advance(5*time.Minute, time.Second)
	circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+wf.ID+"/cancel", "", 202)
	if a, b := mustJSON(t, ciw), mustJSON(t, h.ciWorkflow(wf.ID)); a != b {
		t.Fatalf("second cancel changed %s to %s", a, b)
	}

	// Canceling at a gate is how a release manager rejects it.
	_, wf = h.waitForJob("api", "hold-production", RunOnHold, 10*time.Minute)
	circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+wf.ID+"/cancel", "", 202)
	if j := jobNamed(h.jobs(wf.ID), "hold-production"); j.Status != "canceled" || j.CanceledBy != me {
		t.Fatalf("rejected gate %+v", j)
	}
	if j := jobNamed(h.jobs(wf.ID), "deploy-production"); j.Status != "not_run" {
		t.Fatalf("deploy behind a rejected gate %+v", j)
	}
}

// failedPayments steps the demo until payments' scripted bad build has
// failed at deploy-staging (the circuit breaker rolls it back).
func (h *harness) failedPayments() (Pipeline, *Workflow) {
	h.t.Helper()
	var p Pipeline
	var wf *Workflow
	if !h.until(3*time.Minute, func() bool {
		for _, q := range h.w.Pipelines("payments") {
			if w := q.Workflows[0]; w.Status == RunFailed && w.Job("deploy-staging").Status == RunFailed && q.CreatedAt.After(t0.Add(-5*time.Minute)) {
				p, wf = q, w
				return true
			}
		}
		return false
	}) {
		h.t.Fatal("payments' bad build never failed")
	}
	return p, wf
}

func TestCircleCIRerunFromFailed(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	specs.Check(t, h.w)
	p, old := h.failedPayments()
	oldJobs := h.jobs(old.ID)

	// Rerunning what is not done, or from failed what did not fail, is refused.
	_, running := h.waitForJob("api", "test", RunRunning, 5*time.Minute)
	code, _, body := h.circle("POST", "/api/v2/workflow/"+running.ID+"/rerun", `{"from_failed":true}`)
	if code != 400 || !strings.Contains(string(body), "still running") {
		t.Fatalf("rerun of a running workflow: %d %s", code, body)
	}
	var done *Workflow
	for _, p := range h.w.Pipelines("api") {
		if p.Workflows[0].Status == RunSuccess {
			done = p.Workflows[0]
			break
		}
	}
	if done == nil {
		t.Fatal("api never shipped")
	}
	code, _, body = h.circle("POST", "/api/v2/workflow/"+done.ID+"/rerun", `{"from_failed":true}`)
	if code != 400 || !strings.Contains(string(body), "no failed jobs") {
		t.Fatalf("from_failed without failures: %d %s", code, body)
	}
	code, _, body = h.circle("POST", "/api/v2/workflow/"+old.ID+"/rerun", `{"jobs":["`+unknownUUID+`"]}`)
	if code != 400 || !strings.Contains(string(body), unknownUUID+" is not part of this workflow") {
		t.Fatalf("rerun of a foreign job: %d %s", code, body)
	}

	got := circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+old.ID+"/rerun", `{"from_failed":true}`, 202)
	newID := got["workflow_id"]
	if !uuidRE.MatchString(newID) || newID == old.ID || len(got) != 1 {
		t.Fatalf("rerun answered %v", got)
	}
	// The pipeline now has two workflows, the rerun first.
	wfs := circleJSON[circleci.Page[circleci.Workflow]](h, "GET", "/api/v2/pipeline/"+p.ID+"/workflow", "", 200).Items
	if len(wfs) != 2 || wfs[0].ID != newID || wfs[1].ID != old.ID || wfs[0].StartedBy != circleci.UserID(apiUser) || wfs[0].Name != wfs[1].Name {
		t.Fatalf("workflows after rerun %+v", wfs)
	}
	jobs := h.jobs(newID)
	if len(jobs) != len(oldJobs) {
		t.Fatalf("%d jobs, had %d", len(jobs), len(oldJobs))
	}
	byID := map[string]string{}
	for _, j := range jobs {
		byID[j.ID] = j.Name
	}
	for i, j := range jobs {
		o := oldJobs[i]
		if j.Name != o.Name || j.ID == o.ID {
			t.Errorf("job %d: %+v vs %+v", i, j, o)
		}
		for k, d := range j.Dependencies {
			if byID[d] == "" || byID[d] != jobNameByID(oldJobs, o.Dependencies[k]) {
				t.Errorf("%s depends on %s, not the rerun's own %s", j.Name, d, jobNameByID(oldJobs, o.Dependencies[k]))
			}
		}
		switch j.Name {
		case "build", "test": // passed before: kept, not run again
			if j.Status != "success" || j.JobNumber != o.JobNumber || *j.StartedAt != *o.StartedAt {
				t.Errorf("kept %s: %+v vs %+v", j.Name, j, o)
			}
		case "deploy-staging": // failed: runs again
			if j.Status != "running" || j.JobNumber <= o.JobNumber {
				t.Errorf("rerun %s: %+v", j.Name, j)
			}
		default: // downstream of the failure: waits again
			if j.Status != "blocked" || j.StartedAt != nil {
				t.Errorf("downstream %s: %+v", j.Name, j)
			}
		}
	}
	if hold := jobNamed(jobs, "hold-production"); hold.ApprovalRequestID == "" || hold.ApprovalRequestID == jobNamed(oldJobs, "hold-production").ApprovalRequestID {
		t.Errorf("rerun hold needs its own approval request: %+v", hold)
	}
	if st := h.ciWorkflow(old.ID).Status; st != "failed" {
		t.Errorf("the old workflow is history, not %s", st)
	}
	// The rerun deploy goes to ECS again.
	if !h.until(30*time.Second, func() bool {
		_, wf := h.latestWorkflowOf(p.ID)
		return wf.Job("deploy-staging").TaskDefinitionArn != ""
	}) {
		t.Fatal("rerun deploy-staging never reached ECS")
	}

	// Rerun chosen jobs: test and what follows; build is kept.
	h.until(5*time.Minute, func() bool { return h.ciWorkflow(newID).Status == "failed" })
	testID := jobNamed(h.jobs(newID), "test").ID
	got = circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+newID+"/rerun", `{"jobs":["`+testID+`"],"sparse_tree":true,"enable_ssh":false}`, 202)
	third := h.jobs(got["workflow_id"])
	if jobNamed(third, "build").Status != "success" || jobNamed(third, "test").Status != "running" || jobNamed(third, "deploy-staging").Status != "blocked" {
		t.Fatalf("rerun of test: %+v", third)
	}
	// An empty body reruns the whole workflow.
	h.until(5*time.Minute, func() bool { return h.ciWorkflow(got["workflow_id"]).Status == "failed" })
	got = circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+got["workflow_id"]+"/rerun", "", 202)
	if b := jobNamed(h.jobs(got["workflow_id"]), "build"); b.Status != "running" || b.JobNumber <= jobNamed(third, "build").JobNumber {
		t.Fatalf("full rerun build %+v", b)
	}
	if n := len(h.w.Pipelines("payments")[p.Number-1].Workflows); n != 4 {
		t.Fatalf("%d workflows on the pipeline, want 4", n)
	}
	// The pipeline's workflows page like any list, newest first.
	h.w.circle.SetPageSize(3)
	first := circleJSON[circleci.Page[circleci.Workflow]](h, "GET", "/api/v2/pipeline/"+p.ID+"/workflow", "", 200)
	if len(first.Items) != 3 || first.NextPageToken == nil || first.Items[0].ID != got["workflow_id"] {
		t.Fatalf("first page %+v", first)
	}
	rest := circleJSON[circleci.Page[circleci.Workflow]](h, "GET", "/api/v2/pipeline/"+p.ID+"/workflow?page-token="+*first.NextPageToken, "", 200)
	if len(rest.Items) != 1 || rest.NextPageToken != nil || rest.Items[0].ID != old.ID {
		t.Fatalf("last page %+v", rest)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const unknownUUID = "0b5f3a9e-8d41-4c1a-9e7b-2f6c1d8a4b3e"

func jobNameByID(jobs []circleci.Job, id string) string {
	for _, j := range jobs {
		if j.ID == id {
			return j.Name
		}
	}
	return ""
}

// TestCircleCIRerunWorld covers RerunWorkflow's refusals directly.
func TestCircleCIRerunWorld(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	if _, err := h.w.RerunWorkflow(unknownUUID, RerunOptions{}); !errors.Is(err, ErrNoSuchWorkflow) {
		t.Fatal(err)
	}
	_, wf := h.waitForJob("api", "test", RunRunning, 5*time.Minute)
	if _, err := h.w.RerunWorkflow(wf.ID, RerunOptions{FromFailed: true}); !errors.Is(err, ErrWorkflowActive) {
		t.Fatal(err)
	}
	_, err := h.w.RerunWorkflow(wf.ID, RerunOptions{})
	if !errors.Is(err, ErrWorkflowActive) {
		t.Fatal(err)
	}
}

func TestCircleCIFaults(t *testing.T) {
	h := newHarness(t, Options{Seed: 2})
	log := specs.Check(t, h.w) // injected errors are CircleCI-shaped; truncated bodies are not checked
	path := "/api/v2/project/gh/acme/payments/pipeline"

	h.w.SetFault(SvcCircleCI, Fault{ThrottleRate: 1, Until: t0.Add(7 * time.Second)})
	code, hdr, body := h.circle("GET", path, "")
	if code != 429 || hdr.Get("Retry-After") != "7" || !strings.Contains(string(body), `"message"`) {
		t.Fatalf("throttle: %d %v %s", code, hdr, body)
	}
	h.w.SetFault(SvcCircleCI, Fault{ErrorRate: 1})
	if code, _, body := h.circle("GET", path, ""); code != 500 || !json.Valid(body) || !strings.Contains(string(body), `"message"`) {
		t.Fatalf("5xx: %d %s", code, body)
	}
	h.w.SetFault(SvcCircleCI, Fault{DenyRate: 1})
	if code, _, _ := h.circle("GET", path, ""); code != 401 {
		t.Fatalf("deny: %d", code)
	}
	h.w.SetFault(SvcCircleCI, Fault{MalformedRate: 1})
	code, _, body = h.circle("GET", path, "")
	if code != 200 || json.Valid(body) || len(body) == 0 {
		t.Fatalf("malformed: %d %s", code, body)
	}
	h.w.SetFault(SvcCircleCI, Fault{DropRate: 1})
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	req.Header.Set("Circle-Token", "sim")
	// A fresh connection: net/http retries an idempotent request once when
	// a reused connection drops, which would count twice.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("drop answered %d", resp.StatusCode)
	}
	// A fault on another backend leaves CircleCI alone; clearing restores it.
	h.w.SetFault(SvcCircleCI, Fault{})
	h.w.SetFault(SvcECS, Fault{ErrorRate: 1})
	if code, _, _ := h.circle("GET", path, ""); code != 200 {
		t.Fatalf("after clear: %d", code)
	}
	if n := h.w.Requests()["circleci:listPipelinesForProject"]; n != 6 {
		t.Fatalf("counted %d", n)
	}
	// Every request was checked; answers from throttle, 5xx, deny and the
	// clean one were, the truncated and the dropped ones were not.
	if req, resp := log.Checked(SvcCircleCI); req != 6 || resp != 4 {
		t.Fatalf("checked %d requests, %d responses", req, resp)
	}
}

// TestCircleCISpecOverAnHour runs a polling, approving, rerunning client
// for an hour of demo time with the spec checker on: every request it
// sends and every answer it gets must match the spec.
func TestCircleCISpecOverAnHour(t *testing.T) {
	if testing.Short() {
		t.Skip("long run")
	}
	h := newHarness(t, Options{Seed: 4})
	log := specs.Check(t, h.w)
	rerun := map[string]bool{}
	approvals, reruns, cancels := 0, 0, 0
	for tick := 0; tick < 120; tick++ { // every 30 s for an hour
		for _, svc := range []string{"api", "payments"} {
			slug := "gh/acme/" + svc
			if tick%2 == 1 {
				slug = "gh%2Facme%2F" + svc
			}
			page := circleJSON[circleci.Page[circleci.Pipeline]](h, "GET", "/api/v2/project/"+slug+"/pipeline?branch=main", "", 200)
			if tick%20 == 0 && page.NextPageToken != nil {
				circleJSON[circleci.Page[circleci.Pipeline]](h, "GET", "/api/v2/project/"+slug+"/pipeline?branch=main&page-token="+*page.NextPageToken, "", 200)
			}
			for _, p := range page.Items[:min(3, len(page.Items))] {
				circleJSON[circleci.Pipeline](h, "GET", "/api/v2/pipeline/"+p.ID, "", 200)
				for _, wf := range circleJSON[circleci.Page[circleci.Workflow]](h, "GET", "/api/v2/pipeline/"+p.ID+"/workflow", "", 200).Items {
					h.ciWorkflow(wf.ID)
					for _, j := range h.jobs(wf.ID) {
						switch {
						case j.Type == "approval" && j.Status == "on_hold" && svc == "api" && tick%4 == 0:
							code, _, body := h.circle("POST", "/api/v2/workflow/"+wf.ID+"/approve/"+j.ApprovalRequestID, "")
							if code != 202 {
								t.Fatalf("approve: %d %s", code, body)
							}
							approvals++
						case j.Type == "approval" && j.Status == "on_hold" && svc == "payments" && tick%10 == 5:
							circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+wf.ID+"/cancel", "", 202)
							cancels++
						}
					}
					if wf.Status == "failed" && !rerun[wf.ID] {
						rerun[wf.ID] = true
						circleJSON[map[string]string](h, "POST", "/api/v2/workflow/"+wf.ID+"/rerun", `{"from_failed":true}`, 202)
						reruns++
					}
				}
			}
		}
		circleJSON[circleci.User](h, "GET", "/api/v2/me", "", 200)
		h.advance(30*time.Second, time.Second)
	}
	reqs, resps := log.Checked(SvcCircleCI)
	if reqs < 2000 || resps != reqs {
		t.Fatalf("checked %d requests and %d responses", reqs, resps)
	}
	t.Logf("%d requests; %d approvals, %d reruns, %d cancels", reqs, approvals, reruns, cancels)
	if approvals == 0 || reruns == 0 || cancels == 0 {
		t.Fatalf("the client never acted: %d approvals, %d reruns, %d cancels", approvals, reruns, cancels)
	}
	if vs := log.Violations(); len(vs) != 0 {
		t.Fatalf("%d spec violations, first: %s", len(vs), vs[0])
	}
}
