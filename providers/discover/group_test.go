package discover

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitName(t *testing.T) {
	for _, c := range []struct {
		name, base, stage string
		found             bool
		colour            string
		standby           bool
	}{
		{"api-staging", "api", "staging", true, "", false},
		{"api-prod", "api", "production", true, "", false},
		{"prod-api", "api", "production", true, "", false},
		{"api_production", "api", "production", true, "", false},
		{"api.stg", "api", "staging", true, "", false},
		{"API-PROD", "API", "production", true, "", false},
		{"payments-service-dev", "payments-service", "dev", true, "", false},
		{"order_svc__qa", "order_svc", "qa", true, "", false},
		{"web-pre-prod", "web", "preprod", true, "", false},
		{"pre-prod-web", "web", "preprod", true, "", false},
		{"web-preprod", "web", "preprod", true, "", false},
		{"shop-prod-standby", "shop", "production", true, "", true},
		{"basket-canary", "basket", "", false, "", false},
		{"api-staging-blue", "api", "staging", true, "blue", false},
		{"shop-blue", "shop", "", false, "blue", false},
		{"checkout-uat", "checkout", "uat", true, "", false},
		{"billing-development", "billing", "dev", true, "", false},
		{"ledger-prd", "ledger", "production", true, "", false},
		// no stage in the name
		{"api", "api", "", false, "", false},
		{"worker-v2", "worker-v2", "", false, "", false},
		{"prod", "prod", "", false, "", false}, // a stage alone names no service
		{"-api-prod-", "api", "production", true, "", false},
		{"blue", "blue", "", false, "", false},
		// a stage word inside a name is not a stage
		{"product-catalog", "product-catalog", "", false, "", false},
		{"devices-api", "devices-api", "", false, "", false},
		{"api-production-eu", "api-production-eu", "", false, "", false},
	} {
		sp := splitName(c.name)
		if sp.base != c.base || sp.found != c.found || sp.stage.name != c.stage || sp.colour != c.colour || sp.standby != c.standby {
			t.Errorf("splitName(%q) = %+v; want base %q stage %q found %v colour %q standby %v",
				c.name, sp, c.base, c.stage, c.found, c.colour, c.standby)
		}
	}
}

func TestClusterStage(t *testing.T) {
	for _, c := range []struct{ name, stage, rest string }{
		{"staging", "staging", ""},
		{"production", "production", ""},
		{"prod-cluster", "production", ""},
		{"ecs-production-eu", "production", "eu"},
		{"acme-prd-us-east", "production", "acme-us-east"},
		{"pre-prod", "preprod", ""},
		{"main", "", ""},
		{"default", "", ""},
	} {
		st, rest, ok := clusterStage(c.name)
		if st.name != c.stage || rest != c.rest || ok != (c.stage != "") {
			t.Errorf("clusterStage(%q) = %q, %q, %v; want %q, %q", c.name, st.name, rest, ok, c.stage, c.rest)
		}
	}
}

func ecsT(cluster, service string) Target {
	return Target{Kind: ECS, Region: "us-east-1", Cluster: cluster, Service: service}
}

func ebT(app, env, cname string) Target {
	return Target{Kind: Beanstalk, Region: "us-east-1", Application: app, Environment: env, CNAME: cname}
}

// layout writes services as "svc: env(target) env(target)" lines.
func layout(ss []Service) string {
	var lines []string
	for _, s := range ss {
		var envs []string
		for _, e := range s.Environments {
			x := e.Name + "(" + e.Target.Name()
			if e.Standby != "" {
				x += "+" + e.Standby
			}
			x += ")"
			if e.Protected() {
				x += "!"
			}
			envs = append(envs, x)
		}
		lines = append(lines, s.Name+": "+strings.Join(envs, " "))
	}
	return strings.Join(lines, "\n")
}

func TestGroup(t *testing.T) {
	for _, c := range []struct {
		name    string
		targets []Target
		want    string
	}{
		{"stage in the service name, in any place and spelling", []Target{
			ecsT("shared", "api-prod"), ecsT("shared", "api-staging"), ecsT("shared", "dev-api"),
			ecsT("shared", "web_production"), ecsT("shared", "web.stg"),
		}, "api: dev(shared/dev-api) staging(shared/api-staging) production(shared/api-prod)!\n" +
			"web: staging(shared/web.stg) production(shared/web_production)!"},
		{"stage in the cluster name", []Target{
			ecsT("production", "api"), ecsT("staging", "api"), ecsT("dev", "api"),
			ecsT("production", "worker"), ecsT("staging", "worker"),
		}, "api: dev(dev/api) staging(staging/api) production(production/api)!\n" +
			"worker: staging(staging/worker) production(production/worker)!"},
		{"every stage in promotion order", []Target{
			ecsT("c", "x-prod"), ecsT("c", "x-preprod"), ecsT("c", "x-stage"), ecsT("c", "x-uat"),
			ecsT("c", "x-qa"), ecsT("c", "x-test"), ecsT("c", "x-development"), ecsT("c", "x-sandbox"),
		}, "x: sandbox(c/x-sandbox) dev(c/x-development) test(c/x-test) qa(c/x-qa) uat(c/x-uat) staging(c/x-stage) preprod(c/x-preprod) production(c/x-prod)!"},
		{"two clusters of one stage told apart by the rest of their names", []Target{
			ecsT("prod-eu", "api"), ecsT("prod-us", "api"), ecsT("staging", "api"),
		}, "api: staging(staging/api) production-eu(prod-eu/api)! production-us(prod-us/api)!"},
		{"two of one stage in one cluster told apart by region", []Target{
			{Kind: ECS, Region: "eu-west-1", Cluster: "production", Service: "api"},
			{Kind: ECS, Region: "us-east-1", Cluster: "production", Service: "api"},
		}, "api: production-eu-west-1(production/api)! production-us-east-1(production/api)!"},
		{"names that do not split: a service per name, the cluster as environment", []Target{
			ecsT("main", "billing"), ecsT("main", "ledger"), ecsT("batch", "ledger"),
		}, "billing: main(main/billing)\nledger: batch(batch/ledger) main(main/ledger)"},
		{"beanstalk environments by name", []Target{
			ebT("shop", "shop-staging", "shop-staging.us-east-1.elasticbeanstalk.com"),
			ebT("shop", "shop-prod", "shop.us-east-1.elasticbeanstalk.com"),
		}, "shop: staging(shop/shop-staging) production(shop/shop-prod)!"},
		{"beanstalk blue/green: the stage from the CNAME, the standby by its CNAME", []Target{
			ebT("shop", "shop-staging", "shop-staging.us-east-1.elasticbeanstalk.com"),
			ebT("shop", "shop-blue", "shop-prod.us-east-1.elasticbeanstalk.com"),
			ebT("shop", "shop-green", "shop-prod-standby.us-east-1.elasticbeanstalk.com"),
		}, "shop: staging(shop/shop-staging) production(shop/shop-blue+shop-green)!"},
		{"beanstalk blue/green after a swap", []Target{
			ebT("shop", "shop-blue", "shop-prod-standby.us-east-1.elasticbeanstalk.com"),
			ebT("shop", "shop-green", "shop-prod.us-east-1.elasticbeanstalk.com"),
		}, "shop: production(shop/shop-green+shop-blue)!"},
		{"beanstalk colours in the environment names", []Target{
			ebT("api", "api-prod-blue", "api-a.eu-west-1.elasticbeanstalk.com"),
			ebT("api", "api-prod-green", "api-b.eu-west-1.elasticbeanstalk.com"),
		}, "api: production(api/api-prod-blue+api-prod-green)!"},
		{"beanstalk default names: the application, the environment without it", []Target{
			ebT("legacy", "legacy-env", "legacy-env.elasticbeanstalk.com"),
			ebT("legacy", "Legacy-env-1", "x.elasticbeanstalk.com"),
		}, "legacy: Legacy-env-1(legacy/Legacy-env-1) env(legacy/legacy-env)"},
		{"ecs and beanstalk in one service", []Target{
			ecsT("staging", "shop"), ebT("shop", "shop-production", "shop.elasticbeanstalk.com"),
		}, "shop: staging(staging/shop) production(shop/shop-production)!"},
		{"ecs blue/green colours and a canary in the production cluster", []Target{
			ecsT("staging", "checkout"), ecsT("production", "checkout-green"), ecsT("production", "checkout-blue"),
			ecsT("staging", "basket"), ecsT("production", "basket"), ecsT("production", "basket-canary"),
		}, "basket: staging(staging/basket) production(production/basket)!\n" +
			"checkout: staging(staging/checkout) production(production/checkout-blue)!"},
		{"ecs colours in the service name with its stage", []Target{
			ecsT("shared", "api-prod-blue"), ecsT("shared", "api-prod-green"),
		}, "api: production(shared/api-prod-blue)!"},
		{"a service that has a stage's word inside", []Target{
			ecsT("prod", "product-api"), ecsT("staging", "product-api"),
		}, "product-api: staging(staging/product-api) production(prod/product-api)!"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, rejected := Group(c.targets)
			if len(rejected) > 0 {
				t.Errorf("rejected %v", rejected)
			}
			if l := layout(got); l != c.want {
				t.Errorf("got\n%s\nwant\n%s", l, c.want)
			}
		})
	}
}

func TestGroupRejectsHostileNames(t *testing.T) {
	targets := []Target{
		ecsT("staging", "api"),
		ecsT("staging", "api\x1b[2J-prod"),
		ecsT("prod\x07", "api"),
		ecsT("staging", "web\u202e-prod"),
		ecsT("staging", "pay\u200b"),
		ecsT("staging", "bad\xffutf8"),
		ebT("shop", "shop-prod", "shop\n.elasticbeanstalk.com"),
		{Kind: ECS, Region: "us-east-1", Cluster: "staging", Service: "side", Containers: []string{"app", "log\x1b]0;x\x07"}},
		ecsT("staging", strings.Repeat("a", 256)),
		ecsT("", "nameless"),
	}
	got, rejected := Group(targets)
	if l := layout(got); l != "api: staging(staging/api)" {
		t.Errorf("kept\n%s\nwant only api", l)
	}
	if len(rejected) != len(targets)-1 {
		t.Fatalf("rejected %d, want %d: %v", len(rejected), len(targets)-1, rejected)
	}
	for _, r := range rejected {
		if !printable(r.What) || !printable(r.Why) {
			t.Errorf("the rejection %q: %q does not print as itself", r.What, r.Why)
		}
	}
	if !strings.Contains(rejected[0].What, `\x1b`) || !strings.Contains(rejected[0].Why, "U+001B") {
		t.Errorf("rejection %+v does not name the escape", rejected[0])
	}
}

func TestGroupRepository(t *testing.T) {
	a := ecsT("staging", "api")
	a.Repo = "acme/api"
	b := ecsT("production", "api")
	b.Repo = "acme/api"
	c := ecsT("dev", "api")
	c.Repo = "acme/api-fork"
	got, _ := Group([]Target{a, b, c})
	if len(got) != 1 || got[0].Repo != "acme/api" || !slices.Equal(got[0].Repos, []string{"acme/api", "acme/api-fork"}) {
		t.Fatalf("got %+v", got)
	}
}

// TestGroupAlwaysDistinct: whatever the names, a service's environments
// have distinct names (the config requires it), and nothing is lost.
func TestGroupAlwaysDistinct(t *testing.T) {
	var ts []Target
	for _, cl := range []string{"prod", "prod-eu", "production", "prd", "staging", "main", "prod-1", "production-1"} {
		for _, s := range []string{"api", "api-prod", "api-production", "prod-api"} {
			ts = append(ts, ecsT(cl, s))
		}
	}
	got, rejected := Group(ts)
	n := 0
	for _, s := range got {
		seen := map[string]bool{}
		for _, e := range s.Environments {
			if seen[e.Name] {
				t.Errorf("%s: two environments named %q", s.Name, e.Name)
			}
			seen[e.Name] = true
			n++
		}
	}
	if n != len(ts) || len(rejected) != 0 {
		t.Errorf("placed %d of %d (%d rejected)\n%s", n, len(ts), len(rejected), layout(got))
	}
	fmt.Fprintln(testWriter{t}, layout(got))
}

func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) < 0
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// The repository comes from the image's source label only when it is a
// GitHub owner/name: no other host, no path steps, no odd bytes.
func TestRepoFromSource(t *testing.T) {
	for src, want := range map[string]string{
		"https://github.com/acme/api":         "acme/api",
		"https://github.com/acme/api.git":     "acme/api",
		"git@github.com:acme/api.git":         "acme/api",
		"https://gitlab.com/acme/api":         "",
		"https://github.com/../x":             "",
		"https://github.com/./x":              "",
		"https://github.com/acme/..":          "",
		"https://github.com/acme":             "",
		"https://github.com/ac me/api":        "",
		"https://github.com/acme/api\x1b[31m": "",
	} {
		if got := RepoFromSource(src); got != want {
			t.Errorf("RepoFromSource(%q) = %q, want %q", src, got, want)
		}
	}
}
