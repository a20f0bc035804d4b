package commands

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"

	gossh "golang.org/x/crypto/ssh"
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

// TestServeWebhooks: a webhook with a bad signature is 401, logged, and
// polls nothing; a verified CircleCI or GitHub event makes that
// provider's sources poll at once (counted at the sim; no session is
// open, so nothing else polls); an event that cannot change a screen
// (push) polls nothing.
func TestServeWebhooks(t *testing.T) {
	t.Setenv("FLIGHTDECK_GITHUB_WEBHOOK_SECRET", "gh-hook-secret-1234")
	t.Setenv("FLIGHTDECK_CIRCLECI_WEBHOOK_SECRET", "cci-hook-secret-5678")
	s := startServe(t, map[string]string{"ana": "approver"}, "", "--webhooks", "127.0.0.1:0")
	m := regexp.MustCompile(`webhooks on (http://\S+) `).FindStringSubmatch(s.log.String())
	if m == nil {
		t.Fatalf("no webhook address in the log:\n%s", s.log)
	}
	base := m[1]
	sign := func(secret, body string) string {
		h := hmac.New(sha256.New, []byte(secret))
		h.Write([]byte(body))
		return hex.EncodeToString(h.Sum(nil))
	}
	post := func(path string, hdr map[string]string, body string) int {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	count := func(prefix string) int {
		n := 0
		for op, c := range s.world.Requests() {
			if strings.HasPrefix(op, prefix) {
				n += c
			}
		}
		return n
	}
	waitCount := func(prefix string, above int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for count(prefix) <= above {
			if time.Now().After(deadline) {
				t.Fatalf("no %s request after a verified webhook:\n%s", prefix, s.log)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	body := `{"type":"workflow-completed"}`
	cci, gh := count("circleci:"), count("github:")
	if code := post("/circleci", map[string]string{"circleci-signature": "v1=" + sign("wrong", body)}, body); code != http.StatusUnauthorized {
		t.Errorf("bad CircleCI signature: %d, want 401", code)
	}
	if code := post("/github", map[string]string{"X-GitHub-Event": "workflow_run", "X-Hub-Signature-256": "sha256=" + sign("wrong", body)}, body); code != http.StatusUnauthorized {
		t.Errorf("bad GitHub signature: %d, want 401", code)
	}
	if code := post("/github", map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + sign("gh-hook-secret-1234", body)}, body); code != http.StatusAccepted {
		t.Errorf("a push event: %d, want 202", code)
	}
	if count("circleci:") != cci || count("github:") != gh || strings.Count(s.log.String(), "bad signature") != 2 {
		t.Fatalf("bad signatures and a push must poll nothing and be logged:\n%s", s.log)
	}
	if code := post("/circleci", map[string]string{"circleci-signature": "v1=" + sign("cci-hook-secret-5678", body)}, body); code != http.StatusAccepted {
		t.Errorf("verified CircleCI webhook: %d, want 202", code)
	}
	waitCount("circleci:", cci)
	if code := post("/github", map[string]string{"X-GitHub-Event": "workflow_job", "X-Hub-Signature-256": "sha256=" + sign("gh-hook-secret-1234", body)}, body); code != http.StatusAccepted {
		t.Errorf("verified GitHub webhook: %d, want 202", code)
	}
	waitCount("github:", gh)
	if strings.Contains(s.log.String(), "hook-secret") {
		t.Errorf("a webhook secret reached the log:\n%s", s.log)
	}
}

// TestRemoteRefusalServerModes: a value given to --dry-run or --read-only
// on a remote line (which, pflag's last value winning, would undo the
// server's mode) is refused; a bare one, turning the mode on, is not.
func TestRemoteRefusalServerModes(t *testing.T) {
	for _, args := range [][]string{
		{"rollback", "api", "production", "--yes", "--dry-run=false"},
		{"--read-only=false", "approve", "payments", "--yes"},
		{"status", "--read-only=0"},
	} {
		if why := remoteRefusal(args); !strings.Contains(why, "takes no value on a remote line") {
			t.Errorf("remoteRefusal(%q) = %q, want a refusal", args, why)
		}
	}
	if why := remoteRefusal([]string{"rollback", "api", "production", "--dry-run"}); why != "" {
		t.Errorf("a bare --dry-run is the member's to add: %q", why)
	}
	// The pipeline of a remote command keeps the server's modes whatever
	// the line set.
	o := serverModes(func(o action.Options) action.Options { o.User = "ana"; return o }, true, true)(action.Options{})
	if !o.ReadOnly || !o.DryRun || o.User != "ana" {
		t.Errorf("serverModes dropped a mode or the actor: %+v", o)
	}
}

// TestServeRemoteKeepsServerModes: on a `serve --dry-run`, a member's
// rollback with --dry-run=false (sent with x/crypto's client) is refused
// with exit 2 and nothing goes out.
func TestServeRemoteKeepsServerModes(t *testing.T) {
	s := startServe(t, map[string]string{"ana": "approver"}, "", "--dry-run")
	client, err := s.dial(t, "ana", s.keys["ana"].signer)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut lockedBuffer
	sess.Stdout, sess.Stderr = &out, &errOut
	err = sess.Run("rollback api production --yes --dry-run=false")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != exitUsage || !strings.Contains(errOut.String(), "--dry-run takes no value") {
		t.Fatalf("rollback --dry-run=false on a dry-run server: %v, want exit 2\n%s\n%s", err, out.String(), errOut.String())
	}
	recs, _, _ := audit.Read(s.auditLog)
	for _, r := range recs {
		if r.Result == audit.ResultOK {
			t.Errorf("an action went out from a dry-run server: %+v", r)
		}
	}
}

// TestRemoteTarget: --remote's user and host never start with "-" (ssh
// would read an option such as -oProxyCommand) nor hold other than
// letters, digits, '.', '_' and '-'; an IPv6 host goes in brackets.
func TestRemoteTarget(t *testing.T) {
	for raw, want := range map[string][2]string{
		"ssh://release.example.com:2222": {"release.example.com", "2222"},
		"ssh://ana@10.0.0.5":             {"ana@10.0.0.5", ""},
		"ssh://ana@[::1]:2222":           {"ana@::1", "2222"},
	} {
		dest, port, why := remoteTarget(raw)
		if why != "" || dest != want[0] || port != want[1] {
			t.Errorf("remoteTarget(%q) = %q %q %q, want %q %q", raw, dest, port, why, want[0], want[1])
		}
	}
	for _, raw := range []string{
		"ssh://-oProxyCommand=x@host", "ssh://-oProxyCommand=touch%20x", "ssh://ana@-host", "ssh://a%20b@host",
		"ssh://ana:pw@host", "ssh://ana@host/path", "http://host", "ssh://[not:v6]:22", "ssh://host:0",
	} {
		if dest, _, why := remoteTarget(raw); why == "" {
			t.Errorf("remoteTarget(%q) = %q, want a refusal", raw, dest)
		}
	}
	code, _, errOut := runCmd(t, "--remote", "ssh://-oProxyCommand=x@host", "status")
	if code != exitUsage || !strings.Contains(errOut, "not start with '-'") {
		t.Errorf("--remote ssh://-oProxyCommand=x@host: exit %d, want 2\n%s", code, errOut)
	}
}

// TestServeWebhookServerTimeouts: the webhook server cuts off a slow or
// idle client: every read, write and idle timeout is set.
func TestServeWebhookServerTimeouts(t *testing.T) {
	hs := webhookServer(http.NotFoundHandler(), nil)
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 {
		t.Errorf("webhook server timeouts: header %s, read %s, write %s, idle %s; want all set",
			hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout)
	}
}

// TestRemoteServerModesHoldPastFlags: the server's --dry-run, set in
// code for a remote command, holds even where the line says
// --dry-run=false (were remoteRefusal ever to let one through): the
// rollback is a dry run, audited as one, and nothing is sent.
func TestRemoteServerModesHoldPastFlags(t *testing.T) {
	aw := newActionWorld(t)
	to := aw.olderRevision("api", "production")
	aw.w.ResetRequests()
	var out, errOut strings.Builder
	code, _ := executeAs(context.Background(),
		[]string{"--config", aw.cfg, "--audit-log", aw.audit, "rollback", "api", "production", "--to", to.Version.SHA, "--yes", "--dry-run=false", "--json"},
		streams{in: strings.NewReader(""), out: &out, err: &errOut}, nil, false, true)
	if code != exitOK || !strings.Contains(out.String(), `"dry-run"`) {
		t.Fatalf("rollback --dry-run=false under the server's dry-run: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for op, n := range aw.w.Requests() {
		if n > 0 && strings.Contains(op, "UpdateService") {
			t.Errorf("the server's dry-run was undone: %s ×%d", op, n)
		}
	}
	if recs := aw.auditRecords(); len(recs) != 1 || !recs[0].DryRun {
		t.Errorf("want one dry-run record: %+v", recs)
	}
}
