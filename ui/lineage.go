package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/airside-dev/flightdeck/model"
	"github.com/airside-dev/flightdeck/providers"
)

// The repository host answers two kinds of question for the screens: what
// a commit is (subject and author, wherever a SHA shows with room for
// them) and what lies between two commits (the drift column). Answers
// about full SHAs never change, so each is asked once; a failed one is
// asked again after lineageRetry. Reads run as commands, never in View.

// lineageRetry is how long a failed read waits before it is asked again.
const lineageRetry = 5 * time.Minute

// answers remembers one kind of answer by its question. It holds maps, so
// copies of the model share it, like the snapshot.
type answers[K comparable, V any] struct {
	done  map[K]V
	asked map[K]time.Time // in flight, or failed, since
}

func newAnswers[K comparable, V any]() answers[K, V] {
	return answers[K, V]{done: map[K]V{}, asked: map[K]time.Time{}}
}

// ask reports whether k should be asked now, and if so marks it asked.
func (a answers[K, V]) ask(k K, now time.Time) bool {
	if _, ok := a.done[k]; ok {
		return false
	}
	if at, ok := a.asked[k]; ok && now.Sub(at) < lineageRetry {
		return false
	}
	if len(a.asked) >= maxAnswers {
		// Failures pile up only while the host is unreachable: forget
		// those whose wait is over, never a question still in flight.
		for q, at := range a.asked {
			if now.Sub(at) >= lineageRetry {
				delete(a.asked, q)
			}
		}
	}
	a.asked[k] = now
	return true
}

// maxAnswers bounds what a board left open for days remembers. Past it
// the answers are forgotten at once and asked again as the screens need
// them; the provider keeps its own bounded cache, so that costs little.
const maxAnswers = 2048

// answered records an answer; a failure leaves k to be asked again later.
func (a answers[K, V]) answered(k K, v V, err error) {
	if err != nil {
		return
	}
	if len(a.done) >= maxAnswers {
		clear(a.done)
	}
	a.done[k] = v
	delete(a.asked, k)
}

func (a answers[K, V]) get(k K) (V, bool) {
	v, ok := a.done[k]
	return v, ok
}

// commitKey names one commit of a repository.
type commitKey struct{ repo, sha string }

// commitMsg answers one commit read.
type commitMsg struct {
	key    commitKey
	commit model.Commit
	err    error
}

// readCommits asks the host for the commits on screen it has not told
// yet: those of the gates waiting (the waiting panel) and, with a service's
// detail open, of its environments, their deploys and its pipelines.
func (m Model) readCommits() tea.Cmd {
	want := map[string][]string{} // service → SHAs
	for _, g := range m.snap.Approvals {
		want[g.Service] = append(want[g.Service], g.SHA)
	}
	if m.screen == screenDetail {
		if svc, ok := m.snap.Service(m.detail.Service()); ok {
			want[svc.Name] = append(want[svc.Name], shownSHAs(svc)...)
		}
	}
	var cmds []tea.Cmd
	for service, shas := range want {
		lr, repo := m.lineage(service)
		if lr == nil || repo == "" {
			continue
		}
		for _, sha := range shas {
			k := commitKey{repo: repo, sha: sha}
			if sha != "" && m.commits.ask(k, m.now) {
				cmds = append(cmds, commitCmd(m.opts.Context, lr, k, m.poll.timing.Timeout))
			}
		}
	}
	return tea.Batch(cmds...)
}

// shownSHAs are the commits whose subject a service's detail shows: what
// each environment runs, what it is deploying, and each pipeline's.
func shownSHAs(svc *model.ServiceState) []string {
	var out []string
	for _, e := range svc.Environments {
		out = append(out, e.Version.SHA)
		if d := e.Deployment; d != nil {
			out = append(out, d.ToSHA)
		}
	}
	for _, p := range svc.Pipelines {
		out = append(out, p.SHA)
	}
	return out
}

func commitCmd(ctx context.Context, lr providers.LineageReader, k commitKey, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		c, err := lr.Commit(cctx, k.repo, k.sha)
		return commitMsg{key: k, commit: c, err: err}
	}
}

// hostAnswers is what the screens read of the repository host: small, so
// that handing its methods to a screen (screen.Context) copies a few
// words, not the root model, on every frame.
type hostAnswers struct {
	providers *providers.Registry
	cmp       answers[compareKey, model.Comparison]
	commits   answers[commitKey, model.Commit]
}

func (m Model) host() hostAnswers {
	return hostAnswers{providers: m.opts.Providers, cmp: m.cmp, commits: m.commits}
}

// commit is the screens' view of the commits read: what the host said of
// a service's commit.
func (h hostAnswers) commit(service, sha string) (model.Commit, bool) {
	_, repo := h.providers.Lineage(service)
	if repo == "" || sha == "" {
		return model.Commit{}, false
	}
	return h.commits.get(commitKey{repo: repo, sha: sha})
}

// compareKey names one comparison: what head has over base in a repository.
type compareKey struct{ repo, base, head string }

// comparedMsg answers one compare the drift column asked for.
type comparedMsg struct {
	key compareKey
	cmp model.Comparison
	err error
}

// compareDrift asks the repository host for each neighbouring pair of
// environments whose commits differ and that it has not compared yet.
func (m Model) compareDrift() tea.Cmd {
	var cmds []tea.Cmd
	for i := range m.snap.Services {
		svc := &m.snap.Services[i]
		lr, repo := m.lineage(svc.Name)
		if lr == nil {
			continue
		}
		for j := 1; j < len(svc.Environments); j++ {
			up, down := svc.Environments[j-1].Version.SHA, svc.Environments[j].Version.SHA
			if up == "" || down == "" || model.SameCommit(up, down) {
				continue
			}
			if k := (compareKey{repo: repo, base: down, head: up}); m.cmp.ask(k, m.now) {
				cmds = append(cmds, compareCmd(m.opts.Context, lr, k, m.poll.timing.Timeout))
			}
		}
	}
	return tea.Batch(cmds...)
}

func compareCmd(ctx context.Context, lr providers.LineageReader, k compareKey, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		cmp, err := lr.Compare(cctx, k.repo, k.base, k.head)
		return comparedMsg{key: k, cmp: cmp, err: err}
	}
}

// compared is the board's view of the comparisons: what the host said
// about a service's downstream commit (base) against its upstream (head).
func (h hostAnswers) compared(service, base, head string) (model.Comparison, bool) {
	_, repo := h.providers.Lineage(service)
	if repo == "" {
		return model.Comparison{}, false
	}
	return h.cmp.get(compareKey{repo: repo, base: base, head: head})
}

// lineageCmds asks what the screens need from the repository host.
func (m Model) lineageCmds() tea.Cmd { return tea.Batch(m.compareDrift(), m.readCommits()) }
