package discover

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Header is what the config's preamble and its top-level keys say: where
// discovery looked and with what, and what it could not read.
type Header struct {
	Regions              []string // the first is the config's aws.region
	Profile, EndpointURL string
	Anonymous            bool
	// GitHubAPIURL is written as github.api_url when set.
	GitHubAPIURL string
	// CIUnread says why no repository's CI was read ("" when it was).
	CIUnread string
	// CIFailed says, by repository, why its CI could not be read.
	CIFailed map[string]string
	Warnings []string
	Rejected []Rejected
	// Counts of what was found, for the preamble.
	Clusters, Applications             int
	ECSServices, BeanstalkEnvironments int
	Now                                time.Time
}

// Render writes the services as a commented flightdeck config, which
// package config reads back to the same names.
func Render(services []Service, h Header) []byte {
	var b strings.Builder
	line := func(indent int, format string, a ...any) {
		b.WriteString(strings.Repeat(" ", indent))
		fmt.Fprintf(&b, format, a...)
		b.WriteByte('\n')
	}
	note := func(indent int, text, c string) {
		b.WriteString(strings.Repeat(" ", indent) + text + pad(indent+utf8.RuneCountInString(text), c) + "\n")
	}
	nECS, nEB := h.ECSServices, h.BeanstalkEnvironments
	line(0, "# flightdeck config, written by `flightdeck init` on %s.", h.Now.UTC().Format("2006-01-02 15:04 MST"))
	line(0, "# Found %d ECS service(s) in %d cluster(s) and %d Elastic Beanstalk environment(s) in %d application(s),",
		nECS, h.Clusters, nEB, h.Applications)
	line(0, "# in %s. Check it, then run `flightdeck` (or `flightdeck status`).", comment(strings.Join(h.Regions, ", ")))
	line(0, "# Every key is described in docs/config.md.")
	line(0, "#")
	line(0, "# Environments were grouped into services by their names (api-staging and")
	line(0, "# api-prod are api's staging and production; a cluster named staging holds")
	line(0, "# staging) and are listed in promotion order: promote goes from each to the")
	line(0, "# next. Rename, regroup or reorder them as your team speaks of them.")
	line(0, "#")
	line(0, "# No token or key belongs here: AWS uses its default chain (profiles, SSO,")
	line(0, "# AWS_* variables), GitHub GH_TOKEN, GITHUB_TOKEN or `gh auth token`, CircleCI")
	line(0, "# CIRCLECI_TOKEN or ~/.circleci/cli.yml.")
	if len(h.Warnings) > 0 {
		line(0, "#")
		line(0, "# Not everything could be read:")
		for _, w := range h.Warnings {
			line(0, "#   - %s", comment(w))
		}
	}
	if len(h.Rejected) > 0 {
		line(0, "#")
		line(0, "# Left out, as their names do not print as themselves:")
		for _, r := range h.Rejected {
			line(0, "#   - %s: %s", comment(r.What), comment(r.Why))
		}
	}
	b.WriteByte('\n')
	line(0, "refresh: 10s")
	b.WriteByte('\n')

	region := ""
	if len(h.Regions) > 0 {
		region = h.Regions[0]
	}
	line(0, "aws:")
	line(2, "region: %s", scalar(region))
	if h.Profile != "" {
		line(2, "profile: %s", scalar(h.Profile))
	}
	if h.EndpointURL != "" {
		line(2, "endpoint_url: %s", scalar(h.EndpointURL))
	}
	if h.Anonymous {
		note(2, "anonymous: true", "unsigned requests: for `flightdeck sim` only")
	}
	if h.GitHubAPIURL != "" {
		b.WriteByte('\n')
		line(0, "github:")
		line(2, "api_url: %s", scalar(h.GitHubAPIURL))
	}
	b.WriteByte('\n')

	line(0, "services:")
	for i, s := range services {
		if i > 0 {
			b.WriteByte('\n')
		}
		line(2, "- name: %s", scalar(s.Name))
		switch {
		case s.Repo != "" && len(s.Repos) > 1:
			line(4, "repo: %s", scalar(s.Repo))
			line(4, "# its images name several repositories: %s", comment(strings.Join(s.Repos, ", ")))
		case s.Repo != "":
			note(4, "repo: "+scalar(s.Repo), "from the images' org.opencontainers.image.source label")
		default:
			note(4, "# repo: OWNER/NAME", "no image names a GitHub repository (label org.opencontainers.image.source)")
		}
		renderCI(line, note, s, h)
		note(4, "environments:", "in promotion order")
		for _, e := range s.Environments {
			renderEnv(line, note, e, region)
		}
	}
	return []byte(b.String())
}

func renderCI(line func(int, string, ...any), note func(int, string, string), s Service, h Header) {
	repo := s.Repo
	switch {
	case s.CI != nil && s.CI.Provider == "circleci":
		line(4, "ci:")
		note(6, "provider: circleci", comment(repo)+" has .circleci/config.yml")
		line(6, "project: %s", scalar(s.CI.Project))
		note(6, "# branch: main", "the default; name yours if it is another")
		if s.CI.Also != "" {
			line(6, "# %s has %s too", comment(repo), comment(s.CI.Also))
		}
	case s.CI != nil:
		line(4, "ci:")
		note(6, "provider: github-actions", comment(repo)+" has .github/workflows/")
		line(6, "workflow: %s", scalar(s.CI.Workflow))
		if len(s.CI.Workflows) > 1 {
			line(6, "# its workflows: %s", comment(strings.Join(s.CI.Workflows, ", ")))
		}
		note(6, "# branch: main", "the default; name yours if it is another")
		if s.CI.Also != "" {
			line(6, "# %s has %s too", comment(repo), comment(s.CI.Also))
		}
	default:
		why := ""
		switch {
		case repo == "":
			why = "no repository is known to read it from"
		case h.CIUnread != "":
			why = h.CIUnread
		case h.CIFailed[repo] != "":
			why = h.CIFailed[repo]
		default:
			why = "neither .circleci/config.yml nor .github/workflows/ is in " + repo + " (or the token cannot read it)"
		}
		if repo == "" {
			line(4, "# ci: not set: %s (see services[].ci in docs/config.md)", comment(why))
			return
		}
		line(4, "# ci: not set: %s. One of:", comment(why))
		line(4, "# ci:")
		line(4, "#   provider: circleci")
		line(4, "#   project: gh/%s", comment(repo))
		line(4, "# ci:")
		line(4, "#   provider: github-actions")
		note(4, "#   workflow: deploy.yml", "the file under .github/workflows")
	}
}

func renderEnv(line func(int, string, ...any), note func(int, string, string), e Environment, region string) {
	line(6, "- name: %s", scalar(e.Name))
	if e.Guessed {
		line(8, "# no stage word in its names (such as staging or prod): named after its %s", map[Kind]string{ECS: "cluster", Beanstalk: "Beanstalk environment"}[e.Target.Kind])
	}
	if e.Note != "" {
		line(8, "# %s", comment(e.Note))
	}
	if e.Protected() {
		note(8, "protected: true", "actions need its name typed to confirm")
	}
	if e.Target.Region != "" && e.Target.Region != region {
		line(8, "aws:")
		line(10, "region: %s", scalar(e.Target.Region))
	}
	t := e.Target
	if t.Kind == Beanstalk {
		line(8, "beanstalk:")
		line(10, "application: %s", scalar(t.Application))
		line(10, "environment: %s", scalar(t.Environment))
		if e.Standby != "" {
			note(10, "standby: "+scalar(e.Standby), "its blue/green twin, for a CNAME swap")
		}
		return
	}
	line(8, "ecs:")
	line(10, "cluster: %s", scalar(t.Cluster))
	line(10, "service: %s", scalar(t.Service))
	switch {
	case t.Container != "":
		note(10, "container: "+scalar(t.Container), fmt.Sprintf("of %d containers, the application's", len(t.Containers)))
	case len(t.Containers) > 1:
		note(10, "# container: NAME", "which of "+comment(strings.Join(t.Containers, ", "))+" carries the version?")
	}
	renderPair(line, e.Pair)
}

// renderPair writes an ECS pair's block: blue_green when its listener (or
// rule) was found; a canary's commented out, as its steps are the team's
// choice; else a note asking for the block.
func renderPair(line func(int, string, ...any), p *Pair) {
	if p == nil {
		return
	}
	found := p.Listener != "" || p.Rule != ""
	switch {
	case !p.Canary && found:
		line(8, "# %s and %s are a blue/green pair behind this listener: switch flips it", comment(p.First), comment(p.Second))
		line(8, "blue_green:")
		if p.Rule != "" {
			line(10, "rule_arn: %s", scalar(p.Rule))
		} else {
			line(10, "listener_arn: %s", scalar(p.Listener))
		}
		line(10, "blue_target_group_arn: %s", scalar(p.FirstGroup))
		line(10, "green_target_group_arn: %s", scalar(p.SecondGroup))
	case !p.Canary:
		line(8, "# %s and %s look like a blue/green pair: add a blue_green block (the listener and both target groups, docs/config.md) so the live colour is shown and switch works", comment(p.First), comment(p.Second))
	case found && p.Listener != "":
		line(8, "# %s is its canary behind this listener: to follow and step it, uncomment with your steps", comment(p.Second))
		line(8, "# (percent of traffic at each promote)")
		line(8, "# canary:")
		line(8, "#   listener_arn: %s", scalar(p.Listener))
		line(8, "#   stable_target_group_arn: %s", scalar(p.FirstGroup))
		line(8, "#   canary_target_group_arn: %s", scalar(p.SecondGroup))
		line(8, "#   steps: [10, 25, 50, 100]")
	default:
		line(8, "# %s looks like its canary: add a canary block (the listener, both target groups and the steps, docs/config.md) to follow and step it", comment(p.Second))
	}
}

// pad is the room before a line's comment, which starts at column 44,
// or two spaces after a longer line.
func pad(width int, c string) string {
	const col = 44
	if width+2 > col {
		return "  # " + c
	}
	return strings.Repeat(" ", col-width) + "# " + c
}

// plain are the strings YAML reads back as themselves unquoted: a letter,
// then letters, digits and _ . / - : (a colon never last, and never before
// a space, which the set leaves out): names, ARNs, URLs.
var plain = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_./:-]*$`)

// reserved are the plain words YAML reads as something other than a
// string (1.1's booleans included, which some readers still apply).
var reserved = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true, "nan": true, "inf": true}

// scalar writes s as a YAML scalar that reads back as s: plain when that
// is safe, else double-quoted with every character that is not a
// printable one escaped.
func scalar(s string) string {
	if plain.MatchString(s) && !strings.HasSuffix(s, ":") && !reserved[strings.ToLower(s)] {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == utf8.RuneError && isBadByte(s, i):
			// Not UTF-8: YAML has no way to write the byte; the
			// replacement character stands for it (Group refuses such
			// names before they get here).
			b.WriteString(`\uFFFD`)
		case r < 0x10000 && !strconv.IsPrint(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		case !strconv.IsPrint(r):
			fmt.Fprintf(&b, `\U%08X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func isBadByte(s string, i int) bool {
	_, w := utf8.DecodeRuneInString(s[i:])
	return w == 1
}

// comment makes outside text fit in a YAML comment: one line, nothing that
// does not print as itself.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}
