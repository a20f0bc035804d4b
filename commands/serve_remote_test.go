package commands

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/airside-dev/flightdeck/providers/audit"
)

// TestServeRemoteCommands: `flightdeck --remote ssh://…` runs a headless
// command on the server, through the Debian ssh client, as the member
// whose key signed in: status --json reads the server's world, a viewer's
// approve is refused by the team's guard (exit 3) and audited under their
// name and key, and a command line that would pick another config or run
// the dashboard is refused (exit 2).
func TestServeRemoteCommands(t *testing.T) {
	requireSSH(t)
	s := startServe(t, map[string]string{"ana": "approver", "li": "viewer"}, "")
	remote := func(name string, args ...string) (int, string, string) {
		t.Setenv("FLIGHTDECK_SSH_COMMAND", "ssh -i "+s.keys[name].path+" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR")
		return runCmd(t, append([]string{"--remote", "ssh://" + name + "@127.0.0.1:" + s.port}, args...)...)
	}
	code, out, errOut := remote("li", "status", "--json")
	var st struct {
		Services []struct {
			Name string `json:"name"`
		} `json:"services"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || len(st.Services) < 4 {
		t.Fatalf("remote status --json: exit %d\n%s\n%s", code, out, errOut)
	}

	code, out, errOut = remote("li", "approve", "payments", "--yes")
	if code != exitRefused || !strings.Contains(out+errOut, "li is a viewer") {
		t.Errorf("a viewer's remote approve: exit %d, want 3 with the reason\n%s\n%s", code, out, errOut)
	}
	recs, _, err := audit.Read(s.auditLog)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		found = found || (r.User == "li" && r.Key == s.keys["li"].fingerprint && r.Action == "approve" && r.Result == audit.ResultRefused)
	}
	if !found {
		t.Errorf("the refused approve should be audited as li with her key: %+v", recs)
	}

	for _, args := range [][]string{{"--config", "/etc/passwd", "status"}, {"serve"}, {"status", "--audit-log=/tmp/elsewhere"}} {
		code, out, errOut = remote("ana", args...)
		if code != exitUsage || !strings.Contains(errOut, "flightdeck serve: ") {
			t.Errorf("remote %v: exit %d, want 2 refused by the server\n%s\n%s", args, code, out, errOut)
		}
	}
}
