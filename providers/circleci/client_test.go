package circleci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/secret"
)

var ctx = context.Background()

// The spec's own examples, served as the API would, decode into the values
// the spec wrote down.
func TestSpecExamplesDecode(t *testing.T) {
	var api *apiServer
	api = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
		switch op {
		case "listPipelinesForProject", "listWorkflowsByPipelineId", "listWorkflowJobs":
			writeJSON(w, 200, lastPage(api.spec.example(t, op, "200")))
		case "getCurrentUser":
			writeJSON(w, 200, api.spec.example(t, op, "200"))
		default:
			t.Errorf("unexpected %s", op)
		}
	})
	c := api.client(t, fakeclock.New(t0))

	ps, err := c.Pipelines(ctx, "gh/CircleCI-Public/api-preview-docs", "feature/design-new-api", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("pipelines: %+v", ps)
	}
	p := ps[0]
	// "number" is the string "25" in the spec's example; the API sends 25.
	if p.ID != "5034460f-c7c4-4c43-9457-de07e2029e7b" || p.Number != 25 || p.ProjectSlug != "gh/CircleCI-Public/api-preview-docs" ||
		p.VCS.Revision != "f454a02b5d10fcccfd7d9dd7608a76d6493a98b4" || p.VCS.Branch != "feature/design-new-api" || p.VCS.Tag != "v3.1.4159" ||
		p.State != "created" || p.CreatedAt.Format(time.RFC3339) != fillTime || p.Trigger.Actor.Login != "x" {
		t.Errorf("pipeline decoded as %+v", p)
	}

	wfs, err := c.Workflows(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(wfs) != 1 || wfs[0].Name != "build-and-test" || wfs[0].PipelineNumber != 25 || wfs[0].PipelineID != p.ID || wfs[0].Status != "success" {
		t.Errorf("workflows decoded as %+v", wfs)
	}

	jobs, err := c.Jobs(ctx, wfs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].ProjectSlug != "gh/CircleCI-Public/api-preview-docs" || len(jobs[0].Dependencies) != 1 ||
		jobs[0].Type != "build" || jobs[0].ApprovalRequestID != fillUUID || jobs[0].JobNumber != 1 {
		t.Errorf("jobs decoded as %+v", jobs)
	}

	if u, err := c.Me(ctx); err != nil || u.ID != fillUUID {
		t.Errorf("me: %+v, %v", u, err)
	}

	reqs := api.requests()
	if got := reqs[0].Path + "?" + reqs[0].Query; got != "/api/v2/project/gh/CircleCI-Public/api-preview-docs/pipeline?branch=feature%2Fdesign-new-api" {
		t.Errorf("pipelines request %s", got)
	}
	if reqs[1].Path != "/api/v2/pipeline/5034460f-c7c4-4c43-9457-de07e2029e7b/workflow" || reqs[2].Path != "/api/v2/workflow/"+fillUUID+"/job" {
		t.Errorf("requests %+v", reqs)
	}
	if c.Requests() != 4 {
		t.Errorf("Requests() = %d, want 4", c.Requests())
	}
}

// Lists follow next_page_token with page-token until it is null or empty.
func TestPaging(t *testing.T) {
	for _, last := range []any{nil, ""} {
		t.Run(fmt.Sprintf("last token %q", last), func(t *testing.T) {
			var api *apiServer
			api = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
				body := api.spec.example(t, op, "200")
				item := body["items"].([]any)[0].(map[string]any)
				tok := r.URL.Query().Get("page-token")
				item["name"], item["id"] = "job-"+tok, "id-"+tok
				switch tok {
				case "":
					body["next_page_token"] = "p2"
				case "p2":
					body["next_page_token"] = "p3"
				case "p3":
					body["next_page_token"] = last
				default:
					t.Errorf("unexpected page token %q", tok)
				}
				writeJSON(w, 200, body)
			})
			jobs, err := api.client(t, fakeclock.New(t0)).Jobs(ctx, "wf-1")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, j := range jobs {
				names = append(names, j.Name)
			}
			if fmt.Sprint(names) != "[job- job-p2 job-p3]" {
				t.Errorf("names %v", names)
			}
			if n := len(api.requests()); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
		})
	}
}

// Pipelines stops reading pages once it has the newest limit.
func TestPipelinesLimitStopsPaging(t *testing.T) {
	var api *apiServer
	api = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
		body := api.spec.example(t, op, "200")
		item := body["items"].([]any)[0].(map[string]any)
		page := r.URL.Query().Get("page-token")
		var items []any
		for i := range 3 {
			it := clone(item).(map[string]any)
			it["id"] = fmt.Sprintf("p%s-%d", page, i)
			items = append(items, it)
		}
		// The page after the first repeats its last item, as when a new
		// pipeline arrives between the reads.
		if page != "" {
			items[0] = clone(items[0])
			items[0].(map[string]any)["id"] = "p-2"
		}
		body["items"] = items
		body["next_page_token"] = "more" + page
		writeJSON(w, 200, body)
	})
	c := api.client(t, fakeclock.New(t0))
	ps, err := c.Pipelines(ctx, "gh/acme/api", "main", 5)
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if err != nil || fmt.Sprint(ids) != "[p-0 p-1 p-2 pmore-1 pmore-2]" {
		t.Fatalf("got %v, %v; want five, the repeat dropped", ids, err)
	}
	if n := len(api.requests()); n != 2 {
		t.Errorf("%d requests for 5 pipelines at 3 a page, want 2", n)
	}
}

// A server that never stops paging, or repeats a token, is cut off.
func TestPagingBounded(t *testing.T) {
	n := 0
	var api *apiServer
	api = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
		body := api.spec.example(t, op, "200")
		n++
		body["next_page_token"] = fmt.Sprintf("t%d", n)
		writeJSON(w, 200, body)
	})
	c := api.client(t, fakeclock.New(t0))
	if _, err := c.Workflows(ctx, "p"); err == nil || !strings.Contains(err.Error(), "more than 20 pages") {
		t.Errorf("endless paging: %v", err)
	}
	api.handle = func(w http.ResponseWriter, r *http.Request, op string) {
		body := api.spec.example(t, op, "200")
		body["next_page_token"] = "same"
		writeJSON(w, 200, body)
	}
	api.reset()
	if _, err := c.Workflows(ctx, "p"); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("repeated token: %v", err)
	}
	if len(api.requests()) != 2 {
		t.Errorf("repeated token took %d requests", len(api.requests()))
	}
}

// A 429 becomes a ThrottledError with the Retry-After wait, and the client
// sends nothing more until the wait is over.
func TestThrottledRetryAfter(t *testing.T) {
	clock := fakeclock.New(t0)
	throttle := true
	var api *apiServer
	api = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
		if throttle {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Rate limit exceeded"})
			return
		}
		writeJSON(w, 200, lastPage(api.spec.example(t, op, "200")))
	})
	c := api.client(t, clock)
	_, err := c.Pipelines(ctx, "gh/acme/api", "main", 5)
	if !errors.Is(err, providers.ErrThrottled) {
		t.Fatalf("want throttled, got %v", err)
	}
	if d, ok := providers.RetryAfter(err); !ok || d != 7*time.Second {
		t.Errorf("RetryAfter = %s, %v", d, ok)
	}
	if !strings.Contains(err.Error(), "Rate limit exceeded") || RequestID(err) != "req-1" {
		t.Errorf("error %q (request id %q) should carry the API's message and id", err, RequestID(err))
	}

	throttle = false
	clock.Advance(3 * time.Second)
	_, err = c.Pipelines(ctx, "gh/acme/api", "main", 5)
	if d, _ := providers.RetryAfter(err); !errors.Is(err, providers.ErrThrottled) || d != 4*time.Second {
		t.Errorf("during the wait: %v (retry after %s), want throttled, 4s left", err, d)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests sent, want 1: nothing during the wait", n)
	}
	clock.Advance(4 * time.Second)
	if _, err := c.Pipelines(ctx, "gh/acme/api", "main", 5); err != nil {
		t.Errorf("after the wait: %v", err)
	}
}

func TestThrottledRetryAfterDate(t *testing.T) {
	clock := fakeclock.New(t0)
	api := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
		w.Header().Set("Retry-After", t0.Add(90*time.Second).Format(http.TimeFormat))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "slow down"})
	})
	_, err := api.client(t, clock).Jobs(ctx, "wf")
	if d, ok := providers.RetryAfter(err); !ok || d != 90*time.Second {
		t.Errorf("RetryAfter = %s, %v (%v)", d, ok, err)
	}
}

// 401 and 403 are auth failures saying what to check; 404 is not-found;
// each carries the API's message and request id, never the token.
func TestErrorStatuses(t *testing.T) {
	cases := []struct {
		status   int
		message  string
		sentinel error
		want     string
	}{
		{401, "Invalid token provided.", providers.ErrAuth, "CircleCI: 401, check CIRCLECI_TOKEN (Invalid token provided)"},
		{403, "Permission denied", providers.ErrAuth, "CircleCI: POST /workflow/wf-1/approve/req-9: 403 Permission denied; the token from CIRCLECI_TOKEN is not allowed to do this"},
		{404, "Workflow not found.", providers.ErrNotFound, "CircleCI: POST /workflow/wf-1/approve/req-9: 404 Workflow not found"},
		{400, "Job is not on hold " + testToken, nil, "CircleCI: POST /workflow/wf-1/approve/req-9: 400 Job is not on hold " + secret.Mask},
		{500, "", nil, "CircleCI: POST /workflow/wf-1/approve/req-9: 500 Internal Server Error"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			api := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
				if tc.message == "" {
					w.WriteHeader(tc.status)
					return
				}
				writeJSON(w, tc.status, map[string]string{"message": tc.message})
			})
			rid, err := api.client(t, fakeclock.New(t0)).Approve(ctx, "wf-1", "req-9")
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("%v should be %v", err, tc.sentinel)
			}
			if errors.Is(err, providers.ErrThrottled) || (tc.sentinel == nil && (errors.Is(err, providers.ErrAuth) || errors.Is(err, providers.ErrNotFound))) {
				t.Errorf("%v mapped to the wrong sentinel", err)
			}
			if rid != "req-1" || RequestID(err) != "req-1" {
				t.Errorf("request id %q / %q, want req-1", rid, RequestID(err))
			}
			if strings.Contains(err.Error(), testToken) {
				t.Error("token in the error")
			}
		})
	}
}

// An answer that is not the JSON promised is an error naming the call.
func TestMalformedJSON(t *testing.T) {
	for _, body := range []string{`{"items": [{"id": `, `<html>bad gateway</html>`, `{"items": [{"id": 1}], "next_page_token": null}`} {
		api := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
		})
		_, err := api.client(t, fakeclock.New(t0)).Pipelines(ctx, "gh/acme/api", "main", 5)
		var re *ResponseError
		if !errors.As(err, &re) || re.RequestID != "req-1" || !strings.Contains(err.Error(), "GET /project/gh/acme/api/pipeline: 200 with a malformed body") {
			t.Errorf("%q: %v", body, err)
		}
		if errors.Is(err, providers.ErrAuth) || errors.Is(err, providers.ErrNotFound) || errors.Is(err, providers.ErrThrottled) {
			t.Errorf("%q: malformed body mapped to a sentinel: %v", body, err)
		}
	}
}

// Without a token nothing is sent and the error says how to set one.
func TestNoToken(t *testing.T) {
	api := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) { t.Error("request sent without a token") })
	c, err := NewClient(ClientOptions{Host: api.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Jobs(ctx, "wf")
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "set CIRCLECI_TOKEN") {
		t.Errorf("%v", err)
	}
	if c.Requests() != 0 {
		t.Error("counted a request never sent")
	}
}

func TestBadHost(t *testing.T) {
	for _, h := range []string{"circleci.com", "ftp://x", "://"} {
		if _, err := NewClient(ClientOptions{Host: h}); err == nil {
			t.Errorf("%q accepted", h)
		}
	}
	c, err := NewClient(ClientOptions{Host: "https://ci.acme.example/"})
	if err != nil || c.base != "https://ci.acme.example/api/v2" {
		t.Errorf("base %q, %v", c.base, err)
	}
}

// A request that outlives its timeout fails, whatever the caller's context.
func TestRequestTimeout(t *testing.T) {
	api := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
		<-r.Context().Done()
	})
	c, _ := NewClient(ClientOptions{Host: api.srv.URL, Token: NewToken(testToken, "CIRCLECI_TOKEN"), RequestTimeout: 50 * time.Millisecond})
	_, err := c.Jobs(ctx, "wf")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("%v", err)
	}
}

// The actions send what the spec says and read what it answers.
func TestActions(t *testing.T) {
	var api *apiServer
	api = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
		switch op {
		case "approvePendingApprovalJobById", "cancelWorkflow":
			writeJSON(w, http.StatusAccepted, api.spec.example(t, op, "202"))
		case "rerunWorkflow":
			writeJSON(w, http.StatusAccepted, api.spec.example(t, op, "202"))
		default:
			t.Errorf("unexpected %s", op)
		}
	})
	c := api.client(t, fakeclock.New(t0))
	if rid, err := c.Approve(ctx, "wf-1", "req-2"); err != nil || rid != "req-1" {
		t.Errorf("approve: %q, %v", rid, err)
	}
	id, rid, err := c.RerunFailed(ctx, "wf-1")
	if err != nil || id != "0e53027b-521a-4c40-9042-47e72b3c63a3" || rid != "req-2" {
		t.Errorf("rerun: %q %q %v", id, rid, err)
	}
	if rid, err := c.Cancel(ctx, "wf-1"); err != nil || rid != "req-3" {
		t.Errorf("cancel: %q, %v", rid, err)
	}
	reqs := api.requests()
	want := []string{
		"POST /api/v2/workflow/wf-1/approve/req-2 ",
		`POST /api/v2/workflow/wf-1/rerun {"from_failed":true}`,
		"POST /api/v2/workflow/wf-1/cancel ",
	}
	for i, r := range reqs {
		if got := r.Method + " " + r.Path + " " + r.Body; got != want[i] {
			t.Errorf("request %d: %q, want %q", i, got, want[i])
		}
	}
}

// A 2xx is success even when its body is not what the spec promised: the
// API acted, and saying otherwise could make the caller act twice.
func TestActionAcceptedWithOddBody(t *testing.T) {
	api := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, op string) {
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte("accepted"))
	})
	c := api.client(t, fakeclock.New(t0))
	if _, err := c.Approve(ctx, "wf", "req"); err != nil {
		t.Errorf("approve: %v", err)
	}
	if id, _, err := c.RerunFailed(ctx, "wf"); err != nil || id != "" {
		t.Errorf("rerun: %q %v", id, err)
	}
}

// Slugs keep their slashes; anything else unusual is escaped.
func TestProjectPath(t *testing.T) {
	for slug, want := range map[string]string{
		"gh/acme/api":              "/project/gh/acme/api",
		"circleci/0a1b/2c3d":       "/project/circleci/0a1b/2c3d",
		"bb/acme corp/api?x":       "/project/bb/acme%20corp/api%3Fx",
		"/gh/acme/api/":            "/project/gh/acme/api",
		"gh/acme/r%C3%A9sum%C3%A9": "/project/gh/acme/r%25C3%25A9sum%25C3%25A9",
	} {
		if got := projectPath(slug); got != want {
			t.Errorf("%q → %q, want %q", slug, got, want)
		}
	}
}

func TestIntDecoding(t *testing.T) {
	for in, want := range map[string]Int{`25`: 25, `"25"`: 25, `null`: 0, `""`: 0} {
		var n Int
		if err := n.UnmarshalJSON([]byte(in)); err != nil || n != want {
			t.Errorf("%s → %d, %v", in, n, err)
		}
	}
	var n Int
	if err := n.UnmarshalJSON([]byte(`"x"`)); err == nil {
		t.Error(`"x" accepted`)
	}
}

// lastPage makes a list example the last page (the spec's example token is
// a filler string).
func lastPage(body map[string]any) map[string]any {
	body["next_page_token"] = nil
	return body
}
