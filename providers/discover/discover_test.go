package discover

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/providers"
	"github.com/airside-dev/flightdeck/providers/githubactions"
	"github.com/airside-dev/flightdeck/providers/internal/awstest"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/sim/simtest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var t0 = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)

// services is a config's services as "name[repo,ci]: env(target) …" lines.
func services(cfg *config.Config) string {
	var lines []string
	for _, s := range cfg.Services {
		head := s.Name + "[" + s.Repo
		if s.CI != nil {
			head += "," + s.CI.Provider + ":" + s.CI.Project + s.CI.Workflow
		}
		head += "]:"
		var envs []string
		for _, e := range s.Environments {
			x := e.Name + "("
			switch {
			case e.ECS != nil:
				x += e.ECS.Cluster + "/" + e.ECS.Service
				if e.ECS.Container != "" {
					x += "#" + e.ECS.Container
				}
			case e.Beanstalk != nil:
				x += e.Beanstalk.Application + "/" + e.Beanstalk.Environment
				if e.Beanstalk.Standby != "" {
					x += "+" + e.Beanstalk.Standby
				}
			}
			x += "@" + e.EffectiveAWS(cfg.AWS).Region + ")"
			if e.Protected {
				x += "!"
			}
			envs = append(envs, x)
		}
		lines = append(lines, head+" "+strings.Join(envs, " "))
	}
	return strings.Join(lines, "\n")
}

// TestDiscoverDemoWorld: the demo's world read through the real clients,
// its CI through GitHub's contents API, written and read back.
func TestDiscoverDemoWorld(t *testing.T) {
	srv := simtest.Start(t, t0, sim.Options{Seed: 1})
	ctx := context.Background()
	found, err := Discover(ctx, Options{Regions: []string{"us-east-1"}, EndpointURL: srv.URL, Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Warnings) > 0 {
		t.Errorf("warnings: %q", found.Warnings)
	}
	svcs, rejected := Group(found.Targets)
	if len(rejected) > 0 {
		t.Errorf("rejected %v", rejected)
	}
	if ws := ResolvePairs(ctx, Options{Regions: []string{"us-east-1"}, EndpointURL: srv.URL, Anonymous: true}, svcs); len(ws) > 0 {
		t.Errorf("pairs: %q", ws)
	}
	gh, err := githubactions.NewClient(githubactions.ClientOptions{APIURL: srv.URL + "/", Token: githubactions.NewToken("sim-token-for-init", "test"), NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	failed := DetectCI(ctx, gh, svcs)
	if len(failed) > 0 {
		t.Errorf("CI not read: %v", failed)
	}
	h := Header{Regions: found.Regions, EndpointURL: srv.URL, Anonymous: true, GitHubAPIURL: srv.URL + "/",
		Clusters: found.Clusters, Applications: found.Applications, Now: t0, CIFailed: failed}
	h.ECSServices, h.BeanstalkEnvironments = Count(found.Targets)
	out := Render(svcs, h)
	cfg := parseBack(t, out)
	// The demo's CircleCI services' repositories hold no .circleci/config.yml
	// (the sim serves only GitHub's workflow files), so their CI stays a hint.
	want := "api[acme/api]: dev(dev/api@us-east-1) staging(staging/api@us-east-1) production(production/api@eu-west-1)!\n" +
		"basket[acme/basket]: staging(staging/basket@us-east-1) production(production/basket@eu-west-1)!\n" +
		"checkout[acme/checkout]: staging(staging/checkout@us-east-1) production(production/checkout-blue@eu-west-1)!\n" +
		"orders[acme/orders]: staging(staging/orders@us-east-1) production(production/orders@eu-west-1)!\n" +
		"payments[acme/payments]: staging(staging/payments@us-east-1) production(production/payments@eu-west-1)!\n" +
		"search[acme/search]: staging(staging/search@us-east-1) production(production/search@eu-west-1)!\n" +
		"shop[]: staging(shop/shop-staging@us-east-1) production(shop/shop-blue+shop-green@us-east-1)!\n" +
		"web[acme/web,github-actions:deploy.yml]: staging(staging/web@us-east-1) production(production/web@eu-west-1)!\n" +
		"worker[acme/worker,github-actions:deploy.yml]: staging(staging/worker@us-east-1) production(production/worker@eu-west-1)!"
	// checkout's pair is the one the demo's own config has.
	var checkout *config.Environment
	for _, s := range cfg.Services {
		if s.Name == "checkout" {
			checkout = &s.Environments[1]
		}
	}
	if checkout == nil || checkout.BlueGreen == nil || !strings.Contains(checkout.BlueGreen.ListenerARN, ":listener/app/checkout-prod/") ||
		!strings.Contains(checkout.BlueGreen.BlueTargetGroupARN, ":targetgroup/checkout-blue/") || !strings.Contains(checkout.BlueGreen.GreenTargetGroupARN, ":targetgroup/checkout-green/") {
		t.Errorf("checkout's production: %+v", checkout)
	}
	if got := services(cfg); got != want {
		t.Errorf("config read back as\n%s\nwant\n%s\n\n%s", got, want, out)
	}
	if found.Clusters != 3 || found.Applications != 1 {
		t.Errorf("counted %d clusters, %d applications; want 3, 1", found.Clusters, found.Applications)
	}
	for _, w := range []string{"# Found 20 ECS service(s) in 3 cluster(s) and 3 Elastic Beanstalk environment(s) in 1 application(s),", "# ci: not set: neither .circleci/config.yml nor .github/workflows/ is in acme/api", "#   project: gh/acme/api"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("no %q in\n%s", w, out)
		}
	}
	// The ECS calls are the ones the brief names, batched.
	reqs := srv.World.Requests()
	for _, op := range []string{"ecs:ListClusters", "ecs:ListServices", "ecs:DescribeServices", "ecs:DescribeTaskDefinition", "beanstalk:DescribeApplications", "beanstalk:DescribeEnvironments"} {
		if reqs[op] == 0 {
			t.Errorf("no %s call (calls: %v)", op, reqs)
		}
	}
	// Batches of 10: one call for dev and staging each, two for production's 11 or more.
	if n := reqs["ecs:DescribeServices"]; n != 4 {
		t.Errorf("%d DescribeServices calls, want 4", n)
	}
	for _, w := range []string{"checkout-blue and checkout-green are a blue/green pair behind this listener", "search-canary is its canary behind this listener",
		"#   listener_arn: arn:aws:elasticloadbalancing:eu-west-1:"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("no %q in\n%s", w, out)
		}
	}
}

// TestDiscoverDeniedBeanstalk: a refused service is a warning naming the
// permission, and what can be read is read.
func TestDiscoverDeniedBeanstalk(t *testing.T) {
	srv := simtest.Start(t, t0, sim.Options{Seed: 1})
	srv.World.SetFault("beanstalk", sim.Fault{DenyRate: 1})
	found, err := Discover(context.Background(), Options{Regions: []string{"us-east-1"}, EndpointURL: srv.URL, Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	ws := strings.Join(found.Warnings, "\n")
	for _, w := range []string{"access denied: grant elasticbeanstalk:DescribeApplications", "access denied: grant elasticbeanstalk:DescribeEnvironments"} {
		if !strings.Contains(ws, w) {
			t.Errorf("warnings do not say %q:\n%s", w, ws)
		}
	}
	svcs, _ := Group(found.Targets)
	if len(svcs) != 8 {
		t.Errorf("%d services, want the 8 on ECS:\n%s", len(svcs), layout(svcs))
	}
	out := Render(svcs, Header{Regions: found.Regions, Warnings: found.Warnings, Now: t0})
	parseBack(t, out)
	if !strings.Contains(string(out), "#   - Elastic Beanstalk in us-east-1: elasticbeanstalk:DescribeEnvironments: access denied") {
		t.Errorf("the config does not say what was not read:\n%s", out)
	}

	// Everything refused: an error, nothing to write.
	srv.World.SetFault(sim.AllServices, sim.Fault{DenyRate: 1})
	srv.World.SetFault("beanstalk", sim.Fault{DenyRate: 1})
	if _, err := Discover(context.Background(), Options{Regions: []string{"us-east-1"}, EndpointURL: srv.URL, Anonymous: true}); err == nil ||
		!errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "access denied (grant ecs:ListClusters)") ||
		!strings.Contains(err.Error(), "access denied (grant elasticbeanstalk:DescribeEnvironments)") {
		t.Errorf("all refused: err %v, want one wrapping ErrAuth", err)
	}
}

// TestResolvePairsDenied: a load balancer that cannot be read leaves the
// pair as a note, and says which permission is missing.
func TestResolvePairsDenied(t *testing.T) {
	srv := simtest.Start(t, t0, sim.Options{Seed: 1})
	o := Options{Regions: []string{"us-east-1"}, EndpointURL: srv.URL, Anonymous: true}
	found, err := Discover(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	svcs, _ := Group(found.Targets)
	srv.World.SetFault("elbv2", sim.Fault{DenyRate: 1})
	ws := ResolvePairs(context.Background(), o, svcs)
	if len(ws) != 3 {
		t.Fatalf("warnings %q, want one for each of checkout, basket and search", ws)
	}
	for _, w := range ws {
		if !strings.Contains(w, "elasticloadbalancing:DescribeTargetGroups: access denied: grant elasticloadbalancing:DescribeTargetGroups") {
			t.Errorf("warning %q", w)
		}
	}
	out := string(Render(svcs, Header{Regions: found.Regions, Warnings: ws}))
	parseBack(t, []byte(out))
	if strings.Contains(out, "blue_green:") || !strings.Contains(out, "checkout-blue and checkout-green look like a blue/green pair") {
		t.Errorf("an unread pair should be a note:\n%s", out)
	}
}

// TestDiscoverNoCredentials: before any call, a run with no credentials
// says what the chain looked at and how to set them.
func TestDiscoverNoCredentials(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": filepath.Join(home, ".aws", "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials")}
	t.Setenv("AWS_CONFIG_FILE", env["AWS_CONFIG_FILE"])
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", env["AWS_SHARED_CREDENTIALS_FILE"])
	srv := simtest.Start(t, t0, sim.Options{Seed: 1, Scenario: sim.ScenarioEmpty})
	_, err := Discover(context.Background(), Options{Regions: []string{"us-east-1"}, EndpointURL: srv.URL,
		Getenv: func(k string) string { return env[k] }})
	var ce *CredentialsError
	if !errors.As(err, &ce) || !errors.Is(err, providers.ErrAuth) {
		t.Fatalf("err %v, want a *CredentialsError", err)
	}
	msg := err.Error()
	for _, w := range []string{"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", `profile "default" (the default profile)`,
		"SSO", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "instance metadata (IMDS): off",
		"aws sso login", "aws configure", "export AWS_ACCESS_KEY_ID"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message lacks %q:\n%s", w, msg)
		}
	}
	if n := len(srv.World.Requests()); n != 0 {
		t.Errorf("%d kinds of call reached the endpoint; want none", n)
	}

	// An SSO profile whose session is not there says how to log in.
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(env["AWS_CONFIG_FILE"], []byte("[profile work]\nsso_session = acme\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = eu-west-1\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = eu-west-1\n"), 0o600)
	_, err = Discover(context.Background(), Options{Profile: "work", EndpointURL: srv.URL, Getenv: func(k string) string { return env[k] }})
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "aws sso login --profile work") {
		t.Errorf("SSO profile: %v", err)
	}
}

// TestDiscoverNoRegion: no region from the flags, the environment or the
// profile is an error of its own, before any call.
func TestDiscoverNoRegion(t *testing.T) {
	srv := simtest.Start(t, t0, sim.Options{Seed: 1, Scenario: sim.ScenarioEmpty})
	if _, err := Discover(context.Background(), Options{EndpointURL: srv.URL, Anonymous: true}); !errors.Is(err, ErrNoRegion) {
		t.Errorf("err %v, want ErrNoRegion", err)
	}
}

// BenchmarkDiscoverDemo: the demo world (3 clusters, 20 ECS services, 3
// Beanstalk environments) discovered, grouped and written, over loopback.
func BenchmarkDiscoverDemo(b *testing.B) {
	srv := simtest.Start(b, t0, sim.Options{Seed: 1})
	ctx := context.Background()
	for b.Loop() {
		found, err := Discover(ctx, Options{Regions: []string{"us-east-1"}, EndpointURL: srv.URL, Anonymous: true})
		if err != nil {
			b.Fatal(err)
		}
		svcs, _ := Group(found.Targets)
		if len(Render(svcs, Header{Regions: found.Regions})) == 0 {
			b.Fatal("nothing written")
		}
	}
}

// BenchmarkGroup: a large account's names (1,200 services) grouped.
func BenchmarkGroup(b *testing.B) {
	var ts []Target
	for i := range 400 {
		for _, st := range []string{"dev", "staging", "prod"} {
			ts = append(ts, ecsT(st, fmt.Sprintf("svc%03d", i)))
		}
	}
	for b.Loop() {
		if s, _ := Group(ts); len(s) != 400 {
			b.Fatal(len(s))
		}
	}
}

// TestDetectCIRefused: a repository GitHub will not show is said so, by
// repository, and its ci block stays a hint.
func TestDetectCIRefused(t *testing.T) {
	srv := simtest.Start(t, t0, sim.Options{Seed: 1})
	srv.World.SetFault("github", sim.Fault{DenyRate: 1})
	gh, err := githubactions.NewClient(githubactions.ClientOptions{APIURL: srv.URL + "/", Token: githubactions.NewToken("sim-token-for-init", "test"), NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	svcs := []Service{{Name: "web", Repo: "acme/web", Environments: []Environment{{Name: "staging", rank: 40, Target: ecsT("staging", "web")}}}}
	failed := DetectCI(context.Background(), gh, svcs)
	if svcs[0].CI != nil || !strings.HasPrefix(failed["acme/web"], "reading acme/web: ") {
		t.Fatalf("ci %+v, failed %q", svcs[0].CI, failed)
	}
	out := string(Render(svcs, Header{Regions: []string{"us-east-1"}, CIFailed: failed}))
	parseBack(t, []byte(out))
	if !strings.Contains(out, "# ci: not set: reading acme/web: ") {
		t.Errorf("no reason in\n%s", out)
	}
}
