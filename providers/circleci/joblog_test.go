package circleci

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// failedJob steps the world until a CircleCI service has a failed job
// that ran (a test or a deploy) and returns it as the source reads it.
func failedJob(t *testing.T, sw *simtest.Server, s *Source) (string, model.Job) {
	t.Helper()
	for range 48 {
		sts, err := s.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range sts {
			for _, p := range st.Pipelines {
				for _, wf := range p.Workflows {
					for _, j := range wf.Jobs {
						if j.Status == model.RunFailed && j.Number > 0 {
							return st.Service, j
						}
					}
				}
			}
		}
		sw.Step(5 * time.Minute)
	}
	t.Fatal("no CircleCI job failed in four simulated hours")
	return "", model.Job{}
}

// The sim's v1.1 build detail and step output, through the real client:
// the failed step is found, its exit code read, its output's end shown.
func TestJobLogOfAFailedJobFromTheSim(t *testing.T) {
	sw := simtest.Start(t, t0, sim.Options{Seed: 1})
	s, err := New(Options{Host: sw.URL, Token: NewToken("sim", "CIRCLECI_TOKEN"), Services: simServices, Now: sw.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	service, job := failedJob(t, sw, s)
	log, err := s.JobLog(ctx, service, job)
	if err != nil {
		t.Fatalf("JobLog(%s %s): %v", service, job.Name, err)
	}
	if log.ExitCode == nil || *log.ExitCode != 1 || log.Step == "" || log.Size <= 0 || log.Truncated {
		t.Errorf("log of %s: step %q, exit %v, size %d, truncated %v", job.Name, log.Step, log.ExitCode, log.Size, log.Truncated)
	}
	if !strings.Contains(log.Text, "FAIL") && !strings.Contains(log.Text, "did not settle") {
		t.Errorf("the failed step's output does not say why:\n%s", log.Text)
	}
	if strings.Contains(log.Text, "\r") {
		t.Errorf("carriage returns left in the text: %q", log.Text)
	}
	if n := sw.World.Requests()["circleci:getBuildDetail"]; n != 1 {
		t.Errorf("%d v1.1 build reads, want 1", n)
	}
	// An approval job has no log, and says so.
	if _, err := s.JobLog(ctx, service, model.Job{Name: "hold", Approval: true}); err == nil {
		t.Error("an approval job's log was read")
	}
}

// A real-world output document (messages with colour codes and progress
// lines, on another host than CircleCI's) larger than what is kept: the
// token does not go there, only the end is kept, and it starts on a
// whole line.
func TestStepOutputFromStorageNoTokenTail(t *testing.T) {
	var storageToken string
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		storageToken = r.Header.Get("Circle-Token") + r.Header.Get("Authorization")
		var msgs []map[string]string
		for i := range 4000 {
			msgs = append(msgs, map[string]string{"type": "out", "time": "2026-12-05T08:00:00Z",
				"message": fmt.Sprintf("\x1b[32mline %04d\x1b[0m %s\r\n", i, strings.Repeat("·", 20))})
		}
		msgs = append(msgs, map[string]string{"type": "err", "message": "10%\r55%\r100%\r\nExited with code exit status 2\r\n"})
		_ = json.NewEncoder(w).Encode(msgs)
	}))
	defer storage.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1.1/project/github/acme/api/42" || r.Header.Get("Circle-Token") != "tok" {
			http.Error(w, `{"message":"Not found"}`, http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, `{"build_num":42,"status":"failed","steps":[null,{"name":"Checkout code","actions":[null,{"status":"success","failed":null,"exit_code":0,"output_url":"%[1]s/a"}]},
			{"name":"Run tests","actions":[{"status":"failed","failed":true,"exit_code":2,"output_url":"%[1]s/b?X-Amz-Signature=abc"}]}]}`, storage.URL)
	}))
	defer api.Close()
	s, err := New(Options{Host: api.URL, Token: NewToken("tok", "CIRCLECI_TOKEN"), Services: []Service{{Name: "api", Project: "gh/acme/api"}}})
	if err != nil {
		t.Fatal(err)
	}
	log, err := s.JobLog(ctx, "api", model.Job{Name: "test", Number: 42})
	if err != nil {
		t.Fatal(err)
	}
	if storageToken != "" {
		t.Errorf("the storage host got a credential: %q", storageToken)
	}
	if log.Step != "Run tests" || log.ExitCode == nil || *log.ExitCode != 2 || !log.Truncated || log.Size <= providers.LogTailBytes {
		t.Errorf("step %q exit %v truncated %v size %d", log.Step, log.ExitCode, log.Truncated, log.Size)
	}
	if !strings.HasSuffix(log.Text, "100%\nExited with code exit status 2") || !strings.HasPrefix(log.Text, "line ") || strings.ContainsAny(log.Text, "\x1b\r") {
		t.Errorf("tail: %q … %q", log.Text[:40], log.Text[len(log.Text)-60:])
	}
}

// Projects v1.1 does not serve are said to be so, before any request.
func TestJobLogV1ProjectSlugs(t *testing.T) {
	for slug, want := range map[string]string{
		"gh/acme/api": "github/acme/api", "github/acme/api": "github/acme/api", "bb/acme/web": "bitbucket/acme/web",
		"gh/acme/a b": "github/acme/a%20b",
	} {
		if got, err := v1Project(slug); err != nil || got != want {
			t.Errorf("v1Project(%q) = %q, %v; want %q", slug, got, err, want)
		}
	}
	for _, slug := range []string{"circleci/8e1d0b2c/5f3a", "gh/acme", "gl/acme/api"} {
		if _, err := v1Project(slug); err == nil {
			t.Errorf("v1Project(%q) accepted", slug)
		}
	}
}
