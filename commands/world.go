package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/providers/beanstalk"
	"github.com/airside-dev/flightdeck/providers/circleci"
	"github.com/airside-dev/flightdeck/providers/cloudwatch"
	"github.com/airside-dev/flightdeck/providers/ecs"
	"github.com/airside-dev/flightdeck/providers/githubactions"
	"github.com/airside-dev/flightdeck/providers/traffic"
)

// world is what a config turns into: the services to show and the
// registry of the providers that read and act on them.
type world struct {
	specs []model.ServiceSpec
	reg   *providers.Registry
}

// close saves what should outlive the run (the GitHub ETag cache).
func (w *world) close() { _ = w.reg.Close() }

// awsKey groups environments that one AWS client can serve.
type awsKey struct {
	region, profile, endpoint string
	anonymous                 bool
}

// buildWorld wires concrete providers for a config. ECS environments are
// grouped by account, region and endpoint so that one source polls each
// group and batches its DescribeServices calls; Elastic Beanstalk
// environments likewise, one source per group, batching its
// DescribeEnvironments per application.
func buildWorld(ctx context.Context, g *globals, cfg *config.Config) (*world, error) {
	w := &world{reg: providers.NewRegistry()}
	repos := map[string]string{}
	groups := map[awsKey][]ecs.Environment{}
	ebGroups := map[awsKey][]beanstalk.Environment{}
	pairs := map[awsKey][]traffic.Pair{}
	var circle []circleci.Service
	var gha []githubactions.Service
	for _, s := range cfg.Services {
		if s.Repo != "" {
			repos[s.Name] = s.Repo
		}
		switch {
		case s.CI == nil:
		case s.CI.Provider == config.ProviderCircleCI:
			circle = append(circle, circleci.Service{Name: s.Name, Project: s.CI.Project, Branch: s.CI.Branch, Workflow: s.CI.Workflow, DeployJobs: s.CI.DeployJobs})
		case s.CI.Provider == config.ProviderGitHubActions:
			gha = append(gha, githubactions.Service{Name: s.Name, Repo: s.Repo, Workflow: s.CI.Workflow, Branch: s.CI.Branch, DeployJobs: s.CI.DeployJobs})
		}
		spec := model.ServiceSpec{Name: s.Name, Repo: s.Repo}
		for _, e := range s.Environments {
			es := model.EnvSpec{Name: e.Name, Protected: e.Protected, RollbackCI: e.RollbackVia() == config.RollbackCI}
			switch {
			case e.ECS != nil && (e.BlueGreen != nil || e.Canary != nil):
				// A pair or a canary on a listener: its own source, which
				// reads the sides' services through an ECS source of its
				// own, and a canary's traffic from CloudWatch.
				es.Target = model.TargetECS
				a := e.EffectiveAWS(cfg.AWS)
				k := awsKey{a.Region, a.Profile, a.EndpointURL, a.Anonymous}
				pairs[k] = append(pairs[k], listenerPair(s, e))
			case e.ECS != nil:
				es.Target = model.TargetECS
				a := e.EffectiveAWS(cfg.AWS)
				k := awsKey{a.Region, a.Profile, a.EndpointURL, a.Anonymous}
				groups[k] = append(groups[k], ecs.Environment{
					Key:     model.EnvKey{Service: s.Name, Environment: e.Name},
					Cluster: e.ECS.Cluster, Service: e.ECS.Service, Container: e.ECS.Container, SHAFromTag: s.TagPattern(),
				})
			case e.Beanstalk != nil:
				es.Target = model.TargetBeanstalk
				a := e.EffectiveAWS(cfg.AWS)
				k := awsKey{a.Region, a.Profile, a.EndpointURL, a.Anonymous}
				env, err := beanstalkEnv(s.Name, e)
				if err != nil {
					return nil, &exitError{code: exitUsage, err: err}
				}
				ebGroups[k] = append(ebGroups[k], env)
			}
			spec.Environments = append(spec.Environments, es)
		}
		w.specs = append(w.specs, spec)
	}
	for _, k := range sortedKeys(groups) {
		// A native canary's CloudWatch client comes from the same chain,
		// region, profile and endpoint as the ECS source, as traffic.New's.
		// ECS's error, when both fail, is the one to show.
		var sides ecs.SidesReader
		cw, cwErr := cloudwatch.New(ctx, cloudwatch.Options{Region: k.region, Profile: k.profile, EndpointURL: k.endpoint,
			Anonymous: k.anonymous, Envs: ecsKeys(groups[k])})
		if cwErr == nil {
			sides = cw
		}
		src, err := ecs.New(ctx, ecs.Options{
			Region: k.region, Profile: k.profile, EndpointURL: k.endpoint, Anonymous: k.anonymous,
			Environments: groups[k], Sides: sides,
		})
		if err == nil {
			err = cwErr
		}
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		w.reg.AddSource(src)
	}
	for _, k := range sortedKeys(pairs) {
		// A canary's CloudWatch client comes from the same chain, region,
		// profile and endpoint (traffic.New builds it).
		src, err := traffic.New(ctx, traffic.Options{
			Region: k.region, Profile: k.profile, EndpointURL: k.endpoint, Anonymous: k.anonymous,
			Pairs: pairs[k],
		})
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		w.reg.AddSource(src)
	}
	for _, k := range sortedKeys(ebGroups) {
		src, err := beanstalk.New(ctx, beanstalk.Options{
			Region: k.region, Profile: k.profile, EndpointURL: k.endpoint, Anonymous: k.anonymous,
			Environments: ebGroups[k],
		})
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		w.reg.AddSource(src)
	}
	if len(circle) > 0 {
		host, token, err := circleCI(g, cfg)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		src, err := circleci.New(circleci.Options{Host: host, Token: token, Services: circle})
		if err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("circleci.host: %w", err)}
		}
		w.reg.AddCI(src)
	}
	// The GitHub client also reads commits for any service with a repo.
	if len(gha) > 0 || len(repos) > 0 {
		apiURL, token, err := gitHub(ctx, g, cfg)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		src, err := githubactions.New(githubactions.Options{
			ClientOptions: githubactions.ClientOptions{APIURL: apiURL, Token: token, CacheDir: etagCacheDir(g)},
			Services:      gha,
		})
		if err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("github.api_url: %w", err)}
		}
		if len(gha) > 0 {
			w.reg.AddCI(src)
		}
		w.reg.SetLineage(src, repos)
		w.reg.OnClose(src.SaveCache)
	}
	return w, nil
}

// listenerPair is the traffic provider's view of an ECS environment with
// a blue_green or a canary block.
func listenerPair(s config.Service, e config.Environment) traffic.Pair {
	if cn := e.Canary; cn != nil {
		return traffic.Pair{
			Key:     model.EnvKey{Service: s.Name, Environment: e.Name},
			Cluster: e.ECS.Cluster, Service: e.ECS.Service, Container: e.ECS.Container, SHAFromTag: s.TagPattern(),
			Listener: cn.ListenerARN, Stable: cn.StableTargetGroupARN, Canary: cn.CanaryTargetGroupARN, Steps: slices.Clone(cn.Steps),
		}
	}
	listener := e.BlueGreen.ListenerARN
	if e.BlueGreen.RuleARN != "" {
		listener = e.BlueGreen.RuleARN
	}
	return traffic.Pair{
		Key:     model.EnvKey{Service: s.Name, Environment: e.Name},
		Cluster: e.ECS.Cluster, Service: e.ECS.Service, Container: e.ECS.Container, SHAFromTag: s.TagPattern(),
		Listener: listener, Blue: e.BlueGreen.BlueTargetGroupARN, Green: e.BlueGreen.GreenTargetGroupARN,
	}
}

// sortedKeys are a grouping's AWS keys in a stable order.
func sortedKeys[E any](groups map[awsKey][]E) []awsKey {
	keys := make([]awsKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	return keys
}

// beanstalkEnv is the provider's view of a beanstalk environment of the
// config. The config's validation already checked sha_pattern.
func beanstalkEnv(service string, e config.Environment) (beanstalk.Environment, error) {
	b := e.Beanstalk
	env := beanstalk.Environment{
		Key:         model.EnvKey{Service: service, Environment: e.Name},
		Application: b.Application, Name: b.Environment, Standby: b.Standby,
	}
	if b.SHAPattern != "" {
		re, err := regexp.Compile(b.SHAPattern)
		if err != nil {
			return env, fmt.Errorf("%s/%s: beanstalk.sha_pattern: %w", service, e.Name, err)
		}
		env.SHAPattern = re
	}
	return env, nil
}

// gitHub is the GitHub API root and token for this run: github.api_url
// when the file sets it, else GH_HOST's API as gh maps it, else
// github.com's; and the token that belongs to that host (GH_TOKEN,
// GITHUB_TOKEN, or for an Enterprise Server GH_ENTERPRISE_TOKEN,
// GITHUB_ENTERPRISE_TOKEN; else `gh auth token`). Without one the CI
// cells say how to provide it and the rest of the board works. The error
// is only for a GH_HOST that names no host.
func gitHub(ctx context.Context, g *globals, cfg *config.Config) (string, githubactions.Token, error) {
	if g.simulated {
		return cfg.GitHub.APIURL, githubactions.NewToken(demoToken(), "the demo world"), nil
	}
	configured := ""
	if cfg.GitHub.APIURLSet {
		configured = cfg.GitHub.APIURL
	}
	apiURL, err := githubactions.ResolveAPIURL(configured, os.Getenv)
	if err != nil {
		return "", githubactions.Token{}, err
	}
	t, _ := githubactions.FindToken(ctx, apiURL)
	return apiURL, t, nil
}

// etagCacheDir is where GitHub answers are kept for conditional requests,
// so a restart needs no fresh quota. The demo's world is made up anew each
// time: nothing of it is kept.
func etagCacheDir(g *globals) string {
	if g.simulated {
		return ""
	}
	return config.CacheDir(os.Getenv)
}

// circleCI is the CircleCI host and token for this run: circleci.host
// when the file sets it, else the CircleCI CLI's host, and the token that
// belongs there (circleci.LookupToken). Without one the source still runs,
// and every poll says why (no token, or one for another host) on the
// service's CI cell and in the header, while the rest of the board works.
// The error is only for a host that cannot be read at all.
func circleCI(g *globals, cfg *config.Config) (string, circleci.Token, error) {
	if g.simulated {
		return cfg.CircleCI.Host, circleci.NewToken(demoToken(), "the demo world"), nil
	}
	configured := ""
	if cfg.CircleCI.HostSet {
		configured = cfg.CircleCI.Host
	}
	host, token, err := circleci.FindToken(configured)
	if host == "" {
		return "", token, err
	}
	return host, token, nil
}

// pipeline builds the one action pipeline for a config and the flags.
func pipeline(g *globals, cfg *config.Config, w *world) *action.Pipeline {
	locks := filepath.Join(config.StateDir(os.Getenv), "locks")
	if g.simulated {
		locks = filepath.Join(config.StateDir(os.Getenv), "demo-locks")
	}
	o := action.Options{
		ReadOnly:  cfg.ReadOnly || g.readOnly,
		DryRun:    g.dryRun,
		LockDir:   locks,
		Providers: w.reg,
		Protected: action.ProtectedIn(w.specs),
		Audit:     audit.Open(auditPath(g, cfg)),
		User:      audit.DefaultUser(os.Getenv),
		Now:       g.now,
	}
	if g.actor != nil {
		o = g.actor(o) // a remote command on `flightdeck serve`: the member acts
	}
	return action.New(o)
}

// auditPath is where the audit log lives for this run.
func auditPath(g *globals, cfg *config.Config) string {
	if g.auditLog != "" {
		return g.auditLog
	}
	return cfg.AuditLog
}

// demoToken is a token for the simulated world, which accepts any. Every
// token is registered as a secret (package secret), so it must share no
// eight bytes with what the screen shows: random hex, made anew each run.
func demoToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "demo-" + hex.EncodeToString(b)
}

// ecsKeys are the environments' keys, for the CloudWatch client's messages.
func ecsKeys(envs []ecs.Environment) []model.EnvKey {
	keys := make([]model.EnvKey, len(envs))
	for i, e := range envs {
		keys[i] = e.Key
	}
	return keys
}
