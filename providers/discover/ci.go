package discover

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/githubactions"
)

// CI is a service's pipeline as the config names it.
type CI struct {
	// Provider is "circleci" or "github-actions" (config.ci.provider).
	Provider string
	// Project is the CircleCI project slug, gh/OWNER/REPO.
	Project string
	// Workflow is the GitHub Actions workflow file chosen; Workflows every
	// workflow file the repository has, for the comment.
	Workflow  string
	Workflows []string
	// Also names the other CI the repository has configured, if any.
	Also string
}

// Paths the CI providers keep their pipelines at.
const (
	circleConfig = ".circleci/config.yml"
	workflowsDir = ".github/workflows"
)

// ciWorkers bounds the repositories read at once.
const ciWorkers = 6

// DetectCI reads each service's repository on its default branch, through
// GitHub's contents API: .circleci/config.yml is CircleCI,
// .github/workflows/*.yml GitHub Actions (the workflow named like a
// deploy or release when there are several). Where both are there, a
// deploy-like workflow wins, else CircleCI. Each repository is read once,
// a few at a time. The map says, by repository, why its CI could not be
// read.
func DetectCI(ctx context.Context, gh *githubactions.Client, services []Service) map[string]string {
	var repos []string
	for _, s := range services {
		if s.Repo != "" && !slices.Contains(repos, s.Repo) {
			repos = append(repos, s.Repo)
		}
	}
	type result struct {
		ci  *CI
		err error
	}
	results := make([]result, len(repos))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(ciWorkers, len(repos)) {
		wg.Go(func() {
			for i := range next {
				ci, err := detect(ctx, gh, repos[i])
				results[i] = result{ci, err}
			}
		})
	}
	for i := range repos {
		next <- i
	}
	close(next)
	wg.Wait()

	failed := map[string]string{}
	found := map[string]*CI{}
	for i, r := range results {
		if r.err != nil {
			failed[repos[i]] = "reading " + repos[i] + ": " + providers.OneLine(r.err.Error(), 200)
		}
		found[repos[i]] = r.ci
	}
	for i := range services {
		if ci := found[services[i].Repo]; ci != nil {
			c := *ci
			services[i].CI = &c
		}
	}
	return failed
}

func detect(ctx context.Context, gh *githubactions.Client, repo string) (*CI, error) {
	circle := true
	if _, err := gh.File(ctx, repo, circleConfig, ""); errors.Is(err, providers.ErrNotFound) {
		circle = false
	} else if err != nil {
		return nil, err
	}
	names, err := gh.Dir(ctx, repo, workflowsDir, "")
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		return nil, err
	}
	var workflows []string
	for _, n := range names {
		if strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml") {
			workflows = append(workflows, n)
		}
	}
	return choose(repo, circle, workflows), nil
}

// choose is the CI a repository's files say: GitHub Actions when it has
// workflows and either no CircleCI config or a workflow named like a
// deploy; else CircleCI when it has its config; else nil.
func choose(repo string, circle bool, workflows []string) *CI {
	workflows = slices.Sorted(slices.Values(workflows))
	best, deployLike := pickWorkflow(workflows)
	switch {
	case len(workflows) > 0 && (deployLike || !circle):
		ci := &CI{Provider: "github-actions", Workflow: best, Workflows: workflows}
		if circle {
			ci.Also = circleConfig
		}
		return ci
	case circle:
		ci := &CI{Provider: "circleci", Project: "gh/" + repo}
		if len(workflows) > 0 {
			ci.Also = workflowsDir + "/ (" + strings.Join(workflows, ", ") + ")"
		}
		return ci
	}
	return nil
}

// pickWorkflow is the workflow that most reads as the one that deploys:
// deploy, then release, then cd or delivery in its name; else the first.
func pickWorkflow(names []string) (string, bool) {
	if len(names) == 0 {
		return "", false
	}
	score := func(n string) int {
		l := strings.ToLower(n)
		switch {
		case strings.Contains(l, "deploy"):
			return 3
		case strings.Contains(l, "release"):
			return 2
		case strings.Contains(l, "delivery") || strings.HasPrefix(l, "cd.") || strings.Contains(l, "-cd.") || strings.Contains(l, "_cd."):
			return 1
		}
		return 0
	}
	best := names[0]
	for _, n := range names[1:] {
		if score(n) > score(best) {
			best = n
		}
	}
	return best, score(best) > 0
}
