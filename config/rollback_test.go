package config

import "testing"

// The rollback keys (issue 19): rollback per environment and
// ci.deploy_jobs, each checked and reported at its line.
func TestRollbackKeys(t *testing.T) {
	cfg, err := parse([]byte(`
services:
  - name: api
    ci:
      provider: circleci
      project: gh/acme/api
      deploy_jobs:
        production: deploy-prod
    environments:
      - name: staging
        ecs: {cluster: c, service: s}
      - name: production
        rollback: ci
        ecs: {cluster: c, service: s}
`), "config.yaml", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	api := cfg.Services[0]
	if api.DeployJob("production") != "deploy-prod" || api.DeployJob("staging") != "" {
		t.Errorf("deploy jobs %v", api.CI.DeployJobs)
	}
	if api.Environments[0].RollbackVia() != RollbackTarget || api.Environments[1].RollbackVia() != RollbackCI {
		t.Errorf("rollback %q %q", api.Environments[0].RollbackVia(), api.Environments[1].RollbackVia())
	}

	got := problems(t, `
services:
  - name: api
    ci:
      provider: circleci
      project: gh/acme/api
      deploy_jobs:
        prodution: deploy-prod
        staging: ""
        qa: [x]
    environments:
      - name: staging
        rollback: cii
        ecs: {cluster: c, service: s}
      - name: production
        ecs: {cluster: c, service: s}
  - name: web
    environments:
      - name: production
        rollback: ci
        ecs: {cluster: c, service: s}
`)
	checkProblems(t, got, []want{
		{path: "services[0].ci.deploy_jobs.prodution", line: 8, msg: `"prodution" is not an environment of api (did you mean "production"?)`},
		{path: "services[0].ci.deploy_jobs.staging", line: 9, msg: "names no job"},
		{path: "services[0].ci.deploy_jobs.qa", line: 10, msg: "a string"},
		{path: "services[0].ci.deploy_jobs.qa", line: 10, msg: `"qa" is not an environment of api`},
		{path: "services[0].environments[0].rollback", line: 13, msg: `unknown rollback "cii" (did you mean "ci"?)`},
		{path: "services[1].environments[0].rollback", line: 20, msg: "the service has no ci block"},
	})
	problems(t, `
services:
  - name: api
    ci:
      provider: circleci
      project: gh/acme/api
      deploy_jobs: [deploy-prod]
    environments:
      - name: production
        ecs: {cluster: c, service: s}
`)
}
