package ecs

import (
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
)

// A native canary's confirmation names the calls StepCanary sends.
func TestDescribeNativeCanary(t *testing.T) {
	s := &Source{envs: []Environment{{Key: model.EnvKey{Service: "orders", Environment: "production"}, Cluster: "c", Service: "orders"}}}
	for k, want := range map[model.ActionKind]string{
		model.ActionCanaryPromote: "ContinueServiceDeployment CONTINUE",
		model.ActionCanaryAbort:   "StopServiceDeployment ROLLBACK",
	} {
		if d := s.Describe(model.Action{Kind: k, Service: "orders", Environment: "production"}); !strings.Contains(d, want) {
			t.Errorf("%s: the confirmation says %q", k, d)
		}
	}
}
