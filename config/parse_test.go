package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// env is the environment the tests parse in: nothing leaks in from the
// machine running them.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var testEnv = env(map[string]string{"HOME": "/home/rm"})

// problems parses src and returns its problems, failing if it parsed.
func problems(t *testing.T, src string) []Problem {
	t.Helper()
	cfg, err := parse([]byte(src), "config.yaml", testEnv)
	if err == nil {
		t.Fatalf("parsed without problems: %+v", cfg)
	}
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T, want *Errors: %v", err, err)
	}
	if cfg != nil {
		t.Errorf("got a Config alongside problems")
	}
	return errs.Problems
}

// want is one expected problem: path and line exactly, column when not
// zero, and a fragment of the message.
type want struct {
	path string
	line int
	col  int
	msg  string
}

func (w want) matches(p Problem) bool {
	return p.Path == w.path && p.Line == w.line && (w.col == 0 || p.Column == w.col) && strings.Contains(p.Message, w.msg)
}

func checkProblems(t *testing.T, got []Problem, wants []want) {
	t.Helper()
	for _, w := range wants {
		found := false
		for _, p := range got {
			found = found || w.matches(p)
		}
		if !found {
			t.Errorf("missing problem %+v in:\n%s", w, (&Errors{File: "config.yaml", Problems: got}).Error())
		}
	}
	if len(got) != len(wants) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(wants), (&Errors{File: "config.yaml", Problems: got}).Error())
	}
}

// A valid environment body and service, to keep cases short.
const okEnvs = `
    environments:
      - name: staging
        ecs: { cluster: staging, service: api }
`

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		wants []want
	}{
		{
			name: "unknown top-level key suggests and lists allowed",
			src:  "refreh: 10s\nservices:\n  - name: api" + okEnvs,
			wants: []want{{"refreh", 1, 1,
				`unknown key "refreh" (did you mean "refresh"?); allowed keys: refresh, read_only, bell, audit_log, github, circleci, aws, services`}},
		},
		{
			name: "unknown nested key is not also reported missing",
			src: `services:
  - name: api
    environments:
      - name: staging
        ecs: { clustr: staging, service: api }
`,
			wants: []want{{"services[0].environments[0].ecs.clustr", 5, 16,
				`unknown key "clustr" (did you mean "cluster"?); allowed keys: cluster, service, container`}},
		},
		{
			name: "unknown key with nothing close lists allowed keys only",
			src:  "services:\n  - name: api\n    colour: red" + okEnvs,
			wants: []want{{"services[0].colour", 3, 5,
				`unknown key "colour"; allowed keys: name, repo, sha_from_tag, ci, environments`}},
		},
		{
			name: "wrong types",
			src: `read_only: yes
refresh: [10s]
services:
  - name: [api]
    environments: { name: staging }
`,
			wants: []want{
				{"read_only", 1, 12, `expected true or false, got "yes"`},
				{"refresh", 2, 10, `expected a duration such as "10s", got a list`},
				{"services[0].name", 4, 11, `expected a string, got a list`},
				{"services[0].environments", 5, 19, `expected a list, got a mapping`},
			},
		},
		{
			name: "wrong type for a block does not also report its contents missing",
			src:  "services:\n  - name: api\n    environments:\n      - name: staging\n        ecs: [staging]\n",
			wants: []want{
				{"services[0].environments[0].ecs", 5, 14, `expected a mapping, got a list`},
			},
		},
		{
			name:  "missing service name",
			src:   "services:\n  - repo: acme/api" + okEnvs,
			wants: []want{{"services[0].name", 2, 5, `missing required key "name"`}},
		},
		{
			name: "missing environment name",
			src: `services:
  - name: api
    environments:
      - ecs: { cluster: staging, service: api }
`,
			wants: []want{{"services[0].environments[0].name", 4, 9, `missing required key "name"`}},
		},
		{
			name: "empty ecs block",
			src: `services:
  - name: api
    environments:
      - name: staging
        ecs:
`,
			wants: []want{
				{"services[0].environments[0].ecs.cluster", 5, 9, `missing required key "cluster"`},
				{"services[0].environments[0].ecs.service", 5, 9, `missing required key "service"`},
			},
		},
		{
			name: "beanstalk missing application and environment",
			src: `services:
  - name: web
    environments:
      - name: staging
        beanstalk: { standby: web-green }
`,
			wants: []want{
				{"services[0].environments[0].beanstalk.application", 5, 9, `missing required key "application"`},
				{"services[0].environments[0].beanstalk.environment", 5, 9, `missing required key "environment"`},
			},
		},
		{
			name: "beanstalk standby equal to the live environment",
			src: `services:
  - name: web
    environments:
      - name: prod
        beanstalk: { application: web, environment: web-blue, standby: web-blue }
`,
			wants: []want{{"services[0].environments[0].beanstalk.standby", 5, 72, `is the live environment itself`}},
		},
		{
			name: "beanstalk sha_pattern that is no regexp, or has no group or two",
			src: `services:
  - name: web
    environments:
      - name: a
        beanstalk: { application: web, environment: a, sha_pattern: "([0-9a-f" }
      - name: b
        beanstalk: { application: web, environment: b, sha_pattern: "[0-9a-f]{7}" }
      - name: c
        beanstalk: { application: web, environment: c, sha_pattern: "(v)-([0-9a-f]+)" }
      - name: d
        beanstalk: { application: web, environment: d, sha_pattern: "commit ([0-9a-f]{7,40})" }
`,
			wants: []want{
				{"services[0].environments[0].beanstalk.sha_pattern", 5, 69, `is not a regular expression`},
				{"services[0].environments[1].beanstalk.sha_pattern", 7, 69, `has 0 groups; it needs exactly one`},
				{"services[0].environments[2].beanstalk.sha_pattern", 9, 69, `has 2 groups`},
			},
		},
		{
			name:  "ci without provider",
			src:   "services:\n  - name: api\n    ci: { project: gh/acme/api }" + okEnvs,
			wants: []want{{"services[0].ci.provider", 3, 5, `missing required key "provider"`}},
		},
		{
			name:  "circleci without project",
			src:   "services:\n  - name: api\n    ci: { provider: circleci }" + okEnvs,
			wants: []want{{"services[0].ci.project", 3, 5, `missing required key "project"`}},
		},
		{
			name:  "circleci project that is not a slug",
			src:   "services:\n  - name: api\n    ci: { provider: circleci, project: acme/api }" + okEnvs,
			wants: []want{{"services[0].ci.project", 3, 40, `"acme/api" is not a CircleCI project slug`}},
		},
		{
			name: "github-actions without workflow or repo",
			src:  "services:\n  - name: web\n    ci: { provider: github-actions }" + okEnvs,
			wants: []want{
				{"services[0].ci.workflow", 3, 5, `missing required key "workflow"`},
				{"services[0].repo", 2, 5, `missing required key "repo": github-actions needs the GitHub owner/name`},
			},
		},
		{
			name:  "github-actions with a circleci project",
			src:   "services:\n  - name: web\n    repo: acme/web\n    ci: { provider: github-actions, workflow: deploy.yml, project: gh/acme/web }" + okEnvs,
			wants: []want{{"services[0].ci.project", 4, 59, `project is for circleci`}},
		},
		{
			name: "unknown CI provider lists the allowed ones",
			src:  "services:\n  - name: api\n    ci: { provider: jenkins }" + okEnvs,
			wants: []want{{"services[0].ci.provider", 3, 21,
				`unknown CI provider "jenkins"; allowed: circleci, github-actions`}},
		},
		{
			name:  "CI provider typo gets a suggestion",
			src:   "services:\n  - name: api\n    ci: { provider: github-action, workflow: d.yml }\n    repo: a/b" + okEnvs,
			wants: []want{{"services[0].ci.provider", 3, 21, `(did you mean "github-actions"?)`}},
		},
		{
			name:  "repo that is not owner/name",
			src:   "services:\n  - name: api\n    repo: https://github.com/acme/api" + okEnvs,
			wants: []want{{"services[0].repo", 3, 11, `is not a GitHub owner/name`}},
		},
		{
			name:  "no services key",
			src:   "refresh: 10s\n",
			wants: []want{{"services", 0, 0, `no services configured`}},
		},
		{
			name:  "empty services list",
			src:   "refresh: 10s\nservices: []\n",
			wants: []want{{"services", 2, 1, `no services configured`}},
		},
		{
			name:  "empty file",
			src:   "",
			wants: []want{{"services", 0, 0, `no services configured`}},
		},
		{
			name:  "service with nothing to show",
			src:   "services:\n  - name: api\n",
			wants: []want{{"services[0]", 2, 5, `has neither ci nor environments`}},
		},
		{
			name:  "duplicate service name",
			src:   "services:\n  - name: api" + okEnvs + "  - name: api" + okEnvs,
			wants: []want{{"services[1].name", 6, 11, `duplicate service name "api" (first at line 2)`}},
		},
		{
			name: "duplicate environment name",
			src: `services:
  - name: api
    environments:
      - name: staging
        ecs: { cluster: staging, service: api }
      - name: staging
        ecs: { cluster: prod, service: api }
`,
			wants: []want{{"services[0].environments[1].name", 6, 15, `duplicate environment name "staging" (first at line 4)`}},
		},
		{
			name:  "duration without unit",
			src:   "refresh: 10\nservices:\n  - name: api" + okEnvs,
			wants: []want{{"refresh", 1, 10, `duration "10" has no unit; write "10s" or "10m"`}},
		},
		{
			name:  "duration that is not one",
			src:   "refresh: abc\nservices:\n  - name: api" + okEnvs,
			wants: []want{{"refresh", 1, 10, `"abc" is not a duration`}},
		},
		{
			name:  "negative duration",
			src:   "refresh: -5s\nservices:\n  - name: api" + okEnvs,
			wants: []want{{"refresh", 1, 10, `duration "-5s" is negative`}},
		},
		{
			name:  "refresh below one second",
			src:   "refresh: 500ms\nservices:\n  - name: api" + okEnvs,
			wants: []want{{"refresh", 1, 10, `must be at least 1s (got 500ms)`}},
		},
		{
			name:  "environment without a target",
			src:   "services:\n  - name: api\n    environments:\n      - name: staging\n",
			wants: []want{{"services[0].environments[0]", 4, 9, `has no target; add an ecs or a beanstalk block`}},
		},
		{
			name: "environment with two targets",
			src: `services:
  - name: api
    environments:
      - name: staging
        ecs: { cluster: staging, service: api }
        beanstalk: { application: api, environment: api-staging }
`,
			wants: []want{{"services[0].environments[0]", 4, 9, `has two targets (ecs and beanstalk); choose one`}},
		},
		{
			name: "blue_green partially filled",
			src: `services:
  - name: api
    environments:
      - name: prod
        ecs: { cluster: prod, service: api }
        blue_green:
          listener_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/api/1/2
`,
			wants: []want{
				{"services[0].environments[0].blue_green.blue_target_group_arn", 6, 9, `missing required key "blue_target_group_arn"`},
				{"services[0].environments[0].blue_green.green_target_group_arn", 6, 9, `missing required key "green_target_group_arn"`},
			},
		},
		{
			name: "blue_green with swapped ARN kinds and one target group twice",
			src: `services:
  - name: api
    environments:
      - name: prod
        ecs: { cluster: prod, service: api }
        blue_green:
          listener_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1
          blue_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1
          green_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1
`,
			wants: []want{
				{"services[0].environments[0].blue_green.listener_arn", 7, 25, `is not an ELB listener ARN`},
				{"services[0].environments[0].blue_green.green_target_group_arn", 9, 35, `is the same target group as blue_target_group_arn`},
			},
		},
		{
			name: "blue_green with a rule and a listener, and on Beanstalk",
			src: `services:
  - name: api
    environments:
      - name: prod
        ecs: { cluster: prod, service: api }
        blue_green:
          listener_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/api/1/2
          rule_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/api/1/2/3
          blue_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1
          green_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/1
      - name: rule
        ecs: { cluster: prod, service: api }
        blue_green:
          rule_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/api/1/2
          blue_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1
          green_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/1
      - name: eb
        beanstalk: { application: api, environment: api-prod }
        blue_green:
          rule_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/api/1/2/3
          blue_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1
          green_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/1
`,
			wants: []want{
				{"services[0].environments[0].blue_green.rule_arn", 8, 21, `give listener_arn or rule_arn, not both`},
				{"services[0].environments[1].blue_green.rule_arn", 14, 21, `is not an ELB listener-rule ARN`},
				{"services[0].environments[2].blue_green", 19, 9, `is for ECS services behind a load balancer`},
			},
		},
		{
			name: "canary partially filled",
			src: `services:
  - name: api
    environments:
      - name: prod
        ecs: { cluster: prod, service: api }
        canary:
          stable_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/stable/1
`,
			wants: []want{
				{"services[0].environments[0].canary.listener_arn", 6, 9, `missing required key "listener_arn"`},
				{"services[0].environments[0].canary.canary_target_group_arn", 6, 9, `missing required key "canary_target_group_arn"`},
				{"services[0].environments[0].canary.steps", 6, 9, `missing required key "steps"`},
			},
		},
		{
			name: "canary steps out of range and not increasing",
			src: `services:
  - name: api
    environments:
      - name: prod
        ecs: { cluster: prod, service: api }
        canary:
          listener_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/api/1/2
          stable_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/stable/1
          canary_target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/canary/1
          steps: [0, 25, 10, 25, 101, 1.5]
`,
			wants: []want{
				{"services[0].environments[0].canary.steps[0]", 10, 19, `step 0 is outside 1..100`},
				{"services[0].environments[0].canary.steps[2]", 10, 26, `step 10 is not greater than the step before it (25)`},
				{"services[0].environments[0].canary.steps[3]", 10, 30, `step 25 is not greater than the step before it (25)`},
				{"services[0].environments[0].canary.steps[4]", 10, 34, `step 101 is outside 1..100`},
				{"services[0].environments[0].canary.steps[5]", 10, 39, `expected a whole number, got 1.5`},
			},
		},
		{
			name: "canary beside blue_green, and on Beanstalk",
			src: `services:
  - name: api
    environments:
      - name: prod
        ecs: { cluster: prod, service: api }
        blue_green: { listener_arn: "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/api/1/2", blue_target_group_arn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/b/1", green_target_group_arn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/g/1" }
        canary: { listener_arn: "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/api/1/3", stable_target_group_arn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/s/1", canary_target_group_arn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/c/1", steps: [10, 100] }
      - name: eb
        beanstalk: { application: a, environment: e }
        canary: { listener_arn: "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/api/1/3", stable_target_group_arn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/s/1", canary_target_group_arn: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/c/1", steps: [10, 100] }
`,
			wants: []want{
				{"services[0].environments[0].canary", 7, 9, `give blue_green or canary, not both`},
				{"services[0].environments[1].canary", 10, 9, `is for ECS services behind a load balancer`},
			},
		},
		{
			name:  "URLs that are not http(s)",
			src:   "github: { api_url: github.example.com }\ncircleci: { host: ftp://circleci.example.com }\naws: { endpoint_url: localhost:4566 }\nservices:\n  - name: api" + okEnvs,
			wants: []want{{"github.api_url", 1, 20, `is not an http(s) URL`}, {"circleci.host", 2, 19, `is not an http(s) URL`}, {"aws.endpoint_url", 3, 22, `is not an http(s) URL`}},
		},
		{
			name: "per-environment aws override is checked too",
			src: `services:
  - name: api
    environments:
      - name: staging
        aws: { endpoint_url: "127.0.0.1:4566", regoin: us-east-1 }
        ecs: { cluster: staging, service: api }
`,
			wants: []want{
				{"services[0].environments[0].aws.endpoint_url", 5, 30, `is not an http(s) URL`},
				{"services[0].environments[0].aws.regoin", 5, 48, `(did you mean "region"?)`},
			},
		},
		{
			name:  "malformed YAML reports the parser's line",
			src:   "services:\n  - name: api\n    ci: { provider: circleci\n",
			wants: []want{{"", 3, 9, `invalid YAML: could not find flow mapping end token '}'`}},
		},
		{
			name:  "duplicate key is malformed YAML",
			src:   "refresh: 10s\nrefresh: 20s\n",
			wants: []want{{"", 2, 1, `invalid YAML: mapping key "refresh" already defined`}},
		},
		{
			name:  "the file is a list",
			src:   "- name: api\n",
			wants: []want{{"", 1, 0, `the file must be a mapping`}},
		},
		{
			name:  "a second document",
			src:   "services:\n  - name: api" + okEnvs + "---\nrefresh: 10s\n",
			wants: []want{{"", 6, 1, `a second YAML document starts here`}},
		},
		{
			name:  "alias without anchor",
			src:   "services:\n  - name: api\n    environments: *envs\n",
			wants: []want{{"services[0].environments", 3, 19, `alias *envs has no anchor &envs before it`}},
		},
		{
			name:  "merge key that refers to itself",
			src:   "x-loop: &loop { <<: *loop }\nservices:\n  - <<: *loop\n",
			wants: []want{{"services[0]", 1, 21, `alias *loop refers to itself or nests too deeply`}},
		},
		{
			name:  "merge key of a scalar",
			src:   "services:\n  - <<: 5\n    name: api" + okEnvs,
			wants: []want{{"services[0]", 2, 9, `a merge key (<<) takes a mapping or a list of mappings, got 5`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, problems(t, tt.src), tt.wants)
		})
	}
}

// The point of the whole package: one run shows every problem in the file.
func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	src := `refresh: 10
services:
  - name: api
    ci: { provider: jenkins }
    environments:
      - name: staging
        ecs: { clustr: staging, service: api }
      - name: staging
        ecs: { cluster: prod, service: api }
        beanstalk: { application: api, environment: api-prod }
  - name: api
    enviroments: []
`
	checkProblems(t, problems(t, src), []want{
		{"refresh", 1, 10, `has no unit`},
		{"services[0].ci.provider", 4, 21, `unknown CI provider "jenkins"`},
		{"services[0].environments[0].ecs.clustr", 7, 16, `unknown key "clustr" (did you mean "cluster"?)`},
		{"services[0].environments[1]", 8, 9, `has two targets`},
		{"services[0].environments[1].name", 8, 15, `duplicate environment name "staging" (first at line 6)`},
		{"services[1].name", 11, 11, `duplicate service name "api" (first at line 3)`},
		{"services[1].enviroments", 12, 5, `(did you mean "environments"?)`},
	})
}

func TestErrorsFormat(t *testing.T) {
	errs := &Errors{File: "config.yaml", Problems: []Problem{
		{Path: "services", Message: "no services configured"},
		{Path: "services[1].environments[0]", Line: 12, Column: 7, Message: "has two targets (ecs and beanstalk); choose one"},
		{Line: 3, Message: "invalid YAML: boom"},
	}}
	want := "config.yaml: services: no services configured\n" +
		"config.yaml:12:7: services[1].environments[0]: has two targets (ecs and beanstalk); choose one\n" +
		"config.yaml:3: invalid YAML: boom"
	if got := errs.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestProblemsSortedByPosition(t *testing.T) {
	ps := problems(t, "services:\n  - name: b\n    x: 1\n  - name: a\n    y: 1\nzz: 1\n")
	for i := 1; i < len(ps); i++ {
		if ps[i].Line < ps[i-1].Line {
			t.Fatalf("problems out of order: %v", ps)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	src := `services:
  - name: api
    ci: { provider: circleci, project: gh/acme/api }
    environments:
      - name: staging
        ecs: { cluster: staging, service: api }
`
	tests := []struct {
		name     string
		env      map[string]string
		auditLog string
	}{
		{"XDG_STATE_HOME set", map[string]string{"HOME": "/home/rm", "XDG_STATE_HOME": "/var/state"}, "/var/state/flightdeck/audit.jsonl"},
		{"only HOME", map[string]string{"HOME": "/home/rm"}, "/home/rm/.local/state/flightdeck/audit.jsonl"},
		{"relative XDG_STATE_HOME is ignored", map[string]string{"HOME": "/home/rm", "XDG_STATE_HOME": "state"}, "/home/rm/.local/state/flightdeck/audit.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parse([]byte(src), "f.yaml", env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AuditLog != tt.auditLog {
				t.Errorf("AuditLog = %q, want %q", cfg.AuditLog, tt.auditLog)
			}
			if cfg.Path != "f.yaml" {
				t.Errorf("Path = %q", cfg.Path)
			}
			if cfg.Refresh.Duration != DefaultRefresh {
				t.Errorf("Refresh = %v", cfg.Refresh)
			}
			if cfg.ReadOnly {
				t.Errorf("ReadOnly defaulted to true")
			}
			if !cfg.Bell {
				t.Errorf("Bell defaulted to false")
			}
			if cfg.GitHub.APIURL != "https://api.github.com/" {
				t.Errorf("GitHub.APIURL = %q", cfg.GitHub.APIURL)
			}
			if cfg.CircleCI.Host != "https://circleci.com" {
				t.Errorf("CircleCI.Host = %q", cfg.CircleCI.Host)
			}
			if cfg.GitHub.APIURLSet || cfg.CircleCI.HostSet {
				t.Errorf("defaults taken as set: %+v %+v", cfg.GitHub, cfg.CircleCI)
			}
			if b := cfg.Services[0].CI.Branch; b != "main" {
				t.Errorf("CI.Branch = %q", b)
			}
		})
	}
}

func TestParseNormalises(t *testing.T) {
	src := `refresh: 1m30s
read_only: true
bell: false
audit_log: ~/audit/flightdeck.jsonl
github: { api_url: "https://github.example.com/api/v3" }
circleci: { host: "https://circleci.example.com/" }
services:
  - name: 2024
    ci: { provider: circleci, project: gh/acme/api, branch: release }
    environments:
      - name: staging
        ecs: { cluster: staging, service: api }
`
	cfg, err := parse([]byte(src), "f.yaml", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ got, want any }{
		{cfg.Refresh.Duration.String(), "1m30s"},
		{cfg.ReadOnly, true},
		{cfg.Bell, false},
		{cfg.AuditLog, "/home/rm/audit/flightdeck.jsonl"},
		{cfg.GitHub.APIURL, "https://github.example.com/api/v3/"},
		{cfg.CircleCI.Host, "https://circleci.example.com"},
		{cfg.GitHub.APIURLSet, true},
		{cfg.CircleCI.HostSet, true},
		{cfg.Services[0].Name, "2024"},
		{cfg.Services[0].CI.Branch, "release"},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %v, want %v", i, c.got, c.want)
		}
	}
}

func TestParseAnchorsAndMerge(t *testing.T) {
	src := `x-prod-aws: &prod-aws { region: eu-west-1, profile: prod }
x-ecs: &ecs { cluster: prod, service: api }
services:
  - name: api
    environments:
      - name: staging
        ecs: { <<: *ecs, cluster: staging }
      - name: production
        aws: *prod-aws
        ecs: *ecs
`
	cfg, err := parse([]byte(src), "f.yaml", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	envs := cfg.Services[0].Environments
	if got := *envs[0].ECS; got != (ECS{Cluster: "staging", Service: "api"}) {
		t.Errorf("merged ecs = %+v", got)
	}
	if got := *envs[1].ECS; got != (ECS{Cluster: "prod", Service: "api"}) {
		t.Errorf("aliased ecs = %+v", got)
	}
	if got := envs[1].AWS; got == nil || got.Profile != "prod" || got.Region != "eu-west-1" {
		t.Errorf("aliased aws = %+v", got)
	}
}

// A tiny file whose aliases multiply must end in a problem, not a hang:
// each level merges ten copies of the one below, 10⁸ mappings in all.
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-0: &m0 { name: api }\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "x-%d: &m%d { <<: [%s] }\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 10), ", "))
	}
	b.WriteString("services:\n  - <<: *m8\n")
	ps := problems(t, b.String())
	found := false
	for _, p := range ps {
		found = found || strings.Contains(p.Message, "expands to more than")
	}
	if !found {
		t.Errorf("no expansion problem in %v", ps)
	}
}

func TestExampleConfigParses(t *testing.T) {
	cfg, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Services) != 2 {
		t.Fatalf("services = %d, want 2", len(cfg.Services))
	}
	api, ok := cfg.Service("api")
	if !ok {
		t.Fatal("no service api")
	}
	prod, ok := api.Environment("production")
	if !ok {
		t.Fatal("api has no production")
	}
	if !prod.Protected || prod.Target() != TargetECS || prod.BlueGreen == nil || prod.Canary != nil {
		t.Errorf("api production = %+v", prod)
	}
	if a := prod.EffectiveAWS(cfg.AWS); a.Region != "eu-west-1" || a.Profile != "prod" {
		t.Errorf("api production aws = %+v", a)
	}
	web, _ := cfg.Service("web")
	if web.CI.Provider != ProviderGitHubActions || web.Environments[1].Target() != TargetBeanstalk {
		t.Errorf("web = %+v", web)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(t.TempDir() + "/nope.yaml")
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("err = %v", err)
	}
	var errs *Errors
	if errors.As(err, &errs) {
		t.Errorf("a read failure came back as *Errors")
	}
}

func TestSHAFromTagPattern(t *testing.T) {
	base := "services:\n  - name: api\n    sha_from_tag: %s\n    environments:\n      - name: prod\n        ecs: {cluster: c, service: s}\n"
	checkProblems(t, problems(t, fmt.Sprintf(base, `'build-(\d+'`)), []want{{"services[0].sha_from_tag", 3, 0, "is not a regular expression"}})
	checkProblems(t, problems(t, fmt.Sprintf(base, `'\.g[0-9a-f]+$'`)), []want{{"services[0].sha_from_tag", 3, 0, "needs exactly one group"}})
	cfg, err := parse([]byte(fmt.Sprintf(base, `'\.g([0-9a-f]{7,40})$'`)), "config.yaml", testEnv)
	if err != nil {
		t.Fatalf("a good pattern: %v", err)
	}
	if re := cfg.Services[0].TagPattern(); re == nil || re.FindStringSubmatch("build-42.g3f2a1c9")[1] != "3f2a1c9" {
		t.Errorf("the pattern as compiled: %v", re)
	}
}
