package githubactions

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
	"github.com/airside-dev/flightdeck/sim/specs"
)

// The demo's GitHub Actions services, as `flightdeck sim` configures them.
var simServices = []Service{
	{Name: "web", Repo: "acme/web", Workflow: "deploy.yml", Branch: "main"},
	{Name: "worker", Repo: "acme/worker", Workflow: "deploy.yml", Branch: "main"},
}

// simWorld is the demo world on loopback with a fake clock, every GitHub
// request and answer checked against the spec.
type simWorld struct{ *simtest.Server }

func startSimWorld(t *testing.T) *simWorld {
	t.Helper()
	sw := startUncheckedSimWorld(t)
	specs.Check(t, sw.World)
	return sw
}

// startUncheckedSimWorld is the sim without the spec check, for the long
// measurements: the other tests hold the same traffic to the spec.
func startUncheckedSimWorld(t *testing.T) *simWorld {
	t.Helper()
	return &simWorld{simtest.Start(t, t0, sim.Options{Seed: 1})}
}

// source points a source at the sim as `flightdeck sim` writes the config:
// github.api_url is the sim's root, and any token works.
func (sw *simWorld) source(t *testing.T, o Options, services ...Service) *Source {
	t.Helper()
	return newTestSource(t, o, sw.URL+"/", NewToken("sim", "GH_TOKEN"), sw.Clock.Now, services)
}

var sha40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestSimRunsAndGraphs(t *testing.T) {
	t.Parallel()
	sw := startSimWorld(t)
	sts := fetchOK(t, sw.source(t, Options{}, simServices...))
	for _, st := range sts {
		if len(st.Pipelines) != RecentRuns {
			t.Errorf("%s: %d pipelines, want %d", st.Service, len(st.Pipelines), RecentRuns)
		}
		for i, p := range st.Pipelines {
			if i > 0 && p.Number >= st.Pipelines[i-1].Number {
				t.Errorf("%s: runs not newest first: %d after %d", st.Service, p.Number, st.Pipelines[i-1].Number)
			}
			if !sha40.MatchString(p.SHA) || p.Subject == "" || p.Branch != "main" || p.Provider != "github" || len(p.Workflows) != 1 {
				t.Errorf("%s pipeline %+v", st.Service, p)
			}
			w := p.Workflows[0]
			if w.GraphError != "" {
				t.Errorf("%s run %s: %s", st.Service, p.ID, w.GraphError)
			}
			names := map[string]bool{}
			for _, j := range w.Jobs {
				names[j.Name] = true
			}
			for _, j := range w.Jobs {
				for _, n := range j.Needs {
					if !names[n] {
						t.Errorf("%s run %s: %s needs %q, not a job of the run", st.Service, p.ID, j.Name, n)
					}
				}
			}
			// The graph the file gives: a matrix and a reusable workflow.
			legs := 0
			for n := range names {
				if strings.HasPrefix(n, "test (") {
					legs++
				}
			}
			if legs != 2 || !names["deploy-staging / deploy"] || !names["deploy-production"] {
				t.Errorf("%s run %s: jobs %v", st.Service, p.ID, jobNames(w))
			}
			prod := jobByName(t, w, "deploy-production")
			if prod.Environment != "production" || !strings.Contains(strings.Join(prod.Needs, ","), "deploy-staging / deploy") {
				t.Errorf("%s: deploy-production %+v", st.Service, prod)
			}
		}
		for _, g := range st.Gates {
			if g.Service != st.Service || g.Provider != "github" || g.WaitingSince.IsZero() || !sha40.MatchString(g.SHA) || g.JobID == "" {
				t.Errorf("gate %+v", g)
			}
		}
	}
}

// simGate polls until a production deployment waits for a reviewer.
func simGate(t *testing.T, sw *simWorld, s *Source) model.Gate {
	t.Helper()
	for range 600 {
		for _, st := range fetchOK(t, s) {
			for _, g := range st.Gates {
				if g.Gate == "production" {
					return g
				}
			}
		}
		sw.Step(2 * time.Second)
	}
	t.Fatal("no production deployment waiting within twenty simulated minutes")
	return model.Gate{}
}

// pipelineOf finds a gate's run in a poll.
func pipelineOf(sts []model.CIStatus, g model.Gate) (model.Pipeline, []model.Gate) {
	for _, st := range sts {
		if st.Service != g.Service {
			continue
		}
		for _, p := range st.Pipelines {
			if p.ID == g.WorkflowID {
				return p, st.Gates
			}
		}
	}
	return model.Pipeline{}, nil
}

func TestSimApproveProduction(t *testing.T) {
	t.Parallel()
	sw := startSimWorld(t)
	s := sw.source(t, Options{}, simServices...)
	g := simGate(t, sw, s)
	if err := s.CheckGate(ctx, g); err != nil {
		t.Fatalf("CheckGate: %v", err)
	}
	if g.ApproveBlocked != "" {
		t.Fatalf("the sim's token may not review: %s", g.ApproveBlocked)
	}
	rc, err := s.Approve(ctx, g, false)
	if err != nil {
		t.Fatalf("Approve: %v", err)
	}
	if len(rc.RequestIDs) != 1 || rc.Detail != "approved production" {
		t.Errorf("receipt %+v", rc)
	}

	// The run moves on: the gate goes, deploy-production runs, and the run
	// finishes.
	var p model.Pipeline
	var gates []model.Gate
	for range 600 {
		sw.Step(2 * time.Second)
		p, gates = pipelineOf(fetchOK(t, s), g)
		if p.Status == model.RunSuccess || p.Status == model.RunFailed {
			break
		}
	}
	for _, other := range gates {
		if other.ID == g.ID {
			t.Errorf("the gate still waits after approval: %+v", other)
		}
	}
	prod := jobByName(t, p.Workflows[0], "deploy-production")
	if p.Status != model.RunSuccess || prod.Status != model.RunSuccess || len(prod.Steps) == 0 {
		t.Errorf("after approval: run %s, deploy-production %s with %d steps", p.Status, prod.Status, len(prod.Steps))
	}
	err = s.CheckGate(ctx, g)
	if !model.IsRefusal(err) || !strings.Contains(err.Error(), "already approved by") {
		t.Errorf("CheckGate after approval: %v", err)
	}
}

func TestSimRejectAndCancel(t *testing.T) {
	t.Parallel()
	sw := startSimWorld(t)
	s := sw.source(t, Options{}, simServices...)
	g := simGate(t, sw, s)
	if _, err := s.Reject(ctx, g, false); err != nil {
		t.Fatalf("Reject: %v", err)
	}
	sw.Step(2 * time.Second)
	p, _ := pipelineOf(fetchOK(t, s), g)
	if p.Status != model.RunFailed {
		t.Errorf("after reject: %s", p.Status)
	}
	if err := s.CheckGate(ctx, g); !model.IsRefusal(err) || !strings.Contains(err.Error(), "already rejected by") {
		t.Errorf("CheckGate after reject: %v", err)
	}

	// Cancel the next run that moves, wherever it is.
	for range 600 {
		sw.Step(2 * time.Second)
		for _, st := range fetchOK(t, s) {
			for _, p := range st.Pipelines {
				if !p.Moving() {
					continue
				}
				if _, err := s.CancelWorkflow(ctx, st.Service, p.ID, false); err != nil {
					t.Fatalf("cancel %s run %s: %v", st.Service, p.ID, err)
				}
				sw.Step(2 * time.Second)
				for _, st2 := range fetchOK(t, s) {
					for _, p2 := range st2.Pipelines {
						if p2.ID == p.ID && p2.Status != model.RunCanceled {
							t.Errorf("after cancel: %s", p2.Status)
						}
					}
				}
				return
			}
		}
	}
	t.Error("no run moved within twenty simulated minutes")
}

// usage is what the sim counted between two moments.
type usage struct{ counted, notModified, sent int }

func (sw *simWorld) usageSince(before sim.GitHubUsage) usage {
	now := sw.World.GitHubUsage()
	return usage{counted: now.Counted - before.Counted, notModified: now.NotModified - before.NotModified,
		sent: now.Counted - before.Counted + now.NotModified - before.NotModified}
}

// TestSimRateBudget measures what polling costs the rate limit, as the sim
// counts it, for an hour of polls at the board's pace: every 10 s while
// nothing moves, every 2 s while something does (never faster than
// MinInterval). The goal: under 60 requests an hour in total for
// 10 repositories on an idle board. Run with -v to see the numbers.
func TestSimRateBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("an hour of simulated polling")
	}
	t.Parallel()
	const idle, hot = 10 * time.Second, 2 * time.Second

	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		// The world stands still (no Step): nothing to see but the same
		// answers, hour after hour. Ten services over the demo's two
		// repositories stand for ten repositories' worth of requests.
		sw := startUncheckedSimWorld(t)
		var ten []Service
		for i := range 10 {
			svc := simServices[i%2]
			svc.Name = fmt.Sprintf("%s-%d", svc.Name, i)
			ten = append(ten, svc)
		}
		s := sw.source(t, Options{}, ten...)
		fetchOK(t, s)
		before := sw.World.GitHubUsage()
		polls := 0
		for at := time.Duration(0); at < time.Hour; at += idle {
			sw.Clock.Advance(idle)
			fetchOK(t, s)
			polls++
		}
		u := sw.usageSince(before)
		t.Logf("idle hour, 10 services: %d polls, %d requests sent, %d counted against the rate limit, %d answered 304",
			polls, u.sent, u.counted, u.notModified)
		if u.counted >= 60 {
			t.Errorf("idle: %d counted requests an hour for 10 services, want under 60", u.counted)
		}
		if d := s.MinInterval(); d > idle {
			t.Errorf("idle MinInterval %s", d)
		}
	})

	t.Run("restart", func(t *testing.T) {
		t.Parallel()
		// The first poll after a restart, with the ETag cache on disk,
		// costs nothing when nothing changed.
		sw := startSimWorld(t)
		dir := t.TempDir()
		fetchOK(t, sw.source(t, Options{ClientOptions: ClientOptions{CacheDir: dir}}, simServices...))
		before := sw.World.GitHubUsage()
		fetchOK(t, sw.source(t, Options{ClientOptions: ClientOptions{CacheDir: dir}}, simServices...))
		u := sw.usageSince(before)
		t.Logf("first poll after a restart, 2 services: %d requests sent, %d counted, %d answered 304", u.sent, u.counted, u.notModified)
		if u.counted != 0 || u.sent == 0 {
			t.Errorf("after a restart: %+v", u)
		}
	})

	t.Run("busy", func(t *testing.T) {
		t.Parallel()
		// The demo world as it runs: commits every few minutes, runs that
		// build, test, deploy and wait for a reviewer, who never comes.
		sw := startUncheckedSimWorld(t)
		s := sw.source(t, Options{}, simServices...)
		sts := fetchOK(t, s)
		before := sw.World.GitHubUsage()
		polls, hotPolls := 0, 0
		var slowest time.Duration
		for at := time.Duration(0); at < time.Hour; {
			interval := idle
			if moving(sts) {
				interval = hot
				hotPolls++
			}
			if m := s.MinInterval(); m > interval {
				interval = m
			}
			slowest = max(slowest, interval)
			sw.Step(interval)
			at += interval
			sts = fetchOK(t, s)
			polls++
		}
		u := sw.usageSince(before)
		rem, lim, _, _ := s.Rate()
		t.Logf("busy hour, 2 services: %d polls (%d hot), %d requests sent, %d counted against the rate limit, %d answered 304; %d of %d left; longest interval %s",
			polls, hotPolls, u.sent, u.counted, u.notModified, rem, lim, slowest)
		if u.counted >= 2500 {
			t.Errorf("busy: %d counted requests an hour for 2 services", u.counted)
		}
	})
}

func moving(sts []model.CIStatus) bool {
	for _, st := range sts {
		for _, p := range st.Pipelines {
			if p.Moving() {
				return true
			}
		}
	}
	return false
}
