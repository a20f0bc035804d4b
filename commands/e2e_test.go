package commands

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/providers/audit"
)

// End-to-end tests drive the built binary in tmux: keys in, screen out, one
// key per send-keys (tmux joins keys sent together into one message).
// They skip where tmux is missing unless FLIGHTDECK_REQUIRE_TMUX=1, which
// .ci/run sets.

var binPath string

func buildBinary(t *testing.T) string {
	t.Helper()
	if binPath != "" {
		return binPath
	}
	dir, err := os.MkdirTemp("", "flightdeck-e2e")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "flightdeck")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/airside-dev/flightdeck").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	binPath = bin
	return bin
}

// tmuxSocket is this test process's own tmux server: the tests neither
// see nor disturb the user's sessions, and a keeper session holds the
// server up from the first test to the last. (A server exits with its last
// session, and a new-session racing that exit fails with "server exited
// unexpectedly".)
var tmuxSocket = fmt.Sprintf("flightdeck-test-%d", os.Getpid())

// tmuxCmd is a tmux command on the tests' own server.
func tmuxCmd(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", tmuxSocket}, args...)...)
}

func TestMain(m *testing.M) {
	// No test writes to the real home: the caches (ETags, the names
	// completion reads) and the state (audit log, locks, host keys) go
	// here unless a test sets its own.
	tmp, err := os.MkdirTemp("", "flightdeck-commands-test")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "cache"))
	os.Setenv("XDG_STATE_HOME", filepath.Join(tmp, "state"))
	tmux := false
	if _, err := exec.LookPath("tmux"); err == nil {
		tmux = tmuxCmd("new-session", "-d", "-s", "keeper", "sleep 86400").Run() == nil
	}
	code := m.Run()
	if tmux {
		_ = tmuxCmd("kill-server").Run()
	}
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	_ = os.RemoveAll(tmp)
	os.Exit(code)
}

func requireTmux(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("FLIGHTDECK_REQUIRE_TMUX") == "1" {
			t.Fatal("tmux is required (FLIGHTDECK_REQUIRE_TMUX=1) but not on PATH")
		}
		t.Skip("tmux not on PATH: end-to-end tests skipped (install tmux to run them)")
	}
}

type tmuxSession struct {
	t    *testing.T
	name string
}

// startSession runs a command in a detached tmux session of a fixed size.
func startSession(t *testing.T, w, h int, env []string, args ...string) *tmuxSession {
	t.Helper()
	name := fmt.Sprintf("fd-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()%1e9)
	cmdline := strings.Join(append(env, args...), " ")
	tmuxArgs := []string{"new-session", "-d", "-s", name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "env TERM=xterm-256color " + cmdline}
	if out, err := tmuxCmd(tmuxArgs...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	s := &tmuxSession{t: t, name: name}
	t.Cleanup(func() { _ = tmuxCmd("kill-session", "-t", name).Run() })
	return s
}

func (s *tmuxSession) capture(flags ...string) string {
	out, _ := tmuxCmd(append([]string{"capture-pane", "-p", "-t", s.name}, flags...)...).Output()
	return string(out)
}

func (s *tmuxSession) key(k string) {
	s.t.Helper()
	if out, err := tmuxCmd("send-keys", "-t", s.name, k).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys %s: %v %s", k, err, out)
	}
	time.Sleep(150 * time.Millisecond)
}

func (s *tmuxSession) alive() bool {
	return tmuxCmd("has-session", "-t", s.name).Run() == nil
}

// waitFor polls the screen until pred holds, failing with the last screen.
func (s *tmuxSession) waitFor(what string, timeout time.Duration, pred func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.capture()
		if pred(screen) {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("timed out after %s waiting for %s; screen:\n%s", timeout, what, screen)
	return ""
}

func contains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

var progressRe = regexp.MustCompile(`◐ [▓░]+ (\d+/\d+)`)

func TestE2EDemo(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	start := time.Now()
	s := startSession(t, 120, 40, nil, bin, "demo", "--speed", "4")
	first := s.waitFor("the first frame with versions", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, "SERVICE") && regexp.MustCompile(`[0-9a-f]{7} [✓◐✗↺]`).MatchString(sc)
	})
	t.Logf("demo: time to first frame with data: %s", time.Since(start).Round(time.Millisecond))
	for _, want := range []string{"flightdeck", "demo", "STAGING", "PRODUCTION", "aws ok"} {
		if !strings.Contains(first, want) {
			t.Errorf("first frame lacks %q:\n%s", want, first)
		}
	}

	// A deploy moves: a progress count changes, or the deploy finishes.
	sc := s.waitFor("a rolling deploy", 60*time.Second, func(sc string) bool { return progressRe.MatchString(sc) })
	before := progressRe.FindAllString(sc, -1)
	s.waitFor("the deploy to move", 60*time.Second, func(sc string) bool {
		return fmt.Sprint(progressRe.FindAllString(sc, -1)) != fmt.Sprint(before)
	})

	// The circuit breaker rollback is shown as such.
	s.waitFor("a circuit-breaker rollback", 120*time.Second, func(sc string) bool {
		return strings.Contains(sc, "rolled back") || strings.Contains(sc, "rollback")
	})

	// Navigate: detail and back.
	s.key("j")
	s.key("Enter")
	s.waitFor("the service detail", 5*time.Second, contains("revision"))
	s.key("Escape")
	s.waitFor("the board again", 5*time.Second, contains("SERVICE"))

	// Help opens and closes.
	s.key("?")
	s.waitFor("full help", 5*time.Second, contains("older/newer pipeline"))
	s.key("?")
	s.waitFor("help closed", 5*time.Second, contains("SERVICE"))

	// Filter.
	s.key("/")
	for _, k := range []string{"p", "a", "y"} {
		s.key(k)
	}
	s.key("Enter")
	s.waitFor("the filtered board", 5*time.Second, func(sc string) bool {
		return strings.Contains(sc, "payments") && !strings.Contains(sc, "worker")
	})
	s.key("Escape")

	// Too small: a notice, not a broken layout; back to normal when enlarged.
	_ = tmuxCmd("resize-window", "-t", s.name, "-x", "70", "-y", "20").Run()
	s.waitFor("the minimum-size notice", 5*time.Second, contains("needs at least 80×24"))
	_ = tmuxCmd("resize-window", "-t", s.name, "-x", "120", "-y", "40").Run()
	s.waitFor("the board after resize", 5*time.Second, contains("SERVICE"))

	s.key("q")
	deadline := time.Now().Add(5 * time.Second)
	for s.alive() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if s.alive() {
		t.Error("q did not quit")
	}
}

func TestE2ENoColor(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"NO_COLOR", []string{"NO_COLOR=1"}, []string{bin, "demo"}},
		{"--no-color", nil, []string{bin, "--no-color", "demo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSession(t, 120, 40, tc.env, tc.args...)
			s.waitFor("the board", 20*time.Second, contains("aws ok"))
			sc := s.capture("-e")
			// 39 is the default colour, which tmux writes after the
			// selection's reverse video: not a colour.
			if regexp.MustCompile(`\x1b\[[0-9;]*(3[0-8]|38;)`).MatchString(sc) {
				t.Errorf("colour codes on screen with %s:\n%q", tc.name, sc)
			}
			if !strings.Contains(sc, "✓") {
				t.Error("glyphs must carry the meaning without colour")
			}
			if !strings.Contains(sc, "\x1b[7m") {
				t.Error("the selection must show in reverse video without colour")
			}
		})
	}
}

// TestE2ESimFaults runs the standalone sim and the dashboard from the
// config it writes, then throttles ECS and recovers.
func TestE2ESimFaults(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	cfg := filepath.Join(t.TempDir(), "sim.yaml")
	// Port 0: the sim binds a free port itself and says which on stderr,
	// so no other process can take it between a probe and the bind.
	simCmd := exec.Command(bin, "sim", "--listen", "127.0.0.1:0", "--write-config", cfg, "--speed", "4")
	stderr, err := simCmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := simCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = simCmd.Process.Kill(); _, _ = simCmd.Process.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := regexp.MustCompile(`on http://(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var base string
	select {
	case base = <-addr:
	case <-time.After(15 * time.Second):
		t.Fatal("sim did not say where it listens")
	}

	s := startSession(t, 120, 40, nil, bin, "--config", cfg)
	s.waitFor("the board", 20*time.Second, contains("aws ok"))

	post := func(body string) {
		resp, err := http.Post("http://"+base+"/_sim/faults", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("fault control: %s", resp.Status)
		}
	}
	post(`{"service":"ecs","throttle_rate":1}`)
	s.key("R")
	sc := s.waitFor("throttling in the header", 30*time.Second, contains("throttled"))
	if !regexp.MustCompile(`[0-9a-f]{7} [✓◐✗↺]`).MatchString(sc) {
		t.Errorf("the board should keep the last good data while throttled:\n%s", sc)
	}
	post(`{"service":"ecs"}`)
	s.key("R")
	s.waitFor("recovery", 60*time.Second, contains("aws ok"))
	s.key("q")
}

// TestE2ERollback is the release manager's path through the TUI: open the
// picker on production, choose an older SHA, type the environment's name,
// and watch production move to it. The audit log then holds the action.
func TestE2ERollback(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	auditLog := filepath.Join(t.TempDir(), "audit.jsonl")
	s := startSession(t, 120, 40, nil, bin, "demo", "--speed", "4", "--audit-log", auditLog)
	s.waitFor("the first frame with versions", 20*time.Second, func(sc string) bool {
		return regexp.MustCompile(`[0-9a-f]{7} [✓◐✗↺]`).MatchString(sc)
	})
	s.key("l")
	s.key("l")
	s.waitFor("production selected", 5*time.Second, contains("▸PRODUCTION"))
	s.key("r")
	chosenRe := regexp.MustCompile(`▸ ([0-9a-f]{7}) .*✓ point the service at api-production:\d+`)
	sc := s.waitFor("the picker with history", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "Roll back api · production") && chosenRe.MatchString(sc)
	})
	chosen := chosenRe.FindStringSubmatch(sc)[1]
	s.key("Enter")
	s.waitFor("the protected confirmation", 5*time.Second, contains("Type its name"))
	if out, err := tmuxCmd("send-keys", "-t", s.name, "-l", "production").CombinedOutput(); err != nil {
		t.Fatalf("type the name: %v %s", err, out)
	}
	s.waitFor("the name to match", 5*time.Second, contains("matches"))
	s.key("Enter")
	s.waitFor("the rollback to be sent", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "rollback sent: production: ") && strings.Contains(sc, "→ "+chosen)
	})
	apiRow := func(sc string) string {
		for _, l := range strings.Split(sc, "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, " ▸"), "api ") {
				return l
			}
		}
		return ""
	}
	s.waitFor("production to roll to "+chosen, 15*time.Second, func(sc string) bool {
		return strings.Contains(apiRow(sc), chosen+" ◐")
	})
	s.waitFor("production to run "+chosen, 120*time.Second, func(sc string) bool {
		return strings.Contains(apiRow(sc), chosen+" ✓")
	})
	recs, _, err := audit.Read(auditLog)
	if err != nil || len(recs) != 1 || recs[0].Action != "rollback" || recs[0].Result != audit.ResultOK {
		t.Errorf("the audit log should hold the one rollback: %+v %v", recs, err)
	}
	s.key("q")
}
