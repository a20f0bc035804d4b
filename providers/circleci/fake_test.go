package circleci

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
)

// fakeCI is a small CircleCI in memory: projects with pipelines (newest
// first), workflows and jobs, served page by page through apiServer (so
// every request is held to the spec). Tests change it between polls.
type fakeCI struct {
	*apiServer
	mu        sync.Mutex
	pipelines map[string][]*Pipeline // by project slug, newest first
	workflows map[string][]*Workflow // by pipeline id
	jobs      map[string][]*Job      // by workflow id
	// fail answers an operation with a status instead (and the message);
	// failPath answers the requests whose path holds a key so.
	fail     map[string]int
	failPath map[string]int
	pageSize int
	me       User
	approved []string // "workflow/request" approved
	seq      int
}

func newFakeCI(t *testing.T) *fakeCI {
	f := &fakeCI{
		pipelines: map[string][]*Pipeline{}, workflows: map[string][]*Workflow{}, jobs: map[string][]*Job{},
		fail: map[string]int{}, failPath: map[string]int{}, pageSize: 20, me: User{ID: "u-me", Login: "arivera", Name: "Alex Rivera"},
	}
	f.apiServer = newAPIServer(t, f.serve)
	return f
}

func (f *fakeCI) id(kind string) string {
	f.seq++
	return fmt.Sprintf("%s-%d", kind, f.seq)
}

// addPipeline adds the project's newest pipeline.
func (f *fakeCI) addPipeline(slug string, number int, sha, subject string, created time.Time) *Pipeline {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := &Pipeline{ID: f.id("p"), Number: Int(number), ProjectSlug: slug, State: "created", CreatedAt: created, UpdatedAt: created}
	p.VCS.Revision, p.VCS.Branch = sha, "main"
	p.VCS.Commit = &struct {
		Subject string `json:"subject"`
		Body    string `json:"body"`
	}{Subject: subject}
	p.Trigger.Actor.Login = "praman"
	f.pipelines[slug] = append([]*Pipeline{p}, f.pipelines[slug]...)
	return p
}

func (f *fakeCI) addWorkflow(p *Pipeline, name, status string) *Workflow {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &Workflow{ID: f.id("wf"), Name: name, PipelineID: p.ID, PipelineNumber: p.Number, ProjectSlug: p.ProjectSlug, Status: status, CreatedAt: p.CreatedAt}
	f.workflows[p.ID] = append([]*Workflow{w}, f.workflows[p.ID]...)
	return w
}

func (f *fakeCI) addJob(w *Workflow, name, typ, status string, needs ...*Job) *Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := &Job{ID: f.id("job"), Name: name, Type: typ, Status: status, ProjectSlug: w.ProjectSlug, Dependencies: []string{}}
	if typ == "approval" {
		j.ApprovalRequestID = j.ID
	}
	for _, n := range needs {
		j.Dependencies = append(j.Dependencies, n.ID)
	}
	f.jobs[w.ID] = append(f.jobs[w.ID], j)
	return j
}

// set changes the world under the lock.
func (f *fakeCI) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeCI) serve(w http.ResponseWriter, r *http.Request, op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.fail[op]
	for k, v := range f.failPath {
		if strings.Contains(r.URL.Path, k) {
			st = v
		}
	}
	if st != 0 {
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "30")
		}
		writeJSON(w, st, map[string]string{"message": fmt.Sprintf("fake %d for %s", st, op)})
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v2/"), "/")
	from, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("page-token"), "o"))
	switch op {
	case "listPipelinesForProject":
		slug := strings.Join(parts[1:len(parts)-1], "/")
		ps, ok := f.pipelines[slug]
		if !ok {
			writeJSON(w, 404, map[string]string{"message": "Project not found"})
			return
		}
		writePage(w, ps, from, f.pageSize)
	case "listWorkflowsByPipelineId":
		writePage(w, f.workflows[parts[1]], from, f.pageSize)
	case "listWorkflowJobs":
		jobs, ok := f.jobs[parts[1]]
		if !ok && !f.knownWorkflow(parts[1]) {
			writeJSON(w, 404, map[string]string{"message": "Workflow not found"})
			return
		}
		writePage(w, jobs, from, f.pageSize)
	case "getCurrentUser":
		writeJSON(w, 200, f.me)
	case "approvePendingApprovalJobById":
		f.approved = append(f.approved, parts[1]+"/"+parts[3])
		writeJSON(w, 202, map[string]string{"message": "Accepted."})
	case "rerunWorkflow":
		writeJSON(w, 202, map[string]string{"workflow_id": "wf-rerun"})
	case "cancelWorkflow":
		writeJSON(w, 202, map[string]string{"message": "Accepted."})
	default:
		writeJSON(w, 404, map[string]string{"message": "Not found"})
	}
}

func (f *fakeCI) knownWorkflow(id string) bool {
	for _, wfs := range f.workflows {
		if slices.ContainsFunc(wfs, func(w *Workflow) bool { return w.ID == id }) {
			return true
		}
	}
	return false
}

func writePage[T any](w http.ResponseWriter, items []*T, from, size int) {
	end := min(from+size, len(items))
	page := map[string]any{"items": []any{}, "next_page_token": nil}
	if from < len(items) {
		var out []any
		for _, it := range items[from:end] {
			out = append(out, *it)
		}
		page["items"] = out
	}
	if end < len(items) {
		page["next_page_token"] = "o" + strconv.Itoa(end)
	}
	writeJSON(w, 200, page)
}

// source builds a Source over the fake for the given services.
func (f *fakeCI) source(t *testing.T, clock *fakeclock.Clock, services ...Service) *Source {
	t.Helper()
	s, err := New(Options{Host: f.srv.URL, Token: NewToken(testToken, "CIRCLECI_TOKEN"), Services: services, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
