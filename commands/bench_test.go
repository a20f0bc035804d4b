package commands

import (
	"cmp"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/airside-dev/flightdeck/config"
	"github.com/airside-dev/flightdeck/internal/fakeclock"
	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/sim"
	"github.com/airside-dev/flightdeck/ui"
)

// BenchmarkRollbackLatency measures the two numbers issue 3 asks for, with
// the real TUI model, the real pipeline and the real ECS provider against
// the sim over loopback HTTP:
//
//   - confirm-to-call: from the key that confirms a rollback to the first
//     request reaching the provider (the re-check's DescribeServices), and
//     to the UpdateService that acts;
//   - call-to-board: from UpdateService reaching the provider to the board
//     (View) showing production deploying the chosen SHA.
//
// Bubble Tea draws a frame at most every 1/60 s, which adds up to 17 ms to
// the second number on a real terminal.
func BenchmarkRollbackLatency(b *testing.B) {
	var toFirst, toUpdate, toBoard time.Duration
	for range b.N {
		b.StopTimer()
		r := newLatencyRig(b)
		r.driveToConfirm(b)
		b.StartTimer()
		start := time.Now()
		r.update1(tea.KeyMsg{Type: tea.KeyEnter})
		r.until(b, "the board to show "+r.chosen+" moving", 10*time.Second, func() bool { return r.shows(r.chosen + " ◐") })
		shown := time.Now()
		b.StopTimer()
		first, update := r.times()
		toFirst += first.Sub(start)
		toUpdate += update.Sub(start)
		toBoard += shown.Sub(update)
	}
	n := float64(b.N)
	b.ReportMetric(float64(toFirst.Microseconds())/n/1000, "ms-confirm-to-first-call")
	b.ReportMetric(float64(toUpdate.Microseconds())/n/1000, "ms-confirm-to-UpdateService")
	b.ReportMetric(float64(toBoard.Microseconds())/n/1000, "ms-UpdateService-to-board")
}

// latencyRig is a demo world, a TUI model on it, and a record of when the
// sim saw requests after the mark.
type latencyRig struct {
	m      tea.Model
	mu     sync.Mutex
	marked bool
	first  time.Time
	update time.Time
	chosen string
	msgs   chan tea.Msg
	world  *sim.World
	base   string // the world's URL
	quiet  time.Duration
}

// newLatencyRig builds the rig on a world that stands still.
func newLatencyRig(b *testing.B) *latencyRig {
	return newRigOn(b, sim.Options{Seed: 7, Clock: fakeclock.New(time.Now())})
}

// newRigOn builds the rig on a world made with o.
func newRigOn(tb testing.TB, o sim.Options) *latencyRig {
	return newRig(tb, rigOptions{world: o})
}

// rigOptions shape a rig beyond its world.
type rigOptions struct {
	world sim.Options
	// wrap, when set, stands between flightdeck's clients and the world.
	wrap func(http.Handler) http.Handler
	// config, when set, edits the config the world writes.
	config func([]byte) []byte
	// tokens from the environment (as a user's run finds them) instead of
	// the demo's; and the audit log to use.
	realTokens bool
	auditLog   string
	width      int
	height     int
	// waitFor says when the first data is on screen (default: a version).
	waitFor func(view string) bool
	// quiet is how long send waits for the messages a key causes to stop
	// (default 50 ms).
	quiet time.Duration
}

// newRig builds a rig: a world served over loopback HTTP, the real
// providers on it and the real TUI model, sized and fed its first data.
func newRig(tb testing.TB, o rigOptions) *latencyRig {
	r := &latencyRig{msgs: make(chan tea.Msg, 64), quiet: cmp.Or(o.quiet, 50*time.Millisecond)}
	w := sim.New(o.world)
	var handler http.Handler = w.Handler()
	if o.wrap != nil {
		handler = o.wrap(handler)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if r.marked {
			now := time.Now()
			if r.first.IsZero() {
				r.first = now
			}
			if strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".UpdateService") && r.update.IsZero() {
				r.update = now
			}
		}
		r.mu.Unlock()
		handler.ServeHTTP(rw, req)
	}))
	tb.Cleanup(srv.Close)
	raw := w.WriteConfig(srv.URL)
	if o.config != nil {
		raw = o.config(raw)
	}
	cfg, err := config.Parse(raw, "bench")
	if err != nil {
		tb.Fatal(err)
	}
	g := &globals{auditLog: cmp.Or(o.auditLog, filepath.Join(tb.TempDir(), "audit.jsonl")), simulated: !o.realTokens}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	wd, err := buildWorld(ctx, g, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(wd.close)
	rend := lipgloss.NewRenderer(os.Stdout)
	rend.SetColorProfile(termenv.Ascii)
	opts := uiOptions(ctx, g, cfg, wd, "bench")
	opts.Renderer, opts.Notify = rend, nil
	m := ui.New(opts)
	r.m, r.world = m, w
	r.launch(m.Init())
	r.send(tea.WindowSizeMsg{Width: cmp.Or(o.width, 120), Height: cmp.Or(o.height, 40)})
	r.base = srv.URL
	waitFor := o.waitFor
	if waitFor == nil {
		waitFor = func(view string) bool { return strings.Contains(view, "api-") || versionRe.MatchString(view) }
	}
	r.until(tb, "the first data", 10*time.Second, func() bool { return waitFor(r.view()) })
	return r
}

var versionRe = regexp.MustCompile(`[0-9a-f]{7} [✓◐]`)

var pickedRe = regexp.MustCompile(`▸ ([0-9a-f]{7}) .*✓ point the service at api-production:\d+`)

// driveToConfirm opens the picker on api/production, takes the newest
// older revision and types the environment's name into the confirmation.
func (r *latencyRig) driveToConfirm(b *testing.B) {
	for _, k := range []string{"l", "l", "r"} {
		r.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
	r.until(b, "the history", 10*time.Second, func() bool { return pickedRe.MatchString(r.view()) })
	m := pickedRe.FindStringSubmatch(r.view())
	if m == nil {
		b.Fatalf("no revision to pick:\n%s", r.view())
	}
	r.chosen = m[1]
	r.send(tea.KeyMsg{Type: tea.KeyEnter})
	r.until(b, "the confirmation", 5*time.Second, func() bool { return r.shows("Type its name") })
	for _, c := range "production" {
		r.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{c}})
	}
	if !strings.Contains(r.view(), "matches") {
		b.Fatalf("the confirmation should be ready:\n%s", r.view())
	}
	r.mu.Lock()
	r.marked = true
	r.mu.Unlock()
}

// send runs one message through Update and starts the commands it
// returns, then handles what arrives for a moment: like the Bubble Tea
// loop, every command runs in its own goroutine and timers fire late.
func (r *latencyRig) send(msg tea.Msg) {
	r.update1(msg)
	r.settle(r.quiet)
}

func (r *latencyRig) update1(msg tea.Msg) {
	next, cmd := r.m.Update(msg)
	r.m = next
	r.launch(cmd)
}

func (r *latencyRig) launch(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		switch msg := cmd().(type) {
		case nil, tea.QuitMsg:
		case tea.BatchMsg:
			for _, c := range msg {
				r.launch(c)
			}
		default:
			r.msgs <- msg
		}
	}()
}

// settle handles messages until none arrives for quiet.
func (r *latencyRig) settle(quiet time.Duration) {
	for {
		select {
		case msg := <-r.msgs:
			r.update1(msg)
		case <-time.After(quiet):
			return
		}
	}
}

// until handles messages until ok holds, or fails after limit.
func (r *latencyRig) until(tb testing.TB, what string, limit time.Duration, ok func() bool) {
	tb.Helper()
	deadline := time.After(limit)
	for !ok() {
		select {
		case msg := <-r.msgs:
			r.update1(msg)
		case <-deadline:
			tb.Fatalf("timed out waiting for %s:\n%s", what, r.view())
		}
	}
}

func (r *latencyRig) view() string        { return ansi.Strip(r.m.View()) }
func (r *latencyRig) shows(s string) bool { return strings.Contains(r.view(), s) }

func (r *latencyRig) times() (first, update time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first, r.update
}

// BenchmarkGitHubJobLatency measures issue 5's number: from a GitHub
// Actions job changing state in the sim to the TUI's snapshot holding the
// change and a frame drawn from it, while the board polls hot. The real
// TUI model, the real GitHub source (go-github, ETags) and the sim over
// loopback HTTP.
//
// The world runs on the wall clock, as in the demo, so GitHub's rate-limit
// window and the client's clock agree (a world clock racing ahead makes
// the budget look tighter than it is, and the poller slows down for it).
// It runs at the demo's pace; FLIGHTDECK_BENCH_SPEED=4 makes it four
// times busier, so that more of each poll's answers are 200s that count
// against the budget and the poller slows down to keep a reserve. Only
// changes that land while the service shows a run moving count (the
// source polls hot then). The rig steps the world every millisecond; a
// change counts from the step that makes it visible to requests.
// Run with -benchtime=20x -timeout=30m: at the demo's pace a change that
// counts comes every 30 s or so, and 20 of them outlast go test's default
// ten minutes.
func BenchmarkGitHubJobLatency(b *testing.B) {
	speed := 1.0
	if v := os.Getenv("FLIGHTDECK_BENCH_SPEED"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			b.Fatalf("FLIGHTDECK_BENCH_SPEED=%q: want a positive number", v)
		}
		speed = f
	}
	r := newRigOn(b, sim.Options{Seed: 7, Speed: speed})
	var total, worst time.Duration
	for range b.N {
		b.StopTimer()
		id, before, start := r.awaitGitHubJobChange(b, "web")
		b.StartTimer()
		r.until(b, "the job's change on screen", 15*time.Second, func() bool {
			st, ok := r.jobStatus("web", id)
			return ok && st != before
		})
		_ = r.m.View()
		d := time.Since(start)
		b.StopTimer()
		total += d
		worst = max(worst, d)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms-job-change-to-screen")
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms-worst")
	if rr, ok := r.rate(); ok {
		b.ReportMetric(float64(rr), "github-requests-left")
	}
}

// awaitGitHubJobChange runs the TUI and the world on the wall clock until
// a job of the service that the TUI already shows changes state in the
// world, and returns its id, the status the TUI shows for it and when the
// change became visible.
func (r *latencyRig) awaitGitHubJobChange(b *testing.B, service string) (string, model.RunStatus, time.Time) {
	seen := func() map[string]sim.RunStatus {
		out := map[string]sim.RunStatus{}
		for _, p := range r.world.Pipelines(service) {
			for _, wf := range p.Workflows {
				for _, j := range wf.Jobs {
					if j.GitHubID != 0 {
						out[strconv.FormatInt(j.GitHubID, 10)] = j.Status
					}
				}
			}
		}
		return out
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Minute)
	was := seen()
	for {
		select {
		case msg := <-r.msgs:
			r.update1(msg)
			continue
		case <-deadline:
			b.Fatalf("no job of %s changed in five minutes", service)
		case <-tick.C:
		}
		r.world.Step(time.Now())
		now := seen()
		for id, st := range now {
			if old, ok := was[id]; ok && old != st {
				if shown, ok := r.jobStatus(service, id); ok && sameState(shown, old) && r.hot(service) {
					return id, shown, time.Now()
				}
			}
		}
		was = now
	}
}

// hot reports whether the TUI polls the service's source hot: the service
// shows a run moving.
func (r *latencyRig) hot(service string) bool {
	svc, ok := r.m.(ui.Model).Snapshot().Service(service)
	return ok && svc.CIMoving()
}

// sameState reports whether the TUI shows a job as the sim had it: only
// then is the TUI caught up, and the change about to be measured the one
// the TUI will show next.
func sameState(shown model.RunStatus, was sim.RunStatus) bool {
	switch was {
	case sim.RunBlocked:
		return shown == model.RunBlocked || shown == model.RunQueued
	case sim.RunNotRun:
		return shown == model.RunSkipped
	}
	return string(shown) == string(was)
}

// rate is what the header's GitHub budget says is left.
func (r *latencyRig) rate() (int, bool) {
	m := regexp.MustCompile(`github ([0-9 ]+)/`).FindStringSubmatch(r.view())
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], " ", ""))
	return n, err == nil
}

// jobStatus is what the TUI's snapshot says of a job.
func (r *latencyRig) jobStatus(service, id string) (model.RunStatus, bool) {
	svc, ok := r.m.(ui.Model).Snapshot().Service(service)
	if !ok {
		return "", false
	}
	for _, p := range svc.Pipelines {
		for _, wf := range p.Workflows {
			for _, j := range wf.Jobs {
				if j.ID == id {
					return j.Status, true
				}
			}
		}
	}
	return "", false
}
