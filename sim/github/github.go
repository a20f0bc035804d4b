// Package github is GitHub REST over the world's CI part (sim/ci)
// (sim/specs/github-rest-subset.openapi.json): the subset
// flightdeck's GitHub Actions provider reads and acts through, at the root
// (/repos/…, /rate_limit, as api.github.com serves it) and under /api/v3
// (as GitHub Enterprise Server does). It serves the world's GitHub Actions
// services (web and worker in the demo: their runs, attempts, jobs with
// steps, pending deployments and reviews, the workflow files), and commits
// and compares of every service's repository. Conditional requests and
// rate limits are in rate.go, the workflow files in workflowfile.go. The
// answers' shapes (Run, Job, Pending, …) are exported for the sim's tests
// to decode into.
//
// Where the spec is silent the sim chooses, and says so here:
//
//   - auth first: no Authorization → 401 "Requires authentication"; one
//     that is not "Bearer X" or "token X" with X non-empty → 401 "Bad
//     credentials". GET /rate_limit answers without a token too.
//   - an unknown path, an unknown repository, run, job or workflow, and a
//     method a path does not have → 404 "Not Found", as GitHub answers;
//     operations the spec has that the sim does not simulate → 501.
//   - a run's jobs list holds the jobs GitHub has created: none that still
//     waits for its needs (the graph is the workflow file's, which a client
//     reads through the contents API). Jobs that will never run are
//     completed/skipped. A job waiting for a reviewer is "waiting" with no
//     steps, and so is its run.
//   - a rerun is the run's next attempt (run_attempt, previous_attempt_url);
//     filter=latest lists each job's latest execution: the jobs it did not
//     run again keep their id and attempt. Reruns of a run not completed →
//     403 "This workflow is already running"; rerun-failed-jobs with nothing
//     failed → 403 "This workflow run cannot be retried". Re-running one
//     job (actions/jobs/{id}/rerun) reruns that job and those that need it
//     as the run's next attempt; the others keep their outcome. A run
//     created more than 30 days ago cannot be re-run → 403 "Unable to
//     retry this workflow run because it was created over a month ago.".
//   - cancel of a completed run → 409 "Cannot cancel a workflow run that is
//     completed."; otherwise 202 {} and the run's jobs end cancelled.
//   - reviewing environments the run is not waiting for → 422 "No pending
//     deployment requests to approve or reject"; the answer lists the
//     deployments an approval creates, [] for a rejection. A rejected job
//     fails with no steps, and its run fails.
//   - a ref is a full or abbreviated (4+) SHA, main, heads/main,
//     refs/heads/main or HEAD; a ref that resolves to nothing → 422 "No
//     commit found for SHA: …" (commits), 404 "No commit found for the ref
//     …" (contents), 404 (compare). Compare is three-dot on the one linear
//     main branch: ahead, behind or identical.
//   - lists page with per_page (default 30, at most 100) and page, a Link
//     header with next, last, first and prev as GitHub writes it; created
//     is accepted and not applied.
package github

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/ci"
	"github.com/airside-dev/flightdeck/sim/internal/ids"
	"github.com/airside-dev/flightdeck/sim/internal/loop"
	"github.com/airside-dev/flightdeck/sim/internal/rest"
)

// Part is GitHub's REST API over one world's CI part.
type Part struct {
	loop  *loop.Loop
	ci    *ci.Part
	user  ci.Person         // who owns the token: reviews, reruns and cancels are theirs
	lead  ci.Person         // a protected environment's reviewer besides the team
	files map[string]*Files // the GitHub Actions services' workflow files, by repository

	deployments int64 // id counter
	core, anon  rateBudget
	usage       Usage
}

// New is GitHub's API over c, on the world's loop; user owns the token
// every request with one is taken to carry, lead is a reviewer of every
// protected environment.
func New(l *loop.Loop, c *ci.Part, user, lead ci.Person) *Part {
	return &Part{loop: l, ci: c, user: user, lead: lead, files: map[string]*Files{}}
}

// AddFiles serves a repository's workflow files (its runs are the CI
// part's, which has their job graph). The loop is held, as the scenario
// holds it.
func (pt *Part) AddFiles(repo string, f *Files) { pt.files[repo] = f }

// webFlow commits what a pull request merged in the web UI becomes.
var webFlow = ghPerson{Login: "web-flow", ID: 19864447, Type: "User"}

type ghEndpoint struct {
	method  string
	pattern string // under /repos/{owner}/{repo}/; "*" is a segment, a last "**" the rest of the path
	op      string // the spec's operationId, also the request-count key
	doc     string // documentation_url of its errors
	serve   func(pt *Part, c *ghCall) ghReply
}

const (
	docRuns     = "https://docs.github.com/rest/actions/workflow-runs"
	docJobs     = "https://docs.github.com/rest/actions/workflow-jobs"
	docFlows    = "https://docs.github.com/rest/actions/workflows"
	docCommits  = "https://docs.github.com/rest/commits/commits"
	docContents = "https://docs.github.com/rest/repos/contents#get-repository-content"
	docDeploys  = "https://docs.github.com/rest/deployments/deployments"
	docEnvs     = "https://docs.github.com/rest/deployments/environments"
	opRateLimit = "rate-limit/get"
)

var gitHubEndpoints = []ghEndpoint{
	{http.MethodGet, "actions/workflows", "actions/list-repo-workflows", docFlows, (*Part).ghListWorkflows},
	{http.MethodGet, "actions/workflows/*", "actions/get-workflow", docFlows, (*Part).ghGetWorkflow},
	{http.MethodGet, "actions/workflows/*/runs", "actions/list-workflow-runs", docRuns, (*Part).ghListWorkflowRuns},
	{http.MethodGet, "actions/runs", "actions/list-workflow-runs-for-repo", docRuns, (*Part).ghListRepoRuns},
	{http.MethodGet, "actions/runs/*", "actions/get-workflow-run", docRuns, (*Part).ghGetRun},
	{http.MethodDelete, "actions/runs/*", "actions/delete-workflow-run", docRuns, ghNotSimulated},
	{http.MethodGet, "actions/runs/*/attempts/*", "actions/get-workflow-run-attempt", docRuns, (*Part).ghGetRunAttempt},
	{http.MethodGet, "actions/runs/*/jobs", "actions/list-jobs-for-workflow-run", docJobs, (*Part).ghListJobs},
	{http.MethodGet, "actions/jobs/*", "actions/get-job-for-workflow-run", docJobs, (*Part).ghGetJob},
	{http.MethodGet, "actions/jobs/*/logs", "actions/download-job-logs-for-workflow-run", docJobs, (*Part).ghJobLogs},
	{http.MethodGet, "actions/runs/*/pending_deployments", "actions/get-pending-deployments-for-run", docRuns, (*Part).ghPendingDeployments},
	{http.MethodPost, "actions/runs/*/pending_deployments", "actions/review-pending-deployments-for-run", docRuns, (*Part).ghReviewDeployments},
	{http.MethodGet, "actions/runs/*/approvals", "actions/get-reviews-for-run", docRuns, (*Part).ghApprovals},
	{http.MethodPost, "actions/runs/*/rerun", "actions/re-run-workflow", docRuns, (*Part).ghRerun},
	{http.MethodPost, "actions/runs/*/rerun-failed-jobs", "actions/re-run-workflow-failed-jobs", docRuns, (*Part).ghRerunFailed},
	{http.MethodPost, "actions/runs/*/cancel", "actions/cancel-workflow-run", docRuns, (*Part).ghCancel},
	{http.MethodPost, "actions/jobs/*/rerun", "actions/re-run-job-for-workflow-run", docRuns, (*Part).ghRerunJob},
	{http.MethodGet, "commits", "repos/list-commits", docCommits, ghNotSimulated},
	{http.MethodGet, "commits/**", "repos/get-commit", docCommits, (*Part).ghGetCommit},
	{http.MethodGet, "compare/**", "repos/compare-commits-with-basehead", docCommits, (*Part).ghCompare},
	{http.MethodGet, "contents/**", "repos/get-content", docContents, (*Part).ghGetContent},
	{http.MethodPut, "contents/**", "repos/create-or-update-file-contents", docContents, ghNotSimulated},
	{http.MethodDelete, "contents/**", "repos/delete-file", docContents, ghNotSimulated},
	{http.MethodGet, "deployments", "repos/list-deployments", docDeploys, ghNotSimulated},
	{http.MethodPost, "deployments", "repos/create-deployment", docDeploys, ghNotSimulated},
	{http.MethodGet, "deployments/*", "repos/get-deployment", docDeploys, ghNotSimulated},
	{http.MethodDelete, "deployments/*", "repos/delete-deployment", docDeploys, ghNotSimulated},
	{http.MethodGet, "deployments/*/statuses", "repos/list-deployment-statuses", docDeploys, ghNotSimulated},
	{http.MethodPost, "deployments/*/statuses", "repos/create-deployment-status", docDeploys, ghNotSimulated},
	{http.MethodGet, "environments", "repos/get-all-environments", docEnvs, ghNotSimulated},
	{http.MethodGet, "environments/*", "repos/get-environment", docEnvs, ghNotSimulated},
	{http.MethodPut, "environments/*", "repos/create-or-update-environment", docEnvs, ghNotSimulated},
	{http.MethodDelete, "environments/*", "repos/delete-an-environment", docEnvs, ghNotSimulated},
}

var rateLimitEndpoint = ghEndpoint{http.MethodGet, "", opRateLimit, gitHubRateDocs, (*Part).ghRateLimit}

// Route finds the endpoint for a request whose path, /api/v3 taken off,
// is gp: its operation name (for the request counts) and the handler.
func (pt *Part) Route(r *http.Request, gp string) (string, http.HandlerFunc) {
	var found *ghEndpoint
	var args []string
	segs := strings.Split(strings.TrimPrefix(gp, "/"), "/")
	switch {
	case gp == "/rate_limit" && r.Method == http.MethodGet:
		found = &rateLimitEndpoint
	case len(segs) >= 3 && segs[0] == "repos" && segs[1] != "" && segs[2] != "":
		for i := range gitHubEndpoints {
			ep := &gitHubEndpoints[i]
			if a, ok := rest.Match(strings.Split(ep.pattern, "/"), segs[3:]); ok && ep.method == r.Method {
				found, args = ep, append(segs[1:3:3], a...)
				break
			}
		}
	}
	op := r.Method + " " + gp
	if found != nil {
		op = found.op
	}
	return op, func(rw http.ResponseWriter, r *http.Request) { pt.serveGitHub(rw, r, found, args) }
}

// ghCall is one request to an endpoint.
type ghCall struct {
	r       *http.Request
	args    []string // owner, repo, then the pattern's wildcards
	repo    *ci.Repo // the repository named, nil for /rate_limit
	actions *Files   // its workflow files, nil for a CircleCI service
	api     string   // the API root as the client reached it, ending in "/"
}

// repoAPI is the repository's API URL.
func (c *ghCall) repoAPI() string { return c.api + "repos/" + c.repo.Name }

func (c *ghCall) query(name string) string { return c.r.URL.Query().Get(name) }

// ghReply is a handler's answer; serveGitHub writes it.
type ghReply struct {
	status  int
	body    any       // JSON; a ghMessage for errors
	lastMod time.Time // Last-Modified, where GitHub dates the resource
	link    string    // Link, for lists
	// location is a redirect's target (a 302 with no body).
	location string
}

// ghMessage is an error's message; serveGitHub adds the endpoint's docs.
type ghMessage string

func ghFail(status int, msg string) ghReply { return ghReply{status: status, body: ghMessage(msg)} }

func ghOK(v any) ghReply { return ghReply{status: http.StatusOK, body: v} }

var ghNotFound = ghFail(http.StatusNotFound, "Not Found")

func ghNotSimulated(_ *Part, c *ghCall) ghReply {
	return ghFail(http.StatusNotImplemented, "The flightdeck sim does not simulate "+c.r.Method+" "+c.r.URL.Path+".")
}

// serveGitHub answers a GitHub request: auth, the rate limit, the handler
// (under the world's lock, so an answer is one moment of the world), then
// the conditional-request and rate-limit bookkeeping of rate.go.
func (pt *Part) serveGitHub(rw http.ResponseWriter, r *http.Request, ep *ghEndpoint, args []string) {
	token, authProblem := gitHubToken(r)
	free := ep != nil && ep.op == opRateLimit
	doc := gitHubDocs
	if ep != nil {
		doc = ep.doc
	}
	pt.loop.Lock()
	budget := pt.gitHubBudget(token != "")
	charge := !free
	var rep ghReply
	switch {
	case budget.remaining() == 0 && !free:
		rep, charge, doc = ghFail(http.StatusForbidden, pt.rateLimitMessage(token != "", r)), false, gitHubRateDocs
		pt.usage.RateLimited++
	case authProblem != "" && !free:
		rep = ghFail(http.StatusUnauthorized, authProblem)
	case ep == nil:
		rep = ghNotFound
	default:
		c := &ghCall{r: r, args: args, api: gitHubAPIRoot(r)}
		if len(args) >= 2 {
			c.repo = pt.repoByName(args[0] + "/" + args[1])
			if c.repo != nil {
				c.actions = pt.files[c.repo.Name]
			}
		}
		if c.repo == nil && !free {
			rep = ghNotFound
		} else {
			rep = ep.serve(pt, c)
		}
	}
	if msg, ok := rep.body.(ghMessage); ok {
		rep.body = ErrorBody{Message: string(msg), DocumentationURL: doc, Status: strconv.Itoa(rep.status)}
	}
	var body []byte
	if rep.body != nil {
		body, _ = json.Marshal(rep.body)
		body = append(body, '\n')
	}
	h := rw.Header()
	status := rep.status
	if r.Method == http.MethodGet && status == http.StatusOK {
		etag := etagOf(body)
		h.Set("ETag", etag)
		if !rep.lastMod.IsZero() {
			h.Set("Last-Modified", rep.lastMod.UTC().Format(http.TimeFormat))
		}
		h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
		if notModified(r, etag, rep.lastMod) {
			status, body, charge = http.StatusNotModified, nil, false
			pt.usage.NotModified++
		}
	}
	if charge {
		budget.used++
		if token != "" {
			pt.usage.Counted++
		}
	}
	if token == "" {
		pt.usage.Unauthenticated++
	}
	setRateHeaders(h, budget)
	pt.loop.Unlock()

	h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	if rep.link != "" {
		h.Set("Link", rep.link)
	}
	if rep.location != "" {
		h.Set("Location", rep.location)
	}
	if body != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	rw.WriteHeader(status)
	rw.Write(body)
}

func (pt *Part) rateLimitMessage(token bool, r *http.Request) string {
	if !token {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		return "API rate limit exceeded for " + host + ". (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
	}
	return fmt.Sprintf("API rate limit exceeded for user ID %d.", pt.user.GitHubID())
}

// gitHubAPIRoot is the API's root URL as the request reached it.
func gitHubAPIRoot(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	root := scheme + "://" + r.Host + "/"
	if strings.HasPrefix(r.URL.Path, "/api/v3/") {
		root += "api/v3/"
	}
	return root
}

// repoByName finds a repository by owner/name, case-insensitively as GitHub does.
func (pt *Part) repoByName(full string) *ci.Repo {
	for _, r := range pt.ci.Repos() {
		if strings.EqualFold(r.Name, full) {
			return r
		}
	}
	return nil
}

// --- ids, times and people ---

func ghTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func ghTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ghTime(t)
	return &s
}

func nodeID(kind string, id int64) string {
	return kind + "_kwDO" + base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 36)))
}

func repoID(r *ci.Repo) int64 { return 700_000_000 + int64(ids.Hash("repo", r.Name)%100_000_000) }

// WorkflowID is the id of a repository's workflow file (path).
func WorkflowID(repo, path string) int64 {
	return 60_000_000 + int64(ids.Hash("workflow", repo, path)%40_000_000)
}

// EnvironmentID is the id of a repository's deployment environment.
func EnvironmentID(repo, env string) int64 {
	return 1_100_000_000 + int64(ids.Hash("environment", repo, env)%800_000_000)
}

func checkSuiteID(runID int64) int64 { return 29_000_000_000 + runID%1_000_000_000 }

// repoCreated is when the repository's history starts.
func repoCreated(r *ci.Repo) time.Time {
	if len(r.Commits) == 0 {
		return time.Time{}
	}
	return r.Commits[0].Time
}

type ghPerson struct {
	Login string
	ID    int64
	Type  string
}

func personOf(p ci.Person) ghPerson { return ghPerson{Login: p.Login, ID: p.GitHubID(), Type: "User"} }

type ghUser struct {
	Login             string `json:"login"`
	ID                int64  `json:"id"`
	NodeID            string `json:"node_id"`
	AvatarURL         string `json:"avatar_url"`
	GravatarID        string `json:"gravatar_id"`
	URL               string `json:"url"`
	HTMLURL           string `json:"html_url"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	Type              string `json:"type"`
	UserViewType      string `json:"user_view_type"`
	SiteAdmin         bool   `json:"site_admin"`
}

func (c *ghCall) user(p ghPerson) ghUser {
	kind, coll := "U", "users/"
	if p.Type == "Organization" {
		kind = "O"
	}
	u := c.api + coll + p.Login
	return ghUser{
		Login: p.Login, ID: p.ID, NodeID: nodeID(kind, p.ID),
		AvatarURL: fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", p.ID), URL: u,
		HTMLURL: "https://github.com/" + p.Login, FollowersURL: u + "/followers", FollowingURL: u + "/following{/other_user}",
		GistsURL: u + "/gists{/gist_id}", StarredURL: u + "/starred{/owner}{/repo}", SubscriptionsURL: u + "/subscriptions",
		OrganizationsURL: u + "/orgs", ReposURL: u + "/repos", EventsURL: u + "/events{/privacy}",
		ReceivedEventsURL: u + "/received_events", Type: p.Type, UserViewType: "public",
	}
}

// repoObject is a minimal-repository.
func (c *ghCall) repoObject(r *ci.Repo) map[string]any {
	api := c.api + "repos/" + r.Name
	owner, name, _ := strings.Cut(r.Name, "/")
	id := repoID(r)
	m := map[string]any{
		"id": id, "node_id": nodeID("R", id), "name": name, "full_name": r.Name, "private": true,
		"owner":    c.user(ghPerson{Login: owner, ID: 40_000_000 + int64(ids.Hash("org", owner)%10_000_000), Type: "Organization"}),
		"html_url": "https://github.com/" + r.Name, "description": nil, "fork": false, "url": api,
		"visibility": "private", "default_branch": "main",
	}
	for _, u := range []string{
		"archive_url /{archive_format}{/ref}", "assignees_url /assignees{/user}", "blobs_url /git/blobs{/sha}",
		"branches_url /branches{/branch}", "collaborators_url /collaborators{/collaborator}", "comments_url /comments{/number}",
		"commits_url /commits{/sha}", "compare_url /compare/{base}...{head}", "contents_url /contents/{+path}",
		"contributors_url /contributors", "deployments_url /deployments", "downloads_url /downloads", "events_url /events",
		"forks_url /forks", "git_commits_url /git/commits{/sha}", "git_refs_url /git/refs{/sha}", "git_tags_url /git/tags{/sha}",
		"hooks_url /hooks", "issue_comment_url /issues/comments{/number}", "issue_events_url /issues/events{/number}",
		"issues_url /issues{/number}", "keys_url /keys{/key_id}", "labels_url /labels{/name}", "languages_url /languages",
		"merges_url /merges", "milestones_url /milestones{/number}", "notifications_url /notifications{?since,all,participating}",
		"pulls_url /pulls{/number}", "releases_url /releases{/id}", "stargazers_url /stargazers", "statuses_url /statuses/{sha}",
		"subscribers_url /subscribers", "subscription_url /subscription", "tags_url /tags", "teams_url /teams", "trees_url /git/trees{/sha}",
	} {
		key, suffix, _ := strings.Cut(u, " ")
		m[key] = api + suffix
	}
	return m
}

// --- workflows ---

type Workflow struct {
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Name      string `json:"name"`
	Path      string `json:"path"`
	State     string `json:"state"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
	BadgeURL  string `json:"badge_url"`
}

func (c *ghCall) workflowObject(f *file) Workflow {
	id := WorkflowID(c.repo.Name, f.path)
	created := ghTime(repoCreated(c.repo))
	return Workflow{
		ID: id, NodeID: nodeID("W", id), Name: f.name, Path: f.path, State: "active", CreatedAt: created, UpdatedAt: created,
		URL:      c.repoAPI() + "/actions/workflows/" + strconv.FormatInt(id, 10),
		HTMLURL:  "https://github.com/" + c.repo.Name + "/blob/main/" + f.path,
		BadgeURL: "https://github.com/" + c.repo.Name + "/workflows/" + url.PathEscape(f.name) + "/badge.svg",
	}
}

func (pt *Part) ghListWorkflows(c *ghCall) ghReply {
	out := struct {
		TotalCount int        `json:"total_count"`
		Workflows  []Workflow `json:"workflows"`
	}{Workflows: []Workflow{}}
	if gw := c.actions; gw != nil {
		for i := range gw.files {
			out.Workflows = append(out.Workflows, c.workflowObject(&gw.files[i]))
		}
	}
	out.TotalCount = len(out.Workflows)
	page, link := c.page(len(out.Workflows))
	out.Workflows = out.Workflows[page[0]:page[1]]
	return ghReply{status: http.StatusOK, body: out, link: link}
}

// workflowFile finds a workflow by id or file name, as workflow_id may be.
func (c *ghCall) workflowFile(id string) *file {
	gw := c.actions
	if gw == nil {
		return nil
	}
	for i := range gw.files {
		f := &gw.files[i]
		if id == strconv.FormatInt(WorkflowID(c.repo.Name, f.path), 10) || id == path.Base(f.path) {
			return f
		}
	}
	return nil
}

func (pt *Part) ghGetWorkflow(c *ghCall) ghReply {
	if f := c.workflowFile(c.args[2]); f != nil {
		return ghOK(c.workflowObject(f))
	}
	return ghNotFound
}

// --- runs ---

type Run struct {
	ID                  int64          `json:"id"`
	Name                string         `json:"name"`
	NodeID              string         `json:"node_id"`
	CheckSuiteID        int64          `json:"check_suite_id"`
	CheckSuiteNodeID    string         `json:"check_suite_node_id"`
	HeadBranch          string         `json:"head_branch"`
	HeadSHA             string         `json:"head_sha"`
	Path                string         `json:"path"`
	DisplayTitle        string         `json:"display_title"`
	RunNumber           int            `json:"run_number"`
	Event               string         `json:"event"`
	Status              string         `json:"status"`
	Conclusion          *string        `json:"conclusion"`
	WorkflowID          int64          `json:"workflow_id"`
	URL                 string         `json:"url"`
	HTMLURL             string         `json:"html_url"`
	PullRequests        []any          `json:"pull_requests"`
	CreatedAt           string         `json:"created_at"`
	UpdatedAt           string         `json:"updated_at"`
	Actor               ghUser         `json:"actor"`
	RunAttempt          int            `json:"run_attempt"`
	ReferencedWorkflows []ghReferenced `json:"referenced_workflows"`
	RunStartedAt        string         `json:"run_started_at"`
	TriggeringActor     ghUser         `json:"triggering_actor"`
	JobsURL             string         `json:"jobs_url"`
	LogsURL             string         `json:"logs_url"`
	CheckSuiteURL       string         `json:"check_suite_url"`
	ArtifactsURL        string         `json:"artifacts_url"`
	CancelURL           string         `json:"cancel_url"`
	RerunURL            string         `json:"rerun_url"`
	PreviousAttemptURL  *string        `json:"previous_attempt_url"`
	WorkflowURL         string         `json:"workflow_url"`
	HeadCommit          ghHeadCommit   `json:"head_commit"`
	Repository          map[string]any `json:"repository"`
	HeadRepository      map[string]any `json:"head_repository"`
	HeadRepositoryID    int64          `json:"head_repository_id"`
}

type ghReferenced struct {
	Path string `json:"path"`
	SHA  string `json:"sha"`
	Ref  string `json:"ref"`
}

type ghHeadCommit struct {
	ID        string     `json:"id"`
	TreeID    string     `json:"tree_id"`
	Message   string     `json:"message"`
	Timestamp string     `json:"timestamp"`
	Author    ghGitActor `json:"author"`
	Committer ghGitActor `json:"committer"`
}

type ghGitActor struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date,omitempty"`
}

var gitHubCommitter = ghGitActor{Name: "GitHub", Email: "noreply@github.com"}

func treeSHA(c *ci.Commit) string {
	sum := sha1.Sum([]byte("tree\x00" + c.SHA))
	return hex.EncodeToString(sum[:])
}

// runStatus is a run's (or a job's) status and conclusion in GitHub's words.
func runStatus(s ci.RunStatus) (string, *string) {
	conclude := func(c string) (string, *string) { return "completed", &c }
	switch s {
	case ci.RunOnHold:
		return "waiting", nil
	case ci.RunSuccess:
		return conclude("success")
	case ci.RunFailed:
		return conclude("failure")
	case ci.RunCanceled:
		return conclude("cancelled")
	case ci.RunNotRun:
		return conclude("skipped")
	}
	return "in_progress", nil
}

// runObject renders a run as one attempt (n, from 1) shows it.
func (pt *Part) runObject(c *ghCall, p *ci.Pipeline, n int) Run {
	wf := p.Workflows[n-1]
	runURL := c.repoAPI() + "/actions/runs/" + strconv.FormatInt(p.RunID, 10)
	wfID := WorkflowID(c.repo.Name, DeployWorkflowPath)
	out := Run{
		ID: p.RunID, Name: wf.Name, NodeID: nodeID("WFR", p.RunID), CheckSuiteID: checkSuiteID(p.RunID),
		CheckSuiteNodeID: nodeID("CS", checkSuiteID(p.RunID)), HeadBranch: p.Branch, HeadSHA: p.SHA, Path: DeployWorkflowPath,
		RunNumber: p.Number, Event: "push", WorkflowID: wfID, URL: runURL,
		HTMLURL:      "https://github.com/" + c.repo.Name + "/actions/runs/" + strconv.FormatInt(p.RunID, 10),
		PullRequests: []any{}, CreatedAt: ghTime(p.CreatedAt), UpdatedAt: ghTime(p.UpdatedAt),
		Actor: c.user(personOf(p.Trigger)), RunAttempt: n, ReferencedWorkflows: []ghReferenced{},
		RunStartedAt: ghTime(wf.CreatedAt), TriggeringActor: c.user(personOf(wf.StartedBy)),
		JobsURL: runURL + "/jobs", LogsURL: runURL + "/logs", CheckSuiteURL: c.repoAPI() + "/check-suites/" + strconv.FormatInt(checkSuiteID(p.RunID), 10),
		ArtifactsURL: runURL + "/artifacts", CancelURL: runURL + "/cancel", RerunURL: runURL + "/rerun",
		WorkflowURL: c.repoAPI() + "/actions/workflows/" + strconv.FormatInt(wfID, 10),
		Repository:  c.repoObject(c.repo), HeadRepository: c.repoObject(c.repo), HeadRepositoryID: repoID(c.repo),
	}
	out.Status, out.Conclusion = runStatus(wf.Status)
	if n > 1 {
		prev := runURL + "/attempts/" + strconv.Itoa(n-1)
		out.PreviousAttemptURL = &prev
	}
	for _, f := range c.actions.files[1:] {
		out.ReferencedWorkflows = append(out.ReferencedWorkflows, ghReferenced{Path: c.repo.Name + "/" + f.path + "@" + p.SHA, SHA: p.SHA, Ref: "refs/heads/" + p.Branch})
	}
	if cm := p.Commit(); cm != nil {
		out.DisplayTitle = cm.Subject
		out.HeadCommit = ghHeadCommit{
			ID: cm.SHA, TreeID: treeSHA(cm), Message: cm.Subject, Timestamp: ghTime(cm.Time),
			Author: ghGitActor{Name: cm.Author.Name, Email: cm.Author.Email}, Committer: gitHubCommitter,
		}
	}
	return out
}

type RunList struct {
	TotalCount   int   `json:"total_count"`
	WorkflowRuns []Run `json:"workflow_runs"`
}

func (pt *Part) ghListRepoRuns(c *ghCall) ghReply { return pt.runList(c) }

func (pt *Part) ghListWorkflowRuns(c *ghCall) ghReply {
	f := c.workflowFile(c.args[2])
	switch {
	case f == nil:
		return ghNotFound
	case f.path != DeployWorkflowPath: // a reusable workflow runs inside its callers' runs
		return ghOK(RunList{WorkflowRuns: []Run{}})
	}
	return pt.runList(c)
}

// runList lists the repository's runs, newest first, filtered as asked.
func (pt *Part) runList(c *ghCall) ghReply {
	q := c.r.URL.Query()
	var match []*ci.Pipeline
	for _, p := range slices.Backward(c.repo.Pipelines) {
		if p.RunID == 0 {
			continue
		}
		wf := p.Workflows[len(p.Workflows)-1]
		status, conclusion := runStatus(wf.Status)
		keep := func(param string, values ...string) bool {
			v := q.Get(param)
			return v == "" || slices.Contains(values, v)
		}
		suite := strconv.FormatInt(checkSuiteID(p.RunID), 10)
		if keep("branch", p.Branch) && keep("event", "push") && keep("head_sha", p.SHA) && keep("check_suite_id", suite) &&
			keep("actor", p.Trigger.Login, wf.StartedBy.Login) && (keep("status", status) || conclusion != nil && keep("status", *conclusion)) {
			match = append(match, p)
		}
	}
	page, link := c.page(len(match))
	out := RunList{TotalCount: len(match), WorkflowRuns: []Run{}}
	for _, p := range match[page[0]:page[1]] {
		out.WorkflowRuns = append(out.WorkflowRuns, pt.runObject(c, p, len(p.Workflows)))
	}
	return ghReply{status: http.StatusOK, body: out, link: link}
}

// run finds the run named by the first wildcard, in the call's repository.
func (pt *Part) run(c *ghCall) *ci.Pipeline {
	id, err := strconv.ParseInt(c.args[2], 10, 64)
	if p := pt.ci.Run(id); err == nil && p != nil && p.Repo == c.repo.Name {
		return p
	}
	return nil
}

func (pt *Part) ghGetRun(c *ghCall) ghReply {
	if p := pt.run(c); p != nil {
		return ghOK(pt.runObject(c, p, len(p.Workflows)))
	}
	return ghNotFound
}

func (pt *Part) ghGetRunAttempt(c *ghCall) ghReply {
	p := pt.run(c)
	n, err := strconv.Atoi(c.args[3])
	if p == nil || err != nil || n < 1 || n > len(p.Workflows) {
		return ghNotFound
	}
	return ghOK(pt.runObject(c, p, n))
}

// --- jobs ---

type Job struct {
	ID              int64    `json:"id"`
	RunID           int64    `json:"run_id"`
	WorkflowName    string   `json:"workflow_name"`
	HeadBranch      string   `json:"head_branch"`
	RunURL          string   `json:"run_url"`
	RunAttempt      int      `json:"run_attempt"`
	NodeID          string   `json:"node_id"`
	HeadSHA         string   `json:"head_sha"`
	URL             string   `json:"url"`
	HTMLURL         string   `json:"html_url"`
	Status          string   `json:"status"`
	Conclusion      *string  `json:"conclusion"`
	CreatedAt       string   `json:"created_at"`
	StartedAt       string   `json:"started_at"`
	CompletedAt     *string  `json:"completed_at"`
	Name            string   `json:"name"`
	Steps           []ghStep `json:"steps"`
	CheckRunURL     string   `json:"check_run_url"`
	Labels          []string `json:"labels"`
	RunnerID        *int64   `json:"runner_id"`
	RunnerName      *string  `json:"runner_name"`
	RunnerGroupID   *int64   `json:"runner_group_id"`
	RunnerGroupName *string  `json:"runner_group_name"`
}

type ghStep struct {
	Name        string  `json:"name"`
	Status      string  `json:"status"`
	Conclusion  *string `json:"conclusion"`
	Number      int     `json:"number"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
}

// listed says whether the jobs API shows a job: GitHub creates a job when
// its needs are met (or it is skipped), not before.
func listed(j *ci.Job) bool { return j.Status != ci.RunBlocked }

func (pt *Part) jobObject(c *ghCall, p *ci.Pipeline, wf *ci.Workflow, j *ci.Job) Job {
	runURL := c.repoAPI() + "/actions/runs/" + strconv.FormatInt(p.RunID, 10)
	id := strconv.FormatInt(j.GitHubID, 10)
	created := j.CreatedAt
	if created.IsZero() {
		created = j.StartedAt
	}
	out := Job{
		ID: j.GitHubID, RunID: p.RunID, WorkflowName: wf.Name, HeadBranch: p.Branch, RunURL: runURL, RunAttempt: j.Attempt,
		NodeID: nodeID("CR", j.GitHubID), HeadSHA: p.SHA, URL: c.repoAPI() + "/actions/jobs/" + id,
		HTMLURL:   "https://github.com/" + c.repo.Name + "/actions/runs/" + strconv.FormatInt(p.RunID, 10) + "/job/" + id,
		CreatedAt: ghTime(created), StartedAt: ghTime(created), Name: j.Name, Steps: pt.steps(j),
		CheckRunURL: c.repoAPI() + "/check-runs/" + id, Labels: []string{"ubuntu-latest"},
	}
	out.Status, out.Conclusion = runStatus(j.Status)
	if !j.StartedAt.IsZero() {
		out.StartedAt = ghTime(j.StartedAt)
		runner, group, groupName := int64(1+ids.Hash(id)%60), int64(0), "GitHub Actions"
		name := fmt.Sprintf("GitHub Actions %d", runner)
		out.RunnerID, out.RunnerName, out.RunnerGroupID, out.RunnerGroupName = &runner, &name, &group, &groupName
	}
	switch {
	case !j.StoppedAt.IsZero():
		out.CompletedAt = ghTimePtr(j.StoppedAt)
	case j.Status == ci.RunNotRun:
		out.CompletedAt = ghTimePtr(created)
	}
	return out
}

// steps are a job's steps at the world's time: the steps before the long
// one take the first part of the job (a deploy's set-up, a third of a
// build or test), the long one the rest, and the post steps end with the
// job. The step a job fails or is cancelled in carries its conclusion and
// the steps after it are skipped, but for the post steps, which run
// anyway. A job that has not run (waiting, skipped, rejected) has none.
func (pt *Part) steps(j *ci.Job) []ghStep {
	out := []ghStep{}
	if j.Def() == nil || j.StartedAt.IsZero() {
		return out
	}
	start, end, long := j.StartedAt, j.StoppedAt, j.Def().LongStep
	setup := j.Planned() / 3
	if j.Environment != "" {
		setup = j.Planned()
	}
	_, concl := runStatus(j.Status)
	ended := false // an earlier step ended the job
	for i, name := range j.Def().Steps {
		s := ghStep{Name: name, Number: i + 1, Status: "queued"}
		from, to := start.Add(setup), end
		if i < long {
			from, to = start.Add(setup*time.Duration(i)/time.Duration(long)), start.Add(setup*time.Duration(i+1)/time.Duration(long))
		}
		done := func(c string, from, to time.Time) {
			s.Status, s.Conclusion, s.StartedAt, s.CompletedAt = "completed", &c, ghTimePtr(from), ghTimePtr(to)
		}
		switch {
		case end.IsZero() && i < long && !pt.loop.Now().Before(to):
			done("success", from, to)
		case end.IsZero() && i <= long && !pt.loop.Now().Before(from):
			s.Status, s.StartedAt = "in_progress", ghTimePtr(from)
		case end.IsZero():
		case i > long:
			done("success", end, end)
		case ended:
			s.Status, s.Conclusion = "completed", strPtr("skipped")
		case *concl != "success" && (i == long || to.After(end)):
			done(*concl, from, end)
			ended = true
		default:
			done("success", from, to)
		}
		out = append(out, s)
	}
	return out
}

func strPtr(s string) *string { return &s }

type JobList struct {
	TotalCount int   `json:"total_count"`
	Jobs       []Job `json:"jobs"`
}

func (pt *Part) ghListJobs(c *ghCall) ghReply {
	p := pt.run(c)
	if p == nil {
		return ghNotFound
	}
	filter := c.query("filter")
	if filter != "" && filter != "latest" && filter != "all" {
		return ghFail(http.StatusUnprocessableEntity, "Invalid request.\n\n"+strconv.Quote(filter)+" is not a valid filter: use latest or all.")
	}
	type entry struct {
		wf *ci.Workflow
		j  *ci.Job
	}
	var all []entry
	seen := map[int64]bool{}
	wfs := p.Workflows[len(p.Workflows)-1:]
	if filter == "all" {
		wfs = p.Workflows
	}
	for _, wf := range wfs {
		for _, j := range wf.Jobs {
			if listed(j) && !seen[j.GitHubID] {
				seen[j.GitHubID] = true
				all = append(all, entry{wf, j})
			}
		}
	}
	page, link := c.page(len(all))
	out := JobList{TotalCount: len(all), Jobs: []Job{}}
	for _, e := range all[page[0]:page[1]] {
		out.Jobs = append(out.Jobs, pt.jobObject(c, p, e.wf, e.j))
	}
	return ghReply{status: http.StatusOK, body: out, link: link}
}

func (pt *Part) ghGetJob(c *ghCall) ghReply {
	id, err := strconv.ParseInt(c.args[2], 10, 64)
	if err != nil {
		return ghNotFound
	}
	if p, wf, j := c.job(id); j != nil {
		return ghOK(pt.jobObject(c, p, wf, j))
	}
	return ghNotFound
}

// job finds a listed job of the call's repository by its id.
func (c *ghCall) job(id int64) (*ci.Pipeline, *ci.Workflow, *ci.Job) {
	for _, p := range c.repo.Pipelines {
		for _, wf := range p.Workflows {
			for _, j := range wf.Jobs {
				if j.GitHubID == id && listed(j) && p.RunID != 0 {
					return p, wf, j
				}
			}
		}
	}
	return nil, nil, nil
}

// --- pending deployments and reviews ---

type ghEnvRef struct {
	ID        int64   `json:"id"`
	NodeID    string  `json:"node_id"`
	Name      string  `json:"name"`
	URL       string  `json:"url"`
	HTMLURL   string  `json:"html_url"`
	CreatedAt *string `json:"created_at,omitempty"`
	UpdatedAt *string `json:"updated_at,omitempty"`
}

func (c *ghCall) envRef(env string) ghEnvRef {
	id := EnvironmentID(c.repo.Name, env)
	return ghEnvRef{
		ID: id, NodeID: nodeID("EN", id), Name: env, URL: c.repoAPI() + "/environments/" + url.PathEscape(env),
		HTMLURL: "https://github.com/" + c.repo.Name + "/deployments/activity_log?environments_filter=" + url.QueryEscape(env),
	}
}

type Pending struct {
	Environment           ghEnvRef     `json:"environment"`
	WaitTimer             int          `json:"wait_timer"`
	WaitTimerStartedAt    *string      `json:"wait_timer_started_at"`
	CurrentUserCanApprove bool         `json:"current_user_can_approve"`
	Reviewers             []ghReviewer `json:"reviewers"`
}

type ghReviewer struct {
	Type     string `json:"type"`
	Reviewer any    `json:"reviewer"`
}

// reviewers are who may approve a protected environment: the release
// managers' team (whose member the sim's token is) and the team's lead.
func (c *ghCall) reviewers(lead ci.Person) []ghReviewer {
	org, _, _ := strings.Cut(c.repo.Name, "/")
	teamID := int64(5_000_000 + ids.Hash("team", org)%1_000_000)
	teamURL := c.api + "organizations/" + strconv.FormatInt(40_000_000+int64(ids.Hash("org", org)%10_000_000), 10) + "/team/" + strconv.FormatInt(teamID, 10)
	return []ghReviewer{
		{Type: "Team", Reviewer: map[string]any{
			"id": teamID, "node_id": nodeID("T", teamID), "name": "Release managers", "slug": "release-managers",
			"description": "Approve production deploys", "privacy": "closed", "notification_setting": "notifications_enabled",
			"permission": "push", "url": teamURL, "html_url": "https://github.com/orgs/" + org + "/teams/release-managers",
			"members_url": teamURL + "/members{/member}", "repositories_url": teamURL + "/repos", "parent": nil, "type": "organization",
		}},
		{Type: "User", Reviewer: c.user(personOf(lead))}, // the engineering lead
	}
}

// waitingJobs are the latest attempt's jobs waiting for a reviewer.
func waitingJobs(p *ci.Pipeline) (*ci.Workflow, []*ci.Job) {
	wf := p.Workflows[len(p.Workflows)-1]
	var out []*ci.Job
	for _, j := range wf.Jobs {
		if j.Def() != nil && j.Status == ci.RunOnHold {
			out = append(out, j)
		}
	}
	return wf, out
}

func (pt *Part) ghPendingDeployments(c *ghCall) ghReply {
	p := pt.run(c)
	if p == nil {
		return ghNotFound
	}
	out := []Pending{}
	_, jobs := waitingJobs(p)
	for _, j := range jobs {
		if slices.ContainsFunc(out, func(pd Pending) bool { return pd.Environment.Name == j.Environment }) {
			continue
		}
		out = append(out, Pending{
			Environment: c.envRef(j.Environment), WaitTimerStartedAt: ghTimePtr(j.CreatedAt),
			CurrentUserCanApprove: true, Reviewers: c.reviewers(pt.lead),
		})
	}
	return ghOK(out)
}

type ghReviewRequest struct {
	EnvironmentIDs *[]int64 `json:"environment_ids"`
	State          *string  `json:"state"`
	Comment        *string  `json:"comment"`
}

type Deployment struct {
	URL                   string   `json:"url"`
	ID                    int64    `json:"id"`
	NodeID                string   `json:"node_id"`
	SHA                   string   `json:"sha"`
	Ref                   string   `json:"ref"`
	Task                  string   `json:"task"`
	Payload               struct{} `json:"payload"`
	OriginalEnvironment   string   `json:"original_environment"`
	Environment           string   `json:"environment"`
	Description           *string  `json:"description"`
	Creator               ghUser   `json:"creator"`
	CreatedAt             string   `json:"created_at"`
	UpdatedAt             string   `json:"updated_at"`
	StatusesURL           string   `json:"statuses_url"`
	RepositoryURL         string   `json:"repository_url"`
	TransientEnvironment  bool     `json:"transient_environment"`
	ProductionEnvironment bool     `json:"production_environment"`
}

func (pt *Part) ghReviewDeployments(c *ghCall) ghReply {
	p := pt.run(c)
	if p == nil {
		return ghNotFound
	}
	var req ghReviewRequest
	if err := readJSONBody(c.r, &req); err != nil {
		return ghFail(http.StatusBadRequest, "Problems parsing JSON")
	}
	for _, missing := range []struct {
		name string
		nil  bool
	}{{"environment_ids", req.EnvironmentIDs == nil}, {"state", req.State == nil}, {"comment", req.Comment == nil}} {
		if missing.nil {
			return ghFail(http.StatusUnprocessableEntity, "Invalid request.\n\n\""+missing.name+"\" wasn't supplied.")
		}
	}
	if *req.State != ci.ReviewApproved && *req.State != ci.ReviewRejected {
		return ghFail(http.StatusUnprocessableEntity, "Invalid request.\n\n"+strconv.Quote(*req.State)+" is not a member of [\"approved\", \"rejected\"].")
	}
	wf, waiting := waitingJobs(p)
	var chosen []*ci.Job
	for _, id := range *req.EnvironmentIDs {
		i := slices.IndexFunc(waiting, func(j *ci.Job) bool { return EnvironmentID(c.repo.Name, j.Environment) == id })
		if i < 0 {
			return ghFail(http.StatusUnprocessableEntity, "No pending deployment requests to approve or reject")
		}
		for _, j := range waiting {
			if j.Environment == waiting[i].Environment && !slices.Contains(chosen, j) {
				chosen = append(chosen, j)
			}
		}
	}
	if len(chosen) == 0 {
		return ghFail(http.StatusUnprocessableEntity, "No pending deployment requests to approve or reject")
	}
	out := []Deployment{}
	for _, j := range chosen {
		if *req.State == ci.ReviewRejected {
			pt.ci.Reject(p, wf, j, pt.user, *req.Comment)
			continue
		}
		pt.ci.Approve(p, wf, j, pt.user, *req.Comment)
		id := pt.newGitHubDeploymentID()
		api := c.repoAPI() + "/deployments/" + strconv.FormatInt(id, 10)
		out = append(out, Deployment{
			URL: api, ID: id, NodeID: nodeID("DE", id), SHA: p.SHA, Ref: p.Branch, Task: "deploy",
			OriginalEnvironment: j.Environment, Environment: j.Environment, Creator: c.user(personOf(pt.user)),
			CreatedAt: ghTime(pt.loop.Now()), UpdatedAt: ghTime(pt.loop.Now()), StatusesURL: api + "/statuses", RepositoryURL: c.repoAPI(),
			ProductionEnvironment: p.Protected(j.Environment),
		})
	}
	return ghOK(out)
}

type Approval struct {
	Environments []ghEnvRef `json:"environments"`
	State        string     `json:"state"`
	User         ghUser     `json:"user"`
	Comment      string     `json:"comment"`
}

// ghApprovals lists who reviewed the run's deployments, in every attempt,
// oldest first.
func (pt *Part) ghApprovals(c *ghCall) ghReply {
	p := pt.run(c)
	if p == nil {
		return ghNotFound
	}
	var reviewed []*ci.Job
	for _, wf := range p.Workflows {
		for _, j := range wf.Jobs {
			if j.Review != nil && !slices.ContainsFunc(reviewed, func(o *ci.Job) bool { return o.GitHubID == j.GitHubID }) {
				reviewed = append(reviewed, j)
			}
		}
	}
	slices.SortStableFunc(reviewed, func(a, b *ci.Job) int { return a.Review.At.Compare(b.Review.At) })
	out := []Approval{}
	created := ghTimePtr(repoCreated(c.repo))
	for _, j := range reviewed {
		env := c.envRef(j.Environment)
		env.CreatedAt, env.UpdatedAt = created, created
		out = append(out, Approval{Environments: []ghEnvRef{env}, State: j.Review.State, User: c.user(personOf(j.Review.By)), Comment: j.Review.Comment})
	}
	return ghOK(out)
}

// --- rerun and cancel ---

func (pt *Part) ghRerun(c *ghCall) ghReply { return pt.ghRerunWith(c, false) }

func (pt *Part) ghRerunFailed(c *ghCall) ghReply { return pt.ghRerunWith(c, true) }

// RerunWindow is how long after its creation GitHub lets a run be
// re-run, in whole or job by job.
const RerunWindow = 30 * 24 * time.Hour

// tooOld is GitHub's answer to a rerun of a run past RerunWindow.
func (pt *Part) tooOld(p *ci.Pipeline) (ghReply, bool) {
	if pt.loop.Now().Sub(p.CreatedAt) > RerunWindow {
		return ghFail(http.StatusForbidden, "Unable to retry this workflow run because it was created over a month ago."), true
	}
	return ghReply{}, false
}

// ghRerunJob reruns one job of a run, found by its id in any attempt, and
// what needs it, as the run's next attempt.
func (pt *Part) ghRerunJob(c *ghCall) ghReply {
	id, err := strconv.ParseInt(c.args[2], 10, 64)
	if err != nil {
		return ghNotFound
	}
	p, _, j := c.job(id)
	if j == nil {
		return ghNotFound
	}
	var req struct {
		EnableDebugLogging bool `json:"enable_debug_logging"`
	}
	if err := readJSONBody(c.r, &req); err != nil {
		return ghFail(http.StatusBadRequest, "Problems parsing JSON")
	}
	if r, old := pt.tooOld(p); old {
		return r
	}
	latest := p.Workflows[len(p.Workflows)-1]
	again := latest.Job(j.Name)
	if again == nil {
		return ghFail(http.StatusForbidden, "This workflow run cannot be retried")
	}
	_, err = pt.ci.Rerun(p, latest, ci.RerunOptions{Jobs: []string{again.ID}, By: pt.user})
	switch err {
	case nil:
		return ghReply{status: http.StatusCreated, body: struct{}{}}
	case ci.ErrWorkflowActive:
		return ghFail(http.StatusForbidden, "This workflow is already running")
	default:
		return ghFail(http.StatusForbidden, "This workflow run cannot be retried")
	}
}

func (pt *Part) ghRerunWith(c *ghCall, failed bool) ghReply {
	p := pt.run(c)
	if p == nil {
		return ghNotFound
	}
	if r, old := pt.tooOld(p); old {
		return r
	}
	var req struct {
		EnableDebugLogging bool `json:"enable_debug_logging"`
	}
	if err := readJSONBody(c.r, &req); err != nil {
		return ghFail(http.StatusBadRequest, "Problems parsing JSON")
	}
	_, err := pt.ci.Rerun(p, p.Workflows[len(p.Workflows)-1], ci.RerunOptions{FromFailed: failed, By: pt.user})
	switch err {
	case nil:
		return ghReply{status: http.StatusCreated, body: struct{}{}}
	case ci.ErrWorkflowActive:
		return ghFail(http.StatusForbidden, "This workflow is already running")
	default:
		return ghFail(http.StatusForbidden, "This workflow run cannot be retried")
	}
}

func (pt *Part) ghCancel(c *ghCall) ghReply {
	p := pt.run(c)
	if p == nil {
		return ghNotFound
	}
	wf := p.Workflows[len(p.Workflows)-1]
	if st, _ := runStatus(wf.Status); st == "completed" {
		return ghFail(http.StatusConflict, "Cannot cancel a workflow run that is completed.")
	}
	by := pt.user
	pt.ci.Cancel(p, wf, &by)
	return ghReply{status: http.StatusAccepted, body: struct{}{}}
}

// readJSONBody decodes an optional JSON body.
func readJSONBody(r *http.Request, v any) error {
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(r.Body, 1<<20)); err != nil {
		return err
	}
	if len(bytes.TrimSpace(b.Bytes())) == 0 {
		return nil
	}
	return json.Unmarshal(b.Bytes(), v)
}

// --- commits and compare ---

// resolveRef finds the commit a ref names; -1 when none does.
func resolveRef(r *ci.Repo, ref string) int {
	switch ref {
	case "", "main", "heads/main", "refs/heads/main", "HEAD":
		return len(r.Commits) - 1
	}
	ref = strings.ToLower(ref)
	if len(ref) < 4 || len(ref) > 40 || strings.Trim(ref, ids.HexDigits) != "" {
		return -1
	}
	found := -1
	for i, c := range r.Commits {
		if strings.HasPrefix(c.SHA, ref) {
			if found >= 0 {
				return -1 // ambiguous
			}
			found = i
		}
	}
	return found
}

type Commit struct {
	URL         string           `json:"url"`
	SHA         string           `json:"sha"`
	NodeID      string           `json:"node_id"`
	HTMLURL     string           `json:"html_url"`
	CommentsURL string           `json:"comments_url"`
	Commit      ghCommitDetail   `json:"commit"`
	Author      *ghUser          `json:"author"`
	Committer   *ghUser          `json:"committer"`
	Parents     []ghCommitParent `json:"parents"`
	Stats       *ghCommitStats   `json:"stats,omitempty"`
}

type ghCommitDetail struct {
	URL          string         `json:"url"`
	Author       ghGitActor     `json:"author"`
	Committer    ghGitActor     `json:"committer"`
	Message      string         `json:"message"`
	CommentCount int            `json:"comment_count"`
	Tree         ghCommitParent `json:"tree"`
	Verification ghVerification `json:"verification"`
}

type ghCommitParent struct {
	SHA     string `json:"sha"`
	URL     string `json:"url"`
	HTMLURL string `json:"html_url,omitempty"`
}

type ghVerification struct {
	Verified   bool    `json:"verified"`
	Reason     string  `json:"reason"`
	Payload    *string `json:"payload"`
	Signature  *string `json:"signature"`
	VerifiedAt *string `json:"verified_at"`
}

type ghCommitStats struct {
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
	Total     int `json:"total"`
}

// commitObject renders a commit; stats are for the single-commit answer.
func (c *ghCall) commitObject(cm *ci.Commit, stats bool) Commit {
	api := c.repoAPI() + "/commits/" + cm.SHA
	html := "https://github.com/" + c.repo.Name + "/commit/" + cm.SHA
	author, committer := c.user(personOf(cm.Author)), c.user(webFlow)
	date := ghTime(cm.Time)
	out := Commit{
		URL: api, SHA: cm.SHA, NodeID: "C_kwDO" + cm.SHA[:20], HTMLURL: html, CommentsURL: api + "/comments",
		Commit: ghCommitDetail{
			URL:       c.repoAPI() + "/git/commits/" + cm.SHA,
			Author:    ghGitActor{Name: cm.Author.Name, Email: cm.Author.Email, Date: date},
			Committer: ghGitActor{Name: gitHubCommitter.Name, Email: gitHubCommitter.Email, Date: date},
			Message:   cm.Subject, Tree: ghCommitParent{SHA: treeSHA(cm), URL: c.repoAPI() + "/git/trees/" + treeSHA(cm)},
			Verification: ghVerification{Reason: "unsigned"},
		},
		Author: &author, Committer: &committer, Parents: []ghCommitParent{},
	}
	if cm.Parent != "" {
		out.Parents = append(out.Parents, ghCommitParent{SHA: cm.Parent, URL: c.repoAPI() + "/commits/" + cm.Parent,
			HTMLURL: "https://github.com/" + c.repo.Name + "/commit/" + cm.Parent})
	}
	if stats {
		h := ids.Hash(cm.SHA)
		add, del := int(5+h%180), int(h/180%60)
		out.Stats = &ghCommitStats{Additions: add, Deletions: del, Total: add + del}
	}
	return out
}

func (pt *Part) ghGetCommit(c *ghCall) ghReply {
	ref := c.args[2]
	i := resolveRef(c.repo, ref)
	if i < 0 {
		return ghFail(http.StatusUnprocessableEntity, "No commit found for SHA: "+ref)
	}
	cm := c.repo.Commits[i]
	return ghReply{status: http.StatusOK, body: c.commitObject(cm, true), lastMod: cm.Time}
}

type Comparison struct {
	URL             string   `json:"url"`
	HTMLURL         string   `json:"html_url"`
	PermalinkURL    string   `json:"permalink_url"`
	DiffURL         string   `json:"diff_url"`
	PatchURL        string   `json:"patch_url"`
	BaseCommit      Commit   `json:"base_commit"`
	MergeBaseCommit Commit   `json:"merge_base_commit"`
	Status          string   `json:"status"`
	AheadBy         int      `json:"ahead_by"`
	BehindBy        int      `json:"behind_by"`
	TotalCommits    int      `json:"total_commits"`
	Commits         []Commit `json:"commits"`
}

// ghCompare compares base...head on the one linear branch: the commits
// after base up to head, oldest first, when head is ahead.
func (pt *Part) ghCompare(c *ghCall) ghReply {
	basehead := c.args[2]
	base, head, ok := strings.Cut(basehead, "...")
	if !ok {
		return ghNotFound
	}
	b, h := resolveRef(c.repo, base), resolveRef(c.repo, head)
	if b < 0 || h < 0 || base == "" || head == "" {
		return ghNotFound
	}
	html := "https://github.com/" + c.repo.Name + "/compare/" + basehead
	owner, _, _ := strings.Cut(c.repo.Name, "/")
	out := Comparison{
		URL: c.repoAPI() + "/compare/" + basehead, HTMLURL: html,
		PermalinkURL: "https://github.com/" + c.repo.Name + "/compare/" + owner + ":" + c.repo.Commits[b].SHA + "..." + owner + ":" + c.repo.Commits[h].SHA,
		DiffURL:      html + ".diff", PatchURL: html + ".patch",
		BaseCommit: c.commitObject(c.repo.Commits[b], false), MergeBaseCommit: c.commitObject(c.repo.Commits[min(b, h)], false),
		Commits: []Commit{},
	}
	switch {
	case h > b:
		out.Status, out.AheadBy = "ahead", h-b
	case h < b:
		out.Status, out.BehindBy = "behind", b-h
	default:
		out.Status = "identical"
	}
	out.TotalCommits = out.AheadBy
	ahead := c.repo.Commits[b+1 : b+1+out.AheadBy]
	// Without paging, GitHub lists at most 250 commits, ending with the
	// newest of the comparison; with it, pages from the oldest.
	from, to := max(0, len(ahead)-250), len(ahead)
	var link string
	if c.query("per_page") != "" || c.query("page") != "" {
		var page [2]int
		page, link = c.page(len(ahead))
		from, to = page[0], page[1]
	}
	for _, cm := range ahead[from:to] {
		out.Commits = append(out.Commits, c.commitObject(cm, false))
	}
	return ghReply{status: http.StatusOK, body: out, link: link}
}

// --- contents ---

type ContentEntry struct {
	Type        string  `json:"type"`
	Size        int     `json:"size"`
	Name        string  `json:"name"`
	Path        string  `json:"path"`
	SHA         string  `json:"sha"`
	URL         string  `json:"url"`
	GitURL      *string `json:"git_url"`
	HTMLURL     *string `json:"html_url"`
	DownloadURL *string `json:"download_url"`
	Links       struct {
		Git  *string `json:"git"`
		HTML *string `json:"html"`
		Self string  `json:"self"`
	} `json:"_links"`
}

type ContentFile struct {
	ContentEntry
	Content  string `json:"content"`
	Encoding string `json:"encoding"`
}

func (c *ghCall) contentEntry(f *file, ref string) ContentEntry {
	self := c.repoAPI() + "/contents/" + f.path + "?ref=" + url.QueryEscape(ref)
	git := c.repoAPI() + "/git/blobs/" + f.blobSHA
	html := "https://github.com/" + c.repo.Name + "/blob/" + ref + "/" + f.path
	raw := "https://raw.githubusercontent.com/" + c.repo.Name + "/" + ref + "/" + f.path
	e := ContentEntry{Type: "file", Size: len(f.content), Name: path.Base(f.path), Path: f.path, SHA: f.blobSHA,
		URL: self, GitURL: &git, HTMLURL: &html, DownloadURL: &raw}
	e.Links.Git, e.Links.HTML, e.Links.Self = &git, &html, self
	return e
}

// ghGetContent serves the workflow files (and their directory) at a ref.
// The files are the same at every commit, so their Last-Modified is the
// repository's first commit.
func (pt *Part) ghGetContent(c *ghCall) ghReply {
	ref := c.query("ref")
	if resolveRef(c.repo, ref) < 0 {
		return ghFail(http.StatusNotFound, "No commit found for the ref "+ref)
	}
	if ref == "" {
		ref = "main"
	}
	p := strings.Trim(c.args[2], "/")
	gw := c.actions
	if gw == nil {
		return ghNotFound
	}
	if f := gw.file(p); f != nil {
		out := ContentFile{ContentEntry: c.contentEntry(f, ref), Encoding: "base64", Content: wrapBase64(f.content)}
		return ghReply{status: http.StatusOK, body: out, lastMod: repoCreated(c.repo)}
	}
	if p == path.Dir(DeployWorkflowPath) {
		out := []ContentEntry{}
		for i := range gw.files {
			out = append(out, c.contentEntry(&gw.files[i], ref))
		}
		return ghReply{status: http.StatusOK, body: out, lastMod: repoCreated(c.repo)}
	}
	return ghNotFound
}

// wrapBase64 is base64 in lines of 60 characters, as the contents API sends it.
func wrapBase64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 60 {
		out.WriteString(s[:60] + "\n")
		s = s[60:]
	}
	out.WriteString(s + "\n")
	return out.String()
}

// --- rate limit ---

type Rate struct {
	Limit     int   `json:"limit"`
	Used      int   `json:"used"`
	Remaining int   `json:"remaining"`
	Reset     int64 `json:"reset"`
}

// ghRateLimit reports the budget of the caller's kind (token or none);
// the other resources are never drawn on here.
func (pt *Part) ghRateLimit(c *ghCall) ghReply {
	token, _ := gitHubToken(c.r)
	b := pt.gitHubBudget(token != "")
	core := Rate{Limit: b.limit, Used: b.used, Remaining: b.remaining(), Reset: b.reset.Unix()}
	full := func(limit int, window time.Duration) Rate {
		return Rate{Limit: limit, Remaining: limit, Reset: pt.loop.Now().Truncate(window).Add(window).Unix()}
	}
	searchLimit, graphQL := 30, 5000
	if token == "" {
		searchLimit, graphQL = 10, 0
	}
	return ghOK(map[string]any{
		"resources": map[string]Rate{
			"core": core, "search": full(searchLimit, time.Minute), "graphql": full(graphQL, time.Hour),
			"code_search": full(10, time.Minute), "integration_manifest": full(5000, time.Hour),
		},
		"rate": core,
	})
}

// --- paging ---

// page cuts a list of n items to the page asked for (per_page, page) and
// writes the Link header GitHub would send with it.
func (c *ghCall) page(n int) ([2]int, string) {
	per, err := strconv.Atoi(c.query("per_page"))
	if err != nil || per < 1 {
		per = 30
	}
	per = min(per, 100)
	pg, err := strconv.Atoi(c.query("page"))
	if err != nil || pg < 1 {
		pg = 1
	}
	from, to := min((pg-1)*per, n), min(pg*per, n)
	last := max(1, (n+per-1)/per)
	link := func(page int, rel string) string {
		q := c.r.URL.Query()
		q.Set("per_page", strconv.Itoa(per))
		q.Set("page", strconv.Itoa(page))
		return "<" + strings.TrimSuffix(c.api, "/") + strings.TrimPrefix(c.r.URL.Path, "/api/v3") + "?" + q.Encode() + `>; rel="` + rel + `"`
	}
	var links []string
	if pg < last {
		links = append(links, link(pg+1, "next"), link(last, "last"))
	}
	if pg > 1 {
		links = append(links, link(1, "first"), link(min(pg-1, last), "prev"))
	}
	return [2]int{from, to}, strings.Join(links, ", ")
}
