package commands

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/sim"
)

// lockedBuffer is a buffer written by one goroutine and read by another.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// teamKey is one member's key pair: the private key in OpenSSH form for
// the ssh client, the public in authorized_keys form for the config.
type teamKey struct {
	path, public, fingerprint string
	signer                    gossh.Signer
}

func newTeamKey(t testing.TB, dir, name string) teamKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return teamKey{path: path, public: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))), fingerprint: gossh.FingerprintSHA256(pk), signer: signer}
}

// served is a `flightdeck serve` running in this process on the sim.
type served struct {
	addr, port, auditLog string
	world                *sim.World
	keys                 map[string]teamKey
	log                  *lockedBuffer
}

// startServe serves the sim's world to a team (members: name → role) and
// stops it when the test ends, checking it ended cleanly. team appends
// to each production environment's block nothing; extra is appended to
// the config as it is.
func startServe(t *testing.T, members map[string]string, extra string, flags ...string) *served {
	t.Helper()
	s, _ := startServeStoppable(t, members, extra, flags...)
	return s
}

// startServeStoppable is startServe that also returns its stop (what
// SIGTERM does: the command's context ends); stop waits for the end.
func startServeStoppable(t *testing.T, members map[string]string, extra string, flags ...string) (*served, func()) {
	t.Helper()
	path, world, _ := simConfig(t)
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	keyDir := t.TempDir()
	s := &served{world: world, keys: map[string]teamKey{}, log: &lockedBuffer{}, auditLog: filepath.Join(state, "flightdeck", "audit.jsonl")}
	var team strings.Builder
	team.WriteString("team:\n  users:\n")
	for name, role := range members {
		k := newTeamKey(t, keyDir, name)
		s.keys[name] = k
		fmt.Fprintf(&team, "    - name: %s\n      role: %s\n      keys: [%q]\n", name, role, k.public)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(raw, []byte(team.String()+extra)...), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, append([]string{"--config", path, "serve", "--listen", "127.0.0.1:0", "--host-key", filepath.Join(state, "host_key")}, flags...),
			streams{in: strings.NewReader(""), out: &lockedBuffer{}, err: s.log})
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case c := <-code:
				if c != 0 {
					t.Errorf("serve ended with %d:\n%s", c, s.log)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("serve did not end after its context did:\n%s", s.log)
			}
		})
	}
	t.Cleanup(stop)
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:(\d+))`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(s.log.String()); m != nil {
			s.addr, s.port = m[1], m[2]
			return s, stop
		}
		select {
		case c := <-code:
			t.Fatalf("serve ended with %d before listening:\n%s", c, s.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve never said it was listening:\n%s", s.log)
	return nil, nil
}

// sshArgs is the Debian ssh client's command line for a member.
func (s *served) sshArgs(name string) []string {
	return []string{"ssh", "-tt", "-i", s.keys[name].path, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-p", s.port, name + "@127.0.0.1"}
}

func requireSSH(t *testing.T) {
	t.Helper()
	requireTmux(t)
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh client on PATH")
	}
}

// TestServeTeamOverSSH: two members on the Debian ssh client see the same
// board; the viewer's `a` is disabled with the reason; the approver
// approves and the viewer sees the gate go and a line saying who did it;
// the audit record names the member and their key; a key not in the team
// is refused at the handshake; killing one client leaves the other
// running.
func TestServeTeamOverSSH(t *testing.T) {
	requireSSH(t)
	s := startServe(t, map[string]string{"ana": "approver", "li": "viewer"}, "")
	ana := startSession(t, 140, 40, nil, s.sshArgs("ana")...)
	li := startSession(t, 120, 40, nil, s.sshArgs("li")...)
	versions := regexp.MustCompile(`[0-9a-f]{7} [✓◐✗↺]`)
	scA := ana.waitFor("ana's board", 20*time.Second, func(sc string) bool { return versions.MatchString(sc) && strings.Contains(sc, "· ana") })
	scL := li.waitFor("li's board", 20*time.Second, func(sc string) bool { return versions.MatchString(sc) && strings.Contains(sc, "· li") })
	namesA, _ := boardRows(scA)
	namesL, _ := boardRows(scL)
	if strings.Join(namesA, ",") != strings.Join(namesL, ",") || len(namesA) < 4 {
		t.Fatalf("two members should see the same board: %v vs %v", namesA, namesL)
	}

	// The approver's panel marks a gate; the viewer selects that service.
	service, sha := ana.markedGate(15 * time.Second)
	li.selectService(service)
	// The viewer's `a`: disabled, with the reason, never acting.
	li.key("a")
	li.waitFor("the viewer's reason", 5*time.Second, contains("li is a viewer"))

	li.waitFor("the gate on the viewer's screen", 15*time.Second, func(sc string) bool {
		return regexp.MustCompile(service + `\s+hold-production\s+` + sha).MatchString(sc)
	})
	ana.key("a")
	ana.waitFor("the confirmation", 5*time.Second, contains("Type its name"))
	ana.typeText("production")
	ana.waitFor("the name to match", 5*time.Second, contains("matches"))
	ana.key("Enter")
	ana.waitFor("the approval sent", 15*time.Second, contains("approve sent"))
	li.waitFor("the gate gone and who approved it on the viewer's screen", 15*time.Second, func(sc string) bool {
		return strings.Contains(sc, "ana approved "+service+" hold-production") &&
			!regexp.MustCompile(service+`\s+hold-production\s+`+sha).MatchString(sc)
	})
	recs, _, err := audit.Read(s.auditLog)
	if err != nil {
		t.Fatal(err)
	}
	var approved, refused bool
	for _, r := range recs {
		approved = approved || (r.Action == "approve" && r.Result == audit.ResultOK && r.User == "ana" && r.Key == s.keys["ana"].fingerprint)
		refused = refused || (r.User == "li" && r.Key == s.keys["li"].fingerprint && r.Result == audit.ResultOK)
	}
	if !approved || refused {
		t.Errorf("the audit log should hold ana's approval under her name and key, and nothing li did: %+v", recs)
	}

	// A key nobody listed: refused in the handshake.
	stranger := newTeamKey(t, t.TempDir(), "bo")
	args := s.sshArgs("ana")
	args[3] = stranger.path
	out, err := exec.Command(args[0], append(args[1:], "true")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
		t.Errorf("an unknown key should be refused at the handshake: %v %s", err, out)
	}
	if !strings.Contains(s.log.String(), "not in team.users") {
		t.Errorf("the refusal should be logged:\n%s", s.log)
	}

	// Killing one client leaves the other running and polling.
	if err := tmuxCmd("kill-session", "-t", ana.name).Run(); err != nil {
		t.Fatal(err)
	}
	li.key("?")
	li.waitFor("the viewer still drawing", 5*time.Second, contains("quit"))
	li.key("?")
	li.key("q")
	li.waitFor("the session over", 10*time.Second, func(sc string) bool { return !versions.MatchString(sc) })
	if !strings.Contains(s.log.String(), "li's session ended") {
		t.Errorf("q should end the session:\n%s", s.log)
	}
}

// selectService moves the board's selection to a service.
func (s *tmuxSession) selectService(service string) {
	s.t.Helper()
	s.waitFor(service+" selected", 10*time.Second, func(sc string) bool {
		names, at := boardRows(sc)
		to := slices.Index(names, service)
		if at < 0 || to < 0 {
			return false
		}
		for ; at < to; at++ {
			s.key("j")
		}
		for ; at > to; at-- {
			s.key("k")
		}
		return at == to && strings.Contains(s.capture(), "▸ "+service+" ")
	})
}

// TestServeBadConfig: a malformed key in team.users is a config error at
// its line (exit 2), and so is a config without a team.
func TestServeBadConfig(t *testing.T) {
	path, _, _ := simConfig(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(raw), "\n")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	team := "team:\n  users:\n    - name: ana\n      role: approver\n      keys:\n        - ssh-ed25519 AAAAnot-a-key\n"
	if err := os.WriteFile(bad, append(raw, team...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd(t, "--config", bad, "serve", "--listen", "127.0.0.1:0")
	want := fmt.Sprintf("%s:%d:", bad, lines+6)
	if code != exitUsage || !strings.Contains(errOut, want) || !strings.Contains(errOut, "team.users[0].keys[0]") || !strings.Contains(errOut, "is not an SSH public key") {
		t.Errorf("a malformed key: exit %d, want 2 naming %s; stderr:\n%s", code, want, errOut)
	}
	code, _, errOut = runCmd(t, "--config", path, "serve", "--listen", "127.0.0.1:0")
	if code != exitUsage || !strings.Contains(errOut, "no team block") {
		t.Errorf("no team: exit %d, want 2; stderr:\n%s", code, errOut)
	}
}

// TestServeSIGTERM: the built binary, sent SIGTERM, tells a session on the
// Debian ssh client that it is shutting down, and exits 0.
func TestServeSIGTERM(t *testing.T) {
	requireSSH(t)
	bin := buildBinary(t)
	path, _, _ := simConfig(t)
	dir := t.TempDir()
	k := newTeamKey(t, dir, "ana")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	team := fmt.Sprintf("team:\n  users:\n    - name: ana\n      role: approver\n      keys: [%q]\n", k.public)
	if err := os.WriteFile(path, append(raw, team...), 0o600); err != nil {
		t.Fatal(err)
	}
	log := &lockedBuffer{}
	cmd := exec.Command(bin, "--config", path, "serve", "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "host_key"))
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	re := regexp.MustCompile(`listening on 127\.0\.0\.1:(\d+)`)
	var port string
	for deadline := time.Now().Add(30 * time.Second); port == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := re.FindStringSubmatch(log.String()); m != nil {
			port = m[1]
		}
	}
	if port == "" {
		t.Fatalf("serve never listened:\n%s", log)
	}
	s := &served{port: port, keys: map[string]teamKey{"ana": k}}
	ana := startSession(t, 120, 40, nil, append(s.sshArgs("ana"), ";", "sleep", "30")...)
	ana.waitFor("ana's board", 20*time.Second, contains("SERVICE"))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ana.waitFor("the goodbye", 10*time.Second, contains("flightdeck serve is shutting down"))
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, log)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM:\n%s", log)
	}
}
