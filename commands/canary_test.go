package commands

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/providers/audit"
)

// canary goes through the planner like every action: a bad step or an
// unknown name is a usage error (exit 2), and an environment without a
// canary is refused with why (exit 3, audited), with --dry-run and --json
// honoured as by the other action commands.
func TestCanaryCommandRefusals(t *testing.T) {
	aw := newActionWorld(t)
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"canary", "api", "production", "forward", "--yes"}, exitUsage, `"forward" is not a step; say promote or abort`},
		{[]string{"canary", "api", "production", "--yes"}, exitUsage, "canary takes 3 argument(s), got 2"},
		{[]string{"canary", "nope", "production", "abort", "--yes"}, exitUsage, "services: api"},
		{[]string{"canary", "api", "qa", "promote", "--yes"}, exitUsage, "environments:"},
		{[]string{"canary", "api", "production", "promote", "--yes"}, exitRefused, "api/production has no canary in force"},
		{[]string{"canary", "api", "production", "abort", "--dry-run"}, exitRefused, "api/production has no canary in force"},
	} {
		if code, _, stderr := aw.run(c.args...); code != c.code || !strings.Contains(stderr, c.says) {
			t.Errorf("%v: exit %d, %s; want %d saying %q", c.args, code, stderr, c.code, c.says)
		}
	}
	code, out, _ := aw.run("canary", "api", "production", "abort", "--yes", "--json")
	var r struct {
		Action, Result, Error string
	}
	if err := json.Unmarshal([]byte(out), &r); code != exitRefused || err != nil || r.Action != "canary_abort" || r.Result != "refused" ||
		!strings.Contains(r.Error, "no canary in force") {
		t.Errorf("--json: exit %d %q %v", code, out, err)
	}
	recs, _, err := audit.Read(aw.audit)
	// Every attempt past the arguments is in the log: the two unknown
	// names as failed, the three refusals as refused.
	if err != nil || len(recs) != 5 {
		t.Fatalf("audit: %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if !strings.HasPrefix(r.Action, "canary_") || (r.Result != audit.ResultRefused && r.Result != audit.ResultFailed) {
			t.Errorf("audit record %+v", r)
		}
	}
}
