package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// o opens the console page of the selected environment (on the detail,
// the shown workflow's page first); y copies its SHA; over SSH the
// address is shown instead.
func TestLinksOut(t *testing.T) {
	specs, fs := world()
	for i := range fs.envs {
		fs.envs[i].ConsoleURL = "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/" + fs.envs[i].Service + "/health?region=eu-west-1"
	}
	ci := &fakeCI{wf: failingWorkflow()}
	ci.wf.URL = "https://app.circleci.com/pipelines/github/acme/api/7/workflows/wf-1"
	var opened, copied []string
	openOK := true
	m := New(Options{Title: "links", Services: specs, Providers: registry([]providers.DeploySource{fs}, ci),
		Now: func() time.Time { return t0 }, Renderer: asciiRenderer(), Context: context.Background(),
		Open: func(u string) (bool, error) { opened = append(opened, u); return openOK, nil },
		Copy: func(s string) error { copied = append(copied, s); return nil }})
	h := &ciHarness{actionHarness: actionHarness{m: update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})}, ci: ci}
	h.poll(t)
	h.press(t, "o")
	if len(opened) != 1 || !strings.Contains(opened[0], "/services/api/health") || !strings.Contains(view(h.m), "opened the console page of api/staging") {
		t.Errorf("o on the board: opened %v\n%s", opened, view(h.m))
	}
	h.press(t, "y")
	e, _ := h.m.snap.Env(model.EnvKey{Service: "api", Environment: "staging"})
	if len(copied) != 1 || copied[0] != e.Version.SHA || !strings.Contains(view(h.m), "copied "+e.Version.SHA) {
		t.Errorf("y on the board: copied %v\n%s", copied, view(h.m))
	}
	h.press(t, "enter")
	openOK = false // as over SSH: nothing opened, the address shown
	h.press(t, "o")
	if len(opened) != 2 || opened[1] != ci.wf.URL || !strings.Contains(view(h.m), "open build-deploy · pipeline #7 in a browser: https://app.circleci.com/") {
		t.Errorf("o on the detail: opened %v\n%s", opened, view(h.m))
	}
}

func TestBrowserCommand(t *testing.T) {
	u := "https://example.com/a?b=c"
	for env, want := range map[string]string{
		"":                              "",
		"firefox":                       "firefox " + u,
		"firefox --new-window:chromium": "firefox --new-window " + u,
		"open -a Safari %s":             "open -a Safari " + u,
		"w3m %s; rm -rf ~":              "w3m " + u + "; rm -rf ~", // words, never a shell
	} {
		if got := strings.Join(browserCommand(env, u), " "); got != want {
			t.Errorf("browserCommand(%q) = %q, want %q", env, got, want)
		}
	}
	if _, err := BrowserOpener()("javascript:alert(1)"); err == nil {
		t.Error("a javascript: address was opened")
	}
}

// BenchmarkLinkKeys is the time from o (or y) to the opener (or the
// clipboard) being called: the key, the command, and its answer drawn.
func BenchmarkLinkKeys(b *testing.B) {
	specs, fs := world()
	for i := range fs.envs {
		fs.envs[i].ConsoleURL = "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/x/health"
	}
	calls := 0
	m := New(Options{Title: "links", Services: specs, Providers: registry([]providers.DeploySource{fs}),
		Now: func() time.Time { return t0 }, Renderer: asciiRenderer(), Context: context.Background(),
		Open: func(string) (bool, error) { calls++; return true, nil },
		Copy: func(string) error { calls++; return nil }})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	m = next.(Model)
	for i := range m.poll.sources {
		next, _ = m.Update(m.poll.start(context.Background(), i, m.opts.Now)())
		m = next.(Model)
	}
	for _, k := range []string{"o", "y"} {
		b.Run(k, func(b *testing.B) {
			for b.Loop() {
				next, cmd := m.Update(keyMsg(k))
				next, _ = next.(Model).Update(cmd())
				_ = next.(Model).View()
			}
		})
	}
	if calls == 0 {
		b.Fatal("nothing was opened or copied")
	}
}

// linkingLineage is fakeLineage that also gives commit pages.
type linkingLineage struct{ fakeLineage }

func (linkingLineage) CommitURL(repo, sha string) string {
	return "https://github.com/" + repo + "/commit/" + sha
}

func (linkingLineage) CompareURL(repo, base, head string) string {
	return "https://github.com/" + repo + "/compare/" + base + "..." + head
}

// Where the terminal shows links, each SHA on the board and the detail
// links to its commit; elsewhere nothing but the SHA is drawn.
func TestSHAsLinkToTheirCommits(t *testing.T) {
	for _, on := range []bool{true, false} {
		h := newCIHarness(t)
		h.m.opts.Hyperlinks = on
		h.m.opts.Providers.SetLineage(linkingLineage{}, everyRepo(h.m, "acme/api"))
		board := h.m.View()
		want := "https://github.com/acme/api/commit/" + sha('a')
		if got := strings.Contains(board, "\x1b]8;") && strings.Contains(board, want); got != on {
			t.Errorf("links %v: the board has a link to %s: %v\n%q", on, want, got, board)
		}
		h.press(t, "enter")
		if got := strings.Contains(h.m.View(), want); got != on {
			t.Errorf("links %v: the detail has a link: %v", on, got)
		}
		if strings.Contains(ansi.Strip(board), "commit/") {
			t.Errorf("an address was printed as text:\n%s", ansi.Strip(board))
		}
	}
}

func TestTerminalShowsLinks(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"TERM_PROGRAM": "iTerm.app"}, true},
		{map[string]string{"TERM": "xterm-kitty"}, true},
		{map[string]string{"VTE_VERSION": "7600"}, true},
		{map[string]string{"VTE_VERSION": "4800"}, false},
		{map[string]string{"TERM": "xterm-256color"}, false},
		{map[string]string{"TERM_PROGRAM": "iTerm.app", "TMUX": "/tmp/tmux-0/default,1,0"}, false},
		{map[string]string{"TMUX": "x", "FLIGHTDECK_HYPERLINKS": "1"}, true},
		{map[string]string{"TERM_PROGRAM": "WezTerm", "FLIGHTDECK_HYPERLINKS": "0"}, false},
	} {
		if got := TerminalShowsLinks(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %v, want %v", c.env, got, c.want)
		}
	}
}
