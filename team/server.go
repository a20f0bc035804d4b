// Package team serves flightdeck to a release team over SSH (`flightdeck
// serve`): one world polled once for everybody (Shared), and for every
// SSH session its own dashboard (its own size, selection, screen and
// colours) over the shared results. Who signs in is decided by their key
// (team.users in the config); what they may do by their role and each
// environment's approvers, as one more guard of the one action pipeline;
// everything done is audited under their name and key, and every session
// sees a line when someone acts.
package team

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	charmlog "github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers/action"
	"github.com/airside-dev/flightdeck/providers/audit"
	"github.com/airside-dev/flightdeck/termsafe"
	"github.com/airside-dev/flightdeck/ui"
	"github.com/airside-dev/flightdeck/ui/format"
)

// Member is one person of the team, as their key named them.
type Member struct {
	Name        string
	Role        string
	Fingerprint string // SHA256:… of the key they signed in with
}

// Options configure a Server.
type Options struct {
	// HostKey is the server's private key file; created (ed25519) when
	// missing.
	HostKey string
	// Users are who may sign in (config team.users); Approvers narrow who
	// may act on an environment (config approvers).
	Users     []config.TeamUser
	Approvers map[model.EnvKey][]string
	// UI is every session's dashboard but what is the session's own
	// (renderer, context, pipeline, polled views); Notify, Open, Copy and
	// Hyperlinks are left off (they would reach the server's terminal).
	UI ui.Options
	// Actions is the pipeline every session acts through, but for who
	// acts (User, Key, Permit and Observe are set per session).
	Actions action.Options
	// Shared is the world's sources behind every session.
	Shared *Shared
	// NoColor draws every session without colour (--no-color).
	NoColor bool
	// StallAfter drops a session whose client has not taken a frame for
	// this long (it stopped reading); default 15s.
	StallAfter time.Duration
	// HandshakeTimeout closes a connection that has opened no session by
	// then; default 30s. A connection with a session is never timed out
	// for being idle.
	HandshakeTimeout time.Duration
	// MaxSessions is how many session channels one connection may hold
	// at once; default 2.
	MaxSessions int
	// Exec, when set, runs a command a member sent without a terminal
	// (`flightdeck --remote … status`): as applies the member to an
	// action pipeline's options; it returns the exit status.
	Exec func(ctx context.Context, m Member, as func(action.Options) action.Options, args []string, in io.Reader, out, errw io.Writer) int
	// Log receives one line per sign-in, refusal and session end.
	Log *log.Logger
	Now func() time.Time
}

// Server is `flightdeck serve`'s SSH server.
type Server struct {
	o    Options
	srv  *ssh.Server
	keys map[string]Member // by fingerprint

	mu       sync.Mutex
	sessions map[*session]bool
	// last is the last action that went out on each target, for a
	// re-check refusal to name who moved it.
	last map[string]audit.Record
	// feed is the last line of the team feed, for a session that opens
	// after it.
	feed    *ui.TeamLine
	closing atomic.Bool
	wg      sync.WaitGroup
}

// session is one signed-in dashboard.
type session struct {
	member Member
	p      *tea.Program
	box    *mailbox
	views  *Views
	conn   io.Closer
}

// New builds the server: checks every key, loads or creates the host key.
func New(o Options) (*Server, error) {
	if o.StallAfter <= 0 {
		o.StallAfter = 15 * time.Second
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 30 * time.Second
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 2
	}
	if o.Log == nil {
		o.Log = log.New(io.Discard, "", 0)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// wish logs a session's end through charmbracelet/log's default
	// logger, on the process's stderr and around termsafe; what matters is
	// logged here, through o.Log.
	charmlog.SetOutput(io.Discard)
	s := &Server{o: o, keys: map[string]Member{}, sessions: map[*session]bool{}, last: map[string]audit.Record{}}
	for _, u := range o.Users {
		for _, k := range u.Keys {
			pk, _, opts, _, err := gossh.ParseAuthorizedKey([]byte(k))
			if err != nil {
				return nil, fmt.Errorf("team.users %s: a key is not an SSH public key: %w", u.Name, err)
			}
			if len(opts) > 0 {
				return nil, fmt.Errorf("team.users %s: a key %s", u.Name, config.KeyOptionsProblem(opts))
			}
			fp := gossh.FingerprintSHA256(pk)
			s.keys[fp] = Member{Name: u.Name, Role: u.Role, Fingerprint: fp}
		}
	}
	if len(s.keys) == 0 {
		return nil, errors.New("no team.users with keys in the config: nobody could sign in")
	}
	if err := os.MkdirAll(filepath.Dir(o.HostKey), 0o700); err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(o.HostKey),
		wish.WithPublicKeyAuth(s.auth),
		wish.WithMiddleware(
			// Ascii is the floor wish compares against: no session's
			// colours are forced down; each keeps what its terminal says.
			s.dashboard,
			s.track,
		),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	// A connection that has opened no session within HandshakeTimeout
	// (a stalled handshake, a refused key left open, an idle signed-in
	// connection) is closed; one with a session is not timed, since a
	// dashboard may be watched without a key for hours (a dead client is
	// dropped by the stall timeout once output stops leaving). One
	// connection may hold MaxSessions session channels at once.
	srv.ConnCallback = s.timeHandshake
	if srv.ChannelHandlers == nil {
		srv.ChannelHandlers = map[string]ssh.ChannelHandler{}
		for k, v := range ssh.DefaultChannelHandlers {
			srv.ChannelHandlers[k] = v
		}
	}
	session := srv.ChannelHandlers["session"]
	if session == nil {
		session = ssh.DefaultSessionHandler
	}
	srv.ChannelHandlers["session"] = func(srv *ssh.Server, conn *gossh.ServerConn, ch gossh.NewChannel, ctx ssh.Context) {
		st, _ := ctx.Value(connStateKey{}).(*connState)
		if st != nil {
			if st.sessions.Add(1) > int32(s.o.MaxSessions) {
				st.sessions.Add(-1)
				_ = ch.Reject(gossh.ResourceShortage, fmt.Sprintf("at most %d sessions per connection", s.o.MaxSessions))
				return
			}
			st.opened.Store(true)
			defer st.sessions.Add(-1)
		}
		session(srv, conn, ch, ctx)
	}
	s.srv = srv
	return s, nil
}

// connState is one connection's sessions, for MaxSessions and the
// handshake timeout.
type connState struct {
	sessions atomic.Int32
	opened   atomic.Bool
}

type connStateKey struct{}

// timeHandshake closes conn if it has opened no session within
// HandshakeTimeout.
func (s *Server) timeHandshake(ctx ssh.Context, conn net.Conn) net.Conn {
	st := &connState{}
	ctx.SetValue(connStateKey{}, st)
	t := time.AfterFunc(s.o.HandshakeTimeout, func() {
		if !st.opened.Load() {
			s.o.Log.Printf("closed the connection from %s: no session within %s", conn.RemoteAddr(), s.o.HandshakeTimeout)
			_ = conn.Close()
		}
	})
	go func() { <-ctx.Done(); t.Stop() }()
	return conn
}

// auth lets in a key listed in team.users, and nobody else: the refusal
// happens in the handshake, before any session exists.
func (s *Server) auth(ctx ssh.Context, key ssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	if _, ok := s.keys[fp]; !ok {
		s.o.Log.Printf("refused %s from %s: key %s is not in team.users", ctx.User(), ctx.RemoteAddr(), fp)
		return false
	}
	// The session reads who it is from its own key (member), not from a
	// value left here.
	return true
}

// track wraps every session: once its dashboard has ended, it says
// goodbye when the server is shutting down.
func (s *Server) track(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		next(sess)
		if s.closing.Load() {
			wish.Println(sess, "flightdeck serve is shutting down; your session ends here.")
		}
	}
}

// Serve accepts sessions on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Sessions is how many dashboards are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shutdown tells every session the server is going, gives them grace to
// read it, ends them and closes the server.
func (s *Server) Shutdown(ctx context.Context, grace time.Duration) error {
	s.closing.Store(true)
	s.broadcast(nil, ui.TeamLine{Text: "flightdeck serve is shutting down", At: s.o.Now()})
	select {
	case <-time.After(grace):
	case <-ctx.Done():
	}
	s.mu.Lock()
	for ss := range s.sessions {
		ss.p.Quit()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return s.srv.Close()
}

// program builds one session's dashboard; nil (no terminal) lets the
// session through to say so.
func (s *Server) program(sess ssh.Session) *tea.Program {
	m := s.member(sess)
	pty, _, ok := sess.Pty()
	if !ok && m.Name != "" && len(sess.Command()) > 0 && s.o.Exec != nil && !s.closing.Load() {
		_ = sess.Exit(s.exec(sess, m))
		return nil
	}
	if !ok || m.Name == "" || s.closing.Load() {
		if !s.closing.Load() {
			wish.Fatalln(sess, "flightdeck serve shows the dashboard on a terminal: connect with ssh -t")
		}
		return nil
	}
	if pty.Window.Width <= 0 || pty.Window.Height <= 0 {
		// The dashboard draws nothing until it knows a size; say why.
		wish.Printf(sess, "flightdeck needs at least %d×%d; this terminal says it is %d×%d. Enlarge it or press q.\r\n",
			ui.MinWidth, ui.MinHeight, pty.Window.Width, pty.Window.Height)
	}
	ctx := sess.Context()
	// An action a member confirmed goes to its end (the pipeline bounds
	// each call with its own timeout) even when their client goes away
	// mid-way: a cancelled provider call or re-read would leave its
	// outcome unknown for everyone.
	actx := context.WithoutCancel(ctx)
	ss := &session{member: m, box: newMailbox()}
	if c, ok := ctx.Value(ssh.ContextKeyConn).(gossh.Conn); ok {
		ss.conn = c
	}
	ss.views = s.o.Shared.Views(ss.box.poke)

	uo := s.o.UI
	uo.Renderer = sessionRenderer(sess, s.o.NoColor)
	uo.Context = actx
	uo.Actions = action.New(s.actor(m, ss)(s.o.Actions))
	uo.PollSources, uo.PollCI = ss.views.Deploy, ss.views.CI
	uo.Notify, uo.Open, uo.Copy, uo.Hyperlinks = nil, nil, nil, false
	uo.Title = strings.TrimSpace(uo.Title + " · " + m.Name)

	out := newStallWriter(sess, s.o.StallAfter, func() {
		s.o.Log.Printf("dropped %s (%s): the client took no output for %s", m.Name, sess.RemoteAddr(), s.o.StallAfter)
		if ss.conn != nil {
			_ = ss.conn.Close()
		}
	})
	// bubbletea's own panic catch prints the panic and its stack on the
	// server's stdout, raw; the dashboard's panics are caught here
	// instead (dashboard), logged through termsafe, ending this session
	// only.
	ss.p = tea.NewProgram(safeModel{ui.New(uo)}, tea.WithInput(sess), tea.WithOutput(out), tea.WithAltScreen(),
		tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithEnvironment(sess.Environ()), tea.WithoutCatchPanics())

	s.mu.Lock()
	s.sessions[ss] = true
	if s.feed != nil {
		ss.box.post(*s.feed)
	}
	s.mu.Unlock()
	s.wg.Add(1)
	s.o.Log.Printf("%s signed in from %s (%s, key %s)", m.Name, sess.RemoteAddr(), m.Role, m.Fingerprint)
	go ss.box.deliver(ctx, ss.p)
	go func() {
		<-ctx.Done()
		out.stop()
		ss.views.Close()
		s.mu.Lock()
		delete(s.sessions, ss)
		s.mu.Unlock()
		s.o.Log.Printf("%s's session ended", m.Name)
		s.wg.Done()
	}()
	return ss.p
}

// dashboard runs a session's dashboard (program), or, when it makes
// none, lets the session through. A panic in the dashboard ends this
// session only: logged through termsafe, the client told in one line.
func (s *Server) dashboard(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		p := s.program(sess)
		if p == nil {
			next(sess)
			return
		}
		_, windowChanges, _ := sess.Pty()
		ctx, cancel := context.WithCancel(sess.Context())
		defer cancel()
		go func() {
			for {
				select {
				case <-ctx.Done():
					p.Quit()
					return
				case w := <-windowChanges:
					p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				}
			}
		}()
		panicked := func() (panicked bool) {
			defer func() {
				if r := recover(); r != nil {
					panicked = true
					p.Kill()
					s.o.Log.Printf("%s's dashboard failed and was closed: %s", s.member(sess).Name, termsafe.Line(fmt.Sprint(r)))
					_, _ = io.WriteString(sess, "\x1b[?1049l\x1b[?25h\r\nflightdeck serve: the dashboard failed; your session ends here (it is in the server's log).\r\n")
					_ = sess.Exit(1)
				}
			}()
			_, _ = p.Run()
			return false
		}()
		p.Kill()
		if !panicked {
			next(sess)
		}
	}
}

// safeModel hands a panic in one of the dashboard's commands (run on
// their own goroutines, where nothing would catch it once bubbletea's
// catch is off) to the program's goroutine, where dashboard recovers it.
type safeModel struct{ m tea.Model }

type cmdPanic struct{ r any }

func (m safeModel) Init() tea.Cmd { return safeCmd(m.m.Init()) }

func (m safeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if p, ok := msg.(cmdPanic); ok {
		panic(p.r)
	}
	next, cmd := m.m.Update(msg)
	return safeModel{next}, safeCmd(cmd)
}

func (m safeModel) View() string { return m.m.View() }

var cmdType = reflect.TypeOf(tea.Cmd(nil))

// safeCmd is cmd, its panic turned into a cmdPanic message; a batch or
// sequence it returns has each of its commands made safe too.
func safeCmd(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = cmdPanic{r}
			}
		}()
		msg = cmd()
		// tea.Batch and tea.Sequence answer a slice of commands (the
		// latter of an unexported type): keep its type, wrap each.
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == cmdType {
			out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := 0; i < v.Len(); i++ {
				c, _ := v.Index(i).Interface().(tea.Cmd)
				out.Index(i).Set(reflect.ValueOf(safeCmd(c)))
			}
			msg = out.Interface()
		}
		return msg
	}
}

// member is who signed in on sess, looked up from the key the session
// was authenticated with (the zero Member when none is listed).
func (s *Server) member(sess ssh.Session) Member {
	pk := sess.PublicKey()
	if pk == nil {
		return Member{}
	}
	return s.keys[gossh.FingerprintSHA256(pk)]
}

// exec runs a command a member sent without a terminal and returns its
// exit status. It is counted in the server's wait group (Shutdown waits
// for its audit record), runs on a context a disconnect does not cancel,
// and a panic in it ends only this command, with exit 1.
func (s *Server) exec(sess ssh.Session, m Member) (code int) {
	s.wg.Add(1)
	defer s.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			msg := termsafe.Line(fmt.Sprint(r))
			s.o.Log.Printf("%s's command %s panicked: %s", m.Name, termsafe.Line(fmt.Sprintf("%q", sess.RawCommand())), msg)
			fmt.Fprintln(sess.Stderr(), "flightdeck serve: the command failed inside the server: "+msg)
			code = 1
		}
	}()
	s.o.Log.Printf("%s runs %s from %s", m.Name, termsafe.Line(fmt.Sprintf("%q", sess.RawCommand())), sess.RemoteAddr())
	return s.o.Exec(context.WithoutCancel(sess.Context()), m, s.actor(m, nil), sess.Command(), sess, sess, sess.Stderr())
}

// actor makes m the one who acts through a pipeline: their name and key
// in the audit record, the team's guard, the feed (to every session but
// from's) and who moved a target.
func (s *Server) actor(m Member, from *session) func(action.Options) action.Options {
	return func(ao action.Options) action.Options {
		ao.User, ao.Key = m.Name, m.Fingerprint
		ao.Permit = s.permit(m)
		ao.Who = s.who
		ao.Observe = func(r audit.Record) {
			if line := feedLine(r); line != "" {
				tl := ui.TeamLine{Text: line, At: r.Time}
				s.mu.Lock()
				s.last[r.Service+"/"+r.Environment] = r
				s.feed = &tl
				s.mu.Unlock()
				s.broadcast(from, tl)
			}
		}
		return ao
	}
}

// permit is the team's guard for one member, run by the pipeline with
// every other guard: a viewer acts on nothing; where an environment
// names its approvers, only they act on it.
func (s *Server) permit(m Member) func(model.Action) error {
	return func(a model.Action) error {
		if m.Role != config.RoleApprover {
			return model.Refuse("%s is a viewer", m.Name)
		}
		if a.Environment == "" {
			return s.permitNoEnv(m, a)
		}
		list := s.o.Approvers[model.EnvKey{Service: a.Service, Environment: a.Environment}]
		if len(list) > 0 && !slices.Contains(list, m.Name) {
			return model.Refuse("%s/%s is approved by %s only", a.Service, a.Environment, strings.Join(list, ", "))
		}
		return nil
	}
}

// permitNoEnv guards an action tied to no environment (a gate whose
// environment could not be worked out, a rerun, a cancel): it may reach
// any of the service's environments, so where any of them names its
// approvers, only a member who approves every such environment acts.
func (s *Server) permitNoEnv(m Member, a model.Action) error {
	var envs []string
	var allowed []string
	first := true
	for k, list := range s.o.Approvers {
		if k.Service != a.Service || len(list) == 0 {
			continue
		}
		envs = append(envs, k.Environment)
		if first {
			allowed = slices.Clone(list)
			first = false
			continue
		}
		allowed = slices.DeleteFunc(allowed, func(n string) bool { return !slices.Contains(list, n) })
	}
	if len(envs) == 0 || slices.Contains(allowed, m.Name) {
		return nil
	}
	slices.Sort(envs)
	slices.Sort(allowed)
	what := "this action"
	switch {
	case a.Gate != nil:
		what = "gate " + a.Gate.Gate
	case a.Workflow != nil && a.Workflow.Name != "":
		what = "workflow " + a.Workflow.Name
	}
	if len(allowed) == 0 {
		return model.Refuse("%s of %s is tied to no environment; nobody may act: no one approves all of %s", what, a.Service, strings.Join(envs, ", "))
	}
	return model.Refuse("%s of %s is tied to no environment; only %s (approvers of %s) may act", what, a.Service, strings.Join(allowed, ", "), strings.Join(envs, ", "))
}

// who names who last acted on a's environment through this server.
func (s *Server) who(a model.Action) string {
	s.mu.Lock()
	r, ok := s.last[a.Service+"/"+a.Environment]
	s.mu.Unlock()
	if !ok || a.Environment == "" {
		return ""
	}
	return feedLine(r) + " " + format.Age(s.o.Now().Sub(r.Time)) + " ago"
}

// broadcast hands a message to every session but from; it never waits on
// one (each session's mailbox is drained by its own goroutine).
func (s *Server) broadcast(from *session, msg tea.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ss := range s.sessions {
		if ss != from {
			ss.box.post(msg)
		}
	}
}

// feedLine is what every other session is told of an audit record: the
// actions that went out (ok, or unknown), not refusals or dry runs.
func feedLine(r audit.Record) string {
	if r.Result != audit.ResultOK && r.Result != audit.ResultUnknown {
		return ""
	}
	if r.Resolves != nil {
		return ""
	}
	to := r.To
	if i := strings.IndexByte(to, ' '); i > 0 {
		to = to[:i]
	}
	if len(to) > 7 {
		to = to[:7]
	}
	env := r.Service + "/" + r.Environment
	var what string
	switch model.ActionKind(r.Action) {
	case model.ActionRollback:
		what = "rolled " + env + " back to " + to
	case model.ActionPromote:
		what = "promoted " + to + " from " + r.SourceEnv + " to " + env
	case model.ActionAbort:
		what = "aborted the deploy in " + env
	case model.ActionSwitch:
		what = "switched " + env + " to its standby"
	case model.ActionCanaryPromote:
		what = "stepped the canary in " + env + " up"
	case model.ActionCanaryAbort:
		what = "aborted the canary in " + env
	case model.ActionApprove:
		what = "approved " + r.Service + " " + r.Gate
	case model.ActionReject:
		what = "rejected " + r.Service + " " + r.Gate
	case model.ActionRerun:
		what = "reran " + r.Service + " " + r.Workflow + " from failed"
	case model.ActionCancel:
		what = "cancelled " + r.Service + " " + r.Workflow
	default:
		what = r.Action + " " + r.Target()
	}
	line := r.User + " " + what
	if r.Result == audit.ResultUnknown {
		line += " (its answer was lost; being read again)"
	}
	return line
}

// sessionRenderer styles for one session's terminal: its colour profile
// from the TERM and COLORTERM the client sent (NO_COLOR too; none at all
// under the server's --no-color), its
// background from COLORFGBG when sent, else dark. The terminal is not
// asked (wish's MakeRenderer asks, and a client that never answers would
// hold the session until its first key).
func sessionRenderer(sess ssh.Session, noColor bool) *lipgloss.Renderer {
	pty, _, _ := sess.Pty()
	env := sessionEnv(append(sess.Environ(), "TERM="+pty.Term))
	var r *lipgloss.Renderer
	if noColor || pty.Term == "" || pty.Term == "dumb" || env.Getenv("NO_COLOR") != "" {
		r = lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
	} else {
		r = lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	}
	r.SetHasDarkBackground(darkBackground(env.Getenv("COLORFGBG")))
	return r
}

// darkBackground reads COLORFGBG ("15;0": foreground;background, the
// background a colour number where 0–6 and 8 are dark); unknown is dark.
func darkBackground(colorfgbg string) bool {
	i := strings.LastIndexByte(colorfgbg, ';')
	if i < 0 {
		return true
	}
	switch colorfgbg[i+1:] {
	case "7", "9", "10", "11", "12", "13", "14", "15":
		return false
	}
	return true
}

// sessionEnv is a session's environment as termenv reads one.
type sessionEnv []string

func (e sessionEnv) Environ() []string { return e }

func (e sessionEnv) Getenv(k string) string {
	v := ""
	for _, kv := range e {
		if strings.HasPrefix(kv, k+"=") {
			v = kv[len(k)+1:] // the last one wins, as TERM from the pty does
		}
	}
	return v
}
