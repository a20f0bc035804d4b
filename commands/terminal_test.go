package commands

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// silentTerminal runs the binary on a pseudo-terminal that never answers
// a query (as a serial console or a broken ssh client), sized 120×40, and
// collects everything written to it until want appears or the command
// ends. It returns the output and how long the command took to write want
// (or to end).
func silentTerminal(t *testing.T, want string, args ...string) (string, time.Duration) {
	t.Helper()
	cmd := exec.Command(buildBinary(t), args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORFGBG=", "XDG_STATE_HOME="+t.TempDir())
	start := time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatalf("start on a pty: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = f.Close() }()
	var out bytes.Buffer
	buf := make([]byte, 4096)
	var took time.Duration
	deadline := time.Now().Add(20 * time.Second) // a hang, not a speed limit
	for time.Now().Before(deadline) {
		_ = f.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := f.Read(buf)
		out.Write(buf[:n])
		if want != "" && strings.Contains(out.String(), want) {
			took = time.Since(start)
			break
		}
		if err != nil && err != os.ErrDeadlineExceeded && !strings.Contains(err.Error(), "timeout") {
			took = time.Since(start)
			break // the command ended (EIO on Linux once the child is gone)
		}
	}
	return out.String(), took
}

// No command but the dashboard asks the terminal anything: Bubble Tea
// asks for the background at package init, which stalled every command,
// usage errors included, for 5 s on a terminal that does not answer
// (termprobe's init answers for it; see its package comment).
func TestNoTerminalQueryAtStart(t *testing.T) {
	for _, args := range [][]string{{"status", "--help"}, {"nosuchcommand"}, {"--version-does-not-exist"}} {
		out, took := silentTerminal(t, "", args...)
		if strings.Contains(out, "\x1b]11;?") || strings.Contains(out, "\x1b[6n") {
			t.Errorf("flightdeck %s queried the terminal:\n%q", strings.Join(args, " "), out)
		}
		if !strings.Contains(out, "flightdeck") {
			t.Errorf("flightdeck %s printed nothing recognisable:\n%q", strings.Join(args, " "), out)
		}
		t.Logf("flightdeck %s ended after %v on a silent terminal", strings.Join(args, " "), took.Round(time.Millisecond))
	}
}

// The dashboard asks once, and draws its first frame even when nobody
// answers (its wait is bounded by termprobe.Timeout).
func TestDashboardStartsOnASilentTerminal(t *testing.T) {
	out, took := silentTerminal(t, "SERVICE", "demo")
	if !strings.Contains(out, "SERVICE") {
		t.Fatalf("no board on a terminal that does not answer:\n%q", out)
	}
	if n := strings.Count(out, "\x1b]11;?"); n != 1 {
		t.Errorf("asked for the background %d times, want once", n)
	}
	t.Logf("first board after %v", took.Round(time.Millisecond))
}

// A closed terminal tab or a dropped ssh connection (SIGHUP), kill (TERM),
// ^\ (QUIT) and kill -INT leave the terminal as it was: main screen,
// cursor shown, line editing and echo on. The shell that ran flightdeck
// records the terminal's state after it ends.
func TestE2ESignalsRestoreTheTerminal(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	for _, sig := range []string{"HUP", "TERM", "QUIT", "INT"} {
		t.Run(sig, func(t *testing.T) {
			dir := t.TempDir()
			after := filepath.Join(dir, "after")
			script := "'" + bin + "' demo 2>/dev/null; echo exit=$? > " + after + ".tmp; stty -a >> " + after + ".tmp; mv " + after + ".tmp " + after + "; sleep 60"
			s := startSession(t, 100, 30, []string{"XDG_STATE_HOME=" + dir}, "sh", "-c", shellQuote(script))
			s.waitFor("the board", 15*time.Second, contains("SERVICE"))
			if got := s.display("#{alternate_on}"); got != "1" {
				t.Fatalf("the dashboard is not on the alternate screen (%q)", got)
			}
			pid := s.childPID(t, bin)
			if err := exec.Command("kill", "-"+sig, strconv.Itoa(pid)).Run(); err != nil {
				t.Fatal(err)
			}
			state := waitFile(t, after, 15*time.Second)
			want := map[string]string{"HUP": "129", "TERM": "143", "QUIT": "131", "INT": "130"}[sig]
			if sig == "QUIT" {
				want = "2" // Go's own exit after the goroutine dump
			}
			if !strings.Contains(state, "exit="+want+"\n") {
				t.Errorf("exit status: %q, want %s", firstLine(state), want)
			}
			for _, mode := range []string{" icanon", " echo ", " icrnl"} {
				if !strings.Contains(" "+strings.ReplaceAll(state, "\n", " ")+" ", mode) {
					t.Errorf("after SIG%s the terminal lacks %q:\n%s", sig, strings.TrimSpace(mode), state)
				}
			}
			if got := s.display("#{alternate_on} #{cursor_flag}"); got != "0 1" {
				t.Errorf("after SIG%s alternate screen and cursor are %q, want \"0 1\"", sig, got)
			}
		})
	}
}

func (s *tmuxSession) display(format string) string {
	out, _ := tmuxCmd("display-message", "-p", "-t", s.name, format).Output()
	return strings.TrimSpace(string(out))
}

// childPID finds the pid of bin running under the session's shell.
func (s *tmuxSession) childPID(t *testing.T, bin string) int {
	t.Helper()
	shell, err := strconv.Atoi(s.display("#{pane_pid}"))
	if err != nil {
		t.Fatalf("pane pid: %v", err)
	}
	out, _ := exec.Command("pgrep", "-P", strconv.Itoa(shell), "-f", bin).Output()
	pid, err := strconv.Atoi(strings.TrimSpace(strings.Split(string(out), "\n")[0]))
	if err != nil {
		t.Fatalf("no flightdeck under the shell %d: %q", shell, out)
	}
	return pid
}

func waitFile(t *testing.T, path string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			return string(b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return ""
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }
