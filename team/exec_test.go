package team

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"log"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/providers/action"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *syncBuf) String() string              { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// testServer serves exec on 127.0.0.1 to one approver, ana; it returns
// the server, its address, ana's signer and the server's log.
func testServer(t *testing.T, exec func(ctx context.Context, m Member, as func(action.Options) action.Options, args []string, in io.Reader, out, errw io.Writer) int, tweak ...func(*Options)) (*Server, string, gossh.Signer, *syncBuf) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	o := Options{
		HostKey: filepath.Join(t.TempDir(), "host_key"),
		Users:   []config.TeamUser{{Name: "ana", Role: config.RoleApprover, Keys: []string{string(gossh.MarshalAuthorizedKey(signer.PublicKey()))}}},
		Exec:    exec,
		Log:     log.New(logs, "", 0),
	}
	for _, f := range tweak {
		f(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s, ln.Addr().String(), signer, logs
}

func runOver(t *testing.T, addr string, signer gossh.Signer, cmd string) (error, string) {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var errOut syncBuf
	sess.Stderr = &errOut
	return sess.Run(cmd), errOut.String()
}

// TestExecPanicEndsOnlyThatCommand: a remote command that panics ends
// with exit 1 and a sanitised message, logged; the server keeps serving;
// the member is the one the session's key names.
func TestExecPanicEndsOnlyThatCommand(t *testing.T) {
	_, addr, signer, logs := testServer(t, func(ctx context.Context, m Member, as func(action.Options) action.Options, args []string, in io.Reader, out, errw io.Writer) int {
		if args[0] == "boom" {
			panic("bad \x1b]0;title\x07 thing")
		}
		io.WriteString(out, m.Name)
		return 0
	})
	err, errOut := runOver(t, addr, signer, "boom")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 || !strings.Contains(errOut, "failed inside the server") || strings.Contains(errOut+logs.String(), "\x1b") {
		t.Fatalf("a panicking command: %v, stderr %q, log %q; want exit 1 with a sanitised message", err, errOut, logs.String())
	}
	if !strings.Contains(logs.String(), "panicked") {
		t.Errorf("the panic is not logged: %q", logs.String())
	}
	if err, _ := runOver(t, addr, signer, "status"); err != nil {
		t.Fatalf("the server stopped serving after a command panicked: %v", err)
	}
}

// TestExecSurvivesDisconnectAndShutdownWaits: a remote command's context
// is not cancelled by the client going away, and Shutdown waits for the
// command to end.
func TestExecSurvivesDisconnectAndShutdownWaits(t *testing.T) {
	started, release, ended := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	s, addr, signer, _ := testServer(t, func(ctx context.Context, m Member, as func(action.Options) action.Options, args []string, in io.Reader, out, errw io.Writer) int {
		close(started)
		<-release
		ended <- ctx.Err()
		return 0
	})
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("rollback"); err != nil {
		t.Fatal(err)
	}
	<-started
	c.Close() // the client goes away mid-action
	var released atomic.Bool
	waited := make(chan bool)
	go func() { _ = s.Shutdown(context.Background(), 0); waited <- released.Load() }()
	time.Sleep(50 * time.Millisecond) // let Shutdown reach its wait (not an assertion)
	released.Store(true)
	close(release)
	if err := <-ended; err != nil {
		t.Errorf("the command's context was cancelled by the disconnect: %v", err)
	}
	if !<-waited {
		t.Error("Shutdown returned while a remote command was still running")
	}
}

// TestNewRefusesKeyOptions: a key with authorized_keys options is refused,
// naming them, rather than accepted with them ignored.
func TestNewRefusesKeyOptions(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(priv)
	key := `from="10.0.0.1",command="true" ` + string(gossh.MarshalAuthorizedKey(signer.PublicKey()))
	_, err := New(Options{HostKey: filepath.Join(t.TempDir(), "k"), Users: []config.TeamUser{{Name: "ana", Role: config.RoleApprover, Keys: []string{key}}}})
	if err == nil || !strings.Contains(err.Error(), "options (from, command)") {
		t.Fatalf("New with a key carrying options: %v, want a refusal naming them", err)
	}
}

// TestConnectionLimits: one connection may hold two sessions at once,
// not a third; a connection that opens no session is closed after the
// handshake timeout.
func TestConnectionLimits(t *testing.T) {
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	_, addr, signer, logs := testServer(t, func(ctx context.Context, m Member, as func(action.Options) action.Options, args []string, in io.Reader, out, errw io.Writer) int {
		<-hold
		return 0
	}, func(o *Options) { o.HandshakeTimeout = time.Second })
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 2; i++ {
		if _, err := c.NewSession(); err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
	}
	var oce *gossh.OpenChannelError
	if _, err := c.NewSession(); !errors.As(err, &oce) || oce.Reason != gossh.ResourceShortage {
		t.Fatalf("a third session on one connection: %v, want it rejected", err)
	}

	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, raw); err != nil {
		t.Fatalf("a connection that never handshakes should be closed by the server, not time out here: %v", err)
	}
	if !strings.Contains(logs.String(), "no session within") {
		t.Errorf("the closed connection is not logged: %q", logs.String())
	}
	// The connection with sessions open is still served.
	if _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); err != nil {
		t.Errorf("the connection with sessions was closed: %v", err)
	}
}
