package config

import "regexp"

// Config is a parsed, defaulted and validated configuration file.
type Config struct {
	// Path is the file the configuration came from, as given to Load or Parse.
	Path string `yaml:"-"`
	// Refresh is the idle poll interval; polling runs faster while something moves.
	Refresh  Duration `yaml:"refresh,omitempty"`
	ReadOnly bool     `yaml:"read_only,omitempty"`
	// Bell rings the terminal bell and posts a desktop notification (OSC 9)
	// when a gate starts waiting for approval; on unless set to false.
	Bell bool `yaml:"bell,omitempty"`
	// AuditLog is where every action is appended as one JSON line; "~/" is expanded.
	AuditLog string    `yaml:"audit_log,omitempty"`
	GitHub   GitHub    `yaml:"github,omitempty"`
	CircleCI CircleCI  `yaml:"circleci,omitempty"`
	AWS      AWS       `yaml:"aws,omitempty"`
	Services []Service `yaml:"services"`
	// Team is who may sign in to `flightdeck serve`, and with which role.
	Team *Team `yaml:"team,omitempty"`
}

// GitHub points at github.com or a GitHub Enterprise Server.
type GitHub struct {
	// APIURL always ends in "/", as go-github requires of a base URL.
	APIURL string `yaml:"api_url,omitempty"`
	// APIURLSet reports that the file set api_url; when it did not,
	// APIURL is the default and GH_HOST may name the host instead.
	APIURLSet bool `yaml:"-"`
}

// CircleCI points at circleci.com or a CircleCI server installation.
type CircleCI struct {
	// Host is the web root without a trailing "/"; the API lives under Host+"/api/v2".
	Host string `yaml:"host,omitempty"`
	// HostSet reports that the file set host; when it did not, Host is
	// the default and the CircleCI CLI's host (CIRCLECI_CLI_HOST, host:
	// in ~/.circleci/cli.yml) is used instead.
	HostSet bool `yaml:"-"`
}

// AWS selects the account, region and endpoint AWS calls go to. Empty fields
// leave the SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL…)
// in charge.
type AWS struct {
	Region  string `yaml:"region,omitempty"`
	Profile string `yaml:"profile,omitempty"`
	// EndpointURL sends every AWS call to one endpoint: LocalStack, moto or `flightdeck sim`.
	EndpointURL string `yaml:"endpoint_url,omitempty"`
	// Anonymous sends unsigned requests with no credentials at all, for local
	// emulators (`flightdeck sim`, moto) where there is no account to sign for.
	Anonymous bool `yaml:"anonymous,omitempty"`
}

// Service is one deployable thing: its CI and its environments.
type Service struct {
	Name string `yaml:"name"`
	// Repo is the GitHub "owner/name" that commits, subjects and compares come from.
	Repo string `yaml:"repo,omitempty"`
	// SHAFromTag reads the commit out of the service's image tags when
	// they are not one of the usual shapes: a regexp whose one group is the
	// SHA, such as `\.g([0-9a-f]{7,40})$`. The OCI revision label is read
	// first either way.
	SHAFromTag string `yaml:"sha_from_tag,omitempty"`
	CI         *CI    `yaml:"ci,omitempty"`
	// Environments are listed in promotion order: staging before production.
	Environments []Environment `yaml:"environments,omitempty"`
}

// CI providers accepted in ci.provider.
const (
	ProviderCircleCI      = "circleci"
	ProviderGitHubActions = "github-actions"
)

// CI names the pipeline that builds and deploys a service.
type CI struct {
	Provider string `yaml:"provider"`
	// Project is the CircleCI project slug, e.g. "gh/acme/api".
	Project string `yaml:"project,omitempty"`
	// Workflow is the GitHub Actions workflow file (or id); for CircleCI an
	// optional workflow name to show instead of all of them.
	Workflow string `yaml:"workflow,omitempty"`
	// Branch whose pipelines are shown; defaults to "main".
	Branch string `yaml:"branch,omitempty"`
	// DeployJobs names, per environment, the job that deploys there when
	// it is not called deploy-<environment> (nor, on GitHub Actions, a
	// job with `environment: <environment>`): {production: deploy-prod}.
	// A rollback through CI re-runs that job of an older pipeline.
	DeployJobs map[string]string `yaml:"deploy_jobs,omitempty"`
}

// Ways an environment rolls back, as config `rollback:` and
// `flightdeck rollback --via` name them.
const (
	// RollbackTarget points the deploy target at an older revision of its
	// own (an ECS task definition, a Beanstalk application version).
	RollbackTarget = "target"
	// RollbackCI re-runs the deploy job of an older pipeline.
	RollbackCI = "ci"
)

// Targets an environment can deploy to, as returned by Environment.Target.
const (
	TargetECS       = "ecs"
	TargetBeanstalk = "beanstalk"
)

// Environment is one stage a service is promoted through.
type Environment struct {
	Name string `yaml:"name"`
	// Protected environments need the environment name typed to confirm an action.
	Protected bool `yaml:"protected,omitempty"`
	// Approvers, on `flightdeck serve`, are the team members who may act
	// on this environment (approve its gates, roll it back, …): it narrows
	// the team's approvers; empty leaves every approver. Each must be a
	// team user whose role is approver.
	Approvers []string `yaml:"approvers,omitempty"`
	// Rollback is how `flightdeck rollback` rolls this environment back
	// when --via is not given: "target" (the default) or "ci" (re-run the
	// deploy job of the pipeline that built the version; needs the
	// service's ci block).
	Rollback string `yaml:"rollback,omitempty"`
	// AWS overrides the global aws block field by field; see EffectiveAWS.
	AWS       *AWS       `yaml:"aws,omitempty"`
	ECS       *ECS       `yaml:"ecs,omitempty"`
	Beanstalk *Beanstalk `yaml:"beanstalk,omitempty"`
	BlueGreen *BlueGreen `yaml:"blue_green,omitempty"`
	Canary    *Canary    `yaml:"canary,omitempty"`
}

// ECS is an ECS service inside a cluster.
type ECS struct {
	Cluster string `yaml:"cluster"`
	Service string `yaml:"service"`
	// Container picks the container whose image carries the version; optional
	// when the task has one container.
	Container string `yaml:"container,omitempty"`
}

// Beanstalk is an Elastic Beanstalk environment of an application.
type Beanstalk struct {
	Application string `yaml:"application"`
	Environment string `yaml:"environment"`
	// Standby is the idle twin for blue/green by CNAME swap; optional.
	Standby string `yaml:"standby,omitempty"`
	// SHAPattern is a regular expression with one group that finds the
	// commit in a version label or description; optional (the default
	// finds a run of 7 to 40 hex digits).
	SHAPattern string `yaml:"sha_pattern,omitempty"`
}

// BlueGreen is an ALB listener (or one of its rules) that forwards to one
// of two target groups, each with an ECS service registered in it.
type BlueGreen struct {
	ListenerARN string `yaml:"listener_arn,omitempty"`
	// RuleARN is a listener rule's ARN, instead of ListenerARN, when the
	// pair sits behind a rule rather than the listener's default action.
	RuleARN             string `yaml:"rule_arn,omitempty"`
	BlueTargetGroupARN  string `yaml:"blue_target_group_arn"`
	GreenTargetGroupARN string `yaml:"green_target_group_arn"`
}

// Canary is an ALB listener with weighted forwarding between a stable and a
// canary target group, stepped through Steps (percent to the canary).
type Canary struct {
	ListenerARN          string `yaml:"listener_arn"`
	StableTargetGroupARN string `yaml:"stable_target_group_arn"`
	CanaryTargetGroupARN string `yaml:"canary_target_group_arn"`
	Steps                []int  `yaml:"steps"`
}

// EffectiveAWS is the global aws block with this environment's override laid
// over it field by field: a set field wins, an empty one inherits. Anonymous
// can only be switched on by an override, since a YAML false cannot be told
// apart from an absent key.
func (e Environment) EffectiveAWS(global AWS) AWS {
	out := global
	if e.AWS == nil {
		return out
	}
	if e.AWS.Region != "" {
		out.Region = e.AWS.Region
	}
	if e.AWS.Profile != "" {
		out.Profile = e.AWS.Profile
	}
	if e.AWS.EndpointURL != "" {
		out.EndpointURL = e.AWS.EndpointURL
	}
	out.Anonymous = out.Anonymous || e.AWS.Anonymous
	return out
}

// TagPattern is the compiled sha_from_tag, or nil for the usual shapes
// (model.SHAFromTag). Validate has checked that it compiles with one group.
func (s *Service) TagPattern() *regexp.Regexp {
	if s.SHAFromTag == "" {
		return nil
	}
	re, err := regexp.Compile(s.SHAFromTag)
	if err != nil || re.NumSubexp() != 1 {
		return nil
	}
	return re
}

// Target reports what the environment deploys to: "ecs", "beanstalk", or ""
// when it has no target (or, in an unvalidated value, two).
func (e Environment) Target() string {
	switch {
	case e.ECS != nil && e.Beanstalk == nil:
		return TargetECS
	case e.Beanstalk != nil && e.ECS == nil:
		return TargetBeanstalk
	}
	return ""
}

// RollbackVia is how the environment rolls back by default: its
// rollback key, else RollbackTarget.
func (e Environment) RollbackVia() string {
	if e.Rollback == "" {
		return RollbackTarget
	}
	return e.Rollback
}

// DeployJob is the job of the service's pipeline that deploys to env as
// configured (ci.deploy_jobs), or "" to find it by name.
func (s *Service) DeployJob(env string) string {
	if s.CI == nil {
		return ""
	}
	return s.CI.DeployJobs[env]
}

// Service returns the service with the given name.
func (c *Config) Service(name string) (*Service, bool) {
	for i := range c.Services {
		if c.Services[i].Name == name {
			return &c.Services[i], true
		}
	}
	return nil, false
}

// Environment returns the environment with the given name.
func (s *Service) Environment(name string) (*Environment, bool) {
	for i := range s.Environments {
		if s.Environments[i].Name == name {
			return &s.Environments[i], true
		}
	}
	return nil, false
}

// Team roles.
const (
	RoleViewer   = "viewer"
	RoleApprover = "approver"
)

// Team lists the people who may sign in to `flightdeck serve`.
type Team struct {
	Users []TeamUser `yaml:"users"`
}

// TeamUser is one person: their name (in the audit log and the feed),
// their SSH public keys (authorized_keys lines) and their role.
type TeamUser struct {
	Name string   `yaml:"name"`
	Keys []string `yaml:"keys"`
	// Role is viewer (reads only) or approver (acts).
	Role string `yaml:"role"`
}
