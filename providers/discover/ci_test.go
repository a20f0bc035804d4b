package discover

import (
	"fmt"
	"testing"
)

func TestChooseCI(t *testing.T) {
	for _, c := range []struct {
		circle    bool
		workflows []string
		want      string
	}{
		{true, nil, "circleci gh/acme/api"},
		{false, []string{"deploy.yml"}, "github-actions deploy.yml"},
		{false, []string{"lint.yml", "ci.yaml", "release.yml"}, "github-actions release.yml"},
		{false, []string{"test.yml", "build-and-deploy.yml", "release.yml"}, "github-actions build-and-deploy.yml"},
		{false, []string{"cd.yml", "test.yml"}, "github-actions cd.yml"},
		{false, []string{"test.yml", "lint.yml"}, "github-actions lint.yml"}, // none deploys: the first, all listed
		{true, []string{"lint.yml"}, "circleci gh/acme/api also .github/workflows/ (lint.yml)"},
		{true, []string{"lint.yml", "deploy-prod.yml"}, "github-actions deploy-prod.yml also .circleci/config.yml"},
		{false, nil, "none"},
	} {
		ci := choose("acme/api", c.circle, c.workflows)
		got := "none"
		if ci != nil {
			got = fmt.Sprintf("%s %s%s", ci.Provider, ci.Project, ci.Workflow)
			if ci.Also != "" {
				got += " also " + ci.Also
			}
		}
		if got != c.want {
			t.Errorf("choose(%v, %v) = %s, want %s", c.circle, c.workflows, got, c.want)
		}
	}
}
