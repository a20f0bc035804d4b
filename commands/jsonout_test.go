package commands

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// --json FIELDS and --jq, against the simulated world through the real
// providers: one helper behind every command that prints JSON.
func TestJSONFieldsAndJQ(t *testing.T) {
	aw := newActionWorld(t)

	// status's records are its environments: a field list keeps those
	// fields of each, with the service and the name that say which it is,
	// as its own word or after =.
	for _, args := range [][]string{{"status", "--json", "version,state"}, {"status", "--json=version,state"}} {
		code, out, stderr := aw.run(args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var recs []map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) < 4 {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		for _, r := range recs {
			if keys := jsonKeys(r); !slices.Equal(keys, []string{"name", "service", "state", "version"}) {
				t.Errorf("%v kept %v", args, keys)
			}
		}
		var first struct{ Service, Name string }
		_ = json.Unmarshal(recs[0]["service"], &first.Service)
		_ = json.Unmarshal(recs[0]["name"], &first.Name)
		if first.Service != "api" || first.Name == "" {
			t.Errorf("%v: the first record is api's first environment: %+v", args, first)
		}
	}

	// Each object of a list keeps the fields; a word after --json that is
	// no field stays an argument.
	code, out, stderr := aw.run("history", "--json", "version", "api", "production")
	if code != exitOK {
		t.Fatalf("history --json version api production: exit %d: %s", code, stderr)
	}
	var revs []map[string]any
	if err := json.Unmarshal([]byte(out), &revs); err != nil || len(revs) == 0 {
		t.Fatalf("history: %v\n%s", err, out)
	}
	for _, r := range revs {
		if len(r) != 1 || r["version"] == nil {
			t.Errorf("each revision keeps only version: %v", r)
		}
	}
	if code, _, stderr := aw.run("history", "api", "--json", "production"); code != exitOK {
		t.Errorf("history api --json production: production is the environment, not a field: exit %d: %s", code, stderr)
	}

	// An unknown field is exit 2 naming the valid ones, before anything runs.
	code, _, stderr = aw.run("status", "--json", "version,services")
	if code != exitUsage || !strings.Contains(stderr, "unknown JSON field(s) services") || !strings.Contains(stderr, "rollouts, service, since, stale, state") {
		t.Errorf("unknown fields: exit %d, stderr %q", code, stderr)
	}
	before := len(aw.auditRecords())
	code, _, stderr = aw.run("rollback", "api", "production", "--json", "nope,result", "--dry-run")
	if code != exitUsage || !strings.Contains(stderr, "action, calls, detail, dry_run") {
		t.Errorf("an action's unknown field: exit %d, stderr %q", code, stderr)
	}
	if n := len(aw.auditRecords()); n != before {
		t.Errorf("a bad --json stops the command before it plans: %d audit records, was %d", n, before)
	}

	// --jq: strings bare, other values as JSON; implies --json.
	code, out, stderr = aw.run("status", "--jq", ".services[].name")
	if code != exitOK {
		t.Fatalf("--jq: exit %d: %s", code, stderr)
	}
	if names := strings.Fields(out); len(names) < 4 || names[0] != "api" {
		t.Errorf("--jq .services[].name: %q", out)
	}
	code, out, _ = aw.run("status", "--jq", "[.services[] | {name, n: (.environments | length)}] | first")
	var first struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &first) != nil || first.Name != "api" || first.N < 2 {
		t.Errorf("--jq object: exit %d, %q", code, out)
	}
	code, out, stderr = aw.run("rollback", "api", "production", "--to", aw.olderRevision("api", "production").Version.SHA, "--dry-run", "--json", "--jq", ".result")
	if code != exitOK || strings.TrimSpace(out) != "dry-run" {
		t.Errorf("an action's --jq .result: exit %d, out %q, stderr %q", code, out, stderr)
	}
	if code, _, stderr := aw.run("status", "--jq", ".services[ | x"); code != exitUsage || !strings.Contains(stderr, "--jq") {
		t.Errorf("a jq syntax error is exit 2: %d %q", code, stderr)
	}
	if code, _, stderr := aw.run("audit", "--jq", ".[] | .nope.deeper | keys"); code != exitFailed || !strings.Contains(stderr, "--jq") {
		t.Errorf("a jq runtime error is exit 1: %d %q", code, stderr)
	}
}

// An expression that never ends is stopped, exit 1, saying so.
func TestJQIsBounded(t *testing.T) {
	aw := newActionWorld(t)
	defer func(d time.Duration) { jqTimeout = d }(jqTimeout)
	jqTimeout = 200 * time.Millisecond
	for _, expr := range []string{"def f: f; f", "[range(1e10)] | length"} {
		code, _, stderr := aw.run("status", "--jq", expr)
		if code != exitFailed || !strings.Contains(stderr, "ran for over 200ms and was stopped") {
			t.Errorf("%s: exit %d, %q", expr, code, stderr)
		}
	}
}

// Every field a command prints is one its field list accepts.
func TestJSONFieldsCoverTheOutput(t *testing.T) {
	aw := newActionWorld(t)
	check := func(name string, valid []string, doc map[string]json.RawMessage) {
		for k := range doc {
			if !slices.Contains(valid, k) {
				t.Errorf("%s prints %q, which its field list lacks: %v", name, k, valid)
			}
		}
	}
	root := newRootCmd(streams{})
	fields := func(cmd string) []string {
		c, _, err := root.Find([]string{cmd})
		if err != nil {
			t.Fatal(err)
		}
		return jsonFieldsOf(c)
	}
	_, out, _ := aw.run("status", "--json")
	var st struct {
		Services []struct {
			Environments []map[string]json.RawMessage `json:"environments"`
		} `json:"services"`
	}
	_ = json.Unmarshal([]byte(out), &st)
	envs := 0
	for _, s := range st.Services {
		for _, e := range s.Environments {
			check("status", fields("status"), e)
			envs++
		}
	}
	_, out, _ = aw.run("history", "api", "production", "--json")
	var revs []map[string]json.RawMessage
	_ = json.Unmarshal([]byte(out), &revs)
	for _, r := range revs {
		check("history", fields("history"), r)
	}
	_, out, _ = aw.run("rollback", "api", "production", "--to", aw.olderRevision("api", "production").Version.SHA, "--dry-run", "--json")
	var rep map[string]json.RawMessage
	_ = json.Unmarshal([]byte(out), &rep)
	check("rollback", fields("rollback"), rep)
	_, out, _ = aw.run("audit", "--json")
	var recs []map[string]json.RawMessage
	_ = json.Unmarshal([]byte(out), &recs)
	if envs == 0 || len(revs) == 0 || len(rep) == 0 || len(recs) == 0 {
		t.Fatalf("every command printed JSON: %d %d %d %d", envs, len(revs), len(rep), len(recs))
	}
	for _, r := range recs {
		check("audit", fields("audit"), r)
	}
}

func jsonKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
