package discover

import (
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/config"
)

// parseBack reads a rendered config with the config package, which must
// accept it.
func parseBack(t *testing.T, out []byte) *config.Config {
	t.Helper()
	cfg, err := config.Parse(out, "init.yaml")
	if err != nil {
		t.Fatalf("the written config does not validate: %v\n%s", err, out)
	}
	return cfg
}

func TestRenderParsesBackToTheSameNames(t *testing.T) {
	odd := []Target{
		ecsT("staging", "api"), ecsT("production", "api"),
		ecsT("staging", "yes"), ecsT("staging", "null-prod"), ecsT("staging", "true"),
		ecsT("staging", "123"), ecsT("staging", "0x1F-prod"), ecsT("staging", "#comment-prod"),
		ecsT("staging", "a: b"), ecsT("staging", `q"uote\-prod`), ecsT("staging", "ünïcode-prod"),
		ecsT("staging", "- dash"), ecsT("staging", "&anchor"), ecsT("staging", "*alias-stg"),
		ecsT("staging", "{flow}-dev"), ecsT("staging", "[x]"), ecsT("staging", "'single'"),
		ecsT("staging", "~"), ecsT("staging", "@at"), ecsT("staging", "%pct"), ecsT("staging", "`tick`"),
		ecsT("staging", " lead"), ecsT("main", "trail "),
		{Kind: ECS, Region: "eu-west-1", Cluster: "prod-eu", Service: "web", Repo: "acme/web",
			Container: "web", Containers: []string{"web", "log_router"}},
		{Kind: ECS, Region: "us-east-1", Cluster: "staging", Service: "web", Repo: "acme/web", Containers: []string{"a", "b"}},
		ebT("shop", "shop-blue", "shop-prod.us-east-1.elasticbeanstalk.com"),
		ebT("shop", "shop-green", "shop-prod-standby.us-east-1.elasticbeanstalk.com"),
		ebT("shop", "shop-staging", ""),
	}
	services, rejected := Group(odd)
	if len(rejected) > 0 {
		t.Fatalf("rejected %v", rejected)
	}
	for i := range services {
		if services[i].Name == "web" {
			services[i].CI = &CI{Provider: "github-actions", Workflow: "deploy.yml", Workflows: []string{"ci.yml", "deploy.yml"}}
		}
	}
	out := Render(services, Header{Regions: []string{"us-east-1"}, Now: time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC),
		Warnings: []string{"a warning with\na newline and \x1b[31m an escape"},
		Rejected: []Rejected{{What: `"x\x1b"`, Why: "holds U+001B"}}})
	cfg := parseBack(t, out)
	if len(cfg.Services) != len(services) {
		t.Fatalf("%d services read back, %d written", len(cfg.Services), len(services))
	}
	for i, s := range services {
		got := cfg.Services[i]
		if got.Name != s.Name || len(got.Environments) != len(s.Environments) {
			t.Errorf("service %q read back as %q with %d environments, want %d", s.Name, got.Name, len(got.Environments), len(s.Environments))
			continue
		}
		for j, e := range s.Environments {
			ge := got.Environments[j]
			if ge.Name != e.Name {
				t.Errorf("%s: environment %q read back as %q", s.Name, e.Name, ge.Name)
			}
			switch {
			case e.Target.Kind == ECS && (ge.ECS == nil || ge.ECS.Cluster != e.Target.Cluster || ge.ECS.Service != e.Target.Service || ge.ECS.Container != e.Target.Container):
				t.Errorf("%s/%s: ecs read back as %+v, want %+v", s.Name, e.Name, ge.ECS, e.Target)
			case e.Target.Kind == Beanstalk && (ge.Beanstalk == nil || ge.Beanstalk.Environment != e.Target.Environment || ge.Beanstalk.Standby != e.Standby):
				t.Errorf("%s/%s: beanstalk read back as %+v", s.Name, e.Name, ge.Beanstalk)
			}
			if ge.Protected != e.Protected() {
				t.Errorf("%s/%s: protected %v, want %v", s.Name, e.Name, ge.Protected, e.Protected())
			}
			if want, got := e.Target.Region, ge.EffectiveAWS(cfg.AWS).Region; want != "" && got != want {
				t.Errorf("%s/%s: region %q, want %q", s.Name, e.Name, got, want)
			}
		}
	}
	var web config.Service
	for _, s := range cfg.Services {
		if s.Name == "web" {
			web = s
		}
	}
	if web.Name != "web" || web.Repo != "acme/web" || web.CI == nil || web.CI.Provider != "github-actions" || web.CI.Workflow != "deploy.yml" {
		t.Errorf("web read back as %+v (ci %+v)", web, web.CI)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if !printable(l) {
			t.Errorf("line %q does not print as itself", l)
		}
	}
	if !strings.Contains(string(out), "# container: NAME") || !strings.Contains(string(out), "which of a, b carries the version?") {
		t.Errorf("no hint for the undecided container:\n%s", out)
	}
}

func TestRenderCIHints(t *testing.T) {
	services := []Service{
		{Name: "api", Repo: "acme/api", Environments: []Environment{{Name: "staging", rank: 40, Target: ecsT("staging", "api")}}},
		{Name: "pay", Repo: "acme/pay", CI: &CI{Provider: "circleci", Project: "gh/acme/pay", Also: ".github/workflows/ (lint.yml)"},
			Environments: []Environment{{Name: "production", rank: rankProduction, Target: ecsT("production", "pay")}}},
		{Name: "old", Environments: []Environment{{Name: "main", Guessed: true, Target: ecsT("main", "old")}}},
	}
	out := string(Render(services, Header{Regions: []string{"us-east-1"}, CIUnread: "no GitHub token (set GH_TOKEN or GITHUB_TOKEN, or run gh auth login)"}))
	cfg := parseBack(t, []byte(out))
	if cfg.Services[0].CI != nil || cfg.Services[1].CI == nil || cfg.Services[1].CI.Project != "gh/acme/pay" {
		t.Errorf("ci read back as %+v, %+v", cfg.Services[0].CI, cfg.Services[1].CI)
	}
	for _, want := range []string{
		"# ci: not set: no GitHub token (set GH_TOKEN or GITHUB_TOKEN, or run gh auth login). One of:",
		"#   project: gh/acme/api",
		"# ci: not set: no repository is known to read it from",
		"# repo: OWNER/NAME",
		"#   workflow: deploy.yml",
		"named after its cluster",
		"protected: true",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestRenderPairs(t *testing.T) {
	const tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/"
	env := func(p *Pair) []Environment {
		return []Environment{{Name: "production", rank: rankProduction, Target: ecsT("production", p.First), Pair: p}}
	}
	services := []Service{
		{Name: "a", Environments: env(&Pair{First: "a-blue", Second: "a-green", FirstGroup: tg + "a-blue/1", SecondGroup: tg + "a-green/2",
			Rule: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/lb/3/4/5"})},
		{Name: "b", Environments: env(&Pair{First: "b-blue", Second: "b-green"})},
		{Name: "c", Environments: env(&Pair{Canary: true, First: "c", Second: "c-canary", FirstGroup: tg + "c/1", SecondGroup: tg + "c-canary/2",
			Listener: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/lb/3/4"})},
	}
	out := Render(services, Header{Regions: []string{"eu-west-1"}})
	cfg := parseBack(t, out)
	if bg := cfg.Services[0].Environments[0].BlueGreen; bg == nil || bg.RuleARN != services[0].Environments[0].Pair.Rule ||
		bg.BlueTargetGroupARN != tg+"a-blue/1" || bg.GreenTargetGroupARN != tg+"a-green/2" {
		t.Errorf("a's blue_green read back as %+v", bg)
	}
	if cfg.Services[1].Environments[0].BlueGreen != nil || cfg.Services[2].Environments[0].Canary != nil {
		t.Errorf("a block written where only a note belongs")
	}
	for _, w := range []string{"b-blue and b-green look like a blue/green pair: add a blue_green block",
		"# c-canary is its canary behind this listener", "#   canary_target_group_arn: " + tg + "c-canary/2", "#   steps: [10, 25, 50, 100]"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("no %q in\n%s", w, out)
		}
	}
	// The commented canary block, uncommented, is a valid canary.
	un := strings.NewReplacer("        # canary:", "        canary:", "        #   ", "          ").Replace(string(out))
	if c := parseBack(t, []byte(un)).Services[2].Environments[0].Canary; c == nil || len(c.Steps) != 4 {
		t.Errorf("uncommented canary: %+v", c)
	}
}

func TestScalar(t *testing.T) {
	for _, s := range []string{"api", "yes", "No", "1", "1.5", "-x", "a b", "a:b", "x#y", `q"`, `\`, "\u00e9", "\x1b", "\u202e", "\U0001F600", "\t", "e1", "0o17", "2024-01-01", "a:", "a::", "http://x:80/y", "arn:aws:ecs:eu-west-1:1:cluster/x", "a:-", "a:#", "a:/"} {
		out := []byte("services:\n  - name: " + scalar(s) + "\n    environments:\n      - name: e\n        ecs: {cluster: c, service: s}\n")
		cfg, err := config.Parse(out, "x.yaml")
		if err != nil {
			if badText(s) == "" {
				t.Errorf("scalar(%q) = %s: %v", s, scalar(s), err)
			}
			continue
		}
		if cfg.Services[0].Name != s {
			t.Errorf("scalar(%q) = %s reads back as %q", s, scalar(s), cfg.Services[0].Name)
		}
	}
}
