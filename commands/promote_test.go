package commands

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/model"
)

// promote completes the end left out from the configured order, and
// refuses to go against the order or past an environment unless forced,
// saying what it skips; run against the simulated world through the
// real providers (api: dev → staging → production).
func TestPromoteOrderAndDefaults(t *testing.T) {
	aw := newActionWorld(t)
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"--to defaults to the next", []string{"--from", "staging", "--dry-run"}, exitOK, "production:", "region us-east-1"},
		{"--from defaults to the previous", []string{"--to", "production", "--dry-run"}, exitOK, "(what staging runs)", ""},
		{"skipping a stage", []string{"--from", "dev", "--to", "production", "--yes"}, exitRefused, "", "dev → production skips staging (promotion order: dev → staging → production); pass --force"},
		{"backwards", []string{"--from", "production", "--to", "staging", "--yes"}, exitRefused, "", "production → staging goes backwards"},
		{"backwards, forced", []string{"--from", "production", "--to", "staging", "--force", "--dry-run"}, exitOK, "staging:", "goes backwards"},
		{"nothing after the last", []string{"--from", "production"}, exitUsage, "", "production is the last environment of api (dev, staging, production)"},
		{"an unknown environment", []string{"--from", "stagin"}, exitUsage, "", "api has no stagin environment; environments: dev, staging, production"},
		{"neither end", []string{}, exitUsage, "", "promote needs --from ENV or --to ENV"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := aw.run(append([]string{"promote", "api"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tc.code, out, tc.stdout, stderr, tc.stderr)
			}
		})
	}
	if code, _, stderr := aw.run("promote", "nope", "--from", "staging"); code != exitUsage || !strings.Contains(stderr, "services: api, web") {
		t.Errorf("an unknown service: exit %d, %q", code, stderr)
	}
	// A refused promotion sent nothing and is audited as refused.
	var refused int
	for _, r := range aw.auditRecords() {
		if r.Action == "promote" && r.Result == "refused" {
			refused++
		}
	}
	if refused < 2 {
		t.Errorf("the skipping and the backwards promotions are audited as refused: %d", refused)
	}
}

// A promotion that ships the commit the production gate waits for names
// the gate, and --cancel-gate rejects it once the promotion is sent,
// through the reject pipeline (re-checked, audited).
func TestPromoteCancelsTheGateItShipsPast(t *testing.T) {
	aw := newActionWorld(t)
	g := aw.waitingGate("api")
	if !aw.until(func() bool {
		e := aw.env("api", "staging")
		return model.SameCommit(sha(e), g.SHA) && e["state"] == "steady"
	}) {
		t.Fatalf("staging never came to run the gate's commit %s", model.ShortSHA(g.SHA))
	}
	code, out, stderr := aw.run("promote", "api", "--from", "staging", "--dry-run")
	if code != exitOK || !strings.Contains(stderr, "the gate hold-production (circleci) waits to deploy "+model.ShortSHA(g.SHA)+" to production too") ||
		!strings.Contains(stderr, "flightdeck reject api "+g.ID) {
		t.Fatalf("the dry run names the gate: exit %d\n%s\n%s", code, stderr, out)
	}
	code, out, stderr = aw.run("promote", "api", "--from", "staging", "--yes", "--cancel-gate", "--json", "action,result,gate")
	if code != exitOK {
		t.Fatalf("promote --cancel-gate: exit %d\n%s\n%s", code, stderr, out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var reports []actionReport
	for dec.More() {
		var r actionReport
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		reports = append(reports, r)
	}
	if len(reports) != 2 || reports[0].Action != "promote" || reports[0].Result != "ok" ||
		reports[1].Action != "reject" || reports[1].Result != "ok" || reports[1].Gate == nil || reports[1].Gate.ID != g.ID {
		t.Fatalf("one report per action, promote then reject of %s: %+v", g.ID, reports)
	}
	for _, w := range aw.gates("api") {
		if w.ID == g.ID {
			t.Errorf("the gate %s still waits after --cancel-gate", g.ID)
		}
	}
}
