package discover

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind says what a target is.
type Kind int

const (
	ECS Kind = iota + 1
	Beanstalk
)

// Target is one deployable thing found in an account: an ECS service or an
// Elastic Beanstalk environment.
type Target struct {
	Kind   Kind
	Region string
	// ECS: the cluster's and the service's names (not ARNs).
	Cluster, Service string
	// Beanstalk: the application, the environment and its CNAME (whose
	// prefix may name the stage the environment serves: shop-prod).
	Application, Environment, CNAME string
	// Repo is the GitHub owner/name the image's
	// org.opencontainers.image.source label names; "" when none does.
	Repo string
	// Container is the ECS container whose image is the version, named
	// only when the task has several and one is plainly the application;
	// Containers are all of them, for the comment when it is not.
	Container  string
	Containers []string
	// TargetGroups are the ECS service's load balancers' target group
	// ARNs (DescribeServices' loadBalancers).
	TargetGroups []string
}

// Name is how the target reads in messages: cluster/service or
// application/environment.
func (t Target) Name() string {
	if t.Kind == Beanstalk {
		return t.Application + "/" + t.Environment
	}
	return t.Cluster + "/" + t.Service
}

// Environment is one environment of a discovered service.
type Environment struct {
	// Name is the stage (dev, staging, production…) in its usual word, or,
	// when the names say no stage, the cluster's or Beanstalk
	// environment's own name (Guessed).
	Name    string
	Guessed bool
	rank    int
	Target  Target
	// Standby is a Beanstalk blue/green twin (config beanstalk.standby).
	Standby string
	// Note says what Group could not decide, for a comment.
	Note string
	// Pair is an ECS blue/green pair or canary kept as this one
	// environment (Target is its blue or stable side).
	Pair *Pair
}

// Pair is two ECS services of one environment behind one load balancer
// listener: blue and green, or stable and canary. ResolvePairs finds the
// listener (or rule) forwarding to both target groups.
type Pair struct {
	Canary bool // stable and canary, else blue and green
	// First is the blue (stable) service, Second the green (canary); the
	// target groups are theirs, each the first of its service's.
	First, Second           string
	FirstGroup, SecondGroup string
	// Listener or Rule is the ARN found forwarding to both groups.
	Listener, Rule string
}

// Protected reports a production stage: its actions should want the
// name typed.
func (e Environment) Protected() bool { return !e.Guessed && e.rank == rankProduction }

// Service is a service as the config will name it, with its environments
// in promotion order.
type Service struct {
	Name string
	// Repo is the repository most of its environments' images name; Repos
	// every one they name, when they disagree.
	Repo         string
	Repos        []string
	Environments []Environment
	// CI is filled by DetectCI; nil when unknown.
	CI *CI
}

// Count is how many ECS services and Beanstalk environments ts holds.
func Count(ts []Target) (ecs, beanstalk int) {
	for _, t := range ts {
		if t.Kind == Beanstalk {
			beanstalk++
		} else {
			ecs++
		}
	}
	return ecs, beanstalk
}

// Rejected is a target left out, and why.
type Rejected struct {
	What string // the target's name, quoted as Go's %q would
	Why  string
}

// stage is a normalised environment word and its place in the promotion
// order.
type stage struct {
	name string
	rank int
}

const rankProduction = 70

// stages are the words teams use for environments, in promotion order.
var stages = map[string]stage{
	"sandbox": {"sandbox", 5},
	"dev":     {"dev", 10}, "develop": {"dev", 10}, "development": {"dev", 10},
	"test": {"test", 20}, "testing": {"test", 20},
	"qa":  {"qa", 25},
	"int": {"integration", 28}, "integration": {"integration", 28},
	"uat": {"uat", 30},
	"stg": {"staging", 40}, "stage": {"staging", 40}, "staging": {"staging", 40},
	"preprod": {"preprod", 50}, "preproduction": {"preprod", 50},
	"prod": {"production", rankProduction}, "prd": {"production", rankProduction}, "production": {"production", rankProduction},
}

// stageOf is the stage a token names.
func stageOf(tok string) (stage, bool) {
	s, ok := stages[strings.ToLower(tok)]
	return s, ok
}

// tokens splits a name at -, _ and . keeping the separators, so a part of
// it can be put back together as written.
func tokens(name string) (toks, seps []string) {
	start := 0
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '-' || c == '_' || c == '.' {
			toks = append(toks, name[start:i])
			j := i
			for j+1 < len(name) && (name[j+1] == '-' || name[j+1] == '_' || name[j+1] == '.') {
				j++
			}
			seps = append(seps, name[i:j+1])
			i, start = j, j+1
		}
	}
	toks = append(toks, name[start:])
	// Drop empty tokens at the ends (a name starting or ending with "-").
	for len(toks) > 0 && toks[0] == "" {
		toks = toks[1:]
		if len(seps) > 0 {
			seps = seps[1:]
		}
	}
	for len(toks) > 0 && toks[len(toks)-1] == "" {
		toks = toks[:len(toks)-1]
		if len(seps) > 0 {
			seps = seps[:len(seps)-1]
		}
	}
	return toks, seps
}

func join(toks, seps []string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteString(seps[i-1])
		}
		b.WriteString(t)
	}
	return b.String()
}

// split is a name read as base, stage and blue/green qualifiers.
type split struct {
	base    string
	stage   stage
	found   bool   // a stage word was found
	colour  string // blue or green, when the name ends in one
	standby bool   // the name ends in "standby"
	canary  bool   // the name ends in "canary"
}

// splitName reads api-prod, prod-api, api_production, api-staging-blue,
// shop-prod-standby, basket-prod-canary; a name with no stage word comes back whole (less its
// colour), with found false.
func splitName(name string) split {
	toks, seps := tokens(name)
	var sp split
	// Trailing qualifiers: blue, green, standby (at most one of each kind).
qualifiers:
	for len(toks) > 1 {
		last := strings.ToLower(toks[len(toks)-1])
		switch {
		case (last == "blue" || last == "green") && sp.colour == "":
			sp.colour = last
		case last == "standby" && !sp.standby:
			sp.standby = true
		case last == "canary" && !sp.canary:
			sp.canary = true
		default:
			break qualifiers
		}
		toks, seps = toks[:len(toks)-1], seps[:len(seps)-1]
	}
	n := len(toks)
	switch {
	case n >= 3 && strings.EqualFold(toks[n-2], "pre") && isProd(toks[n-1]):
		sp.stage, sp.found = stages["preprod"], true
		toks, seps = toks[:n-2], seps[:n-3]
	case n >= 2 && isStage(toks[n-1]):
		sp.stage, sp.found = mustStage(toks[n-1]), true
		toks, seps = toks[:n-1], seps[:n-2]
	case n >= 3 && strings.EqualFold(toks[0], "pre") && isProd(toks[1]):
		sp.stage, sp.found = stages["preprod"], true
		toks, seps = toks[2:], seps[2:]
	case n >= 2 && isStage(toks[0]):
		sp.stage, sp.found = mustStage(toks[0]), true
		toks, seps = toks[1:], seps[1:]
	}
	sp.base = join(toks, seps)
	return sp
}

func isStage(tok string) bool { _, ok := stageOf(tok); return ok }
func mustStage(tok string) stage {
	s, _ := stageOf(tok)
	return s
}
func isProd(tok string) bool {
	s, ok := stageOf(tok)
	return ok && s.rank == rankProduction
}

// genericCluster are words in cluster names that say nothing about which
// environment they hold.
var genericCluster = map[string]bool{"cluster": true, "ecs": true, "fargate": true, "ec2": true}

// clusterStage finds the stage a cluster's name gives (staging,
// prod-cluster, ecs-production-eu), and what else its name says (eu), to
// tell two clusters of one stage apart.
func clusterStage(name string) (stage, string, bool) {
	toks, _ := tokens(name)
	for i, t := range toks {
		var st stage
		skip := 1
		switch {
		case strings.EqualFold(t, "pre") && i+1 < len(toks) && isProd(toks[i+1]):
			st, skip = stages["preprod"], 2
		case isStage(t):
			st = mustStage(t)
		default:
			continue
		}
		var rest []string
		for j, u := range toks {
			if j >= i && j < i+skip || genericCluster[strings.ToLower(u)] {
				continue
			}
			rest = append(rest, u)
		}
		return st, strings.Join(rest, "-"), true
	}
	return stage{}, "", false
}

// badText says why a name from outside cannot go into a config: it must
// print as itself (package config refuses service and environment names
// that do not, and a cluster or application named so is a trap).
func badText(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 255 {
		return "longer than 255 bytes"
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, w := utf8.DecodeRuneInString(s[i:]); w == 1 {
				return fmt.Sprintf("holds the byte \\x%02x, which is not UTF-8", s[i])
			}
		}
		if !strconv.IsPrint(r) {
			return fmt.Sprintf("holds U+%04X, which does not print as itself", r)
		}
	}
	return ""
}

// entry is a target placed in a service, before environments are settled.
type entry struct {
	svc     string
	env     Environment
	qual    string // what else the name says, to tell two of one stage apart
	colour  string
	standby bool
	canary  bool
}

// Group puts the targets into services by their names, each service's
// environments in promotion order (dev, test, qa, uat, staging, preprod,
// production; names that say no stage first, by name). Targets whose
// names do not print as themselves are left out, with the reason.
func Group(ts []Target) ([]Service, []Rejected) {
	var rejected []Rejected
	var entries []entry
	for _, t := range ts {
		if why := targetBad(t); why != "" {
			rejected = append(rejected, Rejected{What: fmt.Sprintf("%q", t.Name()), Why: why})
			continue
		}
		entries = append(entries, place(t))
	}

	bySvc := map[string][]entry{}
	for _, e := range entries {
		bySvc[e.svc] = append(bySvc[e.svc], e)
	}
	var out []Service
	for name, es := range bySvc {
		s := Service{Name: name}
		s.Environments = settle(es)
		s.Repo, s.Repos = repoOf(s.Environments)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Service) int { return strings.Compare(a.Name, b.Name) })
	return out, rejected
}

func targetBad(t Target) string {
	fields := []struct{ what, v string }{
		{"region", t.Region}, {"cluster name", t.Cluster}, {"service name", t.Service},
		{"application name", t.Application}, {"environment name", t.Environment},
		{"CNAME", t.CNAME}, {"container name", t.Container}, {"repository", t.Repo},
	}
	for _, g := range t.TargetGroups {
		fields = append(fields, struct{ what, v string }{"target group", g})
	}
	for _, c := range t.Containers {
		fields = append(fields, struct{ what, v string }{"container name", c})
	}
	for _, f := range fields {
		if why := badText(f.v); why != "" {
			return "its " + f.what + " " + why
		}
	}
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	if t.Kind == ECS && (blank(t.Cluster) || blank(t.Service)) || t.Kind == Beanstalk && (blank(t.Application) || blank(t.Environment)) {
		return "it has no name (or a blank one)"
	}
	return ""
}

// place reads a target's names: which service it belongs to, and which
// of its environments it is.
func place(t Target) entry {
	e := placeNames(t)
	// What is left of a name once its stage and colour are taken may be
	// blank (a service named "-prod"): then the name is kept whole.
	if strings.TrimSpace(e.svc) == "" {
		e.svc = cmp.Or(t.Service, t.Environment)
		if t.Kind == Beanstalk {
			e.svc = t.Application
		}
	}
	if strings.TrimSpace(e.env.Name) == "" {
		e.env.Name, e.env.Guessed = cmp.Or(t.Cluster, t.Environment), true
		if t.Kind == Beanstalk {
			e.env.Name = t.Environment
		}
	}
	return e
}

func placeNames(t Target) entry {
	e := entry{env: Environment{Target: t}}
	setStage := func(st stage) { e.env.Name, e.env.rank = st.name, st.rank }
	switch t.Kind {
	case ECS:
		sp := splitName(t.Service)
		_, rest, _ := clusterStage(t.Cluster)
		e.qual, e.colour, e.canary = rest, sp.colour, sp.canary
		if sp.found && sp.base != "" {
			e.svc = sp.base
			setStage(sp.stage)
			return e
		}
		if st, _, ok := clusterStage(t.Cluster); ok {
			// checkout-blue in a production cluster is checkout's
			// production (one colour of it).
			e.svc = sp.base
			setStage(st)
			return e
		}
		e.svc, e.colour, e.canary = t.Service, "", false
		e.env.Name, e.env.Guessed, e.qual = t.Cluster, true, ""
		return e
	default:
		sp := splitName(t.Environment)
		e.colour, e.standby = sp.colour, sp.standby
		if sp.found && sp.base != "" {
			e.svc = sp.base
			setStage(sp.stage)
			return e
		}
		if cs := splitName(cnamePrefix(t.CNAME)); cs.found {
			e.svc = cmp.Or(sp.base, cs.base)
			e.standby = e.standby || cs.standby
			setStage(cs.stage)
			return e
		}
		e.svc = t.Application
		env := t.Environment
		if rest, ok := strings.CutPrefix(env, t.Application); ok && rest != "" && strings.ContainsRune("-_.", rune(rest[0])) {
			if r := strings.TrimLeft(rest, "-_."); r != "" {
				env = r
			}
		}
		e.env.Name, e.env.Guessed = env, true
		return e
	}
}

// cnamePrefix is a Beanstalk CNAME's first label: shop-prod of
// shop-prod.us-east-1.elasticbeanstalk.com.
func cnamePrefix(cname string) string {
	p, _, _ := strings.Cut(cname, ".")
	return p
}

// settle gives one service's environments distinct names, pairs Beanstalk
// blue/green twins, and orders them.
func settle(es []entry) []Environment {
	byName := map[string][]entry{}
	var names []string
	for _, e := range es {
		if _, ok := byName[e.env.Name]; !ok {
			names = append(names, e.env.Name)
		}
		byName[e.env.Name] = append(byName[e.env.Name], e)
	}
	var out []Environment
	taken := map[string]bool{}
	for _, n := range names {
		if len(byName[n]) == 1 {
			taken[n] = true
		}
	}
	slices.Sort(names)
	for _, n := range names {
		group := byName[n]
		slices.SortFunc(group, func(a, b entry) int { return strings.Compare(a.env.Target.Name(), b.env.Target.Name()) })
		if len(group) == 1 {
			out = append(out, group[0].env)
			continue
		}
		if pair, ok := ecsPair(group); ok {
			taken[n] = true
			out = append(out, pair)
			continue
		}
		if pair, ok := bluegreen(group); ok {
			taken[n] = true
			out = append(out, pair)
			continue
		}
		for _, e := range distinguish(group, taken) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Environment) int {
		ra, rb := a.rank, b.rank
		if a.Guessed {
			ra = -1
		}
		if b.Guessed {
			rb = -1
		}
		return cmp.Or(cmp.Compare(ra, rb), strings.Compare(a.Name, b.Name))
	})
	return out
}

// bluegreen makes one environment of two Beanstalk environments of one
// application and stage that are a blue/green pair: the one whose name or
// CNAME says standby is the standby.
func bluegreen(g []entry) (Environment, bool) {
	if len(g) != 2 {
		return Environment{}, false
	}
	a, b := g[0], g[1]
	if a.env.Target.Kind != Beanstalk || b.env.Target.Kind != Beanstalk ||
		a.env.Target.Application != b.env.Target.Application || a.env.Target.Region != b.env.Target.Region {
		return Environment{}, false
	}
	if a.colour == "" && b.colour == "" && !a.standby && !b.standby {
		return Environment{}, false
	}
	live, standby := a, b
	note := ""
	switch {
	case a.standby && !b.standby:
		live, standby = b, a
	case b.standby && !a.standby:
	default:
		note = "which of " + a.env.Target.Environment + " and " + b.env.Target.Environment +
			" serves traffic could not be told from their names; swap environment and standby if need be"
	}
	env := live.env
	env.Standby = standby.env.Target.Environment
	env.Note = note
	return env, true
}

// ecsPair makes one environment of two ECS services of one cluster and
// stage that are a blue/green pair (checkout-blue, checkout-green) or a
// service and its canary (basket, basket-canary): the config wants one
// environment with a blue_green or canary block naming the load
// balancer's listener and target groups, which discovery does not read.
// The environment is the blue one (or the stable one), with a note.
func ecsPair(g []entry) (Environment, bool) {
	if len(g) != 2 {
		return Environment{}, false
	}
	a, b := g[0], g[1]
	ta, tb := a.env.Target, b.env.Target
	if ta.Kind != ECS || tb.Kind != ECS || ta.Cluster != tb.Cluster || ta.Region != tb.Region {
		return Environment{}, false
	}
	switch {
	case a.colour != "" && b.colour != "" && a.colour != b.colour && !a.canary && !b.canary:
		if a.colour != "blue" {
			a, b = b, a
		}
		env := a.env
		env.Pair = &Pair{First: a.env.Target.Service, Second: b.env.Target.Service,
			FirstGroup: firstOf(a.env.Target.TargetGroups), SecondGroup: firstOf(b.env.Target.TargetGroups)}
		return env, true
	case a.canary != b.canary && a.colour == "" && b.colour == "":
		stable, canary := a, b
		if a.canary {
			stable, canary = b, a
		}
		env := stable.env
		env.Pair = &Pair{Canary: true, First: stable.env.Target.Service, Second: canary.env.Target.Service,
			FirstGroup: firstOf(stable.env.Target.TargetGroups), SecondGroup: firstOf(canary.env.Target.TargetGroups)}
		return env, true
	}
	return Environment{}, false
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// distinguish names several environments that read as one stage apart:
// by what else their clusters' names say (production-eu,
// production-us), else by region, else by number.
func distinguish(g []entry, taken map[string]bool) []Environment {
	base := g[0].env.Name
	try := func(suffix func(e entry) string) []Environment {
		seen := map[string]bool{}
		var out []Environment
		for _, e := range g {
			s := suffix(e)
			if s == "" {
				return nil
			}
			n := base + "-" + s
			if seen[n] || taken[n] || badText(n) != "" {
				return nil
			}
			seen[n] = true
			env := e.env
			env.Name = n
			out = append(out, env)
		}
		for n := range seen {
			taken[n] = true
		}
		return out
	}
	if out := try(func(e entry) string { return e.qual }); out != nil {
		return out
	}
	if out := try(func(e entry) string { return e.env.Target.Region }); out != nil {
		return out
	}
	if out := try(func(e entry) string {
		if e.env.Target.Kind == ECS {
			return e.env.Target.Cluster
		}
		return e.env.Target.Environment
	}); out != nil {
		return out
	}
	var out []Environment
	for i, e := range g {
		env := e.env
		for k := i + 1; ; k++ {
			n := fmt.Sprintf("%s-%d", base, k)
			if !taken[n] {
				env.Name, taken[n] = n, true
				break
			}
		}
		out = append(out, env)
	}
	return out
}

// repoOf is the repository most environments name (ties: the first by
// name), and all of them when they disagree.
func repoOf(envs []Environment) (string, []string) {
	count := map[string]int{}
	for _, e := range envs {
		if e.Target.Repo != "" {
			count[e.Target.Repo]++
		}
	}
	if len(count) == 0 {
		return "", nil
	}
	var repos []string
	for r := range count {
		repos = append(repos, r)
	}
	slices.Sort(repos)
	best := repos[0]
	for _, r := range repos[1:] {
		if count[r] > count[best] {
			best = r
		}
	}
	if len(repos) == 1 {
		return best, nil
	}
	return best, repos
}
