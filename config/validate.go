package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// checker runs the rules a decoded file must meet. It reads positions from
// the decoder so every problem points at a line, and skips checks on values
// that already failed to decode, so one mistake is reported once.
type checker struct {
	d *decoder
}

func (c checker) addf(path string, at position, format string, args ...any) {
	c.d.addf(path, at, format, args...)
}

// at is where to point for a problem with path: its key, else its value,
// else (for a key that is missing) the nearest enclosing thing that exists.
func (c checker) at(path string) position {
	for path != "" {
		if p, ok := c.d.keyAt[path]; ok {
			return p
		}
		if p, ok := c.d.valueAt[path]; ok {
			return p
		}
		path = parentPath(path)
	}
	// A key missing from the top level has no line to point at.
	return position{}
}

// valueAt is like at but prefers the value, for problems with what was written.
func (c checker) valueAt(path string) position {
	if p, ok := c.d.valueAt[path]; ok {
		return p
	}
	return c.at(path)
}

// reported says a problem at path was already reported (a wrong type, or an
// unknown key that was probably meant to be this one), so a "missing" for it
// would only repeat it.
func (c checker) reported(path string) bool {
	return c.d.bad[path] || c.d.typo[path]
}

// require reports key missing from the block at path when value is empty.
func (c checker) require(path, key, value string) bool {
	p := joinPath(path, key)
	if strings.TrimSpace(value) != "" {
		return true
	}
	if !c.reported(p) {
		c.addf(p, c.at(p), "missing required key %q", key)
	}
	return false
}

func (c checker) config(cfg *Config) {
	if c.d.set["refresh"] && !c.d.bad["refresh"] && cfg.Refresh.Duration < MinRefresh {
		c.addf("refresh", c.valueAt("refresh"), "must be at least %s (got %s)",
			MinRefresh, cfg.Refresh.Duration)
	}
	if u := cfg.GitHub.APIURL; u != "" && !isHTTPURL(u) {
		c.addf("github.api_url", c.valueAt("github.api_url"), "%q is not an http(s) URL; for GitHub Enterprise write https://HOST/api/v3/", u)
	}
	if u := cfg.CircleCI.Host; u != "" && !isHTTPURL(u) {
		c.addf("circleci.host", c.valueAt("circleci.host"), "%q is not an http(s) URL such as https://circleci.com", u)
	}
	c.aws("aws", cfg.AWS)

	if len(cfg.Services) == 0 && !c.reported("services") && !c.reported("") {
		c.addf("services", c.at("services"), "no services configured; add at least one")
	}
	first := map[string]int{}
	for i := range cfg.Services {
		path := fmt.Sprintf("services[%d]", i)
		c.service(path, &cfg.Services[i])
		c.unique(first, path, "service", cfg.Services[i].Name)
	}
	c.team(cfg)
}

// unique reports a name seen before in the same list; first maps names to
// the line they were first seen on.
func (c checker) unique(first map[string]int, path, what, name string) {
	if name == "" {
		return
	}
	p := joinPath(path, "name")
	if line, dup := first[name]; dup {
		c.addf(p, c.valueAt(p), "duplicate %s name %q (first at line %d)", what, name, line)
		return
	}
	first[name] = c.valueAt(p).line
}

// printableName refuses a service or environment name holding a character
// that does not print as itself: a control character (ESC, BEL, NUL), a
// bidi override or isolate (U+202A–U+202E, U+2066–U+2069), a zero-width or
// other format character, an unusual space, or a byte that is not UTF-8. No
// real name needs one, and each could make the board or a command's output
// show a name other than the one it acts on.
func (c checker) printableName(path, what, name string) {
	i := strings.IndexFunc(name, unprintable)
	if i < 0 {
		return
	}
	r, w := utf8.DecodeRuneInString(name[i:])
	char := fmt.Sprintf("U+%04X", r)
	if r == utf8.RuneError && w == 1 {
		char = fmt.Sprintf("the byte \\x%02x, which is not UTF-8", name[i])
	}
	p := joinPath(path, "name")
	c.addf(p, c.valueAt(p), "%s name %q holds %s; a name may hold only characters that print as themselves (no control, bidi, zero-width or other invisible characters)", what, name, char)
}

func (c checker) aws(path string, a AWS) {
	if u := a.EndpointURL; u != "" && !isHTTPURL(u) {
		p := joinPath(path, "endpoint_url")
		c.addf(p, c.valueAt(p), "%q is not an http(s) URL such as http://127.0.0.1:4566", u)
	}
}

func (c checker) service(path string, s *Service) {
	if c.reported(path) {
		return
	}
	c.require(path, "name", s.Name)
	c.printableName(path, "service", s.Name)
	if s.Repo != "" && !isOwnerName(s.Repo) {
		p := joinPath(path, "repo")
		c.addf(p, c.valueAt(p), "%q is not a GitHub owner/name such as acme/api", s.Repo)
	}
	if s.SHAFromTag != "" {
		p := joinPath(path, "sha_from_tag")
		switch re, err := regexp.Compile(s.SHAFromTag); {
		case err != nil:
			c.addf(p, c.valueAt(p), "is not a regular expression: %v", err)
		case re.NumSubexp() != 1:
			c.addf(p, c.valueAt(p), "needs exactly one group, the SHA, such as \\.g([0-9a-f]{7,40})$; it has %d", re.NumSubexp())
		}
	}
	if s.CI != nil {
		c.ci(joinPath(path, "ci"), s)
	}
	if s.CI == nil && len(s.Environments) == 0 && !c.reported(joinPath(path, "ci")) && !c.reported(joinPath(path, "environments")) {
		c.addf(path, c.at(path), "has neither ci nor environments, so there is nothing to show")
	}
	first := map[string]int{}
	for i := range s.Environments {
		p := fmt.Sprintf("%s.environments[%d]", path, i)
		c.environment(p, &s.Environments[i])
		c.unique(first, p, "environment", s.Environments[i].Name)
		c.rollback(p, s, &s.Environments[i])
	}
	if s.CI != nil {
		c.deployJobs(joinPath(path, "ci.deploy_jobs"), s)
	}
}

var rollbackVias = []string{RollbackTarget, RollbackCI}

// rollback checks an environment's rollback: one of the ways, and ci only
// for a service with a ci block.
func (c checker) rollback(path string, s *Service, e *Environment) {
	if e.Rollback == "" {
		return
	}
	p := joinPath(path, "rollback")
	switch {
	case !slices.Contains(rollbackVias, e.Rollback):
		hint := ""
		if sug := suggest(e.Rollback, rollbackVias); sug != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", sug)
		}
		c.addf(p, c.valueAt(p), "unknown rollback %q%s; allowed: %s", e.Rollback, hint, strings.Join(rollbackVias, ", "))
	case e.Rollback == RollbackCI && s.CI == nil:
		c.addf(p, c.valueAt(p), "rollback: ci re-runs a deploy job of the service's pipeline, but the service has no ci block")
	}
}

// deployJobs checks ci.deploy_jobs: each key an environment of the
// service, each value a job name.
func (c checker) deployJobs(path string, s *Service) {
	names := make([]string, 0, len(s.Environments))
	for _, e := range s.Environments {
		names = append(names, e.Name)
	}
	keys := slices.Sorted(maps.Keys(s.CI.DeployJobs))
	for _, env := range keys {
		p := joinPath(path, env)
		if !slices.Contains(names, env) {
			hint := ""
			if sug := suggest(env, names); sug != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", sug)
			}
			c.addf(p, c.at(p), "%q is not an environment of %s%s; its environments: %s", env, s.Name, hint, strings.Join(names, ", "))
			continue
		}
		if strings.TrimSpace(s.CI.DeployJobs[env]) == "" && !c.reported(p) {
			c.addf(p, c.valueAt(p), "names no job: give the name of the job that deploys to %s", env)
		}
	}
}

var providers = []string{ProviderCircleCI, ProviderGitHubActions}

func (c checker) ci(path string, s *Service) {
	ci := s.CI
	if !c.require(path, "provider", ci.Provider) {
		return
	}
	switch ci.Provider {
	case ProviderCircleCI:
		if c.require(path, "project", ci.Project) && !isProjectSlug(ci.Project) {
			p := joinPath(path, "project")
			c.addf(p, c.valueAt(p), "%q is not a CircleCI project slug such as gh/acme/api", ci.Project)
		}
	case ProviderGitHubActions:
		c.require(path, "workflow", ci.Workflow)
		if ci.Project != "" {
			p := joinPath(path, "project")
			c.addf(p, c.at(p), "project is for circleci; github-actions finds the workflow through the service's repo")
		}
		if svc := parentPath(path); s.Repo == "" && !c.reported(joinPath(svc, "repo")) {
			c.addf(joinPath(svc, "repo"), c.at(svc), "missing required key \"repo\": github-actions needs the GitHub owner/name")
		}
	default:
		p := joinPath(path, "provider")
		hint := ""
		if sug := suggest(ci.Provider, providers); sug != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", sug)
		}
		c.addf(p, c.valueAt(p), "unknown CI provider %q%s; allowed: %s", ci.Provider, hint, strings.Join(providers, ", "))
	}
}

func (c checker) environment(path string, e *Environment) {
	if c.reported(path) {
		return
	}
	c.require(path, "name", e.Name)
	c.printableName(path, "environment", e.Name)
	if e.AWS != nil {
		c.aws(joinPath(path, "aws"), *e.AWS)
	}

	ecsBad, ebBad := c.reported(joinPath(path, "ecs")), c.reported(joinPath(path, "beanstalk"))
	switch {
	case e.ECS != nil && e.Beanstalk != nil:
		c.addf(path, c.at(path), "has two targets (ecs and beanstalk); choose one")
	case e.ECS == nil && e.Beanstalk == nil && !ecsBad && !ebBad:
		c.addf(path, c.at(path), "has no target; add an ecs or a beanstalk block")
	}
	if e.ECS != nil {
		p := joinPath(path, "ecs")
		c.require(p, "cluster", e.ECS.Cluster)
		c.require(p, "service", e.ECS.Service)
	}
	if b := e.Beanstalk; b != nil {
		p := joinPath(path, "beanstalk")
		c.require(p, "application", b.Application)
		c.require(p, "environment", b.Environment)
		if b.Standby != "" && b.Standby == b.Environment {
			sp := joinPath(p, "standby")
			c.addf(sp, c.valueAt(sp), "standby %q is the live environment itself; name its blue/green twin", b.Standby)
		}
		if b.SHAPattern != "" {
			c.shaPattern(joinPath(p, "sha_pattern"), b.SHAPattern)
		}
	}
	if bg := e.BlueGreen; bg != nil {
		p := joinPath(path, "blue_green")
		switch {
		case bg.ListenerARN != "" && bg.RuleARN != "":
			rp := joinPath(p, "rule_arn")
			c.addf(rp, c.valueAt(rp), "give listener_arn or rule_arn, not both")
		case bg.RuleARN != "":
			c.arn(p, "rule_arn", bg.RuleARN, "listener-rule")
		case !c.reported(joinPath(p, "listener_arn")) && !c.reported(joinPath(p, "rule_arn")):
			c.arn(p, "listener_arn", bg.ListenerARN, "listener")
		}
		if e.Beanstalk != nil {
			c.addf(p, c.at(p), "is for ECS services behind a load balancer; a Beanstalk pair is a CNAME swap (beanstalk.standby)")
		}
		c.arn(p, "blue_target_group_arn", bg.BlueTargetGroupARN, "targetgroup")
		c.arn(p, "green_target_group_arn", bg.GreenTargetGroupARN, "targetgroup")
		c.distinct(p, "green_target_group_arn", "blue_target_group_arn", bg.GreenTargetGroupARN, bg.BlueTargetGroupARN)
	}
	if cn := e.Canary; cn != nil {
		p := joinPath(path, "canary")
		c.arn(p, "listener_arn", cn.ListenerARN, "listener")
		c.arn(p, "stable_target_group_arn", cn.StableTargetGroupARN, "targetgroup")
		c.arn(p, "canary_target_group_arn", cn.CanaryTargetGroupARN, "targetgroup")
		c.distinct(p, "canary_target_group_arn", "stable_target_group_arn", cn.CanaryTargetGroupARN, cn.StableTargetGroupARN)
		c.steps(joinPath(p, "steps"), cn.Steps)
		switch {
		case e.Beanstalk != nil:
			c.addf(p, c.at(p), "is for ECS services behind a load balancer; Beanstalk's traffic-splitting canary is read from the environment itself")
		case e.BlueGreen != nil:
			c.addf(p, c.at(p), "give blue_green or canary, not both: one listener cannot be switched and stepped at once")
		}
	}
}

// shaPattern requires a regular expression with exactly one group, the
// commit: with none there is nothing to take, with more it would be a
// guess which one is meant.
func (c checker) shaPattern(path, p string) {
	re, err := regexp.Compile(p)
	switch {
	case err != nil:
		c.addf(path, c.valueAt(path), "%q is not a regular expression: %v", p, err)
	case re.NumSubexp() != 1:
		c.addf(path, c.valueAt(path), "%q has %d groups; it needs exactly one, around the commit, e.g. \"commit ([0-9a-f]{7,40})\"", p, re.NumSubexp())
	}
}

// arn requires an ELBv2 ARN of the given resource kind. Checking the kind
// catches a listener ARN pasted where a target group belongs, which the API
// would only reject at the moment of a switch.
func (c checker) arn(path, key, value, kind string) {
	if !c.require(path, key, value) {
		return
	}
	if !strings.HasPrefix(value, "arn:") || !strings.Contains(value, ":"+kind+"/") {
		p := joinPath(path, key)
		c.addf(p, c.valueAt(p), "%q is not an ELB %s ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:%s/…)", value, kind, kind)
	}
}

func (c checker) distinct(path, key, otherKey, value, other string) {
	if value != "" && value == other {
		p := joinPath(path, key)
		c.addf(p, c.valueAt(p), "is the same target group as %s; they must differ", otherKey)
	}
}

// steps requires canary weights strictly increasing within 1..100, so each
// promotion moves traffic forward and none asks for more than all of it.
func (c checker) steps(path string, steps []int) {
	if len(steps) == 0 {
		if !c.reported(path) {
			c.addf(path, c.at(path), "missing required key %q: list the canary weights in percent, e.g. [10, 25, 50, 100]", "steps")
		}
		return
	}
	prev := 0
	for i, s := range steps {
		p := fmt.Sprintf("%s[%d]", path, i)
		if c.reported(p) {
			continue
		}
		switch {
		case s < 1 || s > 100:
			c.addf(p, c.valueAt(p), "step %d is outside 1..100 (percent of traffic to the canary)", s)
		case s <= prev:
			c.addf(p, c.valueAt(p), "step %d is not greater than the step before it (%d); steps must be strictly increasing", s, prev)
		}
		if s >= 1 && s <= 100 {
			prev = max(prev, s)
		}
	}
}

// isOwnerName accepts GitHub "owner/name".
func isOwnerName(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	return ok && owner != "" && name != "" && !strings.ContainsAny(s, " \t") && !strings.Contains(name, "/")
}

// isProjectSlug accepts CircleCI "vcs/org/repo" (gh/acme/api, bb/acme/api,
// or circleci/ORG-ID/PROJECT-ID for GitLab and GitHub App projects).
func isProjectSlug(s string) bool {
	parts := strings.Split(s, "/")
	if len(parts) != 3 || strings.ContainsAny(s, " \t") {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
	}
	return true
}
