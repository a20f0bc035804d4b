package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"flightdeck/model"
	"flightdeck/providers"
)

// compareKey names one comparison: what head has over base in a repository.
type compareKey struct{ repo, base, head string }

// comparedMsg answers one compare the drift column asked for.
type comparedMsg struct {
	key compareKey
	cmp model.Comparison
	err error
}

// compares holds the repository host's comparisons of neighbouring
// environments, for the drift column. A comparison of two commits never
// changes, so each is asked for once; a failed one is asked again after
// compareRetry. Shared by copies of the model, like the snapshot.
type compares struct {
	done  map[compareKey]model.Comparison
	asked map[compareKey]time.Time // in flight, or failed, since
}

// compareRetry is how long a failed compare waits before it is asked again.
const compareRetry = 5 * time.Minute

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
			k := compareKey{repo: repo, base: down, head: up}
			if _, ok := m.cmp.done[k]; ok {
				continue
			}
			if at, ok := m.cmp.asked[k]; ok && m.now.Sub(at) < compareRetry {
				continue
			}
			m.cmp.asked[k] = m.now
			cmds = append(cmds, compareCmd(m.opts.Context, lr, k, m.poll.timing.Timeout))
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

func (m Model) handleCompared(msg comparedMsg) Model {
	if msg.err == nil {
		m.cmp.done[msg.key] = msg.cmp
		delete(m.cmp.asked, msg.key)
	}
	return m
}

// compared is the board's view of the comparisons: what the host said
// about a service's downstream commit (base) against its upstream (head).
func (m Model) compared(service, base, head string) (model.Comparison, bool) {
	_, repo := m.lineage(service)
	if repo == "" {
		return model.Comparison{}, false
	}
	c, ok := m.cmp.done[compareKey{repo: repo, base: base, head: head}]
	return c, ok
}
