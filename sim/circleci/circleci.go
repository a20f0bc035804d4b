// Package circleci is CircleCI's API v2 (/api/v2/…) over the world's CI
// part (sim/ci): the subset flightdeck reads and acts through
// (sim/specs/circleci-v2-subset.openapi.json), serving the CircleCI
// services' pipelines, workflows and jobs. The answers' shapes (Pipeline,
// Workflow, Job, User, Page) are exported for the sim's tests to decode
// into. Every answer is JSON; every error is {"message": "…"} with a real
// status code.
//
// Where the spec is silent the sim chooses, and says so here:
//
//   - auth comes first, for every path: no Circle-Token header (any
//     non-empty value) and no basic-auth username → 401 "You must log in
//     first.", CircleCI's own words;
//   - an unknown path → 404 "Not found."; a known path with another
//     method → 405 with Allow;
//   - an id that is not a UUID, a page-token the sim did not issue, a
//     pipeline number that is not a number → 400;
//   - unknown project, pipeline or workflow → 404 "Project not found." /
//     "Pipeline not found." / "Workflow not found.";
//   - lists are newest first (pipelines by number, a pipeline's workflows
//     by creation, reruns first); jobs in workflow order;
//   - approving a job that is no longer on hold (approved, canceled) →
//     400 "Job hold-production is not on hold; it is success." —
//     CircleCI answers such requests with a 4xx and a message, and a
//     client must treat it as "someone else got there first", not retry;
//     an approval_request_id the workflow does not have → 404, with a hint
//     when it is a job's id instead;
//   - cancel is idempotent: a finished workflow → 202, nothing changes;
//   - rerun of a workflow still running or on hold → 400 (cancel it
//     first); from_failed with no failed job → 400; enable_ssh and
//     sparse_tree need jobs and exclude from_failed → 400; enable_ssh
//     and sparse_tree are otherwise accepted and change nothing.
package circleci

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/internal/faultkind"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
	"github.com/airside-dev/flightdeck/sim/internal/loop"
	"github.com/airside-dev/flightdeck/sim/internal/rest"
)

// circlePageSize is how many items a CircleCI list page holds.
const circlePageSize = 20

// Part is CircleCI's API over one world's CI part.
type Part struct {
	loop     *loop.Loop
	ci       *ci.Part
	user     ci.Person // who owns the token: approvals, reruns and cancels are theirs
	pageSize int       // list pages; 0 means the API's own default
}

// New is CircleCI's API over c, on the world's loop; user owns the token
// every request is taken to carry.
func New(l *loop.Loop, c *ci.Part, user ci.Person) *Part {
	return &Part{loop: l, ci: c, user: user}
}

// SetPageSize sets how many items a list page holds (0: CircleCI's 20),
// so a test pages through few pipelines.
func (pt *Part) SetPageSize(n int) {
	pt.loop.Lock()
	defer pt.loop.Unlock()
	pt.pageSize = n
}

// UserID is a person's CircleCI user id, stable across runs.
func UserID(p ci.Person) string { return ids.NameUUID("circleci-user", p.Login) }

type ciEndpoint struct {
	method  string
	pattern string // path under /api/v2; "*" matches one non-empty segment
	op      string // the spec's operationId, also the request-count key
	serve   func(pt *Part, rw http.ResponseWriter, r *http.Request, args []string)
}

var circleCIEndpoints = []ciEndpoint{
	{http.MethodGet, "me", "getCurrentUser", (*Part).ciMe},
	// A project slug is three segments, whether its slashes came escaped
	// (gh%2Facme%2Fapi) or not: r.URL.Path has them decoded either way.
	{http.MethodGet, "project/*/*/*/pipeline", "listPipelinesForProject", (*Part).ciListPipelines},
	{http.MethodPost, "project/*/*/*/pipeline", "triggerPipeline", ciNotSimulated},
	{http.MethodGet, "project/*/*/*/pipeline/*", "getPipelineByNumber", (*Part).ciGetPipelineByNumber},
	{http.MethodGet, "project/*/*/*/job/*", "getJobDetails", ciNotSimulated},
	{http.MethodGet, "pipeline/*", "getPipelineById", (*Part).ciGetPipeline},
	{http.MethodGet, "pipeline/*/workflow", "listWorkflowsByPipelineId", (*Part).ciListWorkflows},
	{http.MethodGet, "workflow/*", "getWorkflowById", (*Part).ciGetWorkflow},
	{http.MethodGet, "workflow/*/job", "listWorkflowJobs", (*Part).ciListJobs},
	{http.MethodPost, "workflow/*/approve/*", "approvePendingApprovalJobById", (*Part).ciApprove},
	{http.MethodPost, "workflow/*/cancel", "cancelWorkflow", (*Part).ciCancel},
	{http.MethodPost, "workflow/*/rerun", "rerunWorkflow", (*Part).ciRerun},
}

// Route finds the endpoint for a request under /api/v2: its operation
// name (for the request counts) and the handler, which checks auth first.
func (pt *Part) Route(r *http.Request) (string, http.HandlerFunc) {
	segs := strings.Split(strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/api/v2"), "/"), "/")
	var allowed []string
	for _, ep := range circleCIEndpoints {
		args, ok := rest.Match(strings.Split(ep.pattern, "/"), segs)
		if !ok {
			continue
		}
		if ep.method != r.Method {
			allowed = append(allowed, ep.method)
			continue
		}
		return ep.op, func(rw http.ResponseWriter, r *http.Request) {
			if circleAuthed(r) {
				ep.serve(pt, rw, r, args)
			} else {
				ciError(rw, http.StatusUnauthorized, "You must log in first.")
			}
		}
	}
	return r.Method + " " + r.URL.Path, func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case !circleAuthed(r):
			ciError(rw, http.StatusUnauthorized, "You must log in first.")
		case len(allowed) > 0:
			rw.Header().Set("Allow", strings.Join(allowed, ", "))
			ciError(rw, http.StatusMethodNotAllowed, "Method not allowed.")
		default:
			ciError(rw, http.StatusNotFound, "Not found.")
		}
	}
}

// circleAuthed accepts any non-empty personal token, sent as CircleCI
// documents: the Circle-Token header, or basic auth with the token as the
// username.
func circleAuthed(r *http.Request) bool {
	if r.Header.Get("Circle-Token") != "" {
		return true
	}
	user, _, ok := r.BasicAuth()
	return ok && user != ""
}

// WriteFault answers an injected fault as CircleCI does: a 500, a 429
// with Retry-After, or a 401.
func (pt *Part) WriteFault(rw http.ResponseWriter, _ *http.Request, _ string, kind faultkind.Kind, retry int) {
	switch kind {
	case faultkind.ServerError:
		ciError(rw, http.StatusInternalServerError, "Internal server error")
	case faultkind.Throttle:
		rw.Header().Set("Retry-After", strconv.Itoa(retry))
		ciError(rw, http.StatusTooManyRequests, "Rate limit exceeded")
	case faultkind.Deny:
		ciError(rw, http.StatusUnauthorized, "You must log in first.")
	}
}

func ciError(rw http.ResponseWriter, status int, msg string) {
	rest.WriteJSON(rw, status, map[string]string{"message": msg})
}

func ciNotSimulated(_ *Part, rw http.ResponseWriter, r *http.Request, _ []string) {
	ciError(rw, http.StatusNotImplemented, "The flightdeck sim does not simulate "+r.Method+" "+r.URL.Path+".")
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// validUUID answers 400 unless id is a UUID.
func validUUID(rw http.ResponseWriter, what, id string) bool {
	if uuidRE.MatchString(id) {
		return true
	}
	ciError(rw, http.StatusBadRequest, fmt.Sprintf("Invalid %s %q: must be a UUID.", what, id))
	return false
}

// --- wire shapes (the spec's required fields always present) ---

// User is the answer of GET /me.
type User struct {
	ID    string `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
}

// Pipeline is a pipeline as CircleCI answers it.
type Pipeline struct {
	ID          string         `json:"id"`
	Errors      []ciConfigErr  `json:"errors"`
	ProjectSlug string         `json:"project_slug"`
	UpdatedAt   string         `json:"updated_at"`
	Number      int            `json:"number"`
	State       string         `json:"state"`
	CreatedAt   string         `json:"created_at"`
	Trigger     ciTrigger      `json:"trigger"`
	VCS         ciVCS          `json:"vcs"`
	Parameters  map[string]any `json:"trigger_parameters,omitempty"`
}

type ciConfigErr struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type ciTrigger struct {
	Type       string  `json:"type"`
	ReceivedAt string  `json:"received_at"`
	Actor      ciActor `json:"actor"`
}

type ciActor struct {
	Login     string  `json:"login"`
	AvatarURL *string `json:"avatar_url"`
}

type ciVCS struct {
	ProviderName        string   `json:"provider_name"`
	OriginRepositoryURL string   `json:"origin_repository_url"`
	TargetRepositoryURL string   `json:"target_repository_url"`
	Revision            string   `json:"revision"`
	Branch              string   `json:"branch"`
	Commit              ciCommit `json:"commit"`
}

type ciCommit struct {
	Subject *string `json:"subject"`
	Body    *string `json:"body"`
}

// Workflow is a workflow as CircleCI answers it.
type Workflow struct {
	PipelineID     string  `json:"pipeline_id"`
	CanceledBy     string  `json:"canceled_by,omitempty"`
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	ProjectSlug    string  `json:"project_slug"`
	Status         string  `json:"status"`
	StartedBy      string  `json:"started_by"`
	PipelineNumber int     `json:"pipeline_number"`
	CreatedAt      string  `json:"created_at"`
	StoppedAt      *string `json:"stopped_at"`
}

// Job is a job of a workflow as CircleCI lists it.
type Job struct {
	CanceledBy        string   `json:"canceled_by,omitempty"`
	Dependencies      []string `json:"dependencies"`
	JobNumber         int      `json:"job_number,omitempty"` // none for approval jobs and jobs not yet started
	ID                string   `json:"id"`
	StartedAt         *string  `json:"started_at"` // null until the job starts (see specs.go)
	Name              string   `json:"name"`
	ApprovedBy        string   `json:"approved_by,omitempty"`
	ProjectSlug       string   `json:"project_slug"`
	Status            string   `json:"status"`
	Type              string   `json:"type"`
	StoppedAt         *string  `json:"stopped_at"`
	ApprovalRequestID string   `json:"approval_request_id,omitempty"`
}

// Page is one page of a list.
type Page[T any] struct {
	Items         []T     `json:"items"`
	NextPageToken *string `json:"next_page_token"`
}

// ciTime is CircleCI's timestamp: RFC 3339 in UTC with milliseconds; nil
// (JSON null) for a time that has not happened.
func ciTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

func ciTimeStr(t time.Time) string { return *ciTime(t) }

func projectSlug(p *ci.Pipeline) string { return "gh/" + p.Repo }

// ciJobStatus maps the world's run states to CircleCI job statuses. Each
// is spelled as CircleCI spells it; failing only describes workflows.
func ciJobStatus(s ci.RunStatus) string {
	switch s {
	case ci.RunBlocked, ci.RunRunning, ci.RunOnHold, ci.RunSuccess, ci.RunFailed, ci.RunCanceled, ci.RunNotRun:
		return string(s)
	case ci.RunFailing:
		return string(ci.RunFailed)
	}
	return string(ci.RunRunning)
}

// ciWorkflowStatus maps run states to CircleCI workflow statuses (which
// have no "blocked": a workflow waiting on its first job is running).
func ciWorkflowStatus(s ci.RunStatus) string {
	switch s {
	case ci.RunRunning, ci.RunOnHold, ci.RunSuccess, ci.RunFailed, ci.RunCanceled, ci.RunNotRun, ci.RunFailing:
		return string(s)
	}
	return string(ci.RunRunning)
}

func avatarURL(p ci.Person) *string {
	s := fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", p.GitHubID())
	return &s
}

// ciPipelineOf renders a pipeline; the loop is held.
func (pt *Part) ciPipelineOf(p *ci.Pipeline) Pipeline {
	subject, body := "", ""
	if c := p.Commit(); c != nil {
		subject = c.Subject
	}
	repoURL := "https://github.com/" + p.Repo
	return Pipeline{
		ID: p.ID, Errors: []ciConfigErr{}, ProjectSlug: projectSlug(p),
		UpdatedAt: ciTimeStr(p.UpdatedAt), Number: p.Number, State: "created", CreatedAt: ciTimeStr(p.CreatedAt),
		Trigger: ciTrigger{Type: "webhook", ReceivedAt: ciTimeStr(p.CreatedAt), Actor: ciActor{Login: p.Trigger.Login, AvatarURL: avatarURL(p.Trigger)}},
		VCS: ciVCS{
			ProviderName: "GitHub", OriginRepositoryURL: repoURL, TargetRepositoryURL: repoURL,
			Revision: p.SHA, Branch: p.Branch, Commit: ciCommit{Subject: &subject, Body: &body},
		},
	}
}

func (pt *Part) ciWorkflowOf(p *ci.Pipeline, wf *ci.Workflow) Workflow {
	out := Workflow{
		PipelineID: p.ID, ID: wf.ID, Name: wf.Name, ProjectSlug: projectSlug(p),
		Status: ciWorkflowStatus(wf.Status), StartedBy: UserID(wf.StartedBy), PipelineNumber: p.Number,
		CreatedAt: ciTimeStr(wf.CreatedAt), StoppedAt: ciTime(wf.StoppedAt),
	}
	if wf.CanceledBy != nil {
		out.CanceledBy = UserID(*wf.CanceledBy)
	}
	return out
}

func (pt *Part) ciJobOf(p *ci.Pipeline, wf *ci.Workflow, j *ci.Job) Job {
	out := Job{
		Dependencies: []string{}, ID: j.ID, StartedAt: ciTime(j.StartedAt), Name: j.Name,
		ProjectSlug: projectSlug(p), Status: ciJobStatus(j.Status), Type: j.Type, StoppedAt: ciTime(j.StoppedAt),
		ApprovalRequestID: j.ApprovalRequestID,
	}
	if j.Type != ci.JobApproval {
		out.JobNumber = j.Number
	}
	for _, n := range j.Needs {
		if up := wf.Job(n); up != nil {
			out.Dependencies = append(out.Dependencies, up.ID)
		}
	}
	if j.ApprovedBy != nil {
		out.ApprovedBy = UserID(*j.ApprovedBy)
	}
	if j.CanceledBy != nil {
		out.CanceledBy = UserID(*j.CanceledBy)
	}
	return out
}

// --- page tokens ---

// Page tokens are opaque to clients: base64 of "kind:n". Pipelines page by
// number ("the next page holds numbers below n"), so pipelines created
// between two page requests neither repeat nor vanish; workflows and jobs,
// whose lists only grow at the end, page by offset.

func pageToken(kind string, n int) *string {
	s := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.Itoa(n)))
	return &s
}

// readPageToken returns the token's number (0 with no token) or answers 400.
func readPageToken(rw http.ResponseWriter, r *http.Request, kind string) (int, bool) {
	tok := r.URL.Query().Get("page-token")
	if tok == "" {
		return 0, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	rest, ok := strings.CutPrefix(string(raw), kind+":")
	n, nerr := strconv.Atoi(rest)
	if err != nil || !ok || nerr != nil || n <= 0 {
		ciError(rw, http.StatusBadRequest, "Invalid page-token.")
		return 0, false
	}
	return n, true
}

func (pt *Part) ciPageSize() int {
	if pt.pageSize > 0 {
		return pt.pageSize
	}
	return circlePageSize
}

// offsetPage cuts items[from:] to a page.
func offsetPage[T any](items []T, from, size int, kind string) Page[T] {
	page := Page[T]{Items: []T{}}
	if from < len(items) {
		end := min(from+size, len(items))
		page.Items = append(page.Items, items[from:end]...)
		if end < len(items) {
			page.NextPageToken = pageToken(kind, end)
		}
	}
	return page
}

// --- lookups (the loop held) ---

// The CircleCI API serves the CircleCI services only: a GitHub Actions
// service's repository is no CircleCI project, and its runs are no
// CircleCI pipelines.

// repoBySlug finds the repository of a project slug: gh/ORG/REPO (or the
// long form github/ORG/REPO, which CircleCI also accepts).
func (pt *Part) repoBySlug(vcs, org, name string) *ci.Repo {
	if vcs != "gh" && vcs != "github" {
		return nil
	}
	for _, r := range pt.ci.Repos() {
		if r.Name == org+"/"+name && r.Actions == nil {
			return r
		}
	}
	return nil
}

func (pt *Part) circlePipeline(id string) *ci.Pipeline {
	if p := pt.ci.Pipeline(id); p != nil && p.RunID == 0 {
		return p
	}
	return nil
}

func (pt *Part) circleWorkflow(id string) (*ci.Pipeline, *ci.Workflow) {
	if p, wf := pt.ci.Workflow(id); p != nil && p.RunID == 0 {
		return p, wf
	}
	return nil, nil
}

// --- handlers ---

func (pt *Part) ciMe(rw http.ResponseWriter, _ *http.Request, _ []string) {
	rest.WriteJSON(rw, http.StatusOK, User{ID: UserID(pt.user), Login: pt.user.Login, Name: pt.user.Name})
}

// ciRead answers a read: render runs under the world's lock and returns
// the answer, or the message of a 404.
func (pt *Part) ciRead(rw http.ResponseWriter, render func() (any, string)) {
	pt.loop.Lock()
	v, notFound := render()
	pt.loop.Unlock()
	if notFound != "" {
		ciError(rw, http.StatusNotFound, notFound)
		return
	}
	rest.WriteJSON(rw, http.StatusOK, v)
}

func (pt *Part) ciListPipelines(rw http.ResponseWriter, r *http.Request, args []string) {
	before, ok := readPageToken(rw, r, "pipeline")
	if !ok {
		return
	}
	branch := r.URL.Query().Get("branch")
	pt.ciRead(rw, func() (any, string) {
		rp := pt.repoBySlug(args[0], args[1], args[2])
		if rp == nil {
			return nil, "Project not found."
		}
		page := Page[Pipeline]{Items: []Pipeline{}}
		size := pt.ciPageSize()
		for _, p := range slices.Backward(rp.Pipelines) {
			if (before > 0 && p.Number >= before) || (branch != "" && p.Branch != branch) {
				continue
			}
			if len(page.Items) == size {
				page.NextPageToken = pageToken("pipeline", page.Items[size-1].Number)
				break
			}
			page.Items = append(page.Items, pt.ciPipelineOf(p))
		}
		return page, ""
	})
}

func (pt *Part) ciGetPipelineByNumber(rw http.ResponseWriter, _ *http.Request, args []string) {
	n, err := strconv.Atoi(args[3])
	if err != nil || n <= 0 {
		ciError(rw, http.StatusBadRequest, fmt.Sprintf("Invalid pipeline number %q.", args[3]))
		return
	}
	pt.ciRead(rw, func() (any, string) {
		rp := pt.repoBySlug(args[0], args[1], args[2])
		switch {
		case rp == nil:
			return nil, "Project not found."
		case n > len(rp.Pipelines):
			return nil, "Pipeline not found."
		}
		return pt.ciPipelineOf(rp.Pipelines[n-1]), "" // numbers count from 1 in creation order
	})
}

func (pt *Part) ciGetPipeline(rw http.ResponseWriter, _ *http.Request, args []string) {
	if !validUUID(rw, "pipeline id", args[0]) {
		return
	}
	pt.ciRead(rw, func() (any, string) {
		if p := pt.circlePipeline(args[0]); p != nil {
			return pt.ciPipelineOf(p), ""
		}
		return nil, "Pipeline not found."
	})
}

func (pt *Part) ciListWorkflows(rw http.ResponseWriter, r *http.Request, args []string) {
	if !validUUID(rw, "pipeline id", args[0]) {
		return
	}
	from, ok := readPageToken(rw, r, "workflow")
	if !ok {
		return
	}
	pt.ciRead(rw, func() (any, string) {
		p := pt.circlePipeline(args[0])
		if p == nil {
			return nil, "Pipeline not found."
		}
		var all []Workflow
		for _, wf := range slices.Backward(p.Workflows) {
			all = append(all, pt.ciWorkflowOf(p, wf))
		}
		return offsetPage(all, from, pt.ciPageSize(), "workflow"), ""
	})
}

func (pt *Part) ciGetWorkflow(rw http.ResponseWriter, _ *http.Request, args []string) {
	if !validUUID(rw, "workflow id", args[0]) {
		return
	}
	pt.ciRead(rw, func() (any, string) {
		if p, wf := pt.circleWorkflow(args[0]); wf != nil {
			return pt.ciWorkflowOf(p, wf), ""
		}
		return nil, "Workflow not found."
	})
}

func (pt *Part) ciListJobs(rw http.ResponseWriter, r *http.Request, args []string) {
	if !validUUID(rw, "workflow id", args[0]) {
		return
	}
	from, ok := readPageToken(rw, r, "job")
	if !ok {
		return
	}
	pt.ciRead(rw, func() (any, string) {
		p, wf := pt.circleWorkflow(args[0])
		if wf == nil {
			return nil, "Workflow not found."
		}
		all := make([]Job, 0, len(wf.Jobs))
		for _, j := range wf.Jobs {
			all = append(all, pt.ciJobOf(p, wf, j))
		}
		return offsetPage(all, from, pt.ciPageSize(), "job"), ""
	})
}

func (pt *Part) ciApprove(rw http.ResponseWriter, _ *http.Request, args []string) {
	wfID, reqID := args[0], args[1]
	if !validUUID(rw, "workflow id", wfID) || !validUUID(rw, "approval request id", reqID) {
		return
	}
	status, msg := pt.approve(wfID, reqID)
	ciError(rw, status, msg)
}

// approve approves a workflow's approval request, under the loop's lock,
// and says how to answer.
func (pt *Part) approve(wfID, reqID string) (int, string) {
	pt.loop.Lock()
	defer pt.loop.Unlock()
	_, wf := pt.circleWorkflow(wfID)
	if wf == nil {
		return http.StatusNotFound, "Workflow not found."
	}
	j, err := pt.ci.ApproveRequest(wfID, reqID, pt.user)
	switch {
	case err == nil:
		return http.StatusAccepted, "Accepted."
	case errors.Is(err, ci.ErrNoSuchWorkflow):
		return http.StatusNotFound, "Workflow not found."
	case errors.Is(err, ci.ErrNotOnHold):
		return http.StatusBadRequest, fmt.Sprintf("Job %s is not on hold; it is %s.", j.Name, ciJobStatus(j.Status))
	}
	for _, j := range wf.Jobs {
		if j.ID == reqID {
			return http.StatusNotFound, fmt.Sprintf("Approval request not found: %s is the id of job %s; approve with its approval_request_id.", reqID, j.Name)
		}
	}
	return http.StatusNotFound, "Approval request not found."
}

func (pt *Part) ciCancel(rw http.ResponseWriter, _ *http.Request, args []string) {
	if !validUUID(rw, "workflow id", args[0]) {
		return
	}
	pt.loop.Lock()
	p, wf := pt.circleWorkflow(args[0])
	if wf != nil {
		by := pt.user
		pt.ci.Cancel(p, wf, &by)
	}
	pt.loop.Unlock()
	if wf == nil {
		ciError(rw, http.StatusNotFound, "Workflow not found.")
		return
	}
	ciError(rw, http.StatusAccepted, "Accepted.")
}

// ciRerunRequest is the rerun body; every member is optional and the body
// may be absent altogether.
type ciRerunRequest struct {
	Jobs       []string `json:"jobs"`
	FromFailed bool     `json:"from_failed"`
	SparseTree bool     `json:"sparse_tree"`
	EnableSSH  bool     `json:"enable_ssh"`
}

func (pt *Part) ciRerun(rw http.ResponseWriter, r *http.Request, args []string) {
	if !validUUID(rw, "workflow id", args[0]) {
		return
	}
	var req ciRerunRequest
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil && len(strings.TrimSpace(string(raw))) > 0 {
		err = json.Unmarshal(raw, &req)
	}
	if err != nil {
		ciError(rw, http.StatusBadRequest, "Invalid request body: "+err.Error())
		return
	}
	switch {
	case req.FromFailed && len(req.Jobs) > 0:
		ciError(rw, http.StatusBadRequest, "from_failed and jobs are mutually exclusive.")
		return
	case req.EnableSSH && (req.FromFailed || len(req.Jobs) == 0):
		ciError(rw, http.StatusBadRequest, "enable_ssh requires jobs and cannot be used with from_failed.")
		return
	case req.SparseTree && (req.FromFailed || len(req.Jobs) == 0):
		ciError(rw, http.StatusBadRequest, "sparse_tree requires jobs and cannot be used with from_failed.")
		return
	}
	for _, id := range req.Jobs {
		if !validUUID(rw, "job id", id) {
			return
		}
	}
	var id string
	err = ci.ErrNoSuchWorkflow
	pt.loop.Lock()
	if _, wf := pt.circleWorkflow(args[0]); wf != nil {
		id, err = pt.ci.RerunWorkflow(args[0], ci.RerunOptions{FromFailed: req.FromFailed, Jobs: req.Jobs, By: pt.user})
	}
	pt.loop.Unlock()
	var notIn *ci.JobNotInWorkflowError
	switch {
	case err == nil:
		rest.WriteJSON(rw, http.StatusAccepted, map[string]string{"workflow_id": id})
	case errors.Is(err, ci.ErrNoSuchWorkflow):
		ciError(rw, http.StatusNotFound, "Workflow not found.")
	case errors.Is(err, ci.ErrWorkflowActive):
		ciError(rw, http.StatusBadRequest, "Workflow is still running; cancel it or wait for it to finish before rerunning.")
	case errors.Is(err, ci.ErrNoFailedJobs):
		ciError(rw, http.StatusBadRequest, "Workflow has no failed jobs to rerun.")
	case errors.As(err, &notIn):
		ciError(rw, http.StatusBadRequest, "Job "+notIn.JobID+" is not part of this workflow.")
	default:
		ciError(rw, http.StatusInternalServerError, err.Error())
	}
}
