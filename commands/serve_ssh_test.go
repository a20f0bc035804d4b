package commands

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airside-dev/flightdeck/providers/audit"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// sshClient is one member's connection, made with x/crypto's client: a
// terminal of a given size, its output kept (or, stalled, never read).
type sshClient struct {
	t      *testing.T
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
	out    *lockedBuffer
}

func (s *served) dial(t *testing.T, name string, signer gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", s.addr, &gossh.ClientConfig{
		User: name, Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
}

// open signs a member in on a w×h terminal; read false leaves the output
// unread (a stalled client).
func (s *served) open(t *testing.T, name string, w, h int, read bool) *sshClient {
	t.Helper()
	client, err := s.dial(t, name, s.keys[name].signer)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	c := &sshClient{t: t, client: client, sess: sess, out: &lockedBuffer{}}
	c.in, err = sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if read {
		sess.Stdout = c.out
	} else {
		// A pipe nobody reads: the client stops taking data, so the
		// server's window runs out.
		if _, err := sess.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return c
}

// text is everything drawn so far, escapes removed.
func (c *sshClient) text() string { return ansi.Strip(c.out.String()) }

func (c *sshClient) waitFor(what string, timeout time.Duration, pred func(string) bool) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if pred(c.text()) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tail := c.text()
	if len(tail) > 3000 {
		tail = tail[len(tail)-3000:]
	}
	c.t.Fatalf("timed out after %s waiting for %s; raw %d bytes; output ends:\n%q", timeout, what, len(c.out.String()), tail)
}

func (c *sshClient) send(keys string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, keys); err != nil {
		c.t.Fatal(err)
	}
	// Bytes that arrive together read as one key (Bubble Tea groups
	// runes), so keys are sent apart, as typed.
	time.Sleep(150 * time.Millisecond)
}

// TestServeTinyTerminals: a zero-size and a tiny terminal get the
// minimum-size notice, and the server goes on serving.
func TestServeTinyTerminals(t *testing.T) {
	s := startServe(t, map[string]string{"ana": "approver"}, "")
	zero := s.open(t, "ana", 0, 0, true)
	zero.waitFor("the notice on a zero-size terminal", 10*time.Second, func(o string) bool { return strings.Contains(o, "flightdeck needs at least 80×24") })
	tiny := s.open(t, "ana", 30, 5, true)
	tiny.waitFor("the notice on a 30×5 terminal", 10*time.Second, func(o string) bool { return strings.Contains(o, "flightdeck needs at lea") })
	fine := s.open(t, "ana", 120, 40, true)
	fine.waitFor("the board", 20*time.Second, func(o string) bool { return strings.Contains(o, "SERVICE") })
}

// TestServeDropsAStalledClient: a client that stops reading is dropped
// once its output has waited past --stall-timeout, and another session
// keeps drawing meanwhile and after.
func TestServeDropsAStalledClient(t *testing.T) {
	s := startServe(t, map[string]string{"ana": "approver", "li": "viewer"}, "", "--stall-timeout", "2s")
	other := s.open(t, "li", 120, 40, true)
	other.waitFor("li's board", 20*time.Second, func(o string) bool { return strings.Contains(o, "SERVICE") })
	stalled := s.open(t, "ana", 200, 60, false)
	dropped := make(chan error, 1)
	go func() { dropped <- stalled.client.Wait() }()
	// Full redraws fill the unread window fast: every resize repaints.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := stalled.sess.SendRequest("window-change", false, gossh.Marshal(struct{ W, H, PW, PH uint32 }{uint32(300 + i%2), 100, 0, 0})); err != nil {
				return
			}
		}
	})
	// The other session answers keys all the while.
	n := 0
	for done := false; !done; {
		select {
		case <-dropped:
			done = true
		case <-time.After(500 * time.Millisecond):
			other.send("?")
			n++
			if n > 240 { // two minutes: -race draws slowly
				close(stop)
				t.Fatalf("the stalled client was never dropped:\n%s", s.log)
			}
		}
	}
	close(stop)
	wg.Wait()
	if !strings.Contains(s.log.String(), "dropped ana") {
		t.Errorf("the drop should be logged:\n%s", s.log)
	}
	before := len(other.text())
	other.send("?")
	other.waitFor("li still served after the drop", 10*time.Second, func(o string) bool { return len(o) > before })
}

// TestServeShutdownTellsEverySession: when the server stops (SIGTERM
// cancels its context), every session is told before it ends.
func TestServeShutdownTellsEverySession(t *testing.T) {
	s, stop := startServeStoppable(t, map[string]string{"ana": "approver", "li": "viewer"}, "")
	var cs []*sshClient
	for _, name := range []string{"ana", "li"} {
		c := s.open(t, name, 100, 30, true)
		c.waitFor(name+"'s board", 20*time.Second, func(o string) bool { return strings.Contains(o, "SERVICE") })
		cs = append(cs, c)
	}
	stop()
	for _, c := range cs {
		c.waitFor("the goodbye", 10*time.Second, func(o string) bool { return strings.Contains(o, "flightdeck serve is shutting down") })
		if err := c.client.Wait(); err == nil {
			continue
		}
	}
}

// TestServeConcurrentRollbacks: two approvers confirm the same rollback of
// production at the same moment; the pipeline's per-environment lock
// holds across their sessions, so one goes out and the other's re-check
// refuses it, naming who moved production. Every session is told.
func TestServeConcurrentRollbacks(t *testing.T) {
	s := startServe(t, map[string]string{"ana": "approver", "bo": "approver", "li": "viewer"}, "")
	watcher := s.open(t, "li", 120, 40, true)
	var cs []*sshClient
	for _, name := range []string{"ana", "bo"} {
		c := s.open(t, name, 120, 40, true)
		c.waitFor(name+"'s board", 20*time.Second, func(o string) bool { return strings.Contains(o, "SERVICE") && strings.Contains(o, "✓") })
		c.send("l")
		c.waitFor("staging selected", 5*time.Second, func(o string) bool { return strings.Contains(o, "▸STAGING") })
		c.send("l")
		c.waitFor("production selected", 5*time.Second, func(o string) bool { return strings.Contains(o, "▸PRODUCTION") })
		c.send("r")
		c.waitFor("the picker", 10*time.Second, func(o string) bool {
			return strings.Contains(o, "Roll back api · production") && strings.Contains(o, "api-production:")
		})
		c.send("\r")
		c.waitFor("the protected confirmation", 5*time.Second, func(o string) bool { return strings.Contains(o, "Type its name") })
		c.send("production")
		c.waitFor("the name to match", 5*time.Second, func(o string) bool { return strings.Contains(o, "matches") })
		cs = append(cs, c)
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() { _, _ = io.WriteString(c.in, "\r") })
	}
	wg.Wait()
	sent, refused := -1, -1
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && (sent < 0 || refused < 0) {
		for i, c := range cs {
			o := c.text()
			if strings.Contains(o, "rollback sent") {
				sent = i
			}
			if strings.Contains(o, "refused: ") {
				refused = i
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if sent < 0 || refused < 0 || sent == refused {
		t.Fatalf("one rollback should go out and the other be refused: sent %d, refused %d\nana: %q\nbo: %q", sent, refused, tail(cs[0].text()), tail(cs[1].text()))
	}
	who := []string{"ana", "bo"}[sent]
	cs[refused].waitFor("the refusal naming who moved production", 5*time.Second, func(o string) bool {
		return strings.Contains(o, "refused: "+who+" rolled api/production back to")
	})
	watcher.waitFor("the line on the viewer's screen", 10*time.Second, func(o string) bool {
		return strings.Contains(o, who+" rolled api/production back to")
	})
	var oks, refusals int
	recs, _, err := audit.Read(s.auditLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Action == "rollback" && r.Result == audit.ResultOK {
			oks++
		}
		if r.Action == "rollback" && r.Result == audit.ResultRefused {
			refusals++
		}
	}
	if oks != 1 || refusals != 1 {
		t.Errorf("the audit log should hold one rollback sent and one refused: %+v", recs)
	}
}

func tail(s string) string {
	if len(s) > 1500 {
		return s[len(s)-1500:]
	}
	return s
}
