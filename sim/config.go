package sim

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/airside-dev/flightdeck/sim/ecs"
	"github.com/airside-dev/flightdeck/sim/github"
)

// WriteConfig returns a flightdeck YAML config that points every provider
// at the sim served at baseURL: the demo's services and environments, or,
// for the empty scenario, whatever services the tests have created (one
// environment per cluster). GitHub's api_url is baseURL + "/", the root
// as api.github.com has it; baseURL + "/api/v3/", GitHub Enterprise's
// form, reaches the same endpoints.
func (w *World) WriteConfig(baseURL string) []byte {
	w.loop.Lock()
	defer w.loop.Unlock()
	services := w.configServices()
	circle := slices.ContainsFunc(services, func(s configService) bool { return s.ci == ciCircleCI })

	var b strings.Builder
	fmt.Fprintf(&b, "# Written by `flightdeck sim` (scenario %s, seed %d, speed %g).\n", w.scenario, w.seed, w.loop.Speed())
	b.WriteString("# Every provider points at the simulated world; AWS needs no credentials.\n")
	if circle {
		// flightdeck reads CircleCI's token only from the environment (or
		// the CircleCI CLI's file), never from this file.
		b.WriteString("# CircleCI needs a token, and any value works against the sim: export CIRCLECI_TOKEN=sim\n")
	}
	if len(services) > 0 {
		// Likewise GitHub's (GH_TOKEN, GITHUB_TOKEN or gh auth token):
		// GitHub Actions runs, and every service's commits and compares
		// (each names its repo), come from GitHub.
		b.WriteString("# GitHub needs a token, and any value works against the sim: export GH_TOKEN=sim\n")
	}
	b.WriteString("refresh: 10s\n")
	b.WriteString("github:\n")
	b.WriteString("  api_url: " + strconv.Quote(strings.TrimSuffix(baseURL, "/")+"/") + "\n")
	if circle {
		b.WriteString("circleci:\n")
		b.WriteString("  host: " + strconv.Quote(baseURL) + "\n")
	}
	b.WriteString("aws:\n")
	b.WriteString("  region: " + ecs.DefaultRegion + "\n")
	b.WriteString("  endpoint_url: " + strconv.Quote(baseURL) + "\n")
	b.WriteString("  anonymous: true\n")

	if len(services) == 0 {
		b.WriteString("services: []\n")
		return []byte(b.String())
	}
	b.WriteString("services:\n")
	for _, s := range services {
		fmt.Fprintf(&b, "  - name: %s\n", yamlScalar(s.name))
		fmt.Fprintf(&b, "    repo: %s\n", yamlScalar(s.repo))
		switch s.ci {
		case ciCircleCI:
			b.WriteString("    ci:\n")
			b.WriteString("      provider: circleci\n")
			fmt.Fprintf(&b, "      project: %s\n", yamlScalar("gh/"+s.repo))
			fmt.Fprintf(&b, "      branch: %s\n", yamlScalar(s.branch))
		case ciGitHubActions:
			b.WriteString("    ci:\n")
			b.WriteString("      provider: github-actions\n")
			fmt.Fprintf(&b, "      workflow: %s\n", yamlScalar(github.DeployWorkflowFile))
			fmt.Fprintf(&b, "      branch: %s\n", yamlScalar(s.branch))
		}
		b.WriteString("    environments:\n")
		for _, e := range s.envs {
			fmt.Fprintf(&b, "      - name: %s\n", yamlScalar(e.name))
			if e.protected {
				b.WriteString("        protected: true\n")
			}
			if e.region != ecs.DefaultRegion {
				b.WriteString("        aws:\n")
				fmt.Fprintf(&b, "          region: %s\n", yamlScalar(e.region))
			}
			if e.eb != nil {
				b.WriteString("        beanstalk:\n")
				fmt.Fprintf(&b, "          application: %s\n", yamlScalar(e.eb.app))
				fmt.Fprintf(&b, "          environment: %s\n", yamlScalar(e.eb.env))
				if e.eb.standby != "" {
					fmt.Fprintf(&b, "          standby: %s\n", yamlScalar(e.eb.standby))
				}
				continue
			}
			if e.bg != nil {
				b.WriteString("        blue_green:\n")
				fmt.Fprintf(&b, "          listener_arn: %s\n", yamlScalar(e.bg.listener))
				fmt.Fprintf(&b, "          blue_target_group_arn: %s\n", yamlScalar(e.bg.blue))
				fmt.Fprintf(&b, "          green_target_group_arn: %s\n", yamlScalar(e.bg.green))
			}
			if c := e.canary; c != nil {
				b.WriteString("        canary:\n")
				fmt.Fprintf(&b, "          listener_arn: %s\n", yamlScalar(c.listener))
				fmt.Fprintf(&b, "          stable_target_group_arn: %s\n", yamlScalar(c.stable))
				fmt.Fprintf(&b, "          canary_target_group_arn: %s\n", yamlScalar(c.canary))
				steps := make([]string, len(c.steps))
				for i, st := range c.steps {
					steps[i] = strconv.Itoa(st)
				}
				fmt.Fprintf(&b, "          steps: [%s]\n", strings.Join(steps, ", "))
			}
			b.WriteString("        ecs:\n")
			fmt.Fprintf(&b, "          cluster: %s\n", yamlScalar(e.cluster))
			fmt.Fprintf(&b, "          service: %s\n", yamlScalar(cmp.Or(e.service, s.name)))
			fmt.Fprintf(&b, "          container: %s\n", yamlScalar(e.container))
		}
	}
	return []byte(b.String())
}

var plainYAML = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_./-]*$`)

// yamlScalar writes s plain when YAML reads it back as the same string,
// else double-quoted.
func yamlScalar(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return strconv.Quote(s)
	}
	if plainYAML.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}

type configEnv struct {
	name, cluster, region, container string
	protected                        bool
	eb                               *configEB // on Elastic Beanstalk instead of ECS
	service                          string    // the ECS service when it is not the service's name
	bg                               *configBG // a blue/green pair on a listener
	canary                           *configCanary
}

// configCanary is an environment's canary block.
type configCanary struct {
	listener, stable, canary string
	steps                    []int
}

// configBG is an environment's blue_green block.
type configBG struct{ listener, blue, green string }

// configEB is an environment's beanstalk block.
type configEB struct{ app, env, standby string }

type configService struct {
	name, repo string
	ci, branch string // ci is ciCircleCI, ciGitHubActions or ""
	envs       []configEnv
}

// configServices lists what the config names; the loop is held.
func (w *World) configServices() []configService {
	var out []configService
	if len(w.catalogue) > 0 {
		for _, cs := range w.catalogue {
			s := configService{name: cs.name, repo: w.ci.Repo(cs.name).Name, ci: cs.ci, branch: "main"}
			for _, e := range cs.envs {
				s.envs = append(s.envs, configEnv{name: e.name, cluster: e.cluster, region: e.region, container: cs.name, protected: e.protected})
			}
			out = append(out, s)
		}
		for _, es := range w.ebServices {
			s := configService{name: es.name, repo: w.ci.Repo(es.name).Name, ci: ciCircleCI, branch: "main"}
			for _, e := range es.envs {
				s.envs = append(s.envs, configEnv{name: e.name, region: ecs.DefaultRegion, protected: e.protected,
					eb: &configEB{app: es.app, env: e.env, standby: e.standby}})
			}
			out = append(out, s)
		}
		for _, bg := range w.bgServices {
			out = append(out, bg.configService(w.ci.Repo(bg.cs.name).Name))
		}
		// Last, the native-strategy services: shipped by a deploy script,
		// no CI.
		for _, cs := range w.native {
			s := configService{name: cs.name, repo: w.ci.Repo(cs.name).Name}
			for _, e := range cs.envs {
				s.envs = append(s.envs, configEnv{name: e.name, cluster: e.cluster, region: e.region, container: cs.name, protected: e.protected})
			}
			out = append(out, s)
		}
		for _, cn := range w.canaryServices {
			out = append(out, cn.configService(w.ci.Repo(cn.cs.name).Name))
		}
		return out
	}
	index := map[string]int{}
	for _, si := range w.ecs.Services() {
		i, ok := index[si.Name]
		if !ok {
			i = len(out)
			index[si.Name] = i
			out = append(out, configService{name: si.Name, repo: "acme/" + si.Name})
		}
		out[i].envs = append(out[i].envs, configEnv{
			name: si.Cluster, cluster: si.Cluster, region: si.Region, container: si.Container,
			protected: strings.Contains(si.Cluster, "prod"),
		})
	}
	return out
}
