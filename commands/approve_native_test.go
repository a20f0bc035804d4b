package commands

import (
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/providers/audit"
)

// The demo's orders production waits at an ECS PAUSE lifecycle hook:
// approve continues the deployment and reject rolls it back, both through
// ContinueServiceDeployment, audited like a CI gate. orders has no CI.
func TestApproveECSPauseHook(t *testing.T) {
	for _, tc := range []struct{ kind, action string }{{"approve", "CONTINUE"}, {"reject", "ROLLBACK"}} {
		t.Run(tc.kind, func(t *testing.T) {
			aw := newActionWorld(t)
			aw.w.ResetRequests()
			code, out, stderr := aw.run(tc.kind, "orders", "--yes", "--json")
			if code != exitOK {
				t.Fatalf("%s exit %d: %s\n%s", tc.kind, code, stderr, out)
			}
			if !strings.Contains(out, `"operation": "ContinueServiceDeployment"`) || !strings.Contains(out, `"action": "`+tc.action+`"`) {
				t.Errorf("report lacks the call:\n%s", out)
			}
			if n := aw.w.Requests()["ecs:ContinueServiceDeployment"]; n != 1 {
				t.Errorf("want one ContinueServiceDeployment, got %d (%v)", n, aw.w.Requests())
			}
			recs := aw.auditRecords()
			if len(recs) != 1 || recs[0].Action != tc.kind || recs[0].Result != audit.ResultOK || recs[0].Gate != "pause-production" ||
				recs[0].Environment != "production" {
				t.Fatalf("audit: %+v", recs)
			}
			// Answered: nothing waits any more.
			code, _, stderr = aw.run(tc.kind, "orders", "--yes")
			if code != exitUsage || !strings.Contains(stderr, "no deploy of it waits for approval") {
				t.Errorf("second %s: exit %d: %s", tc.kind, code, stderr)
			}
		})
	}
}
