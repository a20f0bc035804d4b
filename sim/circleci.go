package sim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"flightdeck/sim/ci"
	"flightdeck/sim/internal/ids"
)

// CircleCI API v2 (/api/v2/…), the subset flightdeck reads and acts
// through (specs/circleci-v2-subset.openapi.json), serving the commits,
// pipelines, workflows and jobs the world keeps (pipeline.go). Every answer
// is JSON; every error is {"message": "…"} with a real status code.
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

// circlePageSize is how many items a CircleCI list page holds.
const circlePageSize = 20

// apiUser owns the sim's CircleCI token: the release manager at the
// keyboard, not one of the team who commit and approve on their own.
var apiUser = Person{Name: "Alex Rivera", Email: "alex.rivera@acme.example", Login: "arivera"}

// userID is a person's CircleCI user id, stable across runs.
func userID(p Person) string { return ids.NameUUID("circleci-user", p.Login) }

type ciEndpoint struct {
	method  string
	pattern string // path under /api/v2; "*" matches one non-empty segment
	op      string // the spec's operationId, also the request-count key
	serve   func(w *World, rw http.ResponseWriter, r *http.Request, args []string)
}

var circleCIEndpoints = []ciEndpoint{
	{http.MethodGet, "me", "getCurrentUser", (*World).ciMe},
	// A project slug is three segments, whether its slashes came escaped
	// (gh%2Facme%2Fapi) or not: r.URL.Path has them decoded either way.
	{http.MethodGet, "project/*/*/*/pipeline", "listPipelinesForProject", (*World).ciListPipelines},
	{http.MethodPost, "project/*/*/*/pipeline", "triggerPipeline", ciNotSimulated},
	{http.MethodGet, "project/*/*/*/pipeline/*", "getPipelineByNumber", (*World).ciGetPipelineByNumber},
	{http.MethodGet, "project/*/*/*/job/*", "getJobDetails", ciNotSimulated},
	{http.MethodGet, "pipeline/*", "getPipelineById", (*World).ciGetPipeline},
	{http.MethodGet, "pipeline/*/workflow", "listWorkflowsByPipelineId", (*World).ciListWorkflows},
	{http.MethodGet, "workflow/*", "getWorkflowById", (*World).ciGetWorkflow},
	{http.MethodGet, "workflow/*/job", "listWorkflowJobs", (*World).ciListJobs},
	{http.MethodPost, "workflow/*/approve/*", "approvePendingApprovalJobById", (*World).ciApprove},
	{http.MethodPost, "workflow/*/cancel", "cancelWorkflow", (*World).ciCancel},
	{http.MethodPost, "workflow/*/rerun", "rerunWorkflow", (*World).ciRerun},
}

// circleCIRoute finds the endpoint for a request: its operation name (for
// the request counts) and the handler, which checks auth first.
func (w *World) circleCIRoute(r *http.Request) (string, http.HandlerFunc) {
	segs := strings.Split(strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/api/v2"), "/"), "/")
	var allowed []string
	for _, ep := range circleCIEndpoints {
		args, ok := matchSegments(strings.Split(ep.pattern, "/"), segs)
		if !ok {
			continue
		}
		if ep.method != r.Method {
			allowed = append(allowed, ep.method)
			continue
		}
		return ep.op, func(rw http.ResponseWriter, r *http.Request) {
			if circleAuthed(r) {
				ep.serve(w, rw, r, args)
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

// matchSegments matches path segments to a pattern whose "*" is one
// non-empty segment and whose last "**" is the rest of the path, one
// segment or more (as a GitHub contents path is); it returns what the
// wildcards matched.
func matchSegments(pattern, segs []string) ([]string, bool) {
	if n := len(pattern); n > 0 && pattern[n-1] == "**" && len(segs) >= n {
		rest := strings.Join(segs[n-1:], "/")
		args, ok := matchSegments(pattern[:n-1], segs[:n-1])
		return append(args, rest), ok && !slices.Contains(segs[n-1:], "")
	}
	if len(pattern) != len(segs) {
		return nil, false
	}
	var args []string
	for i, p := range pattern {
		switch {
		case p == "*" && segs[i] != "":
			args = append(args, segs[i])
		case p != segs[i]:
			return nil, false
		}
	}
	return args, true
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

func ciError(rw http.ResponseWriter, status int, msg string) {
	writeJSON(rw, status, map[string]string{"message": msg})
}

func ciNotSimulated(_ *World, rw http.ResponseWriter, r *http.Request, _ []string) {
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

type ciUser struct {
	ID    string `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
}

type ciPipeline struct {
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

type ciWorkflow struct {
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

type ciJob struct {
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

type ciPage[T any] struct {
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

func projectSlug(p *Pipeline) string { return "gh/" + p.Repo }

// ciJobStatus maps the world's run states to CircleCI job statuses. Each
// is spelled as CircleCI spells it; failing only describes workflows.
func ciJobStatus(s RunStatus) string {
	switch s {
	case RunBlocked, RunRunning, RunOnHold, RunSuccess, RunFailed, RunCanceled, RunNotRun:
		return string(s)
	case RunFailing:
		return string(RunFailed)
	}
	return string(RunRunning)
}

// ciWorkflowStatus maps run states to CircleCI workflow statuses (which
// have no "blocked": a workflow waiting on its first job is running).
func ciWorkflowStatus(s RunStatus) string {
	switch s {
	case RunRunning, RunOnHold, RunSuccess, RunFailed, RunCanceled, RunNotRun, RunFailing:
		return string(s)
	}
	return string(RunRunning)
}

// githubUserID is a person's GitHub user id, stable across runs.
func githubUserID(p Person) int64 {
	h := fnv.New32a()
	h.Write([]byte(p.Login))
	return int64(1000000 + h.Sum32()%90000000)
}

func avatarURL(p Person) *string {
	s := fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", githubUserID(p))
	return &s
}

// ciPipelineOf renders a pipeline; w.mu is held.
func (w *World) ciPipelineOf(p *Pipeline) ciPipeline {
	subject, body := "", ""
	if c := p.Commit(); c != nil {
		subject = c.Subject
	}
	repoURL := "https://github.com/" + p.Repo
	return ciPipeline{
		ID: p.ID, Errors: []ciConfigErr{}, ProjectSlug: projectSlug(p),
		UpdatedAt: ciTimeStr(p.UpdatedAt), Number: p.Number, State: "created", CreatedAt: ciTimeStr(p.CreatedAt),
		Trigger: ciTrigger{Type: "webhook", ReceivedAt: ciTimeStr(p.CreatedAt), Actor: ciActor{Login: p.Trigger.Login, AvatarURL: avatarURL(p.Trigger)}},
		VCS: ciVCS{
			ProviderName: "GitHub", OriginRepositoryURL: repoURL, TargetRepositoryURL: repoURL,
			Revision: p.SHA, Branch: p.Branch, Commit: ciCommit{Subject: &subject, Body: &body},
		},
	}
}

func (w *World) ciWorkflowOf(p *Pipeline, wf *Workflow) ciWorkflow {
	out := ciWorkflow{
		PipelineID: p.ID, ID: wf.ID, Name: wf.Name, ProjectSlug: projectSlug(p),
		Status: ciWorkflowStatus(wf.Status), StartedBy: userID(wf.StartedBy), PipelineNumber: p.Number,
		CreatedAt: ciTimeStr(wf.CreatedAt), StoppedAt: ciTime(wf.StoppedAt),
	}
	if wf.CanceledBy != nil {
		out.CanceledBy = userID(*wf.CanceledBy)
	}
	return out
}

func (w *World) ciJobOf(p *Pipeline, wf *Workflow, j *Job) ciJob {
	out := ciJob{
		Dependencies: []string{}, ID: j.ID, StartedAt: ciTime(j.StartedAt), Name: j.Name,
		ProjectSlug: projectSlug(p), Status: ciJobStatus(j.Status), Type: j.Type, StoppedAt: ciTime(j.StoppedAt),
		ApprovalRequestID: j.ApprovalRequestID,
	}
	if j.Type != JobApproval {
		out.JobNumber = j.Number
	}
	for _, n := range j.Needs {
		if up := wf.Job(n); up != nil {
			out.Dependencies = append(out.Dependencies, up.ID)
		}
	}
	if j.ApprovedBy != nil {
		out.ApprovedBy = userID(*j.ApprovedBy)
	}
	if j.CanceledBy != nil {
		out.CanceledBy = userID(*j.CanceledBy)
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

func (w *World) ciPageSize() int {
	if w.pageSize > 0 {
		return w.pageSize
	}
	return circlePageSize
}

// offsetPage cuts items[from:] to a page.
func offsetPage[T any](items []T, from, size int, kind string) ciPage[T] {
	page := ciPage[T]{Items: []T{}}
	if from < len(items) {
		end := min(from+size, len(items))
		page.Items = append(page.Items, items[from:end]...)
		if end < len(items) {
			page.NextPageToken = pageToken(kind, end)
		}
	}
	return page
}

// --- lookups (w.mu held) ---

// The CircleCI API serves the CircleCI services only: a GitHub Actions
// service's repository is no CircleCI project, and its runs are no
// CircleCI pipelines.

// repoBySlug finds the repository of a project slug: gh/ORG/REPO (or the
// long form github/ORG/REPO, which CircleCI also accepts).
func (w *World) repoBySlug(vcs, org, name string) *ci.Repo {
	if vcs != "gh" && vcs != "github" {
		return nil
	}
	for _, r := range w.ci.Repos() {
		if r.Name == org+"/"+name && r.Actions == nil {
			return r
		}
	}
	return nil
}

func (w *World) circlePipeline(id string) *Pipeline {
	if p := w.ci.Pipeline(id); p != nil && p.RunID == 0 {
		return p
	}
	return nil
}

func (w *World) circleWorkflow(id string) (*Pipeline, *Workflow) {
	if p, wf := w.ci.Workflow(id); p != nil && p.RunID == 0 {
		return p, wf
	}
	return nil, nil
}

func (w *World) servesCircleWorkflow(id string) bool {
	w.loop.Lock()
	defer w.loop.Unlock()
	_, wf := w.circleWorkflow(id)
	return wf != nil
}

// --- handlers ---

func (w *World) ciMe(rw http.ResponseWriter, _ *http.Request, _ []string) {
	writeJSON(rw, http.StatusOK, ciUser{ID: userID(apiUser), Login: apiUser.Login, Name: apiUser.Name})
}

// ciRead answers a read: render runs under the world's lock and returns
// the answer, or the message of a 404.
func (w *World) ciRead(rw http.ResponseWriter, render func() (any, string)) {
	w.loop.Lock()
	v, notFound := render()
	w.loop.Unlock()
	if notFound != "" {
		ciError(rw, http.StatusNotFound, notFound)
		return
	}
	writeJSON(rw, http.StatusOK, v)
}

func (w *World) ciListPipelines(rw http.ResponseWriter, r *http.Request, args []string) {
	before, ok := readPageToken(rw, r, "pipeline")
	if !ok {
		return
	}
	branch := r.URL.Query().Get("branch")
	w.ciRead(rw, func() (any, string) {
		rp := w.repoBySlug(args[0], args[1], args[2])
		if rp == nil {
			return nil, "Project not found."
		}
		page := ciPage[ciPipeline]{Items: []ciPipeline{}}
		size := w.ciPageSize()
		for _, p := range slices.Backward(rp.Pipelines) {
			if (before > 0 && p.Number >= before) || (branch != "" && p.Branch != branch) {
				continue
			}
			if len(page.Items) == size {
				page.NextPageToken = pageToken("pipeline", page.Items[size-1].Number)
				break
			}
			page.Items = append(page.Items, w.ciPipelineOf(p))
		}
		return page, ""
	})
}

func (w *World) ciGetPipelineByNumber(rw http.ResponseWriter, _ *http.Request, args []string) {
	n, err := strconv.Atoi(args[3])
	if err != nil || n <= 0 {
		ciError(rw, http.StatusBadRequest, fmt.Sprintf("Invalid pipeline number %q.", args[3]))
		return
	}
	w.ciRead(rw, func() (any, string) {
		rp := w.repoBySlug(args[0], args[1], args[2])
		switch {
		case rp == nil:
			return nil, "Project not found."
		case n > len(rp.Pipelines):
			return nil, "Pipeline not found."
		}
		return w.ciPipelineOf(rp.Pipelines[n-1]), "" // numbers count from 1 in creation order
	})
}

func (w *World) ciGetPipeline(rw http.ResponseWriter, _ *http.Request, args []string) {
	if !validUUID(rw, "pipeline id", args[0]) {
		return
	}
	w.ciRead(rw, func() (any, string) {
		if p := w.circlePipeline(args[0]); p != nil {
			return w.ciPipelineOf(p), ""
		}
		return nil, "Pipeline not found."
	})
}

func (w *World) ciListWorkflows(rw http.ResponseWriter, r *http.Request, args []string) {
	if !validUUID(rw, "pipeline id", args[0]) {
		return
	}
	from, ok := readPageToken(rw, r, "workflow")
	if !ok {
		return
	}
	w.ciRead(rw, func() (any, string) {
		p := w.circlePipeline(args[0])
		if p == nil {
			return nil, "Pipeline not found."
		}
		var all []ciWorkflow
		for _, wf := range slices.Backward(p.Workflows) {
			all = append(all, w.ciWorkflowOf(p, wf))
		}
		return offsetPage(all, from, w.ciPageSize(), "workflow"), ""
	})
}

func (w *World) ciGetWorkflow(rw http.ResponseWriter, _ *http.Request, args []string) {
	if !validUUID(rw, "workflow id", args[0]) {
		return
	}
	w.ciRead(rw, func() (any, string) {
		if p, wf := w.circleWorkflow(args[0]); wf != nil {
			return w.ciWorkflowOf(p, wf), ""
		}
		return nil, "Workflow not found."
	})
}

func (w *World) ciListJobs(rw http.ResponseWriter, r *http.Request, args []string) {
	if !validUUID(rw, "workflow id", args[0]) {
		return
	}
	from, ok := readPageToken(rw, r, "job")
	if !ok {
		return
	}
	w.ciRead(rw, func() (any, string) {
		p, wf := w.circleWorkflow(args[0])
		if wf == nil {
			return nil, "Workflow not found."
		}
		all := make([]ciJob, 0, len(wf.Jobs))
		for _, j := range wf.Jobs {
			all = append(all, w.ciJobOf(p, wf, j))
		}
		return offsetPage(all, from, w.ciPageSize(), "job"), ""
	})
}

func (w *World) ciApprove(rw http.ResponseWriter, _ *http.Request, args []string) {
	wfID, reqID := args[0], args[1]
	if !validUUID(rw, "workflow id", wfID) || !validUUID(rw, "approval request id", reqID) {
		return
	}
	if !w.servesCircleWorkflow(wfID) {
		ciError(rw, http.StatusNotFound, "Workflow not found.")
		return
	}
	j, err := w.ApproveRequest(wfID, reqID, apiUser)
	switch {
	case err == nil:
		ciError(rw, http.StatusAccepted, "Accepted.")
	case errors.Is(err, ErrNoSuchWorkflow):
		ciError(rw, http.StatusNotFound, "Workflow not found.")
	case errors.Is(err, ErrNotOnHold):
		ciError(rw, http.StatusBadRequest, fmt.Sprintf("Job %s is not on hold; it is %s.", j.Name, ciJobStatus(j.Status)))
	default:
		msg := "Approval request not found."
		if name := w.jobName(wfID, reqID); name != "" {
			msg = fmt.Sprintf("Approval request not found: %s is the id of job %s; approve with its approval_request_id.", reqID, name)
		}
		ciError(rw, http.StatusNotFound, msg)
	}
}

// jobName names the job of a workflow with the given id, "" if none.
func (w *World) jobName(workflowID, jobID string) string {
	w.loop.Lock()
	defer w.loop.Unlock()
	if _, wf := w.circleWorkflow(workflowID); wf != nil {
		for _, j := range wf.Jobs {
			if j.ID == jobID {
				return j.Name
			}
		}
	}
	return ""
}

func (w *World) ciCancel(rw http.ResponseWriter, _ *http.Request, args []string) {
	if !validUUID(rw, "workflow id", args[0]) {
		return
	}
	w.loop.Lock()
	p, wf := w.circleWorkflow(args[0])
	if wf != nil {
		by := apiUser
		w.ci.Cancel(p, wf, &by)
	}
	w.loop.Unlock()
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

func (w *World) ciRerun(rw http.ResponseWriter, r *http.Request, args []string) {
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
	if !w.servesCircleWorkflow(args[0]) {
		ciError(rw, http.StatusNotFound, "Workflow not found.")
		return
	}
	id, err := w.RerunWorkflow(args[0], RerunOptions{FromFailed: req.FromFailed, Jobs: req.Jobs, By: apiUser})
	var notIn *JobNotInWorkflowError
	switch {
	case err == nil:
		writeJSON(rw, http.StatusAccepted, map[string]string{"workflow_id": id})
	case errors.Is(err, ErrNoSuchWorkflow):
		ciError(rw, http.StatusNotFound, "Workflow not found.")
	case errors.Is(err, ErrWorkflowActive):
		ciError(rw, http.StatusBadRequest, "Workflow is still running; cancel it or wait for it to finish before rerunning.")
	case errors.Is(err, ErrNoFailedJobs):
		ciError(rw, http.StatusBadRequest, "Workflow has no failed jobs to rerun.")
	case errors.As(err, &notIn):
		ciError(rw, http.StatusBadRequest, "Job "+notIn.JobID+" is not part of this workflow.")
	default:
		ciError(rw, http.StatusInternalServerError, err.Error())
	}
}
