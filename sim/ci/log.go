package ci

import (
	"fmt"
	"strings"
	"time"

	"github.com/airside-dev/flightdeck/sim/internal/ids"
)

// LogStep is one step of a job's log: its name, its lines with the time
// each was written, and how it ended.
type LogStep struct {
	Name     string
	Lines    []LogLine
	ExitCode int
	Failed   bool
	Running  bool
}

// LogLine is one line of output.
type LogLine struct {
	At   time.Time
	Text string
}

// Log is what a job wrote, a pure function of the job, its pipeline and
// the time (no randomness drawn, so reading logs does not change the
// world): checkout, then the job's own step, whose output ends with the
// reason when the job failed. A job that has not started has no log.
func Log(p *Pipeline, j *Job, now time.Time) []LogStep {
	if j.StartedAt.IsZero() || j.Type == JobApproval {
		return nil
	}
	end := j.StoppedAt
	if end.IsZero() {
		end = now
	}
	at := func(frac float64) time.Time {
		return j.StartedAt.Add(time.Duration(frac * float64(end.Sub(j.StartedAt))))
	}
	steps := []LogStep{
		{Name: "Set up job", Lines: []LogLine{
			{at(0), "Image: golang:1.23"},
			{at(0.01), "Job is about to start running"},
		}},
		{Name: "Checkout code", Lines: []LogLine{
			{at(0.02), "Cloning git repository"},
			{at(0.04), "HEAD is now at " + short(p.SHA) + " " + subject(p)},
		}},
	}
	run := LogStep{Name: runStepName(j)}
	run.Lines = runLines(p, j, at)
	switch j.Status {
	case RunFailed:
		run.Failed, run.ExitCode = true, 1
		run.Lines = append(run.Lines, failureLines(p, j, at)...)
		run.Lines = append(run.Lines, LogLine{at(1), "Exited with code exit status 1"})
	case RunRunning:
		run.Running = true
	case RunCanceled:
		run.Lines = append(run.Lines, LogLine{at(1), "Received cancel signal; stopping"})
	}
	return append(steps, run)
}

func short(sha string) string { return sha[:min(7, len(sha))] }

func subject(p *Pipeline) string {
	if c := p.Commit(); c != nil {
		return c.Subject
	}
	return ""
}

func runStepName(j *Job) string {
	switch {
	case j.Environment != "":
		return "Deploy to " + j.Environment
	case j.Key() == "build":
		return "Build image"
	case j.Key() == "test":
		return "Run tests"
	}
	return "Run " + j.Name
}

func runLines(p *Pipeline, j *Job, at func(float64) time.Time) []LogLine {
	switch {
	case j.Environment != "":
		return []LogLine{
			{at(0.1), fmt.Sprintf("./deploy.sh %s %s %s", p.Service, j.Environment, short(p.SHA))},
			{at(0.2), "waiting for " + j.Environment + " to settle"},
		}
	case j.Key() == "build":
		return []LogLine{
			{at(0.1), "docker build -t " + p.Service + ":" + short(p.SHA) + " ."},
			{at(0.5), "#12 exporting layers 4.2s done"},
			{at(0.9), "pushed " + p.Service + ":" + short(p.SHA)},
		}
	}
	var out []LogLine
	for i, pkg := range []string{"cmd", "internal/api", "internal/store", "internal/checkout"} {
		out = append(out, LogLine{at(0.1 + 0.2*float64(i)), fmt.Sprintf("ok  \tgithub.com/acme/%s/%s\t%d.%03ds", p.Service, pkg, i, ids.Hash(p.SHA, pkg)%1000)})
	}
	return out
}

// failureLines say why a job failed, in the words its tool would use.
func failureLines(p *Pipeline, j *Job, at func(float64) time.Time) []LogLine {
	if j.Environment != "" {
		return []LogLine{{at(0.95), j.Environment + " did not settle on " + short(p.SHA) + ": the deployment failed and was rolled back"}}
	}
	tests := []string{"TestCheckoutTotals", "TestRetryBudget", "TestSessionExpiry", "TestCacheWarmup"}
	name := tests[ids.Hash(p.SHA, j.Name)%uint32(len(tests))]
	return []LogLine{
		{at(0.9), fmt.Sprintf("--- FAIL: %s (0.%02ds)", name, ids.Hash(p.SHA)%100)},
		{at(0.9), fmt.Sprintf("    %s_test.go:%d: got 502 Bad Gateway, want 200 OK", strings.ToLower(strings.TrimPrefix(name, "Test")), 40+ids.Hash(name)%60)},
		{at(0.91), "FAIL"},
		{at(0.92), fmt.Sprintf("FAIL\tgithub.com/acme/%s/internal/checkout\t0.412s", p.Service)},
	}
}

// JobByNumber finds a service's job by its CircleCI job number.
func (pt *Part) JobByNumber(service string, n int) (*Pipeline, *Job) {
	r := pt.repos[service]
	if r == nil || n <= 0 {
		return nil, nil
	}
	for _, p := range r.Pipelines {
		for _, wf := range p.Workflows {
			for _, j := range wf.Jobs {
				if j.Number == n {
					return p, j
				}
			}
		}
	}
	return nil, nil
}

// JobByGitHubID finds a job by its id in GitHub's jobs API.
func (pt *Part) JobByGitHubID(id int64) (*Pipeline, *Job) {
	if id == 0 {
		return nil, nil
	}
	return pt.findJob(func(j *Job) bool { return j.GitHubID == id })
}

// JobByID finds a job by its id.
func (pt *Part) JobByID(id string) (*Pipeline, *Job) {
	return pt.findJob(func(j *Job) bool { return j.ID == id })
}

func (pt *Part) findJob(match func(*Job) bool) (*Pipeline, *Job) {
	for _, r := range pt.order {
		for _, p := range r.Pipelines {
			for _, wf := range p.Workflows {
				for _, j := range wf.Jobs {
					if match(j) {
						return p, j
					}
				}
			}
		}
	}
	return nil, nil
}
