package commands

import (
	"encoding/json"
	"strings"
	"testing"
)

// approve SERVICE ENV finds the gate guarding the environment: a
// CircleCI hold job by its name, an ECS PAUSE hook by its deploy's
// environment. Planned as a dry run, so the same world serves both.
func TestApproveByEnvironment(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("api")
	for _, tc := range []struct{ service, env, gate string }{
		{"api", "production", g.Gate},
		{"orders", "production", "pause-production"},
	} {
		code, out, stderr := aw.run("approve", tc.service, tc.env, "--dry-run", "--jq", "{result, environment, gate: .gate.gate}")
		if code != exitOK {
			t.Fatalf("approve %s %s: exit %d: %s", tc.service, tc.env, code, stderr)
		}
		var r struct{ Result, Environment, Gate string }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if r.Result != "dry-run" || r.Environment != tc.env || r.Gate != tc.gate {
			t.Errorf("approve %s %s planned %+v, want gate %s", tc.service, tc.env, r, tc.gate)
		}
	}
	code, _, stderr := aw.run("reject", "orders", "staging", "--yes")
	if code != exitRefused || !strings.Contains(stderr, "nothing waits to reach staging in orders; waiting: pause-production") {
		t.Errorf("an environment no gate guards: exit %d: %s", code, stderr)
	}
	code, _, stderr = aw.run("approve", "api", "not-a-workflow/nor-a-request", "--yes")
	if code != exitUsage || !strings.Contains(stderr, `api has no gate "not-a-workflow/nor-a-request" among its recent pipelines; waiting: `+g.ID) {
		t.Errorf("an unknown gate id: exit %d: %s", code, stderr)
	}
	code, _, stderr = aw.run("approve", "orders", "prod", "--yes")
	if code != exitUsage || !strings.Contains(stderr, `orders has no gate or environment "prod"`) || !strings.Contains(stderr, "environments: staging, production") {
		t.Errorf("an unknown name: exit %d: %s", code, stderr)
	}
}
