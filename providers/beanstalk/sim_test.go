package beanstalk

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

// The demo world's shop service runs on Elastic Beanstalk: staging, and
// production as the blue/green pair shop-blue (live) and shop-green.
var (
	simT0      = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	simStaging = model.EnvKey{Service: "shop", Environment: "staging"}
	simProd    = model.EnvKey{Service: "shop", Environment: "production"}
)

func startDemoSim(t *testing.T) (*simtest.Server, *Source) {
	t.Helper()
	srv := simtest.Start(t, simT0, sim.Options{Seed: 7})
	holdToBotocore(t, srv)
	s, err := New(context.Background(), Options{
		Region: "us-east-1", EndpointURL: srv.URL, Anonymous: true, Now: srv.Clock.Now,
		Environments: []Environment{
			{Key: simStaging, Application: "shop", Name: "shop-staging"},
			{Key: simProd, Application: "shop", Name: "shop-blue", Standby: "shop-green"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, s
}

// TestSimReads: the real provider reads the sim's shop service, every
// read it makes answered in the wire format the Go SDK parses.
func TestSimReads(t *testing.T) {
	srv, s := startDemoSim(t)
	commits := simHistory(t, srv)
	newest, prev, before := commits[len(commits)-1], commits[len(commits)-2], commits[len(commits)-3]

	sts, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 2 {
		t.Fatalf("got %d environments, want 2", len(sts))
	}
	stg, prod := sts[0], sts[1]
	for _, st := range sts {
		if st.Error != "" || st.State != model.StateSteady {
			t.Fatalf("%s: state %q error %q, want steady", st.Environment, st.State, st.Error)
		}
		if st.Health == nil || !st.Health.Enhanced || st.Health.Status != "Ok" || st.Health.Color != "Green" {
			t.Errorf("%s: health %+v, want enhanced Ok/Green", st.Environment, st.Health)
		}
		if len(st.Events) == 0 {
			t.Errorf("%s: no events read", st.Environment)
		}
	}
	if !sameCommit(stg.Version, newest.SHA) || stg.Version.Revision != "shop-"+newest.SHA[:7] {
		t.Errorf("staging runs %+v, want the newest commit %s", stg.Version, newest.SHA)
	}
	if !strings.HasPrefix(stg.Version.Artifact, "s3://") {
		t.Errorf("staging artifact %q, want the source bundle", stg.Version.Artifact)
	}
	if h := stg.Health; h.Requests == nil || h.Requests.Count == 0 || h.Instances == nil || h.Instances.Ok != 2 {
		t.Errorf("staging health %+v, want requests and 2 instances ok", h)
	}
	if !sameCommit(prod.Version, prev.SHA) {
		t.Errorf("production runs %s, want %s (the release before staging's)", prod.Version.SHA, prev.SHA)
	}
	bg := prod.BlueGreen
	if bg == nil {
		t.Fatal("production: no blue/green pair")
	}
	if bg.Live != "shop-blue" || bg.Standby != "shop-green" || bg.CNAME != "shop-prod.us-east-1.elasticbeanstalk.com" {
		t.Errorf("pair %+v, want shop-blue live on shop-prod, shop-green standby", bg)
	}
	if !sameCommit(bg.StandbyVersion, before.SHA) {
		t.Errorf("standby runs %s, want %s", bg.StandbyVersion.SHA, before.SHA)
	}
	if prod.Health.Instances == nil || prod.Health.Instances.Ok != 4 {
		t.Errorf("production instances %+v, want 4 ok", prod.Health.Instances)
	}
	if !strings.Contains(prod.Events[0].Message, "completed successfully") {
		t.Errorf("production's newest event %q, want the update's end", prod.Events[0].Message)
	}

	// A steady poll: one DescribeEnvironments for the application, one
	// DescribeEnvironmentHealth for each of the three environments, no
	// events (nothing moved) and no versions (cached).
	srv.World.ResetRequests()
	srv.Step(10 * time.Second)
	if _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.World.Requests()
	want := map[string]int{"beanstalk:DescribeEnvironments": 1, "beanstalk:DescribeEnvironmentHealth": 3}
	for op, n := range want {
		if got[op] != n {
			t.Errorf("steady poll: %s %d times, want %d (all: %v)", op, got[op], n, got)
		}
	}
	if got["beanstalk:DescribeEvents"] != 0 || got["beanstalk:DescribeApplicationVersions"] != 0 {
		t.Errorf("steady poll asked for events or versions: %v", got)
	}

	// History: the application's versions, newest first, production's
	// current one marked.
	revs, err := s.History(context.Background(), simProd)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) < len(commits) {
		t.Fatalf("history has %d versions, want %d", len(revs), len(commits))
	}
	if !sameCommit(revs[0].Version, newest.SHA) {
		t.Errorf("history starts with %s, want the newest %s", revs[0].Version.SHA, newest.SHA)
	}
	current := 0
	for _, r := range revs {
		if r.Current {
			current++
			if !sameCommit(r.Version, prev.SHA) {
				t.Errorf("history marks %s current, want %s", r.Version.SHA, prev.SHA)
			}
		}
		if !r.Available {
			t.Errorf("version %s not available: %s", r.Version.Revision, r.Why)
		}
	}
	if current != 1 {
		t.Errorf("%d versions marked current, want 1", current)
	}
}

// simHistory is shop's released history: the commits before the one its
// pipeline is building at t0.
func simHistory(t *testing.T, srv *simtest.Server) []sim.Commit {
	t.Helper()
	commits := srv.World.Commits("shop")
	if len(commits) < 4 {
		t.Fatalf("shop has %d commits, want a history", len(commits))
	}
	return commits[:len(commits)-1]
}

// fetchUntil polls every few seconds of simulated time until ok says the
// statuses are what the test waits for, or limit passes.
func fetchUntil(t *testing.T, srv *simtest.Server, s *Source, limit time.Duration, what string, ok func(stg, prod model.EnvStatus) bool) (model.EnvStatus, model.EnvStatus) {
	t.Helper()
	for waited := time.Duration(0); ; waited += 5 * time.Second {
		sts, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ok(sts[0], sts[1]) {
			return sts[0], sts[1]
		}
		if waited > limit {
			t.Fatalf("after %s: not %s: staging %+v\nproduction %+v", limit, what, sts[0], sts[1])
		}
		srv.Step(5 * time.Second)
	}
}

// TestSimPipelineDeploys: shop's CircleCI pipeline deploys its commit to
// staging (a rolling deploy the provider sees batch by batch), waits at
// the hold, and after a colleague's approval deploys production's live
// side.
func TestSimPipelineDeploys(t *testing.T) {
	srv, s := startDemoSim(t)
	all := srv.World.Commits("shop")
	building := all[len(all)-1]
	stg, _ := fetchUntil(t, srv, s, 2*time.Minute, "deploying to staging", func(stg, _ model.EnvStatus) bool {
		return stg.State == model.StateDeploying
	})
	if d := stg.Deployment; d == nil || !strings.HasPrefix(building.SHA, d.ToSHA) || d.ToSHA == "" || d.Desired == 0 {
		t.Errorf("staging deployment %+v, want %s with progress", d, building.SHA[:7])
	}
	fetchUntil(t, srv, s, 2*time.Minute, "steady on the new commit in staging", func(stg, _ model.EnvStatus) bool {
		return stg.State == model.StateSteady && sameCommit(stg.Version, building.SHA)
	})
	_, prod := fetchUntil(t, srv, s, 5*time.Minute, "deploying production", func(_, prod model.EnvStatus) bool {
		return prod.State == model.StateDeploying
	})
	if prod.BlueGreen == nil || prod.BlueGreen.Live != "shop-blue" {
		t.Errorf("production deploys %+v, want the live side shop-blue", prod.BlueGreen)
	}
	fetchUntil(t, srv, s, 5*time.Minute, "steady on the new commit in production", func(_, prod model.EnvStatus) bool {
		return prod.State == model.StateSteady && sameCommit(prod.Version, building.SHA)
	})
	for _, p := range srv.World.Pipelines("shop") {
		if p.SHA == building.SHA && p.Workflows[len(p.Workflows)-1].Status != sim.RunSuccess {
			t.Errorf("pipeline %d: %s", p.Number, p.Workflows[len(p.Workflows)-1].Status)
		}
	}
}

// TestSimRollbackAbortSwitch: the provider's actions against the sim.
func TestSimRollbackAbortSwitch(t *testing.T) {
	srv, s := startDemoSim(t)
	ctx := context.Background()
	hist := simHistory(t, srv)
	live, older := hist[len(hist)-2], hist[len(hist)-4]
	if _, err := s.Fetch(ctx); err != nil {
		t.Fatal(err)
	}

	// Rollback: production's live side rolls to an older version.
	if _, err := s.Rollback(ctx, simProd, model.Version{SHA: older.SHA}, false); err != nil {
		t.Fatal(err)
	}
	_, prod := fetchUntil(t, srv, s, time.Minute, "rolling back", func(_, prod model.EnvStatus) bool { return prod.State == model.StateDeploying })
	if d := prod.Deployment; d == nil || d.ToSHA == "" || !strings.HasPrefix(older.SHA, d.ToSHA) {
		t.Errorf("deployment %+v, want to %s", prod.Deployment, older.SHA[:7])
	}
	fetchUntil(t, srv, s, 4*time.Minute, "rolled back", func(_, prod model.EnvStatus) bool {
		return prod.State == model.StateSteady && sameCommit(prod.Version, older.SHA)
	})
	// A rollback to what runs is refused.
	if _, err := s.Rollback(ctx, simProd, model.Version{SHA: older.SHA}, false); err == nil {
		t.Error("rollback to the running version accepted")
	}

	// Abort: a deploy stopped halfway goes back to what ran.
	if _, err := s.Rollback(ctx, simProd, model.Version{SHA: live.SHA}, false); err != nil {
		t.Fatal(err)
	}
	srv.Step(25 * time.Second) // one batch of two in
	if _, err := s.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Abort(ctx, simProd, false); err != nil {
		t.Fatal(err)
	}
	fetchUntil(t, srv, s, time.Minute, "aborting", func(_, prod model.EnvStatus) bool { return prod.State != model.StateSteady })
	_, prod = fetchUntil(t, srv, s, 2*time.Minute, "back on the version before the abort", func(_, prod model.EnvStatus) bool {
		return prod.State == model.StateSteady && sameCommit(prod.Version, older.SHA)
	})
	if _, err := s.Abort(ctx, simProd, false); err == nil {
		t.Error("abort with nothing in flight accepted")
	}

	// Switch: the standby takes the production name; one more swaps back.
	standby := prod.BlueGreen.StandbyVersion
	if _, err := s.Switch(ctx, simProd, false); err != nil {
		t.Fatal(err)
	}
	_, prod = fetchUntil(t, srv, s, time.Minute, "switched", func(_, prod model.EnvStatus) bool {
		return prod.BlueGreen != nil && prod.BlueGreen.Live == "shop-green"
	})
	if prod.Version.SHA != standby.SHA || prod.BlueGreen.CNAME != "shop-prod.us-east-1.elasticbeanstalk.com" {
		t.Errorf("after the switch production runs %+v on %q, want the standby's %+v", prod.Version, prod.BlueGreen.CNAME, standby)
	}
	if _, err := s.Switch(ctx, simProd, false); err != nil {
		t.Fatal(err)
	}
	fetchUntil(t, srv, s, time.Minute, "switched back", func(_, prod model.EnvStatus) bool {
		return prod.BlueGreen != nil && prod.BlueGreen.Live == "shop-blue" && sameCommit(prod.Version, older.SHA)
	})
}

// TestSimMissingEnvironment: an environment the sim does not have is the
// cell's own error, naming those that exist.
func TestSimMissingEnvironment(t *testing.T) {
	srv := simtest.Start(t, simT0, sim.Options{Seed: 7})
	holdToBotocore(t, srv)
	s, err := New(context.Background(), Options{
		Region: "us-east-1", EndpointURL: srv.URL, Anonymous: true, Now: srv.Clock.Now,
		Environments: []Environment{{Key: simStaging, Application: "shop", Name: "shop-nope"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sts, _ := s.Fetch(context.Background())
	if len(sts) != 1 || sts[0].Error == "" {
		t.Fatalf("got %+v, want an error", sts)
	}
	_, err = s.FetchEnv(context.Background(), simStaging)
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "shop-staging") {
		t.Errorf("error %v, want not found naming shop-staging", err)
	}
}

// sameCommit: the version names the commit (the label carries its first
// seven digits).
func sameCommit(v model.Version, sha string) bool {
	return len(v.SHA) >= 7 && strings.HasPrefix(sha, v.SHA)
}

// TestSimCanaryGoesBad: the demo's second shop commit passes staging, but
// its traffic-splitting canary in production degrades: the provider sees
// the deploy fail (Red health on the way) and then rolled back to what
// ran, and the pipeline's production deploy fails.
func TestSimCanaryGoesBad(t *testing.T) {
	srv, s := startDemoSim(t)
	first := srv.World.Commits("shop")[len(srv.World.Commits("shop"))-1]
	_, prod := fetchUntil(t, srv, s, 8*time.Minute, "the first commit's canary evaluating", func(_, prod model.EnvStatus) bool {
		return prod.Canary != nil && prod.Canary.Stage == "evaluation" && prod.Canary.Canary.Requests > 0
	})
	c := prod.Canary
	if c.Weight != 10 || c.EndsAt.IsZero() || !sameCommit(c.Canary.Version, first.SHA) || c.Canary.Errors5xx != 0 || c.Stable.Requests <= c.Canary.Requests {
		t.Errorf("the good canary: %+v", c)
	}
	if _, err := s.StepCanary(context.Background(), simProd, true, false); !model.IsRefusal(err) || !strings.Contains(err.Error(), "2-minute evaluation ends, at "+c.EndsAt.UTC().Format("15:04:05")) {
		t.Errorf("promote: %v", err)
	}
	fetchUntil(t, srv, s, 8*time.Minute, "steady on the first commit in production", func(_, prod model.EnvStatus) bool {
		return prod.State == model.StateSteady && sameCommit(prod.Version, first.SHA)
	})
	all := srv.World.Commits("shop")
	canary := all[len(all)-1]
	if canary.SHA == first.SHA {
		t.Fatal("no second commit yet")
	}
	_, prod = fetchUntil(t, srv, s, 8*time.Minute, "red while the canary runs", func(_, prod model.EnvStatus) bool {
		return prod.State == model.StateDeploying && prod.Health.Bad()
	})
	if c := prod.Canary; c == nil || c.Weight != 10 || c.Stage != "evaluation" || !sameCommit(c.Canary.Version, canary.SHA) ||
		c.Canary.Errors5xx == 0 || c.Canary.ErrorRate() < 0.2 || c.Stable.Errors5xx != 0 || c.Stable.Requests == 0 || c.Canary.P99 <= c.Stable.P99 {
		t.Errorf("the bad canary: %+v", prod.Canary)
	}
	if c := prod.Canary; c != nil {
		// Per-minute series for the panel and the latency test: as long on
		// both sides, ending with a minute read.
		k, st := c.Canary, c.Stable
		if len(k.RequestSeries) == 0 || len(k.RequestSeries) != len(st.RequestSeries) || len(k.LatencySeries) != len(k.RequestSeries) ||
			math.IsNaN(st.RequestSeries[len(st.RequestSeries)-1]) {
			t.Errorf("series: canary %v stable %v", k.RequestSeries, st.RequestSeries)
		}
		if v := model.Judge(*c, 0, 0); v.Word == model.VerdictPass {
			t.Errorf("the bad canary was judged %s: %s", v.Word, v.Why)
		}
	}
	if d := prod.Deployment; d == nil || !strings.HasPrefix(canary.SHA, d.ToSHA) || d.ToSHA == "" {
		t.Errorf("deployment %+v, want to the canary %s", prod.Deployment, canary.SHA[:7])
	}
	_, prod = fetchUntil(t, srv, s, 3*time.Minute, "failed", func(_, prod model.EnvStatus) bool {
		return prod.State == model.StateFailed || prod.State == model.StateRolledBack
	})
	if d := prod.Deployment; d == nil || !strings.Contains(d.Reason, "Traffic-splitting deployment failed") {
		t.Errorf("failed deployment %+v, want the canary's failure as the reason", prod.Deployment)
	}
	_, prod = fetchUntil(t, srv, s, 2*time.Minute, "rolled back", func(_, prod model.EnvStatus) bool {
		return prod.State == model.StateRolledBack
	})
	if !sameCommit(prod.Version, first.SHA) || prod.Health.Bad() {
		t.Errorf("after the rollback production runs %+v (health %+v), want %s and healthy", prod.Version, prod.Health, first.SHA[:7])
	}
	for _, p := range srv.World.Pipelines("shop") {
		if p.SHA == canary.SHA {
			if st := p.Workflows[len(p.Workflows)-1].Status; st != sim.RunFailed {
				t.Errorf("the canary's pipeline is %s, want failed", st)
			}
		}
	}
}
