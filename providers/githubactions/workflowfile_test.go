package githubactions

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/airside-dev/flightdeck/model"
)

func apiJobs(names ...string) []*github.WorkflowJob {
	out := make([]*github.WorkflowJob, len(names))
	for i, n := range names {
		out[i] = &github.WorkflowJob{ID: github.Int64(int64(i + 1)), Name: github.String(n),
			Status: github.String("completed"), Conclusion: github.String("success")}
	}
	return out
}

func mustParse(t *testing.T, src string) *wfFile {
	t.Helper()
	f, err := parseWorkflow([]byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

// needsOf renders a laid-out workflow as "job<-need+need; …" in order.
func needsOf(jobs []model.Job) string {
	var parts []string
	for _, j := range jobs {
		s := j.Name
		if len(j.Needs) > 0 {
			s += "<-" + strings.Join(j.Needs, "+")
		}
		if j.ID == "" {
			s += "?" // not started: predicted from the file
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func TestMatrixExpansion(t *testing.T) {
	f := mustParse(t, `on: push
jobs:
  test:
    strategy:
      fail-fast: false
      matrix:
        os: [ubuntu-latest, windows-latest]
        node: [18, 20]
        exclude:
          - os: windows-latest
            node: 18
        include:
          - os: ubuntu-latest
            node: 20
            experimental: true
          - os: macos-latest
            node: 22
    runs-on: ${{ matrix.os }}
    steps: [{run: npm test}]
  named:
    name: Lint on ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest]
    runs-on: ${{ matrix.os }}
    steps: [{run: npm run lint}]
  only-include:
    strategy:
      matrix:
        include:
          - site: production
            datacenter: site-a
          - site: staging
            datacenter: site-b
    runs-on: ubuntu-latest
    steps: [{run: echo}]
`)
	got := map[string]string{}
	for _, j := range f.Jobs {
		names, ok := j.displayNames()
		if !ok {
			t.Errorf("%s: names not predictable", j.ID)
		}
		got[j.ID] = strings.Join(names, " | ")
	}
	want := map[string]string{
		"test":         "test (ubuntu-latest, 18) | test (ubuntu-latest, 20, true) | test (windows-latest, 20) | test (macos-latest, 22)",
		"named":        "Lint on ubuntu-latest",
		"only-include": "only-include (production, site-a) | only-include (staging, site-b)",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s:\n got %s\nwant %s", id, got[id], w)
		}
	}
}

func TestGraphNeedsStringOrListIfAndCase(t *testing.T) {
	f := mustParse(t, `name: CI
on: [push]
jobs:
  Build:
    runs-on: ubuntu-latest
    steps: [{run: make}]
  unit:
    needs: build
    runs-on: ubuntu-latest
    steps: [{run: make test}]
  e2e:
    needs: [Build]
    if: ${{ github.event_name == 'push' }}
    runs-on: ubuntu-latest
    steps: [{run: make e2e}]
  release:
    needs: [unit, e2e]
    environment: production
    runs-on: ubuntu-latest
    steps: [{run: make release}]
`)
	jobs := jobsWithGraph(buildGraph(f, nil), apiJobs("Build", "unit", "e2e"), false)
	if got := needsOf(jobs); got != "Build; unit<-Build; e2e<-Build; release<-unit+e2e?" {
		t.Errorf("graph: %s", got)
	}
	if jobs[2].Condition != "${{ github.event_name == 'push' }}" || jobs[3].Environment != "production" || jobs[3].Status != model.RunBlocked {
		t.Errorf("jobs: %+v", jobs)
	}
	// Once the run is over, a job that never ran was skipped.
	done := jobsWithGraph(buildGraph(f, nil), apiJobs("Build", "unit", "e2e"), true)
	if done[3].Status != model.RunSkipped {
		t.Errorf("release after the run: %s", done[3].Status)
	}
}

func TestGraphDynamicMatrixMatchesByName(t *testing.T) {
	f := mustParse(t, `on: push
jobs:
  plan:
    runs-on: ubuntu-latest
    outputs: {shards: "${{ steps.p.outputs.shards }}"}
    steps: [{id: p, run: ./plan}]
  shard:
    needs: plan
    strategy:
      matrix: ${{ fromJSON(needs.plan.outputs.shards) }}
    runs-on: ubuntu-latest
    steps: [{run: ./run}]
  shard-report:
    needs: shard
    runs-on: ubuntu-latest
    steps: [{run: ./report}]
`)
	g := buildGraph(f, nil)
	jobs := jobsWithGraph(g, apiJobs("plan", "shard (1, a)", "shard (2, b)", "shard-report"), true)
	if got := needsOf(jobs); got != "plan; shard (1, a)<-plan; shard (2, b)<-plan; shard-report<-shard (1, a)+shard (2, b)" {
		t.Errorf("graph: %s", got)
	}
	// Before the shards exist there is one node standing for them.
	early := jobsWithGraph(g, apiJobs("plan"), false)
	if got := needsOf(early); got != "plan; shard<-plan?; shard-report<-shard?" {
		t.Errorf("early graph: %s", got)
	}
}

const callerYML = `name: Release
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps: [{run: make}]
  deploy:
    needs: build
    strategy:
      matrix:
        env: [staging, production]
    uses: ./.github/workflows/deploy-env.yml
    with: {environment: "${{ matrix.env }}"}
    secrets: inherit
  notify:
    needs: deploy
    uses: acme/shared/.github/workflows/notify.yml@v1
`

const calleeYML = `on:
  workflow_call:
    inputs:
      environment: {type: string, required: true}
jobs:
  rollout:
    environment: ${{ inputs.environment }}
    runs-on: ubuntu-latest
    steps: [{run: ./rollout}]
  smoke:
    needs: rollout
    runs-on: ubuntu-latest
    steps: [{run: ./smoke}]
`

func TestGraphReusableWorkflows(t *testing.T) {
	caller, callee := mustParse(t, callerYML), mustParse(t, calleeYML)
	api := apiJobs("build",
		"deploy (staging) / rollout", "deploy (production) / rollout",
		"deploy (staging) / smoke", "deploy (production) / smoke",
		"notify / post")
	jobs := jobsWithGraph(buildGraph(caller, map[string]*wfFile{"./.github/workflows/deploy-env.yml": callee}), api, true)
	want := "build; " +
		"deploy (staging) / rollout<-build; deploy (production) / rollout<-build; " +
		"deploy (staging) / smoke<-deploy (staging) / rollout; " +
		"deploy (production) / smoke<-deploy (production) / rollout; " +
		"notify / post<-deploy (staging) / smoke+deploy (production) / smoke"
	if got := needsOf(jobs); got != want {
		t.Errorf("graph:\n got %s\nwant %s", got, want)
	}

	// Without the called file, the call is one node that claims its jobs.
	jobs = jobsWithGraph(buildGraph(caller, nil), api, true)
	want = "build; " +
		"deploy (staging) / rollout<-build; deploy (production) / rollout<-build; deploy (staging) / smoke<-build; deploy (production) / smoke<-build; " +
		"notify / post<-deploy (staging) / rollout+deploy (production) / rollout+deploy (staging) / smoke+deploy (production) / smoke"
	if got := needsOf(jobs); got != want {
		t.Errorf("graph without callee:\n got %s\nwant %s", got, want)
	}
}

func TestGraphKeepsJobsItDoesNotKnow(t *testing.T) {
	f := mustParse(t, "on: push\njobs:\n  build:\n    runs-on: x\n    steps: [{run: make}]\n")
	jobs := jobsWithGraph(buildGraph(f, nil), apiJobs("build", "Summary"), true)
	if got := needsOf(jobs); got != "build; Summary" {
		t.Errorf("graph: %s", got)
	}
}

func TestGraphMatchesTheMostSpecificName(t *testing.T) {
	f := mustParse(t, `on: push
jobs:
  deploy:
    strategy: {matrix: {region: [eu, us]}}
    runs-on: x
    steps: [{run: d}]
  deploy-canary:
    needs: deploy
    runs-on: x
    steps: [{run: c}]
`)
	jobs := jobsWithGraph(buildGraph(f, nil), apiJobs("deploy (eu)", "deploy (us)", "deploy-canary"), true)
	if got := needsOf(jobs); got != "deploy (eu); deploy (us); deploy-canary<-deploy (eu)+deploy (us)" {
		t.Errorf("graph: %s", got)
	}
}

func TestParseWorkflowFailures(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"not YAML":     {"on: push\njobs:\n  a:\n    runs-on: [x\n  b: y\n", "could not parse as YAML"},
		"a tab":        {"on: push\njobs:\n  a:\n\truns-on: x\n", "could not parse as YAML"},
		"a scalar":     {"just words", "line 1"},
		"no jobs":      {"on: push\nname: x\n", `"jobs" section is missing`},
		"empty":        {"", "workflow is empty"},
		"jobs is list": {"on: push\njobs: [a, b]\n", "line 2"},
	}
	for name, c := range cases {
		_, err := parseWorkflow([]byte(c.src))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a ParseError with %q", name, err, c.want)
		}
	}
	// A key the parser does not know (GitHub adds them) is not a failure.
	f, err := parseWorkflow([]byte("on: push\njobs:\n  a:\n    runs-on: x\n    brand-new-key: 1\n    steps: [{run: a}]\n"))
	if err != nil || len(f.Jobs) != 1 {
		t.Errorf("unknown key: %v", err)
	}
}

func FuzzParseWorkflow(f *testing.F) {
	for _, s := range []string{deployYML, callerYML, calleeYML, "on: push\njobs: {}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		wf, err := parseWorkflow(src)
		if err != nil {
			return
		}
		g := buildGraph(wf, map[string]*wfFile{"./.github/workflows/deploy-env.yml": wf})
		_ = jobsWithGraph(g, apiJobs("a", "b (1)", "c / d"), false)
	})
}

// A matrix bigger than GitHub allows is not built: its names are matched.
func TestMatrixTooBigIsNotExpanded(t *testing.T) {
	vals := "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"
	f := mustParse(t, "on: push\njobs:\n  big:\n    strategy:\n      matrix:\n        a: "+vals+"\n        b: "+vals+"\n        c: "+vals+
		"\n    runs-on: x\n    steps: [{run: a}]\n")
	if names, ok := f.Jobs[0].displayNames(); ok || names != nil {
		t.Errorf("expanded %d names", len(names))
	}
	jobs := jobsWithGraph(buildGraph(f, nil), apiJobs("big (0, 0, 0)", "big (9, 9, 9)"), true)
	if got := needsOf(jobs); got != "big (0, 0, 0); big (9, 9, 9)" {
		t.Errorf("graph: %s", got)
	}
}
