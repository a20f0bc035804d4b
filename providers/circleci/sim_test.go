package circleci

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
	"github.com/airside-dev/flightdeck/sim/specs"
)

// The demo scenario's CircleCI services, as `flightdeck sim` configures them.
var simServices = []Service{
	{Name: "api", Project: "gh/acme/api", Branch: "main"},
	{Name: "payments", Project: "gh/acme/payments", Branch: "main"},
}

// simWorld is the demo world on loopback with a fake clock, every CircleCI
// request and answer checked against the spec.
type simWorld struct{ *simtest.Server }

func startSimWorld(t *testing.T) *simWorld {
	t.Helper()
	sw := &simWorld{simtest.Start(t, t0, sim.Options{Seed: 1})}
	specs.Check(t, sw.World)
	return sw
}

func (sw *simWorld) source(t *testing.T, services ...Service) *Source {
	t.Helper()
	s, err := New(Options{Host: sw.URL, Token: NewToken("sim", "CIRCLECI_TOKEN"), Services: services, Now: sw.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// circleRequests totals the sim's CircleCI request counts.
func (sw *simWorld) circleRequests() (int, map[string]int) {
	total, ops := 0, map[string]int{}
	for k, n := range sw.World.Requests() {
		if op, ok := strings.CutPrefix(k, sim.SvcCircleCI+":"); ok {
			ops[op] += n
			total += n
		}
	}
	return total, ops
}

func simFetch(t *testing.T, s *Source) []model.CIStatus {
	t.Helper()
	sts, err := s.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for _, st := range sts {
		if st.Error != "" {
			t.Fatalf("%s: %s", st.Service, st.Error)
		}
	}
	return sts
}

var sha40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestSimDemoPipelines(t *testing.T) {
	sw := startSimWorld(t)
	sts := simFetch(t, sw.source(t, simServices...))
	if len(sts) != 2 || sts[0].Service != "api" || sts[1].Service != "payments" {
		t.Fatalf("services %+v", sts)
	}
	for _, st := range sts {
		if len(st.Pipelines) != RecentPipelines {
			t.Errorf("%s: %d pipelines, want %d", st.Service, len(st.Pipelines), RecentPipelines)
		}
		for i, p := range st.Pipelines {
			if i > 0 && p.Number >= st.Pipelines[i-1].Number {
				t.Errorf("%s: pipelines not newest first: %d after %d", st.Service, p.Number, st.Pipelines[i-1].Number)
			}
			if !sha40.MatchString(p.SHA) || p.Subject == "" || p.Branch != "main" || p.Provider != "circleci" || p.CreatedAt.IsZero() || len(p.Workflows) == 0 {
				t.Errorf("%s pipeline %+v", st.Service, p)
			}
			for _, w := range p.Workflows {
				names := map[string]bool{}
				for _, j := range w.Jobs {
					names[j.Name] = true
					for _, n := range j.Needs {
						if !names[n] {
							t.Errorf("%s/%s: %s needs %q, not a job before it", st.Service, w.Name, j.Name, n)
						}
					}
					if j.Approval != strings.HasPrefix(j.Name, "hold-") {
						t.Errorf("%s: job %s approval=%v", st.Service, j.Name, j.Approval)
					}
				}
				if w.Jobs[0].Name != "build" || fmt.Sprint(w.Jobs[1].Needs) != "[build]" {
					t.Errorf("%s/%s graph %+v", st.Service, w.Name, w.Jobs)
				}
			}
		}
		for _, g := range st.Gates {
			if g.Service != st.Service || !strings.HasPrefix(g.Gate, "hold-") || g.WaitingSince.IsZero() || g.WaitingSince.After(t0) || !sha40.MatchString(g.SHA) {
				t.Errorf("gate %+v", g)
			}
		}
	}
}

// Find a held gate, approve it, and watch its workflow go on.
func TestSimApproveGate(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, simServices...)

	var g model.Gate
	for i := 0; i < 300 && g.ID == ""; i++ {
		sw.Step(2 * time.Second)
		for _, st := range simFetch(t, s) {
			if len(st.Gates) > 0 {
				g = st.Gates[0]
				break
			}
		}
	}
	if g.ID == "" {
		t.Fatal("no gate on hold within ten simulated minutes")
	}
	t.Logf("gate %s of %s at %s, waiting since %s", g.Gate, g.Service, model.ShortSHA(g.SHA), g.WaitingSince.Format(time.RFC3339))

	if err := s.CheckGate(ctx, g); err != nil {
		t.Fatalf("re-check of a held gate: %v", err)
	}
	sw.World.ResetRequests()
	rc, err := s.Approve(ctx, g, true)
	if n, _ := sw.circleRequests(); err != nil || n != 0 || len(rc.Calls) != 1 {
		t.Fatalf("dry run: %+v, %v, %d requests", rc, err, n)
	}
	rc, err = s.Approve(ctx, g, false)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if _, ops := sw.circleRequests(); ops["approvePendingApprovalJobById"] != 1 || len(rc.RequestIDs) != 1 || rc.RequestIDs[0] == "" {
		t.Errorf("approve sent %v, receipt %+v", ops, rc)
	}

	// Approving again is the API's 4xx, not a success; the re-check says why.
	if _, err := s.Approve(ctx, g, false); err == nil || model.IsRefusal(err) {
		t.Errorf("second approve: %v", err)
	}
	err = s.CheckGate(ctx, g)
	if !model.IsRefusal(err) || !strings.Contains(err.Error(), "already approved by you (") {
		t.Errorf("re-check after approving: %v", err)
	}

	// The workflow moves on: the gate leaves the list, the job after it runs.
	find := func(sts []model.CIStatus) (model.Workflow, []model.Gate) {
		for _, st := range sts {
			for _, p := range st.Pipelines {
				for _, w := range p.Workflows {
					if w.ID == g.WorkflowID {
						return w, st.Gates
					}
				}
			}
		}
		t.Fatalf("workflow %s gone from the poll", g.WorkflowID)
		return model.Workflow{}, nil
	}
	sw.Step(time.Second)
	w, gates := find(simFetch(t, s))
	for _, other := range gates {
		if other.ID == g.ID {
			t.Errorf("approved gate still listed: %+v", other)
		}
	}
	var hold, after *model.Job
	for i := range w.Jobs {
		j := &w.Jobs[i]
		if j.Name == g.Gate {
			hold = j
		}
		if len(j.Needs) == 1 && j.Needs[0] == g.Gate {
			after = j
		}
	}
	if w.Status == model.RunOnHold || hold == nil || hold.Status != model.RunSuccess || hold.ApprovedBy == "" || after == nil || after.Status != model.RunRunning {
		t.Fatalf("after approval: workflow %s, hold %+v, next %+v", w.Status, hold, after)
	}
	for i := 0; i < 600 && !isSettled(w.Status); i++ {
		sw.Step(2 * time.Second)
		w, _ = find(simFetch(t, s))
	}
	t.Logf("workflow ended %s: %s", w.Status, jobLine(w))
	if !isSettled(w.Status) {
		t.Errorf("workflow still %s after twenty simulated minutes", w.Status)
	}
}

func isSettled(s model.RunStatus) bool {
	return s == model.RunSuccess || s == model.RunFailed || s == model.RunCanceled
}

func jobLine(w model.Workflow) string {
	var parts []string
	for _, j := range w.Jobs {
		parts = append(parts, j.Name+"="+string(j.Status))
	}
	return strings.Join(parts, " ")
}

// Requests per poll against the sim: an unchanged world costs one pipeline
// list per service plus the workflows of unfinished pipelines and the jobs
// of running workflows; over half an hour of the demo the adaptive poll
// (2 s while something runs, 10 s otherwise) costs what the log says.
func TestSimRequestsPerPoll(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, simServices...)
	simFetch(t, s)

	// The world holds still: what does a poll of it cost?
	sw.Clock.Advance(2 * time.Second)
	sw.World.ResetRequests()
	sts := simFetch(t, s)
	want := map[string]int{"listPipelinesForProject": len(simServices)}
	for _, st := range sts {
		for _, p := range st.Pipelines {
			unfinished := false
			for _, w := range p.Workflows {
				// Held workflows are listed again only every heldRelist.
				unfinished = unfinished || (!isSettled(w.Status) && w.Status != model.RunOnHold)
				if w.Status == model.RunRunning || w.Moving() {
					want["listWorkflowJobs"]++
				}
			}
			if unfinished {
				want["listWorkflowsByPipelineId"]++
			}
		}
	}
	if _, got := sw.circleRequests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("poll of an unchanged world: %v, want %v", got, want)
	}

	if testing.Short() {
		return
	}
	specs.Stop(sw.World) // the spec walk per request is what makes this slow
	for _, svc := range simServices {
		active, idle := measure(t, sw, sw.source(t, svc), 15*time.Minute)
		t.Logf("%s: %s", svc.Name, active)
		t.Logf("%s: %s", svc.Name, idle)
		if idle.polls > 0 && idle.perMinute() > 20 {
			t.Errorf("%s idle: %.1f requests a minute", svc.Name, idle.perMinute())
		}
		if active.polls > 0 && active.perMinute() > 150 {
			t.Errorf("%s active: %.1f requests a minute", svc.Name, active.perMinute())
		}
	}
}

// pollStats totals the polls of one kind.
type pollStats struct {
	kind     string
	polls    int
	requests int
	span     time.Duration
}

func (p pollStats) perMinute() float64 { return float64(p.requests) / p.span.Minutes() }

func (p pollStats) String() string {
	if p.polls == 0 {
		return p.kind + ": no polls"
	}
	return fmt.Sprintf("%s: %d polls, %.2f requests a poll, %.1f requests a minute", p.kind, p.polls, float64(p.requests)/float64(p.polls), p.perMinute())
}

// measure polls one source as the board would, hot (2 s) while a pipeline
// of it runs and idle (10 s) otherwise, for span of simulated time, and
// totals the requests of the polls made in each state.
func measure(t *testing.T, sw *simWorld, s *Source, span time.Duration) (active, idle pollStats) {
	active.kind, idle.kind = "while a pipeline runs (2 s polls)", "while nothing runs (10 s polls)"
	moving := false
	for end := sw.Clock.Now().Add(span); sw.Clock.Now().Before(end); {
		interval, stats := 10*time.Second, &idle
		if moving {
			interval, stats = 2*time.Second, &active
		}
		sw.Step(interval)
		sw.World.ResetRequests()
		sts := simFetch(t, s)
		n, _ := sw.circleRequests()
		stats.polls++
		stats.requests += n
		stats.span += interval
		moving = false
		for _, st := range sts {
			for _, p := range st.Pipelines {
				moving = moving || p.Moving()
			}
		}
	}
	return active, idle
}

// The sim's faults, in CircleCI's own shapes, reach the poller as the
// sentinels it reacts to; last good data is the snapshot's to keep.
func TestSimFaults(t *testing.T) {
	sw := startSimWorld(t)
	s := sw.source(t, simServices...)
	simFetch(t, s)

	sw.World.SetFault(sim.SvcCircleCI, sim.Fault{ThrottleRate: 1})
	_, err := s.Fetch(ctx)
	d, _ := providers.RetryAfter(err)
	if !errors.Is(err, providers.ErrThrottled) || d <= 0 || !strings.Contains(err.Error(), "Rate limit exceeded") {
		t.Errorf("throttled: %v (retry after %s)", err, d)
	}
	sw.World.SetFault(sim.SvcCircleCI, sim.Fault{})
	sw.Clock.Advance(d)

	sw.World.SetFault(sim.SvcCircleCI, sim.Fault{DenyRate: 1})
	_, err = s.Fetch(ctx)
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "check CIRCLECI_TOKEN") {
		t.Errorf("denied: %v", err)
	}

	sw.World.SetFault(sim.SvcCircleCI, sim.Fault{MalformedRate: 1})
	if _, err = s.Fetch(ctx); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("malformed: %v", err)
	}

	sw.World.SetFault(sim.SvcCircleCI, sim.Fault{ErrorRate: 1})
	if _, err = s.Fetch(ctx); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("server error: %v", err)
	}

	sw.World.SetFault(sim.SvcCircleCI, sim.Fault{})
	if sts := simFetch(t, s); len(sts[0].Pipelines) == 0 {
		t.Error("no pipelines after the faults cleared")
	}
}
