package commands

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/providers/discover"
	"github.com/airside-dev/flightdeck/providers/githubactions"
)

// initOptions are init's flags.
type initOptions struct {
	regions      []string
	profile      string
	endpointURL  string
	anonymous    bool
	githubAPIURL string
	output       string
	print        bool
	force        bool
	timeout      time.Duration
}

func newInitCmd(g *globals, io streams) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Discover your ECS services, Beanstalk environments and their CI, and write a config",
		Long: `init reads what your AWS account runs and writes a commented config for it:

  - ECS: every cluster (ListClusters), its services (ListServices,
    DescribeServices) and their task definitions (DescribeTaskDefinition),
    for the repository the image names in its org.opencontainers.image.source
    label and, when a task has several containers, which is the application;
    services named NAME-blue and NAME-green, or NAME and NAME-canary, are one
    environment, with the load balancer listener forwarding to both
    (DescribeTargetGroups, DescribeListeners, DescribeRules): a blue_green
    block, or a canary block commented out for you to choose its steps;
  - Elastic Beanstalk: applications and environments (DescribeApplications,
    DescribeEnvironments), blue/green twins told apart by their CNAMEs;
  - each repository's CI through GitHub's contents API, when a GitHub token is
    there (GH_TOKEN, GITHUB_TOKEN or gh auth token): .circleci/config.yml is
    CircleCI, .github/workflows/*.yml GitHub Actions. Without a token the ci
    block is left as a commented hint.

Environments are grouped into services by their names: api-staging, api-prod,
prod-api and api_production are api's staging and production, as is a
service api in clusters named staging and production. Stage words are
normalised (prod, prd → production; stg, stage → staging; development →
dev) and put in promotion order: dev, test, qa, uat, staging, preprod,
production. production environments are marked protected. Names that do not
print as themselves (control characters and the like) are left out, and
said so.

The config is printed, then written to --output (default: where flightdeck
will read it, --config, else $FLIGHTDECK_CONFIG, else
$XDG_CONFIG_HOME/flightdeck/config.yaml, else ~/.config/flightdeck/config.yaml)
once you confirm; --yes writes without asking; --print or --dry-run only
prints. An existing file is never replaced without asking, and with --yes
only with --force.

AWS credentials come from the SDK's default chain (AWS_* variables, the
profile, SSO, web identity, container credentials, instance metadata); with
none, init says what it looked at and exits 2 without writing. A call that
is refused is reported with the permission it needs, and the rest is read.

Exit status: 0 written (or printed); 1 nothing could be read, or nothing
found; 2 usage, or no credentials or region; 3 not confirmed, or the file
exists.`,
		Example: `  flightdeck init                              # the default chain's region
  flightdeck init --region us-east-1 --region eu-west-1 --profile prod
  flightdeck init --print > flightdeck.yaml
  flightdeck init --endpoint-url http://127.0.0.1:8080 --anonymous --github-api-url http://127.0.0.1:8080/  # flightdeck sim`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(cmd.Context(), g, io, o) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.regions, "region", nil, "AWS region to read (repeat, or comma-separate, for several; the first is the config's default; default: AWS_REGION or the profile's)")
	f.StringVar(&o.profile, "profile", "", "AWS shared-config profile (default: AWS_PROFILE); written to the config")
	f.StringVar(&o.endpointURL, "endpoint-url", "", "send AWS calls here (moto, LocalStack, flightdeck sim); written to the config")
	f.BoolVar(&o.anonymous, "anonymous", false, "unsigned AWS requests, for flightdeck sim only; written to the config")
	f.StringVar(&o.githubAPIURL, "github-api-url", "", "GitHub API root for the CI lookup (default: GH_HOST's, else api.github.com); written to the config as github.api_url")
	f.StringVarP(&o.output, "output", "o", "", "file to write (default: --config, else $FLIGHTDECK_CONFIG, else $XDG_CONFIG_HOME/flightdeck/config.yaml, else ~/.config/flightdeck/config.yaml)")
	f.BoolVar(&o.print, "print", false, "print the config to stdout and write nothing (as --dry-run)")
	f.BoolVar(&o.force, "force", false, "with --yes, replace an existing file")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up discovering after this long")
	g.yesFlag(cmd)
	return cmd
}

func runInit(ctx context.Context, g *globals, io streams, o initOptions) error {
	if o.timeout <= 0 {
		return usageErr("--timeout must be positive, got %s", o.timeout)
	}
	if o.force && !g.yes {
		return usageErr("--force replaces an existing file only with --yes (without --yes, init asks)")
	}
	for flag, u := range map[string]string{"--endpoint-url": o.endpointURL, "--github-api-url": o.githubAPIURL} {
		if u != "" && !httpURL(u) {
			return usageErr("%s %q is not an http(s) URL", flag, u)
		}
	}
	printOnly := o.print || g.dryRun
	path, err := initOutput(o.output, g.configPath, os.Getenv)
	if err != nil {
		return usageErr("%v", err)
	}
	exists := fileExists(path)
	if !printOnly && exists && g.yes && !o.force {
		return &exitError{code: exitRefused, err: fmt.Errorf("%s exists; init does not replace it without --force (or write elsewhere with --output)", path)}
	}

	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	found, err := discover.Discover(dctx, discover.Options{Regions: o.regions, Profile: o.profile, EndpointURL: o.endpointURL,
		Anonymous: o.anonymous, Getenv: os.Getenv})
	var ce *discover.CredentialsError
	switch {
	case errors.As(err, &ce):
		return &exitError{code: exitUsage, err: fmt.Errorf("init: %w\nNothing was written: run init again once credentials are set.", err)}
	case errors.Is(err, discover.ErrNoRegion):
		return &exitError{code: exitUsage, err: fmt.Errorf("init: %w. Nothing was written.", err)}
	case err != nil:
		return fmt.Errorf("init: nothing could be read: %w\nNothing was written.", err)
	}
	services, rejected := discover.Group(found.Targets)
	printWarnings(io, found.Warnings)
	for _, r := range rejected {
		fmt.Fprintf(io.err, "left out %s: %s\n", r.What, r.Why)
	}
	if len(services) == 0 {
		return fmt.Errorf("init: found no ECS service and no Elastic Beanstalk environment in %s (try --region); nothing was written", strings.Join(found.Regions, ", "))
	}

	// ECS blue/green pairs and canaries: their listener, from the load
	// balancer. What cannot be read leaves a note in the file.
	dopts := discover.Options{Regions: found.Regions, Profile: o.profile, EndpointURL: o.endpointURL, Anonymous: o.anonymous}
	pairWarnings := discover.ResolvePairs(dctx, dopts, services)
	printWarnings(io, pairWarnings)
	h := discover.Header{Regions: found.Regions, Profile: o.profile, EndpointURL: o.endpointURL, Anonymous: o.anonymous,
		GitHubAPIURL: o.githubAPIURL, Warnings: append(found.Warnings, pairWarnings...), Rejected: rejected,
		Clusters: found.Clusters, Applications: found.Applications, Now: g.now()}
	h.ECSServices, h.BeanstalkEnvironments = discover.Count(found.Targets)
	h.CIUnread, h.CIFailed = detectCI(dctx, o, services)

	out := discover.Render(services, h)
	if _, err := config.Parse(out, path); err != nil {
		// Ours to fix, never the user's: nothing half-right is written.
		return fmt.Errorf("init: the config written does not read back (a bug in flightdeck init; nothing was written): %w", err)
	}
	fmt.Fprint(io.out, string(out))
	if printOnly {
		return nil
	}

	if !g.yes {
		f, ok := io.in.(*os.File)
		if !ok || !term.IsTerminal(f.Fd()) {
			return refused(fmt.Errorf("not written: stdin is not a terminal; pass --yes to write %s, or --print", path))
		}
		q := fmt.Sprintf("Write this config to %s? [y/N] ", path)
		if exists {
			q = fmt.Sprintf("%s exists. Replace it with this config? [y/N] ", path)
		}
		fmt.Fprint(io.err, q)
		line, _ := bufio.NewReader(f).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return refused(errors.New("not confirmed; nothing was written"))
		}
	}
	if err := writeConfig(path, out, exists); err != nil {
		var pe *fs.PathError
		if errors.Is(err, fs.ErrExist) && errors.As(err, &pe) {
			return &exitError{code: exitRefused, err: fmt.Errorf("%s appeared while init ran; nothing was written (--force replaces it)", path)}
		}
		return fmt.Errorf("init: %w", err)
	}
	n := 0
	for _, s := range services {
		n += len(s.Environments)
	}
	fmt.Fprintf(io.err, "Wrote %s: %d service(s), %d environment(s). Check it, then run flightdeck (or flightdeck status).\n", path, len(services), n)
	return nil
}

// detectCI fills the services' CI from their repositories when there is a
// GitHub token; else it says why not.
func detectCI(ctx context.Context, o initOptions, services []discover.Service) (string, map[string]string) {
	apiURL, err := githubactions.ResolveAPIURL(o.githubAPIURL, os.Getenv)
	if err != nil {
		return "GitHub: " + err.Error(), nil
	}
	token, _ := githubactions.FindToken(ctx, apiURL)
	if token.IsZero() {
		return "no GitHub token to read the repository with (export GH_TOKEN or GITHUB_TOKEN, or run gh auth login, then init again)", nil
	}
	gh, err := githubactions.NewClient(githubactions.ClientOptions{APIURL: apiURL, Token: token, NoCache: true})
	if err != nil {
		return err.Error(), nil
	}
	return "", discover.DetectCI(ctx, gh, services)
}

func printWarnings(io streams, ws []string) {
	for _, w := range ws {
		fmt.Fprintln(io.err, "warning:", w)
	}
}

// initOutput is the file init writes: --output, else --config, else
// $FLIGHTDECK_CONFIG, else the first of the default places flightdeck
// looks ($XDG_CONFIG_HOME/flightdeck/config.yaml, ~/.config/flightdeck/config.yaml).
func initOutput(output, configFlag string, getenv func(string) string) (string, error) {
	home := getenv("HOME")
	expand := func(p string) string {
		if rest, ok := strings.CutPrefix(p, "~/"); ok && home != "" {
			return filepath.Join(home, rest)
		}
		return p
	}
	for _, p := range []string{output, configFlag, getenv("FLIGHTDECK_CONFIG")} {
		if p != "" {
			return expand(p), nil
		}
	}
	if x := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "flightdeck", "config.yaml"), nil
	}
	if home == "" {
		return "", errors.New("no place to write the config: HOME is not set; pass --output FILE")
	}
	return filepath.Join(home, ".config", "flightdeck", "config.yaml"), nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// writeConfig writes the file whole or not at all: a temporary file in
// the same directory, then linked into place (which fails if the file
// appeared meanwhile) or, when replacing was confirmed, renamed over it.
func writeConfig(path string, data []byte, replace bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if replace {
		return placeFile(path, data, os.Rename)
	}
	return placeFile(path, data, os.Link)
}
