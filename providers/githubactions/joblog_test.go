package githubactions

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// The sim's job-logs redirect and storage, through go-github and the
// download client. The subset spec has no logs endpoint, so this world is
// not spec-checked.
func TestJobLogFromTheSim(t *testing.T) {
	sw := startUncheckedSimWorld(t)
	s := sw.source(t, Options{ClientOptions: ClientOptions{NoCache: true}}, simServices...)
	var service string
	var job model.Job
	for i := 0; i < 48 && job.ID == ""; i++ {
		for _, st := range fetchOK(t, s) {
			for _, p := range st.Pipelines {
				for _, wf := range p.Workflows {
					for _, j := range wf.Jobs {
						if job.ID == "" && !j.StartedAt.IsZero() && !j.Approval && (j.Status == model.RunFailed || job.ID == "") {
							service, job = st.Service, j
						}
					}
				}
			}
		}
		sw.Step(5 * time.Minute)
	}
	if job.ID == "" {
		t.Fatal("no GitHub job ran")
	}
	log, err := s.JobLog(ctx, service, job)
	if err != nil {
		t.Fatalf("JobLog(%s %s): %v", service, job.Name, err)
	}
	if log.Size <= 0 || log.Truncated || !strings.Contains(log.Text, "▸ Checkout code") || strings.Contains(log.Text, "##[") {
		t.Errorf("log of %s: size %d truncated %v:\n%s", job.Name, log.Size, log.Truncated, log.Text)
	}
	if regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT`).MatchString(log.Text) {
		t.Errorf("timestamps left in:\n%s", log.Text)
	}
	if n := sw.World.Requests()["storage:github-log"]; n != 1 {
		t.Errorf("%d downloads from storage, want 1", n)
	}
}

// GitHub's answer points at another host: the log is downloaded from
// there without the token, and only its end is kept.
func TestJobLogRedirectCarriesNoToken(t *testing.T) {
	var storageAuth string
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		storageAuth = r.Header.Get("Authorization")
		for i := range 5000 {
			fmt.Fprintf(w, "2026-12-05T08:00:%02d.1234567Z \x1b[36mstep %04d\x1b[0m\n", i%60, i)
		}
		fmt.Fprint(w, "2026-12-05T08:01:00.0000000Z ##[error]Process completed with exit code 1.\n")
	}))
	defer storage.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/repos/acme/web/actions/jobs/77/logs" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Location", storage.URL+"/logs/77?sig=abc")
		w.WriteHeader(http.StatusFound)
	}))
	defer api.Close()
	s := newTestSource(t, Options{ClientOptions: ClientOptions{NoCache: true}}, api.URL+"/", NewToken("ghp_redirecttesttoken0000000000000000000", "GH_TOKEN"), time.Now,
		[]Service{{Name: "web", Repo: "acme/web", Workflow: "deploy.yml"}})
	log, err := s.JobLog(ctx, "web", model.Job{ID: "77", Name: "deploy"})
	if err != nil {
		t.Fatal(err)
	}
	if storageAuth != "" {
		t.Errorf("the storage host got %q", storageAuth)
	}
	if !log.Truncated || log.Size <= providers.LogTailBytes || !strings.HasSuffix(log.Text, "Error: Process completed with exit code 1.") ||
		!strings.HasPrefix(log.Text, "step ") || strings.Contains(log.Text, "\x1b") {
		t.Errorf("truncated %v size %d: %q … %q", log.Truncated, log.Size, log.Text[:30], log.Text[len(log.Text)-50:])
	}
	if _, err := s.JobLog(ctx, "web", model.Job{ID: "", Name: "deploy"}); err == nil {
		t.Error("a job with no id was read")
	}
}
