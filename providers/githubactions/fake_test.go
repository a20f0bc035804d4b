package githubactions

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/sim/speccheck"
)

// fakeGH is a small GitHub in memory, under /api/v3 as GitHub Enterprise
// Server serves it: runs, jobs, workflow files, pending deployments,
// reviews, commits. Every object starts as the spec's own example; every
// request and answer is held to the spec. It answers GETs with ETags and a
// 304 to a matching If-None-Match, and meters a primary rate limit that
// 304s do not spend, as GitHub does.
type fakeGH struct {
	t     *testing.T
	clock *fakeclock.Clock
	srv   *httptest.Server
	log   *speccheck.Log

	mu        sync.Mutex
	runs      map[string][]*fakeRun // by repo, newest first
	files     map[string]string     // repo@sha:path → content
	commits   map[string]map[string]any
	compares  map[string]map[string]any
	limit     int
	remaining int
	reset     time.Time
	faults    map[string][]fault // by op, served in turn
	seen      []seenReq
	reviews   []reviewReq
	seq       int64
}

type fakeRun struct {
	repo    string
	obj     map[string]any
	jobs    []map[string]any
	pending []map[string]any
	reviews []map[string]any
}

func (r *fakeRun) id() int64 { return int64(r.obj["id"].(float64)) }

// fault is a canned answer to an operation.
type fault struct {
	status int
	header map[string]string
	body   any
}

type seenReq struct {
	Method, Path, Op string
	Query            url.Values
	IfNoneMatch      string
	Auth             string
	Status           int
	Body             string
}

type reviewReq struct {
	Run     int64
	EnvIDs  []int64 `json:"environment_ids"`
	State   string  `json:"state"`
	Comment string  `json:"comment"`
}

const fakeBase = "/api/v3"

func newFakeGH(t *testing.T, clock *fakeclock.Clock) *fakeGH {
	t.Helper()
	spec, _ := loadSpec(t)
	f := &fakeGH{t: t, clock: clock, log: speccheck.NewLog(),
		runs: map[string][]*fakeRun{}, files: map[string]string{}, commits: map[string]map[string]any{},
		compares: map[string]map[string]any{}, faults: map[string][]fault{},
		limit: 5000, remaining: 5000, reset: clock.Now().Add(time.Hour), seq: 1000}
	f.srv = httptest.NewServer(f.checked(spec))
	t.Cleanup(func() {
		f.srv.Close()
		f.log.Report(t)
	})
	return f
}

// checked holds every request to the spec, and every answer but errors:
// GitHub answers 401, 403 and 429 on any operation, and the spec documents
// them on few.
func (f *fakeGH) checked(spec *speccheck.Spec) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := speccheck.ReadBody(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		op := f.log.Request(spec, r, body)
		rec := speccheck.NewRecorder(w)
		f.serve(rec, r)
		if rec.Wrote() && rec.Status() < 400 {
			f.log.Response(op, rec.Status(), w.Header(), rec.Body())
		}
	})
}

// apiURL is the base URL clients are configured with.
func (f *fakeGH) apiURL() string { return f.srv.URL + fakeBase + "/" }

func (f *fakeGH) source(t *testing.T, o Options, services ...Service) *Source {
	t.Helper()
	return newTestSource(t, o, f.apiURL(), NewToken(testToken, "GH_TOKEN"), f.clock.Now, services)
}

func (f *fakeGH) nextID() int64 {
	f.seq++
	return f.seq
}

// addRun adds the repository's newest run of deploy.yml on main.
func (f *fakeGH) addRun(repo, sha, status, conclusion string) *fakeRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := stamp(f.clock.Now())
	obj := exampleObject(f.t, "workflow-run-paginated", "workflow_runs")
	id := f.nextID()
	var conc any
	if conclusion != "" {
		conc = conclusion
	}
	head := obj["head_commit"].(map[string]any)
	with(head, "id", sha, "message", "Ship run "+strconv.FormatInt(id, 10)+"\n\nwith a body")
	with(obj, "id", float64(id), "name", "Deploy", "head_branch", "main", "head_sha", sha,
		"path", ".github/workflows/deploy.yml@main", "run_number", float64(len(f.runs[repo])+1),
		"status", status, "conclusion", conc, "created_at", now, "updated_at", now, "run_started_at", now,
		"display_title", "Ship run "+strconv.FormatInt(id, 10))
	r := &fakeRun{repo: repo, obj: obj}
	f.runs[repo] = append([]*fakeRun{r}, f.runs[repo]...)
	return r
}

// addJob adds a job to a run.
func (f *fakeGH) addJob(r *fakeRun, name, status, conclusion string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := exampleObject(f.t, "job-paginated", "jobs")
	now := stamp(f.clock.Now())
	var conc, done any
	if conclusion != "" {
		conc, done = conclusion, now
	}
	with(j, "id", float64(f.nextID()), "run_id", float64(r.id()), "name", name, "status", status, "conclusion", conc,
		"head_sha", r.obj["head_sha"], "created_at", now, "started_at", now, "completed_at", done, "workflow_name", "Deploy")
	if status != "completed" {
		j["steps"] = []any{}
	}
	r.jobs = append(r.jobs, j)
	f.touch(r)
	return j
}

// setJob changes a job's status.
func (f *fakeGH) setJob(r *fakeRun, name, status, conclusion string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, j := range r.jobs {
		if j["name"] == name {
			var conc any
			if conclusion != "" {
				conc = conclusion
			}
			with(j, "status", status, "conclusion", conc)
		}
	}
	f.touch(r)
}

// setStatus changes a run's status.
func (f *fakeGH) setStatus(r *fakeRun, status, conclusion string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var conc any
	if conclusion != "" {
		conc = conclusion
	}
	with(r.obj, "status", status, "conclusion", conc)
	f.touch(r)
}

func (f *fakeGH) touch(r *fakeRun) { r.obj["updated_at"] = stamp(f.clock.Now()) }

// pend makes a run wait for an environment.
func (f *fakeGH) pend(r *fakeRun, envID int64, env string, canApprove bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := exampleObject(f.t, "pending-deployment-items", "")
	with(p["environment"].(map[string]any), "id", float64(envID), "name", env)
	// The example's second reviewer, a team, does not match the spec's own
	// schema (its "parent": null); the user reviewer does.
	p["reviewers"] = p["reviewers"].([]any)[:1]
	with(p, "current_user_can_approve", canApprove, "wait_timer", float64(0))
	r.pending = append(r.pending, p)
}

func (f *fakeGH) addFile(repo, sha, path, content string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[repo+"@"+sha+":"+path] = content
}

// failNext answers the next request of an operation with a canned answer.
func (f *fakeGH) failNext(op string, status int, header map[string]string, body any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], fault{status, header, body})
}

func (f *fakeGH) requests() []seenReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.seen)
}

func (f *fakeGH) resetSeen() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = nil
}

// count is how many requests each operation got, and how many were 304s.
func (f *fakeGH) count() (ops map[string]int, notModified int) {
	ops = map[string]int{}
	for _, r := range f.requests() {
		ops[r.Op]++
		if r.Status == http.StatusNotModified {
			notModified++
		}
	}
	return ops, notModified
}

func errBody(msg string) map[string]any {
	return map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest"}
}

func (f *fakeGH) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	rec := seenReq{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(),
		IfNoneMatch: r.Header.Get("If-None-Match"), Auth: r.Header.Get("Authorization"), Body: string(body)}
	op, status, out := f.route(r, body)
	rec.Op = op
	if q := f.faults[op]; len(q) > 0 {
		f.faults[op] = q[1:]
		for k, v := range q[0].header {
			w.Header().Set(k, v)
		}
		status, out = q[0].status, q[0].body
	}
	if rec.Auth != "Bearer "+testToken && status < 400 {
		status, out = http.StatusUnauthorized, errBody("Bad credentials")
	}
	w.Header().Set("X-GitHub-Request-Id", fmt.Sprintf("REQ%04d", len(f.seen)+1))
	var b []byte
	if out != nil {
		b, _ = json.Marshal(out)
	}
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(append([]byte(rec.Auth), b...))
		etag := `W/"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if rec.IfNoneMatch == etag {
			status, b = http.StatusNotModified, nil
		}
	}
	if status != http.StatusNotModified && w.Header().Get(hdrRemaining) == "" {
		f.remaining = max(0, f.remaining-1)
	}
	if w.Header().Get(hdrRemaining) == "" {
		w.Header().Set(hdrLimit, strconv.Itoa(f.limit))
		w.Header().Set(hdrRemaining, strconv.Itoa(f.remaining))
		w.Header().Set(hdrReset, strconv.FormatInt(f.reset.Unix(), 10))
		w.Header().Set(hdrResource, "core")
	}
	rec.Status = status
	f.seen = append(f.seen, rec)
	if b != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// route answers one request from the state: its operation, status and body.
func (f *fakeGH) route(r *http.Request, body []byte) (op string, status int, out any) {
	p := strings.TrimPrefix(r.URL.Path, fakeBase)
	seg := strings.Split(strings.Trim(p, "/"), "/")
	if len(seg) < 4 || seg[0] != "repos" {
		return "unknown", http.StatusNotFound, errBody("Not Found")
	}
	repo, rest := seg[1]+"/"+seg[2], seg[3:]
	get := r.Method == http.MethodGet
	switch {
	case get && len(rest) == 4 && rest[0] == "actions" && rest[1] == "workflows" && rest[3] == "runs":
		status, out := f.listRuns(repo, r.URL.Query())
		return "list-workflow-runs", status, out
	case len(rest) >= 3 && rest[0] == "actions" && rest[1] == "runs":
		return f.runRoute(r, repo, rest[2:], body)
	case r.Method == http.MethodPost && len(rest) == 4 && rest[0] == "actions" && rest[1] == "jobs" && rest[3] == "rerun":
		return f.rerunJob(repo, rest[2])
	case get && len(rest) == 3 && rest[0] == "actions" && rest[1] == "workflows":
		wf := exampleObject(f.t, "workflow", "")
		return "get-workflow", http.StatusOK, with(wf, "path", ".github/workflows/deploy.yml")
	case get && rest[0] == "contents":
		path, _ := url.PathUnescape(strings.Join(rest[1:], "/"))
		return f.content(repo, path, r.URL.Query().Get("ref"))
	case get && len(rest) == 2 && rest[0] == "commits":
		if c, ok := f.commits[repo+"@"+rest[1]]; ok {
			return "get-commit", http.StatusOK, c
		}
		return "get-commit", http.StatusNotFound, errBody("No commit found for SHA: " + rest[1])
	case get && len(rest) == 2 && rest[0] == "compare":
		bh, _ := url.PathUnescape(rest[1])
		if c, ok := f.compares[repo+"@"+bh]; ok {
			return "compare", http.StatusOK, c
		}
		return "compare", http.StatusNotFound, errBody("Not Found")
	}
	return "unknown", http.StatusNotFound, errBody("Not Found")
}

func (f *fakeGH) listRuns(repo string, q url.Values) (int, any) {
	if _, ok := f.runs[repo]; !ok {
		return http.StatusNotFound, errBody("Not Found")
	}
	n, _ := strconv.Atoi(q.Get("per_page"))
	out := []any{}
	for _, r := range f.runs[repo] {
		if b := q.Get("branch"); b == "" || r.obj["head_branch"] == b {
			out = append(out, r.obj)
		}
	}
	total := len(out)
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return http.StatusOK, map[string]any{"total_count": total, "workflow_runs": out}
}

func (f *fakeGH) findRun(repo, id string) *fakeRun {
	for _, r := range f.runs[repo] {
		if strconv.FormatInt(r.id(), 10) == id {
			return r
		}
	}
	return nil
}

func (f *fakeGH) runRoute(r *http.Request, repo string, rest []string, body []byte) (string, int, any) {
	run := f.findRun(repo, rest[0])
	sub := strings.Join(rest[1:], "/")
	op := map[string]string{"": "get-workflow-run", "jobs": "list-jobs", "pending_deployments": "pending-deployments",
		"approvals": "get-reviews", "rerun-failed-jobs": "rerun-failed", "cancel": "cancel"}[sub]
	if r.Method == http.MethodPost && sub == "pending_deployments" {
		op = "review-pending-deployments"
	}
	if run == nil {
		return op, http.StatusNotFound, errBody("Not Found")
	}
	switch op {
	case "get-workflow-run":
		return op, http.StatusOK, run.obj
	case "list-jobs":
		return op, http.StatusOK, map[string]any{"total_count": len(run.jobs), "jobs": orEmpty(run.jobs)}
	case "pending-deployments":
		return op, http.StatusOK, orEmpty(run.pending)
	case "get-reviews":
		return op, http.StatusOK, orEmpty(run.reviews)
	case "review-pending-deployments":
		return op, http.StatusOK, f.review(run, body)
	case "rerun-failed":
		with(run.obj, "status", "queued", "conclusion", nil, "run_attempt", run.obj["run_attempt"].(float64)+1)
		f.touch(run)
		return op, http.StatusCreated, map[string]any{}
	case "cancel":
		if run.obj["status"] == "completed" {
			return op, http.StatusConflict, errBody("Cannot cancel a workflow run that is completed.")
		}
		with(run.obj, "status", "completed", "conclusion", "cancelled")
		f.touch(run)
		return op, http.StatusAccepted, map[string]any{}
	}
	return op, http.StatusNotFound, errBody("Not Found")
}

// rerunJob re-runs one job as its run's next attempt; a run created more
// than 30 days ago is refused as GitHub refuses it.
func (f *fakeGH) rerunJob(repo, id string) (string, int, any) {
	const op = "rerun-job"
	for _, run := range f.runs[repo] {
		for _, j := range run.jobs {
			if strconv.FormatInt(int64(j["id"].(float64)), 10) != id {
				continue
			}
			created, _ := time.Parse(time.RFC3339, run.obj["created_at"].(string))
			if f.clock.Now().Sub(created) > 30*24*time.Hour {
				return op, http.StatusForbidden, errBody("Unable to retry this workflow run because it was created over a month ago.")
			}
			with(run.obj, "status", "queued", "conclusion", nil, "run_attempt", run.obj["run_attempt"].(float64)+1)
			f.touch(run)
			return op, http.StatusCreated, map[string]any{}
		}
	}
	return op, http.StatusNotFound, errBody("Not Found")
}

func orEmpty(l []map[string]any) []map[string]any {
	if l == nil {
		return []map[string]any{}
	}
	return l
}

// review answers a review: the environments leave the pending list, a
// review is recorded, and an approved run goes on.
func (f *fakeGH) review(run *fakeRun, body []byte) any {
	var rq reviewReq
	_ = json.Unmarshal(body, &rq)
	rq.Run = run.id()
	f.reviews = append(f.reviews, rq)
	var envs []any
	run.pending = slices.DeleteFunc(run.pending, func(p map[string]any) bool {
		e := p["environment"].(map[string]any)
		if slices.Contains(rq.EnvIDs, int64(e["id"].(float64))) {
			envs = append(envs, with(clone(e).(map[string]any), "created_at", stamp(t0), "updated_at", stamp(f.clock.Now())))
			return true
		}
		return false
	})
	rv := exampleObject(f.t, "environment-approvals-items", "")
	with(rv, "state", rq.State, "comment", rq.Comment, "environments", envs)
	run.reviews = append(run.reviews, rv)
	if len(run.pending) == 0 {
		if rq.State == "approved" {
			with(run.obj, "status", "in_progress")
		} else {
			with(run.obj, "status", "completed", "conclusion", "failure")
		}
		for _, j := range run.jobs {
			if j["status"] == "waiting" {
				if rq.State == "approved" {
					j["status"] = "in_progress"
				} else {
					with(j, "status", "completed", "conclusion", "failure", "completed_at", stamp(f.clock.Now()))
				}
			}
		}
	}
	f.touch(run)
	return example(f.t, "deployment-items")
}

func (f *fakeGH) content(repo, path, ref string) (string, int, any) {
	src, ok := f.files[repo+"@"+ref+":"+path]
	if !ok {
		return "get-content", http.StatusNotFound, errBody("Not Found")
	}
	c := exampleObject(f.t, "content-file-response-if-content-is-a-file", "")
	name := path[strings.LastIndex(path, "/")+1:]
	with(c, "name", name, "path", path, "size", float64(len(src)), "encoding", "base64",
		"content", wrap76(base64.StdEncoding.EncodeToString([]byte(src))))
	if len(src) > 1<<20 {
		// Between 1 and 100 MB, GitHub sends the object without content.
		with(c, "encoding", "none", "content", "")
	}
	return "get-content", http.StatusOK, c
}

// wrap76 breaks base64 into lines as GitHub does.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 60 {
		b.WriteString(s[:60] + "\n")
		s = s[60:]
	}
	b.WriteString(s + "\n")
	return b.String()
}
